"""When the database cannot be reached: a 503 that says so, in the reader's script, never a 500.

A lost or refused database connection (PostgreSQL stopped, restarting or unreachable; SQLite
still locked after its busy timeout) raises Django's `OperationalError` or `InterfaceError`.
Pages answer it with the 503 page (core/unavailable.html) and `Retry-After`; the API answers a
503 problem document (api/api.py). Nothing on the way reads the session, the user or the
messages, which would need the database again. Two ways in, one answer:

- `DatabaseUnavailableMiddleware.process_exception`: the error came from a view (the usual case);
- `zimei.core.views.server_error` (handler500): the error came from elsewhere (a middleware,
  a lazy user), and the 500 handler finds it in `sys.exc_info()`.

Anonymous page-cache hits never reach the database, so they keep being served while it is down.
How a worker recovers by itself once the database is back (connect timeout, health checks):
settings.py and docs/deploy.md, "Faults and outages".
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from .problems import Problem, problem_response

log = logging.getLogger(__name__)

# Seconds a client is asked to wait: a restarting PostgreSQL is usually back within this.
RETRY_AFTER = 10
TITLE = "暂时无法访问"
MESSAGE = "网站的数据库暂时连接不上，通常几秒钟后就会恢复。请稍后刷新这个页面。"
POST_MESSAGE = "你刚才提交的内容没有保存。请返回上一页，稍后再提交一次，你输入的内容仍在上一页。"
API_DETAIL = "The database is temporarily unavailable. Retry after the number of seconds in Retry-After."
API_MESSAGE = "数据库暂时无法连接，请稍后重试"


# SQLite raises OperationalError for mistakes too ("no such column"): only these are passing.
SQLITE_TRANSIENT = ("database is locked", "database table is locked", "unable to open database", "disk i/o")


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` means the database could not be reached or used just now (not a bug)."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False

    if isinstance(exc.__cause__, sqlite3.Error):
        return any(words in str(exc).lower() for words in SQLITE_TRANSIENT)
    return True


_last_logged = 0.0


def _log(request: HttpRequest, exc: BaseException) -> None:
    """One warning every few seconds, not a traceback per request, while the database is down."""
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= 5:
        _last_logged = now
        log.warning("database unavailable (%s %s answered 503): %s", request.method, request.path, exc)


def _variant(request: HttpRequest) -> str:
    variants = [code for code, _ in settings.LANGUAGES]
    for variant in variants:
        if request.path.startswith(f"/{variant}/"):
            return variant
    current = translation.get_language() or settings.LANGUAGE_CODE
    return current if current in variants else settings.LANGUAGE_CODE


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 answer for `request`: a problem document under /api/, else the page."""
    _log(request, exc)
    if request.path.startswith("/api/"):
        response = problem_response(
            Problem(503, API_DETAIL, message=API_MESSAGE, headers={"Retry-After": str(RETRY_AFTER)})
        )
    else:
        response = unavailable_page(request)
    response["Cache-Control"] = "no-store"
    # Django would log an error line for every 503; _log above says it once every few seconds.
    response._has_been_logged = True
    return response


def unavailable_page(request: HttpRequest) -> HttpResponse:
    context = {
        "title": TITLE,
        "message": MESSAGE,
        "post_message": POST_MESSAGE if request.method == "POST" else "",
        "retry_after": RETRY_AFTER,
        # The context processors' user and messages would load the session from the database.
        "user": AnonymousUser(),
        "messages": (),
    }
    with translation.override(_variant(request)):
        response = render(request, "core/unavailable.html", context, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


class DatabaseUnavailableMiddleware:
    """Answers a view's lost database with the 503 page (or problem document)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if database_unavailable(exception):
            return unavailable_response(request, exception)
        return None


def current_database_error() -> BaseException | None:
    """The exception being handled, if it is a lost database (for the 500 handler)."""
    exc = sys.exc_info()[1]
    return exc if database_unavailable(exc) else None
