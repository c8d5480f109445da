"""The scaled-out configuration against a real Redis server (CI runs one at 127.0.0.1:6379).

On a laptop without Redis these are skipped with the reason; in CI (CI=true) a missing server
fails them, so they cannot pass by not running."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid

import pytest

REDIS_URL = os.environ.get("ZIMEI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_cache():
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running at 127.0.0.1:6379 (CI must have it)")
        pytest.skip("no Redis server at 127.0.0.1:6379 on this machine")
    from django.core.cache.backends.redis import RedisCache

    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"zimei-test-{uuid.uuid4().hex[:8]}"})
    yield cache
    cache.clear()


def test_pages_kept_in_redis_are_shared_and_purged(redis_cache):
    from zimei.core.pagecache import CachePageStore

    writer, reader = CachePageStore(cache=redis_cache), CachePageStore(cache=redis_cache)
    page = (b"<html>\xe6\x96\x87</html>", (("Content-Type", "text/html; charset=utf-8"),), 42)
    writer.set("page:/zh-hant/a/42/", page, 60)
    assert reader.get("page:/zh-hant/a/42/") == page  # another worker sees it
    writer.delete_many(["page:/zh-hant/a/42/"])
    assert reader.get("page:/zh-hant/a/42/") is None


def test_the_settings_switch_to_redis_when_asked(redis_cache, tmp_path):
    """With ZIMEI_REDIS_URL set, both caches are Redis and pages go to the cache store."""
    code = (
        "import django, os; django.setup();"
        "from django.conf import settings; from django.core.cache import caches;"
        "from zimei.core.pagecache import page_store, CachePageStore;"
        "caches['default'].set('zimei-settings-probe', 7, 5);"
        "assert caches['default'].get('zimei-settings-probe') == 7;"
        "assert isinstance(page_store(), CachePageStore);"
        "print(type(caches['default']).__name__, type(caches['pages']).__name__, settings.ZIMEI_PAGE_STORE)"
    )
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="zimei.settings",
        ZIMEI_REDIS_URL=REDIS_URL,
        ZIMEI_DATA_DIR=str(tmp_path),
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["ResilientRedisCache", "ResilientRedisCache", "cache"]
