"""The view beacon (distribution/beacon.py): views are counted when the page is shown, by a request the
page makes, so they count the same whoever served the page (Django, the page store, a front
cache). Through HTTP with the test client, through the WSGI fast path, and in Chromium with and
without JavaScript."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from zimei.articles.models import Article
from zimei.articles.services import ArticleInput, article_create, article_take_down, article_withdraw
from zimei.distribution import counters
from zimei.distribution.beacon import GIF, BeaconApp
from zimei.distribution.counters import flush

from .factories import creator, editor, published_article

FIREFOX = {
    "REMOTE_ADDR": "203.0.113.7",
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
    "HTTP_SEC_FETCH_SITE": "same-origin",
}
# What Chromium sends with the beacon (the test's own agent: Playwright's says HeadlessChrome,
# which the counter rightly takes for a bot).
CHROME_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"
)


def reader(n: int, **extra) -> dict:
    return {**FIREFOX, "REMOTE_ADDR": f"198.51.100.{n}", **extra}


def views(article) -> int:
    flush()
    return Article.objects.get(id=article.id).view_count


@pytest.fixture
def article(db):
    return published_article(title="信标计数：读者看到页面时才算一次")


# --- through HTTP -----------------------------------------------------------------------------


def test_a_reader_counts_once_by_script_or_image(client, article):
    for _ in range(3):  # one reader, three times within 30 minutes: one view
        assert client.post(f"/views/{article.id}/", **FIREFOX).status_code == 204
    assert client.get(f"/views/{article.id}.gif", **FIREFOX).status_code == 200  # the same reader
    assert views(article) == 1
    assert client.get(f"/views/{article.id}.gif", **reader(2)).status_code == 200
    assert client.post(f"/views/{article.id}/", **reader(3)).status_code == 204
    assert views(article) == 3


def test_serving_the_page_counts_nothing(client, article):
    """Render, page-store hit and the WSGI fast path alike: only the beacon counts."""
    from zimei.wsgi import application

    assert client.get(f"/zh-hans/a/{article.id}/", **FIREFOX)["X-Cache"] == "MISS"
    assert client.get(f"/zh-hans/a/{article.id}/", **reader(2))["X-Cache"] == "HIT"
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/zh-hans/a/{article.id}/",
        "QUERY_STRING": "",
        "HTTP_HOST": "testserver",
        **reader(3),
    }
    seen = {}
    body = b"".join(application(environ, lambda status, headers: seen.update(status=status)))
    assert seen["status"] == "200 OK" and b'data-view="' in body
    assert views(article) == 0


def test_bots_prefetches_and_agentless_clients_are_not_counted(client, article):
    for agent in [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; Baiduspider/2.0)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/140.0 Safari/537.36",
        "curl/8.5.0",
        "",
    ]:
        assert client.post(f"/views/{article.id}/", **reader(1, HTTP_USER_AGENT=agent)).status_code == 204
        assert client.get(f"/views/{article.id}.gif", **reader(1, HTTP_USER_AGENT=agent)).status_code == 200
    assert client.post(f"/views/{article.id}/", **reader(2, HTTP_SEC_PURPOSE="prefetch")).status_code == 204
    assert client.get(f"/views/{article.id}.gif", **reader(3, HTTP_PURPOSE="prefetch")).status_code == 200
    assert views(article) == 0


def test_other_sites_cannot_make_their_visitors_count(client, article):
    refused = [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},  # another subdomain is another site's page
        {"HTTP_SEC_FETCH_SITE": "none"},  # typed into the address bar: not a page's beacon
        # Older browsers without Sec-Fetch-*: Origin, else Referer.
        {"HTTP_SEC_FETCH_SITE": "", "HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "", "HTTP_ORIGIN": "null"},  # a sandboxed frame, a data: page
        {"HTTP_SEC_FETCH_SITE": "", "HTTP_REFERER": "https://evil.example/page"},
        {"HTTP_SEC_FETCH_SITE": "", "HTTP_REFERER": "https://testserver.evil.example/"},
    ]
    for n, headers in enumerate(refused):
        post = client.post(f"/views/{article.id}/", **reader(n, **headers))
        gif = client.get(f"/views/{article.id}.gif", **reader(n, **headers))
        assert (post.status_code, gif.status_code) == (403, 403), headers
        assert post["Cache-Control"] == gif["Cache-Control"] == "no-store"
    assert views(article) == 0
    # Sec-Fetch-Site decides when present; without it, the page's own Origin or Referer passes
    # (the host only: a proxy in front may change the port and scheme).
    accepted = [
        {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "", "HTTP_ORIGIN": "http://testserver"},
        {"HTTP_SEC_FETCH_SITE": "", "HTTP_ORIGIN": "https://testserver:8443"},
        {"HTTP_SEC_FETCH_SITE": "", "HTTP_REFERER": f"http://testserver/zh-hans/a/{article.id}/"},
        {"HTTP_SEC_FETCH_SITE": ""},  # a browser that sends none of them
    ]
    for n, headers in enumerate(accepted, start=100):
        assert client.post(f"/views/{article.id}/", **reader(n, **headers)).status_code == 204, headers
    assert views(article) == len(accepted)


def test_a_trusted_origin_counts(client, article, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.zimei.example"]
    headers = {"HTTP_SEC_FETCH_SITE": "", "HTTP_ORIGIN": "https://www.zimei.example"}
    assert client.post(f"/views/{article.id}/", **reader(1, **headers)).status_code == 204
    assert (
        client.post(
            f"/views/{article.id}/",
            **reader(2, HTTP_SEC_FETCH_SITE="", HTTP_ORIGIN="https://zimei.example.evil"),
        ).status_code
        == 403
    )
    assert views(article) == 1


def test_the_answers_are_tiny_never_stored_and_set_no_cookie(article):
    signed_in = Client(enforce_csrf_checks=True)  # no token needed, and no session read
    signed_in.force_login(article.author.user)
    post = signed_in.post(f"/views/{article.id}/", **FIREFOX)
    assert post.status_code == 204 and post.content == b""
    gif = signed_in.get(f"/views/{article.id}.gif", **reader(2))
    assert gif.status_code == 200 and gif.content == GIF and gif.content.startswith(b"GIF89a")
    assert gif["Content-Type"] == "image/gif" and len(gif.content) < 50
    for response in (post, gif):
        assert response["Cache-Control"] == "no-store"
        assert not response.cookies
        assert "Cookie" not in response.get("Vary", "")  # the session was never touched
        assert response["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(gif.content))
    assert image.size == (1, 1) and image.convert("RGBA").getpixel((0, 0))[3] == 0  # transparent
    assert views(article) == 2
    assert Client().get(f"/views/{article.id}/").status_code == 405
    assert Client().post(f"/views/{article.id}.gif").status_code == 405


@pytest.mark.django_db
def test_ids_that_are_not_published_articles_answer_the_same_and_are_not_counted(client):
    author = creator()
    draft = article_create(
        author=author, data=ArticleInput(title="草稿", body_html="<p>草稿。</p>", channel="tech")
    )
    withdrawn = article_withdraw(article=published_article(author), actor=author.user)
    taken_down = article_take_down(article=published_article(author), actor=editor(), reason="违规")
    live = published_article(author)
    ids = [draft.id, withdrawn.id, taken_down.id, 999_999, 0, 10**30, live.id]
    for n, article_id in enumerate(ids):
        assert client.post(f"/views/{article_id}/", **reader(n)).status_code == 204
        assert client.get(f"/views/{article_id}.gif", **reader(n + 50)).status_code == 200
    flush()  # the unknown and unpublished ids are dropped here; nothing fails
    counts = dict(Article.objects.values_list("id", "view_count"))
    assert counts == {draft.id: 0, withdrawn.id: 0, taken_down.id: 0, live.id: 2}


def test_a_counting_failure_is_never_the_readers_error(client, article, monkeypatch):
    def broken(article_id, viewer):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(counters.counter(), "record", broken)
    assert client.post(f"/views/{article.id}/", **FIREFOX).status_code == 204
    assert client.get(f"/views/{article.id}.gif", **FIREFOX).status_code == 200


def test_every_article_page_carries_its_id_and_the_image_for_readers_without_script(client, article):
    for path in ("/zh-hans/a/{}/", "/zh-hant/a/{}/", "/zh-hans/care/a/{}/", "/zh-hant/care/a/{}/"):
        html = client.get(path.format(article.id)).content.decode()
        assert f'<article class="post" data-view="{article.id}">' in html, path
        assert f'<noscript><img class="view-beacon" src="/views/{article.id}.gif" alt=""' in html, path
    # Nothing in the page is per reader: a second reader gets the stored copy.
    assert client.get(f"/zh-hans/a/{article.id}/", **reader(9))["X-Cache"] == "HIT"


# --- the WSGI fast path (under `zimei serve`) -------------------------------------------------


def _call(app, method: str, path: str, **meta) -> tuple[str, dict, bytes]:
    seen: dict = {}
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "HTTP_HOST": "zimei.example"}
    body = b"".join(app({**environ, **meta}, lambda s, h: seen.update(status=s, headers=dict(h))))
    return seen["status"], seen["headers"], body


def test_the_fast_path_answers_before_django(article):
    def django_app(environ, start_response):
        start_response("418 I'm a teapot", [])
        return [b"django"]

    app = BeaconApp(django_app)
    status, headers, body = _call(app, "POST", f"/views/{article.id}/", **FIREFOX)
    assert (status, body) == ("204 No Content", b"") and headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in headers and "Content-Security-Policy" in headers
    status, headers, body = _call(app, "GET", f"/views/{article.id}.gif", **reader(2))
    assert (status, body, headers["Content-Type"]) == ("200 OK", GIF, "image/gif")
    assert headers["Content-Length"] == str(len(GIF))
    cross = reader(3, HTTP_SEC_FETCH_SITE="cross-site")
    assert _call(app, "POST", f"/views/{article.id}/", **cross)[0] == "403 Forbidden"
    own = reader(4, HTTP_SEC_FETCH_SITE="", HTTP_ORIGIN="https://zimei.example")  # the Host's origin
    assert _call(app, "POST", f"/views/{article.id}/", **own)[0] == "204 No Content"
    # Anything else goes on to Django: other paths, wrong methods, malformed ids.
    for method, path in [
        ("GET", f"/views/{article.id}/"),
        ("POST", f"/views/{article.id}.gif"),
        ("POST", "/views/abc/"),
        ("POST", f"/views/{article.id}"),
        ("GET", "/zh-hans/"),
    ]:
        assert _call(app, method, path, **FIREFOX)[2] == b"django", (method, path)
    assert views(article) == 3


def test_the_served_application_has_the_fast_path(article):
    from zimei.wsgi import application

    status, headers, _ = _call(application, "POST", f"/views/{article.id}/", **FIREFOX)
    assert status == "204 No Content" and headers["Cache-Control"] == "no-store"
    assert views(article) == 1


# --- in Chromium ------------------------------------------------------------------------------


def _beacons(page) -> list[str]:
    found: list[str] = []
    page.on("request", lambda r: "/views/" in r.url and found.append(f"{r.method} {r.url}"))
    return found


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_opening_an_article_in_chromium_counts_one_view(live_server, chromium, article):
    context = chromium.new_context(user_agent=CHROME_AGENT, locale="zh-CN")
    context.add_cookies([{"name": "zimei_variant", "value": "zh-hans", "url": live_server.url}])
    page = context.new_page()
    sent = _beacons(page)
    with page.expect_response(f"**/views/{article.id}/") as answered:
        page.goto(f"{live_server.url}/zh-hans/a/{article.id}/")
    response = answered.value
    assert response.status == 204 and response.request.method == "POST"
    assert "cookie" not in response.request.all_headers()  # the page's cookie is not sent along
    assert response.request.all_headers()["sec-fetch-site"] == "same-origin"
    assert views(article) == 1
    # Once per page load: switching tabs away and back sends nothing more.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_timeout(300)
    assert sent == [f"POST {live_server.url}/views/{article.id}/"]
    # The same reader again within 30 minutes: a beacon, no second view.
    with page.expect_response(f"**/views/{article.id}/"):
        page.reload()
    assert views(article) == 1
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_prerendered_page_counts_only_when_shown(live_server, chromium, article):
    """Chromium's own prerendering cannot be driven from a test; the page sees what it would
    see (document.prerendering, then prerenderingchange on activation)."""
    context = chromium.new_context(user_agent=CHROME_AGENT, locale="zh-CN")
    context.add_init_script(
        "(() => { let pre = true;"
        " Object.defineProperty(Document.prototype, 'prerendering', {configurable: true, get: () => pre});"
        " window.zimeiActivate = () => { pre = false;"
        "   document.dispatchEvent(new Event('prerenderingchange')); }; })();"
    )
    page = context.new_page()
    sent = _beacons(page)
    page.goto(f"{live_server.url}/zh-hans/a/{article.id}/", wait_until="load")
    page.wait_for_timeout(500)
    assert sent == [] and views(article) == 0
    with page.expect_response(f"**/views/{article.id}/"):
        page.evaluate("zimeiActivate()")
    assert views(article) == 1 and len(sent) == 1
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_image_counts(live_server, chromium, article):
    context = chromium.new_context(user_agent=CHROME_AGENT, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    sent = _beacons(page)
    with page.expect_response(f"**/views/{article.id}.gif") as answered:
        page.goto(f"{live_server.url}/zh-hant/care/a/{article.id}/")
    assert answered.value.status == 200
    assert answered.value.request.all_headers()["sec-fetch-site"] == "same-origin"
    assert views(article) == 1 and sent == [f"GET {live_server.url}/views/{article.id}.gif"]
    context.close()


def _api_views(server, article_id: int) -> int:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{server.base}/api/v1/articles/{article_id}", timeout=5) as r:
        return json.load(r)["view_count"]


@pytest.mark.browser
def test_under_zimei_serve_shown_pages_reach_the_count(tmp_path, chromium):
    """The served application, as an operator runs it: BeaconApp answers the beacons in the
    granian workers, whose background flush writes them. The second reader gets the page from
    the page store (never rendered for them) and counts all the same."""
    import time

    from .live import live_server

    with live_server(tmp_path, articles=2, env={"ZIMEI_VIEW_FLUSH_SECONDS": "1"}) as server:
        before = _api_views(server, 1)
        for n, agent in enumerate([CHROME_AGENT, CHROME_AGENT.replace("Linux x86_64", "Windows NT 10.0")]):
            context = chromium.new_context(user_agent=agent, locale="zh-CN")
            try:
                page = context.new_page()
                with page.expect_response("**/views/1/") as answered:
                    shown = page.goto(f"{server.base}/zh-hans/a/1/")
                assert shown.headers.get("x-cache") == ("MISS", "HIT")[n]
                assert answered.value.status == 204 and answered.value.headers["cache-control"] == "no-store"
            finally:
                context.close()
        deadline = time.monotonic() + 30  # the workers flush every second here
        while _api_views(server, 1) < before + 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _api_views(server, 1) == before + 2
