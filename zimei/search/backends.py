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

import math
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.utils.module_loading import import_string

from .text import Query, Tokens

SQLITE_TABLE = "search_fts"
SQLITE_SOURCE = "search_fts_source"
PG_TABLE = "search_document"


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


class SearchBackend:
    """What every backend does. `sort` is "relevance", "time" (newest first) or "hot"."""

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
    unicode61 over the tokens of text.py, columns (words, grams). What each row was indexed with
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
                for key, value in self.BULK_CONFIG.items():
                    cur.execute(f"INSERT INTO {t} ({t}, rank) VALUES (%s, %s)", [key, value])
        try:
            yield
        finally:
            with connection.cursor() as cur, transaction.atomic():
                for key in self.BULK_CONFIG:
                    value = before.get(key, self.FTS5_DEFAULTS[key])
                    cur.execute(f"INSERT INTO {t} ({t}, rank) VALUES (%s, %s)", [key, value])

    @staticmethod
    def every(query: Query) -> str:
        """What must match: every term in the grams column (a phrase of its bigrams, or a
        prefix), AND-ed."""
        parts = []
        for term in query.terms:
            phrase = '"' + " ".join(term.grams) + '"'
            parts.append(f"grams : {phrase}*" if term.prefix else f"grams : {phrase}")
        return "(" + " AND ".join(parts) + ")"

    @classmethod
    def match(cls, query: Query) -> str:
        """The FTS5 expression that ranks: `every`, then the same OR the query's words. (E AND
        (E OR W) matches exactly what E matches; bm25 also scores W where a row has it. FTS5
        evaluates E twice in it: a count uses E alone.)"""
        every = cls.every(query)
        if not query.words:
            return every
        words = " OR ".join(f'"{w}"' for w in query.words)
        return f"{every} AND ({every} OR words : ({words}))"

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
        t = SQLITE_TABLE
        match = self.every(query) if sort in ORDERS else self.match(query)  # bm25 only ranks
        where = f"{t} MATCH %s AND a.status = 'published'"
        narrowed, extra = filters.sql()
        where += narrowed
        params: list = [match, *extra]
        # CROSS JOIN: SQLite keeps the FTS table the outer loop (else it may walk the articles and
        # test MATCH row by row).
        joined = f"FROM {t} CROSS JOIN articles_article a ON a.id = {t}.rowid WHERE {where}"
        weight = float(settings.ZIMEI_SEARCH_WORD_WEIGHT)
        window = int(settings.ZIMEI_SEARCH_RANK_WINDOW)
        # Each pass over the matches costs the whole position lists of the query's bigrams (a
        # phrase of common bigrams: every article's). So the page and the count come from one
        # pass where they can (count(*) OVER (): the rows before LIMIT), and a count beyond
        # the rank window stops at ZIMEI_SEARCH_COUNT_MAX (docs/search.md, "Measured").
        with connection.cursor() as cur:
            if sort in ORDERS:  # every match is sorted anyway: the count comes with the page
                cur.execute(
                    f"SELECT a.id, count(*) OVER () {joined} ORDER BY {ORDERS[sort]} LIMIT %s OFFSET %s",
                    [*params, limit, offset],
                )
                rows = cur.fetchall()
                if rows:  # capped as by relevance: the same total whichever the order
                    return self._capped(rows[0][1], [r[0] for r in rows])
                return self._counted(cur, query, filters, [])
            # Relevance. First the most recent `window` matches alone (FTS5 walks the ids
            # backwards and stops there: cheap however common the terms).
            cur.execute(
                f"SELECT a.id, julianday('now') - julianday(a.published_at), a.hot_log "
                f"FROM {t} CROSS JOIN articles_article a ON a.id = {t}.rowid "
                f"WHERE {t} MATCH %s AND a.status = 'published'{narrowed} "
                f"ORDER BY {t}.rowid DESC LIMIT {window}",
                [self.every(query), *extra],
            )
            recent = cur.fetchall()
            if len(recent) < window:
                # Every match is there: ranked by bm25 (its IDF reads every match of each phrase
                # of the expression once more: a few, here).
                if not recent:
                    return Found(0, [])
                age = "(julianday('now') - julianday(m.published_at))"
                cur.execute(
                    f"SELECT m.id FROM (SELECT a.id AS id, a.published_at AS published_at, "
                    f"a.hot_log AS hot_log, bm25({t}, {weight!r}, 1.0) AS r {joined}) m "
                    f"ORDER BY -m.r * {_fresh(age)} * {_hot(cur, 'm.hot_log')} DESC, m.id DESC "
                    "LIMIT %s OFFSET %s",
                    [*params, limit, offset],
                )
                return self._capped(len(recent), [r[0] for r in cur.fetchall()])
            # More matches than the window: bm25 would read every match of every phrase for its
            # IDF (at 30k generated articles 30 ms against 0.7 ms for the window itself), so the
            # window is ranked as on PostgreSQL: 1 + W for the query's whole words, × freshness
            # × hot.
            hits: set[int] = set()
            if query.words:
                words = " OR ".join(f'"{w}"' for w in query.words)
                cur.execute(
                    f"SELECT rowid FROM {t} WHERE {t} MATCH %s AND rowid >= %s",
                    [f"words : ({words})", recent[-1][0]],
                )
                hits = {r[0] for r in cur.fetchall()}
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
            if 0 < cap <= window:
                return Found(cap, ids, capped=True)
            return self._counted(cur, query, filters, ids)

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
                f"SELECT count(*) FROM (SELECT 1 FROM {t} CROSS JOIN articles_article a ON a.id = {t}.rowid "
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


# Positions as text, 1 to 16383 (zip with them stops where PostgreSQL does).
_POSITIONS = [str(i) for i in range(1, 16384)]


def _tsvector(tokens: list[str]) -> str:
    """A tsvector literal with positions, built here (no text search parser: its idea of a word
    depends on the database's locale). PostgreSQL keeps positions up to 16383 and 256 per
    lexeme: a phrase beyond them in a very long article is not found (docs/search.md)."""
    positions: defaultdict[str, list[str]] = defaultdict(list)
    for pos, token in zip(_POSITIONS, tokens, strict=False):
        positions[token].append(pos)
    return " ".join(f"'{t}':{','.join(p[:256])}" for t, p in positions.items())


def _tsquery(query: Query, *, phrase: bool) -> str:
    """The terms AND-ed; a term of several bigrams as a phrase (`<->`: next to each other, exact)
    or its bigrams AND-ed (they may stand apart in an article). PostgreSQL checks a phrase
    against each candidate's tsvector, read back from TOAST: with common bigrams every article
    is a candidate (p95 0.6-0.8 s at 10k articles), so the backend uses the phrase only when
    the AND-ed form finds at most ZIMEI_SEARCH_PG_PHRASE_MAX articles."""
    parts = []
    for term in query.terms:
        if term.prefix:
            parts.append(f"'{term.text}':*")
        else:
            parts.append("(" + (" <-> " if phrase else " & ").join(f"'{g}'" for g in term.grams) + ")")
    return " & ".join(parts)


class PostgresBackend(SearchBackend):
    """A table of tsvectors (migrations/0001_search_index.py), each with a GIN index: `grams`
    (what is matched), `words` (rank only)."""

    def prepare(self, tokens: Tokens) -> tuple[str, str]:
        return _tsvector(tokens.grams), _tsvector(tokens.words)

    def write(self, rows: list[tuple[int, tuple]]) -> None:
        if not rows:
            return
        with connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {PG_TABLE} (article_id, grams, words) VALUES (%s, %s::tsvector, %s::tsvector) "
                "ON CONFLICT (article_id) DO UPDATE SET grams = EXCLUDED.grams, words = EXCLUDED.words",
                [(i, g, w) for i, (g, w) in rows],
            )

    def remove(self, ids: Iterable[int]) -> None:
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {PG_TABLE} WHERE article_id = ANY(%s)", [list(ids)])

    # The GIN indexes (as migrations/0001_search_index.py makes them). A rebuild into an empty
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

    def count(self) -> int:
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {PG_TABLE}")
            return cur.fetchone()[0]

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
        grams = _tsquery(query, phrase=False)
        phrased = any(not t.prefix and len(t.grams) > 1 for t in query.terms)
        # The matches first, from the GIN index alone (materialised: whatever the planner thinks
        # of the articles table, it never tests the tsvectors article by article), then the
        # article rows for status, channel and time.
        found = f"f AS MATERIALIZED (SELECT article_id FROM {PG_TABLE} WHERE grams @@ %s::tsquery)"
        joined = "FROM f JOIN articles_article a ON a.id = f.article_id WHERE a.status = 'published'"
        narrowed, extra = filters.sql()
        joined += narrowed
        params: list = [grams, *extra]
        with transaction.atomic(using=connection.alias), connection.cursor() as cur:
            # The planner does not count reading tsvectors back from TOAST (a few KB each): it
            # takes a sequential scan over every row for cheaper than the GIN index (measured:
            # 300-700 ms against 10 ms at 10k articles).
            cur.execute("SET LOCAL enable_seqscan = off")
            # The ranking query's estimate (every match) passes jit_above_cost: compiling it took
            # ~18 ms of ~190 at 100k articles, for a query that runs once (docs/search.md).
            cur.execute("SET LOCAL jit = off")

            cap = int(settings.ZIMEI_SEARCH_COUNT_MAX)
            most = f" LIMIT {cap + 1}" if cap > 0 else ""

            def count() -> int:  # up to cap + 1
                if not filters.any:  # the index holds published articles only: no join
                    cur.execute(
                        f"SELECT count(*) FROM (SELECT 1 FROM {PG_TABLE} WHERE grams @@ %s::tsquery{most}) c",
                        params[:1],
                    )
                else:
                    cur.execute(f"WITH {found} SELECT count(*) FROM (SELECT 1 {joined}{most}) c", params)
                return cur.fetchone()[0]

            total = count()
            if phrased and 0 < total <= settings.ZIMEI_SEARCH_PG_PHRASE_MAX:
                params[0] = _tsquery(query, phrase=True)  # few candidates: exact, still cheap
                total = count()
            capped = cap > 0 and total > cap
            total = min(total, cap) if capped else total
            if not total or offset >= total:
                return Found(total, [], capped=capped)
            if sort in ORDERS:
                cur.execute(
                    f"WITH {found} SELECT a.id {joined} ORDER BY {ORDERS[sort]} LIMIT %s OFFSET %s",
                    [*params, limit, offset],
                )
                return Found(total, [r[0] for r in cur.fetchall()], capped=capped)
            # Relevance from the indexes alone (ts_rank would read every candidate's tsvector):
            # an article holding the query's whole words (rjieba) ranks W times higher.
            weight = float(settings.ZIMEI_SEARCH_WORD_WEIGHT)
            window = int(settings.ZIMEI_SEARCH_RANK_WINDOW)
            age = "(EXTRACT(EPOCH FROM (now() - m.published_at)) / 86400.0)"
            fresh = _fresh(age).replace("MAX(", "GREATEST(")
            fresh += " * " + _hot(cur, "m.hot_log").replace("MAX(", "GREATEST(")
            words = " | ".join(f"'{w}'" for w in query.words)
            # Unfiltered, the newest `window` matches come straight from the GIN bitmap (a top-N
            # sort; the index holds published articles only), not all of them joined and sorted:
            # 100 ms → 40 ms for a query matching 100,000 articles. `+ 0`: not the primary key's
            # order, which the planner would walk reading every row's tsvector from TOAST.
            if not filters.any:
                found = (
                    f"f AS MATERIALIZED (SELECT article_id FROM {PG_TABLE} WHERE grams @@ %s::tsquery "
                    f"ORDER BY article_id + 0 DESC LIMIT {window})"
                )
            m = f"{found}, m AS MATERIALIZED (SELECT a.id, a.published_at, a.hot_log {joined}"
            m += f" ORDER BY a.id DESC LIMIT {window})"
            if words:  # the holders of the words from the window's oldest id on only
                w = (
                    f"w AS MATERIALIZED (SELECT article_id FROM {PG_TABLE} WHERE words @@ %s::tsquery "
                    "AND article_id + 0 >= (SELECT min(id) FROM m))"
                )
                cur.execute(
                    f"WITH {m}, {w} SELECT m.id FROM m LEFT JOIN w ON w.article_id = m.id "
                    f"ORDER BY (CASE WHEN w.article_id IS NULL THEN 1.0 ELSE {1.0 + weight!r} END) * {fresh} "
                    "DESC, m.id DESC LIMIT %s OFFSET %s",
                    [*params, words, limit, offset],
                )
            else:
                cur.execute(
                    f"WITH {m} SELECT m.id FROM m ORDER BY {fresh} DESC, m.id DESC LIMIT %s OFFSET %s",
                    [*params, limit, offset],
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
