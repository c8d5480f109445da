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

Stores: `FilePageStore` (embedded default: one plain file per page under the data folder,
shared by all worker processes, so a purge reaches every worker) and `CachePageStore` (any
Django cache, Redis when ZIMEI_REDIS_URL is set).
"""

from __future__ import annotations

import hashlib
import os
import random
import struct
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.module_loading import import_string

from .security import hsts_headers, page_headers

VARIANT_PREFIXES = ("/zh-hans/", "/zh-hant/")
# A cached page: (body, content type, article id or 0).
Page = tuple[bytes, str, int]


class FilePageStore:
    """One file per page: an 8-byte expiry, a 4-byte article id, the content type line, the
    body. Reading a hit is one open and one read; writes are atomic (rename)."""

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
        expires, article_id = self._head.unpack_from(data)
        if expires < time.time():
            return None
        end = data.index(b"\n", self._head.size)
        return data[end + 1 :], data[self._head.size : end].decode(), article_id

    def set(self, key: str, page: Page, timeout: int) -> None:
        body, content_type, article_id = page
        head = self._head.pack(time.time() + timeout, article_id or 0)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(head + content_type.encode() + b"\n" + body)
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
        from django.core.cache import caches

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


def page_key(path: str) -> str:
    """The page store's key for a path (with its query string, if any)."""
    return "page:" + path


_key = page_key


def _anonymous_cookie(cookie_header: str) -> bool:
    return f"{settings.SESSION_COOKIE_NAME}=" not in cookie_header


def lookup(meta: Mapping[str, str]) -> Page | None:
    """The cached page for this request (a WSGI environ or request.META), if it is an anonymous
    GET of a reader page. Serving a page counts nothing: the page's view beacon does, as it does
    behind a front cache (core/beacon.py)."""
    path = meta.get("PATH_INFO", "")
    if not (
        settings.ZIMEI_PAGE_CACHE
        and meta.get("REQUEST_METHOD") in ("GET", "HEAD")
        and path.startswith(VARIANT_PREFIXES)
        and _anonymous_cookie(meta.get("HTTP_COOKIE", ""))
    ):
        return None
    query = meta.get("QUERY_STRING", "")
    return page_store().get(_key(f"{path}?{query}" if query else path))


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
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Under `zimei serve`, PageCacheApp has already looked and missed: don't look twice.
        hit = None if request.META.get(LOOKED_UP) else lookup(request.META)
        if hit is not None:
            response = HttpResponse(hit[0], content_type=hit[1])
            response["X-Cache"] = "HIT"
            response["Cache-Control"] = _cache_control()
            for name, value in page_headers():  # CSP and friends, as on the render that stored it
                response[name] = value
            return response
        response = self.get_response(request)
        if (
            settings.ZIMEI_PAGE_CACHE
            and getattr(response, "zimei_cacheable", False)
            and not response.cookies
            and not response.streaming
        ):
            page = (response.content, response["Content-Type"], getattr(response, "zimei_article_id", 0))
            page_store().set(_key(request.get_full_path()), page, settings.ZIMEI_PAGE_CACHE_SECONDS)
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
        body, content_type, _ = hit
        start_response(
            "200 OK",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("Cache-Control", _cache_control()),
                ("X-Cache", "HIT"),
                *page_headers(),
                *hsts_headers(environ),  # Django's SecurityMiddleware sends it on the render
            ],
        )
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


# Purging goes through the backends in settings (the page store, a front cache): frontcache.py.


def article_paths(article_id: int) -> list[str]:
    from .frontcache import article_paths

    return article_paths(article_id)


def purge_paths(paths: Iterable[str]) -> None:
    """Purge these pages from the page store and any front cache (frontcache.purge)."""
    from .frontcache import purge

    purge(paths)


def purge_article(article, *, channel_ids: Iterable[int] = ()) -> None:
    """Purge every page that shows the article, everywhere (frontcache.purge_article)."""
    from .frontcache import purge_article

    purge_article(article, channel_ids=channel_ids)
