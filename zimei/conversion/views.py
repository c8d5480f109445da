"""The script switcher: remember the reader's script and go to the same page in it."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.views.decorators.http import require_GET

from zimei.core.redirects import safe_next

from .urlpaths import with_variant
from .variants import VARIANTS


@require_GET
def variant_switch(request: HttpRequest, variant: str) -> HttpResponseRedirect:
    """Remember the reader's script and go to the same page in it."""
    if variant not in VARIANTS:
        raise Http404
    nxt = safe_next(request, request.GET.get("next"), "/")
    if not nxt.startswith("/"):  # a full URL on this host: the switch keeps to paths
        nxt = "/"
    response = HttpResponseRedirect(with_variant(nxt, variant))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        variant,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response
