"""Django's LocaleMiddleware, choosing the variant of a URL without one ("/", a page linked
without its prefix) the way variants.py reads regions: the switcher's cookie first, then
Accept-Language, where zh-HK, zh-MO, zh-Hant-HK and zh-Hant-MO mean Hong Kong Traditional.
Django's own matching would send zh-Hant-HK and zh-MO to zh-hant (its language fallbacks)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from .variants import VARIANTS, variant_for_accept_language


def variant_from_request(request: HttpRequest) -> str:
    """The variant for a request whose URL names none."""
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in VARIANTS:
        return cookie
    return variant_for_accept_language(request.META.get("HTTP_ACCEPT_LANGUAGE", "")) or settings.LANGUAGE_CODE


class VariantLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        if translation.get_language_from_path(request.path_info) is None:
            translation.activate(variant_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
