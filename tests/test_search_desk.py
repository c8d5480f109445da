"""Search beyond the reader's page (docs/search.md): the hot score in the ranking and the
"hot" sort on both backends; a creator searching their own articles in the studio (any status,
either script); editors searching articles, creators, reports and the audit log in the desk;
bad input in each. One Chromium check: a creator finds a draft by its Traditional spelling."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client

from zimei.articles.models import Article
from zimei.articles.services import (
    ArticleInput,
    article_approve,
    article_create,
    article_publish,
    article_save,
    article_take_down,
    article_withdraw,
)
from zimei.moderation.services import report_create
from zimei.search.selectors import search_articles

from .factories import UserFactory, creator, editor, published_article
from .live import once

pytestmark = pytest.mark.django_db

# Whatever a box may be sent: nothing, too long, controls and format characters, FTS and SQL
# syntax, an id too large for any column; and bytes that are not UTF-8 (a lone surrogate's).
BAD = ["", "   ", "发展" * 200, "数\x00据\u202e", '"*"', "NEAR(a b)", "a OR b -c", "'; --", "%_%",
       "#99999999999999999999999", "²", "#"]  # fmt: skip
NOT_UTF8 = "q=%ED%A0%80%FF%E6%95%B0"


def titles(q: str, **kwargs) -> list[str]:
    return [h.article.title_hans for h in search_articles(q=q, variant="zh-hans", **kwargs).hits]


def draft(author, title: str, body: str = "<p>正文。</p>") -> Article:
    return article_create(author=author, data=ArticleInput(title=title, body_html=body, channel="tech"))


# --- hot: a sort, and a factor in relevance ------------------------------------------------


def test_hot_sort_and_hot_in_relevance(settings, client: Client):
    author = creator()
    for n in range(5):  # matching nothing: bm25's idf needs a corpus where 数据 is not everywhere
        published_article(author, title=f"天气晴朗第{n}天", body="<p>出门走走。</p>")
    # Three equally relevant articles (the whole word once, the same length); the oldest is by
    # far the hottest (e^20: a viral piece against quiet ones).
    viral = published_article(author, title="数据很重要", body="<p>谈谈。</p>")
    published_article(author, title="数据的选择", body="<p>谈谈。</p>")
    published_article(author, title="数据入门啊", body="<p>谈谈。</p>")
    Article.objects.filter(id=viral.id).update(hot_log=F("hot_log") + 20)
    settings.ZIMEI_SEARCH_HOT = 0.0
    assert titles("数据")[-1] == "数据很重要"  # ties: the newest first
    assert titles("数据", sort="hot")[0] == "数据很重要"
    assert titles("数据", sort="hot")[1:] == ["数据入门啊", "数据的选择"]  # equal hot: newest first
    # Mixed into relevance (the default weight): the hot one comes first.
    settings.ZIMEI_SEARCH_HOT = 0.5
    assert titles("数据")[0] == "数据很重要"
    # No events at all (hot_log 0.0 everywhere): no error, and relevance as before.
    Article.objects.update(hot_log=0.0)
    assert titles("数据")[-1] == "数据很重要"
    # The page and the API offer it.
    html = client.get("/zh-hant/search/", {"q": "数据", "sort": "hot"}).content.decode()
    assert '<option value="hot" selected>最熱</option>' in html
    body = client.get("/api/v1/search", {"q": "数据", "sort": "hot"}).json()
    assert body["total"] == 3
    assert client.get("/api/v1/search", {"q": "数据", "sort": "cold"}).status_code == 422


# --- the studio: a creator's own articles -------------------------------------------------


@once("text only: the studio's matching of unfolded text against fold(), no database")
def test_spelled_finds_what_fold_finds():
    """Every 2-4 character piece of the folded Taiwan and Hong Kong renderings of the
    conversion test set's sentences, searched as the studio searches (unfolded text, each
    character in any spelling), is found in the Traditional text: what the index would find."""
    import csv

    from zimei.search.text import _RUN, fold, parse, spelled

    rows = csv.reader(
        (line for line in open("tests/data/conversion/sentences.tsv", encoding="utf-8") if line[:1] != "#"),
        delimiter="\t",
    )
    checked = 0
    for row in rows:
        for text in row[2:4]:
            for run, _ in _RUN.findall(fold(text)):
                for n in (2, 4):
                    for i in range(0, len(run) - n + 1, 2):
                        q = run[i : i + n]
                        assert spelled(parse(q)).found_in(text), (q, text)
                        checked += 1
    assert checked > 500
    assert spelled(parse("计划")).found_in("發展計畫")  # 畫 is 划 only in the phrase 計畫
    assert spelled(parse("python 3")).found_in("<p>用Ｐｙｔｈｏｎ３</p>", markup=True)
    assert not spelled(parse("p")).found_in("<p>只有中文</p>", markup=True)  # not in a tag


def test_studio_search_own_articles_any_status(client: Client):
    me = creator(pen_name="搜索作者")
    mine = {
        "draft": draft(me, "發展計畫的草稿", "<p>還沒寫完。</p>"),
        "published": published_article(me, title="城市的发展", body="<p>正文。</p>"),
        "body": draft(me, "一篇无关的标题", "<p>正文里谈到<b>發展</b>与 Python。</p>"),
    }
    withdrawn = published_article(me, title="发展史（撤回）")
    article_withdraw(article=withdrawn, actor=me.user)
    other = published_article(creator(), title="别人的发展")  # not mine: never listed
    client.force_login(me.user)
    html = client.get("/zh-hans/studio/", {"q": "发展"}).content.decode()
    assert "找到 4 篇文章" in html
    for art in [*mine.values(), withdrawn]:
        assert f"/studio/{art.id}/edit/" in html
    assert f"/studio/{other.id}/edit/" not in html
    # Either script, any case: the Traditional spelling finds the Simplified title and back.
    html = client.get("/zh-hant/studio/", {"q": "发展计划"}).content.decode()
    assert "找到 1 篇文章" in html and "發展計畫的草稿" in html
    assert "找到 1 篇文章" in client.get("/zh-hans/studio/", {"q": "PYTHON"}).content.decode()
    # Zero results: said so, in the reader's script, with what was searched.
    html = client.get("/zh-hant/studio/", {"q": "量子计算"}).content.decode()
    assert "沒有找到包含" in html and "量子计算" in html and 'value="量子计算"' in html
    assert "你還沒有寫過文章" not in html
    for q in BAD:
        assert client.get("/zh-hans/studio/", {"q": q, "page": "x"}).status_code == 200, q
    assert client.get(f"/zh-hans/studio/?{NOT_UTF8}").status_code == 200
    html = client.get("/zh-hant/studio/", {"q": '"*"'}).content.decode()
    assert "沒有可以搜尋的文字" in html
    assert "只按前64" in client.get("/zh-hans/studio/", {"q": "发展" * 40}).content.decode()


def test_studio_search_pages_keep_the_query(client: Client, monkeypatch):
    from zimei.studio import views

    me = creator()
    for n in range(3):
        draft(me, f"分页草稿{n}")
    draft(me, "别的")
    monkeypatch.setattr(views, "PER_PAGE", 2)
    client.force_login(me.user)
    html = client.get("/zh-hans/studio/", {"q": "分页"}).content.decode()
    assert "找到 3 篇文章" in html and 'href="?q=%E5%88%86%E9%A1%B5&amp;page=2"' in html
    html = client.get("/zh-hans/studio/", {"q": "分页", "page": 2}).content.decode()
    assert "分页草稿0" in html and "分页草稿2" not in html and "别的" not in html


# --- the desk: articles, creators, reports, the audit log ---------------------------------


def test_desk_search(client: Client):
    desk = editor(username="desk-searcher")
    author = creator(pen_name="發展研究員", username="growth-writer")
    held = creator(trusted=False, pen_name="新作者")
    art = published_article(author, title="電池技術的發展")
    pending = article_publish(article=draft(held, "发展中的待审稿件"), actor=held.user)
    assert pending.status == Article.Status.PENDING
    hidden = draft(author, "发展草稿不给编辑看")  # never submitted: the author's alone
    edited = published_article(creator(pen_name="改稿作者"), title="旧标题")
    edited.title = "发展中的新标题"  # saved, not submitted: the author's alone too
    edited.save()
    reader = UserFactory(username="careful-reader")
    report_create(article=art, reporter=reader, category="false", note="数据有误，發展年份不对")
    article_take_down(article=art, actor=desk, reason="经核实，发展数据不实")
    client.force_login(desk)

    html = client.get("/zh-hans/desk/search/", {"q": "发展"}).content.decode()
    assert f"/studio/{art.id}/preview/" in html and f"/studio/{pending.id}/preview/" in html
    assert f"/studio/{hidden.id}/preview/" not in html and "从未提交的草稿" not in html
    assert f"/studio/{edited.id}/preview/" not in html
    assert (
        f"/studio/{edited.id}/preview/"
        in client.get("/zh-hans/desk/search/", {"q": "旧标题"}).content.decode()
    )
    assert '<span class="count">2</span>' in html  # two articles
    # By author, by id, by username; each tab counts.
    html = client.get("/zh-hant/desk/search/", {"q": "发展研究员"}).content.decode()
    assert f"/studio/{art.id}/preview/" in html and "發展研究員" in html
    html = client.get("/zh-hans/desk/search/", {"q": f"#{pending.id}"}).content.decode()
    assert f"#{pending.id}" in html and "发展中的待审稿件" in html
    html = client.get("/zh-hans/desk/search/", {"q": "growth", "tab": "creators"}).content.decode()
    assert "growth-writer" in html and "發展研究員" in html
    html = client.get("/zh-hans/desk/search/", {"q": "年份", "tab": "reports"}).content.decode()
    assert "careful-reader" in html and "数据有误" in html
    # The report's category label and the audit log's decision label are searchable too.
    assert "careful-reader" in client.get("/zh-hans/desk/search/", {"q": "不实信息"}).content.decode()
    html = client.get("/zh-hans/desk/search/", {"q": "數據不實", "tab": "audit"}).content.decode()
    assert "经核实" in html and "desk-searcher" in html
    html = client.get("/zh-hans/desk/search/", {"q": "已下架 核实"}).content.decode()
    assert 'aria-current="page">审核记录' in html  # the first tab with something in it
    # Zero results and bad input: a page saying so, never an error.
    html = client.get("/zh-hant/desk/search/", {"q": "量子计算"}).content.decode()
    assert "沒有找到包含" in html and "量子计算" in html
    for q in BAD:
        for tab in ("articles", "audit", "nope"):
            assert client.get("/zh-hans/desk/search/", {"q": q, "tab": tab, "page": "-1"}).status_code == 200
    assert client.get(f"/zh-hans/desk/search/?{NOT_UTF8}").status_code == 200
    assert "沒有可以搜尋的文字" in client.get("/zh-hant/desk/search/", {"q": "*"}).content.decode()
    # Every desk page has the box.
    assert 'action="/zh-hans/desk/search/"' in client.get("/zh-hans/desk/").content.decode()


def test_desk_title_index_follows_saves_edits_and_the_rebuild(client: Client):
    """The desk finds articles by title through its own index (docs/search.md, "In the desk"):
    written by every save that changes a title or the status, in either script; an edit under
    review is found by its new title, an unsubmitted one is not; an UPDATE made around save()
    (an import) is found only once `zimei search rebuild` has run; a deleted article is gone."""
    desk = editor(username="title-index-desk")
    author = creator(pen_name="通信记者", trusted=False)
    client.force_login(desk)

    def found(q: str) -> set[int]:
        html = client.get("/zh-hans/desk/search/", {"q": q, "tab": "articles"}).content.decode()
        return {int(i) for i in re.findall(r"/studio/(\d+)/preview/", html)}

    art = draft(author, "量子通信的新進展")
    assert art.id not in found("量子")  # a draft never submitted: the author's alone
    art = article_publish(article=art, actor=author.user)
    assert art.status == Article.Status.PENDING  # held for review: the desk's
    assert art.id in found("量子通信") and art.id in found("進展 量子")
    assert art.id not in found("量子通信 芯片") and art.id not in found("通进")
    art = article_approve(article=art, actor=desk)
    # The author edits the published article: not submitted, the new title is theirs alone ...
    edit = ArticleInput(title="光纤网络的改写", body_html="<p>改过的正文。</p>", channel="tech")
    art = article_save(article=art, actor=author.user, data=edit)
    assert art.id not in found("光纤") and art.id in found("量子")
    # ... submitted, it is the desk's to search; the published title still finds it.
    art = article_publish(article=art, actor=author.user)
    assert art.edit_pending
    assert art.id in found("光纖網絡") and art.id in found("量子")
    # An UPDATE around save() (an import): the index holds the old title until the rebuild.
    Article.objects.filter(id=art.id).update(title_hans="海底光缆铺设完成", edit_pending=False)
    assert art.id not in found("海底光缆") and art.id in found("量子")
    call_command("search", "rebuild", stdout=io.StringIO())
    assert art.id in found("海底光缆") and art.id not in found("光纤")
    assert f"#{art.id}" in client.get("/zh-hans/desk/search/", {"q": "海底"}).content.decode()
    art.delete()
    assert not found("海底光缆") and not found("量子")
    # Every published rendering is indexed: the Taiwan one's vocabulary finds it too.
    cable = published_article(creator(), title="数据线怎么选")
    assert cable.title_hant.startswith("資料線")
    assert found("資料線") == {cable.id} == found("数据线")


def test_desk_search_pages_the_same_whether_sorted_or_walked(client: Client, monkeypatch):
    """Many matches are paged by walking the articles in order of their last edit (beyond
    DESK_SORTED), few by sorting their rows: an editor sees the same pages either way, the
    count from the index alone, a never-submitted draft in neither."""
    import zimei.desk.search as desk_search
    import zimei.search.selectors as selectors

    client.force_login(editor(username="walking-desk"))
    author = creator(pen_name="潮汐观察")
    arts = [published_article(author, title=f"潮汐发电第{n}期") for n in range(7)]
    draft(author, "潮汐发电草稿")
    for n in (2, 5, 0):  # edited later: first in the list
        arts[n].title = arts[n].title + "（修订）"
        arts[n].save()
    monkeypatch.setattr(desk_search, "PER_PAGE", 3)

    def pages(q: str) -> tuple[str, list[list[int]]]:
        out = []
        for page in (1, 2, 3):
            html = client.get(
                "/zh-hans/desk/search/", {"q": q, "tab": "articles", "page": page}
            ).content.decode()
            out.append([int(i) for i in re.findall(r'id="article-(\d+)"', html)])
        return re.search(r'文章 <span class="count">(\d+)</span>', html).group(1), out

    for q in ("潮汐发电", "潮汐观察"):
        sorted_count, sorted_pages = pages(q)
        monkeypatch.setattr(selectors, "DESK_SORTED", 2)
        walked_count, walked_pages = pages(q)
        monkeypatch.setattr(selectors, "DESK_SORTED", 2000)
        assert sorted_count == walked_count == "7"
        assert sorted_pages == walked_pages
        assert sorted_pages[0] == [arts[0].id, arts[5].id, arts[2].id]
        assert sorted(i for p in sorted_pages for i in p) == sorted(a.id for a in arts)


# --- one browser check ----------------------------------------------------------------------


@pytest.mark.browser
@once("the studio's box in a browser; the scan behind it runs on both passes above")
@pytest.mark.django_db(transaction=True)
def test_creator_finds_draft_by_traditional_spelling_in_chromium(live_server, page):
    me = creator(username="studio-searcher")
    art = draft(me, "发展计划（未完成）")
    published_article(me, title="另一篇文章")
    page.goto(f"{live_server.url}/zh-hant/accounts/login/?next=/zh-hant/studio/")
    page.fill("#id_username", "studio-searcher")
    page.fill("#id_password", "correct-horse-battery")
    page.locator("form [type=submit]").last.click()
    page.wait_for_url("**/zh-hant/studio/")
    box = page.get_by_role("search").last.get_by_role("searchbox")
    box.fill("發展計畫")
    box.press("Enter")
    page.wait_for_url("**/zh-hant/studio/?q=*")
    assert page.get_by_role("status").first.inner_text().startswith("找到 1 篇")
    assert page.locator(f'a[href="/zh-hant/studio/{art.id}/edit/"]').count() >= 1
    assert page.locator("td.title-cell").count() == 1
