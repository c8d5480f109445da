"""Whole-page cache for anonymous readers, with purge on publish.

Every reader page has one URL per script variant and care mode, and renders the same for every
anonymous reader, so the rendered bytes are kept in the "pages" cache (a file cache shared by
all workers on the embedded default; Redis when scaled out) and served without touching the
session, the database or the templates. A CDN in front can keep them too: the response says
`Cache-Control: public, max-age=N`. Publishing, editing, withdrawing or taking down an article
purges its pages at once; lists (home, channels) expire after ZIMEI_PAGE_CACHE_SECONDS.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

SESSION_COOKIE = settings.SESSION_COOKIE_NAME
VARIANT_PREFIXES = ("/zh-hans/", "/zh-hant/")


def _key(path: str) -> str:
    return "page:" + path


def _anonymous(request: HttpRequest) -> bool:
    return SESSION_COOKIE not in request.COOKIES


def public_page(view: Callable) -> Callable:
    """Mark a view's 200 responses as the same for every anonymous reader (cacheable)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            if _anonymous(request):
                response.zimei_cacheable = True
                patch_cache_control(response, public=True, max_age=settings.ZIMEI_PAGE_CACHE_SECONDS)
            else:
                patch_cache_control(response, private=True, no_cache=True)
        return response

    return wrapper


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cacheable_request = (
            settings.ZIMEI_PAGE_CACHE
            and request.method in ("GET", "HEAD")
            and request.path.startswith(VARIANT_PREFIXES)
            and _anonymous(request)
        )
        if not cacheable_request:
            return self.get_response(request)
        key = _key(request.get_full_path())
        pages = caches["pages"]
        hit = pages.get(key)
        if hit is not None:
            content, content_type, article_id = hit
            if article_id:
                from zimei.distribution.counters import view_record

                view_record(article_id)
            response = HttpResponse(content, content_type=content_type)
            response["X-Cache"] = "HIT"
            patch_cache_control(response, public=True, max_age=settings.ZIMEI_PAGE_CACHE_SECONDS)
            return response
        response = self.get_response(request)
        if getattr(response, "zimei_cacheable", False) and not response.cookies and not response.streaming:
            article_id = getattr(response, "zimei_article_id", None)
            pages.set(
                key,
                (response.content, response["Content-Type"], article_id),
                settings.ZIMEI_PAGE_CACHE_SECONDS,
            )
            response["X-Cache"] = "MISS"
        return response


def article_paths(article_id: int) -> list[str]:
    from django.urls import reverse
    from django.utils import translation

    paths = []
    for variant in ("zh-hans", "zh-hant"):
        with translation.override(variant):
            paths.append(reverse("reader:article", args=[article_id]))
            paths.append(reverse("care:article", args=[article_id]))
    return paths


def purge_paths(paths: list[str]) -> None:
    caches["pages"].delete_many([_key(p) for p in paths])


def purge_article(article) -> None:
    purge_paths(article_paths(article.id))
