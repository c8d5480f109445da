from django.conf import settings
from django.http import HttpRequest

from .urlpaths import split, with_care, with_variant
from .variants import HANS, HANT, HK, LABEL, LANGUAGE_TAG, current_variant, others


def variant(request: HttpRequest) -> dict:
    current = current_variant()
    care = care_mode(request)
    path = request.get_full_path()
    alternates = {v: settings.SITE_URL + with_variant(request.path, v) for v in (HANS, HANT, HK)}
    # The search page (never cached) keeps its query across the care switch; cached pages must
    # not carry the first visitor's query string to everyone.
    query = f"?{request.GET.urlencode()}" if request.GET and request.path.endswith("/search/") else ""
    care_url = with_care(request.path, current, True) + query
    standard_url = with_care(request.path, current, False) + query
    if split(request.path)[2].startswith("accounts/"):
        # Accounts pages (never cached) have no care URL of their own: ?care=1 keeps the mode.
        care_url, standard_url = f"{request.path}?care=1", request.path
    return {
        "variant": current,
        "language_tag": LANGUAGE_TAG[current],
        # The switcher: a link to each other variant (its code, label and language tag).
        "other_variants": [(v, LABEL[v], LANGUAGE_TAG[v]) for v in others(current)],
        "care": care,
        # Prefix of every reader link on this page: keeps the reader in their script and mode.
        "base": f"/{current}/care/" if care else f"/{current}/",
        "switch_path": path,
        "care_url": care_url,
        # Added to links from a care page to accounts pages (which keep care by this parameter).
        "care_param": "care=1" if care else "",
        # hreflang alternates and the canonical link: the same page in each variant.
        "alt_hans": alternates[HANS],
        "alt_hant": alternates[HANT],
        "alt_hk": alternates[HK],
        "standard_url": standard_url,
    }


def care_mode(request: HttpRequest) -> bool:
    """Whether the page is in care mode: reader views say so (`request.care`); a page no view
    claimed (404, 429, 503, a 500) is in care mode when its URL is under /<variant>/care/;
    accounts pages when they were linked from a care page (?care=1) or lead back to one (?next=)."""
    care = getattr(request, "care", None)
    if care is not None:
        return bool(care)
    if split(request.path)[1]:
        return True
    if request.path_info.split("/", 3)[2:3] != ["accounts"]:
        return False
    # Sent to sign in from a care page (a report, a follow): the next page is a care page.
    return request.GET.get("care") == "1" or split(request.GET.get("next", ""))[1]
