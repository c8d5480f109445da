"""Keywords of an article: jieba segmentation (rjieba, the Rust port) weighted by TF-IDF.

IDF comes from the table that ships with jieba (jieba/analyse/idf.txt), so weights mean the
same on a fresh install as on a large one. Text is converted to Simplified first, so a
Traditional article and a Simplified one on the same subject share keywords.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import rjieba

from zimei.conversion.variants import HANS, convert

_HAN = re.compile(r"^[\u4e00-\u9fff]{2,}$|^[A-Za-z][A-Za-z0-9+.-]{2,}$")
STOPWORDS = frozenset(
    "我们 你们 他们 她们 它们 这个 那个 这些 那些 一个 没有 不是 就是 还是 但是 因为 所以 如果 虽然 "
    "可以 已经 自己 什么 怎么 这样 那样 现在 时候 今天 今年 很多 一些 非常 觉得 认为 表示 "
    "进行 以及 "
    "其中 之后 之前 通过 对于 关于 目前 同时 而且 或者 然后 "
    "这种 那种 可能 需要 成为 开始 一直 the and".split()
)


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    # Found without importing jieba: its import costs every process that loads this module
    # (each `zimei` command, each server) a fifth of a second, and only this file is used.
    spec = find_spec("jieba")
    assert spec is not None and spec.origin, "jieba is not installed"
    path = Path(spec.origin).parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            word, _, value = line.rstrip("\n").partition(" ")
            if value:
                table[word] = float(value)
    median = sorted(table.values())[len(table) // 2]
    return table, median


def jieba_idf(word: str) -> float:
    """The word's IDF in jieba's table (its median for words the table lacks)."""
    table, median = _idf()
    return table.get(word, median)


def extract_keywords(title: str, text: str, limit: int = 8) -> list[tuple[str, float]]:
    """The `limit` heaviest words of an article, as (word, weight) with weights summing to 1."""
    plain = convert(f"{title}\n{title}\n{title}\n{text[:6000]}", HANS)
    counts = Counter(w for w in rjieba.cut(plain) if _HAN.match(w) and w not in STOPWORDS)
    if not counts:
        return []
    idf, median = _idf()
    total = sum(counts.values())
    scored = [(w, (c / total) * idf.get(w, median)) for w, c in counts.items()]
    scored.sort(key=lambda item: (-item[1], item[0]))
    top = scored[:limit]
    norm = math.fsum(s for _, s in top) or 1.0
    return [(w[:32], round(s / norm, 4)) for w, s in top]
