"""Search text: folding (both scripts to one), the tokens an article is indexed as, and a
reader's query parsed into the same tokens.

Folding happens once, here, before any backend sees the text: NFKC (full-width Ａ１ → a1,
compatibility forms), lower case, then OpenCC's plain `t2s` (Traditional characters to
Simplified, orthography only: 資料 → 资料, 發展 → 发展). Not Zimei's reader converter
(`tw2sp`), which also changes vocabulary (資料 → 数据, 滑鼠 → 鼠标): that would make a reader's
資料 find 数据 and lose the 资料 the author wrote. A vocabulary difference (晶片 / 芯片) is a
different word, not found, as a substring search would not find it.

Tokens (docs/search.md):

- `grams`: every run of Han (CJK) characters as overlapping character bigrams, plus the run's
  last character alone (待处理 → 待处 处理 理), so every character starts some token: a
  one-character query is a prefix query (处*), a longer one a phrase of its bigrams
  ("待处 处理"), which matches exactly where the characters stand next to each other — the
  same hits as a substring search, 处理 inside 待处理 included. Latin words and numbers are
  tokens of their own (searched as prefixes: "pyth" finds python), and so are their starts of
  2 to STARTS characters (a term that short is searched as that token).
- `words`: rjieba's words of the same folded text; a query's words matched there add to the
  rank, so an article with the whole word 数据 ranks above one with only 数据库.

Tokens are letters and digits only (never quotes, operators or spaces), so a query built from
them cannot carry FTS syntax: NEAR, AND, *, quotes and parentheses a reader types are just text.
"""

from __future__ import annotations

import html
import operator
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

import rjieba
from django.conf import settings

from zimei.conversion import engine

# Han characters (CJK unified ideographs and extensions, compatibility ideographs), kana and
# hangul: text written without spaces, searched by bigrams.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af\U00020000-\U0003134f"
_RUN = re.compile(f"([{_HAN}]+)|([^\\W_{_HAN}]+)")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A Latin "word" longer than this (a hash, a long URL) is kept as its first MAX_WORD characters.
MAX_WORD = 40
# A Latin word or number is also indexed by its starts of 2 to STARTS characters (python: py,
# pyt, pyth; 2026: 20, 202), each once an article, after its other tokens. A query term that
# short is then one token, whose list is walked from the newest id and left as soon as the page
# has what it needs. As a prefix, FTS5 first read and merged the whole list of every token
# beginning with it over the site (`12` at 1,000,000 articles: 55 ms warm, 238 ms from the
# disk). One character is FTS5's prefix index's; a longer term is a prefix of few tokens.
STARTS = 4
# The tokens' format (backends.SearchBackend.index_format): 2 since the Latin starts.
FORMAT = 2


def fold(text: str) -> str:
    """`text` as it is indexed and searched: NFKC, lower case, Traditional → Simplified."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).lower()
    try:
        return engine.plain("t2s").convert(text)
    except UnicodeEncodeError:  # a lone surrogate (never stored; a query could hold one)
        return engine.plain("t2s").convert(_SURROGATE.sub(" ", text))


def grams_of_run(run: str) -> list[str]:
    """A Han run's bigrams and its last character: 待处理 → [待处, 处理, 理]."""
    return [*map(operator.add, run, run[1:]), run[-1]]


@dataclass
class Tokens:
    grams: list[str]
    words: list[str]

    @property
    def grams_text(self) -> str:
        return " ".join(self.grams)

    @property
    def words_text(self) -> str:
        return " ".join(self.words)


def tokens(*texts: str) -> Tokens:
    """The index tokens of an article's texts (title, summary, body), folded here."""
    grams: list[str] = []
    words: list[str] = []
    starts: dict[str, None] = {}
    for text in texts:
        hans: list[str] = []  # consecutive Han runs, cut by rjieba in one call (below)
        for han, other in _RUN.findall(fold(text)):
            if han:
                grams.extend(grams_of_run(han))
                hans.append(han)
                continue
            if hans:
                words.extend(_words(hans))
                hans = []
            grams.append(other[:MAX_WORD])
            words.append(other[:MAX_WORD])
            starts.update((other[:n], None) for n in range(2, min(len(other), STARTS + 1)))
        if hans:
            words.extend(_words(hans))
    grams.extend(starts)
    return Tokens(grams, words)


def grams(*texts: str) -> list[str]:
    """The `grams` tokens of some texts (as tokens() makes them), each distinct folded text
    once: the titles editors search (one title in up to four spellings, mostly the same)."""
    out: list[str] = []
    for folded in dict.fromkeys(fold(t) for t in texts if t):
        for han, other in _RUN.findall(folded):
            out.extend(grams_of_run(han) if han else [other[:MAX_WORD]])
    return out


def _words(hans: list[str]) -> list[str]:
    """rjieba's words (2+ characters) of each Han run, in order. One call for all of them: the
    runs joined by spaces, which rjieba never joins to a word (it cuts each stretch of Han
    text on its own, and every other character is a token of one: dropped here), so the words
    are those of cutting each run alone (tests/test_search.py checks it)."""
    return [w for w in rjieba.cut(" ".join(hans)) if len(w) > 1]


# --- queries ------------------------------------------------------------------------------

# Characters that are not text: controls (C0, C1, DEL), format characters (zero-width joiners,
# direction marks), surrogates, private use and unassigned code points become a space.
_NOT_TEXT = {"Cc", "Cf", "Cs", "Co", "Cn"}


def _strip_controls(text: str) -> str:
    return "".join(" " if unicodedata.category(c) in _NOT_TEXT else c for c in text)


@dataclass
class Term:
    """One searchable piece of a query: a Han run (kind "han") or a Latin word or number."""

    kind: str
    text: str
    whole: bool = False  # a Latin term the index holds as a token of its own (indexed_as)

    @property
    def grams(self) -> list[str]:
        """The phrase a Han term is searched as (its bigrams), or the term itself."""
        if self.kind == "han" and len(self.text) > 1:
            return [self.text[i : i + 2] for i in range(len(self.text) - 1)]
        return [self.text]

    @property
    def prefix(self) -> bool:
        """One Han character, or a Latin word/number: matched as the start of a token (but a
        `whole` one: the token)."""
        return not self.whole and (self.kind != "han" or len(self.text) == 1)


@dataclass
class Query:
    """A reader's query, cleaned: `text` is what was searched for (shown back to the reader),
    `terms` what the backends match (all of them, AND), `words` rjieba's words of it (rank)."""

    raw: str
    text: str = ""
    terms: list[Term] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    cut: bool = False  # longer than ZIMEI_SEARCH_MAX_QUERY: cut to it

    @property
    def empty(self) -> bool:
        return not self.terms


def parse(raw: str | None) -> Query:
    """A reader's query: control characters dropped, cut at ZIMEI_SEARCH_MAX_QUERY characters
    (docs/search.md), folded, split into terms. Never raises: anything typed is just text."""
    raw = raw or ""
    limit = settings.ZIMEI_SEARCH_MAX_QUERY
    text = " ".join(_strip_controls(raw).split())
    cut = len(text) > limit
    text = text[:limit].strip()
    query = Query(raw=raw, text=text, cut=cut)
    seen: set[tuple[str, str]] = set()
    for m in _RUN.finditer(fold(text)):
        han, other = m.groups()
        term = Term("han", han) if han else Term("word", other[:MAX_WORD])
        if (term.kind, term.text) in seen:
            continue
        seen.add((term.kind, term.text))
        query.terms.append(term)
        if han:
            query.words.extend(w for w in rjieba.cut(han) if len(w) > 1)
        else:
            query.words.append(other[:MAX_WORD])
    query.terms = query.terms[: settings.ZIMEI_SEARCH_MAX_TERMS]
    query.words = list(dict.fromkeys(query.words))[: settings.ZIMEI_SEARCH_MAX_TERMS]
    return query


def indexed_as(query: Query, index_format: int) -> Query:
    """`query` as an index of `index_format` answers it fastest: from format 2 on, a Latin term
    of 2 to STARTS characters is the token of that start (the same articles as the prefix)."""
    if index_format < 2:
        return query
    terms = [
        replace(t, whole=True) if t.kind == "word" and 2 <= len(t.text) <= STARTS else t for t in query.terms
    ]
    return replace(query, terms=terms)


def matches(folded: str, query: Query) -> list[tuple[int, int]]:
    """Where `query`'s terms occur in already-folded text: (start, end) spans, merged."""
    spans = []
    for term in query.terms:
        start = folded.find(term.text)
        while start != -1:
            spans.append((start, start + len(term.text)))
            start = folded.find(term.text, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def fold_aligned(text: str) -> str:
    """`text` folded with one character per character of `text` (for highlighting the reader's
    own script): the whole text at once when that keeps its length, else character by
    character (NFKC can expand a character: ㈱ → (株))."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded
    out = []
    for c in text:
        f = fold(c)
        out.append(f if len(f) == 1 else c.lower())
    return "".join(out)


# --- scanning rows that are not in the index (the studio, the desk) -------------------------

_TAG = re.compile(r"<[^>]*>")
# The CJK blocks whose characters fold (NFKC, then t2s) to another character.
_FOLDING_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x2A6E0))


# Where OpenCC's t2s turns a character into another only inside a phrase of its TSPhrases
# dictionary (計畫 → 计划, while 畫 alone → 画): the Simplified character and that spelling. Facts
# read from the TSPhrases of OpenCC 1.4.2 (Apache License 2.0; the `opencc` package Zimei uses:
# `opencc_dict -i TSPhrases.ocd2 -o - -f ocd2 -t text`), 18 pairs of its 477 phrases.
_PHRASE_SPELLINGS = (
    "了瞭 仿彷 借藉 具俱 划畫 只衹 坯坏 复覆 幺么 沉沈 苏甦 迳逕 里哩 钜鉅 链鍊 锺鍾 麽麼 𫫇噁".split()
)


@lru_cache(maxsize=1)
def _spellings() -> dict[str, str]:
    """Every character fold() turns into another single character, by what it becomes: 发 →
    發髮, 为 → 爲為, 划 → 劃畫 (畫 in 計畫: _PHRASE_SPELLINGS). Built once per process from
    OpenCC's t2s of each character alone (~30 ms)."""
    chars = [chr(c) for start, end in _FOLDING_BLOCKS for c in range(start, end)]
    normalised = [unicodedata.normalize("NFKC", c) for c in chars]
    folded = engine.plain("t2s").convert("\n".join(normalised)).split("\n")
    out: dict[str, set[str]] = {}
    for c, f in zip(chars, folded, strict=True):
        if len(f) == 1 and f != c:
            out.setdefault(f, set()).add(c)
    for pair in _PHRASE_SPELLINGS:
        out.setdefault(pair[0], set()).add(pair[1])
    return {k: "".join(sorted(v)) for k, v in out.items()}


def _spelled(c: str) -> str:
    """A regular expression for one folded Han character in any of its spellings."""
    alts = {c, *_spellings().get(c, "")}
    return re.escape(c) if len(alts) == 1 else "[" + "".join(re.escape(a) for a in sorted(alts)) + "]"


def _wide(word: str) -> str:
    """A Latin word or number in full-width forms (ｐｙｔｈｏｎ), as NFKC folds them back."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)


@dataclass
class Spelled:
    """A query for text that is not folded (a creator's own articles, read from their rows):
    each Han term as a regular expression matching every spelling fold() folds to it, character
    by character (发展: [发發髮]展); each Latin word or number in any case, half or full width.
    What fold() changes by phrase rather than by character (rare in t2s) and NFKC's other
    compatibility forms are the difference from the index (docs/search.md, "In the studio")."""

    han: list[re.Pattern]
    words: list[tuple[str, str]]  # (word, its full-width form), lower case

    def _has(self, text: str) -> bool:
        if self.words:
            low = text.lower()
            if not all(w in low or wide in low for w, wide in self.words):
                return False
        return all(p.search(text) for p in self.han)

    def found_in(self, text: str, *, markup: bool = False) -> bool:
        """Whether every term is in `text` (HTML when `markup`)."""
        if not self._has(text):
            return False  # nor without the tags: stripping only ever removes text
        if markup and self.words:  # found, maybe in a tag (<p>, href=…): again without them
            return self._has(html.unescape(_TAG.sub(" ", text)))
        return True


def spelled(query: Query) -> Spelled:
    han = [re.compile("".join(map(_spelled, t.text))) for t in query.terms if t.kind == "han"]
    words = [(t.text, _wide(t.text)) for t in query.terms if t.kind != "han"]
    return Spelled(han, words)


def script_forms(term: str) -> list[str]:
    """A folded (Simplified) term and its Traditional forms (OpenCC's plain s2t, s2tw, s2hk: the
    characters, not the vocabulary): for a database's own LIKE over text that is not folded."""
    forms = [term]
    for config in ("s2t", "s2tw", "s2hk"):
        form = engine.plain(config).convert(term)
        if form not in forms:
            forms.append(form)
    return forms
