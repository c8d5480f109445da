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
_LOOKALIKES = {**_LATIN_LOOKALIKES, **_CJK_VARIANTS}
_LOOKALIKE_RE = re.compile("[" + "".join(_LOOKALIKES) + "]")

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
_GAP_RE = re.compile(f"(?<=[{_CJK}])([^{_CJK}\n]{{1,16}})(?=[{_CJK}])")
_WORD_RE = re.compile(r"[^\W_]+")


def _is_invisible(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf" or ch in _INVISIBLE_EXTRA or ch in _VARIATION


@lru_cache(maxsize=1)
def _invisible_re() -> re.Pattern:
    import sys

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


# Sentence and list punctuation (after NFKC: ，→, ；→; …). A gap holding one is removed only
# when a character next to it stands alone (博，彩，平，台), never between two words
# (无法根治，糖尿病 must not read 根治糖尿病).
_CLAUSE_PUNCT = frozenset(",.;:!?。、…—")
_CJK_CHAR = re.compile(f"[{_CJK}]")


def _alone(text: str, before: int, after: int) -> bool:
    """Whether the CJK character at `before` or the one at `after` has no CJK neighbour on
    its other side."""
    left_alone = before == 0 or not _CJK_CHAR.match(text, before - 1)
    right_alone = after + 1 >= len(text) or not _CJK_CHAR.match(text, after + 1)
    return left_alone or right_alone


def _gap(match: re.Match) -> str:
    gap = match.group(1)
    if not _CLAUSE_PUNCT.isdisjoint(gap) and not _alone(match.string, match.start() - 1, match.end()):
        return gap
    for word in _WORD_RE.findall(gap):
        if len(word) == 1 and word.isascii():
            continue
        if word.isascii() and word.isalpha() and word in PINYIN_SYLLABLES:
            continue
        return gap  # a real word or number: keep the gap as it is
    return ""


def _pass(text: str) -> str:
    # Regular expressions and the is_normalized checks: str.translate with a dict costs
    # ten times more on the 10,000-character articles the benchmark checks.
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = _invisible_re().sub("", text).lower()
    text = _LOOKALIKE_RE.sub(lambda m: _LOOKALIKES[m.group()], text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = _GAP_RE.sub(_gap, text)
    return _t2s().convert(text)


def normalise(text: str) -> str:
    """The matching form of `text` (see the module docstring). Idempotent."""
    if not text:
        return ""
    out = _pass(text)
    # Rare inputs change again on a second pass (a removed gap joins two characters OpenCC
    # then reads as a phrase, a lowercase form that NFKC recomposes): settle them. Almost all
    # text is stable after one pass, which the check below costs little to confirm for.
    for _ in range(3):
        again = _pass(out)
        if again == out:
            break
        out = again
    return out
