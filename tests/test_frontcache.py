"""The front cache: nginx with deploy/nginx/zimei.conf in front of a real `zimei serve`.

What a reader sees through it: anonymous reader pages come from nginx (the app never sees the
second request), signed-in readers and every write pass through, static files and pictures are
nginx's own; and when an article is published, edited, moved, withdrawn or taken down, every
page that shows it has the new version at once (the figures are printed: run with -s). Then
the purge backends on their own (the Dummy one records), and the reader's address behind a
proxy."""

from __future__ import annotations

import http.client
import http.server
import json
import logging
import math
import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import RequestFactory

from tests.live import (
    FIREFOX,
    LiveServer,
    free_port,
    live_server,
    nginx_in_front,
    once,
    python_with_settings_each,
)
from zimei.core import frontcache, nginx
from zimei.core.frontcache import DummyBackend, nginx_cache_file, nginx_cache_key
from zimei.core.proxies import ProxyHeadersMiddleware, client_ip

PASSWORD = "Zimei-front-cache-2026"
GOAL_SECONDS = 1.0  # publish → new version on every page behind the front cache (issue 9)


# --- a reader's HTTP, through nginx ---------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def cache(self) -> str:
        return self.headers.get("x-cache-status", "")


def fetch(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    source: str = "127.0.0.1",
    timeout: float = 10,
) -> Answer:
    """One request (no redirects followed), from `source` (any 127.x.y.z is this machine)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers={"User-Agent": FIREFOX, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        cookies = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key.strip()] = rest.split(";", 1)[0]
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data, cookies)
    finally:
        conn.close()


class Browser:
    """A signed-in reader's cookies and CSRF token, through nginx."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def _cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def get(self, path: str) -> Answer:
        answer = fetch(self.port, path, headers=self._cookie_header())
        self.cookies.update(answer.cookies)
        return answer

    def post(self, path: str, form: dict[str, str]) -> Answer:
        from urllib.parse import urlencode

        token = self.cookies.get("csrftoken", "")
        body = urlencode({"csrfmiddlewaretoken": token, **form}).encode()
        answer = fetch(
            self.port,
            path,
            method="POST",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", **self._cookie_header()},
        )
        self.cookies.update(answer.cookies)
        return answer

    def sign_in(self, username: str) -> None:
        self.get("/zh-hans/accounts/login/")
        answer = self.post("/zh-hans/accounts/login/", {"username": username, "password": PASSWORD})
        assert answer.status == 302 and "sessionid" in self.cookies, answer.text[:500]


# --- nginx in front of zimei serve ----------------------------------------------------------


@dataclass
class Front:
    server: LiveServer
    nginx: nginx.Nginx
    cache_dir: Path
    app_log: list[str]

    @property
    def port(self) -> int:
        return self.nginx.port

    def get(self, path: str, **kwargs) -> Answer:
        return fetch(self.nginx.port, path, **kwargs)

    def app_saw(self, path: str) -> int:
        """How many requests for `path` reached the app (its access log)."""
        time.sleep(0.3)  # the log line is written after the answer
        return sum(1 for line in list(self.app_log) if f" {path} " in line or f'"{path}' in line)


def _read_log(proc: subprocess.Popen, lines: list[str]) -> None:
    try:
        for line in proc.stdout:
            lines.append(line)
    except (ValueError, OSError):  # the pipe is closed when the server stops
        pass


def _need_nginx() -> None:
    """Skip without nginx on a laptop; in CI (CI set) that is a failure."""
    why = nginx.missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the front cache: {why}")
        pytest.skip(why)


@pytest.fixture(scope="module")
def front(tmp_path_factory) -> Iterator[Front]:
    _need_nginx()
    tmp = tmp_path_factory.mktemp("front")
    port = free_port()
    cache_dir = tmp / "nginx" / "cache"
    env = {
        "ZIMEI_NGINX_CACHE_DIR": str(cache_dir),
        "ZIMEI_TRUSTED_PROXIES": "127.0.0.1",  # nginx; readers come from 127.0.0.2, .3 …
        "ZIMEI_API_RATE_READ": "5",  # anonymous API reads per minute per address
        "ZIMEI_VIEW_FLUSH_SECONDS": "1",  # views reach the database within a second
    }
    with live_server(tmp, articles=20, env=env, serve_args=("--access-log",)) as server:
        app_log: list[str] = []
        threading.Thread(target=_read_log, args=(server.proc, app_log), daemon=True).start()
        # The three accounts side by side (each command spends seconds setting Django up;
        # SQLite lets one write at a time and the others wait their turn).
        begun = [
            server.begin("user", "add", name, "--role", role, "--password-stdin", input=PASSWORD + "\n")
            for name, role in (("fcreader", "reader"), ("fceditor", "editor"))
        ]
        begun.append(server.begin(
            "creator", "add", "fcwriter", "--pen-name", "前台缓存记者", "--channel", "tech",
            "--trusted", "--password-stdin", input=PASSWORD + "\n",
        ))  # fmt: skip
        for command in begun:
            server.finish(command)
        with nginx_in_front(server, tmp / "nginx", port=port, cache_dir=cache_dir) as running:
            yield Front(server, running, cache_dir, app_log)
            errors = [
                line for line in running.error_log().splitlines() if "[emerg]" in line or "[alert]" in line
            ]
            assert not errors, errors


def _an_article(front: Front) -> int:
    home = front.get("/zh-hans/")
    assert home.status == 200
    return int(re.search(r'href="/zh-hans/a/(\d+)/"', home.text).group(1))


# --- what a reader sees ---------------------------------------------------------------------


def test_anonymous_pages_come_from_nginx_and_the_app_sees_only_the_first(front):
    article = _an_article(front)
    path = f"/zh-hant/care/a/{article}/"
    first, second = front.get(path), front.get(path)
    assert (first.status, first.cache) == (200, "MISS")
    assert (second.status, second.cache) == (200, "HIT")
    assert second.body == first.body and "public" in second.headers["cache-control"]
    assert front.app_saw(path) == 1  # the second never reached the app
    # The file nginx wrote is where Zimei's purge looks for it (the same key, the same name).
    assert os.path.exists(nginx_cache_file(front.cache_dir, nginx_cache_key(path)))
    # The same page with a tracking parameter, and a HEAD, are the same cached page.
    assert front.get(path + "?from=singlemessage&isappinstalled=0").cache == "HIT"
    assert front.get(path, method="HEAD").cache == "HIT"
    assert front.app_saw(path) == 1
    # List pages 2..5 are kept once each; deeper pages pass through to the app.
    assert [front.get("/zh-hans/c/tech/?page=2").cache for _ in range(2)] == ["MISS", "HIT"]
    assert front.get("/zh-hans/c/tech/?page=2&utm_source=x").cache == "HIT"
    assert front.get("/zh-hans/c/tech/?page=9").cache == "BYPASS"
    # Hong Kong Traditional pages are reader pages too (nginx's location takes /zh-hk/).
    assert [front.get(f"/zh-hk/a/{article}/").cache for _ in range(2)] == ["MISS", "HIT"]


def test_signed_in_readers_and_writes_pass_through_uncached(front):
    article = _an_article(front)
    path = f"/zh-hans/a/{article}/"
    front.get(path)
    assert front.get(path).cache == "HIT"
    reader = Browser(front.port)
    reader.sign_in("fcreader")  # a POST through nginx, with its CSRF cookie and token
    signed_in = reader.get(path)
    assert (signed_in.status, signed_in.cache) == (200, "BYPASS")
    signed_out = "/accounts/logout/"  # the sign-out form, on signed-in pages only
    assert "private" in signed_in.headers["cache-control"] and signed_out in signed_in.text
    # …and what the signed-in reader got was never stored for anyone else.
    anonymous = front.get(path)
    assert anonymous.cache == "HIT" and signed_out not in anonymous.text
    # A page that sets a cookie (the sign-in form's CSRF cookie) is never kept.
    login = [front.get("/zh-hans/accounts/login/") for _ in range(2)]
    assert all("csrftoken" in a.cookies and a.cache != "HIT" for a in login)
    # Other methods reach the app, uncached (a POST without a CSRF token: the app refuses it).
    seen = front.app_saw(path)
    posted = front.get(path, method="POST", body=b"")
    assert (posted.status, posted.cache) == (403, "") and front.app_saw(path) == seen + 1
    assert front.get(path).cache == "HIT"


def test_static_files_and_pictures_come_from_nginx(front):
    static_root = front.server.data_dir / "static"
    css = front.get("/static/zimei/site.css")
    assert css.status == 200 and css.body == (static_root / "zimei" / "site.css").read_bytes()
    assert css.headers["server"].startswith("nginx") and "max-age=86400" in css.headers["cache-control"]
    gz = front.get("/static/zimei/site.js", headers={"Accept-Encoding": "gzip"})
    assert gz.status == 200 and gz.headers.get("content-encoding") == "gzip"
    article = _an_article(front)
    page = front.get(f"/zh-hans/a/{article}/").text
    pictures = re.findall(r'src="(/media/[^"]+)"', page)
    assert pictures, "the seeded articles have pictures"
    picture = front.get(pictures[0])
    assert picture.status == 200 and picture.headers["content-type"].startswith("image/")
    assert "immutable" in picture.headers["cache-control"]
    assert picture.body == (front.server.data_dir / pictures[0].lstrip("/")).read_bytes()
    # Only pictures: an HTML file dropped into the media folder is not served.
    (front.server.data_dir / "media" / "evil.html").write_text("<script>alert(1)</script>")
    assert front.get("/media/evil.html").status == 404
    assert front.app_saw("/static/zimei/site.css") == 0 and front.app_saw(pictures[0]) == 0


def test_the_app_sees_the_readers_address_not_nginxs(front):
    """Behind nginx the per-address limits count each reader (X-Forwarded-For, believed only
    from the trusted proxy), and a reader cannot pretend to be someone else."""
    path = "/api/v1/channels"
    assert [fetch(front.port, path, source="127.0.0.2").status for _ in range(5)] == [200] * 5
    assert fetch(front.port, path, source="127.0.0.2").status == 429
    spoofed = fetch(front.port, path, source="127.0.0.2", headers={"X-Forwarded-For": "198.51.100.7"})
    assert spoofed.status == 429  # nginx appends the real address; the app reads that one
    assert fetch(front.port, path, source="127.0.0.3").status == 200  # another reader


# --- publish → visible ----------------------------------------------------------------------


def _api(
    front: Front, token: str, method: str, path: str, payload: dict | None = None
) -> tuple[Answer, float]:
    """An API call through nginx; returns the answer and the moment it was received."""
    answer = front.get(
        "/api/v1" + path,
        method=method,
        body=None if method == "GET" else json.dumps(payload or {}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    return answer, time.monotonic()


def _pages(front: Front, article: int, author: int, channel: str) -> list[str]:
    paths = []
    for variant in ("zh-hans", "zh-hant"):
        for care in ("", "care/"):
            base = f"/{variant}/{care}"
            paths += [f"{base}a/{article}/", base, f"{base}c/{channel}/", f"{base}u/{author}/"]
    return [*paths, "/zh-hans/feed/rss.xml"]


def _title_in(text: str, title: str) -> bool:
    from zimei.conversion.variants import HANT, convert

    return title in text or convert(title, HANT) in text


def _until(front: Front, checks: dict[str, Callable[[Answer], bool]], since: float) -> dict[str, float]:
    """Seconds from `since` until each page (polled at once, every 20 ms) passes its check."""

    def watch(path: str, check: Callable[[Answer], bool]) -> float:
        while True:
            if check(front.get(path)):
                return time.monotonic() - since
            if time.monotonic() - since > 10:
                return math.inf
            time.sleep(0.02)

    with ThreadPoolExecutor(len(checks)) as pool:
        futures = {path: pool.submit(watch, path, check) for path, check in checks.items()}
        return {path: f.result() for path, f in futures.items()}


def _warm(front: Front, paths: list[str]) -> None:
    for path in paths:
        for _ in range(3):
            if front.get(path).cache == "HIT":
                break
    lists = [p for p in paths if "/a/" not in p and not p.endswith(".xml")]
    assert all(front.get(p).cache == "HIT" for p in lists), "the list pages were cached beforehand"


FIGURES: list[tuple[str, dict[str, float]]] = []


def _report(step: str, seen: dict[str, float]) -> None:
    FIGURES.append((step, seen))
    worst = max(seen.values())
    print(f"\n{step}: new version on all {len(seen)} pages behind nginx after {worst * 1000:.0f} ms (worst)")
    for path, seconds in sorted(seen.items(), key=lambda kv: kv[1]):
        print(f"    {seconds * 1000:7.0f} ms  {path}")
    late = {p: s for p, s in seen.items() if s > GOAL_SECONDS}
    assert not late, f"{step}: later than {GOAL_SECONDS} s: {late}"


BODY = (
    "<p>前台缓存的测试稿：城市夜班公交的客流在过去一年里翻了一番，司机们说，凌晨两点的乘客里，"
    "外卖骑手和医院护士最多。</p><p>交通部门计划在明年春天再开通三条线路，并在车站加装遮雨棚。</p>"
)


def test_publish_edit_move_withdraw_take_down_show_on_every_page_at_once(front):
    token = front.server.manage("token", "create", "fcwriter").strip()
    first, second = "夜班公交客流翻番：前台缓存第一版", "夜班公交再添三条线：前台缓存第二版"

    created, _ = _api(
        front, token, "POST", "/articles", {"title": first, "body_html": BODY, "channel": "tech"}
    )
    assert created.status == 201, created.text
    article = json.loads(created.body)["id"]
    draft, _ = _api(front, token, "GET", f"/articles/{article}")
    author = json.loads(draft.body)["author"]["id"]
    pages = _pages(front, article, author, "tech")
    _warm(front, pages)

    # Publish: the new article is on its pages, the home pages, its channel's and author's.
    published, t0 = _api(front, token, "POST", f"/articles/{article}/publish")
    assert published.status == 200 and json.loads(published.body)["status"] == "published", published.text
    _report(
        "publish",
        _until(front, {p: lambda a: a.status == 200 and _title_in(a.text, first) for p in pages}, t0),
    )

    # Edit and publish again: the new title everywhere, the old one nowhere (hot lists included).
    _warm(front, pages)
    patched, _ = _api(front, token, "PATCH", f"/articles/{article}", {"title": second})
    assert patched.status == 200, patched.text
    republished, t0 = _api(front, token, "POST", f"/articles/{article}/publish")
    assert republished.status == 200, republished.text
    _report(
        "edit",
        _until(
            front,
            {p: lambda a: _title_in(a.text, second) and not _title_in(a.text, first) for p in pages},
            t0,
        ),
    )

    # Move to another channel (a published article moves when saved): gone from the old
    # channel's pages, on the new one's.
    new_pages = _pages(front, article, author, "news")
    _warm(front, sorted(set(pages + new_pages)))
    moved, t0 = _api(front, token, "PATCH", f"/articles/{article}", {"channel": "news"})
    assert moved.status == 200, moved.text
    old_channel = [p for p in pages if "/c/tech/" in p]
    checks = {p: (lambda a: not _title_in(a.text, second)) for p in old_channel}
    checks.update({p: (lambda a: _title_in(a.text, second)) for p in new_pages if "/c/news/" in p})
    _report("move", _until(front, checks, t0))
    pages = new_pages

    # Withdraw: its pages say it was withdrawn (410), the lists no longer show it.
    _warm(front, pages)
    withdrawn, t0 = _api(front, token, "POST", f"/articles/{article}/withdraw")
    assert withdrawn.status == 200, withdrawn.text
    _report("withdraw", _until(front, _gone_checks(pages, second), t0))

    # Publish again, then an editor takes it down from the desk.
    again, t0 = _api(front, token, "POST", f"/articles/{article}/publish")
    assert again.status == 200, again.text
    _report("publish again", _until(front, {p: lambda a: _title_in(a.text, second) for p in pages}, t0))
    _warm(front, pages)
    desk = Browser(front.port)
    desk.sign_in("fceditor")
    taken = desk.post(f"/zh-hans/desk/articles/{article}/takedown/", {"reason": "测试下架：前台缓存"})
    t0 = time.monotonic()
    assert taken.status in (302, 303), taken.text[:500]
    _report("take down", _until(front, _gone_checks(pages, second), t0))

    worst = max(s for _, seen in FIGURES for s in seen.values())
    print(f"\npublish → visible behind nginx, worst of {len(FIGURES)} writes × pages: {worst * 1000:.0f} ms")


def _gone_checks(pages: list[str], title: str) -> dict[str, Callable[[Answer], bool]]:
    checks = {}
    for path in pages:
        if "/a/" in path:
            checks[path] = lambda a: a.status == 410
        else:
            checks[path] = lambda a: a.status == 200 and not _title_in(a.text, title)
    return checks


# --- the purge backends ---------------------------------------------------------------------


@pytest.fixture
def dummy(settings) -> Iterator[list[str]]:
    settings.ZIMEI_PURGE_BACKENDS = ["zimei.core.frontcache.DummyBackend"]
    DummyBackend.reset()
    yield DummyBackend.purged
    DummyBackend.reset()


def _expected(article, *channels: str) -> set[str]:
    a, u = article.id, article.author_id
    paths = set()
    for variant in ("zh-hans", "zh-hant", "zh-hk"):
        for care in ("", "care/"):
            base = f"/{variant}/{care}"
            paths |= {f"{base}a/{a}/", base, f"{base}u/{u}/", f"{base}u/{u}/?page=2", f"{base}u/{u}/?page=5"}
            paths |= {f"{base}feed/rss.xml", f"{base}feed/atom.xml", f"{base}u/{u}/rss.xml"}
            for slug in channels:
                paths |= {f"{base}c/{slug}/", f"{base}c/{slug}/?page=2", f"{base}c/{slug}/atom.xml"}
    return paths


@pytest.mark.django_db
def test_every_write_purges_every_page_that_shows_the_article(dummy, django_capture_on_commit_callbacks):
    from zimei.articles.services import (
        ArticleInput,
        article_publish,
        article_restore,
        article_save,
        article_take_down,
        article_withdraw,
    )
    from zimei.distribution.hot import hot_stamp

    from .factories import creator, editor, published_article

    author = creator(channel="tech")
    stamp = hot_stamp()
    with django_capture_on_commit_callbacks(execute=True):
        article = published_article(author, title="前台缓存：发布")
    assert _expected(article, "tech") <= set(dummy)
    assert hot_stamp() != stamp  # the hot lists and channel boxes recompute in every worker

    def after(write: Callable[[], object], *channels: str) -> None:
        DummyBackend.reset()
        with django_capture_on_commit_callbacks(execute=True):
            write()
        assert _expected(article, *channels) <= set(dummy), write

    DummyBackend.reset()
    data = ArticleInput(title="前台缓存：改过", body_html=article.body_html, channel="tech")
    with django_capture_on_commit_callbacks(execute=True):
        article_save(article=article, actor=author.user, data=data)
    assert dummy == []  # the working copy is not public until published
    after(lambda: article_publish(article=article, actor=author.user), "tech")
    moved = ArticleInput(title="前台缓存：改过", body_html=article.body_html, channel="news")
    after(lambda: article_save(article=article, actor=author.user, data=moved), "tech", "news")
    after(lambda: article_withdraw(article=article, actor=author.user), "news")
    after(lambda: article_publish(article=article, actor=author.user), "news")
    boss = editor()
    after(lambda: article_take_down(article=article, actor=boss, reason="测试"), "news")
    after(lambda: article_restore(article=article, actor=boss, reason="申诉成立"), "news")


@pytest.mark.django_db
def test_editing_a_draft_purges_nothing(dummy, django_capture_on_commit_callbacks):
    from zimei.articles.services import ArticleInput, article_create

    from .factories import creator

    author = creator(channel="tech")
    with django_capture_on_commit_callbacks(execute=True):
        article_create(
            author=author, data=ArticleInput(title="草稿", body_html="<p>草稿</p>", channel="news")
        )
    assert dummy == []


class Exploding(frontcache.PurgeBackend):
    def purge(self, paths):
        raise RuntimeError("cache server on fire")


@pytest.mark.django_db
def test_a_failing_backend_never_fails_the_publish(settings, caplog, django_capture_on_commit_callbacks):
    from .factories import creator, published_article

    settings.ZIMEI_PURGE_BACKENDS = [
        "tests.test_frontcache.Exploding",
        {"BACKEND": "zimei.core.frontcache.DummyBackend"},
    ]
    DummyBackend.reset()
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        article = published_article(creator(), title="前台缓存：着火也发布")
    assert article.status == "published"
    assert "purge with Exploding failed" in caplog.text
    assert f"/zh-hans/a/{article.id}/" in DummyBackend.purged  # the next backend still ran
    DummyBackend.reset()


def test_a_purge_goes_through_every_backend_each_path_once(settings):
    from zimei.core.frontcache import purge

    settings.ZIMEI_PURGE_BACKENDS = ["zimei.core.frontcache.DummyBackend"]
    DummyBackend.reset()
    purge(["/zh-hans/", "/zh-hans/", "/zh-hant/"])
    assert DummyBackend.purged == ["/zh-hans/", "/zh-hant/"]  # each once
    DummyBackend.reset()


def test_the_page_store_backend_purges_the_embedded_store(settings):
    from zimei.core.pagecache import page_key, page_store

    settings.ZIMEI_PURGE_BACKENDS = ["zimei.core.frontcache.PageStoreBackend"]
    page_store().set(page_key("/zh-hans/c/tech/?page=2"), (b"old", (("Content-Type", "text/html"),), 0), 60)
    frontcache.purge(["/zh-hans/c/tech/?page=2"])
    assert page_store().get(page_key("/zh-hans/c/tech/?page=2")) is None


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/zh-hans/a/42/", "/zh-hans/a/42/"),
        ("/zh-hans/c/tech/?page=1", "/zh-hans/c/tech/"),
        ("/zh-hans/c/tech/?page=3", "/zh-hans/c/tech/?page=3"),
        ("/zh-hans/c/tech/?page=5", "/zh-hans/c/tech/?page=5"),
        ("/zh-hans/c/tech/?page=6", None),  # nginx never keeps it
        ("/zh-hans/c/tech/?page=22", None),
        ("/zh-hans/c/%E7%A7%91/", "/zh-hans/c/科/"),  # nginx's $uri is decoded
    ],
)
def test_nginx_cache_keys(path, key):
    assert nginx_cache_key(path) == key


def test_nginx_cache_file_names_follow_nginxs_levels():
    import hashlib

    name = hashlib.md5(b"/zh-hans/").hexdigest()
    assert nginx_cache_file("/c", "/zh-hans/") == f"/c/{name[-1]}/{name[-3:-1]}/{name}"
    assert nginx_cache_file("/c", "/zh-hans/", levels="2") == f"/c/{name[-2:]}/{name}"


def test_the_nginx_backend_deletes_the_files_and_logs_what_it_cannot(tmp_path, monkeypatch, caplog):
    backend = frontcache.NginxCacheBackend(tmp_path)
    target = Path(nginx_cache_file(tmp_path, "/zh-hans/a/1/"))
    target.parent.mkdir(parents=True)
    target.write_bytes(b"cached")
    backend.purge(["/zh-hans/a/1/", "/zh-hans/a/2/", "/zh-hans/c/tech/?page=9"])
    assert not target.exists()

    def refuse(path):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(os, "unlink", refuse)
    with caplog.at_level(logging.WARNING):
        backend.purge(["/zh-hans/a/1/", "/zh-hans/a/2/"])  # does not raise
    assert "2 of 2 pages not purged" in caplog.text and "Permission denied" in caplog.text


class _Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, str]] = []
    status = 200

    def do_PURGE(self) -> None:
        _Recorder.seen.append((self.command, self.path, self.headers.get("Host", "")))
        status = 404 if self.path.endswith("/missing/") else _Recorder.status
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.seen, _Recorder.status = [], 200
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_http_backend_sends_purge_with_the_sites_host(recorder, settings, caplog):
    settings.SITE_URL = "https://news.example.cn"
    backend = frontcache.HTTPPurgeBackend(recorder)
    with caplog.at_level(logging.WARNING):
        backend.purge(["/zh-hans/a/1/", "/zh-hans/missing/", "/zh-hant/c/tech/?page=2"])
    assert _Recorder.seen == [
        ("PURGE", "/zh-hans/a/1/", "news.example.cn"),
        ("PURGE", "/zh-hans/missing/", "news.example.cn"),  # 404: was not cached, fine
        ("PURGE", "/zh-hant/c/tech/?page=2", "news.example.cn"),
    ]
    assert caplog.text == ""
    _Recorder.status = 500
    with caplog.at_level(logging.WARNING):
        backend.purge(["/zh-hans/a/1/"])
    assert "answered 500" in caplog.text


def test_the_http_backend_gives_up_on_a_cache_that_is_down_or_silent(caplog):
    closed = free_port()  # nothing listens there
    with caplog.at_level(logging.WARNING):
        frontcache.HTTPPurgeBackend(f"http://127.0.0.1:{closed}", timeout=0.5).purge(["/zh-hans/"])
    assert "purge stopped after 0 of 1 pages" in caplog.text
    caplog.clear()
    with socket.socket() as silent:  # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with caplog.at_level(logging.WARNING):
            frontcache.HTTPPurgeBackend(url, timeout=0.3).purge(["/zh-hans/", "/zh-hant/"])
    assert "purge stopped after 0 of 2 pages" in caplog.text and "timed out" in caplog.text


@once("the purge backends the environment names (a fresh Python on SQLite in both passes)")
def test_backends_follow_the_environment():
    """ZIMEI_NGINX_CACHE_DIR and ZIMEI_FRONT_CACHE_PURGE_URL add their backends after the page
    store; ZIMEI_PURGE_BACKENDS replaces the list."""
    code = (
        "from zimei.core.frontcache import purge_backends;"
        "print(' '.join(type(b).__name__ for b in purge_backends()))"
    )

    envs = [
        {},
        {"ZIMEI_NGINX_CACHE_DIR": "/var/cache/nginx/zimei"},
        {"ZIMEI_NGINX_CACHE_DIR": "/tmp/x", "ZIMEI_FRONT_CACHE_PURGE_URL": "http://127.0.0.1:6081"},
        {"ZIMEI_PURGE_BACKENDS": "zimei.core.frontcache.DummyBackend"},
    ]
    assert [out.strip() for out in python_with_settings_each(code, envs)] == [
        "PageStoreBackend",
        "PageStoreBackend NginxCacheBackend",
        "PageStoreBackend NginxCacheBackend HTTPPurgeBackend",
        "DummyBackend",
    ]


def test_the_config_is_filled_in_and_nginx_accepts_it(tmp_path):
    text = nginx.site_config(listen="127.0.0.1:8080", cache_dir=tmp_path / "cache")
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    assert "@" not in code
    assert "$cookie_sessionid" in code and "levels=1:2" in code and '"~^[2-5]$"' in code
    _need_nginx()
    (tmp_path / "tmp").mkdir()
    site = tmp_path / "zimei.conf"
    site.write_text(text)
    main = tmp_path / "nginx.conf"
    main.write_text(nginx.standalone_config(prefix=tmp_path, site=site))
    check = subprocess.run(
        [nginx.nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(main), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


# --- the reader's address behind a proxy ----------------------------------------------------


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "client"),
    [
        ([], "203.0.113.5", "198.51.100.1", "203.0.113.5"),  # no proxy: the header is anyone's
        (["127.0.0.1"], "127.0.0.1", "203.0.113.5", "203.0.113.5"),
        (["127.0.0.1"], "127.0.0.1", "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # spoofed left part
        (["127.0.0.1", "10.0.0.0/8"], "127.0.0.1", "203.0.113.5, 10.1.2.3", "203.0.113.5"),  # 2 proxies
        (["127.0.0.1"], "198.51.100.9", "203.0.113.5", "198.51.100.9"),  # not from the proxy
        (["127.0.0.1"], "127.0.0.1", "", "127.0.0.1"),
        (["127.0.0.1"], "127.0.0.1", "unknown", "127.0.0.1"),
        (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
        (["127.0.0.1"], "127.0.0.1", "203.0.113.5:51234", "203.0.113.5"),
    ],
)
def test_client_ip(settings, trusted, peer, forwarded, client):
    settings.ZIMEI_TRUSTED_PROXIES = trusted
    meta = {"REMOTE_ADDR": peer, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})}
    assert client_ip(meta) == client


def test_views_and_rate_limits_use_the_readers_address(settings):
    from zimei.core.ratelimit import client_address
    from zimei.distribution.counters import viewer_key

    def reader(address: str) -> dict:
        return {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": address, "HTTP_USER_AGENT": FIREFOX}

    settings.ZIMEI_TRUSTED_PROXIES = []
    assert viewer_key(reader("203.0.113.1")) == viewer_key(reader("203.0.113.2"))  # one reader: nginx
    settings.ZIMEI_TRUSTED_PROXIES = ["127.0.0.1"]
    assert viewer_key(reader("203.0.113.1")) != viewer_key(reader("203.0.113.2"))
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert client_address(request) == "203.0.113.1"


def test_forwarded_proto_is_believed_from_the_proxy_only(settings):
    settings.ZIMEI_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    middleware = ProxyHeadersMiddleware(lambda request: request.is_secure())
    factory = RequestFactory()
    assert middleware(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")) is True
    assert middleware(factory.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_PROTO="https")) is False


@pytest.mark.django_db
def test_the_frontcache_command(settings, capsys):
    from django.core.management import CommandError, call_command

    call_command("frontcache", "config", "--server-name", "news.example.cn", "--cache-dir", "/srv/cache")
    out = capsys.readouterr().out
    assert "server_name news.example.cn;" in out and "proxy_cache_path /srv/cache levels=1:2" in out
    assert f"alias {settings.STATIC_ROOT}/;" in out
    settings.ZIMEI_PURGE_BACKENDS = ["zimei.core.frontcache.DummyBackend"]
    DummyBackend.reset()
    call_command("frontcache", "purge", "/zh-hans/", "/zh-hans/c/tech/?page=2")
    assert DummyBackend.purged == ["/zh-hans/", "/zh-hans/c/tech/?page=2"]
    with pytest.raises(CommandError, match="paths start with /"):
        call_command("frontcache", "purge", "zh-hans/")
    with pytest.raises(CommandError, match="no article 999999"):
        call_command("frontcache", "purge", "--article", "999999")
    DummyBackend.reset()


# --- views behind the front cache -----------------------------------------------------------

HOT_RANKS = (
    "import json; from zimei.distribution.hot import hot_read; from zimei.articles.models import Article;"
    "print(json.dumps([a.id for a in hot_read(limit=100)]));"
    "print(json.dumps({a.id: a.view_count for a in Article.objects.only('view_count')}))"
)


def _hot_and_views(server: LiveServer) -> tuple[list[int], dict[int, int]]:
    """The site-wide hot list and every article's view count, read afresh from the database."""
    ranks, counts = server.manage("shell", "-c", HOT_RANKS).strip().splitlines()[-2:]
    return json.loads(ranks), {int(k): v for k, v in json.loads(counts).items()}


def test_views_behind_the_front_cache_move_the_counts_and_the_hot_list(front):
    """nginx answers the article page from its cache, so the app never renders it for these
    readers; the page's beacon passes through nginx uncached and is what counts. 30 readers
    (each its own browser) lift the last article of the hot list up the list."""
    ranks, counts = _hot_and_views(front.server)
    article = ranks[-1]
    path = f"/zh-hans/a/{article}/"
    front.get(path)  # now in nginx's cache
    seen_before = front.app_saw(path)
    # Each reader its own browser and address (nginx forwards it; one address counts only a few
    # readers of an article: distribution/guard.py).
    readers = [(FIREFOX.replace("rv:140.0", f"rv:140.{n}"), f"127.0.1.{n + 1}") for n in range(30)]
    for agent, source in readers:
        page = front.get(path, headers={"User-Agent": agent}, source=source)
        assert (page.status, page.cache) == (200, "HIT")
        assert f'data-view="{article}"' in page.text
        beacon = front.get(
            f"/views/{article}/",
            method="POST",
            headers={"User-Agent": agent, "Sec-Fetch-Site": "same-origin"},
            source=source,
        )
        assert beacon.status == 204 and beacon.headers["cache-control"] == "no-store"
        assert beacon.cache in ("", "BYPASS")  # never kept by nginx
    assert front.app_saw(path) == seen_before  # every page came from nginx
    deadline = time.monotonic() + 40  # each worker flushes every second here
    while True:
        new_ranks, new_counts = _hot_and_views(front.server)
        if new_counts[article] >= counts[article] + len(readers) or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert new_counts[article] == counts[article] + len(readers)
    assert new_ranks.index(article) < ranks.index(article), (ranks, new_ranks)
