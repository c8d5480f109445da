from django.conf import settings
from django.http import HttpRequest

from .urlpaths import with_care, with_variant
from .variants import HANS, HANT, HK, LABEL, LANGUAGE_TAG, current_variant, others


def variant(request: HttpRequest) -> dict:
    current = current_variant()
    care = bool(getattr(request, "care", False))
    path = request.get_full_path()
    alternates = {v: settings.SITE_URL + with_variant(request.path, v) for v in (HANS, HANT, HK)}
    # The search page (never cached) keeps its query across the care switch; cached pages must
    # not carry the first visitor's query string to everyone.
    query = f"?{request.GET.urlencode()}" if request.GET and request.path.endswith("/search/") else ""
    return {
        "variant": current,
        "language_tag": LANGUAGE_TAG[current],
        # The switcher: a link to each other variant (its code, label and language tag).
        "other_variants": [(v, LABEL[v], LANGUAGE_TAG[v]) for v in others(current)],
        "care": care,
        # Prefix of every reader link on this page: keeps the reader in their script and mode.
        "base": f"/{current}/care/" if care else f"/{current}/",
        "switch_path": path,
        "care_url": with_care(request.path, current, True) + query,
        # hreflang alternates and the canonical link: the same page in each variant.
        "alt_hans": alternates[HANS],
        "alt_hant": alternates[HANT],
        "alt_hk": alternates[HK],
        "standard_url": with_care(request.path, current, False) + query,
    }
