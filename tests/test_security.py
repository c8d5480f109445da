"""Security headers, cookies, CSRF, the sanitiser's allowlist, uploaded images and media serving;
and, in headless Chromium, that every page works under the Content-Security-Policy (docs/security.md)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.test import Client, RequestFactory
from PIL import Image as PILImage

from zimei.articles.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    DROP_WITH_CONTENT,
    GENERIC_ATTRIBUTES,
    LINK_REL,
    READING_ATTRIBUTES,
    URL_SCHEMES,
    sanitize_body,
)
from zimei.conversion.variants import HANS, VARIANTS
from zimei.core.security import SHARE_FORM_TARGETS, SecurityHeadersMiddleware, content_security_policy

from .browser import session_cookies
from .factories import UserFactory, creator, editor, png_bytes, published_article

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def _csp(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.partition(" ")[2] for d in (p.strip() for p in policy.split(";")) if d}


def _assert_secure_headers(response) -> None:
    for name, value in HEADERS.items():
        assert response[name] == value, name
    assert "camera=()" in response["Permissions-Policy"]
    csp = _csp(response)
    assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no nonce on shared pages
    assert csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["default-src"] == "'self'" and csp["img-src"] == "'self' data:"
    # Our own forms, and the share targets /share/ redirects to (nothing else, no wildcard).
    assert csp["form-action"].split() == ["'self'", *SHARE_FORM_TARGETS]
    assert "https://service.weibo.com" in SHARE_FORM_TARGETS and "*" not in csp["form-action"]


# --- headers ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_kind_of_page_carries_the_headers(client):
    article = published_article()
    writer = Client()
    writer.force_login(article.author.user)
    desk = Client()
    desk.force_login(editor())
    for who, path in [
        (client, "/zh-hans/"),
        (client, f"/zh-hant/care/a/{article.id}/"),
        (client, "/zh-hans/accounts/login/"),
        (client, "/zh-hans/no-such-page/"),
        (client, "/api/v1/channels"),
        (client, "/zh-hans/feed/rss.xml"),
        (writer, "/zh-hans/studio/new/"),
        (desk, "/zh-hans/desk/applications/"),
    ]:
        response = who.get(path)
        assert response.status_code == (404 if "no-such-page" in path else 200), path
        _assert_secure_headers(response)


@pytest.mark.django_db
def test_page_cache_hits_carry_the_same_headers(client):
    from zimei.core.pagecache import PageCacheApp

    article = published_article()
    path = f"/zh-hans/a/{article.id}/"
    miss = client.get(path)
    hit = client.get(path)
    assert (miss["X-Cache"], hit["X-Cache"]) == ("MISS", "HIT")
    _assert_secure_headers(hit)
    assert hit["Content-Security-Policy"] == miss["Content-Security-Policy"]

    # The WSGI fast path (under `zimei serve`) answers before Django builds a request.
    def django_app(environ, start_response):  # must not be reached on a hit
        raise AssertionError("the page cache should have answered")

    seen = {}
    body = PageCacheApp(django_app)(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "HTTP_COOKIE": "",
            "HTTP_HOST": "testserver",
        },
        lambda status, headers: seen.update(status=status, headers=dict(headers)),
    )
    assert seen["status"] == "200 OK" and b"".join(body) == hit.content
    for name in ("Content-Security-Policy", "Permissions-Policy", *HEADERS):
        assert seen["headers"][name] == hit[name], name


def test_a_nonce_only_where_a_page_asks_for_one_and_never_on_a_cached_page(rf: RequestFactory):
    from django.http import HttpResponse

    def view(request, use_nonce: bool, cacheable: bool):
        response = HttpResponse(f"<script nonce='{request.csp_nonce}'></script>" if use_nonce else "ok")
        response.zimei_cacheable = cacheable
        if cacheable:
            response["Cache-Control"] = "public, max-age=60"
        return response

    plain = SecurityHeadersMiddleware(lambda r: view(r, False, True))(rf.get("/"))
    assert "nonce" not in plain["Content-Security-Policy"] and plain.zimei_cacheable

    private = SecurityHeadersMiddleware(lambda r: view(r, True, False))(rf.get("/"))
    nonce = re.search(r"nonce='([^']+)'", private.content.decode()).group(1)
    assert private["Content-Security-Policy"] == content_security_policy(nonce)
    assert len(nonce) >= 22
    again = SecurityHeadersMiddleware(lambda r: view(r, True, False))(rf.get("/"))
    assert again["Content-Security-Policy"] != private["Content-Security-Policy"]  # per request

    # A page that would be cached for everyone is made private instead of sharing a nonce.
    cached = SecurityHeadersMiddleware(lambda r: view(r, True, True))(rf.get("/"))
    assert cached.zimei_cacheable is False
    assert "private" in cached["Cache-Control"] and "public" not in cached["Cache-Control"]


# --- cookies and CSRF -------------------------------------------------------------------------


def _settings_under(**env) -> dict:
    code = (
        "import json, zimei.settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'CSRF_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SAMESITE']}))"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ZIMEI_SITE_URL", "ZIMEI_DEBUG", "ZIMEI_HTTPS"))
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    import json

    return json.loads(out.stdout)


def test_cookies_are_secure_httponly_and_samesite_when_the_site_is_https():
    production = _settings_under(ZIMEI_SITE_URL="https://zimei.example")
    assert production == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
    }
    laptop = _settings_under(ZIMEI_SITE_URL="http://127.0.0.1:8000")
    assert laptop["SESSION_COOKIE_SECURE"] is False  # plain http on a laptop would lose the session
    debugging = _settings_under(ZIMEI_SITE_URL="https://zimei.example", ZIMEI_DEBUG="1")
    assert debugging["SESSION_COOKIE_SECURE"] is False


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "method": (attrs.get("method") or "get").lower(),
                    "action": attrs.get("action") or "",
                    "csrf": False,
                }
            )
        elif tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and self.forms:
            self.forms[-1]["csrf"] = True


@pytest.mark.django_db
def test_every_post_form_carries_a_csrf_token_and_the_server_checks_it():
    article = published_article()
    pages = {
        None: ["/zh-hans/accounts/login/", "/zh-hans/accounts/register/", f"/zh-hans/a/{article.id}/"],
        article.author.user: [
            "/zh-hans/studio/",
            "/zh-hans/studio/new/",
            f"/zh-hans/studio/{article.id}/edit/",
        ],
        editor(): ["/zh-hans/desk/applications/", "/zh-hans/desk/articles/", "/zh-hans/desk/creators/"],
    }
    seen = 0
    for user, paths in pages.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            parser = _Forms()
            parser.feed(response.content.decode())
            for form in parser.forms:
                if form["method"] != "post":
                    continue
                seen += 1
                # The share counter is the one exception: a counter reached from cached pages.
                assert form["csrf"] or form["action"].startswith("/share/"), (path, form)
    assert seen >= 8

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(article.author.user)
    refused = strict.post("/zh-hans/studio/new/", {"title": "无令牌", "body_html": "<p>正文</p>"})
    assert refused.status_code == 403


# --- the allowlist ----------------------------------------------------------------------------

# Every known mutation-XSS bug in ammonia, bleach and lxml-html-clean needed one of these.
RAW_TEXT_AND_FOREIGN = {
    "svg", "math", "script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes",
    "noscript", "plaintext", "template",
}  # fmt: skip
NEVER = RAW_TEXT_AND_FOREIGN | {"form", "input", "button", "select", "option", "object", "embed",
                                "link", "meta", "base", "frame", "frameset", "img-src", "style"}  # fmt: skip


def test_the_allowlist_holds_no_raw_text_foreign_or_active_element():
    assert not ALLOWED_TAGS & NEVER
    assert RAW_TEXT_AND_FOREIGN - {"plaintext"} <= DROP_WITH_CONTENT  # dropped with their content
    attributes = set(GENERIC_ATTRIBUTES).union(*ALLOWED_ATTRIBUTES.values())
    assert not {a for a in attributes if a.startswith("on") or a in ("style", "srcdoc", "formaction")}
    assert attributes == {
        "lang",
        "title",
        "translate",
        "href",
        "src",
        "alt",
        "width",
        "height",
        *READING_ATTRIBUTES,
    }
    assert (
        READING_ATTRIBUTES == {"data-" + v for v in VARIANTS if v != HANS}
        and ALLOWED_ATTRIBUTES["span"] == READING_ATTRIBUTES
    )
    assert set(URL_SCHEMES) == {"http", "https", "mailto"}
    assert LINK_REL == "nofollow ugc noopener"


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ('<a href="javascript:alert(1)">x</a>', '<a rel="nofollow ugc noopener">x</a>'),
        (
            '<a href="https://example.org/" onclick="x()">x</a>',
            '<a href="https://example.org/" rel="nofollow ugc noopener">x</a>',
        ),
        (
            '<a href="/zh-hans/a/1/" rel="opener" target="_blank">x</a>',
            '<a href="/zh-hans/a/1/" rel="nofollow ugc noopener">x</a>',
        ),
        (
            '<a href="mailto:me@example.org">信</a>',
            '<a href="mailto:me@example.org" rel="nofollow ugc noopener">信</a>',
        ),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', '<a rel="nofollow ugc noopener">x</a>'),
        # data: images are refused outright (stricter than "data: images that pass the checks").
        ('<img src="data:image/png;base64,iVBORw0KGgo=">', "<img>"),
        ('<img src="https://tracker.example/p.gif">', "<img>"),
        (
            '<img src="/media/img/2026/01/a.jpg" width="640" style="x" onerror="y">',
            '<img src="/media/img/2026/01/a.jpg" width="640">',
        ),
        ('<img src="/media/%2e%2e/api/v1/x">', "<img>"),
        ('<img src="/media/../x.png">', "<img>"),
        ('<p style="color:red" class="x" id="y">段</p>', "<p>段</p>"),
        ("<svg><script>alert(1)</script><text>字</text></svg>尾", "尾"),
        ("<textarea><img src=x onerror=alert(1)></textarea>尾", "尾"),
        # Parsed as the sanitiser's parser sees it (scripting off): the <img> keeps no attribute.
        ('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>尾', '<img>"&gt;尾'),
        ("<form><input name=x><button>提交</button></form>", "提交"),
        ("<iframe src=https://example.org/></iframe>尾", "尾"),
        ("<!-- 注释 --><p>段</p>", "<p>段</p>"),
    ],
)
def test_the_sanitiser_keeps_only_the_allowlist(dirty, clean):
    assert sanitize_body(dirty) == clean


# --- images and media -------------------------------------------------------------------------


def _jpeg_with_gps() -> bytes:
    image = PILImage.new("RGB", (320, 200), "#2a6f97")
    exif = PILImage.Exif()
    exif[0x010F] = "相机厂商"  # Make
    exif[0x0110] = "Model X"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}  # GPS IFD
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif, comment=b"secret comment", icc_profile=b"\x00" * 128)
    data = buf.getvalue()
    assert PILImage.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the fixture really holds GPS
    return data


def test_uploaded_images_lose_exif_gps_and_comments():
    from zimei.articles.images import normalise_image

    content, width, height = normalise_image(_jpeg_with_gps(), name="位置.jpg")
    out = PILImage.open(io.BytesIO(content.read()))
    assert (out.format, width, height) == ("JPEG", 320, 200)
    assert not out.getexif() and not out.getexif().get_ifd(0x8825)
    assert not {"exif", "comment", "icc_profile"} & set(out.info)
    assert b"Model X" not in content.read() and b"secret comment" not in content.read()

    png = PILImage.new("RGBA", (40, 30), (1, 2, 3, 128))
    info = __import__("PIL.PngImagePlugin", fromlist=["PngInfo"]).PngInfo()
    info.add_text("Comment", "住址：某某路 1 号")
    buf = io.BytesIO()
    png.save(buf, "PNG", pnginfo=info)
    content, _, _ = normalise_image(buf.getvalue(), name="a.png")
    assert "住址".encode() not in content.read() and "Comment" not in PILImage.open(content).info


@pytest.mark.django_db
def test_media_is_served_as_images_only(client, settings, tmp_path):
    from zimei.articles.services import image_create

    settings.MEDIA_ROOT = tmp_path
    author = creator()
    image = image_create(owner=author.user, data=png_bytes(), name="图.png")
    response = client.get(image.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"  # re-encoded: no alpha, so a JPEG
    assert response["X-Content-Type-Options"] == "nosniff"
    (tmp_path / "img").mkdir(exist_ok=True)
    (tmp_path / "img" / "page.html").write_text("<script>alert(1)</script>")
    (tmp_path / "img" / "drawing.svg").write_text("<svg onload=alert(1)/>")
    for path in ("/media/img/page.html", "/media/img/drawing.svg", "/media/../zimei.sqlite3"):
        assert client.get(path).status_code == 404, path


# --- every page works under the policy, in Chromium ----------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_policy_violation_on_any_page(live_server, chromium):
    from zimei.articles.services import image_create

    author = creator(pen_name="林间笔记")
    image = image_create(owner=author.user, data=png_bytes(320, 200), name="图.png")
    body = f'<p>第一段。</p><figure><img src="{image.url}" alt="图"><figcaption>图注</figcaption></figure>'
    article = published_article(author, body=body, title="安全策略之下的页面")
    violations: list[str] = []

    def context_for(user=None):
        context = chromium.new_context(locale="zh-CN")
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', (e) => "
            "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        )
        if user is not None:
            context.add_cookies(session_cookies(user, live_server.url))
        return context

    def sweep(context, paths):
        page = context.new_page()
        # Failed loads are caught by the response hook (which, unlike the console, skips the
        # browser's own /favicon.ico probe).
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and not m.text.startswith("Failed to load resource")
                and violations.append(f"{page.url}: {m.text}")
            ),
        )
        page.on("pageerror", lambda e: violations.append(f"{page.url}: {e}"))
        page.on("response", lambda r: r.status >= 400 and violations.append(f"{r.status} {r.url}"))
        for path in paths:
            response = page.goto(live_server.url + path, wait_until="load")
            assert response.status == 200, path
        return page

    anonymous = context_for()
    page = sweep(
        anonymous,
        [
            "/zh-hans/",
            "/zh-hant/",
            "/zh-hans/care/",
            f"/zh-hans/a/{article.id}/",
            f"/zh-hant/care/a/{article.id}/",
            f"/zh-hans/u/{author.id}/",
            "/zh-hans/c/tech/",
            "/zh-hans/accessibility/",
            "/zh-hans/about/creator-levels/",
            "/zh-hans/accounts/login/",
            "/zh-hans/accounts/register/",
            "/zh-hans/accounts/apply/",
            "/admin/login/",  # Django's admin (staff only) keeps to the policy as well
        ],
    )
    # The article page's own script still works: copying the link and the WeChat QR box.
    page.goto(f"{live_server.url}/zh-hans/a/{article.id}/")
    page.locator(".share-link").click()
    page.wait_for_selector(".share-link.done")
    page.locator(".share-wechat summary").click()
    assert page.locator(".share-wechat img").evaluate("(i) => i.complete && i.naturalWidth") > 0
    # The Weibo button posts to /share/ and is redirected to Weibo: form-action must allow the
    # redirect (Chromium checks it), or the browser refuses with a policy violation.
    # (Playwright does not route redirected requests, so the attempt is what is checked.)
    asked: list[str] = []
    anonymous.on("request", lambda r: asked.append(r.url))
    with anonymous.expect_page(timeout=5000) as popup:
        page.locator(".share-weibo").click()
    popup.value.wait_for_load_state()
    page.wait_for_timeout(200)
    assert any(u.startswith("https://service.weibo.com/share/share.php?") for u in asked), asked
    anonymous.close()

    writer = context_for(author.user)
    page = sweep(
        writer,
        [
            "/zh-hans/studio/",
            f"/zh-hans/studio/{article.id}/preview/",
            f"/zh-hans/studio/{article.id}/edit/",
            f"/zh-hans/studio/{article.id}/revisions/",
            "/zh-hans/studio/tokens/",
            "/zh-hans/studio/notices/",
            "/zh-hans/studio/notices/comments/",
            f"/zh-hans/studio/{article.id}/comments/",
            "/zh-hans/studio/credit/",
            "/zh-hans/studio/level/",
        ],
    )
    # The editor: its toolbar and autosave run from studio.js under the policy.
    page.goto(f"{live_server.url}/zh-hans/studio/new/")
    page.fill("#id_title", "策略下的草稿")
    page.locator("#body-editor").click()
    page.keyboard.type("编辑器在内容安全策略之下照常工作。")
    page.locator("button[data-cmd=h2]").click()
    assert page.locator("#body-editor h2").count() == 1
    assert "编辑器在内容安全策略之下照常工作" in page.locator("#id_body_html").input_value()
    writer.close()

    desk = context_for(editor())
    queue = [f"/zh-hans/desk/queue/?tab={t}" for t in ("held", "reports", "appeals", "applications", "audit")]
    sweep(
        desk,
        [
            "/zh-hans/desk/",
            "/zh-hans/desk/comments/?tab=held",
            "/zh-hans/desk/comments/?tab=reports",
            "/zh-hans/desk/applications/",
            "/zh-hans/desk/articles/",
            "/zh-hans/desk/creators/",
            "/zh-hans/desk/channels/",
            "/zh-hans/desk/lexicon/",
            "/zh-hans/desk/hot/",
            *queue,
        ],
    )
    # A signed-in reader: the following feed and the report form (举报).
    reader = context_for(UserFactory())
    sweep(
        reader,
        ["/zh-hans/following/", f"/zh-hans/a/{article.id}/report/", f"/zh-hant/care/a/{article.id}/report/"],
    )
    reader.close()
    desk.close()
    assert violations == []


def test_the_script_cookie_is_secure_when_the_other_cookies_are(client, settings):
    settings.LANGUAGE_COOKIE_SECURE = True
    response = client.get("/switch/zh-hant/?next=/zh-hans/", HTTP_HOST="127.0.0.1")
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "zh-hant" and cookie["secure"] and cookie["samesite"] == "Lax"
    settings.LANGUAGE_COOKIE_SECURE = False
    assert not client.get("/switch/zh-hans/").cookies[settings.LANGUAGE_COOKIE_NAME]["secure"]
