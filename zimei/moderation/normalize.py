"""Text normalised for matching banned words, so that obfuscation does not hide them.

`normalise(text)` folds away what a spammer changes to slip a word past a plain match, and
keeps what a reader sees as the same word the same:

1. NFKC: full-width and other compatibility forms become plain (ＡＢＣ１ → abc1, ㈱ → (株)).
2. Zero-width and other invisible format characters (U+200B, U+200D, U+FEFF, soft hyphen,
   bidi controls, variation selectors) are dropped.
3. Lowercase, then a small homoglyph table written for Zimei: Cyrillic and Greek letters that
   look Latin (а е о р с х …) become Latin; CJK variant characters OpenCC leaves alone
   (妳 祂 衹 囬 …) become their common form.
4. Gaps between two CJK characters are removed when they are only separators, punctuation,
   spaces, single ASCII letters or digits, or pinyin syllables: 澳.门, 澳 门, 澳a门, 澳ao门men
   all read 澳门. Sentence and list punctuation (，。、；：！？) is removed only next to a
   character that stands alone (博，彩，平，台), so that two words in two clauses are not
   read as one (无法根治，糖尿病 stays apart). A gap holding a real Latin word (iPhone,
   porn) or a number of two or more digits (2024) is kept, so Latin banned words and ordinary
   text survive. Decision: a pinyin syllable is an initial+final pair from the table below
   (over-generous on purpose: a gap of
   "he" or "can" between two Chinese characters is rare in real prose and costs nothing but
   a joined match string).
5. Traditional becomes Simplified (OpenCC t2s, character level with its phrase table), so a
   Simplified lexicon also matches Traditional and mixed-script text.

The result is for matching only, never shown. It is idempotent: normalising twice changes
nothing (tests/test_normalize_props.py checks it with Hypothesis).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

import opencc

# --- homoglyphs (written for Zimei: the look-alikes spammers use most) ---------------------
_LATIN_LOOKALIKES = {
    # Cyrillic (lowercase; text is lowercased first)
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ү": "y", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ω": "w",
}  # fmt: skip
# CJK variants OpenCC's t2s keeps as they are; mapped to the form the lexicon is written in.
_CJK_VARIANTS = {
    "妳": "你", "祢": "你", "祂": "他", "牠": "它", "衹": "只", "祇": "只", "囬": "回", "囘": "回",
    "廻": "回", "著": "着", "綵": "彩", "㛑": "色", "婬": "淫", "媱": "淫", "銫": "色", "賍": "赃",
    "剠": "黥", "覩": "睹", "睹": "睹", "迯": "逃", "叚": "假", "猂": "悍", "菓": "果",
}  # fmt: skip

# Invisible characters: every format character (Cf: zero-width space/joiners, BOM, soft hyphen,
# bidi controls, tag characters) plus variation selectors and the Hangul/CJK fillers.
_INVISIBLE_EXTRA = "\u034f\u115f\u1160\u3164\uffa0\u180e"
_VARIATION = "".join(chr(c) for c in range(0xFE00, 0xFE10))

# --- pinyin syllables: initials x finals (generous; see the module docstring) --------------
_INITIALS = "- b p m f d t n l g k h j q x zh ch sh r z c s y w".split()
_FINALS = (
    "a o e i u v ai ei ao ou an en ang eng ong er ia ie iao iu ian in iang ing iong ua uo uai ui uan un uang"
    " ue ve van vn"
).split()
PINYIN_SYLLABLES: frozenset[str] = frozenset(i.strip("-") + f for i in _INITIALS for f in _FINALS)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"
# A gap: up to 16 characters between two CJK characters, with no CJK character and no
# line break inside (a paragraph boundary is not an obfuscation).
_WORD_RE = re.compile(r"[^\W_]+")

# Speed (a 10,000-character article in well under 5 ms): most of an article is characters
# NFKC leaves alone (CJK ideographs, printable ASCII, the common CJK punctuation below), so
# only the runs of other characters go through NFKC, the invisible-character filter and the
# look-alike table; the frequent full-width punctuation is replaced directly.
_FULL_WIDTH_PUNCT = {
    "，": ",",
    "！": "!",
    "？": "?",
    "：": ":",
    "；": ";",
    "（": "(",
    "）": ")",
    "％": "%",
    "～": "~",
}
_SAFE = (
    "\u4e00-\u9fff\x20-\x7e"  # the common ideographs and printable ASCII first: tested in order
    "。、“”‘’《》〈〉「」『』【】〔〕—·\n\t"  # CJK punctuation that NFKC leaves alone
    "\u3400-\u4dbf\U00020000-\U0002f7ff\U00030000-\U0003134f"  # rarer ideographs, not compat ones
)
# A run of other characters. (A combining mark after a safe letter is normalised on its own:
# matching never needs the composed form.)
_RARE_RE = re.compile(f"[^{_SAFE}]+")
_CJK_VARIANT_RE = re.compile("[" + "".join(_CJK_VARIANTS) + "]")
_LATIN_LOOKALIKE_RE = re.compile("[" + "".join(_LATIN_LOOKALIKES) + "]")


def _is_invisible(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf" or ch in _INVISIBLE_EXTRA or ch in _VARIATION


@lru_cache(maxsize=1)
def _invisible_re() -> re.Pattern:
    codes = [c for c in range(sys.maxunicode + 1) if _is_invisible(chr(c))]
    ranges: list[list[int]] = []
    for c in codes:  # as ranges: a class of single characters is slow to match
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    esc = re.escape
    parts = "".join(esc(chr(a)) if a == b else f"{esc(chr(a))}-{esc(chr(b))}" for a, b in ranges)
    return re.compile(f"[{parts}]+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


# Sentence and list punctuation. A gap holding one is removed only when a character next to
# it stands alone (博，彩，平，台), never between two words (无法根治，糖尿病 must not read
# 根治糖尿病). Other gaps (spaces, separators, letters, digits, pinyin) are removed wherever
# they hold nothing but what _gap allows.
_CLAUSE = ",.;:!?。、…—"
# Each pattern starts by consuming the CJK character before the gap (a class test fails fast
# at every other position; a leading lookbehind would be evaluated everywhere) and keeps it.
_GAP = f"([^{_CJK}\n]{{1,16}})"
_SOFT = f"([^{_CJK}\n{_CLAUSE}]{{1,16}})"
_GAP_RE = re.compile(
    f"([{_CJK}])(?=[^{_CJK}\n])"  # most characters are followed by another: fail fast
    f"(?:{_SOFT}(?=[{_CJK}])"  # a gap without clause punctuation
    f"|(?<![{_CJK}]{{2}}){_GAP}(?=[{_CJK}])"  # any gap after a character that stands alone
    f"|{_GAP}(?=[{_CJK}](?![{_CJK}])))"  # any gap before one
)


def _gap(match: re.Match) -> str:
    """The CJK character before the gap, and the gap unless it holds only what obfuscation
    inserts (separators, single letters or digits, pinyin syllables)."""
    before, gap = match.group(1), match.group(match.lastindex)
    for word in _WORD_RE.findall(gap):
        if len(word) == 1 and word.isascii():
            continue
        if word.isascii() and word.isalpha() and word in PINYIN_SYLLABLES:
            continue
        return before + gap  # a real word or number: keep the gap as it is
    return before


def _rare(match: re.Match) -> str:
    run = _invisible_re().sub("", match.group())
    run = unicodedata.normalize("NFKC", run).lower()
    run = _LATIN_LOOKALIKE_RE.sub(lambda m: _LATIN_LOOKALIKES[m.group()], run)
    return unicodedata.normalize("NFKC", run)


def _pass(text: str) -> str:
    for wide, narrow in _FULL_WIDTH_PUNCT.items():
        if wide in text:
            text = text.replace(wide, narrow)
    text = _RARE_RE.sub(_rare, text).lower()
    text = _CJK_VARIANT_RE.sub(lambda m: _CJK_VARIANTS[m.group()], text)
    text = _GAP_RE.sub(_gap, text)
    return _t2s().convert(text)


def normalise(text: str) -> str:
    """The matching form of `text` (see the module docstring). Idempotent: normalising the
    result changes nothing (tests/test_normalize_props.py)."""
    if not text:
        return ""
    return _pass(text)


def bytes_key(text: str) -> str:
    """Text as its UTF-8 bytes, one character per byte. pyahocorasick finds a node's child by
    a linear scan, so on Chinese text the root of a large lexicon (thousands of distinct first
    characters) made matching slow (20 ms for 10,000 words on a 10,000-character article);
    over bytes a node has at most 256 children (0.7 ms). UTF-8 is self-synchronising: a word's
    bytes only match at a character boundary."""
    return text.encode("utf-8").decode("latin-1")
