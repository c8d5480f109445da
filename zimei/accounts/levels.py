"""The creator index, levels and badges (docs/creator-index.md).

Four components, each 0–100, computed from the last WINDOW_DAYS of data:

- originality = 100 × max(0, original − flagged) / max(articles, 5)
  (reposts count in `articles` but not in `original`; `flagged` are original articles the spam
  check scored at or above FLAG_SCORE, e.g. near-duplicates of existing articles)
- activity    = 50 × min(articles, 30) / 30 + 50 × min(active weeks, 13) / 13
- engagement  = 100 × (0.5 · v + 0.25 · s + 0.25 · f), where
  v = min(1, mean ln(1 + views) / ln(1 + 10000)) over the window's articles,
  s = min(1, mean ln(1 + shares) / ln(1 + 100)),
  f = min(1, ln(1 + follows gained) / ln(1 + 500)):
  the mean of logarithms, so one viral article does not carry a creator
- standing    = max(0, min(信用分, 100) − 20 × takedowns in the window)

index = the mean of the four. Levels: Lv1 below 35, Lv2 from 35, Lv3 from 50, Lv4 from 65,
Lv5 from 80; standing below 60 caps the level at Lv2.

Everything is gathered in four grouped queries whatever the number of creators
(`creator_index_recompute_all`), then written in batches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

WINDOW_DAYS = 90
FLAG_SCORE = 0.5  # the spam check's verdict at or above which an article counts as flagged
MIN_ARTICLES = 5  # originality is shared over at least this many articles
ARTICLE_CAP = 30  # activity: articles counted in the window (one every three days)
WEEK_CAP = 13  # activity: weeks with a publish (every week of the window)
VIEWS_REF = 10_000  # engagement: an article read this often scores full marks for views
SHARES_REF = 100
FOLLOWS_REF = 500  # follows gained in the window for full marks
TAKEDOWN_PENALTY = 20
WEIGHTS = {"originality": 0.25, "activity": 0.25, "engagement": 0.25, "standing": 0.25}
# (level, lowest index): Lv1 is everyone below Lv2.
THRESHOLDS = ((1, 0.0), (2, 35.0), (3, 50.0), (4, 65.0), (5, 80.0))
STANDING_CAP = (60.0, 2)  # standing below 60 caps the level at Lv2
TRUST_CREDIT = 90  # 信: trusted by the editors and 信用分 at least this


@dataclass(frozen=True)
class Badge:
    key: str
    label: str  # the icon's text, one character or two (Simplified; the page converts)
    name: str  # the accessible name: what it is for
    rule: str  # how it is earned, as the explanation page states it


BADGES: dict[str, Badge] = {
    b.key: b
    for b in (
        Badge("original", "原创", "原创作者", "原创分不低于 80：近 90 天的文章大多是原创，且没有被判为重复"),
        Badge("active", "活跃", "活跃作者", "活跃分不低于 60：近 90 天经常发文，大多数周都有新文章"),
        Badge("popular", "人气", "人气作者", "互动分不低于 60：文章普遍有人读、有人分享，并吸引了新的关注"),
        Badge("trusted", "信", "可信作者", "编辑认定为可信作者，且信用分不低于 90"),
    )
}
BADGE_RULES = {
    "original": ("originality", 80.0),
    "active": ("activity", 60.0),
    "popular": ("engagement", 60.0),
}

COMPONENTS = {
    "originality": ("原创", "多发原创文章；转载和被判为重复的文章会拉低原创分"),
    "activity": ("活跃", "保持每周发文；90 天内最多计 30 篇、13 周"),
    "engagement": ("互动", "写读者愿意读完和分享的文章；每篇文章都算，不只看爆款"),
    "standing": ("信用", "遵守平台规则：信用分会随时间恢复，下架会扣分"),
}


@dataclass
class Inputs:
    """What one creator's index is computed from (all over the window, except credit)."""

    articles: int = 0
    original: int = 0
    flagged: int = 0
    weeks: int = 0
    views: int = 0
    shares: int = 0
    log_views: float = 0.0  # sum of ln(1 + views) over the window's articles
    log_shares: float = 0.0
    follows_gained: int = 0
    takedowns: int = 0
    credit: int = 100
    trusted: bool = False
    extra: dict = field(default_factory=dict)


def level_for(index: float, standing: float) -> int:
    level = max(lv for lv, low in THRESHOLDS if index >= low)
    if standing < STANDING_CAP[0]:
        level = min(level, STANDING_CAP[1])
    return level


def creator_index_compute(inputs: Inputs, *, now: datetime | None = None) -> dict:
    """The index, level, badges and explanation for one creator's inputs (no queries)."""
    n = inputs.articles
    originality = 100.0 * max(0, inputs.original - inputs.flagged) / max(n, MIN_ARTICLES) if n else 0.0
    activity = 50.0 * min(n, ARTICLE_CAP) / ARTICLE_CAP + 50.0 * min(inputs.weeks, WEEK_CAP) / WEEK_CAP
    v = min(1.0, inputs.log_views / n / math.log1p(VIEWS_REF)) if n else 0.0
    s = min(1.0, inputs.log_shares / n / math.log1p(SHARES_REF)) if n else 0.0
    f = min(1.0, math.log1p(inputs.follows_gained) / math.log1p(FOLLOWS_REF))
    engagement = 100.0 * (0.5 * v + 0.25 * s + 0.25 * f)
    standing = float(max(0, min(inputs.credit, 100) - TAKEDOWN_PENALTY * inputs.takedowns))
    components = {
        "originality": round(originality, 1),
        "activity": round(activity, 1),
        "engagement": round(engagement, 1),
        "standing": round(standing, 1),
    }
    index = round(sum(WEIGHTS[k] * components[k] for k in WEIGHTS), 1)
    level = level_for(index, standing)
    uncapped = level_for(index, 100.0)
    badges = [key for key, (comp, low) in BADGE_RULES.items() if components[comp] >= low]
    nxt = None
    if level < THRESHOLDS[-1][0]:
        target_level, threshold = THRESHOLDS[level]  # THRESHOLDS[i] is Lv(i+1)
        # The component whose full marks would add the most to the index.
        room = {k: WEIGHTS[k] * (100.0 - components[k]) for k in WEIGHTS}
        focus = "standing" if uncapped > level else max(room, key=room.get)
        nxt = {
            "level": target_level,
            "threshold": threshold,
            "gap": round(max(0.0, threshold - index), 1),
            "focus": focus,
            "room": {k: round(r, 1) for k, r in room.items()},
            "capped_by_standing": uncapped > level,
        }
    return {
        "version": 1,
        "window_days": WINDOW_DAYS,
        "computed_at": (now or timezone.now()).isoformat(),
        "inputs": {
            "articles": n,
            "original": inputs.original,
            "reposts": n - inputs.original,
            "flagged": inputs.flagged,
            "weeks": inputs.weeks,
            "views": inputs.views,
            "shares": inputs.shares,
            "mean_log_views": round(inputs.log_views / n, 3) if n else 0.0,
            "mean_log_shares": round(inputs.log_shares / n, 3) if n else 0.0,
            "follows_gained": inputs.follows_gained,
            "takedowns": inputs.takedowns,
            "credit": inputs.credit,
        },
        "components": components,
        "weights": WEIGHTS,
        "index": index,
        "level": level,
        "thresholds": [[lv, low] for lv, low in THRESHOLDS],
        "badges": badges,
        "next": nxt,
    }


def badges_for(*, level: int, detail: dict, trusted: bool, credit: int) -> list[Badge]:
    """The badges to show: those the last recompute earned, and 信 (live: trust and credit)."""
    keys = [k for k in (detail or {}).get("badges", []) if k in BADGES and k != "trusted"]
    if trusted and credit >= TRUST_CREDIT:
        keys.append("trusted")
    return [BADGES[k] for k in keys]


def explanation() -> dict:
    """What the public page and the studio show about the index (Simplified; pages convert)."""
    formulas = {
        "originality": (
            "100 × （原创篇数 − 被判为重复的原创篇数）÷ 发文篇数"
            f"（不足 {MIN_ARTICLES} 篇按 {MIN_ARTICLES} 篇算）。"
            "转载算在发文篇数里，不算原创。"
        ),
        "activity": (
            f"50 × 发文篇数 ÷ {ARTICLE_CAP}（最多 {ARTICLE_CAP} 篇）"
            f"+ 50 × 有发文的周数 ÷ {WEEK_CAP}（最多 {WEEK_CAP} 周）。"
        ),
        "engagement": (
            f"100 × （0.5 × 阅读 + 0.25 × 分享 + 0.25 × 新关注）。阅读和分享按每篇文章取对数再平均"
            f"（每篇阅读 {VIEWS_REF:,} 次、分享 {SHARES_REF} 次为满分），一篇爆款不会压过其他文章；"
            f"新关注取对数，{FOLLOWS_REF} 人为满分。"
        ),
        "standing": f"信用分（最高 100）− {TAKEDOWN_PENALTY} × 被下架的篇数，最低 0。",
    }
    return {
        "window_days": WINDOW_DAYS,
        "components": [
            {
                "key": key,
                "name": COMPONENTS[key][0],
                "weight": round(WEIGHTS[key] * 100),
                "formula": formulas[key],
                "hint": COMPONENTS[key][1],
            }
            for key in WEIGHTS
        ],
        "thresholds": [
            {"level": lv, "low": low, "high": THRESHOLDS[i + 1][1] if i + 1 < len(THRESHOLDS) else None}
            for i, (lv, low) in enumerate(THRESHOLDS)
        ],
        "standing_cap": {"below": STANDING_CAP[0], "level": STANDING_CAP[1]},
        "badges": list(BADGES.values()),
        "trust_credit": TRUST_CREDIT,
    }


def level_report(detail: dict) -> dict:
    """The stored detail arranged for the studio's 我的等级 page: one row per component with
    its score, weight, the data it used and how to raise it, and the next level's gap."""
    comps, inp = detail.get("components", {}), detail.get("inputs", {})
    used = {
        "originality": f"原创 {inp.get('original', 0)} 篇，转载 {inp.get('reposts', 0)} 篇，"
        f"被判为重复 {inp.get('flagged', 0)} 篇",
        "activity": f"发文 {inp.get('articles', 0)} 篇，有发文的周 {inp.get('weeks', 0)} 周",
        "engagement": f"阅读 {inp.get('views', 0)} 次，分享 {inp.get('shares', 0)} 次，"
        f"新关注 {inp.get('follows_gained', 0)} 人",
        "standing": f"信用分 {inp.get('credit', 100)}，被下架 {inp.get('takedowns', 0)} 篇",
    }
    formulas = {c["key"]: c["formula"] for c in explanation()["components"]}
    rows = [
        {
            "key": key,
            "name": COMPONENTS[key][0],
            "score": comps.get(key, 0.0),
            "weight": round(WEIGHTS[key] * 100),
            "points": round(WEIGHTS[key] * comps.get(key, 0.0), 1),
            "used": used[key],
            "formula": formulas[key],
            "hint": COMPONENTS[key][1],
        }
        for key in WEIGHTS
    ]
    nxt = detail.get("next")
    if nxt:
        focus = nxt["focus"]
        nxt = {**nxt, "focus_name": COMPONENTS[focus][0], "focus_hint": COMPONENTS[focus][1]}
        nxt["focus_room"] = nxt["room"][focus]
    return {
        "index": detail.get("index", 0.0),
        "level": detail.get("level", 1),
        "rows": rows,
        "next": nxt,
        "badges": [BADGES[k] for k in detail.get("badges", []) if k in BADGES],
        "window_days": detail.get("window_days", WINDOW_DAYS),
    }
