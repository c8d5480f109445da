"""The creator's and the editors' side of 跟帖 in real headless Chromium, as issue 14's "done
when" reads: the creator pins a comment in the studio and a reader sees it on top of the
article's comment box; an editor upholds a report in the desk's comments queue and the
commenter sees why on 我的跟帖 (docs/comments.md, "Creators and editors")."""

from __future__ import annotations

import pytest

from zimei.comments import services

from .browser import reader_context
from .factories import UserFactory, creator, editor, published_article
from .live import once

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@once("the browser steps over services tested on both databases in test_comment_moderation.py")
def test_the_creator_pins_one_and_an_editor_removes_a_reported_one(live_server, chromium):
    article = published_article(creator(), title="笔记本的散热改造")
    jia, yi = UserFactory(username="读者甲"), UserFactory(username="读者乙")
    pinned = services.comment_post(article=article, author=jia, body="甲：换硅脂后降了八度，值得。")
    rude = services.comment_post(article=article, author=yi, body="乙：写这种东西的人都是外行。")
    services.comment_report_create(comment=rude, reporter=UserFactory(), category="abuse", note="攻击作者")
    base = f"{live_server.url}/zh-hans"

    anon = reader_context(chromium, live_server.url).new_page()
    anon.goto(f"{base}/a/{article.id}/")
    anon.locator(".cmt-box").wait_for()
    assert "乙：写这种东西的人" in anon.locator(".newest-list .cmt").first.inner_text()  # newest first

    studio = reader_context(chromium, live_server.url, article.author.user).new_page()
    studio.goto(f"{base}/studio/{article.id}/comments/")
    studio.locator(f"#c{pinned.id}").get_by_role("button", name="置顶", exact=True).click()
    studio.locator(".messages", has_text="已置顶").wait_for()

    anon.reload()
    top = anon.locator(".cmt-box .cmt").first
    top.wait_for()
    assert "甲：换硅脂后降了八度" in top.inner_text() and "置顶" in top.inner_text()

    desk = reader_context(chromium, live_server.url, editor()).new_page()
    desk.goto(f"{base}/desk/comments/?tab=reports")
    row = desk.locator(f"#reports-{rude.id}")
    assert "辱骂攻击 × 1" in row.inner_text() and "攻击作者" in row.inner_text()
    row.get_by_label("理由（举报成立时必填，跟帖的作者会看到）").fill("人身攻击，违反社区规范")
    row.get_by_role("button", name="举报成立，删除跟帖").click()
    desk.locator(".messages", has_text="举报成立").wait_for()
    assert desk.locator(f"#reports-{rude.id}").count() == 0

    anon.reload()
    anon.locator(".cmt-box").wait_for()
    assert "乙：写这种东西的人" not in anon.locator(".cmt-box").inner_text()

    mine = reader_context(chromium, live_server.url, yi).new_page()
    mine.goto(f"{base}/me/comments/")
    told = mine.locator(f"#c{rude.id}")
    assert "编辑删除了这条跟帖，原因：人身攻击，违反社区规范" in told.inner_text()
