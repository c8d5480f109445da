"""Loaded by pytest before Django is set up (`-p tests.testenv` in pyproject.toml).

The suite runs on SQLite. `./dev test` runs it a second time with ZIMEI_TEST_DB=pg when
ZIMEI_TEST_DATABASE_URL is set (CI sets it to PostgreSQL): that pass uses that database.
Data and media go to a temporary folder; nothing touches ./zimei-data.
"""

import os
import tempfile

os.environ["ZIMEI_DATA_DIR"] = tempfile.mkdtemp(prefix="zimei-test-")
os.environ["ZIMEI_SECRET_KEY"] = "test-secret-key-not-for-production-0123456789abcdef"
os.environ.pop("ZIMEI_DATABASE_URL", None)
os.environ.pop("ZIMEI_REDIS_URL", None)
for name in (
    "ZIMEI_NGINX_CACHE_DIR",
    "ZIMEI_FRONT_CACHE_PURGE_URL",
    "ZIMEI_PURGE_BACKENDS",
    "ZIMEI_TRUSTED_PROXIES",
):
    os.environ.pop(name, None)  # an operator's front cache is not the suite's
if os.environ.get("ZIMEI_TEST_DB") == "pg" and os.environ.get("ZIMEI_TEST_DATABASE_URL"):
    os.environ["ZIMEI_DATABASE_URL"] = os.environ["ZIMEI_TEST_DATABASE_URL"]
# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
