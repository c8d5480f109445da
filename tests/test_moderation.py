"""Moderation through HTTP and in Chromium: 举报 from the article page, the review queue
(held articles, reports, appeals), decisions with reasons the creator reads, one appeal per
decision, the audit log nobody can edit, and 信用分 with its history and the rights it gates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from zimei.articles.models import Article
from zimei.articles.services import ArticleInput, article_create, article_publish
from zimei.core.errors import InputError
from zimei.moderation import services as rules
from zimei.moderation.models import Appeal, AuditEntry, CreditEvent, Report
from zimei.moderation.services import (
    appeal_create,
    article_review,
    credit_change,
    credit_restore_all,
    report_create,
)

from .browser import screenshot
from .factories import UserFactory, creator, editor, published_article

pytestmark = pytest.mark.django_db

ARTICLE = "articles.article"


def _text(response) -> str:
    return response.content.decode()


def _author(**kwargs):
    """A creator whose clean articles publish at once (so the tests here see only what
    moderation decides, whatever the spam check thinks of new creators)."""
    profile = creator(**kwargs)
    profile.trusted = True
    profile.save(update_fields=["trusted"])
    return profile


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _entries(action: str, target) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, target_id=target.pk))


def _held(author, title: str = "等待审核的一篇文章") -> Article:
    """An article held for review the honest way: its author's 信用分 is below the hold line."""
    author.credit = rules.CREDIT_HOLD_BELOW - 10
    author.save(update_fields=["credit"])
    article = article_create(
        author=author,
        data=ArticleInput(title=title, body_html="<p>城市的清晨很安静，早点铺已经开张。</p>", channel="tech"),
    )
    article = article_publish(article=article, actor=author.user)
    assert article.status == Article.Status.PENDING
    return article


@pytest.fixture
def article() -> Article:
    return published_article(_author(pen_name="林间笔记"), title="芯片产业的下一步会怎样？")


@pytest.fixture
def desk() -> Client:
    return _login(editor(username="desk-editor"))


# --- 举报 ----------------------------------------------------------------------------------


def test_the_article_page_links_to_the_report_form_in_both_modes(client, article):
    for prefix in ("/zh-hans/", "/zh-hant/care/"):
        page = _text(client.get(f"{prefix}a/{article.id}/"))
        assert f'href="{prefix}a/{article.id}/report/"' in page


def test_anonymous_readers_sign_in_and_come_back_to_the_form(client, article):
    response = client.get(f"/zh-hant/care/a/{article.id}/report/")
    assert response.status_code == 302
    assert response["Location"] == f"/zh-hant/accounts/login/?next=/zh-hant/care/a/{article.id}/report/"
    assert client.post(f"/zh-hans/a/{article.id}/report/", {"category": "spam"}).status_code == 302
    assert not Report.objects.exists()


def test_a_reader_reports_with_clear_messages_for_bad_input(article):
    reader = _login(UserFactory())
    url = f"/zh-hans/a/{article.id}/report/"
    form = _text(reader.get(url))
    assert "举报文章" in form and "芯片产业的下一步会怎样？" in form and 'value="fraud"' in form

    no_category = reader.post(url, {"note": "我写的说明还在"})
    assert no_category.status_code == 400
    assert "请选择举报类型" in _text(no_category) and "我写的说明还在" in _text(no_category)

    long_note = "这篇文章里的说法没有来源。" * 40  # 480 + … > 500 characters
    long_note = (long_note + "补" * 30)[:520]
    too_long = reader.post(url, {"category": "false", "note": long_note})
    assert too_long.status_code == 400
    assert "补充说明最多 500 个字，现在有 520 个字" in _text(too_long)
    assert long_note in _text(too_long)  # what was typed is kept
    assert 'value="false" checked' in _text(too_long)

    other = reader.post(url, {"category": "other", "note": ""})
    assert "选择「其他」时，请在补充说明里写明原因" in _text(other)

    done = reader.post(url, {"category": "false", "note": "数据没有来源"})
    assert done.status_code == 302 and done["Location"] == f"{url}thanks/"
    assert "谢谢你的举报" in _text(reader.get(done["Location"]))
    report = Report.objects.get()
    assert (report.category, report.note, report.status) == ("false", "数据没有来源", "open")

    again = reader.post(url, {"category": "spam", "note": ""})
    assert "你对这篇文章的举报已经收到" in _text(again)
    assert "你对这篇文章的举报已经收到" in _text(reader.get(url))
    assert Report.objects.count() == 1


def test_report_messages_in_traditional(article):
    reader = _login(UserFactory())
    care = _text(reader.get(f"/zh-hant/care/a/{article.id}/report/"))
    assert 'class="care"' in care and "檢舉文章" in care and f'href="/zh-hant/care/a/{article.id}/"' in care
    response = reader.post(f"/zh-hant/a/{article.id}/report/", {"note": "說明"})
    from zimei.conversion.variants import ui

    assert ui("请选择举报类型", "zh-hant") == "請選擇檢舉類型"  # Taiwan: 檢舉, 類型 (OpenCC alone: 舉報型別)
    assert "請選擇檢舉類型" in _text(response)


def test_no_reports_of_ones_own_or_of_hidden_articles(article):
    with pytest.raises(InputError, match="不能举报自己的文章"):
        report_create(article=article, reporter=article.author.user, category="spam", note="")
    article.status = Article.Status.WITHDRAWN
    article.save(update_fields=["status"])
    reader = _login(UserFactory())
    assert reader.get(f"/zh-hans/a/{article.id}/report/").status_code == 410


# --- the queue: who may see it ------------------------------------------------------------

QUEUE_POSTS = [
    ("/zh-hans/desk/queue/articles/{id}/", {"decision": "take_down", "reason": "x"}),
    ("/zh-hans/desk/queue/articles/{id}/reports/", {"decision": "uphold", "reason": "x"}),
]


def test_readers_and_creators_cannot_reach_the_queue(client, article):
    Report.objects.create(article=article, reporter=UserFactory(), category="spam")
    assert client.get("/zh-hans/desk/queue/")["Location"].startswith("/zh-hans/accounts/login/")
    for user in (UserFactory(), article.author.user):
        c = _login(user)
        assert c.get("/zh-hans/desk/queue/?tab=reports").status_code == 403
        for path, data in QUEUE_POSTS:
            assert c.post(path.format(id=article.id), data).status_code == 403
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert not AuditEntry.objects.exists()


# --- reports: uphold and dismiss ----------------------------------------------------------


def test_upheld_report_takes_down_and_lowers_credit_with_history(article, desk):
    reporters = [UserFactory() for _ in range(3)]
    for who, category in zip(reporters, ("spam", "spam", "fraud"), strict=True):
        report_create(article=article, reporter=who, category=category, note=f"{who.username} 的说明")
    home = _text(desk.get("/zh-hans/desk/"))
    assert '<dd class="count-reports">1</dd>' in home and '<dd class="count-held">0</dd>' in home
    queue = _text(desk.get("/zh-hans/desk/queue/?tab=reports"))
    assert "3 次举报" in queue and "垃圾广告 × 2" in queue and "诈骗 × 1" in queue
    assert f"{reporters[0].username} 的说明" in queue

    missing = desk.post(f"/zh-hans/desk/queue/articles/{article.id}/reports/", {"decision": "uphold"})
    assert "请写明举报成立的理由" in _text(missing)
    response = desk.post(
        f"/zh-hans/desk/queue/articles/{article.id}/reports/",
        {"decision": "uphold", "reason": "文中含有虚假的中奖链接"},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.TAKEN_DOWN
    assert set(Report.objects.values_list("status", flat=True)) == {"upheld"}
    assert len(AuditEntry.objects.filter(action="report.uphold")) == 3
    take_down = _entries("article.take_down", article)[0]
    assert take_down.reason == "文中含有虚假的中奖链接" and take_down.actor.username == "desk-editor"

    author = article.author
    author.refresh_from_db()
    assert author.credit == 100 - rules.PENALTY_REPORT
    event = CreditEvent.objects.get(creator=author)
    assert (event.delta, event.balance, event.decision_id) == (-rules.PENALTY_REPORT, 80, take_down.id)

    studio = _login(author.user)
    credit_page = _text(studio.get("/zh-hans/studio/credit/"))
    assert "举报成立，文章《芯片产业的下一步会怎样？》被下架" in credit_page and "-20" in credit_page
    assert "文中含有虚假的中奖链接" in _text(studio.get("/zh-hans/studio/"))
    notices = _text(studio.get("/zh-hans/studio/notices/"))
    assert "已下架" in notices and "文中含有虚假的中奖链接" in notices
    assert f"/zh-hans/studio/notices/{take_down.id}/appeal/" in notices
    # Traditional creators read the same in their script.
    assert "檢舉成立" in _text(studio.get("/zh-hant/studio/credit/"))


def test_dismissed_reports_leave_the_article_up(article, desk):
    report_create(article=article, reporter=UserFactory(), category="abuse", note="")
    desk.post(f"/zh-hans/desk/queue/articles/{article.id}/reports/", {"decision": "dismiss", "reason": ""})
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    report = Report.objects.get()
    assert report.status == "dismissed" and report.handled_by.username == "desk-editor"
    assert _entries("report.dismiss", report)
    assert not CreditEvent.objects.exists()
    assert "没有待处理的举报" in _text(desk.get("/zh-hans/desk/queue/?tab=reports"))
    again = desk.post(f"/zh-hans/desk/queue/articles/{article.id}/reports/", {"decision": "dismiss"})
    assert "这篇文章的举报已经处理过了" in _text(again)


def test_a_report_note_is_shown_as_text(article, desk):
    note = '<img src=x onerror=alert(1)><script>alert("r")</script>'
    report_create(article=article, reporter=UserFactory(), category="other", note=note)
    queue = _text(desk.get("/zh-hans/desk/queue/?tab=reports"))
    assert "<img src=x" not in queue and "<script>alert" not in queue
    assert "&lt;img src=x onerror=alert(1)&gt;" in queue


# --- held articles ------------------------------------------------------------------------


def test_held_article_shows_its_reasons_and_approve_publishes_it(client, desk):
    author = _author()
    held = _held(author, title="一篇关于城市的文章")
    assert client.get(f"/zh-hans/a/{held.id}/").status_code == 404
    queue = _text(desk.get("/zh-hans/desk/queue/"))
    assert "一篇关于城市的文章" in queue and "低于 60，文章需经编辑审核后发布" in queue
    desk.post(f"/zh-hans/desk/queue/articles/{held.id}/", {"decision": "approve", "reason": ""})
    held.refresh_from_db()
    assert held.status == Article.Status.PUBLISHED and held.published_at is not None
    assert held.title_hant == "一篇關於城市的文章" and held.keywords and held.review_reasons == []
    assert "一篇關於城市的文章" in _text(client.get(f"/zh-hant/a/{held.id}/"))
    assert _entries("article.approve", held)
    author.refresh_from_db()
    assert author.article_count == 1


def test_reject_needs_a_reason_and_costs_credit(desk):
    author = _author()
    held = _held(author)
    refused = desk.post(f"/zh-hans/desk/queue/articles/{held.id}/", {"decision": "reject", "reason": " "})
    assert "请写明驳回的理由" in _text(refused)
    desk.post(f"/zh-hans/desk/queue/articles/{held.id}/", {"decision": "reject", "reason": "全文是广告"})
    held.refresh_from_db()
    assert held.status == Article.Status.REJECTED
    author.refresh_from_db()
    assert author.credit == rules.CREDIT_HOLD_BELOW - 10 - rules.PENALTY_REJECT
    assert "全文是广告" in _text(_login(author.user).get("/zh-hans/studio/"))
    with pytest.raises(InputError, match="未通过审核，不能再次发布"):
        article_publish(article=held, actor=author.user)


def test_ask_for_changes_then_the_creator_edits_and_resubmits(desk):
    author = _author()
    held = _held(author, title="需要修改的文章")
    desk.post(
        f"/zh-hans/desk/queue/articles/{held.id}/",
        {"decision": "changes", "reason": "请删去第二段的联系方式"},
    )
    held.refresh_from_db()
    assert held.status == Article.Status.CHANGES
    studio = _login(author.user)
    dashboard = _text(studio.get("/zh-hans/studio/"))
    assert "需修改" in dashboard and "请删去第二段的联系方式" in dashboard
    response = studio.post(
        f"/zh-hans/studio/{held.id}/edit/",
        {
            "title": "改好了的文章",
            "summary": "",
            "channel": "tech",
            "original": "1",
            "source": "",
            "cover_id": "",
            "body_html": "<p>改过的正文，没有联系方式了。</p>",
            "action": "publish",
        },
    )
    assert response.status_code == 302
    held.refresh_from_db()
    # Back in the queue (its author is still below the hold line), with the new text.
    assert held.status == Article.Status.PENDING and held.title == "改好了的文章"
    assert "改好了的文章" in _text(desk.get("/zh-hans/desk/queue/?tab=held"))


def test_a_decision_already_made_by_another_editor(desk):
    held = _held(_author())
    article_review(article=held, actor=editor(), decision="approve")
    again = desk.post(f"/zh-hans/desk/queue/articles/{held.id}/", {"decision": "reject", "reason": "广告"})
    assert "已不在待审核状态" in _text(again)


# --- appeals ------------------------------------------------------------------------------


def test_appeal_once_then_refused_and_denial_is_answered(article, desk):
    entry = article_review(article=article, actor=editor(), decision="take_down", reason="标题党")
    studio = _login(article.author.user)
    url = f"/zh-hans/studio/notices/{entry.id}/appeal/"
    assert "请写明申诉理由" in _text(studio.post(url, {"text": ""}))
    assert studio.post(url, {"text": "标题与正文一致，请再看一下"}).status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.decision_id == entry.id and appeal.status == "pending"

    second = studio.post(url, {"text": "再申诉一次"})
    assert "每项决定只能申诉一次" in _text(second)
    assert Appeal.objects.count() == 1

    queue = _text(desk.get("/zh-hans/desk/queue/?tab=appeals"))
    assert "标题与正文一致，请再看一下" in queue and "标题党" in queue
    no_answer = desk.post(f"/zh-hans/desk/queue/appeals/{appeal.id}/", {"decision": "deny", "answer": ""})
    assert "请写明驳回申诉的理由" in _text(no_answer)
    desk.post(f"/zh-hans/desk/queue/appeals/{appeal.id}/", {"decision": "deny", "answer": "标题夸大了事实"})
    appeal.refresh_from_db()
    assert appeal.status == "denied" and appeal.answer == "标题夸大了事实"
    assert _entries("appeal.deny", appeal)
    notices = _text(studio.get("/zh-hans/studio/notices/"))
    assert "已驳回" in notices and "标题夸大了事实" in notices
    article.refresh_from_db()
    assert article.status == Article.Status.TAKEN_DOWN


def test_granted_appeal_restores_and_gives_the_credit_back(client, article, desk):
    entry = article_review(article=article, actor=editor(), decision="take_down", reason="疑似抄袭")
    author = article.author
    author.refresh_from_db()
    assert author.credit == 100 - rules.PENALTY_TAKE_DOWN
    appeal = appeal_create(decision=entry, creator=author.user, text="这是我的原创，有底稿为证")
    desk.post(f"/zh-hans/desk/queue/appeals/{appeal.id}/", {"decision": "grant", "answer": "核实为原创"})
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert client.get(f"/zh-hans/a/{article.id}/").status_code == 200
    author.refresh_from_db()
    assert author.credit == 100
    assert [e.delta for e in CreditEvent.objects.filter(creator=author).order_by("id")] == [-10, 10]
    assert _entries("appeal.grant", appeal) and _entries("article.restore", article)


def test_granted_appeal_publishes_a_rejected_article():
    author = _author()
    held = _held(author)
    entry = article_review(article=held, actor=editor(), decision="reject", reason="内容空洞")
    appeal = appeal_create(decision=entry, creator=author.user, text="请再看看")
    from zimei.moderation.services import appeal_decide

    appeal_decide(appeal=appeal, actor=editor(), grant=True, answer="")
    held.refresh_from_db()
    assert held.status == Article.Status.PUBLISHED


def test_a_creator_cannot_appeal_someone_elses_decision(article):
    entry = article_review(article=article, actor=editor(), decision="take_down", reason="违规")
    stranger = _login(_author().user)
    assert stranger.get(f"/zh-hans/studio/notices/{entry.id}/appeal/").status_code == 404
    assert stranger.post(f"/zh-hans/studio/notices/{entry.id}/appeal/", {"text": "x"}).status_code == 404
    assert "违规" not in _text(stranger.get("/zh-hans/studio/notices/"))
    assert not Appeal.objects.exists()


# --- the audit log ------------------------------------------------------------------------


def test_every_decision_is_audited_and_the_log_cannot_be_edited(article):
    boss = editor()
    report_create(article=article, reporter=UserFactory(), category="spam", note="")
    rules.reports_decide(article=article, actor=boss, uphold=True, reason="广告")
    held = _held(_author())
    article_review(article=held, actor=boss, decision="changes", reason="补充来源")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"article.take_down", "report.uphold", "article.request_changes"} <= actions
    assert all(e.actor_id == boss.id and e.reason for e in AuditEntry.objects.all())
    log = _text(_login(boss).get("/zh-hans/desk/queue/?tab=audit"))
    assert "举报成立" in log and "需要修改" in log and "补充来源" in log and boss.username in log

    entry = AuditEntry.objects.first()
    entry.reason = "改写历史"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    admin = UserFactory(is_staff=True, is_superuser=True)
    c = _login(admin)
    change = f"/admin/moderation/auditentry/{entry.id}/change/"
    assert c.post(change, {"reason": "改写历史"}).status_code == 403
    assert c.post(f"/admin/moderation/auditentry/{entry.id}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(id=entry.id).reason != "改写历史"


# --- 信用分 -------------------------------------------------------------------------------


def test_credit_is_clamped_and_gates_publishing():
    author = _author()
    credit_change(creator=author, delta=-500, reason="测试")
    author.refresh_from_db()
    assert author.credit == 0
    assert CreditEvent.objects.get().delta == -100
    assert credit_change(creator=author, delta=0, reason="不变") is None

    studio = _login(author.user)
    draft = article_create(
        author=author, data=ArticleInput(title="被拦下的文章", body_html="<p>正文</p>", channel="tech")
    )
    refused = studio.post(f"/zh-hans/studio/{draft.id}/publish/")
    assert refused.status_code == 200
    assert "你的信用分是 0，低于 30，暂时不能发布文章" in _text(refused)
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT
    assert "低于 30" in _text(studio.get("/zh-hans/studio/credit/"))


def test_credit_restores_over_clean_days_once():
    author = _author()
    credit_change(creator=author, delta=-10, reason="下架")
    CreditEvent.objects.update(created_at=timezone.now() - timedelta(days=7, hours=1))
    assert credit_restore_all() == 1
    author.refresh_from_db()
    assert author.credit == 92  # 7 days: two whole steps of 3 days
    assert credit_restore_all() == 0  # the same day again: nothing more
    later = timezone.now() + timedelta(days=60)
    call_command("creator", "credit-restore", "--quiet")
    credit_restore_all(now=later)
    author.refresh_from_db()
    assert author.credit == 100
    assert "连续" in CreditEvent.objects.filter(delta__gt=0).first().reason


def test_desk_takedown_also_costs_credit(article, desk):
    desk.post(f"/zh-hans/desk/articles/{article.id}/takedown/", {"reason": "侵权"})
    author = article.author
    author.refresh_from_db()
    assert author.credit == 100 - rules.PENALTY_TAKE_DOWN


# --- in the browser -----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_report_from_the_article_page_in_chromium(live_server, page):
    author = _author(pen_name="报道作者")
    art = published_article(author, title="一篇被举报的文章")
    UserFactory(username="careful-reader")
    url = live_server.url
    page.goto(f"{url}/zh-hans/a/{art.id}/")
    page.get_by_role("link", name="举报", exact=True).click()
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_username", "careful-reader")
    page.fill("#id_password", "correct-horse-battery")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/a/{art.id}/report/")
    assert page.get_by_text("一篇被举报的文章").is_visible()
    page.fill("#id_note", "文末有<b>诈骗</b>链接")
    page.get_by_role("button", name="提交举报").click()
    assert page.get_by_text("请选择举报类型").is_visible()
    assert page.locator("#id_note").input_value() == "文末有<b>诈骗</b>链接"
    page.get_by_label("诈骗").check()
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_url("**/report/thanks/")
    assert page.get_by_role("heading", name="谢谢你的举报").is_visible()
    screenshot(page, "report-thanks")
    report = Report.objects.get()
    assert (report.category, report.note, report.reporter.username) == (
        "fraud",
        "文末有<b>诈骗</b>链接",
        "careful-reader",
    )
