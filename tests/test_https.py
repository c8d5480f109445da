"""https behind the front cache: nginx ends TLS (deploy/nginx/zimei.conf's `#tls` lines, with a
self-signed certificate made here by `openssl`) in front of a real `zimei serve`; a client that
trusts that certificate and sends Origin like a browser signs in and a creator publishes, all
over https; HSTS is on every https answer (renders, page-store hits, nginx's cached copies) and
on none over plain http (docs/deploy.md, "TLS")."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

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
from zimei.core import nginx
from zimei.core.security import hsts_headers

# TLS, proxies and cookies are what is tested here; the database behind them is not.
pytestmark = once("TLS through nginx")

PASSWORD = "Zimei-https-2026"
YEAR = 365 * 24 * 3600
BODY = (
    "<p>加密传输的测试稿：社区图书馆延长了夜间开放时间，附近的学生和上夜班的工人成了新的常客。</p>"
    "<p>馆长说，下个月起还会增加自习座位，并开放一间安静的阅读室。</p>"
)


def _need_nginx_and_openssl() -> None:
    """Skip without nginx or openssl on a laptop; in CI (CI set) that is a failure."""
    why = nginx.missing() or ("" if shutil.which("openssl") else "openssl is not installed")
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test https: {why}")
        pytest.skip(why)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), valid for a day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


# --- a browser's https, through nginx ---------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    set_cookies: list[str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class TLSBrowser:
    """One reader's cookies over https, trusting only the test's certificate; POSTs carry Origin
    and Referer as a browser sends them."""

    def __init__(self, port: int, cafile: Path) -> None:
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.context = ssl.create_default_context(cafile=str(cafile))  # hostname checked too
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=15)
        try:
            sent = {"User-Agent": FIREFOX, **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            set_cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
            for value in set_cookies:
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            headers = {k.lower(): v for k, v in response.getheaders()}
            return Answer(response.status, headers, set_cookies, data)
        finally:
            conn.close()

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Answer:
        body = urlencode({"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + path,
        }
        return self.request("POST", path, body, headers)


def plain(port: int, path: str, headers: dict | None = None) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request("GET", path, headers={"User-Agent": FIREFOX, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, headers, [], data)
    finally:
        conn.close()


@dataclass
class TLSFront:
    server: LiveServer
    nginx: nginx.Nginx
    http_port: int
    cert: Path

    @property
    def port(self) -> int:
        return self.nginx.port

    def browser(self) -> TLSBrowser:
        return TLSBrowser(self.port, self.cert)


@pytest.fixture(scope="module")
def tls_front(tmp_path_factory) -> Iterator[TLSFront]:
    _need_nginx_and_openssl()
    tmp = tmp_path_factory.mktemp("tls")
    cert, key = self_signed(tmp)
    port, http_port = free_port(), free_port()
    env = {
        # As docs/deploy.md sets it up: the site's address is https, nginx is the trusted proxy.
        "ZIMEI_SITE_URL": f"https://127.0.0.1:{port}",
        "ZIMEI_TRUSTED_PROXIES": "127.0.0.1",
        "ZIMEI_NGINX_CACHE_DIR": str(tmp / "nginx" / "cache"),
    }
    with live_server(tmp, articles=6, env=env) as server:
        server.manage(
            "creator", "add", "tlswriter", "--pen-name", "加密记者", "--channel", "tech",
            "--trusted", "--password-stdin", input=PASSWORD + "\n",
        )  # fmt: skip
        with nginx_in_front(
            server,
            tmp / "nginx",
            port=port,
            tls_cert=cert,
            tls_key=key,
            http_listen=f"127.0.0.1:{http_port}",
        ) as running:
            assert running.base == f"https://127.0.0.1:{port}"
            yield TLSFront(server, running, http_port, cert)
            errors = [
                line for line in running.error_log().splitlines() if "[emerg]" in line or "[alert]" in line
            ]
            assert not errors, errors


# --- the whole flow over https --------------------------------------------------------------


def test_sign_in_and_publish_over_https_through_nginx(tls_front):
    writer = tls_front.browser()
    login = writer.get("/zh-hans/accounts/login/")
    assert login.status == 200 and login.headers["strict-transport-security"] == f"max-age={YEAR}"
    assert any(c.startswith("csrftoken=") and "Secure" in c for c in login.set_cookies)

    signed_in = writer.post("/zh-hans/accounts/login/", {"username": "tlswriter", "password": PASSWORD})
    assert signed_in.status == 302, signed_in.text[:1000]
    assert any(c.startswith("sessionid=") and "Secure" in c for c in signed_in.set_cookies)

    desk = writer.get("/zh-hans/studio/new/")
    assert desk.status == 200 and "strict-transport-security" in desk.headers
    title = "社区图书馆夜间开放：加密传输版"
    form = {"title": title, "summary": "", "channel": "tech", "original": "1", "source": "",
            "cover_id": "", "body_html": BODY, "action": "publish"}  # fmt: skip
    published = writer.post("/zh-hans/studio/new/", form)
    assert published.status == 302, published.text[:1000]
    assert published.headers["location"].endswith("/studio/")
    dashboard = writer.get("/zh-hans/studio/")
    assert dashboard.status == 200 and title in dashboard.text

    # A reader, not signed in, sees it over https: the home page links to it, nginx keeps it,
    # and nginx's copy carries HSTS as the render did.
    reader = tls_front.browser()
    deadline = time.monotonic() + 10
    while True:
        home = reader.get("/zh-hans/")
        found = re.search(r'href="(/zh-hans/a/\d+/)"[^>]*>[^<]*' + re.escape(title), home.text)
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert found, "the new article is on the home page"
    first, second = reader.get(found.group(1)), reader.get(found.group(1))
    assert first.status == 200 and title in first.text
    assert second.headers["x-cache-status"] == "HIT"
    for answer in (home, first, second):
        assert answer.headers["strict-transport-security"] == f"max-age={YEAR}"
    # Links in the page use the site's https address.
    assert f'href="https://127.0.0.1:{tls_front.port}/zh-hans/a/' in first.text


def test_page_store_hits_carry_hsts_on_https_only(tls_front):
    """A page-store hit is answered before Django: for nginx's https request it carries HSTS as
    the render did; over plain http (no trusted proxy saying https) neither does."""
    app, path = tls_front.server.port, "/zh-hans/c/tech/"
    https = {"X-Forwarded-Proto": "https"}
    first, hit = plain(app, path, https), plain(app, path, https)
    assert hit.headers["x-cache"] == "HIT" and first.status == hit.status == 200
    for answer in (first, hit):
        assert answer.headers["strict-transport-security"] == f"max-age={YEAR}"
    assert plain(app, path).headers["x-cache"] == "HIT"
    assert "strict-transport-security" not in plain(app, path).headers
    assert "strict-transport-security" not in plain(app, "/zh-hans/accounts/login/").headers


def test_plain_http_is_redirected_to_https(tls_front):
    answer = plain(tls_front.http_port, "/zh-hans/a/1/?from=timeline")
    assert answer.status == 301
    assert answer.headers["location"] == f"https://127.0.0.1:{tls_front.port}/zh-hans/a/1/?from=timeline"


def test_forms_from_the_sites_https_origin_pass_a_proxy_that_is_not_trusted(tls_front):
    """A TLS proxy the app does not trust (or one that sends no X-Forwarded-Proto): the app sees
    plain http, but the browser's Origin is the site's https address, which is trusted for
    forms because ZIMEI_SITE_URL says so."""
    app = tls_front.server.port
    conn = http.client.HTTPConnection("127.0.0.1", app, timeout=15)
    try:
        conn.request("GET", "/zh-hans/accounts/login/", headers={"User-Agent": FIREFOX})
        response = conn.getresponse()
        response.read()
        token = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
        body = urlencode({"csrfmiddlewaretoken": token, "username": "tlswriter", "password": PASSWORD})

        def sign_in_from(origin: str) -> int:
            conn.request(
                "POST",
                "/zh-hans/accounts/login/",
                body=body,
                headers={
                    "User-Agent": FIREFOX,
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"csrftoken={token}",
                    "Origin": origin,
                },
            )
            response = conn.getresponse()
            response.read()
            return response.status

        assert sign_in_from(f"https://127.0.0.1:{tls_front.port}") == 302
        assert sign_in_from("https://evil.example") == 403  # another origin is still refused
    finally:
        conn.close()


# --- the settings and the config, on their own ----------------------------------------------


def _settings(*envs: dict[str, str]) -> list[dict]:
    """The https-related settings under each of `envs` (the Pythons run side by side)."""
    import json

    code = (
        "import json; from django.conf import settings as s;"
        "print(json.dumps([s.CSRF_TRUSTED_ORIGINS, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE]))"
    )
    found = []
    for out in python_with_settings_each(code, list(envs)):
        origins, seconds, subdomains, preload, secure = json.loads(out.strip().splitlines()[-1])
        found.append(
            {"origins": origins, "hsts": seconds, "sub": subdomains, "preload": preload, "secure": secure}
        )
    return found


def test_https_settings_follow_the_sites_address():
    https, laptop, more, no_hsts = _settings(
        {"ZIMEI_SITE_URL": "https://news.example.cn/"},
        {"ZIMEI_SITE_URL": "http://127.0.0.1:8000"},
        {
            "ZIMEI_SITE_URL": "https://news.example.cn:8443",
            "ZIMEI_CSRF_TRUSTED_ORIGINS": "https://*.example.cn",
            "ZIMEI_HSTS_SECONDS": "600",
            "ZIMEI_HSTS_INCLUDE_SUBDOMAINS": "1",
        },
        {"ZIMEI_SITE_URL": "https://news.example.cn", "ZIMEI_HSTS_SECONDS": "0"},
    )
    assert https == {
        "origins": ["https://news.example.cn"], "hsts": YEAR, "sub": False, "preload": False, "secure": True,
    }  # fmt: skip
    assert laptop["hsts"] == 0
    assert more["origins"] == ["https://news.example.cn:8443", "https://*.example.cn"]
    assert (more["hsts"], more["sub"]) == (600, True)
    assert no_hsts["hsts"] == 0


def test_hsts_for_page_store_hits_believes_only_trusted_proxies(settings):
    settings.SECURE_HSTS_SECONDS = 600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ZIMEI_TRUSTED_PROXIES = ["127.0.0.1"]
    factory = RequestFactory()
    proxied = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https").META
    forged = factory.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_PROTO="https").META
    assert hsts_headers(proxied) == [("Strict-Transport-Security", "max-age=600; includeSubDomains")]
    assert hsts_headers(forged) == []
    assert hsts_headers({"wsgi.url_scheme": "https", "REMOTE_ADDR": "198.51.100.9"}) != []
    settings.SECURE_HSTS_SECONDS = 0
    assert hsts_headers(proxied) == []


def test_the_tls_config(capsys):
    from django.core.management import CommandError, call_command

    call_command("frontcache", "config", "--tls-cert", "/etc/ssl/zimei.pem",
                 "--tls-key", "/etc/ssl/zimei.key", "--server-name", "news.example.cn")  # fmt: skip
    code = [line.split("#", 1)[0].strip() for line in capsys.readouterr().out.splitlines()]
    assert "listen 443 ssl;" in code and "listen 80;" in code
    assert "ssl_certificate /etc/ssl/zimei.pem;" in code and "ssl_certificate_key /etc/ssl/zimei.key;" in code
    assert "return 301 https://$host$request_uri;" in code
    call_command("frontcache", "config")
    code = [line.split("#", 1)[0].strip() for line in capsys.readouterr().out.splitlines()]
    assert "listen 80;" in code and not any("ssl" in line or "return 301" in line for line in code)
    with pytest.raises(CommandError, match="both a certificate and its key"):
        call_command("frontcache", "config", "--tls-cert", "/etc/ssl/zimei.pem")


@pytest.mark.browser
def test_the_api_docs_work_over_https_through_nginx_in_chromium(tls_front, chromium):
    """The whole real stack: `zimei serve` collected ninja's Swagger UI files, nginx sends them
    from the data folder over https, the page keeps to the CSP."""
    context = chromium.new_context(ignore_https_errors=True)
    problems: list[str] = []
    try:
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', (e) => "
            "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        )
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
        response = page.goto(f"{tls_front.nginx.base}/api/v1/docs", wait_until="load")
        assert response.status == 200 and "strict-transport-security" in response.headers
        path = page.locator('.opblock-summary-path[data-path="/api/v1/articles"]').first
        path.wait_for(timeout=15_000)
        assert path.is_visible()
    finally:
        context.close()
    assert not problems, problems
