from django.conf import settings
from django.http import HttpRequest

from .urlpaths import with_care, with_variant
from .variants import current_variant, other


def variant(request: HttpRequest) -> dict:
    current = current_variant()
    care = bool(getattr(request, "care", False))
    path = request.get_full_path()
    return {
        "variant": current,
        "other_variant": other(current),
        "care": care,
        # Prefix of every reader link on this page: keeps the reader in their script and mode.
        "base": f"/{current}/care/" if care else f"/{current}/",
        "switch_path": path,
        "care_url": with_care(request.path, current, True),
        # hreflang alternates and the canonical link: the same page in each script.
        "alt_hans": settings.SITE_URL + with_variant(request.path, "zh-hans"),
        "alt_hant": settings.SITE_URL + with_variant(request.path, "zh-hant"),
        "standard_url": with_care(request.path, current, False),
    }
