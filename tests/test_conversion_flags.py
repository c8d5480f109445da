"""Ambiguity flags in the studio preview and the desk, the author's choices kept in the text,
and the desk's conversion overrides (issue 12; docs/conversion.md)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from zimei.articles.models import Article
from zimei.articles.sanitize import html_to_text, sanitize_body
from zimei.articles.services import ArticleInput, article_create, article_publish, article_rerender
from zimei.conversion.flags import conversion_flags
from zimei.conversion.models import Override
from zimei.conversion.variants import HANS, HANT, VARIANTS, convert_html
from zimei.moderation.models import AuditEntry

from .factories import creator, editor

pytestmark = pytest.mark.django_db

BODY = "<p>头发干了以后，范先生说这个软件很好。</p><p>头发干了。</p><pre>干</pre>"


def _page(response) -> str:
    return response.content.decode()


def _flags(html: str) -> dict[str, str]:
    """Each flag on the page, "where:source" → its text (context, readings, choices)."""
    out = {}
    for item in re.findall(r'<li class="flag".*?</li>', html, re.S):
        item = re.sub(r'<div class="flag-actions">.*?</div>', "", item, flags=re.S)
        text = " ".join(re.sub(r"<[^>]+>", "", item).split())
        where = "title" if text.startswith("标题") else "body"
        out[f"{where}:{re.search(r'<mark>(.*?)</mark>', item).group(1)}"] = text
    return out


@pytest.fixture
def author() -> Client:
    c = Client()
    c.profile = creator()
    c.force_login(c.profile.user)
    return c


def _draft(profile, body: str = BODY, title: str = "范先生的头发") -> Article:
    return article_create(author=profile, data=ArticleInput(title=title, body_html=body, channel="tech"))


def test_preview_flags_choices_and_scripts_side_by_side(author):
    article = _draft(author.profile)
    page = _page(author.get(f"/zh-hans/studio/{article.id}/preview/"))
    flags = _flags(page)
    # 干, 发, 后 and 范, each with the reading chosen for Taiwan and the other readings; the two
    # 头发干了 are one flag counted twice; nothing from the <pre>.
    dry = flags["body:干"]
    assert "…头发干了以后，范先生说…" in dry and "2 处" in dry
    assert "繁体（台湾）：乾" in dry and "可选写法：幹 · 乾 · 干 · 榦" in dry
    assert "繁体（台湾）：髮" in flags["body:发"] and "可选写法：發 · 髮" in flags["body:发"]
    assert "繁体（台湾）：後" in flags["body:后"] and "可选写法：後 · 后" in flags["body:后"]
    assert "繁体（台湾）：范" in flags["body:范"] and "可选写法：範 · 范" in flags["body:范"]
    assert "繁体（台湾）：范" in flags["title:范"]  # the title's flags are shown too
    assert "词语替换" in flags["body:软件"] and "繁体（台湾）：軟體" in flags["body:软件"]
    actions = re.sub(r"<[^>]+>", "", page)
    assert "接受" in actions and "改为「幹」" in actions and "保留原文" in actions
    # The scripts side by side.
    assert "头发干了以后，范先生说" in page and "頭髮乾了以後，范先生說" in page
    assert page.count('<div class="script-column"') == len(VARIANTS)  # Hong Kong too, once it exists


def _readings(reading: str) -> str:
    """The attributes an answer writes: the same reading for each Traditional variant."""
    return "".join(f' data-{v}="{reading}"' for v in VARIANTS if v != HANS)


def test_choose_keep_and_accept_reach_the_published_scripts(author):
    article = _draft(author.profile)
    key = next(f.key for f in conversion_flags(article.body_html) if f.source == "干")
    url = f"/zh-hans/studio/{article.id}/flags/"
    response = author.post(url, {"key": key, "action": "choose", "choice": "幹"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body_html.count(f"<span{_readings('幹')}>干</span>") == 2  # every Traditional variant
    # 发 kept as written; 后 accepted: no longer flagged.
    keys = {f.source: f.key for f in conversion_flags(article.body_html)}
    assert "干" not in keys
    author.post(url, {"key": keys["发"], "action": "keep"})
    author.post(url, {"key": keys["后"], "action": "accept"})
    article.refresh_from_db()
    assert '头<span translate="no">发</span>' in article.body_html
    assert f"以<span{_readings('後')}>后</span>" in article.body_html
    left = {f.source for f in conversion_flags(article.body_html)}
    assert not left & {"干", "发", "后"} and "范" in left
    # Answers are listed on the preview and can be undone (the accepted 后 goes back to the
    # dictionary and is flagged again).
    page = _page(author.get(f"/zh-hans/studio/{article.id}/preview/"))
    assert "已经确定的写法" in page and "2 处" in page.split("已经确定的写法")[1]
    assert author.post(url, {"key": f"<span{_readings('後')}>后</span>", "action": "undo"}).status_code == 302
    article.refresh_from_db()
    assert "以后" in article.body_html and "后" in {f.source for f in conversion_flags(article.body_html)}
    # A choice that is not one of the flag's readings is refused with a message, nothing lost.
    bad = author.post(url, {"key": keys["范"], "action": "choose", "choice": "<b>"})
    assert bad.status_code == 400 and "所选的写法不在可选之列" in _page(bad)
    published = article_publish(article=article, actor=author.profile.user)
    assert html_to_text(published.body_hant).startswith("頭发幹了以後，范先生說")
    assert html_to_text(published.body_hk).startswith("頭发幹了以後，范先生説")  # Hong Kong writes 説
    assert html_to_text(published.body_hans).startswith("头发干了以后，范先生说")  # Simplified unchanged
    assert "<pre>干</pre>" in published.body_hant


def test_an_editor_sees_the_same_flags_without_the_forms(author):
    article = _draft(author.profile)
    Article.objects.filter(id=article.id).update(status=Article.Status.PENDING)  # held for review
    own = _flags(_page(author.get(f"/zh-hans/studio/{article.id}/preview/")))
    desk = Client()
    desk.force_login(editor())
    page = _page(desk.get(f"/zh-hans/studio/{article.id}/preview/"))
    assert _flags(page) == own and len(own) >= 5
    assert f"/studio/{article.id}/flags/" not in page


def test_reading_markup_is_sanitised_and_applied_to_traditional_only():
    body = sanitize_body(
        '<p>头发<span data-zh-hant="乾">干</span>了<span data-zh-hant="&lt;b&gt;">干</span>'
        '<span data-zh-hant="乾乾乾乾乾乾乾乾乾乾乾乾乾乾乾乾乾">干</span><b data-zh-hant="乾">干</b></p>'
    )
    assert body == '<p>头发<span data-zh-hant="乾">干</span>了<span>干</span><span>干</span><b>干</b></p>'
    assert (
        convert_html(body, HANT)
        == '<p>頭髮<span data-zh-hant="乾">乾</span>了<span>幹</span><span>幹</span><b>幹</b></p>'
    )
    assert convert_html(body, HANS) == body


def test_desk_override_audited_applies_at_next_publish_and_removal(author):
    article = article_publish(article=_draft(author.profile), actor=author.profile.user)
    assert "這個軟體" in article.body_hant
    desk = Client()
    desk.force_login(editor())
    response = desk.post(
        "/zh-hans/desk/conversion/add/",
        {"source": "这个软件", "target": "這款軟件", "variant": HANT, "note": "测试用"},
    )
    assert response.status_code == 302
    page = _page(desk.get("/zh-hans/desk/conversion/"))
    assert "这个软件" in page and "這款軟件" in page and "zimei article rerender" in page
    override = Override.objects.get(source="这个软件")
    added = AuditEntry.objects.get(action="conversion.override_add", target_id=override.id)
    assert added.actor_id == override.created_by_id and "这个软件 → 這款軟件" in added.reason
    article.refresh_from_db()
    assert "這個軟體" in article.body_hant  # not before the next publish
    assert article_rerender(article=article)  # `zimei article rerender`
    article.refresh_from_db()
    assert "這款軟件" in article.body_hant and "这个软件" in article.body_hans
    assert desk.post(f"/zh-hans/desk/conversion/{override.id}/remove/").status_code == 302
    assert not Override.objects.exists()
    assert AuditEntry.objects.filter(action="conversion.override_remove", target_id=override.id).exists()
    article_publish(article=article, actor=author.profile.user)
    article.refresh_from_db()
    assert "這個軟體" in article.body_hant


def test_bad_override_input_keeps_what_was_typed():
    desk = Client()
    desk.force_login(editor())
    cases = [
        ({"source": "软 件", "target": "軟體"}, "原词里不能有空格"),
        ({"source": "", "target": "軟體"}, "请填写原词"),
        ({"source": "软件", "target": "软件"}, "和原词一样"),
        ({"source": "<b>软件</b>", "target": "軟體"}, "不能有 HTML"),
        ({"source": "软件" * 9, "target": "軟體"}, "最多 16 个字"),
    ]
    for typed, message in cases:
        response = desk.post("/zh-hans/desk/conversion/add/", {**typed, "variant": HANT, "note": "我的备注"})
        page = _page(response)
        assert response.status_code == 400 and message in page, typed
        assert 'value="我的备注"' in page
        if typed["source"]:
            assert f'value="{typed["source"].replace("<", "&lt;").replace(">", "&gt;")}"' in page
    traditional = desk.post(
        "/zh-hant/desk/conversion/add/", {"source": "软 件", "target": "軟體", "variant": HANT}
    )
    assert "原詞裡不能有空格" in _page(traditional)  # in the editor's script
    assert not Override.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_preview_flags_in_chromium(live_server, page):
    """The preview in Chromium: the flags and the scripts side by side are visible, and a
    choice (a plain POST form, no script) changes the Traditional column only."""
    from playwright.sync_api import expect

    from .browser import screenshot

    profile = creator(username="flag-author")
    article = _draft(profile, body="<p>头发干了以后，范先生说这个软件很好。</p>")
    page.goto(f"{live_server.url}/zh-hans/accounts/login/?next=/zh-hans/studio/{article.id}/preview/")
    page.fill("#id_username", "flag-author")
    page.fill("#id_password", "correct-horse-battery")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/studio/{article.id}/preview/")
    flags = page.locator("#flags li.flag")
    expect(flags.first).to_be_visible()
    assert {m.inner_text() for m in page.locator("#flags mark").all()} >= {"干", "发", "后", "范", "软件"}
    columns = page.locator(".script-column")
    assert columns.count() == len(VARIANTS)
    simplified, taiwan = columns.filter(has_text="简体"), columns.filter(has_text="繁体（台湾）")
    left, right = simplified.bounding_box(), taiwan.bounding_box()
    assert left["y"] == right["y"] and left["x"] < right["x"]  # side by side
    with page.expect_navigation():
        page.locator('li.flag[data-flag*=":乾"]').get_by_role("button", name="改为「幹」").click()
    expect(taiwan).to_contain_text("頭髮幹了以後")
    expect(simplified).to_contain_text("头发干了以后")
    screenshot(page, "studio-preview-flags")
