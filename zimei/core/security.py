"""Security headers on every page: Content-Security-Policy and its companions.

The policy allows no inline script and no inline style: every script and stylesheet is a file
under /static/. Anonymous reader pages are kept whole in the page store and served to everyone
(`pagecache.py`), so a per-request nonce must never end up in one: cacheable pages carry no
inline script at all and get the same fixed headers on a hit as on the render that stored them
(the page store keeps each page's headers with it: core/pagecache.py).

A page that is never cached and truly needs an inline script may use `{{ request.csp_nonce }}`
on it; the nonce is made only when a template reads it, and only then added to `script-src`.
If a cacheable page ever reads it, the page is made private instead of being stored with a
nonce that every later reader would share (docs/security.md).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject

from .proxies import is_trusted

# Share buttons POST to /share/<id>/weibo|qq|email/, which answer with a 303 to Weibo's or QQ's
# share page or a mailto: link; Chromium checks form-action against the redirect target too,
# so those are listed here.
SHARE_FORM_TARGETS = ("https://service.weibo.com", "https://connect.qq.com", "mailto:")

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


def content_security_policy(nonce: str = "") -> str:
    script_src = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    directives = [
        "default-src 'self'",
        f"script-src {script_src}",
        "style-src 'self'",
        # data: only for images (an <img> never runs script); bodies hold /media/ URLs only.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "frame-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self' " + " ".join(SHARE_FORM_TARGETS),
    ]
    return "; ".join(directives)


@lru_cache(maxsize=1)
def _fixed_headers() -> tuple[tuple[str, str], ...]:
    return (
        ("Content-Security-Policy", content_security_policy()),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", settings.SECURE_REFERRER_POLICY or "strict-origin-when-cross-origin"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
    )


def page_headers() -> list[tuple[str, str]]:
    """The headers every page gets, as (name, value) pairs (no nonce: safe to cache)."""
    return list(_fixed_headers())


def hsts_headers(meta) -> list[tuple[str, str]]:
    """Strict-Transport-Security for a request made over https (a WSGI environ or request.META),
    as Django's SecurityMiddleware words it: for the page store's hits, answered before Django.
    Behind a proxy that ends TLS, X-Forwarded-Proto counts only from a trusted proxy."""
    seconds = settings.SECURE_HSTS_SECONDS
    if not seconds:
        return []
    secure = meta.get("wsgi.url_scheme") == "https"
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not secure and proxy_header:
        name, value = proxy_header
        forwarded = meta.get(name, "").split(",")[0].strip()
        secure = forwarded == value and is_trusted(meta.get("REMOTE_ADDR", ""))
    if not secure:
        return []
    value = f"max-age={seconds}"
    if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        value += "; includeSubDomains"
    if settings.SECURE_HSTS_PRELOAD:
        value += "; preload"
    return [("Strict-Transport-Security", value)]


class SecurityHeadersMiddleware:
    """Adds `page_headers()` to every response; a nonce only where a template asked for one.

    Sits inside PageCacheMiddleware, so it sees a response before the page store does."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        used: list[str] = []

        def make_nonce() -> str:
            used.append(secrets.token_urlsafe(18))
            return used[0]

        request.csp_nonce = SimpleLazyObject(make_nonce)
        response = self.get_response(request)
        for name, value in _fixed_headers():
            if name not in response:
                response[name] = value
        if used:
            response["Content-Security-Policy"] = content_security_policy(used[0])
            if getattr(response, "zimei_cacheable", False):
                # A nonce shared by every reader of a cached page would be no nonce at all.
                response.zimei_cacheable = False
                del response["Cache-Control"]
                patch_cache_control(response, private=True, no_cache=True)
        return response
