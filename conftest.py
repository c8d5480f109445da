"""Test configuration shared by the whole suite.

The suite runs on SQLite; with ZIMEI_TEST_DATABASE_URL set (CI sets it to PostgreSQL) the same
suite runs against that database instead. Data and media go to a temporary folder.
"""

import os
import tempfile

_tmp = tempfile.mkdtemp(prefix="zimei-test-")
os.environ.setdefault("ZIMEI_DATA_DIR", _tmp)
os.environ["ZIMEI_SECRET_KEY"] = "test-secret-key-not-for-production-0123456789abcdef"
if os.environ.get("ZIMEI_TEST_DATABASE_URL"):
    os.environ["ZIMEI_DATABASE_URL"] = os.environ["ZIMEI_TEST_DATABASE_URL"]

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    """Every test starts with empty caches and flushed view counters."""
    from django.core.cache import caches

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for alias in ("default", "pages"):
        caches[alias].clear()
    from zimei.conversion.variants import ui

    yield
    for alias in ("default", "pages"):
        caches[alias].clear()
    ui.cache_clear()
