"""Where a redirect may go: every `next` a form or a link carries is checked here."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, candidate: str | None, default: str = "") -> str:
    """`candidate` if it stays on this site (Django's `url_has_allowed_host_and_scheme`: this
    host, no other scheme, no scheme-relative `//` or `/\\` forms), else `default`."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
