"""View counting, first version: buffered in the process, written in batches.

The request path only adds to a dict; at most every FLUSH_SECONDS (or FLUSH_EVENTS views) one
UPDATE per article moves the counts to the database. Issue #4 replaces this with deduplicated
counting and the Redis path.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from django.db import transaction
from django.db.models import F

FLUSH_SECONDS = 10.0
FLUSH_EVENTS = 500

_lock = threading.Lock()
_pending: Counter[int] = Counter()
_last_flush = time.monotonic()


def view_record(article_id: int) -> None:
    global _last_flush
    with _lock:
        _pending[article_id] += 1
        due = sum(_pending.values()) >= FLUSH_EVENTS or time.monotonic() - _last_flush >= FLUSH_SECONDS
    if due:
        flush()


def flush() -> int:
    """Write the buffered counts; returns how many views were written."""
    global _last_flush
    with _lock:
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    if not batch:
        return 0
    from zimei.articles.models import Article

    with transaction.atomic():
        for article_id, n in batch.items():
            Article.objects.filter(id=article_id).update(view_count=F("view_count") + n)
    return sum(batch.values())


def discard() -> None:
    """Drop the buffered counts (tests start from a clean slate)."""
    with _lock:
        _pending.clear()
