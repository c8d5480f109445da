"""View counting: one view per reader per article per 30 minutes, bots and prefetches left out,
without slowing the page.

Views arrive by the view beacon (distribution/beacon.py: POST /views/<id>/ from site.js when the page
is shown, GET /views/<id>.gif without JavaScript), not with the page itself: pages may be
served by the page store, a front cache or a CDN that never reaches the app, and the beacon
counts them all alike. A view of an id that is not a published article is dropped by the
flush (hot.views_apply), so the request path needs no query.

A reader is a salted hash of address and user agent (the salt is derived from the secret key
and changes daily); the raw address is never stored. One address counts at most
guard.ADDRESS_ALLOWANCE readers per article per 30 minutes, whatever agents it sends, and an
article's views beyond guard.BURST_VIEWS in one clock minute weigh less in the hot score
(distribution/guard.py: refused and discounted views are recorded for the desk at each flush).
The request path does one cheap step:

- embedded default ("local"): an in-process set of recent (reader, article) pairs and an
  in-process tally, written to the database in one transaction at most every FLUSH_SECONDS
  (or FLUSH_EVENTS views). Workers do not share the recent-reader set, so a reader whose
  requests land on two workers within 30 minutes may count twice.
- with ZIMEI_REDIS_URL ("redis"): views are queued in the process and sent every 100 views or
  0.2 s in one pipeline of Lua calls, each doing SET seen-key NX EX 1800 and, if the pair is
  new and its address has allowance left, HINCRBY on the pending hash (and HINCRBYFLOAT of its
  hot weight on field "w<id>"). Flushing lists a batch key named by a fresh id in a set
  (so flushes never SCAN the keyspace), RENAMEs the pending hash to it, applies it and
  records the id (CounterFlush) in the same database transaction,
  then deletes the batch key. A crash loses nothing that reached Redis; a batch applied but not
  deleted is recognised by its id and never applied twice. If Redis is down, the view is
  counted straight in the database instead of failing the page.

Faults (docs/deploy.md, "Faults and outages"). A view is acknowledged once flushed to the database; the page's
200 promises nothing about the count. A flush that fails (database down) puts its counts back
and requests leave the retry to the background flush, so no page fails and nothing is lost
while the database is down (a flush whose commit went through but whose answer was lost
counts twice). A worker stopped gracefully (SIGTERM, SIGINT) flushes on its way out; a worker
killed outright loses what it held: at most FLUSH_SECONDS (or FLUSH_EVENTS) of its views, or
with Redis the views not yet sent (0.2 s). Redis down: views go straight to the database
(without the 30-minute de-duplication) and Redis is left alone for REDIS_COOLDOWN seconds;
Redis and the database both down: they wait in memory. Views pending in a Redis that dies
without persistence are lost with it (at most FLUSH_SECONDS' worth).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import date
from multiprocessing.util import Finalize

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction

from zimei.core.ratelimit import client_address

from .guard import (
    ADDRESS_ALLOWANCE,
    BURST_VIEWS,
    Tally,
    address_key,
    anomalies_record,
    anomaly_add,
    burst_weight,
    day_salt,
)
from .hot import views_apply
from .models import CounterFlush

log = logging.getLogger(__name__)

VIEW_WINDOW = 30 * 60
FLUSH_SECONDS = 10.0
FLUSH_EVENTS = 500
REDIS_COOLDOWN = 5.0  # after a Redis error, views go straight to the database this long
BOTS = re.compile(
    r"bot|crawl|spider|slurp|scrapy|preview|facebookexternalhit|embedly|curl|wget|"
    r"python-requests|python-urllib|go-http-client|okhttp|httpclient|headless|lighthouse",
    re.IGNORECASE,
)
PREFETCH_HEADERS = ("HTTP_PURPOSE", "HTTP_SEC_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")


def viewer_key(meta: Mapping[str, str]) -> str | None:
    """Who is reading, as a salted hash; None for bots, prefetches and clients with no agent."""
    agent = meta.get("HTTP_USER_AGENT", "")
    if not agent or BOTS.search(agent):
        return None
    if any(word in meta.get(h, "").lower() for h in PREFETCH_HEADERS for word in ("prefetch", "preview")):
        return None
    salt = day_salt(date.today().isoformat())
    raw = f"{client_address(meta)}|{agent}".encode()  # the reader's address, behind a proxy too
    return hashlib.blake2b(raw, key=salt, digest_size=12).hexdigest()


def _apply(batch: Mapping[int, int], weights: Mapping[int, float] | None = None) -> None:
    views_apply(batch, weights=weights)  # the counts and the hot scores (hot.py), one statement per article


def _record_anomalies(tally: Tally) -> None:
    """Write what was refused or discounted (guard.py) for the desk; a failure loses only that."""
    if not tally:
        return
    try:
        with transaction.atomic():
            anomalies_record(tally)
    except DatabaseError as exc:
        log.warning("refused view counts not recorded for the desk: %s", exc)


class LocalCounter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: Counter[int] = Counter()
        self.events = 0  # sum of pending, kept as it grows (not re-added per view)
        self.weights: Counter[int] = Counter()  # hot weight of the pending views (bursts weigh less)
        self.seen: dict[tuple[str, int], float] = {}
        # (address, article) -> (end of its window, readers counted): ADDRESS_ALLOWANCE per window
        self.by_address: dict[tuple[str, int], tuple[float, int]] = {}
        self.minute: dict[int, tuple[int, int]] = {}  # article -> (clock minute, views counted in it)
        self.anomalies: Tally = {}
        self.last_flush = time.monotonic()
        self.hold_until = 0.0  # after a failed flush, requests leave it to the background thread

    def record(self, article_id: int, viewer: str, address: str | None = None) -> None:
        """Count a view by `viewer` (viewer_key) from `address` (guard.address_key; None: no
        per-address allowance), unless that reader was counted in the last 30 minutes or the
        address has used its allowance for this article."""
        now = time.monotonic()
        with self.lock:
            if self.seen.get((viewer, article_id), 0.0) > now:
                return
            if address is not None:
                until, used = self.by_address.get((address, article_id), (0.0, 0))
                if until <= now:
                    until, used = now + VIEW_WINDOW, 0
                if used >= ADDRESS_ALLOWANCE:
                    anomaly_add(self.anomalies, article_id, "view", "address", 1.0)
                    return
                self.by_address[(address, article_id)] = (until, used + 1)
            self.seen[(viewer, article_id)] = now + VIEW_WINDOW
            minute = int(time.time() // 60)
            last, n = self.minute.get(article_id, (minute, 0))
            n = n + 1 if last == minute else 1
            self.minute[article_id] = (minute, n)
            weight = burst_weight(BURST_VIEWS, n)
            if weight < 1.0:
                anomaly_add(self.anomalies, article_id, "view", "burst", 1.0 - weight)
            self.pending[article_id] += 1
            self.weights[article_id] += weight
            self.events += 1
            due = now >= self.hold_until and (
                self.events >= FLUSH_EVENTS or now - self.last_flush >= FLUSH_SECONDS
            )
        if due:
            try:
                self.flush()
            except DatabaseError as exc:  # the database is down: never fail the page for it
                log.warning("view counts kept in memory until the database is back: %s", exc)

    def flush(self) -> int:
        """Write the pending counts in one transaction. If that fails they are pending again
        (nothing is lost while the database is down) and the error is raised."""
        now = time.monotonic()
        with self.lock:
            batch, weights = dict(self.pending), dict(self.weights)
            self.pending.clear()
            self.weights.clear()
            self.events = 0
            self.last_flush = now
            anomalies, self.anomalies = self.anomalies, {}
            if len(self.seen) > 100_000:  # forget pairs whose window has passed
                self.seen = {k: v for k, v in self.seen.items() if v > now}
            if len(self.by_address) > 100_000:
                self.by_address = {k: v for k, v in self.by_address.items() if v[0] > now}
            if len(self.minute) > 10_000:
                minute = int(time.time() // 60)
                self.minute = {k: v for k, v in self.minute.items() if v[0] >= minute}
        if batch:
            try:
                with transaction.atomic():
                    _apply(batch, weights)
            except BaseException:
                with self.lock:
                    self.pending.update(batch)
                    self.weights.update(weights)
                    self.events += sum(batch.values())
                    self.hold_until = time.monotonic() + FLUSH_SECONDS
                    for key, (events, dropped) in anomalies.items():  # kept for the next flush
                        row = self.anomalies.setdefault(key, [0, 0.0])
                        row[0] += events
                        row[1] += dropped
                raise
        _record_anomalies(anomalies)
        return sum(batch.values())

    def discard(self) -> None:
        with self.lock:
            self.pending.clear()
            self.weights.clear()
            self.events = 0
            self.seen.clear()
            self.by_address.clear()
            self.minute.clear()
            self.anomalies = {}


class RedisCounter:
    SEND_EVENTS = 100
    SEND_SECONDS = 0.2
    PENDING = "zimei:views:pending"
    BATCH = "zimei:views:batch:"
    BATCHES = "zimei:views:batches"  # batch keys not yet deleted (flushes read this, not SCAN)
    SEEN = "zimei:views:seen:"
    ADDRESS = "zimei:views:addr:"
    MINUTE = "zimei:views:minute:"
    # KEYS: the reader's seen key, the pending hash, the address's key, the article's minute key.
    # ARGV: article id, window, the address allowance (-1: none), burst weight's free views.
    # Returns 0 (seen), -1 (address over its allowance) or n, the article's views this minute.
    # The hot weight goes to field "w<id>" of the same hash, so a RENAME moves both.
    _RECORD = """
    if redis.call('EXISTS', KEYS[1]) == 1 then
        return 0
    end
    local allowance = tonumber(ARGV[3])
    if allowance >= 0 then
        local used = tonumber(redis.call('GET', KEYS[3]) or '0')
        if used >= allowance then
            return -1
        end
        if used == 0 then
            redis.call('SET', KEYS[3], '1', 'EX', ARGV[2])
        else
            redis.call('INCR', KEYS[3])
        end
    end
    redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])
    local n = redis.call('INCR', KEYS[4])
    if n == 1 then
        redis.call('EXPIRE', KEYS[4], 120)
    end
    local free = tonumber(ARGV[4])
    local weight = 1
    if n > free then
        weight = free / n
    end
    redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
    redis.call('HINCRBYFLOAT', KEYS[2], 'w' .. ARGV[1], weight)
    return n
    """

    def __init__(self, url: str, *, prefix: str = "") -> None:
        # redis-py is imported only when Redis is configured (here and below): its import costs
        # every process a tenth of a second, and most sites never use it.
        import redis  # noqa: PLC0415

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.script = self.client.register_script(self._RECORD)
        self.lock = threading.Lock()
        self.queue: list[tuple[int, str, str | None]] = []
        self.anomalies: Tally = {}  # what this worker's views had refused or discounted
        self.unsent: Counter[int] = Counter()  # Redis and the database both down: kept here
        self.down_until = 0.0  # Redis failed: straight to the database until then
        self.last_send = self.last_flush = time.monotonic()

    def record(self, article_id: int, viewer: str, address: str | None = None) -> None:
        """Queue the view; queued views go to Redis in one pipeline every SEND_EVENTS views or
        SEND_SECONDS (so a crash loses at most that much, well inside one flush interval). The
        30-minute reader check, the address allowance and the burst weight are decided in Redis,
        across every worker."""
        now = time.monotonic()
        with self.lock:
            self.queue.append((article_id, viewer, address))
            due = len(self.queue) >= self.SEND_EVENTS or now - self.last_send >= self.SEND_SECONDS
        if due:
            self.send()
        if now - self.last_flush >= FLUSH_SECONDS:
            try:
                self.flush()
            except DatabaseError as exc:  # the batch stays listed in Redis for the next flush
                log.warning("view counts stay in Redis until the database is back: %s", exc)

    def send(self) -> None:
        import redis  # noqa: PLC0415  (see __init__)

        with self.lock:
            queue, self.queue = self.queue, []
            self.last_send = time.monotonic()
        if not queue and not self.unsent:
            return
        if time.monotonic() < self.down_until:  # Redis failed a moment ago: not again yet
            self._apply_directly(queue)
            return
        minute = int(time.time() // 60)
        try:
            pipe = self.client.pipeline(transaction=False)
            for article_id, viewer, address in queue:
                self.script(
                    keys=[
                        f"{self.prefix}{self.SEEN}{viewer}:{article_id}",
                        self.prefix + self.PENDING,
                        f"{self.prefix}{self.ADDRESS}{address or ''}:{article_id}",
                        f"{self.prefix}{self.MINUTE}{article_id}:{minute}",
                    ],
                    args=[article_id, VIEW_WINDOW, -1 if address is None else ADDRESS_ALLOWANCE, BURST_VIEWS],
                    client=pipe,
                )
            results = pipe.execute()
        except redis.RedisError as exc:  # Redis down: count straight in the database
            self.down_until = time.monotonic() + REDIS_COOLDOWN
            log.warning("view counting falls back to the database: %s", exc)
            self._apply_directly(queue)
            return
        with self.lock:
            for (article_id, _, _), n in zip(queue, results, strict=True):
                if n == -1:
                    anomaly_add(self.anomalies, article_id, "view", "address", 1.0)
                elif n > BURST_VIEWS:
                    anomaly_add(
                        self.anomalies, article_id, "view", "burst", 1.0 - burst_weight(BURST_VIEWS, n)
                    )

    def _apply_directly(self, queue: list[tuple[int, str, str | None]]) -> None:
        """Count queued views in the database (Redis is down: no reader check, no address
        allowance, no burst weight), or keep them for the next try if the database is down too."""
        with self.lock:
            self.unsent.update(article_id for article_id, _, _ in queue)
            batch, self.unsent = self.unsent, Counter()
        try:
            with transaction.atomic():
                _apply(batch)
        except DatabaseError as exc:
            log.warning("view counts kept in memory until the database is back: %s", exc)
            with self.lock:
                self.unsent.update(batch)

    def flush(self) -> int:
        """Move pending counts to the database; safe to run anywhere, any number of times."""
        import redis  # noqa: PLC0415  (see __init__)

        self.send()
        self.last_flush = time.monotonic()
        with self.lock:
            anomalies, self.anomalies = self.anomalies, {}
        _record_anomalies(anomalies)
        if self.unsent:
            self._apply_directly([])
        if time.monotonic() < self.down_until:
            return 0
        try:
            batch_key = f"{self.prefix}{self.BATCH}{uuid.uuid4().hex}"
            # Listed before the rename: a crash in between leaves an empty batch, not a lost one.
            self.client.sadd(self.prefix + self.BATCHES, batch_key)
            try:
                self.client.rename(self.prefix + self.PENDING, batch_key)
            except redis.ResponseError:  # nothing pending
                pass
            return sum(
                self._apply_batch(key.decode()) for key in self.client.smembers(self.prefix + self.BATCHES)
            )
        except redis.RedisError as exc:
            self.down_until = time.monotonic() + REDIS_COOLDOWN
            log.warning("view counts stay in Redis until the next flush: %s", exc)
            return 0

    def _apply_batch(self, key: str) -> int:
        batch_id = key.rsplit(":", 1)[1]
        counts: dict[int, int] = {}
        weights: dict[int, float] = {}
        for field, value in self.client.hgetall(key).items():
            field = field.decode()
            if field.startswith("w"):
                weights[int(field[1:])] = float(value)
            else:
                counts[int(field)] = int(value)
        try:
            with transaction.atomic():
                CounterFlush.objects.create(batch_id=batch_id)
                _apply(counts, weights)
        except IntegrityError:
            counts = {}  # applied before (the delete below did not happen): never twice
        self.client.delete(key)
        self.client.srem(self.prefix + self.BATCHES, key)
        return sum(counts.values())

    def discard(self) -> None:
        with self.lock:
            self.queue = []
        for key in self.client.scan_iter(f"{self.prefix}zimei:views:*"):
            self.client.delete(key)


_counter: LocalCounter | RedisCounter | None = None


def counter() -> LocalCounter | RedisCounter:
    global _counter
    if _counter is None:
        url = getattr(settings, "ZIMEI_REDIS_URL", "")
        _counter = RedisCounter(url) if url else LocalCounter()
    return _counter


def view_record(article_id: int, meta: Mapping[str, str]) -> None:
    """Count a view of `article_id` by the client described by `meta` (WSGI environ or
    request.META), if it is a reader's first view of it in 30 minutes. Called by the view
    beacon (distribution/beacon.py) only; the id is checked at the flush (published articles only)."""
    viewer = viewer_key(meta)
    if viewer is not None:
        counter().record(article_id, viewer, address_key(meta))


def flush() -> int:
    return counter().flush()


def flush_in_background(
    interval: float = FLUSH_SECONDS, *, stop: threading.Event | None = None
) -> threading.Thread:
    """Flush every `interval` seconds from a daemon thread (until `stop` is set), so that the
    views a quiet worker holds reach the database (and the hot list, distribution/hot.py)
    without waiting for the next view. Each `zimei serve` worker starts one (serve.worker_application)."""
    stop = stop or threading.Event()

    def run() -> None:
        while not stop.wait(interval):
            try:
                flush()
            except DatabaseError as exc:  # the database is down: the counts wait in memory
                log.warning("background flush of view counts failed: %s", exc)
                connection.close()
            except Exception:  # never let the thread die; a broken connection is replaced
                log.exception("background flush of view counts failed")
                connection.close()
        connection.close()

    thread = threading.Thread(target=run, name="zimei-view-flush", daemon=True)
    thread.start()
    return thread


def flush_at_exit() -> None:
    """Flush once more when this process ends normally (a `zimei serve` worker stopped with
    SIGTERM or SIGINT, a restart), so a graceful stop loses no counted view. A worker killed
    outright (SIGKILL, OOM) cannot: it loses the views it held, at most FLUSH_SECONDS' worth
    (docs/deploy.md, "Faults and outages"). Registered with multiprocessing's finalizers, which granian's
    worker processes run on their way out (they skip `atexit`)."""

    def final_flush() -> None:
        try:
            flush()
        except Exception as exc:  # the database is gone too: nothing more to do
            log.warning("view counts lost at exit: %s", exc)

    Finalize(None, final_flush, exitpriority=10)


def discard() -> None:
    """Drop what is buffered (tests start from a clean slate)."""
    counter().discard()
