"""The creator's and the editors' side of 跟帖 (docs/comments.md, "Creators and editors"): the
services on both databases (pin one, hide on one's own article only, comments off, editors'
decisions audited with the commenter told why, held → published, a reader's standing), and
what each sees through HTTP (the studio's comments page and 通知, the desk's comments queue,
我的跟帖)."""

from __future__ import annotations

import pytest
from django.test import Client

from zimei.accounts.models import User
from zimei.comments import moderation as mod
from zimei.comments import services
from zimei.comments.models import ArticleThread, Comment, CommenterStanding, CommentReport
from zimei.comments.selectors import comment_box
from zimei.core.errors import InputError, NotAllowed
from zimei.moderation.models import AuditEntry

from .factories import UserFactory, creator, editor, published_article

pytestmark = pytest.mark.django_db

H = "/zh-hans"


@pytest.fixture
def article():
    return published_article(creator(), title="散热设计的取舍")


def post(article, who, body="写得很清楚，谢谢作者分享这些细节。", **kwargs) -> Comment:
    return services.comment_post(article=article, author=who, body=body, **kwargs)


def owner(article) -> User:
    return article.author.user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- services -----------------------------------------------------------------------------


def test_the_author_pins_one_comment_at_a_time_and_it_leads_the_box(article):
    a, b = (
        post(article, UserFactory(), "第一条：风扇的噪音怎么样？"),
        post(article, UserFactory(), "第二条：散热片够大。"),
    )
    mod.comment_pin(comment=a, actor=owner(article))
    mod.comment_pin(comment=b, actor=owner(article))
    assert list(Comment.objects.filter(article=article, pinned=True).values_list("id", flat=True)) == [b.id]
    assert comment_box(article_id=article.id).pinned.id == b.id
    with pytest.raises(NotAllowed):  # nobody else pins, editors neither
        mod.comment_pin(comment=a, actor=creator().user)
    with pytest.raises(NotAllowed):
        mod.comment_pin(comment=a, actor=editor())
    mod.comment_pin(comment=b, actor=owner(article), pinned=False)
    assert comment_box(article_id=article.id).pinned is None


def test_the_author_hides_only_on_their_own_article_with_a_reason_the_commenter_reads(article):
    commenter = UserFactory(username="被隐藏的读者")
    c = post(article, commenter, "这条跟帖会被作者隐藏。")
    other_article = published_article(creator(), title="别人的文章")
    with pytest.raises(NotAllowed):
        mod.comment_hide(comment=c, actor=other_article.author.user, reason="不相关")
    with pytest.raises(InputError) as missing:
        mod.comment_hide(comment=c, actor=owner(article), reason="  ")
    assert "请写明隐藏的理由" in str(missing.value)
    mod.comment_hide(comment=c, actor=owner(article), reason="与文章无关")
    c.refresh_from_db()
    assert (c.status, c.reason) == ("hidden", "与文章无关")
    assert ArticleThread.objects.get(pk=article.id).comment_count == 0
    assert AuditEntry.objects.filter(action="comment.hide", target_id=c.id, reason="与文章无关").exists()
    page = signed_in(commenter).get(f"{H}/me/comments/").content.decode()
    assert "已隐藏" in page and "与文章无关" in page
    hant = signed_in(commenter).get("/zh-hant/me/comments/").content.decode()
    assert "與文章無關" in hant  # the reason in the commenter's script


def test_comments_off_refuses_new_ones_and_an_editor_closing_is_audited(article):
    mod.comments_set_open(article=article, actor=owner(article), open=False)
    with pytest.raises(InputError) as closed:
        post(article, UserFactory())
    assert "关闭" in str(closed.value)
    with pytest.raises(NotAllowed):
        mod.comments_set_open(article=article, actor=UserFactory(), open=True)
    assert not AuditEntry.objects.filter(action__startswith="comments.").exists()  # the author's own switch
    mod.comments_set_open(article=article, actor=editor(), open=True)
    assert AuditEntry.objects.filter(action="comments.open", target_id=article.id).exists()
    assert post(article, UserFactory()).status == "published"


def test_an_editor_removes_with_a_reason_audited_and_the_reports_are_settled(article):
    commenter = UserFactory()
    c = post(article, commenter, "这条跟帖会被举报。")
    services.comment_report_create(comment=c, reporter=UserFactory(), category="abuse", note="骂人")
    services.comment_report_create(comment=c, reporter=UserFactory(), category="spam", note="")
    desk = editor()
    groups = mod.comment_queue_reports()
    assert [(g.comment.id, g.count) for g in groups] == [(c.id, 2)]
    assert mod.comment_queue_counts() == {"held": 0, "reports": 1}
    with pytest.raises(NotAllowed):
        mod.comment_reports_decide(comment=c, actor=owner(article), uphold=True, reason="x")
    with pytest.raises(InputError):
        mod.comment_reports_decide(comment=c, actor=desk, uphold=True, reason="")
    mod.comment_reports_decide(comment=c, actor=desk, uphold=True, reason="人身攻击")
    c.refresh_from_db()
    assert (c.status, c.reason, c.decided_by_id) == ("removed", "人身攻击", desk.id)
    assert set(CommentReport.objects.values_list("status", flat=True)) == {"upheld"}
    actions = sorted(AuditEntry.objects.values_list("action", flat=True))
    assert actions == ["comment.remove", "comment_report.uphold", "comment_report.uphold"]
    assert ArticleThread.objects.get(pk=article.id).comment_count == 0
    with pytest.raises(InputError):  # the second editor is told it was decided
        mod.comment_reports_decide(comment=c, actor=editor(), uphold=False, reason="")


def test_held_to_published_by_an_editor_and_standing_hold_then_block(article):
    reader = UserFactory(username="常发广告的读者")
    desk = editor()
    with pytest.raises(InputError):
        mod.commenter_standing_set(user=reader, actor=desk, level="hold", reason="")
    mod.commenter_standing_set(user=reader, actor=desk, level="hold", reason="近期多次发广告")
    held = post(article, reader, "这一条需要编辑先看过。")
    assert held.status == "held" and any("近期多次发广告" in r for r in held.reasons)
    assert [c.id for c in mod.comment_queue_held()] == [held.id]
    mod.comment_approve(comment=held, actor=desk)
    held.refresh_from_db()
    assert held.status == "published" and ArticleThread.objects.get(pk=article.id).comment_count == 1
    with pytest.raises(InputError):
        mod.comment_approve(comment=held, actor=desk)

    mod.commenter_standing_set(user=reader, actor=desk, level="block", reason="屡次违规")
    assert CommenterStanding.objects.get(user=reader).level == "block"
    with pytest.raises(NotAllowed) as blocked:
        post(article, reader, "被禁止后的跟帖。")
    assert "屡次违规" in str(blocked.value)
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        "commenter.standing",
        "comment.approve",
    }


def test_a_blocked_reader_is_told_why_and_keeps_their_text(article):
    reader = UserFactory()
    mod.commenter_standing_set(user=reader, actor=editor(), level="block", reason="屡次辱骂他人")
    body = "我想说的话，一个字都不要丢。"
    response = signed_in(reader).post(f"{H}/a/{article.id}/comments/post/", {"body": body})
    page = response.content.decode()
    assert response.status_code == 400
    assert "你的账号已被禁止跟帖" in page and "屡次辱骂他人" in page and body in page


# --- through HTTP: the studio and the desk ------------------------------------------------


def test_the_studio_comments_page_switches_pins_hides_and_通知_counts_new_ones(
    article, django_capture_on_commit_callbacks
):
    author = signed_in(owner(article))
    commenter = UserFactory(username="热心读者")
    first = post(article, commenter, "第一条跟帖：散热片是铜的吗？")
    reply = post(article, UserFactory(username="另一位读者"), "回复：是铝的。", parent=first)
    assert '新跟帖 <span class="count">2</span>' in author.get(f"{H}/studio/").content.decode()
    tab = author.get(f"{H}/studio/notices/").content.decode()
    assert '跟帖 <span class="count unread">2</span>' in tab
    notices = author.get(f"{H}/studio/notices/comments/").content.decode()
    assert (
        notices.count('class="notice-item unread"') == 2 and "回复了" in notices and "第一条跟帖" in notices
    )
    assert 'class="count unread"' not in author.get(f"{H}/studio/notices/").content.decode()  # read now

    page = author.get(f"{H}/studio/{article.id}/comments/").content.decode()
    assert "第一条跟帖" in page and "回复：是铝的。" in page
    assert "第一条跟帖" in Client().get(f"{H}/a/{article.id}/comments/box/").content.decode()  # cached now
    with django_capture_on_commit_callbacks(execute=True):  # the purges run on commit
        response = author.post(f"{H}/studio/comments/{first.id}/pin/", {"pinned": "1"})
    assert response.status_code == 302
    box = Client().get(f"{H}/a/{article.id}/comments/box/").content.decode()
    assert box.index("置顶") < box.index("最新跟帖") and "第一条跟帖" in box.split("最新跟帖")[0]

    bad = author.post(f"{H}/studio/comments/{reply.id}/hide/", {"reason": ""})
    assert bad.status_code == 400 and "请写明隐藏的理由" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        author.post(f"{H}/studio/comments/{reply.id}/hide/", {"reason": "答非所问<script>alert(1)</script>"})
    assert "回复：是铝的。" not in Client().get(f"{H}/a/{article.id}/comments/box/").content.decode()
    told = signed_in(reply.author).get(f"{H}/me/comments/").content.decode()
    assert "答非所问&lt;script&gt;alert(1)&lt;/script&gt;" in told and "<script>alert" not in told

    with django_capture_on_commit_callbacks(execute=True):
        author.post(f"{H}/studio/{article.id}/comments/open/", {"open": "0"})
    assert "作者已关闭这篇文章的跟帖" in Client().get(f"{H}/a/{article.id}/comments/").content.decode()
    # Another creator reaches none of it.
    stranger = signed_in(creator().user)
    assert stranger.get(f"{H}/studio/{article.id}/comments/").status_code == 404
    assert stranger.post(f"{H}/studio/comments/{first.id}/hide/", {"reason": "x"}).status_code == 404


def test_the_desk_queue_decides_held_and_reported_comments_and_sets_standing(article):
    desk = signed_in(editor())
    spammer = UserFactory(username="广告读者")
    mod.commenter_standing_set(user=spammer, actor=editor(), level="hold", reason="刷广告")
    held = post(article, spammer, "需要编辑先看的一条跟帖。")
    repeater = UserFactory()
    post(article, repeater, "关注我的主页领取免费资料包")
    repeated = post(article, repeater, "关注我的主页领取免费资料包")  # the spam check's repetition rule
    assert repeated.status == "held"
    page = desk.get(f"{H}/desk/comments/").content.decode()
    assert "需要编辑先看的一条跟帖" in page and "刷广告" in page and "跟帖需审核" in page
    assert "你最近已经发过同样的内容" in page  # each held comment with its reasons
    bad = desk.post(f"{H}/desk/comments/{held.id}/", {"decision": "remove", "reason": ""})
    assert bad.status_code == 400 and "请写明删除的理由" in bad.content.decode()
    desk.post(f"{H}/desk/comments/{held.id}/", {"decision": "publish", "reason": ""})
    assert Comment.objects.get(pk=held.id).status == "published"

    reported = post(article, UserFactory(username="出言不逊的读者"), "一条被举报的跟帖。")
    services.comment_report_create(comment=reported, reporter=UserFactory(), category="abuse", note="骂人了")
    tab = desk.get(f"{H}/desk/comments/?tab=reports").content.decode()
    assert "一条被举报的跟帖" in tab and "辱骂攻击 × 1" in tab and "骂人了" in tab
    desk.post(f"{H}/desk/comments/{reported.id}/reports/", {"decision": "uphold", "reason": "辱骂他人"})
    mine = signed_in(reported.author).get(f"{H}/me/comments/").content.decode()
    assert "编辑删除了这条跟帖，原因：辱骂他人" in mine

    bad = desk.post(
        f"{H}/desk/commenters/{spammer.id}/standing/", {"level": "block", "reason": "", "tab": "held"}
    )
    assert bad.status_code == 400 and "请写明理由" in bad.content.decode()
    desk.post(f"{H}/desk/commenters/{spammer.id}/standing/", {"level": "normal", "reason": "", "tab": "held"})
    assert CommenterStanding.objects.get(user=spammer).level == "normal"
