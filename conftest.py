"""Fixtures shared by the whole suite (the environment is set in tests/testenv.py)."""

import pytest

from tests.browser import chromium, page  # noqa: F401  (the browser fixtures, one per session)


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    """Every test starts with empty caches; passwords hash fast."""
    from django.core.cache import caches

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for alias in ("default", "pages"):
        caches[alias].clear()
    from zimei.distribution.counters import discard

    discard()
    yield
    for alias in ("default", "pages"):
        caches[alias].clear()
