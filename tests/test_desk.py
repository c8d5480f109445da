"""The editor desk through HTTP: applications, moderation, creators and channels; editors only."""

from __future__ import annotations

import pytest
from django.test import Client

from zimei.accounts.models import CreatorApplication
from zimei.accounts.services import ApplicationInput, creator_application_submit
from zimei.articles.models import Article
from zimei.channels.models import Channel
from zimei.moderation.models import AuditEntry

from .factories import UserFactory, creator, editor, published_article

pytestmark = pytest.mark.django_db

DESK_PAGES = [
    "/zh-hans/desk/",
    "/zh-hans/desk/applications/",
    "/zh-hans/desk/articles/",
    "/zh-hans/desk/creators/",
    "/zh-hans/desk/channels/",
]


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def desk() -> Client:
    c = Client()
    c.editor = editor()
    c.force_login(c.editor)
    return c


def _application(pen_name: str = "新作者") -> CreatorApplication:
    return creator_application_submit(
        user=UserFactory(),
        data=ApplicationInput(
            pen_name=pen_name,
            tagline="一句话介绍自己",
            channel="tech",
            intro="我写科技评论已经五年了。",
            sample_work="这是代表作的正文，讨论手机芯片的功耗和散热，以及厂商的取舍。" * 3,
        ),
    )


@pytest.mark.parametrize("path", DESK_PAGES)
def test_anonymous_goes_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/zh-hans/accounts/login/?next=")


@pytest.mark.parametrize("path", DESK_PAGES)
def test_readers_and_creators_are_not_editors(client, path):
    client.force_login(UserFactory())
    assert client.get(path).status_code == 403
    client.force_login(creator().user)
    response = client.get(path)
    assert response.status_code == 403 and "编辑台只对编辑开放" in _text(response)


def test_non_editors_cannot_act(client):
    application = _application()
    article = published_article()
    client.force_login(creator().user)
    assert (
        client.post(
            f"/zh-hans/desk/applications/{application.id}/review/", {"decision": "approve"}
        ).status_code
        == 403
    )
    assert client.post(f"/zh-hans/desk/articles/{article.id}/takedown/", {"reason": "x"}).status_code == 403
    assert (
        client.post(f"/zh-hans/desk/creators/{article.author_id}/trusted/", {"trusted": "1"}).status_code
        == 403
    )
    assert client.post("/zh-hans/desk/channels/tech/", {"name": "改名", "position": "1"}).status_code == 403
    application.refresh_from_db()
    article.refresh_from_db()
    assert application.status == CreatorApplication.Status.PENDING
    assert article.status == Article.Status.PUBLISHED
    assert Channel.objects.get(slug="tech").name == "科技"


def test_home_counts(desk):
    _application()
    published_article()
    page = _text(desk.get("/zh-hans/desk/"))
    assert 'class="count-pending">1<' in page and 'class="count-published">1<' in page
    for link in ("/zh-hans/desk/applications/", "/zh-hans/desk/articles/", "/zh-hans/desk/channels/"):
        assert link in page


def test_applications_list_and_reject_with_reason(desk):
    application = _application("评测老王")
    page = _text(desk.get("/zh-hans/desk/applications/"))
    assert "评测老王" in page and "手机芯片的功耗和散热" in page and "我写科技评论已经五年了" in page
    # A rejection needs a reason (in the reader's script), and the page keeps it.
    missing = desk.post(f"/zh-hant/desk/applications/{application.id}/review/", {"decision": "reject"})
    assert missing.status_code == 200 and "請寫明不通過的理由，申請人會看到它" in _text(missing)
    desk.post(
        f"/zh-hans/desk/applications/{application.id}/review/",
        {"decision": "reject", "reason": "代表作太短"},
    )
    application.refresh_from_db()
    assert application.status == CreatorApplication.Status.REJECTED and application.reason == "代表作太短"
    assert AuditEntry.objects.filter(action="application.reject", reason="代表作太短").exists()
    # Reviewing twice is refused with a message, not an error page.
    again = desk.post(f"/zh-hans/desk/applications/{application.id}/review/", {"decision": "approve"})
    assert again.status_code == 200 and "这份申请已经审核过了" in _text(again)
    assert desk.post("/zh-hans/desk/applications/999999/review/", {"decision": "approve"}).status_code == 404


def test_approving_a_taken_pen_name_is_explained(desk):
    application = _application("重名作者")
    creator(pen_name="重名作者")
    response = desk.post(f"/zh-hans/desk/applications/{application.id}/review/", {"decision": "approve"})
    assert response.status_code == 200 and "笔名已被占用" in _text(response)


def test_articles_filter_take_down_and_restore(desk, django_capture_on_commit_callbacks):
    tech = published_article(creator(channel="tech"), title="科技文章一篇")
    art = published_article(creator(channel="art"), title="艺术文章一篇")
    page = _text(desk.get("/zh-hans/desk/articles/?channel=tech&status=published"))
    assert "科技文章一篇" in page and "艺术文章一篇" not in page
    assert "艺术文章一篇" in _text(desk.get("/zh-hans/desk/articles/?status=bogus&channel=nope"))

    # No reason: a message next to that article's form, nothing changes.
    missing = desk.post(f"/zh-hans/desk/articles/{tech.id}/takedown/?channel=tech", {"reason": " "})
    assert missing.status_code == 200
    assert f'id="reason-{tech.id}-error"' in _text(missing) and "请写明下架理由" in _text(missing)
    tech.refresh_from_db()
    assert tech.status == Article.Status.PUBLISHED

    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            f"/zh-hans/desk/articles/{tech.id}/takedown/",
            {"reason": "标题与内容不符", "next": "/zh-hans/desk/articles/?channel=tech"},
        )
    assert response.status_code == 302 and response["Location"] == "/zh-hans/desk/articles/?channel=tech"
    tech.refresh_from_db()
    assert tech.status == Article.Status.TAKEN_DOWN and tech.takedown_reason == "标题与内容不符"
    assert Client().get(f"/zh-hans/a/{tech.id}/").status_code == 410
    assert AuditEntry.objects.filter(action="article.take_down", target_id=tech.id).exists()

    # The author sees the reason in the studio (in their script).
    author = Client()
    author.force_login(tech.author.user)
    assert "標題與內容不符" in _text(author.get("/zh-hant/studio/"))

    with django_capture_on_commit_callbacks(execute=True):
        desk.post(f"/zh-hans/desk/articles/{tech.id}/restore/", {"reason": "作者已说明"})
    tech.refresh_from_db()
    assert tech.status == Article.Status.PUBLISHED and tech.takedown_reason == ""
    assert Client().get(f"/zh-hans/a/{tech.id}/").status_code == 200
    assert art.status == Article.Status.PUBLISHED


def test_take_down_never_redirects_off_site(desk):
    article = published_article()
    response = desk.post(
        f"/zh-hans/desk/articles/{article.id}/takedown/", {"reason": "违规", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/zh-hans/desk/articles/"


def test_creators_trusted_toggle_with_audit(desk):
    profile = creator(pen_name="可信的人", trusted=False)
    page = _text(desk.get("/zh-hans/desk/creators/"))
    assert "可信的人" in page and "设为可信" in page
    desk.post(f"/zh-hans/desk/creators/{profile.id}/trusted/", {"trusted": "1"})
    profile.refresh_from_db()
    assert profile.trusted and "信" in profile.badges
    assert "取消可信" in _text(desk.get("/zh-hans/desk/creators/"))
    desk.post(f"/zh-hans/desk/creators/{profile.id}/trusted/", {"trusted": "0"})
    profile.refresh_from_db()
    assert not profile.trusted
    actions = list(
        AuditEntry.objects.filter(target_type="accounts.creatorprofile", target_id=profile.id).values_list(
            "action", flat=True
        )
    )
    assert actions == ["creator.untrust", "creator.trust"]


def test_channels_edit_name_description_position_but_not_slug(desk):
    page = _text(desk.get("/zh-hans/desk/channels/"))
    assert 'action="/zh-hans/desk/channels/tech/"' in page and 'name="slug"' not in page
    response = desk.post(
        "/zh-hans/desk/channels/tech/",
        {"name": "科技前沿", "description": "芯片、手机和软件", "position": "3", "slug": "hacked"},
    )
    assert response.status_code == 302
    channel = Channel.objects.get(slug="tech")
    assert (channel.name, channel.description, channel.position) == ("科技前沿", "芯片、手机和软件", 3)
    assert not Channel.objects.filter(slug="hacked").exists()
    assert AuditEntry.objects.filter(action="channel.update", target_id=channel.id).exists()


def test_channel_errors_keep_what_was_typed(desk):
    response = desk.post(
        "/zh-hant/desk/channels/tech/", {"name": "", "description": "新的介紹", "position": "第一"}
    )
    page = _text(response)
    assert response.status_code == 200
    assert "請填寫頻道名稱" in page and "排序請填寫 0 到 999 之間的整數" in page
    assert 'value="第一"' in page and "新的介紹" in page
    assert Channel.objects.get(slug="tech").name == "科技"
    assert desk.post("/zh-hans/desk/channels/no-such/", {"name": "x", "position": "1"}).status_code == 404


# --- a draft is its author's until it is submitted ------------------------------------------


def test_editors_never_see_creators_drafts_on_the_desk_the_preview_the_api_or_the_admin(desk):
    from django.contrib.auth.models import Permission

    from zimei.accounts.services import token_create
    from zimei.articles.services import ArticleInput, article_create, article_publish, article_save

    author = creator(channel="tech", trusted=False)
    draft = article_create(
        author=author,
        data=ArticleInput(title="私人草稿：还没想好", body_html="<p>只写给自己看。</p>", channel="tech"),
    )
    held = article_create(
        author=author,
        data=ArticleInput(title="待审：新作者的文章", body_html="<p>请编辑看看。</p>", channel="tech"),
    )
    article_publish(article=held, actor=author.user)
    assert held.status == Article.Status.PENDING
    public = published_article(creator(channel="tech"), title="已发布：公开的文章")
    # Its author goes on writing: changes not submitted are the author's too.
    article_save(
        article=public,
        actor=public.author.user,
        data=ArticleInput(title="未提交的修改", body_html="<p>还在改。</p>", channel="tech"),
    )

    for path in ("/zh-hans/desk/articles/", "/zh-hans/desk/articles/?status=draft", "/zh-hans/desk/"):
        page = _text(desk.get(path))
        assert "私人草稿" not in page and f"/studio/{draft.id}/" not in page, path
    listed = _text(desk.get("/zh-hans/desk/articles/"))
    assert "待审：新作者的文章" in listed and "已发布：公开的文章" in listed and "共 2 篇" in listed
    assert "未提交的修改" not in listed
    assert 'value="draft"' not in listed  # no 草稿 filter either

    assert desk.get(f"/zh-hans/studio/{draft.id}/preview/").status_code == 404
    assert "待审：新作者的文章" in _text(desk.get(f"/zh-hans/studio/{held.id}/preview/"))
    shown = _text(desk.get(f"/zh-hans/studio/{public.id}/preview/"))
    assert "已发布：公开的文章" in shown and "未提交的修改" not in shown and "还在改" not in shown

    # The API, with an editor's token: the draft does not exist for them.
    _, token = token_create(user=desk.editor, name="desk")
    api = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert desk.get(f"/api/v1/articles/{draft.id}", **api).status_code == 404
    assert desk.get(f"/api/v1/articles/{held.id}", **api).json()["title"] == "待审：新作者的文章"
    assert desk.get(f"/api/v1/articles/{public.id}", **api).json()["title"] == "已发布：公开的文章"
    # The author still reads their own working copy.
    _, mine = token_create(user=author.user, name="mine")
    own = desk.get(f"/api/v1/articles/{draft.id}", HTTP_AUTHORIZATION=f"Bearer {mine}")
    assert own.json()["title"] == "私人草稿：还没想好"

    # The admin's article list, for staff an operator gave the articles' permissions.
    staff = editor(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="articles"))
    admin = Client()
    admin.force_login(staff)
    page = _text(admin.get("/admin/articles/article/"))
    assert "待审：新作者的文章" in page and "私人草稿" not in page
    assert "私人草稿" not in _text(admin.get(f"/admin/articles/article/{draft.id}/change/", follow=True))
