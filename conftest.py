"""Fixtures shared by the whole suite (the environment is set in tests/testenv.py)."""

import pytest

from tests.browser import chromium, page  # noqa: F401  (the browser fixtures, one per session)


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    """Every test starts with empty caches; passwords hash fast."""
    from django.core.cache import caches

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from zimei.core.pagecache import page_store

    for alias in ("default", "pages", "ratelimit"):
        caches[alias].clear()
    page_store().clear()
    from zimei.distribution.counters import discard

    discard()
    yield
    for alias in ("default", "pages", "ratelimit"):
        caches[alias].clear()
    page_store().clear()
