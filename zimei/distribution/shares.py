"""Counting a share of an article (the share buttons, the API), guarded against bought counts."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import F

from zimei.accounts.models import CreatorProfile
from zimei.articles.models import Article
from zimei.core.ratelimit import RateLimited, client_address, rate_hit

from .guard import anomalies_record, anomaly_add, share_check
from .hot import W_SHARE
from .hot import bump as hot_bump


def share_record(*, article_id: int, target: str, meta: Mapping[str, str] | None = None) -> bool:
    """Count a share of a published article; returns whether it counted. With `meta` (the
    request's META: the share button and the API pass it) the share is rate-limited per address
    (`ZIMEI_RATE_SHARE`: RateLimited) and guarded (distribution/guard.py): one per reader per
    article per 30 minutes, ADDRESS_ALLOWANCE readers per address, bursts weigh less in the hot
    score. Refused and discounted shares are recorded for the desk. Without `meta` (operators,
    tests of the formula) it simply counts."""
    weight, reason = 1.0, None
    if meta is not None:
        try:
            rate_hit("share", client_address(meta))
        except RateLimited:
            tally: dict = {}
            anomaly_add(tally, article_id, "share", "rate", W_SHARE)
            with transaction.atomic():
                anomalies_record(tally)
            raise
        weight, reason = share_check(article_id, meta)
    with transaction.atomic():
        counted = 0
        if weight > 0:
            counted = Article.objects.filter(id=article_id, status=Article.Status.PUBLISHED).update(
                share_count=F("share_count") + 1, hot_log=hot_bump(W_SHARE * weight)
            )
        if counted:  # 关注度 counts the shares of published articles (creator_counts_refresh)
            CreatorProfile.objects.filter(articles__id=article_id).update(attention=F("attention") + 1)
        if reason is not None:
            tally = {}
            anomaly_add(tally, article_id, "share", reason, W_SHARE * (1.0 - weight))
            anomalies_record(tally)
    return bool(counted)
