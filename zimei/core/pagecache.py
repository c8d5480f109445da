"""Whole-page cache for anonymous readers, with purge on publish.

Every reader page has one URL per script variant and care mode, and renders the same for every
anonymous reader, so its rendered bytes are kept in a page store and served again without
touching sessions, the database or templates. A CDN in front can keep them too: responses say
`Cache-Control: public, max-age=N`. Publishing, editing, withdrawing or taking down an article
purges every page that shows it at once, here and in a front cache (frontcache.py).

Two ways in, one store:
- `PageCacheApp` wraps the WSGI application and answers hits before Django builds a request
  (the fast path under `zimei serve`);
- `PageCacheMiddleware` answers hits for anything that reaches Django another way (the test
  client) and stores the misses.

A page is kept with the headers its render sent, so a hit sends what the miss sent; it is keyed
by path and list page number only (as the nginx front cache keys it), so stray query strings
neither make new entries nor change what is served; a hit is answered only for a host Django
would accept (ALLOWED_HOSTS), any other gets Django's 400.

Stores: `FilePageStore` (embedded default: one plain file per page under the data folder,
shared by all worker processes, so a purge reaches every worker) and `CachePageStore` (any
Django cache, Redis when ZIMEI_REDIS_URL is set).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import struct
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host
from django.utils.cache import patch_cache_control
from django.utils.module_loading import import_string

from .security import hsts_headers

VARIANT_PREFIXES = tuple(f"/{code}/" for code, _ in settings.LANGUAGES)  # the reader variants
# A cached page: (body, the response's headers as (name, value) pairs, article id or 0). The
# headers are those the render that stored it sent (Content-Type, Content-Language, Vary, CSP,
# COOP …), so a hit sends exactly what a miss sends; only these are left out and made per
# response: Content-Length, Date, Set-Cookie (a page with a cookie is never stored), X-Cache and
# Strict-Transport-Security (it depends on the request's scheme: security.hsts_headers).
Page = tuple[bytes, tuple[tuple[str, str], ...], int]
PER_RESPONSE = frozenset({"content-length", "date", "set-cookie", "x-cache", "strict-transport-security"})


class FilePageStore:
    """One file per page: an 8-byte expiry, a 4-byte article id, the headers as one line of
    JSON, the body. Reading a hit is one open and one read; writes are atomic (rename)."""

    _head = struct.Struct("<dI")

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / hashlib.blake2b(key.encode(), digest_size=16).hexdigest()

    def get(self, key: str) -> Page | None:
        try:
            with open(self._path(key), "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        try:
            expires, article_id = self._head.unpack_from(data)
            if expires < time.time():
                return None
            end = data.index(b"\n", self._head.size)
            headers = tuple(tuple(pair) for pair in json.loads(data[self._head.size : end]))
        except ValueError:  # torn or written by an older version: a miss, rewritten by it
            return None
        return data[end + 1 :], headers, article_id

    def set(self, key: str, page: Page, timeout: int) -> None:
        body, headers, article_id = page
        head = self._head.pack(time.time() + timeout, article_id or 0)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(head + json.dumps(headers, ensure_ascii=True).encode() + b"\n" + body)
        os.replace(tmp, self._path(key))
        if random.random() < self.PRUNE_CHANCE:
            self.prune(older_than=2 * timeout)

    # About one write in a thousand sweeps out pages nobody asked for again.
    PRUNE_CHANCE = 0.001

    def prune(self, *, older_than: float) -> int:
        """Delete page files last written more than `older_than` seconds ago; returns how many."""
        cutoff, removed = time.time() - older_than, 0
        with os.scandir(self.root) as entries:
            for entry in entries:
                try:
                    if entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
                        removed += 1
                except FileNotFoundError:
                    pass
        return removed

    def delete_many(self, keys: Iterable[str]) -> None:
        for key in keys:
            try:
                os.unlink(self._path(key))
            except FileNotFoundError:
                pass

    def clear(self) -> None:
        for path in self.root.iterdir():
            path.unlink(missing_ok=True)


class CachePageStore:
    """Pages in a Django cache (the "pages" alias: Redis when scaled out)."""

    def __init__(self, alias: str = "pages", *, cache=None) -> None:
        self.cache = cache if cache is not None else caches[alias]

    def get(self, key: str) -> Page | None:
        return self.cache.get(key)

    def set(self, key: str, page: Page, timeout: int) -> None:
        self.cache.set(key, page, timeout)

    def delete_many(self, keys: Iterable[str]) -> None:
        self.cache.delete_many(list(keys))

    def clear(self) -> None:
        self.cache.clear()


@lru_cache(maxsize=1)
def page_store() -> FilePageStore | CachePageStore:
    if settings.ZIMEI_PAGE_STORE == "file":
        return FilePageStore(Path(settings.DATA_DIR) / "cache" / "pages")
    if settings.ZIMEI_PAGE_STORE == "cache":
        return CachePageStore()
    return import_string(settings.ZIMEI_PAGE_STORE)()


def page_number(query: str) -> int | None:
    """The list page a query string asks for, as the page store and the front cache key it
    (deploy/nginx/zimei.conf): no `page`, an empty one or 1 is page 1; a plain number N is page
    N; anything else (01, -1, abc) is None: neither looked up nor stored. Every other query
    parameter is ignored: no cached page reads one (a tracking ?from=… is the same page), so
    they neither make a new key nor reach the store (docs/security.md)."""
    if "page=" not in query:
        return 1
    value = ""
    for part in query.split("&"):
        name, _, found = part.partition("=")
        if name == "page":
            value = found  # the last one, as request.GET.get("page") reads it
    if value in ("", "1"):
        return 1
    if value.isascii() and value.isdigit() and value[0] != "0" and len(value) <= 9:
        return int(value)
    return None


def _page_key(path: str, number: int) -> str:
    return "page:" + path if number == 1 else f"page:{path}?page={number}"


def page_key(path: str) -> str | None:
    """The page store's key for a path with its query string, if any (/zh-hans/c/tech/?page=2):
    the path and the page number, nothing else; None for a page number never stored."""
    path, _, query = path.partition("?")
    number = page_number(query)
    return None if number is None else _page_key(path, number)


def _anonymous_cookie(cookie_header: str) -> bool:
    return f"{settings.SESSION_COOKIE_NAME}=" not in cookie_header


@lru_cache(maxsize=256)
def _host_allowed(host: str, allowed: tuple[str, ...], debug: bool) -> bool:
    if debug and not allowed:
        allowed = (".localhost", "127.0.0.1", "[::1]")
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


def host_allowed(meta: Mapping[str, str]) -> bool:
    """Django's ALLOWED_HOSTS check (HttpRequest.get_host), for the fast path that answers
    before Django builds a request: a request for another host is left to Django, which
    answers 400, hit or miss. Memoised per host name."""
    if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in meta:
        host = meta["HTTP_X_FORWARDED_HOST"]
    elif "HTTP_HOST" in meta:
        host = meta["HTTP_HOST"]
    else:
        host = meta.get("SERVER_NAME", "")
        port = str(meta.get("SERVER_PORT", ""))
        if port and port != ("443" if meta.get("wsgi.url_scheme") == "https" else "80"):
            host = f"{host}:{port}"
    return _host_allowed(host, tuple(settings.ALLOWED_HOSTS), settings.DEBUG)


def _key_for(meta: Mapping[str, str]) -> str | None:
    number = page_number(meta.get("QUERY_STRING", ""))
    return None if number is None else _page_key(meta.get("PATH_INFO", ""), number)


def lookup(meta: Mapping[str, str]) -> Page | None:
    """The cached page for this request (a WSGI environ or request.META), if it is an anonymous
    GET of a reader page. Serving a page counts nothing: the page's view beacon does, as it does
    behind a front cache (distribution/beacon.py)."""
    path = meta.get("PATH_INFO", "")
    if not (
        settings.ZIMEI_PAGE_CACHE
        and meta.get("REQUEST_METHOD") in ("GET", "HEAD")
        and path.startswith(VARIANT_PREFIXES)
        and _anonymous_cookie(meta.get("HTTP_COOKIE", ""))
        and host_allowed(meta)
    ):
        return None
    key = _key_for(meta)
    return None if key is None else page_store().get(key)


def hit_headers(meta: Mapping[str, str], page: Page) -> list[tuple[str, str]]:
    """A hit's headers: the stored render's, and the few made per response."""
    body, headers, _ = page
    # Strict-Transport-Security by this request's scheme, as SecurityMiddleware sends it on a miss.
    return [*headers, ("Content-Length", str(len(body))), ("X-Cache", "HIT"), *hsts_headers(meta)]


def _cache_control() -> str:
    return f"public, max-age={settings.ZIMEI_PAGE_CACHE_SECONDS}"


def public_page(view: Callable) -> Callable:
    """Mark a view's 200 responses as the same for every anonymous reader (cacheable)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            if _anonymous_cookie(request.META.get("HTTP_COOKIE", "")):
                response.zimei_cacheable = True
                response["Cache-Control"] = _cache_control()
            else:
                patch_cache_control(response, private=True, no_cache=True)
        return response

    return wrapper


LOOKED_UP = "zimei.page_cache_missed"  # set in the WSGI environ by PageCacheApp on a miss


class PageCacheMiddleware:
    """Outermost of the middleware that add headers (zimei/settings.py), so what it stores is
    what a miss sends: SecurityMiddleware's COOP and Referrer-Policy, LocaleMiddleware's
    Content-Language and Vary, the CSP (security.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Under `zimei serve`, PageCacheApp has already looked and missed: don't look twice.
        hit = None if request.META.get(LOOKED_UP) else lookup(request.META)
        if hit is not None:
            response = HttpResponse(hit[0])
            for name, value in hit_headers(request.META, hit):
                response[name] = value
            return response
        response = self.get_response(request)
        if (
            settings.ZIMEI_PAGE_CACHE
            and getattr(response, "zimei_cacheable", False)
            and not response.cookies
            and not response.streaming
        ):
            number = page_number(request.META.get("QUERY_STRING", ""))
            # A list page out of range renders the last page: it is not stored under the number
            # asked for, so made-up page numbers cannot fill the store.
            if number is not None and number == getattr(response, "zimei_page", 1):
                headers = tuple((k, v) for k, v in response.items() if k.lower() not in PER_RESPONSE)
                page = (response.content, headers, getattr(response, "zimei_article_id", 0))
                key = _page_key(request.META.get("PATH_INFO", ""), number)  # as lookup() reads it
                page_store().set(key, page, settings.ZIMEI_PAGE_CACHE_SECONDS)
                response["X-Cache"] = "MISS"
        return response


class PageCacheApp:
    """WSGI wrapper: answers page-cache hits before Django sees the request."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        hit = lookup(environ)
        if hit is None:
            environ[LOOKED_UP] = True
            return self.app(environ, start_response)
        start_response("200 OK", hit_headers(environ, hit))
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [hit[0]]
