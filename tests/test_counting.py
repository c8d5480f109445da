"""View counting: who counts, how often, and the Redis path against a real Redis server."""

from __future__ import annotations

import os
import re
import socket
import time
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from zimei.articles.models import Article
from zimei.core.ratelimit import rate_limit_of
from zimei.distribution.counters import LocalCounter, RedisCounter, flush, viewer_key
from zimei.distribution.hot import score_at

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


# --- counts that can't be bought (distribution/guard.py) -------------------------------------

ATTACKER = "192.0.2.66"


def _browser(address: str, n: int = 0) -> dict:
    """A browser's beacon or share button: its address and an agent (n makes a new one)."""
    return {
        "REMOTE_ADDR": address,
        "HTTP_USER_AGENT": f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/{100 + n}.0.{n} Safari/537.36",
        "HTTP_SEC_FETCH_SITE": "same-origin",
    }


def _read_and_share(client, article, meta: dict) -> None:
    client.post(f"/views/{article.id}/", **meta)
    client.post(f"/share/{article.id}/link/", **meta)


def _home_hot_ids(client) -> list[int]:
    from django.core.cache import caches

    from zimei.core.pagecache import page_store

    caches["default"].clear()  # what the next hot slot does
    page_store().clear()
    html = client.get("/zh-hans/").content.decode()
    section = html.split('class="hot-list"', 1)[1].split("</ol>", 1)[0]
    return [int(i) for i in re.findall(r'href="/zh-hans/a/(\d+)/"', section)]


def test_one_address_cannot_buy_the_hot_list_and_the_editor_sees_it(client):
    from zimei.accounts.models import CreatorProfile

    from .factories import creator, editor

    author, other = creator(), creator()
    bought = published_article(author, title="想靠刷量上榜的文章")
    honest = published_article(other, title="六位读者读过并分享的文章")
    handful = published_article(other, title="五位读者读过并分享的文章")
    for n in range(6):
        _read_and_share(client, honest, _browser(f"198.51.100.{n + 1}"))
    for n in range(5):
        _read_and_share(client, handful, _browser(f"203.0.113.{n + 1}"))
    flush()
    attention_before = CreatorProfile.objects.get(id=author.id).attention

    # One address, 1,000 views and 1,000 shares, every request with a new user agent.
    for n in range(1000):
        assert client.post(f"/views/{bought.id}/", **_browser(ATTACKER, n)).status_code == 204
    # The share limit is a fixed window (core/ratelimit.py): a burst across its edge would get
    # two windows' quota, so the burst starts well inside one.
    window = rate_limit_of("share")[1]
    left = window - time.time() % window
    if left < 60:
        time.sleep(left + 0.5)
    answers = [
        client.post(f"/share/{bought.id}/link/", **_browser(ATTACKER, n)).status_code for n in range(1000)
    ]
    flush()
    assert answers.count(204) == 30 and answers.count(429) == 970  # ZIMEI_RATE_SHARE: 30 per 10 min
    bought.refresh_from_db()
    handful.refresh_from_db()
    # No more than the handful of distinct readers would have done.
    assert (bought.view_count, bought.share_count) == (5, 5)
    now = timezone.now()
    assert score_at(bought.hot_log, now) <= score_at(handful.hot_log, now) + 0.1  # not a view more
    assert CreatorProfile.objects.get(id=author.id).attention == attention_before + 5
    ids = _home_hot_ids(client)
    assert ids.index(honest.id) < ids.index(bought.id)  # six real readers still rank above

    # Distinct readers from distinct addresses still count, each once.
    for n in range(3):
        _read_and_share(client, bought, _browser(f"198.18.0.{n + 1}"))
        _read_and_share(client, bought, _browser(f"198.18.0.{n + 1}"))  # the same reader again
    flush()
    bought.refresh_from_db()
    assert (bought.view_count, bought.share_count) == (8, 8)

    # The editor sees what was dropped and why, on the desk's 热点推荐 page.
    desk = Client()
    desk.force_login(editor())
    html = desk.get("/zh-hans/desk/hot/").content.decode()
    table = html.split('class="list count-anomalies"', 1)[1].split("</table>", 1)[0]
    assert "想靠刷量上榜的文章" in table and "六位读者" not in table
    rows = {
        code: int(events)
        for code, events in re.findall(
            rf'class="anomaly-([a-z-]+)" data-article="{bought.id}">.*?<td class="events">(\d+)</td>',
            table,
            re.DOTALL,
        )
    }
    assert rows == {"view-address": 995, "share-address": 25, "share-rate": 970, "share-repeat": 3}
    assert "同一网络地址超出额度" in table and "分享过于频繁" in table


def test_a_household_behind_one_address_counts_a_few_readers(client):
    article = published_article()
    for n in range(8):  # eight browsers behind one address (a family, a small office)
        client.post(f"/views/{article.id}/", **_browser("198.51.100.200", n))
    v6 = [f"2001:db8:1:2::{n + 1}" for n in range(8)]  # one household's IPv6 /64: one address
    for n, address in enumerate(v6):
        client.post(f"/views/{article.id}/", **_browser(address, n))
    client.post(f"/views/{article.id}/", **_browser("2001:db8:1:3::1"))  # the next /64: another
    flush()
    assert Article.objects.get(id=article.id).view_count == 5 + 5 + 1


def _at_start_of_a_minute() -> None:
    """Bursts are counted per clock minute: start a test's burst with most of a minute left."""
    import time

    if time.time() % 60 > 45:
        time.sleep(60.5 - time.time() % 60)


def test_a_burst_of_views_weighs_less_in_the_hot_score_but_every_view_counts(client):
    from zimei.distribution import hot
    from zimei.distribution.guard import BURST_VIEWS

    article = published_article()
    before = Article.objects.get(id=article.id).hot_log
    _at_start_of_a_minute()
    readers = 300
    for n in range(readers):
        client.post(f"/views/{article.id}/", **_browser(f"10.{n // 250}.{n % 250}.1"))
    flush()
    after = Article.objects.get(id=article.id)
    assert after.view_count == readers
    weight = BURST_VIEWS + sum(BURST_VIEWS / n for n in range(BURST_VIEWS + 1, readers + 1))
    now = timezone.now()
    gained = hot.score_at(after.hot_log, now) - hot.score_at(before, now)
    assert gained == pytest.approx(weight, rel=1e-3)
    assert weight < 0.55 * readers  # 300 views in a minute weigh as about 158


def test_a_burst_of_shares_weighs_less_and_the_editor_sees_it(client):
    from zimei.distribution import hot
    from zimei.distribution.guard import BURST_SHARES

    from .factories import editor

    article = published_article(title="一分钟内被分享了二十次")
    before = Article.objects.get(id=article.id).hot_log
    _at_start_of_a_minute()
    for n in range(20):
        assert client.post(f"/share/{article.id}/link/", **_browser(f"10.9.{n}.1")).status_code == 204
    after = Article.objects.get(id=article.id)
    assert after.share_count == 20
    weight = hot.W_SHARE * (BURST_SHARES + sum(BURST_SHARES / n for n in range(BURST_SHARES + 1, 21)))
    now = timezone.now()
    gained = hot.score_at(after.hot_log, now) - hot.score_at(before, now)
    assert gained == pytest.approx(weight, rel=1e-3)
    desk = Client()
    desk.force_login(editor())
    table = desk.get("/zh-hans/desk/hot/").content.decode().split('class="list count-anomalies"', 1)[1]
    assert "一分钟内被分享了二十次" in table.split("</table>", 1)[0]
    assert f'class="anomaly-share-burst" data-article="{article.id}"' in table
    hant = desk.get("/zh-hant/desk/hot/").content.decode().split('class="list count-anomalies"', 1)[1]
    assert "一分鐘內激增，熱度打折" in hant.split("</table>", 1)[0]  # the reason in the editor's script


def test_redis_applies_the_address_allowance_and_the_burst_weight(redis_counter):
    from zimei.distribution import hot
    from zimei.distribution.guard import BURST_VIEWS, address_key

    article = published_article()
    before = Article.objects.get(id=article.id).hot_log
    _at_start_of_a_minute()
    one_address = address_key({"REMOTE_ADDR": ATTACKER})
    for n in range(40):  # one address, forty agents: ADDRESS_ALLOWANCE of them count
        redis_counter.record(article.id, viewer_key(_browser(ATTACKER, n)), one_address)
    readers = 100
    for n in range(readers):
        meta = _browser(f"10.{n // 250}.{n % 250}.2")
        redis_counter.record(article.id, viewer_key(meta), address_key(meta))
    assert redis_counter.flush() == 5 + readers
    after = Article.objects.get(id=article.id)
    assert after.view_count == 5 + readers
    counted = 5 + readers
    weight = BURST_VIEWS + sum(BURST_VIEWS / n for n in range(BURST_VIEWS + 1, counted + 1))
    now = timezone.now()
    assert hot.score_at(after.hot_log, now) - hot.score_at(before, now) == pytest.approx(weight, rel=1e-3)
    from zimei.distribution.models import CountAnomaly

    refused = CountAnomaly.objects.get(article=article, kind="view", reason="address")
    assert refused.events == 35


def _ratelimit_cache_at(settings, location: str) -> None:
    """The shares' shared counters (the `ratelimit` cache) in Redis, as ZIMEI_REDIS_URL sets them."""
    from django.conf import settings as django_settings
    from django.core.cache import caches

    settings.CACHES = {
        **django_settings.CACHES,
        "ratelimit": {
            "BACKEND": "zimei.core.rediscache.ResilientRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"zimei-test-share-{uuid.uuid4().hex[:8]}",
        },
    }
    caches["ratelimit"].clear()


def test_shares_are_guarded_across_workers_with_redis(client, settings):
    from django.core.cache import caches

    _ratelimit_cache_at(settings, _redis_url())
    article = published_article()
    try:
        for n in range(20):  # one address, twenty agents
            assert client.post(f"/share/{article.id}/link/", **_browser(ATTACKER, n)).status_code == 204
        client.post(f"/share/{article.id}/link/", **_browser("198.51.100.77"))
        client.post(f"/share/{article.id}/link/", **_browser("198.51.100.77"))  # the same reader again
        assert Article.objects.get(id=article.id).share_count == 5 + 1
    finally:
        caches["ratelimit"].clear()


def test_with_redis_down_shares_still_count(client, settings):
    """The shared counters are unreachable: shares count without the reader and address checks
    (the page never fails for it; docs/hot.md)."""
    _ratelimit_cache_at(settings, "redis://127.0.0.1:1/0")  # nothing listens there
    article = published_article()
    for _ in range(3):  # one reader, three times
        assert client.post(f"/share/{article.id}/link/", **_browser(ATTACKER)).status_code == 204
    assert Article.objects.get(id=article.id).share_count == 3
