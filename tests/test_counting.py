"""View counting: who counts, how often, and the Redis path against a real Redis server."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from zimei.articles.models import Article
from zimei.distribution.counters import LocalCounter, RedisCounter, viewer_key

from .factories import published_article

pytestmark = pytest.mark.django_db

FIREFOX = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}


def test_who_counts_as_a_reader():
    assert viewer_key(FIREFOX) and viewer_key(FIREFOX) == viewer_key(dict(FIREFOX))
    assert viewer_key({**FIREFOX, "REMOTE_ADDR": "203.0.113.8"}) != viewer_key(FIREFOX)
    assert "203.0.113.7" not in viewer_key(FIREFOX)  # a salted hash, never the address
    for agent in ["", "Mozilla/5.0 (compatible; Baiduspider/2.0)", "curl/8.5.0", "python-requests/2.32"]:
        assert viewer_key({**FIREFOX, "HTTP_USER_AGENT": agent}) is None, agent
    assert viewer_key({**FIREFOX, "HTTP_SEC_PURPOSE": "prefetch;prerender"}) is None
    assert viewer_key({**FIREFOX, "HTTP_X_MOZ": "prefetch"}) is None


def test_local_counter_counts_a_reader_once_per_half_hour():
    article = published_article()
    counter = LocalCounter()
    reader = viewer_key(FIREFOX)
    for _ in range(5):
        counter.record(article.id, reader)
    counter.record(article.id, viewer_key({**FIREFOX, "REMOTE_ADDR": "198.51.100.1"}))
    assert counter.flush() == 2 and counter.flush() == 0
    article.refresh_from_db()
    assert article.view_count == 2
    counter.seen[(reader, article.id)] = 0.0  # the half hour has passed
    counter.record(article.id, reader)
    counter.flush()
    article.refresh_from_db()
    assert article.view_count == 3


def _redis_url() -> str:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            pass
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("Redis is not running at 127.0.0.1:6379 (CI must have it)")
        pytest.skip("no Redis server at 127.0.0.1:6379 on this machine")
    return "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_counter():
    counter = RedisCounter(_redis_url(), prefix=f"test-{uuid.uuid4().hex[:8]}:")
    yield counter
    counter.discard()


def test_redis_counts_survive_a_worker_restart_and_flush_once(redis_counter):
    article = published_article()
    reader = viewer_key(FIREFOX)
    for _ in range(3):
        redis_counter.record(article.id, reader)
    redis_counter.record(article.id, viewer_key({**FIREFOX, "REMOTE_ADDR": "198.51.100.2"}))
    redis_counter.send()  # what the 0.2 s send interval does: the views are in Redis now
    # The worker dies before flushing; a new one (new process state) flushes what Redis kept.
    restarted = RedisCounter(_redis_url(), prefix=redis_counter.prefix)
    assert restarted.flush() == 2
    assert restarted.flush() == 0 and redis_counter.flush() == 0  # nothing twice
    article.refresh_from_db()
    assert article.view_count == 2
    redis_counter.record(article.id, reader)  # still inside the reader's half hour
    assert redis_counter.flush() == 0


def test_queued_views_reach_redis_within_the_send_interval(redis_counter):
    article = published_article()
    key = redis_counter.prefix + RedisCounter.PENDING
    # By count: with the time limit out of the way (a loaded machine may take 0.2 s between
    # two lines), views wait in the process until SEND_EVENTS of them go in one pipeline.
    redis_counter.SEND_SECONDS = 3600
    redis_counter.record(article.id, viewer_key(FIREFOX))
    assert not redis_counter.client.exists(key)  # queued in the process, not yet sent
    for i in range(RedisCounter.SEND_EVENTS):
        redis_counter.record(article.id, viewer_key({**FIREFOX, "REMOTE_ADDR": f"198.51.100.{i}"}))
    sent = int(redis_counter.client.hget(key, article.id))
    assert sent >= RedisCounter.SEND_EVENTS
    # By time: once the interval has passed, the next view sends what is queued.
    redis_counter.record(article.id, viewer_key({**FIREFOX, "REMOTE_ADDR": "203.0.113.1"}))
    assert int(redis_counter.client.hget(key, article.id)) == sent
    redis_counter.SEND_SECONDS = 0
    redis_counter.record(article.id, viewer_key({**FIREFOX, "REMOTE_ADDR": "203.0.113.2"}))
    assert int(redis_counter.client.hget(key, article.id)) == 1 + RedisCounter.SEND_EVENTS + 2  # all of them


def test_a_flush_that_stopped_after_applying_is_not_applied_again(redis_counter):
    article = published_article()
    redis_counter.record(article.id, viewer_key(FIREFOX))
    redis_counter.send()
    client = redis_counter.client
    original_delete, original_srem = client.delete, client.srem
    # The process dies between the commit and the clean-up: neither delete nor srem happens.
    client.delete = client.srem = lambda *args: 0
    try:
        assert redis_counter.flush() == 1
    finally:
        client.delete, client.srem = original_delete, original_srem
    batches = [k.decode() for k in client.smembers(redis_counter.prefix + RedisCounter.BATCHES)]
    batch = next(k for k in batches if client.exists(k))
    assert client.exists(batch)  # the batch is still there …
    assert redis_counter.flush() == 0  # … and is recognised, removed, never counted twice
    assert not client.exists(batch)
    article.refresh_from_db()
    assert article.view_count == 1


def test_with_redis_down_views_are_counted_in_the_database():
    article = published_article()
    down = RedisCounter("redis://127.0.0.1:1/0")  # nothing listens there
    down.record(article.id, viewer_key(FIREFOX))
    assert down.flush() == 0
    assert Article.objects.get(id=article.id).view_count == 1
