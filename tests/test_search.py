"""Search (zimei/search, docs/search.md): the backend contract on the database the suite runs
on (SQLite FTS5; PostgreSQL tsvector + GIN on the ZIMEI_TEST_DB=pg pass), the reader's page in
both scripts and care mode, the API endpoint, the rebuild command, and bad input."""

from __future__ import annotations

import io
import random
import threading
from datetime import timedelta

import pytest
import rjieba
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zimei.articles.models import Article
from zimei.articles.services import article_restore, article_take_down, article_withdraw
from zimei.search import text as search_text
from zimei.search.backends import PostgresBackend, SearchBackend, SqliteBackend, search_backend
from zimei.search.selectors import search_articles
from zimei.search.services import search_rebuild_batches
from zimei.search.text import _RUN, fold, parse, tokens

from .factories import creator, editor, published_article

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(days=400)


def found(q: str, **kwargs) -> list[str]:
    """Titles (Simplified) of what `q` finds, best first."""
    return [h.article.title_hans for h in search_articles(q=q, variant="zh-hans", **kwargs).hits]


@pytest.fixture
def corpus(db):
    """A handful of articles, in both scripts, all through the real publish service."""
    author = creator(channel="tech")
    other = creator(channel="money")
    arts = {
        "data": published_article(
            author, title="数据很重要", body="<p>我们谈谈数据的安全。</p>", when=LONG_AGO
        ),
        "db": published_article(author, title="数据库的选择", body="<p>关系数据库与文档数据库。</p>"),
        "todo": published_article(author, title="每周清单", body="<p>这里有三件待处理的事项。</p>"),
        "hant": published_article(
            other, title="電池技術的發展", body="<p>這條資料線支援USB-C與Python 3.12。</p>", channel="money"
        ),
        "chip": published_article(author, title="芯片产业", body="<p>国产芯片的下一步：行业链接。</p>"),
    }
    return arts


def test_backend_follows_the_database():
    expected = PostgresBackend if connection.vendor == "postgresql" else SqliteBackend
    assert isinstance(search_backend(), expected)


def test_contract_finding(corpus):
    # two characters inside a longer word (the Discourse complaint): 处理 in 待处理
    assert found("处理") == ["每周清单"]
    # the characters next to each other: 产业 … 业链 apart is not 产业链
    assert found("产业链") == [] and found("业链") == ["芯片产业"]
    # one character: prefix of a bigram, or a run's last character
    assert "芯片产业" in found("芯") and "芯片产业" in found("业")
    # Traditional query finds Simplified text and the reverse (script folding)
    assert found("資料線") == found("资料线") == ["电池技术的发展"]
    assert found("发展") == found("發展") == ["电池技术的发展"]
    # a vocabulary difference is a different word: 晶片 is not 芯片
    assert found("晶片") == []
    # Latin words (prefixes, any case, full width) and numbers
    assert found("python") == found("PYTH") == found("ｕｓｂ") == ["电池技术的发展"]
    assert found("12") == ["电池技术的发展"]
    # mixed: every term must be there
    assert found("资料 python") == ["电池技术的发展"]
    assert found("资料 芯片") == []
    # channel filter
    tech = corpus["data"].channel_id
    assert found("数据", channel_id=tech) and found("资料", channel_id=tech) == []
    # Narrowed to an author, and to a period (the 数据 article from 400 days ago drops out).
    assert set(found("数据", author_id=corpus["hant"].author_id)) == set()
    assert set(found("数据", author_id=corpus["db"].author_id)) == {"数据很重要", "数据库的选择"}
    assert found("数据", within="year") == ["数据库的选择"]
    assert set(found("数据", within="nonsense")) == {"数据很重要", "数据库的选择"}


def test_contract_ranking_and_sort(corpus, settings, monkeypatch):
    # the whole word 数据 ranks above 数据库, though that article is newer and says it twice
    assert found("数据")[0] == "数据很重要"
    assert found("数据", sort="time")[0] == "数据库的选择"
    # as many matches as the rank window: ranked without bm25, the whole word still first (on
    # SQLite the word's articles read alone, or, beyond WORDS_ALONE_MAX, with the query)
    settings.ZIMEI_SEARCH_RANK_WINDOW = 2
    for words_alone in (SqliteBackend.WORDS_ALONE_MAX, 0):
        monkeypatch.setattr(SqliteBackend, "WORDS_ALONE_MAX", words_alone)
        assert found("数据")[0] == "数据很重要"
    # more matches than the rank window: the most recent are ranked, the total stays exact
    settings.ZIMEI_SEARCH_RANK_WINDOW = 1
    results = search_articles(q="数据", variant="zh-hans")
    assert results.total == 2 and [h.article.title_hans for h in results.hits] == ["数据库的选择"]
    assert not results.capped
    # counted up to ZIMEI_SEARCH_COUNT_MAX: beyond it the total says "at least" (either order)
    settings.ZIMEI_SEARCH_COUNT_MAX = 1
    for sort, shown in (("relevance", 1), ("time", 2)):
        results = search_articles(q="数据", variant="zh-hans", sort=sort)
        assert (results.total, results.capped, len(results.hits)) == (1, True, shown)
    settings.ZIMEI_SEARCH_RANK_WINDOW = 2000  # counted in the window's pass: capped the same
    results = search_articles(q="数据", variant="zh-hans")
    assert (results.total, results.capped, len(results.hits)) == (1, True, 2)


def test_contract_window_ranks_whole_words_beside_a_latin_term(settings, monkeypatch):
    """With as many matches as the rank window (ranked without bm25), the article that holds
    the query's whole word comes first when the query has a Latin term too; on SQLite with the
    word's articles read alone and, beyond WORDS_ALONE_MAX, with the query's terms (its Latin
    prefix left out)."""
    author = creator(channel="tech")
    published_article(author, title="谈谈数据", body="<p>数据 version 2 的变化。</p>", when=LONG_AGO)
    published_article(author, title="数据库", body="<p>数据库 version 2 发布。</p>")
    settings.ZIMEI_SEARCH_RANK_WINDOW = 2
    for words_alone in (SqliteBackend.WORDS_ALONE_MAX, 0):
        monkeypatch.setattr(SqliteBackend, "WORDS_ALONE_MAX", words_alone)
        # (ver: a prefix of version, not a word of either article)
        assert found("数据 ver") == ["谈谈数据", "数据库"]


def test_contract_unsafe_queries_are_text(corpus):
    for q in ['"', '数据" OR "', "NEAR(数据 库)", "数据 AND 库", "*", "数据*", "(", "grams:数据", "-数据",
              "'; DROP TABLE x; --", "数\x00据", "\u200b数据\u202e", "数据" * 100, "ab:* & !c",
              "数\ud800据", "ᦴ゙・"]:  # fmt: skip
        search_articles(q=q, variant="zh-hans")  # never an error
    assert found('"数据"') == found("数据")
    query = parse("数据" * 100)
    assert query.cut and len(query.text) == 64


def test_contract_removed_at_once(corpus):
    art, desk = corpus["todo"], editor()
    article_withdraw(article=art, actor=art.author.user)
    assert found("处理") == []
    art = corpus["chip"]
    article_take_down(article=art, actor=desk, reason="违反社区规范")
    assert found("芯片") == []
    article_restore(article=art, actor=desk, reason="申诉成立")
    assert found("芯片") == ["芯片产业"]


def test_rebuild_command(corpus):
    backend = search_backend()
    backend.clear()
    assert found("数据") == []
    out = io.StringIO()
    call_command("search", "rebuild", stdout=out, stderr=io.StringIO())
    assert backend.count() == len(corpus)
    assert "5" in out.getvalue()
    assert found("数据")[0] == "数据很重要"
    last = max(a.id for a in corpus.values())
    backend.clear()
    call_command("search", "rebuild", "--from-id", str(last), stdout=io.StringIO(), stderr=io.StringIO())
    assert backend.count() == 1


def test_latin_starts_and_an_index_written_before_them(corpus, monkeypatch):
    """A Latin term of 2 to STARTS characters is searched as the token of that start and finds
    what its prefix finds. An index written before the starts (format 1, as migration 0004
    leaves a filled one) is searched by prefix until a rebuild from the first id, in one run or
    resumed where it stopped, has rewritten every row."""
    author = creator(channel="tech")
    published_article(author, title="金字塔", body="<p>Pyramid 第120页，有 python3 的例子。</p>")
    both, hant = {"电池技术的发展", "金字塔"}, {"电池技术的发展"}
    expected = {
        "py": both, "pyr": {"金字塔"}, "pyth": both, "pytho": both, "python3": {"金字塔"},
        "12": both, "120": {"金字塔"}, "1": both, "usb": hant, "ｐｙ 資料": hant, "120 pyr": {"金字塔"},
    }  # fmt: skip

    def finds() -> dict[str, set[str]]:
        return {q: set(found(q)) for q in expected}

    backend = search_backend()
    assert backend.index_format() == 2
    assert finds() == expected
    # The previous version's index: no starts (STARTS 1 makes none), recorded as format 1.
    monkeypatch.setattr(search_text, "STARTS", 1)
    call_command("search", "rebuild", "--clear", stdout=io.StringIO(), stderr=io.StringIO())
    monkeypatch.undo()
    with connection.cursor() as cur:
        backend.set_meta(cur, "format", "1")
    assert backend.search(search_text.indexed_as(parse("py"), 2)).total == 0  # no start tokens
    assert backend.index_format() == 1 and finds() == expected  # searched by prefix
    # A rebuild stopped after its first batch, then one resumed beyond where it stopped: the
    # index is not all rewritten, still format 1.
    ids = sorted(Article.objects.values_list("id", flat=True))
    batches = search_rebuild_batches(batch=2)
    with transaction.atomic():
        next(batches)
    batches.close()
    call_command("search", "rebuild", "--from-id", str(ids[3]), stdout=io.StringIO(), stderr=io.StringIO())
    assert backend.index_format() == 1 and finds() == expected
    # Resumed where it stopped: every row rewritten, format 2.
    call_command(
        "search", "rebuild", "--from-id", str(ids[1] + 1), stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert backend.index_format() == 2 and finds() == expected
    assert backend.search(search_text.indexed_as(parse("py"), 2)).total == 2


def test_rebuild_with_workers_makes_the_same_index(corpus):
    """--workers 2 (tokens made in two processes) finds what one process's index finds; the
    rebuild's tuning is undone after it (PostgreSQL: the GIN indexes dropped for a rebuild into
    an empty table are there again; SQLite: FTS5's hashsize, automerge and crisismerge are back
    to their defaults)."""
    backend = search_backend()
    queries = ["数据", "处理", "發展", "资料线", "python", "芯", "数据 安全"]
    before = {q: found(q) for q in queries}
    backend.clear()
    call_command("search", "rebuild", "--workers", "2", stdout=io.StringIO(), stderr=io.StringIO())
    assert backend.count() == len(corpus)
    assert {q: found(q) for q in queries} == before
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'search_document'")
            assert set(PostgresBackend.GIN) <= {r[0] for r in cur.fetchall()}
        else:
            cur.execute(
                "SELECT k, v FROM search_fts_config WHERE k IN ('hashsize', 'automerge', 'crisismerge')"
            )
            assert dict(cur.fetchall()) == {"hashsize": 1024 * 1024, "automerge": 4, "crisismerge": 16}
    with pytest.raises(CommandError, match="--workers"):
        call_command("search", "rebuild", "--workers", "0", stdout=io.StringIO(), stderr=io.StringIO())


def test_merge_command_leaves_one_segment_and_the_same_results(corpus):
    """`zimei search merge`: on SQLite an index written in many transactions (a rebuild of one
    article a batch with --no-merge: a segment each) is merged into one segment, and every
    query finds what it found before; run again, there is nothing left to merge; a rebuild
    without --no-merge ends merged. On PostgreSQL it says there is nothing to merge and
    changes nothing."""
    queries = ["数据", "处理", "發展", "资料线", "python", "芯", "数据 安全", "usb"]
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("search", "rebuild", "--clear", "--batch", "1", "--no-merge", **quiet)
    before = {q: found(q) for q in queries}
    assert before["数据"][0] == "数据很重要"
    backend = search_backend()
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            assert len(SqliteBackend.segments(cur)) >= 3
    out = io.StringIO()
    call_command("search", "merge", stdout=out, stderr=io.StringIO())
    assert {q: found(q) for q in queries} == before
    assert backend.count() == len(corpus)
    if connection.vendor == "postgresql":
        assert "Nothing to merge" in out.getvalue()
        return
    with connection.cursor() as cur:
        assert len(SqliteBackend.segments(cur)) == 1
    assert "merged into 1 of" in out.getvalue()
    again = io.StringIO()
    call_command("search", "merge", stdout=again, stderr=io.StringIO())
    assert again.getvalue().startswith("1 segment(s)") and "merged into 1 of" in again.getvalue()
    assert {q: found(q) for q in queries} == before
    # a rebuild merges what it wrote unless told not to
    call_command("search", "rebuild", "--clear", "--batch", "1", **quiet)
    with connection.cursor() as cur:
        assert len(SqliteBackend.segments(cur)) == 1
    assert {q: found(q) for q in queries} == before


def test_merge_corrects_an_analyze_of_the_empty_index(corpus):
    """An ANALYZE run while the index held nothing tells SQLite's planner that FTS5's %_data
    table has two rows, and FTS5's range deletes of merged pages then scan the whole table (at
    1,000,000 articles, 20 GB a merge step). The merge (and a rebuild) correct that count
    first, so the delete takes the id range again."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    plan = "EXPLAIN QUERY PLAN DELETE FROM search_fts_data WHERE id >= 1 AND id <= 2"
    with connection.cursor() as cur:
        cur.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
        cur.execute("ANALYZE")
        cur.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'search_fts_data'")
        assert cur.fetchone() is not None
        cur.execute(plan)
        assert "rowid>" not in str(cur.fetchall())  # a scan: the trap this guards against
    call_command("search", "merge", stdout=io.StringIO(), stderr=io.StringIO())
    with connection.cursor() as cur:
        cur.execute(plan)
        assert "rowid>" in str(cur.fetchall())


def test_sqlite_search_reads_the_articles_from_their_index(corpus, settings):
    """SQLite's search joins each match's article through article_search_rank alone (the
    columns it reads, side by side, instead of a page-sized row each): every statement that
    joins the articles, in each way a search runs (the rank window, every match sorted, the
    newest first within a channel, a count), is planned as a covering index, so a column read
    beyond the index would show here."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    settings.ZIMEI_SEARCH_RANK_WINDOW = 1
    settings.ZIMEI_SEARCH_COUNT_MAX = 0
    tech = corpus["data"].channel_id
    with CaptureQueriesContext(connection) as run:
        for kwargs in ({}, {"sort": "time"}, {"sort": "hot", "channel_id": tech}, {"channel_id": tech}):
            assert found("数据", **kwargs)
    joins = {q["sql"] for q in run.captured_queries if "INDEXED BY article_search_rank" in q["sql"]}
    assert len(joins) >= 3
    with connection.cursor() as cur:
        for sql in joins:
            cur.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " | ".join(row[-1] for row in cur.fetchall())
            assert "USING COVERING INDEX article_search_rank" in plan, plan


def test_contract_matches_across_partitions(monkeypatch, settings):
    """The PostgreSQL backend reads the matches partition by partition (ranges of article ids),
    newest first, and stops once it holds the rank window and the count. Here the partitions are
    one id wide (unless one made before covers these ids): the newest matches ranked, newest
    first across the boundaries, counted up to the cap or exactly, a filter that only the
    oldest partition satisfies, the phrase checked on few candidates, a second page. The same
    contract holds on SQLite."""
    pg = connection.vendor == "postgresql"
    if pg:
        with connection.cursor() as cur:
            before = PostgresBackend._bounds(cur)
    monkeypatch.setattr(PostgresBackend, "PARTITION_IDS", 1)
    tech, money = creator(channel="tech"), creator(channel="money")
    old = published_article(
        money, title="分区测试最早", body="<p>分区测试。</p>", channel="money", when=LONG_AGO
    )
    arts = [published_article(tech, title=f"分区测试{n}", body="<p>这是分区测试。</p>") for n in range(7)]
    # every bigram of 分区测试, never next to each other: not the phrase
    published_article(tech, title="旁证", body="<p>分区；区测；测试。</p>")
    cases = [
        dict(q="分区测试"),
        dict(q="分区测试", sort="time"),
        dict(q="分区测试", sort="hot"),
        dict(q="分区测试", channel_id=old.channel_id),
        dict(q="测", page=2, per_page=3),
        dict(q="区测"),
    ]

    def pages() -> dict:
        out = {}
        for window, cap in ((3, 4), (3, 0), (2000, 1000), (2, 1)):
            settings.ZIMEI_SEARCH_RANK_WINDOW, settings.ZIMEI_SEARCH_COUNT_MAX = window, cap
            for n, case in enumerate(cases):
                r = search_articles(variant="zh-hans", **case)
                out[window, cap, n] = (r.total, r.capped, [h.article.id for h in r.hits])
        return out

    got = pages()
    newest = sorted((a.id for a in arts), reverse=True)
    # window 3: the 3 newest ranked; counted up to the cap ("4+"), or exactly
    assert got[3, 4, 0][:2] == (4, True) and set(got[3, 4, 0][2]) == set(newest[:3])
    assert got[3, 0, 0][:2] == (8, False) and set(got[3, 0, 0][2]) == set(newest[:3])
    assert got[2, 1, 0][:2] == (1, True) and set(got[2, 1, 0][2]) == set(newest[:2])
    assert got[3, 0, 1] == (8, False, [*newest, old.id])  # newest first, every range
    assert got[3, 4, 3] == got[2000, 1000, 3] == (1, False, [old.id])  # only the oldest range
    assert got[2000, 1000, 0][:2] == (8, False)  # the phrase: not the 旁证 ...
    assert got[2000, 1000, 5][0] == 9  # ... which 区测 alone finds
    assert got[2000, 1000, 4][0] == 9 and len(got[2000, 1000, 4][2]) == 3  # a second page
    assert got[3, 0, 4] == (9, False, [])  # beyond the rank window: no second page
    ids = [old.id, *newest]
    if pg and not any(lo <= i < hi for i in ids for lo, hi in before):
        with connection.cursor() as cur:  # each in a partition of its own
            cur.execute(
                "SELECT count(DISTINCT tableoid) FROM search_document WHERE article_id = ANY(%s)", [ids]
            )
            assert cur.fetchone()[0] == len(ids)


def test_contract_walk_settles_at_the_span(monkeypatch, settings):
    """Past ZIMEI_SEARCH_SPAN_IDS ids from the newest, a walk that holds ZIMEI_SEARCH_SPAN_MIN
    matches and the page stops there: the page comes from those (ranked, or in order), and the
    count says "n+". A page beyond them, a span holding fewer, or no span walks every match as
    before. A phrase's bigrams standing apart (旁证) are not a match, whatever the backend
    checks first (PostgreSQL: the bigrams AND-ed, then the phrase on the candidates). Here
    the newest 5 ids are the span: 4 matches and 旁证, behind them 10 other articles and 3
    older matches."""
    monkeypatch.setattr(PostgresBackend, "PARTITION_IDS", 1)
    tech = creator(channel="tech")
    now = timezone.now()

    def article(n: int, title: str, body: str):
        return published_article(tech, title=title, body=f"<p>{body}</p>", when=now - timedelta(days=30 - n))

    old = [article(n, f"跨度测试旧{n}", "跨度测试。") for n in range(3)]
    for n in range(10):
        article(3 + n, f"别的文章{n}", "别的内容。")
    new = [article(13 + n, f"跨度测试新{n}", "跨度测试。") for n in range(2)]
    apart = article(15, "旁证", "跨度；度测；测试。")
    new += [article(16 + n, f"跨度测试新{n + 2}", "跨度测试。") for n in range(2)]
    assert max(a.id for a in new) > apart.id > max(a.id for a in old)
    newest = sorted((a.id for a in new), reverse=True)
    every = newest + sorted((a.id for a in old), reverse=True)
    settings.ZIMEI_SEARCH_SPAN_IDS, settings.ZIMEI_SEARCH_SPAN_MIN = 5, 2

    def page(**kwargs) -> tuple[int, bool, list[int]]:
        r = search_articles(q="跨度测试", variant="zh-hans", **kwargs)
        return r.total, r.capped, [h.article.id for h in r.hits]

    total, capped, ids = page(per_page=2)
    assert (total, capped) == (4, True) and set(ids) <= set(newest) and len(ids) == 2
    assert page(per_page=2, sort="time") == (4, True, newest[:2])
    assert page(per_page=2, sort="hot")[:2] == (4, True)
    # relevance ranks the span's matches for every page (a page beyond them is empty); in an
    # order, a page beyond them sorts every match
    assert page(per_page=2, page=2)[:2] == (4, True) and set(ids) | set(page(per_page=2, page=2)[2]) == set(
        newest
    )
    assert page(per_page=2, page=3) == (4, True, [])
    assert page(per_page=2, page=3, sort="time") == (7, False, every[4:6])
    # fewer in the span than SPAN_MIN (on PostgreSQL: once 旁证 is left out), or no span
    settings.ZIMEI_SEARCH_SPAN_MIN = 5
    assert page(per_page=2, sort="time") == (7, False, newest[:2])
    # (every match, on a site wider than the span: ranked as a window, not by bm25 on SQLite)
    assert page(per_page=7)[:2] == (7, False) and set(page(per_page=7)[2]) == set(every)
    settings.ZIMEI_SEARCH_SPAN_MIN, settings.ZIMEI_SEARCH_SPAN_IDS = 2, 0
    assert page(per_page=2, sort="time") == (7, False, newest[:2])
    # the count exact when counts are to be exact
    settings.ZIMEI_SEARCH_SPAN_IDS, settings.ZIMEI_SEARCH_COUNT_MAX = 5, 0
    assert page(per_page=2, sort="time") == (7, False, newest[:2])
    assert page(per_page=2)[:2] == (7, False)


def test_contract_finds_the_end_of_a_very_long_article():
    """What stands past the 16,383rd token of an article is found like the rest: a bigram, a
    character, a phrase. (PostgreSQL keeps at most 16,383 positions in a tsvector: the grams of
    such an article say so, and a phrase found there by its bigrams alone is checked against
    the article's text. Found missing in Lu Xun's longer works by bench/search.py --text
    modern.)"""
    author = creator(channel="tech")
    # ~17,000 characters in sentences of common characters drawn at random (a sentence repeated
    # that often is held by the spam check)
    rng, pool = (
        random.Random(7),
        "的一是在不了有和人这中大为上个国我以要他时来用们生到作地出就分对成会可主发年动同工能下过子说产种面而方后多定行学法所民得经",
    )
    paras = [
        "<p>"
        + "，".join("".join(rng.choices(pool, k=rng.randint(8, 20))) for _ in range(rng.randint(5, 12)))
        + "。</p>"
        for _ in range(150)
    ]
    first = paras[0][3:15]
    long = published_article(
        author, title="很长的文章", body="".join(paras) + "<p>末尾才有独特短语甲乙丙丁。还有丙戊。</p>"
    )
    published_article(author, title="短文", body="<p>甲乙；乙丙；丙丁；独特。</p>")
    assert long.status == "published" and len(tokens(long.body_html).grams) > 16_383
    assert set(found("独特")) == set(found("丁")) == {"短文", "很长的文章"}
    assert found("乙丙丁") == found("甲乙丙丁") == ["很长的文章"]  # the phrase: not 短文's bigrams apart
    assert found(first) == ["很长的文章"]
    assert found("乙丙戊") == []  # its bigrams, not the phrase


def test_contract_sorts_when_ids_do_not_follow_the_order(monkeypatch, settings):
    """Newest and hottest first with more matches than the walk keeps (the rank window, or
    one more than the count cap), where the oldest ids are the newest and the hottest articles
    (an article published long after it was written; a story hot again): on both backends the
    walk holds the newest ids only, and the page must still be the order over every match,
    page after page, narrowed to a channel or not, counted as before, and the same when every
    match is sorted (OLDER_MAX 0). On SQLite the older ids are checked against the query both
    ways: by walking their range (RANGE_PER_ID set) and one by one (RANGE_PER_ID 0)."""
    monkeypatch.setattr(PostgresBackend, "PARTITION_IDS", 1)
    tech, money = creator(channel="tech"), creator(channel="money")
    now = timezone.now()
    # older, newer and hotter than every match, but not one: found by the key, not by the index
    other = published_article(tech, title="别的文章", body="<p>别的。</p>", when=now + timedelta(hours=1))
    late = published_article(tech, title="排序最新", body="<p>排序。</p>", when=now)
    hot = published_article(
        money, title="排序最热", body="<p>排序。</p>", channel="money", when=now - timedelta(days=9)
    )
    rest = [
        published_article(
            tech if n % 2 else money,
            title=f"排序{n}",
            body="<p>排序。</p>",
            channel="tech" if n % 2 else "money",
            when=now - timedelta(days=n, hours=n),
        )
        for n in range(1, 7)
    ]
    type(late).objects.filter(id=hot.id).update(hot_log=1e6)
    type(late).objects.filter(id=other.id).update(hot_log=2e6)
    arts = type(late).objects.filter(id__in=[late.id, hot.id, *(a.id for a in rest)])
    every = {
        "time": [a.id for a in arts.order_by("-published_at", "-id")],
        "hot": [a.id for a in arts.order_by("-hot_log", "-id")],
    }
    assert every["time"][0] == late.id and every["hot"][0] == hot.id
    assert max(a.id for a in rest) > hot.id > late.id
    # The walk keeps 5 (counted exactly: every match), 4 (counted up to 3: "3+") or 2 (fewer
    # than a channel's 4 matches); pages end within the walk or beyond it (every match sorted).
    cases = ((5, 0, (1, 2, 3, 4), (8, False)), (3, 3, (1, 2), (3, True)), (2, 1, (1,), (1, True)))
    older_max_set, range_set = SearchBackend.OLDER_MAX, SqliteBackend.RANGE_PER_ID
    for window, cap, pages, total in cases:
        settings.ZIMEI_SEARCH_RANK_WINDOW, settings.ZIMEI_SEARCH_COUNT_MAX = window, cap
        for older_max, range_per_id in ((older_max_set, range_set), (older_max_set, 0), (0, range_set)):
            monkeypatch.setattr(SearchBackend, "OLDER_MAX", older_max)
            monkeypatch.setattr(SqliteBackend, "RANGE_PER_ID", range_per_id)
            for sort, order in every.items():
                for page in pages:
                    r = search_articles(q="排序", variant="zh-hans", sort=sort, page=page, per_page=2)
                    assert (r.total, r.capped) == total
                    assert [h.article.id for h in r.hits] == order[(page - 1) * 2 : page * 2], (sort, page)
                for channel in (tech.channel_id, money.channel_id):
                    r = search_articles(
                        q="排序", variant="zh-hans", sort=sort, per_page=2, channel_id=channel
                    )
                    assert [h.article.id for h in r.hits] == [
                        i for i in order if arts.get(id=i).channel_id == channel
                    ][:2], (sort, channel)


def test_pg_partitions_made_on_demand(monkeypatch):
    """Rows beyond the partitions go into new ones, PARTITION_IDS ids wide or the gap left
    between those that exist, each with the GIN indexes; they are found and removed through the
    partitioned table. A search reads the partitions' bounds again only when they have
    changed: one before the writes still finds what the new partitions hold after them."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    backend = PostgresBackend()
    base = 10**12
    before = backend.search(parse("分区测试")).total  # the partitions now, as this process keeps them
    monkeypatch.setattr(PostgresBackend, "PARTITION_IDS", 100)
    backend.write([(base + k, backend.prepare(tokens("分区测试"))) for k in (5, 150, 99)])
    assert backend.search(parse("分区测试")).total == before + 3
    monkeypatch.setattr(PostgresBackend, "PARTITION_IDS", 1000)
    backend.write([(base + 250, backend.prepare(tokens("分区")))])
    with connection.cursor() as cur:
        assert {(base, base + 100), (base + 100, base + 200), (base + 200, base + 1000)} <= set(
            PostgresBackend._bounds(cur)
        )
        cur.execute(
            "SELECT article_id, tableoid::regclass::text FROM search_document "
            "WHERE article_id >= %s ORDER BY 1",
            [base],
        )
        assert cur.fetchall() == [
            (base + 5, f"search_document_p{base}"),
            (base + 99, f"search_document_p{base}"),
            (base + 150, f"search_document_p{base + 100}"),
            (base + 250, f"search_document_p{base + 200}"),
        ]
        cur.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = %s", [f"search_document_p{base + 200}"]
        )
        assert cur.fetchone()[0] == 3  # the unique index on article_id and the two GIN indexes
        cur.execute("SELECT relkind FROM pg_class WHERE relname = 'search_document'")
        assert cur.fetchone()[0] == "p"
    backend.remove([base + 5, base + 99, base + 150, base + 250])
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM search_document WHERE article_id >= %s", [base])
        assert cur.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_pg_write_opens_its_own_partition_only(monkeypatch):
    """A write into partitions that exist reads its own partition's bounds from the catalog,
    not every partition's, and opens (locks) only that partition; the partitions this process
    remembers may change under it (one rolled back, one made again narrower by someone else):
    each row still lands in the partition that covers it. The partitions made here are dropped
    at the end (they were committed)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    backend = PostgresBackend()
    base = 3 * 10**12
    monkeypatch.setattr(PostgresBackend, "PARTITION_IDS", 100)
    monkeypatch.setattr(PostgresBackend, "_known", [], raising=False)  # (none before this test)
    doc = backend.prepare(tokens("分区测试"))

    def opened(cur) -> set[str]:  # the partitions this transaction holds a lock on
        cur.execute(
            "SELECT l.relation::regclass::text FROM pg_locks l JOIN pg_inherits i ON i.inhrelid = l.relation "
            "WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' "
            "AND i.inhparent = 'search_document'::regclass"
        )
        return {r[0] for r in cur.fetchall()}

    def homes(cur) -> list[tuple[int, str]]:
        cur.execute(
            "SELECT article_id - %s, tableoid::regclass::text FROM search_document "
            "WHERE article_id >= %s ORDER BY 1",
            [base, base],
        )
        return cur.fetchall()

    read: list[int] = []

    def rows_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("SELECT"):
            read.append(context["cursor"].rowcount)
        return result

    try:
        backend.write([(base + k, doc) for k in (0, 100, 200, 300)])  # four partitions, committed
        with transaction.atomic(), connection.cursor() as cur:
            with connection.execute_wrapper(rows_read):
                backend.write([(base + 150, doc)])
            assert sum(read) == 1  # its own partition's bounds
            assert opened(cur) == {f"search_document_p{base + 100}"}
        with pytest.raises(RuntimeError), transaction.atomic():  # a partition made, then undone
            backend.write([(base + 450, doc)])
            raise RuntimeError
        with connection.cursor() as cur:  # made again narrower, behind this process's back
            cur.execute(f"DROP TABLE search_document_p{base + 200}")
            cur.execute(
                f"CREATE TABLE search_document_p{base + 200} PARTITION OF search_document "
                f"FOR VALUES FROM ({base + 200}) TO ({base + 250})"
            )
        backend.write([(base + 450, doc), (base + 270, doc), (base + 210, doc)])
        with connection.cursor() as cur:
            assert homes(cur) == [
                (0, f"search_document_p{base}"),
                (100, f"search_document_p{base + 100}"),
                (150, f"search_document_p{base + 100}"),
                (210, f"search_document_p{base + 200}"),
                (270, f"search_document_p{base + 250}"),
                (300, f"search_document_p{base + 300}"),
                (450, f"search_document_p{base + 400}"),
            ]
        backend.remove([base + 150, base + 270])
        with connection.cursor() as cur:
            assert [k for k, _ in homes(cur)] == [0, 100, 210, 300, 450]
    finally:
        with connection.cursor() as cur:
            for lo, _, name in PostgresBackend._partitions(cur):
                if lo >= base:
                    cur.execute(f"DROP TABLE {name}")


@pytest.mark.django_db(transaction=True)
def test_pg_search_not_blocked_by_a_publish_making_a_partition(monkeypatch):
    """A publish whose article needs a new partition makes and attaches it inside its own
    transaction; until that commits, readers' searches run as before (they find what is
    committed) instead of waiting for the publish. The reader gives up on any lock after 3 s."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    monkeypatch.setattr(PostgresBackend, "PARTITION_IDS", 1)  # every article a partition of its own
    author = creator(channel="tech")
    first = published_article(author, title="锁等待测试甲", body="<p>读者不等发布。</p>")
    with connection.cursor() as cur:  # the next ids beyond every partition (earlier tests' too)
        top = max((hi for _, hi in PostgresBackend._bounds(cur)), default=0)
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('articles_article', 'id'), %s)", [max(top, first.id + 1)]
        )
    held, release, seen = threading.Event(), threading.Event(), {}

    def publish_and_hold() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cur:
                    before = PostgresBackend._bounds(cur)
                seen["second"] = published_article(author, title="锁等待测试乙", body="<p>发布未提交。</p>")
                with connection.cursor() as cur:
                    seen["made"] = set(PostgresBackend._bounds(cur)) - set(before)
                held.set()
                release.wait(30)
        finally:
            held.set()
            connection.close()

    writer = threading.Thread(target=publish_and_hold)
    writer.start()
    try:
        assert held.wait(30)
        second = seen["second"]
        assert any(lo <= second.id < hi for lo, hi in seen["made"])  # its partition, uncommitted
        with connection.cursor() as cur:
            cur.execute("SET lock_timeout = '3s'")
        result = search_articles(q="锁等待测试", variant="zh-hans")
        assert [h.article.title_hans for h in result.hits] == ["锁等待测试甲"]
    finally:
        with connection.cursor() as cur:
            cur.execute("RESET lock_timeout")
        release.set()
        writer.join(30)
    assert sorted(found("锁等待测试")) == ["锁等待测试乙", "锁等待测试甲"]
    assert first.id < second.id


def test_words_are_rjiebas_of_each_run():
    """The rebuild cuts a text's Han runs in one rjieba call: the words are those of each run
    cut alone, in order, Latin words and numbers between them."""
    text = "待处理的数据。中华人民共和国成立了，日本語のテキスト한국어abc数据库3.12發展中国家"
    expected = []
    for han, other in _RUN.findall(fold(text)):
        expected += [w for w in rjieba.cut(han) if len(w) > 1] if han else [other]
    assert tokens(text).words == expected
    assert "数据库" in expected and "abc" in expected


def test_reader_page(corpus, client: Client):
    page = client.get("/zh-hant/search/", {"q": "技术"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "電池<mark>技術</mark>的發展" in html  # the stored Traditional title, highlighted
    assert "找到 1 篇文章" in html
    html = client.get("/zh-hans/care/search/", {"q": "發展"}).content.decode()
    assert "电池技术的<mark>发展</mark>" in html and 'class="care"' in html
    assert 'href="/zh-hans/search/?q=%E7%99%BC%E5%B1%95"' in html  # leaving care mode keeps the query
    assert 'href="/zh-hans/care/a/' in html
    html = client.get("/zh-hans/search/", {"q": "量子计算"}).content.decode()
    assert "没有找到" in html and "量子计算" in html
    for variant in ("zh-hans", "zh-hant", "zh-hk"):  # the hint's two words, unconverted in each
        html = client.get(f"/{variant}/search/", {"q": "量子计算"}).content.decode()
        assert "“晶片”" in html and "“芯片”" in html, variant
    assert client.get("/zh-hans/search/", {"q": ""}).status_code == 200
    html = client.get("/zh-hant/search/", {"q": "发展" * 40}).content.decode()
    assert "只按前64個字搜尋" in html or "只按前64个字" in html
    assert "沒有可以搜尋的文字" in client.get("/zh-hant/search/", {"q": '"*"'}).content.decode()
    assert client.get("/zh-hans/search/", {"q": "数\x00据\u202e"}).status_code == 200
    html = client.get("/zh-hans/search/", {"q": "数据", "sort": "time", "channel": "nope", "page": "x"})
    assert html.status_code == 200
    assert 'rel="search"' in client.get("/zh-hans/").content.decode()
    xml = client.get("/opensearch.xml")
    assert xml.status_code == 200 and b"/search/?q={searchTerms}" in xml.content
    # the document's URL has no script: the language redirect sends it to the reader's
    to = client.get("/search/?q=%E6%95%B0%E6%8D%AE", HTTP_ACCEPT_LANGUAGE="zh-TW")
    assert to.status_code == 302 and to["Location"] == "/zh-hant/search/?q=%E6%95%B0%E6%8D%AE"
    # An author's page searches their articles; the period and the author are kept by the page.
    who = corpus["db"].author_id
    assert f'name="author" value="{who}"' in client.get(f"/zh-hans/u/{who}/").content.decode()
    html = client.get("/zh-hans/search/", {"q": "数据", "author": who, "within": "year"}).content.decode()
    assert "找到 1 篇文章" in html and "只看" in html and 'value="year" selected' in html
    assert client.get("/zh-hans/search/", {"q": "数据", "author": "x'", "within": "<b>"}).status_code == 200
    # Written in Hong Kong: found from Simplified, shown in Hong Kong's wording on /zh-hk/.
    hk = published_article(creator(channel="tech"), title="司機的軟件", body="<p>這段視頻在網絡上流傳。</p>")
    assert hk.script == "zh-hk"
    html = client.get("/zh-hk/search/", {"q": "软件"}).content.decode()
    assert "司機的<mark>軟件</mark>" in html and 'lang="zh-Hant-HK"' in html
    assert "<mark>視頻</mark>" in client.get("/zh-hk/search/", {"q": "视频"}).content.decode()


def test_reader_pages_of_results(client: Client, monkeypatch):
    from zimei.search import selectors

    author = creator()
    for n in range(3):
        published_article(author, title=f"分页测试第{n}篇", body="<p>分页正文。</p>")
    monkeypatch.setattr(selectors, "PER_PAGE", 2)
    html = client.get("/zh-hans/search/", {"q": "分页", "sort": "time"}).content.decode()
    assert html.count('class="item"') == 2 and "第 1 / 2 页" in html
    assert 'href="?q=%E5%88%86%E9%A1%B5&amp;sort=time&amp;page=2"' in html
    html = client.get("/zh-hans/search/", {"q": "分页", "sort": "time", "page": "2"}).content.decode()
    assert html.count('class="item"') == 1 and "<mark>分页</mark>测试第0篇" in html and 'rel="prev"' in html
    assert selectors.page_number("999999") == selectors.MAX_PAGES


def test_api_search(corpus, client: Client, settings):
    body = client.get("/api/v1/search", {"q": "資料線"}).json()
    assert body["total"] == 1 and body["items"][0]["title"] == "电池技术的发展"
    assert body["total_capped"] is False
    # in the author's script, and in the other (資料線 is 数据线 in Simplified: the same place)
    hant = client.get("/api/v1/search", {"q": "资料线", "variant": "zh-hant"}).json()["items"][0]
    assert "<mark>資料線</mark>" in hant["snippet"] and "<mark>" not in hant["highlight"]
    assert "<mark>数据线</mark>" in body["items"][0]["snippet"]
    assert client.get("/api/v1/search", {"q": 'NEAR("x'}).status_code == 200
    assert client.get("/api/v1/search", {"q": ""}).json()["total"] == 0
    who = corpus["db"].author_id
    assert client.get("/api/v1/search", {"q": "数据", "author": who}).json()["total"] == 2
    assert client.get("/api/v1/search", {"q": "数据", "author": who, "within": "year"}).json()["total"] == 1
    assert client.get("/api/v1/search", {"q": "数据", "within": "decade"}).status_code == 422
    settings.ZIMEI_SEARCH_COUNT_MAX = 1  # two match 数据: counting stopped at one, both say so
    assert client.get("/api/v1/search", {"q": "数据"}).json()["total_capped"] is True
    assert "找到 1+ 篇文章" in client.get("/zh-hans/search/", {"q": "数据"}).content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_header_search_box_in_chromium(live_server, page):
    """The header's search box on an article page submits to the search page of the page's
    script and mode, which shows the results highlighted."""
    from playwright.sync_api import expect

    art = published_article(creator(), title="電池技術的發展", body="<p>這條資料線支援USB-C。</p>")
    page.goto(f"{live_server.url}/zh-hant/care/a/{art.id}/")
    box = page.get_by_role("search").first.get_by_role("searchbox")
    box.fill("技术 USB")
    box.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/zh-hant/care/search/?q=%E6%8A%80%E6%9C%AF+USB")
    expect(page.locator(".hits mark").first).to_have_text("技術")
    expect(page.locator(".hits .snippet mark")).to_have_text("USB")
    expect(page.get_by_role("search").first.get_by_role("searchbox")).to_have_value("技术 USB")
