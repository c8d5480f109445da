"""The view beacon: how an article page's views are counted, whoever served the page.

Article pages are the same for every reader and may be served by the page store, a front cache
(nginx) or a CDN without reaching Django, so serving a page counts nothing. Instead the page
reports that it was shown:

- `POST /views/<id>/`, sent by site.js (the article id is the page's `data-view` attribute)
  once per page load, when the page is shown to the reader: not while it is prerendered or
  loaded in a hidden tab (then when it is first shown);
- `GET /views/<id>.gif`, a 1×1 image in the page's `<noscript>`, for readers without
  JavaScript (a browser running scripts never loads it).

Both answer with `Cache-Control: no-store` (a front cache never keeps them), a tiny body (204;
the image a 43-byte GIF), no cookie; the session is never read. They count through
`counters.view_record`: one view per reader (a salted hash of address and agent) per article
per 30 minutes, at most 5 readers per address (distribution/guard.py), bots and prefetches
left out; a view that is not counted gets the same answer. They refuse (403) what the browser says comes
from another site (`Sec-Fetch-Site`, else `Origin`, else `Referer`), so another site cannot
make its visitors count here. Any id gets the same answer and no query is made: the flush
counts published articles only (`hot.views_apply`), so an unknown, draft, withdrawn or
taken-down id is dropped there.

Two ways in, one answer (`answer`): `BeaconApp` wraps the WSGI application and answers before
Django builds a request (under `zimei serve`, where every page view behind a front cache means
one beacon); the Django views `beacon_post` and `beacon_gif` answer anything else (the test
client, another server) the same way.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from zimei.core.security import page_headers

from .counters import view_record

log = logging.getLogger(__name__)

# A transparent 1×1 GIF.
GIF = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
# The largest id the database can hold: a larger one would make the flush's UPDATE fail.
MAX_ID = 2**63 - 1
PATH = re.compile(r"/views/([0-9]{1,20})(/|\.gif)")
STATUS_LINES = {200: "200 OK", 204: "204 No Content", 403: "403 Forbidden"}


def from_this_site(meta: Mapping[str, str]) -> bool:
    """Whether the browser says this request comes from one of the site's own pages.

    Every current browser sends Sec-Fetch-Site, which decides; older ones are judged by Origin,
    else Referer (the host, not the port or scheme: a proxy in front may change those). A
    client that sends none of the three is let through: old browsers, and anything that is not
    a browser, which an attacker controls anyway (bots are left out by the counter)."""
    site = meta.get("HTTP_SEC_FETCH_SITE")
    if site:
        return site == "same-origin"
    for name in ("HTTP_ORIGIN", "HTTP_REFERER"):
        value = meta.get(name)
        if value:
            return _host_is_ours(_host(value), meta)
    return True


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname  # lowercased, without port or brackets; None for "null"
    except ValueError:
        return None


def _host_is_ours(host: str | None, meta: Mapping[str, str]) -> bool:
    if not host:
        return False
    if host == _host("//" + (meta.get("HTTP_HOST") or meta.get("SERVER_NAME") or "")):
        return True
    for origin in settings.CSRF_TRUSTED_ORIGINS:  # e.g. "https://*.example.com"
        trusted = _host(origin.replace("*.", "", 1)) or ""
        if host == trusted or ("*." in origin and host.endswith("." + trusted)):
            return True
    return False


def answer(article_id: int, meta: Mapping[str, str]) -> int:
    """Count the view a beacon reports (if it is one: counters.view_record decides) and return
    the status to answer with: 204 (the image: 200), or 403 for a request from another site.
    Never raises: a counting failure is logged, the reader is not told."""
    if not from_this_site(meta):
        return 403
    if 0 < article_id <= MAX_ID:
        try:
            view_record(article_id, meta)
        except Exception:  # e.g. the database down during an inline flush
            log.exception("view beacon: a view of article %s was not counted", article_id)
    return 204


def _reply(status: int, *, gif: bool) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) for `answer`'s status: the image answers 200 with the GIF."""
    if gif and status == 204:
        return 200, [("Cache-Control", "no-store"), ("Content-Type", "image/gif")], GIF
    return status, [("Cache-Control", "no-store")], b""


def _response(status: int, *, gif: bool) -> HttpResponse:
    status, headers, body = _reply(status, gif=gif)
    response = HttpResponse(body, status=status)
    if not body:
        del response["Content-Type"]
    for name, value in headers:
        response[name] = value
    return response


@csrf_exempt  # reached from cached pages that carry no token; cross-site requests are refused
@require_POST
def beacon_post(request: HttpRequest, article_id: int) -> HttpResponse:
    """The article page was shown (site.js): count the view; 204."""
    return _response(answer(article_id, request.META), gif=False)


@require_GET
def beacon_gif(request: HttpRequest, article_id: int) -> HttpResponse:
    """The article page was shown without JavaScript (its <noscript> image): count; a 1×1 GIF."""
    return _response(answer(article_id, request.META), gif=True)


class BeaconApp:
    """WSGI wrapper: answers the view beacon before Django builds a request. Anything else,
    and a beacon path with the wrong method, goes on to the application (Django's 404/405)."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/views/"):
            return self.app(environ, start_response)
        match = PATH.fullmatch(path)
        gif = match is not None and match[2] == ".gif"
        if match is None or environ.get("REQUEST_METHOD") != ("GET" if gif else "POST"):
            return self.app(environ, start_response)
        status, headers, body = _reply(answer(int(match[1]), environ), gif=gif)
        headers += [("Content-Length", str(len(body))), *page_headers()]
        start_response(STATUS_LINES[status], headers)
        return [body] if body else []
