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
  tokens of their own (searched as prefixes: "pyth" finds python).
- `words`: rjieba's words of the same folded text; a query's words matched there add to the
  rank, so an article with the whole word 数据 ranks above one with only 数据库.

Tokens are letters and digits only (never quotes, operators or spaces), so a query built from
them cannot carry FTS syntax: NEAR, AND, *, quotes and parentheses a reader types are just text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

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
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


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
    for text in texts:
        folded = fold(text)
        for m in _RUN.finditer(folded):
            han, other = m.groups()
            if han:
                grams.extend(grams_of_run(han))
                words.extend(w for w in rjieba.cut(han) if len(w) > 1)
            else:
                grams.append(other[:MAX_WORD])
                words.append(other[:MAX_WORD])
    return Tokens(grams, words)


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

    @property
    def grams(self) -> list[str]:
        """The phrase a Han term is searched as (its bigrams), or the term itself."""
        if self.kind == "han" and len(self.text) > 1:
            return [self.text[i : i + 2] for i in range(len(self.text) - 1)]
        return [self.text]

    @property
    def prefix(self) -> bool:
        """One Han character, or a Latin word/number: matched as the start of a token."""
        return self.kind != "han" or len(self.text) == 1


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

_WORDS = re.compile(r"\w+")
_TAG = re.compile(r"<[^>]*>")


def fold_words(text: str, *, markup: bool = False) -> str:
    """`text`'s words and Han runs, folded as fold() folds them, separated by spaces: what a
    query's terms can match, made cheaply enough to scan a creator's thousands of articles
    (docs/search.md, "Searching rows the index does not hold"). NFKC is the costly step on
    Chinese text (its full-width punctuation fails the quick check: 0.3 ms for 3,000 characters);
    without the punctuation the text is usually normalised already and it costs nothing."""
    if markup:  # HTML: tags out, character references resolved
        text = html.unescape(_TAG.sub(" ", text))
    text = " ".join(_WORDS.findall(text.lower()))
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text).lower()
    try:
        return engine.plain("t2s").convert(text)
    except UnicodeEncodeError:
        return engine.plain("t2s").convert(_SURROGATE.sub(" ", text))


def found_in(folded: str, query: Query) -> bool:
    """Whether every term of `query` is in `folded` (fold() or fold_words() text): a substring
    search, in either script."""
    return not query.empty and all(term.text in folded for term in query.terms)


def script_forms(term: str) -> list[str]:
    """A folded (Simplified) term and its Traditional forms (OpenCC's plain s2t, s2tw, s2hk: the
    characters, not the vocabulary): for a database's own LIKE over text that is not folded."""
    forms = [term]
    for config in ("s2t", "s2tw", "s2hk"):
        form = engine.plain(config).convert(term)
        if form not in forms:
            forms.append(form)
    return forms
