"""Search backends: where the tokens of text.py are kept and matched.

Chosen by ZIMEI_SEARCH_BACKEND (a dotted path to a class); empty = the database's own:
SQLite FTS5 (`SqliteBackend`) or PostgreSQL tsvector + GIN (`PostgresBackend`). Both keep
only published articles (receivers.py) and join the article row for what may change without a
re-index (status, channel, publication time). Both pass the same contract tests
(tests/test_search.py).

Ranking (docs/search.md): relevance × (1 + F / (1 + age_days / H)) × (1 + G · (hot / top)^0.5),
F = ZIMEI_SEARCH_FRESHNESS, H = ZIMEI_SEARCH_HALF_DAYS, G = ZIMEI_SEARCH_HOT, hot the article's
hot score and top the hottest published article's (distribution/hot.py). Relevance is the
engine's: FTS5's bm25() with the words column weighted ZIMEI_SEARCH_WORD_WEIGHT against the
bigrams; on PostgreSQL 1 + ZIMEI_SEARCH_WORD_WEIGHT for an article holding the query's whole
words, else 1, read from the GIN indexes alone (ts_rank reads every candidate's tsvector back
from TOAST: 700 ms at 10k articles). With more matches than ZIMEI_SEARCH_RANK_WINDOW, only the
most recent that many (by id) are ranked, on SQLite too by whole words × freshness × hot (bm25's
IDF would read every match): a one-character query matching every article costs a window's
ranking, not the whole corpus's. Totals are counted up to ZIMEI_SEARCH_COUNT_MAX (`Found.capped`
beyond it).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import zlib
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from operator import itemgetter

from django.conf import settings
from django.db import connection, transaction
from django.utils.module_loading import import_string
from tqdm import tqdm

from zimei.articles.models import Article

from .documents import article_texts
from .text import FORMAT, Query, Term, Tokens, fold, indexed_as

SQLITE_TABLE = "search_fts"
SQLITE_SOURCE = "search_fts_source"
PG_TABLE = "search_document"
# The titles editors search in the desk (docs/search.md, "In the desk"): every article's.
SQLITE_TITLES = "search_title_fts"
PG_TITLES = "search_title"
# Facts about the index (migrations/0004): `format`, the text.FORMAT every row of it was
# written in (1 when absent); `rebuilt_to`, the last id a rebuild from the first has rewritten.
META = "search_meta"
# The articles a SQLite search joins, read from the index of the columns it needs (status,
# publication time, hot score, channel, author: articles_article's article_search_rank), not
# from their rows: looked up by id, SQLite reads the row (its INTEGER PRIMARY KEY) unless told.
# A row is most of a page, so a rank window of 2,000 matches spread over the site read 2,000
# pages; their index entries lie side by side (docs/search.md, "The articles a search reads").
SQLITE_ARTICLES = "articles_article a INDEXED BY article_search_rank"


@dataclass
class Found:
    total: int
    ids: list[int]  # this page's article ids, best first
    capped: bool = False  # more than `total` match: counting stopped at ZIMEI_SEARCH_COUNT_MAX


@dataclass(frozen=True)
class Filters:
    """What a search is narrowed to, besides its terms: a channel, an author, published since."""

    channel_id: int | None = None
    author_id: int | None = None
    since: datetime | None = None

    @property
    def any(self) -> bool:
        return self.channel_id is not None or self.author_id is not None or self.since is not None

    def sql(self) -> tuple[str, list]:
        """The conditions on the joined article row `a`, and their parameters."""
        out, params = "", []
        for column, value in (
            ("a.channel_id = %s", self.channel_id),
            ("a.author_id = %s", self.author_id),
            ("a.published_at >= %s", self.since),
        ):
            if value is not None:
                out += f" AND {column}"
                params.append(value)
        return out, params


# The sorts that are an order on the article row alone (over every match: the same cost as
# counting them with the join); "relevance" is the backend's own.
ORDERS = {
    "time": "a.published_at DESC, a.id DESC",  # newest first
    "hot": "a.hot_log DESC, a.id DESC",  # the hot list's order (distribution/hot.py)
}
# Each order's first key (an article index leads with it: articles/models.py).
ORDER_KEYS = {"time": "published_at", "hot": "hot_log"}


class SearchBackend:
    """What every backend does. `sort` is "relevance", "time" (newest first) or "hot"."""

    SEGMENTED = False  # whether merge() has anything to do
    ARTICLES = "articles_article a"  # the articles as a search reads them by id (`a`)

    def index(self, docs: Iterable[tuple[int, Tokens]]) -> None:
        self.write([(i, self.prepare(t)) for i, t in docs])

    def prepare(self, tokens: Tokens) -> tuple:
        """What write() stores for an article's tokens (plain strings and bytes: the rebuild
        makes them in worker processes)."""
        raise NotImplementedError

    def write(self, rows: list[tuple[int, tuple]]) -> None:
        """Put (article id, prepare()'s result) rows in the index, replacing what was there."""
        raise NotImplementedError

    def remove(self, ids: Iterable[int]) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def count(self) -> int:
        raise NotImplementedError

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Around a rebuild (many index() calls in a row, a transaction per batch): whatever
        makes that cheaper. What is indexed, and what searches find, are the same after."""
        yield

    # The desk's index of titles: every article's (any status), the titles an editor may search
    # (documents.editor_titles) as text.grams() makes them; the desk joins the article row
    # for what an editor may see. Written on every save that changes them (receivers.py).
    def write_titles(self, rows: list[tuple[int, list[str]]]) -> None:
        """Put (article id, grams of its titles) rows in the title index, replacing what was
        there."""
        raise NotImplementedError

    TITLES = ""  # the title index's table and its id column
    TITLE_ID = ""

    def remove_titles(self, ids: Iterable[int]) -> None:
        one_of, arg = self._one_of(list(ids))
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {self.TITLES} WHERE {self.TITLE_ID} {one_of}", [arg])

    def titles_matching(self, term: Term) -> tuple[str, list]:
        """A SELECT of the ids (column `id`) of the articles whose indexed titles hold `term` (as
        a reader's search matches it: a phrase of bigrams, or a prefix), and its parameters."""
        raise NotImplementedError

    # The tokens' format the whole index was written in (text.FORMAT; 1 before it was recorded):
    # a search asks the index only what every row of it holds (text.indexed_as). An index
    # written before the Latin starts (format 1) is searched as it was until `zimei search
    # rebuild` has rewritten it all (services.search_rebuild_batches).
    @staticmethod
    def meta(cur, name: str) -> str | None:
        cur.execute(f"SELECT value FROM {META} WHERE name = %s", [name])
        row = cur.fetchone()
        return row[0] if row else None

    @staticmethod
    def set_meta(cur, name: str, value: str) -> None:
        cur.execute(
            f"INSERT INTO {META} (name, value) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [name, value],
        )

    def index_format(self) -> int:
        with connection.cursor() as cur:
            return int(self.meta(cur, "format") or 1)

    def indexed(self, query: Query) -> Query:
        """`query` as this index answers it (text.indexed_as its format)."""
        return indexed_as(query, self.index_format())

    def merge(self, *, progress: bool = False) -> str:
        """Make the index as quick to read as it can be after many writes (a rebuild, an
        import): what was done, in a sentence for the operator. Safe to stop and run again."""
        return "Nothing to merge: this backend keeps its index itself."

    def search(
        self,
        query: Query,
        *,
        filters: Filters = Filters(),
        sort: str = "relevance",
        offset: int = 0,
        limit: int = 20,
    ) -> Found:
        raise NotImplementedError

    @staticmethod
    def _one_of(ids: list[int]) -> tuple[str, object]:
        """SQL that follows an id column to keep the ids in `ids`, and its one parameter."""
        raise NotImplementedError

    def _sorted(
        self,
        cur,
        sort: str,
        filters: Filters,
        found: list[int],
        complete: bool,
        offset: int,
        limit: int,
        held: Callable[[list[int]], list[int]],
    ) -> list[int] | None:
        """A page of an order of the article rows (ORDERS) from a walk of the newest matches by
        id, `found` (`complete`: every match): sorted from those, or, when the walk is not every
        match, from those that can be on the page (_older; `held` keeps the ids that match).
        None when neither will do: then every match has to be sorted."""
        ids: list[int] | None = found
        if not complete:
            end = offset + limit
            ids = self._older(cur, sort, filters, found, end, held) if len(found) >= end else None
            if ids is None:
                return None
        one_of, arg = self._one_of(ids)
        cur.execute(
            f"SELECT a.id FROM {self.ARTICLES} WHERE a.id {one_of} AND a.status = 'published' "
            f"ORDER BY {ORDERS[sort]} LIMIT %s OFFSET %s",
            [arg, limit, offset],
        )
        return [r[0] for r in cur.fetchall()]

    @staticmethod
    def _span_need(sort: str, end: int) -> int:
        """How many matches a walk must hold to settle at the span: ZIMEI_SEARCH_SPAN_MIN; in
        an order (newest, hottest first) also the page's end, `end`, which must be among them
        to be sorted from them. Relevance ranks the same matches for every page, whichever
        page is asked for (else a later page, ranked among more, could repeat an article of an
        earlier one): a page beyond them is empty, as one beyond the count cap is."""
        need = int(settings.ZIMEI_SEARCH_SPAN_MIN)
        return max(need, end if sort in ORDERS else 0, 1)

    # Older articles checked against the index by id (_older), up to this many.
    OLDER_MAX = 5000

    def _older(
        self,
        cur,
        sort: str,
        filters: Filters,
        found: list[int],
        end: int,
        held: Callable[[list[int]], list[int]],
    ) -> list[int] | None:
        """For a page ending at `end` of an order of the article rows (newest or hottest
        first) when the walk holds the newest matches by id but not all: the matches that can
        be on it, the walk's first `end` in that order and the older matches whose key reaches
        the last of those (any match outside the walk that belongs among the first `end` has a
        key at least that). The key's article index lists those older articles (whatever their
        number of matches: an article published long after it was created, a story hot again),
        and `held` checks them against the index by id. So the page costs the walk, the
        articles newer (or hotter) than its last one and a check of each older one, not a pass
        over every match of the site. None when there are more than OLDER_MAX such articles
        (ids that do not grow with the key: a site imported newest first): then every match it
        is."""
        key = ORDER_KEYS[sort]
        narrowed, extra = filters.sql()
        one_of, arg = self._one_of(found)
        cur.execute(
            f"SELECT a.id, a.{key} FROM {self.ARTICLES} WHERE a.id {one_of} ORDER BY {ORDERS[sort]} LIMIT %s",
            [arg, end],
        )
        top = cur.fetchall()
        if len(top) < end:  # (the index names an article no longer published)
            return None
        # The last key as a value, not a subquery: PostgreSQL's planner then sees how few
        # articles reach it and takes the key's index (for a subquery's unknown value it chose
        # a sequential scan).
        cur.execute(
            f"SELECT a.id FROM articles_article a WHERE a.status = 'published'{narrowed} "
            f"AND a.{key} >= %s AND a.id < %s LIMIT %s",
            [*extra, top[-1][1], min(found), self.OLDER_MAX + 1],
        )
        older = [r[0] for r in cur.fetchall()]
        if len(older) > self.OLDER_MAX:
            return None
        return [i for i, _ in top] + (held(older) if older else [])


def _fresh(age_days: str) -> str:
    """The freshness factor's SQL, given the SQL of the article's age in days."""
    f = float(settings.ZIMEI_SEARCH_FRESHNESS)
    h = float(settings.ZIMEI_SEARCH_HALF_DAYS)
    return f"(1.0 + {f!r} / (1.0 + MAX({age_days}, 0) / {h!r}))"


# The hot factor's exponent: (score / top score)^0.5, so an article a quarter as hot as the top
# of the hot list gets half the boost (scores are heavy-tailed: linear would give most nothing).
HOT_POWER = 0.5


def _hot_top(cur) -> float | None:
    """The hottest published article's hot_log (the first entry of the (status, -hot_log)
    index), or None when the hot factor is off (ZIMEI_SEARCH_HOT = 0)."""
    if not float(settings.ZIMEI_SEARCH_HOT):
        return None
    cur.execute(
        "SELECT hot_log FROM articles_article WHERE status = 'published' ORDER BY hot_log DESC LIMIT 1"
    )
    row = cur.fetchone()
    return float(row[0]) if row else 0.0


def _hot(cur, hot_log: str) -> str:
    """The hot factor's SQL, 1 + G · (score / top)^HOT_POWER, given the SQL of the article's
    hot_log (distribution/hot.py: ln of its decayed score plus a term that is the same for
    every article at a moment, so the ratio needs no clock). G = ZIMEI_SEARCH_HOT."""
    top = _hot_top(cur)
    if top is None:
        return "1.0"
    g = float(settings.ZIMEI_SEARCH_HOT)
    # The exponent is kept at -50 or above (PostgreSQL reports an underflow instead of 0).
    return f"(1.0 + {g!r} * EXP(MAX({HOT_POWER!r} * ({hot_log} - {top!r}), -50.0)))"


def _hot_factor(hot_log: float, top: float | None) -> float:
    """The same factor in Python (the SQLite backend ranks a large window itself)."""
    if top is None:
        return 1.0
    return 1.0 + float(settings.ZIMEI_SEARCH_HOT) * math.exp(max(HOT_POWER * (hot_log - top), -50.0))


class SqliteBackend(SearchBackend):
    """FTS5 (the contentless virtual table made by migrations/0001_search_index.py), tokenizer
    ascii over the tokens of text.py, columns (words, grams). What each row was indexed with
    is kept compressed in search_fts_source, so that it can be taken out again exactly."""

    @staticmethod
    def _forget(cur, ids: list[int]) -> None:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join(["%s"] * len(chunk))
            cur.execute(
                f"SELECT article_id, packed FROM {SQLITE_SOURCE} WHERE article_id IN ({marks})", chunk
            )
            old = [(i, *zlib.decompress(packed).decode().split("\x00", 1)) for i, packed in cur.fetchall()]
            cur.executemany(
                f"INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}, rowid, words, grams) "
                "VALUES ('delete', %s, %s, %s)",
                old,
            )
            cur.execute(f"DELETE FROM {SQLITE_SOURCE} WHERE article_id IN ({marks})", chunk)

    def prepare(self, tokens: Tokens) -> tuple[str, str, bytes]:
        words, grams = tokens.words_text, tokens.grams_text
        return words, grams, zlib.compress(f"{words}\x00{grams}".encode(), 6)

    def write(self, rows: list[tuple[int, tuple]]) -> None:
        if not rows:
            return
        with connection.cursor() as cur:
            self._forget(cur, [i for i, _ in rows])
            cur.executemany(
                f"INSERT INTO {SQLITE_TABLE} (rowid, words, grams) VALUES (%s, %s, %s)",
                [(i, w, g) for i, (w, g, _) in rows],
            )
            cur.executemany(
                f"INSERT INTO {SQLITE_SOURCE} (article_id, packed) VALUES (%s, %s)",
                [(i, packed) for i, (_, _, packed) in rows],
            )

    def remove(self, ids: Iterable[int]) -> None:
        with connection.cursor() as cur:
            self._forget(cur, list(ids))

    def clear(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}) VALUES ('delete-all')")
            cur.execute(f"DELETE FROM {SQLITE_SOURCE}")
            cur.execute(f"DELETE FROM {SQLITE_TITLES}")
            self.set_meta(cur, "format", str(FORMAT))

    TITLES, TITLE_ID = SQLITE_TITLES, "rowid"
    ARTICLES = SQLITE_ARTICLES

    def write_titles(self, rows: list[tuple[int, list[str]]]) -> None:
        self.remove_titles([i for i, _ in rows])
        with connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {SQLITE_TITLES} (rowid, titles) VALUES (%s, %s)",
                [(i, " ".join(g)) for i, g in rows],
            )

    def titles_matching(self, term: Term) -> tuple[str, list]:
        return f"SELECT rowid AS id FROM {SQLITE_TITLES} WHERE {SQLITE_TITLES} MATCH %s", [
            self.term_match(term, "titles")
        ]

    def count(self) -> int:
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {SQLITE_SOURCE}")
            return cur.fetchone()[0]

    # During a rebuild: FTS5 keeps a batch's new entries in memory up to `hashsize` bytes
    # (default 1 MB: a flush to a new segment every ~30 articles of 3,000 characters, each
    # segment merged again and again as they pile up) and writes them at the end of each
    # transaction; with a batch's worth of memory it writes one segment per batch. FTS5 then
    # merges segments a few at a time as they pile up (`automerge`, default 4 of a level; all of
    # a level at once at `crisismerge`, 16): each merge rewrites them, so every entry is
    # written again once per level, and the one writing process was the rebuild's bottleneck.
    # Merging 16 at a time (all at once only at 64) makes fewer levels: about half the bytes
    # written (docs/search.md, "zimei search rebuild"). Set for the rebuild, restored after.
    BULK_CONFIG = {"hashsize": 64 * 1024 * 1024, "automerge": 16, "crisismerge": 64}
    FTS5_DEFAULTS = {"hashsize": 1024 * 1024, "automerge": 4, "crisismerge": 16}

    @contextmanager
    def bulk(self) -> Iterator[None]:
        t = SQLITE_TABLE
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT k, v FROM {t}_config WHERE k IN ({','.join('%s' for _ in self.BULK_CONFIG)})",
                list(self.BULK_CONFIG),
            )
            before = dict(cur.fetchall())
            with transaction.atomic():
                self.correct_statistics(cur)
                for key, value in self.BULK_CONFIG.items():
                    cur.execute(f"INSERT INTO {t} ({t}, rank) VALUES (%s, %s)", [key, value])
        try:
            yield
        finally:
            with connection.cursor() as cur, transaction.atomic():
                for key in self.BULK_CONFIG:
                    value = before.get(key, self.FTS5_DEFAULTS[key])
                    cur.execute(f"INSERT INTO {t} ({t}, rank) VALUES (%s, %s)", [key, value])

    SEGMENTED = True

    # FTS5's %_data rows are keyed (segment id << 37) + (doclist index << 36) + (height << 31)
    # + page: a segment's leaves (height 0) are the ids from segid << 37 up to (segid << 37) + 2^31.
    SEGMENT_SHIFT, LEAF_SPAN = 37, 1 << 31

    @classmethod
    def segments(cls, cur) -> dict[int, int]:
        """Each FTS5 segment's leaf pages (about 4 KB each), by segment id."""
        pages: dict[int, int] = {}
        segid = -1
        while True:  # from segment to segment along %_idx's key (segid, term): a seek each
            cur.execute(f"SELECT min(segid) FROM {SQLITE_TABLE}_idx WHERE segid > %s", [segid])
            segid = cur.fetchone()[0]
            if segid is None:
                return pages
            lo = segid << cls.SEGMENT_SHIFT
            data = f"FROM {SQLITE_TABLE}_data WHERE id >= %s AND id < %s"  # (one min or max a
            # statement: SQLite seeks for either alone, but scans the range for both together)
            cur.execute(
                f"SELECT (SELECT min(id) {data}), (SELECT max(id) {data})", [lo, lo + cls.LEAF_SPAN] * 2
            )
            first, last = cur.fetchone()
            pages[segid] = 0 if first is None else last - first + 1

    @staticmethod
    def correct_statistics(cur) -> None:
        """Correct what an ANALYZE said of the index while it was empty. FTS5 deletes a merged
        segment's pages by a range of %_data's ids; an ANALYZE run while the index held
        nothing records two rows there, and SQLite's planner, sure then that scanning the
        whole table is cheaper than that range, reads the whole index at each merge step (the
        automatic merges of a publish too): at 1,000,000 articles 20 GB, minutes a step. The
        count is raised to the database's pages (more than the table's rows can be: each is
        about a page), which only ever favours the id lookups FTS5 makes of that table
        (docs/search.md, "Merging the index"). Deleting the row would not do: the planner
        keeps a count it has read until the connection closes."""
        cur.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cur.fetchone() is None:
            return
        cur.execute("PRAGMA page_count")
        pages = cur.fetchone()[0]
        cur.execute(
            "UPDATE sqlite_stat1 SET stat = %s WHERE tbl = %s AND idx IS NULL AND CAST(stat AS integer) < %s",
            [str(pages), f"{SQLITE_TABLE}_data", pages],
        )
        if cur.rowcount:
            cur.execute("ANALYZE sqlite_schema")  # this connection's planner reads them again

    # FTS5's work a merge step, in its own transaction. A step holds the write lock for about
    # half a second at 1,000,000 articles (a publish waits that long at most); smaller steps
    # write more in all (each rewrites the merge's state: 40 segments of 396 MB merged with
    # 500, 2,000, 5,000 wrote 3.0, 1.8, 1.6 GB: docs/search.md, "Merging the index").
    MERGE_STEP = 2000

    def merge(self, *, progress: bool = False) -> str:
        """Every segment of the FTS5 index merged into one, a step at a time (FTS5's 'merge'
        with a negative page count: the segments of every level are merged together). A query
        reads each segment's part of each of its terms' lists, a few pages a segment even where
        the segment holds none of the ids it wants, so an index of tens of segments (a rebuild,
        an import, bench/grow.py) costs tens of reads a term that one segment does not: most
        of a query's time when those pages come from the disk (docs/search.md, "Merging the
        index"). Each step commits; stopped, the merge goes on from there when run again."""
        t = SQLITE_TABLE
        with transaction.atomic(), connection.cursor() as cur:
            self.correct_statistics(cur)
            before = self.segments(cur)
        raw = connection.connection
        total = sum(before.values())
        with tqdm(total=total, desc="search merge", unit="page", disable=not progress) as bar:
            for step in itertools.count(1):
                changes = raw.total_changes
                with transaction.atomic(), connection.cursor() as cur:
                    cur.execute(f"INSERT INTO {t} ({t}, rank) VALUES ('merge', %s)", [-self.MERGE_STEP])
                if raw.total_changes - changes < 2:  # the command's own row alone: nothing merged
                    break
                if progress and step % 20 == 0:  # the input pages merged so far
                    with connection.cursor() as cur:
                        left = self.segments(cur)
                    bar.update(total - sum(n for s, n in left.items() if s in before) - bar.n)
            bar.update(total - bar.n)
        with connection.cursor() as cur:
            after = self.segments(cur)
        return (
            f"{len(before)} segment(s) of {total} pages merged into {len(after)} "
            f"of {sum(after.values())} pages"
        )

    @staticmethod
    def term_match(term: Term, column: str) -> str:
        """A term in `column`: the phrase of its bigrams, or a prefix."""
        phrase = '"' + " ".join(term.grams) + '"'
        return f"{column} : {phrase}*" if term.prefix else f"{column} : {phrase}"

    @classmethod
    def every(cls, query: Query) -> str:
        """What must match: every term in the grams column, AND-ed."""
        return "(" + " AND ".join(cls.term_match(t, "grams") for t in query.terms) + ")"

    @classmethod
    def match(cls, query: Query) -> str:
        """The FTS5 expression that ranks: `every`, then the same OR the query's words. (E AND
        (E OR W) matches exactly what E matches; bm25 also scores W where a row has it. FTS5
        evaluates E twice in it: a count uses E alone.)"""
        every = cls.every(query)
        if not query.words:
            return every
        return f"{every} AND ({every} OR {cls.words(query)})"

    @staticmethod
    def words(query: Query) -> str:
        """Any of the query's whole words, in the words column."""
        return "words : (" + " OR ".join(f'"{w}"' for w in query.words) + ")"

    def search(
        self,
        query: Query,
        *,
        filters: Filters = Filters(),
        sort: str = "relevance",
        offset: int = 0,
        limit: int = 20,
    ) -> Found:
        if query.empty:
            return Found(0, [])
        query = self.indexed(query)
        t = SQLITE_TABLE
        match = self.every(query) if sort in ORDERS else self.match(query)  # bm25 only ranks
        where = f"{t} MATCH %s AND a.status = 'published'"
        narrowed, extra = filters.sql()
        where += narrowed
        params: list = [match, *extra]
        # CROSS JOIN: SQLite keeps the FTS table the outer loop (else it may walk the articles and
        # test MATCH row by row).
        joined = f"FROM {t} CROSS JOIN {SQLITE_ARTICLES} ON a.id = {t}.rowid WHERE {where}"
        weight = float(settings.ZIMEI_SEARCH_WORD_WEIGHT)
        window = int(settings.ZIMEI_SEARCH_RANK_WINDOW)
        # Each pass over the matches costs the whole position lists of the query's bigrams (a
        # phrase of common bigrams: every article's). So the page and the count come from one
        # pass where they can (count(*) OVER (): the rows before LIMIT), and a count beyond
        # the rank window stops at ZIMEI_SEARCH_COUNT_MAX (docs/search.md, "Measured").
        with connection.cursor() as cur:
            if sort in ORDERS:
                page = self._sorted_walk(cur, query, filters, sort, offset, limit)
                if page is not None:
                    return page
                # Every match sorted: the count comes with the page.
                cur.execute(
                    f"SELECT a.id, count(*) OVER () {joined} ORDER BY {ORDERS[sort]} LIMIT %s OFFSET %s",
                    [*params, limit, offset],
                )
                rows = cur.fetchall()
                if rows:  # capped as by relevance: the same total whichever the order
                    return self._capped(rows[0][1], [r[0] for r in rows])
                return self._counted(cur, query, filters, [])
            # Relevance. First the most recent `window` matches alone (FTS5 walks the ids
            # backwards and stops there: cheap however common the terms; or at the span).
            floor = self._floor(cur)
            recent, complete, spanned = self._newest(
                cur,
                f"SELECT a.id, julianday('now') - julianday(a.published_at), a.hot_log "
                f"FROM {t} CROSS JOIN {SQLITE_ARTICLES} ON a.id = {t}.rowid "
                f"WHERE {t} MATCH %s AND a.status = 'published'{narrowed}{{span}} "
                f"ORDER BY {t}.rowid DESC LIMIT %s",
                [self.every(query), *extra],
                window - 1,  # (as many as the window: ranked as the window, below)
                self._span_need(sort, offset + limit),
                floor,
            )
            if not recent:
                return Found(0, [])
            if complete and floor <= 1:
                # Every match is there, on a site no wider than the span: ranked by bm25 (its
                # IDF reads every match of each phrase of the expression once more, the query's
                # whole words included: on a wider site a common word's are most of it, 150 ms
                # at 1,000,000 articles, so there the matches are ranked as a window, below).
                age = "(julianday('now') - julianday(m.published_at))"
                cur.execute(
                    f"SELECT m.id FROM (SELECT a.id AS id, a.published_at AS published_at, "
                    f"a.hot_log AS hot_log, bm25({t}, {weight!r}, 1.0) AS r {joined}) m "
                    f"ORDER BY -m.r * {_fresh(age)} * {_hot(cur, 'm.hot_log')} DESC, m.id DESC "
                    "LIMIT %s OFFSET %s",
                    [*params, limit, offset],
                )
                return self._capped(len(recent), [r[0] for r in cur.fetchall()])
            # More matches than the window (or every match, on a site wider than the span):
            # bm25 would read every match of every phrase for its IDF (at 30k generated articles
            # 30 ms against 0.7 ms for the window itself), so the window is ranked as on
            # PostgreSQL: 1 + W for the query's whole words, × freshness × hot.
            hits = self.word_hits(cur, query, recent[-1][0])
            f = float(settings.ZIMEI_SEARCH_FRESHNESS)
            h = float(settings.ZIMEI_SEARCH_HALF_DAYS)
            top = _hot_top(cur)
            ranked = sorted(
                recent,
                key=lambda r: (
                    -(1.0 + weight if r[0] in hits else 1.0)
                    * (1.0 + f / (1.0 + max(r[1], 0) / h))
                    * _hot_factor(r[2], top),
                    -r[0],
                ),
            )
            ids = [r[0] for r in ranked[offset : offset + limit]]
            cap = int(settings.ZIMEI_SEARCH_COUNT_MAX)
            if complete:
                return self._capped(len(recent), ids)
            if spanned:
                return self._spanned(cur, query, filters, len(recent), ids)
            if 0 < cap <= window:
                return Found(cap, ids, capped=True)
            return self._counted(cur, query, filters, ids)

    @classmethod
    def word_hits(cls, cur, query: Query, first: int) -> set[int]:
        """Which articles from id `first` on hold one of the query's whole words (the rank
        window's word factor, `first` the window's oldest id): those articles alone when they
        are few (a rare word: one short walk); else those of them that also match the query (a
        common word alone would be most of the site from there: 可能, ~900,000 rows at
        1,000,000 articles, 0.3 s to fetch; with the query, the window and little more, for a
        second walk of the query's terms)."""
        if not query.words:
            return set()
        t, words = SQLITE_TABLE, cls.words(query)
        sql = f"SELECT rowid FROM {t} WHERE {t} MATCH %s AND rowid >= %s LIMIT %s"
        cur.execute(sql, [words, first, cls.WORDS_ALONE_MAX + 1])
        rows = cur.fetchall()
        if len(rows) > cls.WORDS_ALONE_MAX:
            # (The window's articles match every term, so any of them narrows; a prefix, a
            # Latin term's, is the costliest to walk: left out if it can be.)
            terms = [term for term in query.terms if not term.prefix] or query.terms
            narrow = cls.every(replace(query, terms=terms))
            cur.execute(sql, [f"{narrow} AND {words}", first, -1])
            rows = cur.fetchall()
        return {r[0] for r in rows}

    @staticmethod
    def _one_of(ids: list[int]) -> tuple[str, object]:
        # One JSON parameter (a list of ids as `IN (?, ?, …)` would meet SQLite's limit on
        # parameters beyond 32,766).
        return "IN (SELECT value FROM json_each(%s))", json.dumps(ids)

    # The rank window's whole-word factor reads the words' articles from the window's first id
    # on alone up to this many, else those of them that match the query.
    WORDS_ALONE_MAX = 10_000

    # held() walks the older ids' range rather than looking each up when the range is less
    # than this many ids wide per id.
    RANGE_PER_ID = 1000

    def _sorted_walk(
        self, cur, query: Query, filters: Filters, sort: str, offset: int, limit: int
    ) -> Found | None:
        """Newest or hottest first from the newest matches by id, as many as the rank window
        or one more than the count cap (FTS5 walks the ids backwards and stops there): sorted
        whole when they are every match, else the page from those that can be on it (_older,
        each older article checked with MATCH and its rowid). None when it takes every match
        sorted (a page beyond the walk, or too many older articles)."""
        t = SQLITE_TABLE
        cap = int(settings.ZIMEI_SEARCH_COUNT_MAX)
        keep = max(int(settings.ZIMEI_SEARCH_RANK_WINDOW), cap + 1 if cap > 0 else 0, 1)
        every = self.every(query)
        narrowed, extra = filters.sql()
        if not filters.any:  # the index holds published articles only: no join
            sql, params = (
                f"SELECT rowid FROM {t} WHERE {t} MATCH %s{{span}} ORDER BY rowid DESC LIMIT %s",
                [every],
            )
        else:
            sql = (
                f"SELECT a.id FROM {t} CROSS JOIN {SQLITE_ARTICLES} ON a.id = {t}.rowid "
                f"WHERE {t} MATCH %s AND a.status = 'published'{narrowed}{{span}} "
                f"ORDER BY {t}.rowid DESC LIMIT %s"
            )
            params = [every, *extra]
        rows, complete, spanned = self._newest(cur, sql, params, keep, self._span_need(sort, offset + limit))
        found = [r[0] for r in rows]
        if not found:
            return Found(0, [])

        def held(ids: list[int]) -> list[int]:
            # Looked up one by one, FTS5 seeks each id in every segment of each bigram's list
            # (at 1M articles in 62-73 segments, ~1.5 ms an id); walking the ids' range and
            # keeping those ids costs ~0.3 µs an entry of the range (docs/search.md, "SQLite
            # at 1,000,000 generated articles"). The range when it is not much wider than the ids
            # (`+rowid`: the ids filter the walk, they do not drive it).
            one_of, arg = self._one_of(ids)
            walk, bounds = "", []
            if max(ids) - min(ids) < self.RANGE_PER_ID * len(ids):
                walk, bounds = "rowid >= %s AND rowid <= %s AND +", [min(ids), max(ids)]
            sql = f"SELECT rowid FROM {t} WHERE {t} MATCH %s AND {walk}rowid {one_of}"
            cur.execute(sql, [every, *bounds, arg])
            return [r[0] for r in cur.fetchall()]

        page = self._sorted(cur, sort, filters, found[:keep], complete, offset, limit, held)
        if page is None:
            return None
        if complete:
            return self._capped(len(found), page)
        if spanned:
            return self._spanned(cur, query, filters, len(found), page)
        if cap > 0:  # more than keep ≥ cap + 1
            return Found(cap, page, capped=True)
        return self._counted(cur, query, filters, page)

    def _newest(
        self, cur, sql: str, params: list, keep: int, need: int, floor: int | None = None
    ) -> tuple[list[tuple], bool, bool]:
        """The newest matches by `sql` (newest first, `{span}` where a condition on the rowid
        goes, a LIMIT %s last): up to `keep` + 1 rows, whether they are every match, and whether
        the walk settled at the span (docs/search.md, "The walk's span"): the newest
        ZIMEI_SEARCH_SPAN_IDS ids first, the older ones only when those hold fewer than `need`
        matches and no more than `keep`. `floor`: _floor() when the caller has read it."""
        t = SQLITE_TABLE
        floor = self._floor(cur) if floor is None else floor
        if floor <= 1:  # a site no wider than the span
            cur.execute(sql.replace("{span}", ""), [*params, keep + 1])
            rows = cur.fetchall()
            return rows, len(rows) <= keep, False
        cur.execute(sql.replace("{span}", f" AND {t}.rowid >= %s"), [*params, floor, keep + 1])
        rows = cur.fetchall()
        if len(rows) > keep or len(rows) >= need:
            return rows, False, len(rows) <= keep
        cur.execute(sql.replace("{span}", f" AND {t}.rowid < %s"), [*params, floor, keep + 1 - len(rows)])
        rows += cur.fetchall()
        return rows, len(rows) <= keep, False

    @staticmethod
    def _floor(cur) -> int:
        """The oldest id of the span (ZIMEI_SEARCH_SPAN_IDS back from the newest article); 0
        or less: the site is no wider, or there is no span."""
        span = int(settings.ZIMEI_SEARCH_SPAN_IDS)
        if span <= 0:
            return 0
        cur.execute("SELECT max(id) FROM articles_article")
        return (cur.fetchone()[0] or 0) - span + 1

    @classmethod
    def _spanned(cls, cur, query: Query, filters: Filters, n: int, ids: list[int]) -> Found:
        """A walk that settled at the span found `n`: "n+" (the cap's "+" beyond it), or
        counted when counts are to be exact (ZIMEI_SEARCH_COUNT_MAX 0)."""
        cap = int(settings.ZIMEI_SEARCH_COUNT_MAX)
        if cap <= 0:
            return cls._counted(cur, query, filters, ids)
        return Found(min(n, cap), ids, capped=True)

    @classmethod
    def _counted(cls, cur, query: Query, filters: Filters, ids: list[int]) -> Found:
        """The matches counted (up to ZIMEI_SEARCH_COUNT_MAX, then `capped`), with this page."""
        cap = int(settings.ZIMEI_SEARCH_COUNT_MAX)
        limit = f" LIMIT {cap + 1}" if cap > 0 else ""
        t = SQLITE_TABLE
        every = cls.every(query)
        if not filters.any:  # the index holds published articles only: no join to count
            cur.execute(f"SELECT count(*) FROM (SELECT 1 FROM {t} WHERE {t} MATCH %s{limit})", [every])
        else:
            narrowed, extra = filters.sql()
            cur.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {t} CROSS JOIN {SQLITE_ARTICLES} ON a.id = {t}.rowid "
                f"WHERE {t} MATCH %s AND a.status = 'published'{narrowed}{limit})",
                [every, *extra],
            )
        return SqliteBackend._capped(cur.fetchone()[0], ids)

    @staticmethod
    def _capped(total: int, ids: list[int]) -> Found:
        cap = int(settings.ZIMEI_SEARCH_COUNT_MAX)
        if cap > 0 and total > cap:
            return Found(cap, ids, capped=True)
        return Found(total, ids)


# A list of article ids as a parameter: bigint[], the ids' type (`bigint = ANY(integer[])` is
# tested element by element, 40 times slower than the hashed lookup of a bigint[] for 2,000 ids).
_IDS = "ANY(%s::bigint[])"

# Positions as text, 1 to 16383, the most PostgreSQL keeps.
_POSITIONS = [str(i) for i in range(1, 16384)]
# The lexeme of a grams tsvector that could not hold every position (_tsvector): no query token
# has a '#' (text.py makes them of letters and digits alone).
CUT = "#cut"


def _tsvector(tokens: list[str], *, mark: bool = False) -> str:
    """A tsvector literal with positions, built here (no text search parser: its idea of a word
    depends on the database's locale). PostgreSQL keeps positions up to 16383 and 256 a lexeme:
    a token beyond 16383 is kept at 16383, as to_tsvector keeps it (so that a bigram or a
    character of the end of a very long article is still found), and with `mark` (the grams)
    a tsvector that could not hold every position carries CUT, which the phrase check reads as
    "decide by the bigrams alone" (_tsquery)."""
    positions: defaultdict[str, list[str]] = defaultdict(list)
    for i, token in enumerate(tokens):
        held = positions[token]
        pos = _POSITIONS[min(i, len(_POSITIONS) - 1)]
        if not held or held[-1] != pos:
            held.append(pos)
    cut = len(tokens) > len(_POSITIONS) or any(len(p) > 256 for p in positions.values())
    literal = " ".join(f"'{t}':{','.join(p[:256])}" for t, p in positions.items())
    return f"{literal} '{CUT}'" if mark and cut else literal


def _tsquery(query: Query, *, phrase: bool, strict: bool = False) -> str:
    """The terms AND-ed; a term of several bigrams as a phrase (`<->`: next to each other, exact)
    or its bigrams AND-ed (they may stand apart in an article). PostgreSQL checks a phrase
    against each candidate's tsvector, read back from TOAST: with common bigrams every article
    is a candidate (p95 0.6-0.8 s at 10k articles), so the backend uses the phrase only when
    the AND-ed form finds at most ZIMEI_SEARCH_PG_PHRASE_MAX articles."""
    parts, loose = [], []
    for term in query.terms:
        if term.prefix:
            parts.append(f"'{term.text}':*")
            loose.append(parts[-1])
        else:
            parts.append("(" + (" <-> " if phrase else " & ").join(f"'{g}'" for g in term.grams) + ")")
            loose.append("(" + " & ".join(f"'{g}'" for g in term.grams) + ")")
    if phrase and parts != loose and not strict:
        # In an article whose positions PostgreSQL could not hold whole (CUT), the bigrams alone.
        return f"({' & '.join(parts)}) | ({' & '.join(loose)} & '{CUT}')"
    return " & ".join(parts)


class PostgresBackend(SearchBackend):
    """A table of tsvectors (migrations/0001_search_index.py), in partitions by ranges of
    article ids (0002), each with GIN indexes on `grams` (what is matched) and `words` (rank
    only), read newest partition first (docs/search.md, "PostgreSQL: partitions by article
    id")."""

    def prepare(self, tokens: Tokens) -> tuple[str, str]:
        return _tsvector(tokens.grams, mark=True), _tsvector(tokens.words)

    @staticmethod
    def _one_of(ids: list[int]) -> tuple[str, object]:
        return f"= {_IDS}", ids

    # What a search runs with, in its own transaction. The planner does not count reading
    # tsvectors back from TOAST (a few KB each): it takes a sequential scan over every row for
    # cheaper than the GIN index (measured: 300-700 ms against 10 ms at 10k articles). The JIT
    # compiled the ranking query every time (~18 ms of ~190 at 100k articles, for a query that
    # runs once). Parallel workers took longer to start than the work took: a walk of 64
    # partitions at 1,000,000 articles, 19.5 ms with 2 workers (15 ms before the first row),
    # 2.4 ms without (docs/search.md).
    SETTINGS = (
        "SET LOCAL enable_seqscan = off; SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0"
    )

    # The table is partitioned by ranges of article ids (migrations/0002), each partition with
    # its own GIN indexes: a query walks them newest first and stops once it has what it needs
    # (search()), so a common query costs the newest partitions, not the whole site. A new
    # partition covers PARTITION_IDS ids (fewer where partitions made before bound it).
    PARTITION_IDS = 10_000
    # Up to this many of the rank window's articles in a partition, their words are read
    # article by article; more, from the partition's GIN index (search()).
    WORDS_BY_ID = 50
    _BOUND = re.compile(r"FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)")

    # The partitions as this process last read them from the catalog: (lo, hi, name), in id
    # order. A write finds its ids' partitions here and checks only those against the catalog
    # (another process may have made one since, a rolled-back transaction undone one); it reads
    # the whole list again only when an id is not covered or a partition has changed.
    _known: list[tuple[int, int, str]] = []

    @classmethod
    def _parsed(cls, rows: Iterable[tuple[str | None, str]]) -> list[tuple[int, int, str]]:
        """(bound expression, name) rows from the catalog as (lo, hi, name), in id order."""
        found = ((cls._BOUND.search(bound or ""), name) for bound, name in rows)
        return sorted((int(m[1]), int(m[2]), name) for m, name in found if m)

    @classmethod
    def _partitions(cls, cur) -> list[tuple[int, int, str]]:
        """The partitions: id range [lo, hi) and name, in id order (from the catalog: another
        process may have made one a moment ago). A catalog row and a bound deparsed for every
        partition (~1.8 ms in the server at 100 partitions)."""
        cur.execute(
            "SELECT pg_get_expr(c.relpartbound, c.oid), c.oid::regclass::text FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [PG_TABLE],
        )
        return cls._parsed(cur.fetchall())

    # The partitions as the last search in this process read them, with their oids. A search
    # reads the oids alone (~0.1 ms at 110 partitions) and the bounds, deparsed for every
    # partition (~1 ms at 110), only when the oids have changed: a partition made, attached,
    # dropped or rolled back since. (A partition detached and attached again with other bounds
    # keeps its oid; nothing in Zimei does that.)
    _listed: tuple[tuple[int, ...], list[tuple[int, int, str]]] = ((), [])

    @classmethod
    def _current(cls, cur) -> list[tuple[int, int, str]]:
        """The partitions now, as _partitions() gives them, read again only when changed."""
        cur.execute(
            "SELECT array_agg(inhrelid::bigint ORDER BY inhrelid) FROM pg_inherits "
            "WHERE inhparent = %s::regclass",
            [PG_TABLE],
        )
        oids = tuple(cur.fetchone()[0] or ())
        if oids != cls._listed[0]:
            cls._listed = (oids, cls._partitions(cur))
        return cls._listed[1]

    @classmethod
    def _named(cls, cur, names: list[str]) -> list[tuple[int, int, str]]:
        """Those of these partitions that are partitions of the table now, as the catalog has
        them: each looked up by name (a few catalog rows, whatever the number of partitions)."""
        cur.execute(
            "SELECT pg_get_expr(c.relpartbound, c.oid), c.oid::regclass::text FROM unnest(%s::text[]) n "
            "JOIN pg_class c ON c.oid = to_regclass(n) JOIN pg_inherits i ON i.inhrelid = c.oid "
            "WHERE i.inhparent = %s::regclass",
            [names, PG_TABLE],
        )
        return cls._parsed(cur.fetchall())

    @classmethod
    def _bounds(cls, cur) -> list[tuple[int, int]]:
        """The partitions' id ranges [lo, hi), in order."""
        return [(lo, hi) for lo, hi, _ in cls._partitions(cur)]

    @staticmethod
    def _homes(
        parts: list[tuple[int, int, str]], ids: Iterable[int], *, covered: bool = False
    ) -> dict[int, str] | None:
        """Each id's partition name among `parts` (in id order), or None if one is not covered
        (`covered`: the ids that are, leaving out the others)."""
        out = {}
        for i in ids:
            k = bisect_right(parts, i, key=itemgetter(0)) - 1
            if k < 0 or i >= parts[k][1]:
                if covered:
                    continue
                return None
            out[i] = parts[k][2]
        return out

    @classmethod
    def _uncovered(cls, parts: list[tuple[int, int, str]], ids: Iterable[int]) -> dict[int, int]:
        """The partitions (lo → hi) that the ids not covered by `parts` need."""
        bounds = [(lo, hi) for lo, hi, _ in parts]
        size, out = cls.PARTITION_IDS, {}
        for i in sorted(set(ids)):
            if any(lo <= i < hi for lo, hi in bounds) or any(lo <= i < hi for lo, hi in out.items()):
                continue
            lo, hi = i - i % size, i - i % size + size
            lo = max([lo, *(h for _, h in bounds if h <= i)])
            hi = min([hi, *(low for low, _ in bounds if low > i)])
            out[lo] = hi
        return out

    @classmethod
    def _partitions_for(cls, cur, ids: list[int]) -> dict[int, str]:
        """Each id's partition (its name), made where there is none. Where the partitions
        known to this process cover the ids, only those are looked up in the catalog, to check
        that they are still there with the same bounds: a write reads its own partitions'
        catalog rows, not every partition's (docs/search.md, "PostgreSQL: writing an article").

        Otherwise the list is read again and the missing partitions made, one transaction at
        a time (an advisory lock). Made apart and attached: CREATE TABLE … PARTITION OF would
        lock the partitioned table against every search until the writing transaction ends,
        ATTACH only against other schema changes; it gives the new (empty) table the parent's
        indexes."""
        known = cls._known
        homes = cls._homes(known, ids)
        if homes is not None:
            names = sorted(set(homes.values()))
            if cls._named(cur, names) == [p for p in known if p[2] in names]:
                return homes
        parts = cls._partitions(cur)
        if cls._uncovered(parts, ids):
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [PG_TABLE])
            parts = cls._partitions(cur)
            for lo, hi in cls._uncovered(parts, ids).items():
                name = f"{PG_TABLE}_p{lo}".replace("-", "m")
                cur.execute(f"CREATE TABLE {name} (LIKE {PG_TABLE})")
                cur.execute(
                    f"ALTER TABLE {PG_TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({lo}) TO ({hi})"
                )
                parts.append((lo, hi, name))
            parts.sort()
        # (A partition made here and rolled back later fails the check of the next write.)
        cls._known = parts
        homes = cls._homes(parts, ids)
        assert homes is not None
        return homes

    def write(self, rows: list[tuple[int, tuple]]) -> None:
        """Each partition's rows written into it by name, not through the partitioned table."""
        if not rows:
            return
        with transaction.atomic(using=connection.alias), connection.cursor() as cur:
            homes = self._partitions_for(cur, [i for i, _ in rows])
            into: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
            for i, (g, w) in rows:
                into[homes[i]].append((i, g, w))
            for name, part in into.items():
                cur.executemany(
                    f"INSERT INTO {name} (article_id, grams, words) VALUES (%s, %s::tsvector, %s::tsvector) "
                    "ON CONFLICT (article_id) DO UPDATE SET grams = EXCLUDED.grams, words = EXCLUDED.words",
                    part,
                )

    def remove(self, ids: Iterable[int]) -> None:
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {PG_TABLE} WHERE article_id = {_IDS}", [list(ids)])

    # The GIN indexes (as migrations/0001 and 0002 make them: on the partitioned table, so
    # one on each partition, made or dropped with it). A rebuild into an empty
    # table (after --clear, or the first) drops them and builds them once at the end, from
    # sorted entries, instead of updating them row by row; with maintenance_work_mem raised
    # for that. A run stopped hard leaves them missing: the next rebuild makes them first.
    GIN = {"search_document_grams": "grams", "search_document_words": "words"}
    GIN_MEMORY = "512MB"

    def _gin_create(self, cur) -> None:
        cur.execute(f"SET maintenance_work_mem = '{self.GIN_MEMORY}'")
        for name, column in self.GIN.items():
            cur.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {PG_TABLE} USING gin ({column})")
        cur.execute("RESET maintenance_work_mem")

    @contextmanager
    def bulk(self) -> Iterator[None]:
        with connection.cursor() as cur:
            cur.execute(f"SELECT EXISTS (SELECT 1 FROM {PG_TABLE})")
            empty = not cur.fetchone()[0]
            if empty:
                for name in self.GIN:
                    cur.execute(f"DROP INDEX IF EXISTS {name}")
            else:
                self._gin_create(cur)
        try:
            yield
        finally:
            with connection.cursor() as cur:
                self._gin_create(cur)

    def clear(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {PG_TABLE}")
            cur.execute(f"DELETE FROM {PG_TITLES}")
            self.set_meta(cur, "format", str(FORMAT))

    TITLES, TITLE_ID = PG_TITLES, "article_id"

    def write_titles(self, rows: list[tuple[int, list[str]]]) -> None:
        with connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {PG_TITLES} (article_id, titles) VALUES (%s, %s::tsvector) "
                "ON CONFLICT (article_id) DO UPDATE SET titles = EXCLUDED.titles",
                [(i, _tsvector(g)) for i, g in rows],
            )

    def titles_matching(self, term: Term) -> tuple[str, list]:
        # A title's tsvector is small (kept in the row, not TOAST): the phrase is checked
        # exactly, whatever the number of candidates.
        tsquery = _tsquery(Query(raw="", terms=[term]), phrase=True, strict=True)
        return f"SELECT article_id AS id FROM {PG_TITLES} WHERE titles @@ %s::tsquery", [tsquery]

    def count(self) -> int:
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {PG_TABLE}")
            return cur.fetchone()[0]

    def _walk(
        self, cur, tsquery: str, filters: Filters, keep: int, parts: list[tuple[int, int, str]], want: int = 0
    ) -> tuple[list[tuple[int, str]], bool, bool]:
        """The newest `keep` matches (id and partition, newest first), whether they are all of
        them, and whether the walk settled at the span: past ZIMEI_SEARCH_SPAN_IDS ids below
        the newest partition, holding at least `want` (0: never) matches (docs/search.md, "The
        walk's span"). `parts`: (lo, hi, name), newest first.

        Read partition by partition, newest first: the newest partition, the one before, then
        twice as many each time, one statement for each group, stopping as soon as `keep` are
        found. Only the partitions read build their GIN bitmaps, so a query that matches much
        of the site reads the newest one or two, and one with few matches visits every
        partition in about log2(partitions) + 2 statements. Each partition by name, matched by
        its GIN index alone: through the partitioned table with a range of ids, the planner
        (once the partitions had statistics) walked the id index over the range and read every
        row's tsvector back from TOAST (150 ms for one partition against 9 ms)."""
        narrowed, extra = filters.sql()
        span = int(settings.ZIMEI_SEARCH_SPAN_IDS) if want > 0 else 0
        found: list[tuple[int, str]] = []
        at, width = 0, 1
        while at < len(parts):
            group = [name for _, _, name in parts[at : at + width]]
            lowest = parts[min(at + width, len(parts)) - 1][0]
            at, width = at + width, width if at == 0 else width * 2
            need = keep - len(found)
            # `+ 0`: not the id index's order (walking it would read every row's tsvector);
            # MATERIALIZED: the GIN bitmaps, whatever the planner thinks of the articles table.
            matches = " UNION ALL ".join(
                f"SELECT article_id, %s AS part FROM {part} WHERE grams @@ %s::tsquery" for part in group
            )
            args = [x for part in group for x in (part, tsquery)]
            if not filters.any:  # the index holds published articles only: no join
                sql = f"SELECT article_id, part FROM ({matches}) f ORDER BY article_id + 0 DESC LIMIT %s"
            else:
                sql = (
                    f"WITH f AS MATERIALIZED ({matches}) SELECT f.article_id, f.part FROM f "
                    "JOIN articles_article a ON a.id = f.article_id "
                    f"WHERE a.status = 'published'{narrowed} ORDER BY f.article_id + 0 DESC LIMIT %s"
                )
            cur.execute(sql, [*args, *extra, need + 1])
            rows = cur.fetchall()
            found += rows[:need]
            if len(rows) > need:
                return found, False, False
            if span > 0 and at < len(parts) and len(found) >= want and parts[0][0] - lowest >= span:
                return found, False, True
        return found, True, False

    @staticmethod
    def _matching(cur, homes: list[tuple[int, str]], tsquery: str, query: Query) -> list[tuple[int, str]]:
        """Those of these (id, partition) whose grams match, each partition's ids looked up in
        it by name. Through the partitioned table, PostgreSQL plans every partition before
        pruning to the ids' own: 14-20 ms of planning at 141 partitions for a few ms of work
        (docs/search.md, "PostgreSQL at 1,000,000 real articles"). An article whose positions
        PostgreSQL could not hold whole (CUT) matched by the bigrams alone is kept if its text
        holds every phrase of the query (read and folded: a few such articles, ~1 ms each)."""
        by_part: defaultdict[str, list[int]] = defaultdict(list)
        for i, part in homes:
            by_part[part].append(i)
        if not by_part:
            return []
        loose = f"'{CUT}'" in tsquery
        exact = _tsquery(query, phrase=True, strict=True) if loose else ""
        selects, args = [], []
        for part, ids in sorted(by_part.items()):
            check = "grams @@ %s::tsquery" if loose else "true"
            selects.append(
                f"SELECT article_id, %s, {check} FROM {part} "
                f"WHERE article_id = {_IDS} AND grams @@ %s::tsquery"
            )
            args += [part, *([exact] if loose else []), ids, tsquery]
        cur.execute(" UNION ALL ".join(selects), args)
        rows = cur.fetchall()
        cut = [i for i, _, held in rows if not held]
        if cut:
            phrases = [t.text for t in query.terms if not t.prefix and len(t.grams) > 1]
            texts = {
                a.id: [fold(x) for x in article_texts(a)]
                for a in Article.objects.select_related("text").filter(id__in=cut)
            }
            kept = {i for i, t in texts.items() if all(any(p in x for x in t) for p in phrases)}
            rows = [r for r in rows if r[2] or r[0] in kept]
        return [(i, part) for i, part, _ in rows]

    def search(
        self,
        query: Query,
        *,
        filters: Filters = Filters(),
        sort: str = "relevance",
        offset: int = 0,
        limit: int = 20,
    ) -> Found:
        if query.empty:
            return Found(0, [])
        query = self.indexed(query)
        phrased = any(not t.prefix and len(t.grams) > 1 for t in query.terms)
        narrowed, extra = filters.sql()
        cap = int(settings.ZIMEI_SEARCH_COUNT_MAX)
        window = int(settings.ZIMEI_SEARCH_RANK_WINDOW)
        phrase_max = int(settings.ZIMEI_SEARCH_PG_PHRASE_MAX)
        # What the walk keeps: the rank window, and enough to count up to the cap and to tell
        # whether the phrase check applies.
        keep = max(window, phrase_max + 1 if phrased else 0, cap + 1 if cap > 0 else 0, 1)
        with transaction.atomic(using=connection.alias), connection.cursor() as cur:
            cur.execute(self.SETTINGS)
            listed = self._current(cur)
            parts = listed[::-1]  # newest first

            tsquery = _tsquery(query, phrase=False)
            every = f"f AS MATERIALIZED (SELECT article_id FROM {PG_TABLE} WHERE grams @@ %s::tsquery)"
            want = self._span_need(sort, offset + limit)
            found, complete, spanned = self._walk(cur, tsquery, filters, keep, parts, want)
            checked = False  # the phrase checked on the candidates
            if spanned and phrased and len(found) <= phrase_max:
                # The span's candidates checked for the phrase (exact); with fewer than `want`
                # left, the walk goes on as it would without a span.
                tsquery, checked = _tsquery(query, phrase=True), True
                found = sorted(self._matching(cur, found, tsquery, query), reverse=True)
                if len(found) < want:
                    tsquery, checked = _tsquery(query, phrase=False), False
                    found, complete, spanned = self._walk(cur, tsquery, filters, keep, parts)

            def counted() -> int:  # exact up to cap + 1 (every match with no cap)
                if complete:
                    n = len(found)
                elif spanned and cap > 0:
                    return len(found)  # "n+"
                elif cap > 0:
                    return cap + 1  # more than `keep` ≥ cap + 1
                else:
                    cur.execute(
                        f"WITH {every} "
                        "SELECT count(*) FROM f JOIN articles_article a ON a.id = f.article_id "
                        f"WHERE a.status = 'published'{narrowed}",
                        [tsquery, *extra],
                    )
                    n = cur.fetchone()[0]
                return min(n, cap + 1) if cap > 0 else n

            total = counted()
            if phrased and not checked and 0 < total <= phrase_max:
                # Few candidates: the phrase (exact), checked on them (their tsvectors read back).
                tsquery = _tsquery(query, phrase=True)
                if complete:
                    found = sorted(self._matching(cur, found, tsquery, query), reverse=True)
                else:  # (only with a count cap below ZIMEI_SEARCH_PG_PHRASE_MAX)
                    found, complete, spanned = self._walk(cur, tsquery, filters, keep, parts)
                total = counted()
            capped = cap > 0 and (total > cap or spanned)
            total = min(total, cap) if capped else total
            if not total or offset >= total:
                return Found(total, [], capped=capped)
            if sort in ORDERS:
                # Sorted by the article rows alone when every match is in hand, or every match
                # that can be on the page is (_older: older articles checked by id, each
                # tsvector read back, ~20 µs an article); else over every match.
                def held(ids: list[int]) -> list[int]:
                    homes = self._homes(listed, ids, covered=True) or {}
                    return [i for i, _ in self._matching(cur, list(homes.items()), tsquery, query)]

                page = self._sorted(cur, sort, filters, [i for i, _ in found], complete, offset, limit, held)
                if page is None:  # every partition
                    cur.execute(
                        f"WITH {every} "
                        "SELECT a.id FROM f JOIN articles_article a ON a.id = f.article_id "
                        f"WHERE a.status = 'published'{narrowed} ORDER BY {ORDERS[sort]} LIMIT %s OFFSET %s",
                        [tsquery, *extra, limit, offset],
                    )
                    page = [r[0] for r in cur.fetchall()]
                return Found(total, page, capped=capped)
            # Relevance over the newest `window` matches, from the indexes alone (ts_rank would
            # read every candidate's tsvector): an article holding the query's whole words
            # (rjieba) ranks W times higher.
            ranked = [i for i, _ in found[:window]]
            weight = float(settings.ZIMEI_SEARCH_WORD_WEIGHT)
            age = "(EXTRACT(EPOCH FROM (now() - m.published_at)) / 86400.0)"
            fresh = _fresh(age).replace("MAX(", "GREATEST(")
            fresh += " * " + _hot(cur, "m.hot_log").replace("MAX(", "GREATEST(")
            # The window's article rows: one walk along the id index when its ids are most of
            # their range (a common query: 2,207 pages and 3.9 ms against 9,147 and 6.7 ms for
            # 2,000 lookups), else a lookup each.
            rows, margs = f"a.id = {_IDS}", [ranked]
            if ranked[0] - ranked[-1] < 2 * len(ranked):
                rows, margs = (
                    f"a.id >= %s AND a.id <= %s AND a.id + 0 = {_IDS}",
                    [ranked[-1], ranked[0], ranked],
                )
            m = (
                "m AS MATERIALIZED (SELECT a.id, a.published_at, a.hot_log FROM articles_article a "
                f"WHERE {rows} AND a.status = 'published')"
            )
            words = " | ".join(f"'{w}'" for w in query.words)
            if words:
                # Which of the window's articles hold the words, partition by partition, each by
                # name (through the partitioned table a range of ids is pruned to them, but
                # within one the planner then walks the id index and reads every row's words
                # back from TOAST). Where the window has many of a partition's articles, from
                # its words' GIN bitmap (`+ 0`: not the id index); where it has few, from those
                # articles' own words (~30 µs each against ~2 ms for a partition's bitmap of a
                # common word): bounded by the window either way, not by the site.
                by_part: defaultdict[str, list[int]] = defaultdict(list)
                for i, part in found[:window]:
                    by_part[part].append(i)
                selects, args, held_words = [], [], "words @@ %s::tsquery"
                for part, held in sorted(by_part.items()):
                    if len(held) <= self.WORDS_BY_ID:
                        selects.append(
                            f"SELECT article_id FROM {part} WHERE article_id = {_IDS} AND {held_words}"
                        )
                        args += [held, words]
                    else:
                        selects.append(
                            f"SELECT article_id FROM {part} WHERE {held_words} AND article_id + 0 = {_IDS}"
                        )
                        args += [words, held]
                cur.execute(
                    f"WITH {m}, w AS MATERIALIZED ({' UNION ALL '.join(selects)}) "
                    "SELECT m.id FROM m LEFT JOIN w ON w.article_id = m.id "
                    f"ORDER BY (CASE WHEN w.article_id IS NULL THEN 1.0 ELSE {1.0 + weight!r} END) * {fresh} "
                    "DESC, m.id DESC LIMIT %s OFFSET %s",
                    [*margs, *args, limit, offset],
                )
            else:
                cur.execute(
                    f"WITH {m} SELECT m.id FROM m ORDER BY {fresh} DESC, m.id DESC LIMIT %s OFFSET %s",
                    [*margs, limit, offset],
                )
            return Found(total, [r[0] for r in cur.fetchall()], capped=capped)


@lru_cache(maxsize=4)
def _backend_class(path: str, vendor: str) -> type[SearchBackend]:
    if path:
        return import_string(path)
    return PostgresBackend if vendor == "postgresql" else SqliteBackend


def search_backend() -> SearchBackend:
    """The backend in ZIMEI_SEARCH_BACKEND, or the one for the database in use."""
    return _backend_class(settings.ZIMEI_SEARCH_BACKEND, connection.vendor)()
