"""SimHash fingerprints of article text: near-duplicates (light edits, reposts, the same text in
the other script) differ in at most a few of 64 bits; unrelated texts differ in about half.

Features are overlapping 4-character shingles of the text converted to Simplified, with
punctuation and spacing dropped and Latin letters lower-cased, so that re-punctuating, re-spacing
or converting a text between scripts leaves its fingerprint (almost) unchanged. Each shingle
counts as often as it occurs.

Finding neighbours by Hamming distance uses the pigeonhole principle: split the 64 bits into four
16-bit bands; two fingerprints within 3 bits agree exactly on at least one band. `SimhashBand`
keeps the four bands of each distinct fingerprint, each indexed, so `near_duplicates` reads the
few fingerprints that share a band (about 4 x n / 65536 of n for unrelated texts), checks their
distance, and finds the articles that have the close ones by Article.simhash's index.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from functools import lru_cache

from django.db.models import Q

from zimei.articles.models import Article
from zimei.conversion.variants import HANS, convert

from .models import SimhashBand

SHINGLE = 4
MAX_CHARS = 20000  # longer texts are fingerprinted on their first 20,000 characters
NEAR = 3  # at most this many differing bits is a near-duplicate
BANDS = 4
BAND_BITS = 16
_MASK64 = (1 << 64) - 1
_FIELD = 24  # bits per counter in the packed sum (up to 16M shingles, never reached)

_DROP = re.compile(r"[^\w]+|_", re.UNICODE)


def normalise(text: str) -> str:
    """The text a fingerprint is taken of: Simplified, lower-case, only letters and digits."""
    return _DROP.sub("", convert(text[:MAX_CHARS], HANS).lower())


@lru_cache(maxsize=1)
def _spread() -> list[list[int]]:
    """_spread()[k][b]: byte b of a hash's k-th byte, with each of its 8 bits moved into its
    own _FIELD-bit counter of a 64-counter integer. Summing these integers adds all 64 bit
    counters at once (Python's big integers as a wide vector)."""
    tables = []
    for k in range(8):
        table = []
        for b in range(256):
            v = 0
            for bit in range(8):
                if b >> bit & 1:
                    v |= 1 << ((k * 8 + bit) * _FIELD)
            table.append(v)
        tables.append(table)
    return tables


def to_signed(value: int) -> int:
    """An unsigned 64-bit value as the signed one a BigIntegerField stores."""
    value &= _MASK64
    return value - (1 << 64) if value >> 63 else value


def to_unsigned(value: int) -> int:
    return value & _MASK64


def simhash(text: str) -> int:
    """The 64-bit SimHash of `text`, as a signed 64-bit integer (0 for text with no shingles)."""
    plain = normalise(text)
    if not plain:
        return 0
    if len(plain) < SHINGLE:
        counts = Counter([plain])
    else:
        counts = Counter(plain[i : i + SHINGLE] for i in range(len(plain) - SHINGLE + 1))
    tables = _spread()
    t0, t1, t2, t3, t4, t5, t6, t7 = tables
    acc = 0
    total = 0
    for shingle, n in counts.items():
        d = hashlib.blake2b(shingle.encode(), digest_size=8).digest()
        v = t0[d[0]] + t1[d[1]] + t2[d[2]] + t3[d[3]] + t4[d[4]] + t5[d[5]] + t6[d[6]] + t7[d[7]]
        acc += v * n if n != 1 else v
        total += n
    field = (1 << _FIELD) - 1
    out = 0
    for bit in range(64):
        # bit set where more than half of the (weighted) shingles have it set
        if 2 * (acc >> (bit * _FIELD) & field) > total:
            out |= 1 << bit
    return to_signed(out)


def hamming(a: int, b: int) -> int:
    """How many of the 64 bits differ between two fingerprints (signed or unsigned)."""
    return ((a ^ b) & _MASK64).bit_count()


def bands(value: int) -> tuple[int, ...]:
    """The four 16-bit bands of a fingerprint, low bits first."""
    u = to_unsigned(value)
    return tuple((u >> (i * BAND_BITS)) & 0xFFFF for i in range(BANDS))


def _band_row_exists(value: int) -> bool:
    return SimhashBand.objects.filter(b0=bands(value)[0], simhash=value).exists()


def _band_row(article_id: int, value: int):
    b0, b1, b2, b3 = bands(value)
    return SimhashBand(article_id=article_id, simhash=value, b0=b0, b1=b1, b2=b2, b3=b3)


def fingerprint_store(*, article_id: int, value: int) -> None:
    """Record that article `article_id` now has fingerprint `value` (Article.simhash already
    saved). The band table keeps one row per distinct fingerprint, owned by one article that
    has it: reposts of one text (thousands of copies in a seeded corpus) cost one row, and a
    lookup reads distinct fingerprints only; the articles come from Article.simhash's index.
    When the owner's fingerprint changes (an edit), the row passes to another article that
    still has the old one."""

    row = SimhashBand.objects.filter(article_id=article_id).first()
    if row is not None and row.simhash == value:
        return
    if row is not None:
        old = row.simhash
        row.delete()
        heir = Article.objects.filter(simhash=old).exclude(pk=article_id).values_list("id", flat=True).first()
        if heir is not None and not _band_row_exists(old):
            SimhashBand.objects.bulk_create([_band_row(heir, old)], ignore_conflicts=True)
    if not _band_row_exists(value):
        SimhashBand.objects.bulk_create([_band_row(article_id, value)], ignore_conflicts=True)


CANDIDATE_CAP = 5000  # distinct fingerprints sharing a band read at most


def near_duplicates(
    value: int, *, max_distance: int = NEAR, exclude_id: int | None = None, limit: int = 10
) -> list[int]:
    """Ids of published articles whose fingerprint is within `max_distance` bits of `value`,
    nearest first (then oldest first: the earliest publication is the likely original).

    Exact for max_distance <= 3 (the four bands); larger distances find only the neighbours
    that share a band."""

    if value is None:
        return []
    b0, b1, b2, b3 = bands(value)
    values = SimhashBand.objects.filter(Q(b0=b0) | Q(b1=b1) | Q(b2=b2) | Q(b3=b3)).values_list(
        "simhash", flat=True
    )[:CANDIDATE_CAP]
    close = sorted({v for v in values if hamming(value, v) <= max_distance}, key=lambda v: hamming(value, v))
    out: list[int] = []
    for v in close:
        # By the simhash index alone, status checked here (a status filter would lure the
        # planner onto the status index).
        rows = Article.objects.filter(simhash=v).order_by("id").values_list("id", "status")[: 4 * limit]
        out += [aid for aid, status in rows if status == Article.Status.PUBLISHED and aid != exclude_id]
        if len(out) >= limit:
            break
    return out[:limit]
