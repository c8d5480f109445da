"""Counts that can't be bought: what one address may count, bursts, and what editors see.

A view or a share moves the hot list (hot.py) and a share raises its creator's 关注度, so
both are worth faking. Three rules, the same for views and shares (docs/hot.md, "What is
counted, what is refused"):

1. **One reader, once per article per 30 minutes.** A reader is a salted hash of address and
   user agent (`counters.viewer_key` for views, `share_reader_key` for shares); a repeat is not
   counted (for shares it is recorded: nobody shares one story twice in half an hour).
2. **One address, at most ADDRESS_ALLOWANCE readers per article per 30 minutes**, whatever
   agents it sends: a household or an office behind one address still counts a few readers,
   a script rotating its user agent counts no more. The address is a salted hash too, of the
   IPv4 address or of the IPv6 /64 (one household's network: rotating inside it is free).
3. **Bursts are discounted in the hot score**: within one clock minute, an article's first
   BURST_VIEWS views (BURST_SHARES shares) weigh fully; the n-th beyond that weighs
   BURST_x / n, so the score grows with the logarithm of a burst, not with its size. The
   counts themselves (阅读数, 分享数) are not discounted.

The share endpoint is rate-limited per address as well (`ZIMEI_RATE_SHARE`, core/ratelimit.py).

Refused and discounted counts are kept per article, kind, reason and hour (`CountAnomaly`) and
shown on the desk's 热点推荐 page for the last day; no address or agent is stored.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from zimei.articles.models import Article
from zimei.core.ratelimit import client_address

from .models import CountAnomaly

log = logging.getLogger(__name__)

WINDOW = 30 * 60  # one reader once, one address ADDRESS_ALLOWANCE readers, per article per window
ADDRESS_ALLOWANCE = 5
BURST_VIEWS = 60  # full-weight views per article per minute
BURST_SHARES = 10  # full-weight shares per article per minute

# (article id, kind, reason) -> [events, hot weight dropped]
Tally = dict[tuple[int, str, str], list[float]]


@lru_cache(maxsize=2)
def day_salt(day: str) -> bytes:
    """The day's secret salt: readers are told apart by salted hashes, never raw addresses, and
    yesterday's hashes cannot be matched with today's."""
    return hashlib.blake2b(f"zimei-views|{day}".encode(), key=settings.SECRET_KEY.encode()[:64]).digest()[:32]


def _salted(text: str, purpose: str) -> str:
    return hashlib.blake2b(
        f"{purpose}|{text}".encode(), key=day_salt(date.today().isoformat()), digest_size=12
    ).hexdigest()


def address_key(meta: Mapping[str, str]) -> str:
    """The client's address as a salted hash: the IPv4 address, or the IPv6 /64 network."""
    raw = client_address(meta)
    try:
        parsed = ipaddress.ip_address(raw)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.version == 6:
        raw = str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return _salted(raw, "address")


def share_reader_key(meta: Mapping[str, str]) -> str:
    """Who is sharing: a salted hash of address and user agent (an empty agent is one reader too)."""
    return _salted(f"{client_address(meta)}|{meta.get('HTTP_USER_AGENT', '')}", "share")


def burst_weight(free: int, n: int) -> float:
    """The hot weight of the n-th counted event of an article within one minute."""
    return 1.0 if n <= free else free / n


def _tally(name: str, timeout: int) -> int:
    """Count one in the shared `ratelimit` cache; returns the count. With Redis down, 1."""
    store = caches["ratelimit"]
    store.add(name, 0, timeout)
    try:
        return int(store.incr(name))
    except ValueError:  # expired between add and incr
        store.set(name, 1, timeout)
        return 1


def share_check(article_id: int, meta: Mapping[str, str]) -> tuple[float, str | None]:
    """(weight, reason) of a share by the client of `meta`: weight 0 and the reason it is refused
    ("repeat", "address"), or the hot weight to count it with (below 1 in a burst: "burst")."""
    reader, address = share_reader_key(meta), address_key(meta)
    if _tally(f"share:seen:{reader}:{article_id}", WINDOW) > 1:
        return 0.0, "repeat"
    if _tally(f"share:addr:{address}:{article_id}", WINDOW) > ADDRESS_ALLOWANCE:
        return 0.0, "address"
    minute = int(time.time() // 60)
    weight = burst_weight(BURST_SHARES, _tally(f"share:minute:{article_id}:{minute}", 120))
    return weight, ("burst" if weight < 1.0 else None)


def _hour(when: datetime) -> datetime:
    return when.replace(minute=0, second=0, microsecond=0)


def anomalies_record(tally: Tally, when: datetime | None = None) -> None:
    """Add refused and discounted counts to their article's row for this hour. Ids that are not
    articles are left out (the view beacon takes any id)."""

    if not tally:
        return
    hour = _hour(when or timezone.now())
    known = set(Article.objects.filter(id__in={k[0] for k in tally}).values_list("id", flat=True))
    for (article_id, kind, reason), (events, dropped) in sorted(tally.items()):
        if article_id not in known:
            continue
        key = {"article_id": article_id, "kind": kind, "reason": reason, "hour": hour}
        change = {"events": F("events") + int(events), "weight_dropped": F("weight_dropped") + dropped}
        if CountAnomaly.objects.filter(**key).update(**change):
            continue
        try:
            with transaction.atomic():
                CountAnomaly.objects.create(**key, events=int(events), weight_dropped=dropped)
        except IntegrityError:  # another worker made the row a moment ago
            CountAnomaly.objects.filter(**key).update(**change)


def anomaly_add(tally: Tally, article_id: int, kind: str, reason: str, dropped: float = 0.0) -> None:
    row = tally.setdefault((article_id, kind, reason), [0, 0.0])
    row[0] += 1
    row[1] += dropped


def anomalies_recent(*, hours: int = 24, limit: int = 50) -> list[dict]:
    """For the desk: articles with refused or discounted counts in the last `hours`, most first,
    each with its rows summed per kind and reason."""

    since = _hour(timezone.now() - timedelta(hours=hours))
    rows = CountAnomaly.objects.filter(hour__gte=since).values_list(
        "article_id", "kind", "reason", "events", "weight_dropped"
    )
    per: dict[int, dict[tuple[str, str], list[float]]] = {}
    for article_id, kind, reason, events, dropped in rows:
        cell = per.setdefault(article_id, {}).setdefault((kind, reason), [0, 0.0])
        cell[0] += events
        cell[1] += dropped
    top = sorted(per, key=lambda a: -sum(c[0] for c in per[a].values()))[:limit]
    articles = Article.objects.in_bulk(top)
    labels = dict(CountAnomaly.Reason.choices)
    kinds = dict(CountAnomaly.Kind.choices)
    out = []
    for article_id in top:
        if article_id not in articles:
            continue
        cells = [
            {
                "kind": kinds.get(k, k),
                "reason": labels.get(r, r),
                "code": f"{k}-{r}",
                "events": int(c[0]),
                "dropped": c[1],
            }
            for (k, r), c in sorted(per[article_id].items())
        ]
        out.append(
            {"article": articles[article_id], "rows": cells, "events": sum(c["events"] for c in cells)}
        )
    return out
