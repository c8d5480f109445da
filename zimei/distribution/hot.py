"""热点推荐 (the hot list): a time-decayed engagement score, kept incrementally.

The score of an article at time `now` is the sum of its events, each decayed by its age:

    score(now) = Σ_e w_e · 2^(−(now − t_e) / HALF_LIFE)

with w = 1 for a view, 5 for a share, 20 for a follow the article brought in, and 30 once at
publication (freshness). Instead of the score, `Article.hot_log` stores

    hot_log = ln Σ_e w_e · 2^((t_e − EPOCH) / HALF_LIFE)
            = ln score(now) + (now − EPOCH) / HALF_LIFE · ln 2

The second term is the same for every article at a given moment, so ordering by hot_log is
ordering by score(now), at every moment, and time passing changes nothing stored. An event
touches only its own article: hot_log ← logaddexp(hot_log, ln w + (t − EPOCH)/HALF_LIFE · ln 2),
in the UPDATE that counts it (`views_apply` for a flush's views, `bump` for a share or a
follow); the list is an index range scan over (status, −hot_log) or
(channel, status, −hot_log). 0.0 means "no events": every event after EPOCH has a log above 0
(a publication weighs more than 1, and views happen now), and logaddexp(0, x) = x to double
precision for x in the thousands (which hot_log is: about 760 per year since EPOCH).

Reads are cached per "hot stamp" (a generation, bumped when an editor pins or removes, and the
current HOT_SECONDS time slot), so the lists and the page fragments that show them all change
together: a view is in the database within counters.FLUSH_SECONDS, and on a freshly rendered
page within HOT_SECONDS more. docs/hot.md has the reasoning and the figures.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Expression, F, FloatField, Q, Value
from django.db.models.functions import Abs, Exp, Greatest, Ln
from django.utils import timezone
from tqdm import tqdm

from zimei.accounts.models import CreatorProfile, User
from zimei.articles.models import Article
from zimei.channels.models import Channel
from zimei.core.audit import audit
from zimei.core.audit_actions import AuditAction
from zimei.core.errors import InputError, NotAllowed
from zimei.core.frontcache import list_paths, purge

from .models import HotPin

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
HALF_LIFE_HOURS = 8.0
W_VIEW = 1.0
W_SHARE = 5.0
W_FOLLOW = 20.0
W_PUBLISH = 30.0
NO_EVENTS = 0.0
# The lists are recomputed once per time slot of this length (and at once on an editor's pin).
HOT_SECONDS = 30
# A reader following, unfollowing and following again credits an article once a day.
FOLLOW_CREDIT_SECONDS = 86400
LIMIT = 10  # entries on a page; pins take positions 1..LIMIT

_RATE = math.log(2) / (HALF_LIFE_HOURS * 3600)  # ln units per second


# --- the formula ----------------------------------------------------------------------------


def event_log(weight: float, when: datetime) -> float:
    """ln(w · 2^((t − EPOCH)/HALF_LIFE)): one event's term in log space (events before EPOCH
    count as at EPOCH; by now they have decayed to nothing anyway)."""
    return math.log(weight) + max((when - EPOCH).total_seconds(), 0.0) * _RATE


def logaddexp(a: float, b: float) -> float:
    """ln(e^a + e^b) without overflow."""
    high, low = (a, b) if a >= b else (b, a)
    return high + math.log1p(math.exp(low - high))


def score_at(hot_log: float, now: datetime) -> float:
    """The decayed score (in views of now) that hot_log stands for at `now`; 0 for no events."""
    if hot_log == NO_EVENTS:
        return 0.0
    return math.exp(hot_log - event_log(1.0, now))


def bump(weight: float, when: datetime | None = None) -> Expression:
    """The SQL expression for hot_log after an event of `weight` at `when` (default now):
    logaddexp(hot_log, x) = max(hot_log, x) + ln(1 + e^−|hot_log − x|). The exponent is kept
    above −50 (PostgreSQL reports underflow rather than returning 0; 1 + e^−50 is 1 anyway)."""
    x = Value(event_log(weight, when or timezone.now()), output_field=FloatField())
    gap = Greatest(-Abs(F("hot_log") - x), Value(-50.0, output_field=FloatField()))
    return Greatest(F("hot_log"), x) + Ln(Value(1.0, output_field=FloatField()) + Exp(gap))


# logaddexp(hot_log, x) in plain SQL that SQLite (3.35+, math functions) and PostgreSQL both
# run, with the exponent clamped as in `bump`; x is bound six times.
_LOGADDEXP_SQL = (
    "CASE WHEN hot_log >= %s"
    " THEN hot_log + LN(1 + EXP(CASE WHEN %s - hot_log < -50 THEN -50 ELSE %s - hot_log END))"
    " ELSE %s + LN(1 + EXP(CASE WHEN hot_log - %s < -50 THEN -50 ELSE hot_log - %s END)) END"
)


def views_apply(
    batch: Mapping[int, int], when: datetime | None = None, *, weights: Mapping[int, float] | None = None
) -> None:
    """Count a flush's views ({article id: views}) and add them to the hot scores: one
    statement per article, sent in one executemany (no ORM compile per row). The caller holds
    the transaction (counters._apply runs inside the flush's). `weights` ({article id: hot
    weight}) is what the views weigh in the score when a burst was discounted (guard.py);
    without it each view weighs W_VIEW.

    Only published articles count: the view beacon takes any id without a query (distribution/beacon.py),
    so an unknown, draft, withdrawn or taken-down id is dropped here, by its primary-key row."""
    if not batch:
        return
    t = event_log(W_VIEW, when or timezone.now())
    table = connection.ops.quote_name(Article._meta.db_table)
    sql = (
        f"UPDATE {table} SET view_count = view_count + %s, hot_log = {_LOGADDEXP_SQL} "
        "WHERE id = %s AND status = %s"
    )
    published = Article.Status.PUBLISHED.value
    rows = []
    weights = weights or {}
    for article_id, n in sorted(batch.items()):  # in id order: fewer page switches, no deadlocks
        x = t + math.log(max(weights.get(article_id, n), 1e-9))
        rows.append((n, x, x, x, x, x, x, article_id, published))
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def rebuilt_log(*, published_at: datetime | None, views: int, shares: int) -> float:
    """hot_log from an article's totals alone (for `zimei hot rebuild` and seeded rows): the
    freshness event at publication, and the counted views and shares placed at publication too
    (their real times were never kept; most of a story's readers come in its first hours)."""
    if published_at is None:
        return NO_EVENTS
    return event_log(W_PUBLISH + W_VIEW * views + W_SHARE * shares, published_at)


# --- events ---------------------------------------------------------------------------------


def hot_publish(article: Article) -> None:
    """Freshness, once: the first publication of an article with no events yet (a republish,
    更新发布, or a restore finds hot_log set and adds nothing). Sets the field; the caller saves."""
    if article.hot_log == NO_EVENTS and article.published_at is not None:
        article.hot_log = event_log(W_PUBLISH, article.published_at)


def hot_follow(*, user: User, creator: CreatorProfile, article_id: int | None = None) -> int | None:
    """Credit a new follow to the article it came from (the follow form on an article page says
    which), else to the creator's newest published article. Once a day per reader and creator,
    so following and unfollowing in a loop does not pump a story. Returns the credited id."""
    if not cache.add(f"hot:followed:{user.pk}:{creator.pk}", 1, FOLLOW_CREDIT_SECONDS):
        return None
    published = Article.objects.filter(author=creator, status=Article.Status.PUBLISHED)
    target = None
    if article_id:
        target = published.filter(id=article_id).values_list("id", flat=True).first()
    if target is None:
        target = published.order_by("-published_at").values_list("id", flat=True).first()
    if target is not None:
        Article.objects.filter(id=target).update(hot_log=bump(W_FOLLOW))
    return target


def hot_rebuild(*, batch: int = 5000, progress: bool = True) -> int:
    """Set hot_log of every article from its published_at, view and share counts (after an
    upgrade, or on a database seeded before hot_log existed), `batch` rows per transaction.
    Events that arrive while a batch is being written may be lost from hot_log (never from the
    counts). Returns the number of articles written."""
    table = connection.ops.quote_name(Article._meta.db_table)
    total = Article.objects.count()
    written = 0
    last = 0
    with tqdm(total=total, desc="hot rebuild", unit="art", disable=not progress) as bar:
        while True:
            rows = list(
                Article.objects.filter(id__gt=last)
                .order_by("id")
                .values_list("id", "published_at", "view_count", "share_count")[:batch]
            )
            if not rows:
                break
            values = [(rebuilt_log(published_at=p, views=v, shares=s), pk) for pk, p, v, s in rows]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {table} SET hot_log = %s WHERE id = %s", values)
            last = rows[-1][0]
            written += len(rows)
            bar.update(len(rows))
    hot_expire()
    return written


# --- reading --------------------------------------------------------------------------------


def _stamp_path() -> Path:
    return Path(settings.DATA_DIR) / "cache" / "hot.stamp"


def _shared_cache() -> bool:
    return "locmem" not in settings.CACHES["default"]["BACKEND"].lower()


def _generation() -> int:
    """Bumped on every pin, removal and undo. With the embedded local-memory cache (one per
    worker) it is a file's modification time in the data folder, which every worker sees;
    with Redis it is a cache key."""
    if _shared_cache():
        return cache.get("hot:generation", 0)
    try:
        return os.stat(_stamp_path()).st_mtime_ns
    except FileNotFoundError:
        return 0


def hot_stamp() -> str:
    """The key every cached hot list and hot-list fragment carries: it changes every
    HOT_SECONDS and at once when an editor changes the list."""
    return f"{_generation()}.{int(time.time() // HOT_SECONDS)}"


def hot_generation_bump() -> None:
    """Make every worker recompute its hot lists and the fragments that show them now (a new
    hot stamp). Publishing, withdrawing and taking down do this on commit too
    (distribution/purge.py), so the article's new title, or its absence, shows at once."""
    if _shared_cache():
        try:
            cache.incr("hot:generation")
        except ValueError:
            cache.set("hot:generation", 1, None)
    path = _stamp_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        before = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        path.touch()
        before = 0
    stamp = max(time.time_ns(), before + 1)  # always a new value, even within one clock tick
    os.utime(path, ns=(stamp, stamp))


def hot_expire() -> None:
    """An editor changed a list: every worker recomputes its hot lists now, and the home and
    channel pages are purged from the page store and any front cache (article and author pages
    follow within their page cache time)."""
    hot_generation_bump()
    paths = list_paths("home", pages=0)
    for slug in Channel.objects.values_list("slug", flat=True):
        paths += list_paths("channel", slug)
    purge(paths)


def _active_pins() -> list[tuple[int | None, str, int, int]]:
    """(channel id, action, position, article id) of every pin in force, one query per stamp."""
    key = f"hot:pins:{hot_stamp()}"
    found = cache.get(key)
    if found is None:
        now = timezone.now()
        found = list(
            HotPin.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .order_by("position", "-created_at")
            .values_list("channel_id", "action", "position", "article_id")
        )
        cache.set(key, found, HOT_SECONDS * 2)
    return found


def _headline(article: Article) -> str:
    return "".join(article.title_hans.split())


def hot_read(*, channel_id: int | None = None, limit: int = LIMIT) -> list[Article]:
    """The hot list now, uncached: the top articles by hot_log (an index range scan), without
    the removed, with the pinned at their positions, each article and each headline once.
    A removal from the site-wide list hides the article from the channel lists as well."""
    pins = _active_pins()
    removed = {a for ch, act, _, a in pins if act == HotPin.Action.REMOVE and ch in (None, channel_id)}
    pinned = [(pos, a) for ch, act, pos, a in pins if act == HotPin.Action.PIN and ch == channel_id]
    pinned = [(pos, a) for pos, a in pinned if a not in removed]

    qs = Article.objects.published().for_list("hot_log")
    if channel_id:
        qs = qs.filter(channel_id=channel_id)
    ranked_qs = qs.exclude(id__in=removed) if removed else qs
    # Extra rows cover the pinned (they may be in the ranking too) and repeated headlines.
    ranked = list(ranked_qs.order_by("-hot_log")[: limit + len(pinned) + limit // 2 + 1])
    by_id = {a.id: a for a in ranked}
    missing = [a for _, a in pinned if a not in by_id]
    if missing:
        by_id.update((a.id, a) for a in qs.filter(id__in=missing))
    pinned_ids = {a for _, a in pinned}

    result: list[Article | None] = [None] * limit
    for pos, article_id in pinned:  # a pin whose article left the list (withdrawn) is skipped
        slot = min(max(pos, 1), limit) - 1
        if article_id in by_id and article_id not in {a.id for a in result if a}:
            while slot < limit and result[slot] is not None:
                slot += 1
            if slot < limit:
                result[slot] = by_id[article_id]
    seen = {_headline(a) for a in result if a}
    rest = iter(a for a in ranked if a.id not in pinned_ids)
    for i in range(limit):
        if result[i] is not None:
            continue
        for article in rest:
            if _headline(article) not in seen:
                seen.add(_headline(article))
                result[i] = article
                break
    return [a for a in result if a is not None]


# --- the editors' hand ----------------------------------------------------------------------


def _channel_label(channel: Channel | None) -> str:
    return f"「{channel.name}」频道" if channel else "全站"


def _position(position: int | str) -> int:
    try:
        value = int(str(position).strip())
    except ValueError:
        value = 0
    if not 1 <= value <= LIMIT:
        raise InputError.one("position", f"位置请填写 1 到 {LIMIT} 之间的整数")
    return value


def _article_for(article_id: int | str, channel: Channel | None) -> Article:
    try:
        pk = int(str(article_id).strip())
    except ValueError:
        raise InputError.one("article", "请填写文章编号（数字）") from None
    article = Article.objects.filter(id=pk).first()
    if article is None or article.status != Article.Status.PUBLISHED:
        raise InputError.one("article", f"没有编号为 {pk} 的已发布文章")
    if channel is not None and article.channel_id != channel.id:
        raise InputError.one("article", f"编号为 {pk} 的文章不在「{channel.name}」频道")
    return article


@transaction.atomic
def hot_pin_set(
    *,
    actor: User,
    article_id: int | str,
    channel: Channel | None,
    action: str,
    position: int | str = 1,
) -> HotPin:
    """Pin an article to a position of the site-wide list or a channel's (action "pin"), or
    remove it from that list ("remove"). One hand per article and list: a new one replaces the
    old. Audited; every worker's lists change when the transaction commits."""
    if not actor.is_editor:
        raise NotAllowed("editors only")
    if action not in HotPin.Action.values:
        raise InputError.one("form", "未知的操作")
    article = _article_for(article_id, channel)
    pos = _position(position) if action == HotPin.Action.PIN else 0
    HotPin.objects.filter(article=article, channel=channel).delete()  # NULL channel: no upsert
    pin = HotPin.objects.create(
        article=article, channel=channel, action=action, position=pos, created_by=actor
    )
    where = _channel_label(channel)
    reason = f"{where}热点第 {pos} 位" if action == HotPin.Action.PIN else f"从{where}热点移除"
    audit(actor=actor, action=AuditAction(f"hot.{action}"), target=article, reason=reason)
    transaction.on_commit(hot_expire)
    return pin


@transaction.atomic
def hot_pin_undo(*, actor: User, pin_id: int | str) -> None:
    """Take back a pin or a removal: the article ranks by its score again. Audited."""
    if not actor.is_editor:
        raise NotAllowed("editors only")
    pin = HotPin.objects.select_related("article", "channel").filter(pk=pin_id).first()
    if pin is None:
        raise InputError.one("form", "这条置顶或移除已经撤销了")
    where = _channel_label(pin.channel)
    reason = f"撤销{where}热点的{pin.get_action_display()}"
    audit(actor=actor, action=AuditAction.HOT_UNDO, target=pin.article, reason=reason)
    pin.delete()
    transaction.on_commit(hot_expire)


def hot_pins(channel: Channel | None) -> Iterable[HotPin]:
    """The editors' pins and removals on one list, for the desk."""
    return (
        HotPin.objects.filter(channel=channel)
        .select_related("article", "created_by")
        .order_by("action", "position", "-created_at")
    )
