"""Purging every cache that keeps whole pages: the page store and a front cache (nginx, Varnish).

Anonymous reader pages are kept whole in the page store (core/pagecache.py) and, in production,
by a cache server in front (deploy/nginx/zimei.conf, docs/deploy.md). When an article is
published, edited, moved to another channel, withdrawn or taken down, every page that shows it
is purged from each of them on commit (`purge_article` in distribution/purge.py): its four URLs
(two scripts × standard and care mode), the home pages, its channel's and its author's pages
(the first LIST_PAGES pages of each: nginx caches those, deeper pages pass through to the app)
and their feeds; the
hot lists and channel boxes that every page embeds are made to recompute in every worker at
once (distribution/hot.py, `hot_generation_bump`).

Where purges go is a list of backends in settings (ZIMEI_PURGE_BACKENDS), in the manner of
Wagtail's frontend cache: `PageStoreBackend` (the embedded page store, always first, so that a
front cache that has just dropped a page never refills it from a stale stored copy),
`NginxCacheBackend` (deletes the page's file from nginx's proxy_cache folder, added when
ZIMEI_NGINX_CACHE_DIR is set: the production recipe, deploy/nginx/zimei.conf),
`HTTPPurgeBackend` (a `PURGE <path>` per page to Varnish or any cache that takes one, added when
ZIMEI_FRONT_CACHE_PURGE_URL is set) and `DummyBackend` (remembers what it was asked, for tests).
A backend that fails is logged and skipped: a purge never fails a publish.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import reverse
from django.utils import translation
from django.utils.module_loading import import_string

from .pagecache import page_key, page_store

log = logging.getLogger(__name__)

# List pages (channel, author) purged as `?page=N`, 1..LIST_PAGES; the front cache keeps only
# these (deeper pages are rarely read: they pass through to the app and its page store, which
# keeps them ZIMEI_PAGE_CACHE_SECONDS). One digit: deploy/nginx/zimei.conf matches it as [2-N].
LIST_PAGES = 5
VARIANTS = tuple(code for code, _ in settings.LANGUAGES)  # the reader variants (settings.LANGUAGES)
MODES = ("reader", "care")  # URL namespaces: the standard pages and care mode (/<variant>/care/…)
# nginx's proxy_cache_path levels (deploy/nginx/zimei.conf is filled in with this).
NGINX_CACHE_LEVELS = "1:2"


class PurgeBackend:
    """Removes pages from one cache. `paths` are site paths as readers ask for them
    (/zh-hans/a/42/, /zh-hans/c/tech/?page=2). Should not raise; `purge` logs if one does."""

    def purge(self, paths: Sequence[str]) -> None:
        raise NotImplementedError


class PageStoreBackend(PurgeBackend):
    """The embedded page store (files in the data folder, or Redis when scaled out)."""

    def purge(self, paths: Sequence[str]) -> None:
        page_store().delete_many(key for key in map(page_key, paths) if key is not None)


def nginx_cache_key(path: str) -> str | None:
    """The key nginx keeps `path` under (deploy/nginx/zimei.conf: `$uri$zimei_page`): the
    decoded path, plus ?page=N for list pages 2..LIST_PAGES; None for pages nginx never keeps
    (deeper list pages)."""
    url = urlsplit(path)
    pages = parse_qs(url.query).get("page")
    page = pages[0] if pages else ""
    if page in ("", "1"):
        return unquote(url.path)
    if len(page) == 1 and "2" <= page <= str(LIST_PAGES):
        return f"{unquote(url.path)}?page={page}"
    return None


def nginx_cache_file(root: str | os.PathLike, key: str, levels: str = NGINX_CACHE_LEVELS) -> str:
    """Where nginx keeps the page of `key` under a proxy_cache_path `root` with `levels`: the
    file is named by the MD5 of the key, in subfolders named by its last characters (nginx's
    documentation: levels=1:2 gives /data/nginx/cache/c/29/b7f54b2df7773722d382f4809d65029c)."""
    name = hashlib.md5(key.encode()).hexdigest()
    parts, end = [], len(name)
    for width in (int(w) for w in levels.split(":") if w):
        parts.append(name[end - width : end])
        end -= width
    return os.path.join(root, *parts, name)


class NginxCacheBackend(PurgeBackend):
    """Deletes the pages' files from nginx's cache folder (`root`, default ZIMEI_NGINX_CACHE_DIR):
    nginx finds the file gone, counts a miss and fetches the new page from the app. Stock nginx
    has no purge request, and Debian's cache_purge module crashes nginx 1.22 on a proxy_cache
    purge (docs/deploy.md), so Zimei removes the file itself: it must run on the same machine
    as the same user as nginx's workers (nginx makes the folders 0700). A file it may not
    delete is logged; the page then expires within its max-age."""

    def __init__(self, root: str | os.PathLike | None = None, *, levels: str = NGINX_CACHE_LEVELS) -> None:
        self.root = os.fspath(root or settings.ZIMEI_NGINX_CACHE_DIR)
        if not self.root:
            raise ValueError("NginxCacheBackend needs nginx's cache folder (ZIMEI_NGINX_CACHE_DIR)")
        self.levels = levels

    def purge(self, paths: Sequence[str]) -> None:
        failed: list[str] = []
        error: OSError | None = None
        for path in paths:
            key = nginx_cache_key(path)
            if key is None:
                continue
            try:
                os.unlink(nginx_cache_file(self.root, key, self.levels))
            except FileNotFoundError:
                pass  # not cached
            except OSError as exc:
                failed.append(path)
                error = exc
        if failed:
            log.warning(
                "nginx cache at %s: %d of %d pages not purged (%s); they expire within their max-age",
                self.root,
                len(failed),
                len(paths),
                error,
            )


class HTTPPurgeBackend(PurgeBackend):
    """`PURGE <path>` for each page, over one keep-alive connection, to a cache server at
    `base_url` (default ZIMEI_FRONT_CACHE_PURGE_URL): Varnish with the usual PURGE rule in
    vcl_recv, or nginx with a cache_purge module that works (not Debian 12's). The
    Host header is the site's (ZIMEI_SITE_URL), so the request reaches the site's server block
    whatever address the cache is reached at. 200 (purged) and 404 (was not cached) are both
    fine; anything else is logged. A cache that is down or slow is given up on after `timeout`
    seconds and logged: the publish goes on, and the page expires within its max-age."""

    OK = (200, 204, 404)

    def __init__(
        self,
        base_url: str | None = None,
        *,
        method: str = "PURGE",
        timeout: float | None = None,
        host: str | None = None,
    ) -> None:
        url = urlsplit(base_url or settings.ZIMEI_FRONT_CACHE_PURGE_URL)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"HTTPPurgeBackend needs an http(s) URL, not {base_url!r}")
        self.scheme, self.hostname, self.port = url.scheme, url.hostname, url.port
        self.prefix = url.path.rstrip("/")
        self.method = method
        self.timeout = settings.ZIMEI_FRONT_CACHE_PURGE_TIMEOUT if timeout is None else timeout
        self.host = host or urlsplit(settings.SITE_URL).netloc or url.netloc

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        return cls(self.hostname, self.port, timeout=self.timeout)

    def purge(self, paths: Sequence[str]) -> None:
        conn = self._connect()
        done = 0
        try:
            for path in paths:
                conn.request(self.method, self.prefix + path, headers={"Host": self.host})
                response = conn.getresponse()
                response.read()
                if response.status not in self.OK:
                    log.warning("front cache: %s %s answered %s", self.method, path, response.status)
                done += 1
        except (OSError, http.client.HTTPException) as exc:
            log.warning(
                "front cache at %s://%s: purge stopped after %d of %d pages (%s); the rest expire "
                "within their max-age",
                self.scheme,
                f"{self.hostname}:{self.port}" if self.port else self.hostname,
                done,
                len(paths),
                exc,
            )
        finally:
            conn.close()


class DummyBackend(PurgeBackend):
    """Remembers the paths it was asked to purge (in `DummyBackend.purged`, shared by all
    instances, as settings make a new one), for tests."""

    purged: list[str] = []

    def purge(self, paths: Sequence[str]) -> None:
        DummyBackend.purged.extend(paths)

    @classmethod
    def reset(cls) -> None:
        cls.purged.clear()


@lru_cache(maxsize=1)
def purge_backends() -> tuple[PurgeBackend, ...]:
    """The backends named in ZIMEI_PURGE_BACKENDS, in order: each a dotted path, or a dict with
    "BACKEND" (the dotted path) and the keyword arguments to make it with."""
    made = []
    for entry in settings.ZIMEI_PURGE_BACKENDS:
        if isinstance(entry, str):
            made.append(import_string(entry)())
        else:
            options = dict(entry)
            made.append(import_string(options.pop("BACKEND"))(**options))
    return tuple(made)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs) -> None:
    if setting in (
        "ZIMEI_PURGE_BACKENDS",
        "ZIMEI_FRONT_CACHE_PURGE_URL",
        "ZIMEI_NGINX_CACHE_DIR",
        "SITE_URL",
    ):
        purge_backends.cache_clear()


def purge(paths: Iterable[str]) -> None:
    """Purge these pages from every backend, in order (each path once)."""
    unique = list(dict.fromkeys(paths))
    if not unique:
        return
    for backend in purge_backends():
        started = time.monotonic()
        try:
            backend.purge(unique)
        except Exception:  # a purge never fails the write that asked for it
            log.exception("purge with %s failed", type(backend).__name__)
        else:
            log.debug(
                "%s purged %d pages in %.3f s",
                type(backend).__name__,
                len(unique),
                time.monotonic() - started,
            )


# --- what shows an article ------------------------------------------------------------------


def reader_paths(name: str, *args) -> Iterator[str]:
    """The path of a reader page in every variant and both modes."""
    for variant in VARIANTS:
        with translation.override(variant):
            for mode in MODES:
                yield reverse(f"{mode}:{name}", args=args)


def article_paths(article_id: int) -> list[str]:
    """The article's pages: every variant × standard and care mode."""
    return list(reader_paths("article", article_id))


def list_paths(name: str, *args, pages: int = LIST_PAGES) -> list[str]:
    """A list page (home, channel, author) in every variant and both modes, with ?page=1..pages."""
    paths = []
    for path in reader_paths(name, *args):
        paths.append(path)
        paths.extend(f"{path}?page={n}" for n in range(1, pages + 1))
    return paths
