"""View counting: one view per reader per article per 30 minutes, bots and prefetches left out,
without slowing the page.

Views arrive by the view beacon (core/beacon.py: POST /views/<id>/ from site.js when the page
is shown, GET /views/<id>.gif without JavaScript), not with the page itself: pages may be
served by the page store, a front cache or a CDN that never reaches the app, and the beacon
counts them all alike. A view of an id that is not a published article is dropped by the
flush (hot.views_apply), so the request path needs no query.

A reader is a salted hash of address and user agent (the salt is derived from the secret key
and changes daily); the raw address is never stored. The request path does one cheap step:

- embedded default ("local"): an in-process set of recent (reader, article) pairs and an
  in-process tally, written to the database in one transaction at most every FLUSH_SECONDS
  (or FLUSH_EVENTS views). Workers do not share the recent-reader set, so a reader whose
  requests land on two workers within 30 minutes may count twice.
- with ZIMEI_REDIS_URL ("redis"): views are queued in the process and sent every 100 views or
  0.2 s in one pipeline of Lua calls, each doing SET seen-key NX EX 1800 and, if the pair is
  new, HINCRBY on the pending hash. Flushing lists a batch key named by a fresh id in a set
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
from functools import lru_cache

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction

from zimei.core.ratelimit import client_address

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
    salt = _salt(date.today().isoformat())
    raw = f"{client_address(meta)}|{agent}".encode()  # the reader's address, behind a proxy too
    return hashlib.blake2b(raw, key=salt, digest_size=12).hexdigest()


@lru_cache(maxsize=2)
def _salt(day: str) -> bytes:
    return hashlib.blake2b(f"zimei-views|{day}".encode(), key=settings.SECRET_KEY.encode()[:64]).digest()[:32]


def _apply(batch: Mapping[int, int]) -> None:
    from .hot import views_apply

    views_apply(batch)  # the counts and the hot scores (hot.py), one statement per article


class LocalCounter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: Counter[int] = Counter()
        self.events = 0  # sum of pending, kept as it grows (not re-added per view)
        self.seen: dict[tuple[str, int], float] = {}
        self.last_flush = time.monotonic()
        self.hold_until = 0.0  # after a failed flush, requests leave it to the background thread

    def record(self, article_id: int, viewer: str) -> None:
        now = time.monotonic()
        with self.lock:
            if self.seen.get((viewer, article_id), 0.0) > now:
                return
            self.seen[(viewer, article_id)] = now + VIEW_WINDOW
            self.pending[article_id] += 1
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
            batch = dict(self.pending)
            self.pending.clear()
            self.events = 0
            self.last_flush = now
            if len(self.seen) > 100_000:  # forget pairs whose window has passed
                self.seen = {k: v for k, v in self.seen.items() if v > now}
        if batch:
            try:
                with transaction.atomic():
                    _apply(batch)
            except BaseException:
                with self.lock:
                    self.pending.update(batch)
                    self.events += sum(batch.values())
                    self.hold_until = time.monotonic() + FLUSH_SECONDS
                raise
        return sum(batch.values())

    def discard(self) -> None:
        with self.lock:
            self.pending.clear()
            self.events = 0
            self.seen.clear()


class RedisCounter:
    SEND_EVENTS = 100
    SEND_SECONDS = 0.2
    PENDING = "zimei:views:pending"
    BATCH = "zimei:views:batch:"
    BATCHES = "zimei:views:batches"  # batch keys not yet deleted (flushes read this, not SCAN)
    SEEN = "zimei:views:seen:"
    _RECORD = """
    if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then
        return redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
    end
    return 0
    """

    def __init__(self, url: str, *, prefix: str = "") -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.script = self.client.register_script(self._RECORD)
        self.lock = threading.Lock()
        self.queue: list[tuple[int, str]] = []
        self.unsent: Counter[int] = Counter()  # Redis and the database both down: kept here
        self.down_until = 0.0  # Redis failed: straight to the database until then
        self.last_send = self.last_flush = time.monotonic()

    def record(self, article_id: int, viewer: str) -> None:
        """Queue the view; queued views go to Redis in one pipeline every SEND_EVENTS views or
        SEND_SECONDS (so a crash loses at most that much, well inside one flush interval)."""
        now = time.monotonic()
        with self.lock:
            self.queue.append((article_id, viewer))
            due = len(self.queue) >= self.SEND_EVENTS or now - self.last_send >= self.SEND_SECONDS
        if due:
            self.send()
        if now - self.last_flush >= FLUSH_SECONDS:
            try:
                self.flush()
            except DatabaseError as exc:  # the batch stays listed in Redis for the next flush
                log.warning("view counts stay in Redis until the database is back: %s", exc)

    def send(self) -> None:
        import redis

        with self.lock:
            queue, self.queue = self.queue, []
            self.last_send = time.monotonic()
        if not queue and not self.unsent:
            return
        if time.monotonic() < self.down_until:  # Redis failed a moment ago: not again yet
            self._apply_directly(queue)
            return
        try:
            pipe = self.client.pipeline(transaction=False)
            for article_id, viewer in queue:
                self.script(
                    keys=[f"{self.prefix}{self.SEEN}{viewer}:{article_id}", self.prefix + self.PENDING],
                    args=[article_id, VIEW_WINDOW],
                    client=pipe,
                )
            pipe.execute()
        except redis.RedisError as exc:  # Redis down: count straight in the database
            self.down_until = time.monotonic() + REDIS_COOLDOWN
            log.warning("view counting falls back to the database: %s", exc)
            self._apply_directly(queue)

    def _apply_directly(self, queue: list[tuple[int, str]]) -> None:
        """Count queued views in the database (Redis is down), or keep them for the next try
        if the database is down too."""
        with self.lock:
            self.unsent.update(article_id for article_id, _ in queue)
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
        import redis

        self.send()
        self.last_flush = time.monotonic()
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
        from .models import CounterFlush

        batch_id = key.rsplit(":", 1)[1]
        counts = {int(k): int(v) for k, v in self.client.hgetall(key).items()}
        try:
            with transaction.atomic():
                CounterFlush.objects.create(batch_id=batch_id)
                _apply(counts)
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
    beacon (core/beacon.py) only; the id is checked at the flush (published articles only)."""
    viewer = viewer_key(meta)
    if viewer is not None:
        counter().record(article_id, viewer)


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
        from django.db import connection

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
    from multiprocessing.util import Finalize

    def final_flush() -> None:
        try:
            flush()
        except Exception as exc:  # the database is gone too: nothing more to do
            log.warning("view counts lost at exit: %s", exc)

    Finalize(None, final_flush, exitpriority=10)


def discard() -> None:
    """Drop what is buffered (tests start from a clean slate)."""
    counter().discard()
