"""The role matrix: every route × every role × every method it answers, with the outcome each
role must get (docs/security-roles.md).

Roles: anonymous, reader, creator (the owner of the objects used), other_creator (another
creator: their requests for the creator's objects are IDOR attempts and must be 404s), editor
and admin (made as an operator makes them: staff; admin is a superuser).

Every route Django resolves (reader pages in both modes, accounts, studio, desk, the API's
operations, site-wide endpoints, /admin/) must have an entry in ROUTES: a new view without
one fails `test_every_route_is_in_the_matrix`. Each route is one test; within it every role
sends every method listed, each request in a savepoint rolled back afterwards, so one role's
write never changes what the next role sees.

Outcomes: an HTTP status, or LOGIN (a redirect to a login page), or REDIRECT (any other
redirect: a form that did its work).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern

from zimei.accounts.models import ApiToken, CreatorApplication, User
from zimei.accounts.services import (
    ApplicationInput,
    creator_application_submit,
    token_create,
    user_create,
)
from zimei.articles.models import Article
from zimei.articles.services import ArticleInput, article_create, image_upload, upload_from
from zimei.core.pagecache import page_store

from .factories import UserFactory, creator, ensure_channels, png_bytes, published_article
from .live import uses_pg

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reader", "creator", "other_creator", "editor", "admin")
LOGIN = "login"
REDIRECT = "redirect"
STRONG = "a-long-passphrase-9"


def row(anonymous, reader, creator, other_creator, editor, admin) -> dict[str, object]:
    return dict(zip(ROLES, (anonymous, reader, creator, other_creator, editor, admin), strict=True))


def every(outcome) -> dict[str, object]:
    return row(*(outcome,) * 6)


# Who may use a creator page (studio) or an editor page (desk).
STUDIO_GET = row(LOGIN, 403, 200, 200, 403, 403)
STUDIO_POST_ONLY_GET = row(LOGIN, 403, 405, 405, 403, 403)
STUDIO_JSON_GET = row(401, 403, 405, 405, 403, 403)
DESK_GET = row(LOGIN, 403, 403, 403, 200, 200)
DESK_POST_ONLY_GET = row(LOGIN, 403, 403, 403, 405, 405)
SIGNED_IN_ONLY = row(LOGIN, 200, 200, 200, 200, 200)


@dataclass
class World:
    """The objects every route is tried against. `creator` owns them; `other_creator` does not."""

    users: dict[str, User | None]
    draft: Article
    pending: Article  # held for an editor's review
    published: Article
    taken_down: Article
    application: CreatorApplication
    token: ApiToken
    tokens: dict[str, str]  # role -> API token
    image_path: str
    author_id: int
    decision_id: int  # an editor's take-down of the creator's article, not yet appealed
    appeal_id: int  # the creator's appeal of another take-down
    reported: Article  # a published article with an open report
    pin_id: int  # a hot-list pin
    banned_id: int  # a word in the banned-word lexicon
    override_id: int  # a conversion override (desk:conversion)
    comment_id: int  # the creator's own comment on the published article (docs/comments.md)
    held_comment_id: int  # a reader's comment held for the desk (their standing is "hold")
    reported_comment_id: int  # a reader's comment with an open report
    commenter_id: int  # that reader


def _world() -> World:
    ensure_channels()
    owner = creator(channel="tech")
    other = creator(channel="tech")
    users = {
        "anonymous": None,
        "reader": UserFactory(),
        "creator": owner.user,
        "other_creator": other.user,
        "editor": user_create(username="role-editor", password=STRONG, role=User.Role.EDITOR),
        "admin": user_create(username="role-admin", password=STRONG, role=User.Role.ADMIN),
    }
    draft = article_create(
        author=owner,
        data=ArticleInput(title="创作者的草稿", body_html="<p>草稿正文：头发干了。</p>", channel="tech"),
    )
    published = published_article(owner)
    pending = article_create(
        author=owner, data=ArticleInput(title="等待审核的文章", body_html="<p>待审正文。</p>", channel="tech")
    )
    Article.objects.filter(id=pending.id).update(status=Article.Status.PENDING)
    from zimei.articles.services import article_take_down
    from zimei.distribution.hot import hot_pin_set
    from zimei.distribution.models import HotPin
    from zimei.moderation.models import AuditEntry
    from zimei.moderation.services import appeal_create, banned_word_add, report_create

    desk = users["editor"]
    taken_down = article_take_down(
        article=published_article(owner, title="一篇被下架的文章"), actor=desk, reason="违反社区规范"
    )
    appealed = article_take_down(
        article=published_article(owner, title="另一篇被下架的文章"), actor=desk, reason="违反社区规范"
    )
    decisions = AuditEntry.objects.filter(action="article.take_down")
    decision = decisions.get(target_id=taken_down.id)
    appeal = appeal_create(
        decision=decisions.get(target_id=appealed.id), creator=owner.user, text="请再看一遍"
    )
    reported = published_article(owner, title="一篇被举报的文章")
    report_create(article=reported, reporter=users["other_creator"], category="spam", note="")
    hot_pin_set(actor=desk, article_id=published.id, channel=None, action="pin", position=1)
    banned = banned_word_add(actor=desk, word="角色矩阵测试词", category="", action="hold")
    from zimei.conversion.services import override_add

    override = override_add(actor=desk, source="角色矩阵", target="角色矩陣表", variant="zh-hant", note="")
    application = creator_application_submit(
        user=UserFactory(),
        data=ApplicationInput(
            pen_name="申请中的作者",
            tagline="一句话介绍自己",
            channel="tech",
            intro="我写科技评论已经五年了。",
            sample_work="这是代表作的正文，讨论手机芯片的功耗和散热，以及厂商的取舍。" * 3,
        ),
    )
    from zimei.comments.services import comment_post

    comment = comment_post(article=published, author=owner.user, body="作者自己的跟帖：欢迎讨论。")
    from zimei.comments.models import Comment, CommentReport

    # Rows as the services leave them (made directly: every test of the module builds its world).
    commenter = UserFactory()
    reported_comment = Comment.objects.create(
        article=published, author=commenter, body="一条被举报的读者跟帖。"
    )
    CommentReport.objects.create(comment=reported_comment, reporter=users["reader"], category="abuse")
    held_comment = Comment.objects.create(
        article=published,
        author=commenter,
        body="一条等待编辑审核的跟帖。",
        status="held",
        reasons=["先审后发"],
    )
    token, _ = token_create(user=owner.user, name="owner's")
    tokens = {role: token_create(user=user)[1] for role, user in users.items() if user is not None}
    upload = SimpleUploadedFile("pic.png", png_bytes(), content_type="image/png")
    image = image_upload(owner=owner.user, upload=upload_from(upload))
    return World(
        users=users,
        draft=draft,
        pending=pending,
        published=published,
        taken_down=taken_down,
        application=application,
        token=token,
        tokens=tokens,
        image_path=image.url.removeprefix("/media/"),
        author_id=owner.id,
        decision_id=decision.id,
        appeal_id=appeal.id,
        reported=reported,
        pin_id=HotPin.objects.latest("id").id,
        banned_id=banned.id,
        override_id=override.id,
        comment_id=comment.id,
        held_comment_id=held_comment.id,
        reported_comment_id=reported_comment.id,
        commenter_id=commenter.id,
    )


@dataclass
class Route:
    """How to reach one route and what each role gets, per method."""

    url: Callable[[World], str]
    expect: dict[str, dict[str, object]]  # method -> role -> outcome
    data: Callable[[World], dict] | None = None  # POST/PATCH body
    api: bool = False  # send the role's Bearer token instead of a session
    json: bool = False  # the body is JSON
    files: bool = False  # add a PNG as `file`
    note: str = ""


def _flag_key(article: Article) -> str:
    from zimei.conversion.flags import conversion_flags

    return next(f.key for f in conversion_flags(article.body_html) if f.source == "干")


# --- the matrix ---------------------------------------------------------------------------
H = "/zh-hans"

READER_ROUTES: dict[str, Route] = {
    "home": Route(lambda w: "", {"GET": every(200)}),
    "channel": Route(lambda w: "c/tech/", {"GET": every(200)}),
    "article": Route(lambda w: f"a/{w.published.id}/", {"GET": every(200)}),
    "author": Route(lambda w: f"u/{w.author_id}/", {"GET": every(200)}),
    "follow": Route(
        lambda w: f"u/{w.author_id}/follow/",
        # The author following themselves is refused with a message on the page it goes back to.
        {"POST": row(LOGIN, *(REDIRECT,) * 5), "GET": row(LOGIN, *(405,) * 5)},
        data=lambda w: {"follow": "1"},
    ),
    "accessibility": Route(lambda w: "accessibility/", {"GET": every(200)}),
    # The 无障碍 toolbar's markup, fetched by a11y.js: the same for everyone.
    "a11y-toolbar": Route(lambda w: "a11y/", {"GET": every(200), "POST": every(405)}),
    # The footer's pages (关于我们 …): public reads, edited only in the admin.
    **{
        f"page-{slug}": Route(lambda w, slug=slug: f"{slug}/", {"GET": every(200), "POST": every(405)})
        for slug in ("about", "terms", "privacy", "contact")
    },
    # 搜索: a read for everyone (published articles only: tests/test_search.py); GET only.
    "search": Route(
        lambda w: "search/?q=芯片", {"GET": every(200), "POST": every(405)}, data=lambda w: {"q": "芯片"}
    ),
    "creator-levels": Route(lambda w: "about/creator-levels/", {"GET": every(200)}),
    "following": Route(lambda w: "following/", {"GET": SIGNED_IN_ONLY}),
    "report": Route(
        # 举报: signed-in readers; an author cannot report their own article (the form again, 400).
        lambda w: f"a/{w.published.id}/report/",
        {"GET": SIGNED_IN_ONLY, "POST": row(LOGIN, REDIRECT, 400, REDIRECT, REDIRECT, REDIRECT)},
        data=lambda w: {"category": "spam", "note": "广告"},
    ),
    "report-thanks": Route(lambda w: f"a/{w.published.id}/report/thanks/", {"GET": SIGNED_IN_ONLY}),
    # 跟帖 (docs/comments.md): the box and the comments page are everyone's; writing is signed in.
    "comments": Route(lambda w: f"a/{w.published.id}/comments/", {"GET": every(200), "POST": every(405)}),
    "comments-box": Route(
        lambda w: f"a/{w.published.id}/comments/box/", {"GET": every(200), "POST": every(405)}
    ),
    "comment-post": Route(
        lambda w: f"a/{w.published.id}/comments/post/",
        {"POST": row(LOGIN, *(REDIRECT,) * 5), "GET": row(LOGIN, *(405,) * 5)},
        data=lambda w: {"body": "角色矩阵里的一条跟帖。"},
    ),
    "article-like": Route(
        lambda w: f"a/{w.published.id}/like/",
        {"POST": row(LOGIN, *(REDIRECT,) * 5), "GET": row(LOGIN, *(405,) * 5)},
        data=lambda w: {"on": "1"},
    ),
    "article-save": Route(
        lambda w: f"a/{w.published.id}/save/",
        {"POST": row(LOGIN, *(REDIRECT,) * 5), "GET": row(LOGIN, *(405,) * 5)},
        data=lambda w: {"on": "1"},
    ),
    "comment-vote": Route(
        lambda w: f"comment/{w.comment_id}/vote/",
        {"POST": row(LOGIN, *(REDIRECT,) * 5), "GET": row(LOGIN, *(405,) * 5)},
        data=lambda w: {},
    ),
    "comment-delete": Route(
        # Only the commenter (here the creator): anyone else's request is a 404, never a delete.
        lambda w: f"comment/{w.comment_id}/delete/",
        {"POST": row(LOGIN, 404, REDIRECT, 404, 404, 404), "GET": row(LOGIN, *(405,) * 5)},
        data=lambda w: {},
    ),
    "comment-report": Route(
        # 举报 a comment: signed in; the commenter cannot report their own (the form again, 400).
        lambda w: f"comment/{w.comment_id}/report/",
        {"GET": SIGNED_IN_ONLY, "POST": row(LOGIN, 200, 400, 200, 200, 200)},
        data=lambda w: {"category": "abuse", "note": ""},
    ),
    "my-comments": Route(lambda w: "me/comments/", {"GET": SIGNED_IN_ONLY}),
    "my-saved": Route(lambda w: "me/saved/", {"GET": SIGNED_IN_ONLY}),
    "feed-rss": Route(lambda w: "feed/rss.xml", {"GET": every(200)}),
    "feed-atom": Route(lambda w: "feed/atom.xml", {"GET": every(200)}),
    "channel-rss": Route(lambda w: "c/tech/rss.xml", {"GET": every(200)}),
    "channel-atom": Route(lambda w: "c/tech/atom.xml", {"GET": every(200)}),
    "author-rss": Route(lambda w: f"u/{w.author_id}/rss.xml", {"GET": every(200)}),
    "author-atom": Route(lambda w: f"u/{w.author_id}/atom.xml", {"GET": every(200)}),
}

# A draft is nobody's reader page, not even its author's; a taken-down article is gone (410).
READER_EXTRA: dict[str, Route] = {
    "article [draft]": Route(lambda w: f"a/{w.draft.id}/", {"GET": every(404)}),
    "article [taken down]": Route(lambda w: f"a/{w.taken_down.id}/", {"GET": every(410)}),
    "article [pending]": Route(lambda w: f"a/{w.pending.id}/", {"GET": every(404)}),
    "comments-box [taken down]": Route(lambda w: f"a/{w.taken_down.id}/comments/box/", {"GET": every(410)}),
    "comments [draft]": Route(lambda w: f"a/{w.draft.id}/comments/", {"GET": every(404)}),
    "comment-post [draft]": Route(
        lambda w: f"a/{w.draft.id}/comments/post/",
        {"POST": row(LOGIN, *(404,) * 5)},
        data=lambda w: {"body": "草稿下的跟帖。"},
    ),
    "report [draft]": Route(
        lambda w: f"a/{w.draft.id}/report/",
        {"GET": row(LOGIN, *(404,) * 5), "POST": row(LOGIN, *(404,) * 5)},
        data=lambda w: {"category": "spam", "note": ""},
    ),
}

ACCOUNT_ROUTES: dict[str, Route] = {
    "accounts:login": Route(
        lambda w: f"{H}/accounts/login/", {"GET": row(200, *(REDIRECT,) * 5)}, note="signed in: home"
    ),
    "accounts:logout": Route(lambda w: f"{H}/accounts/logout/", {"POST": every(REDIRECT), "GET": every(405)}),
    "accounts:register": Route(
        lambda w: f"{H}/accounts/register/",
        {"GET": row(200, *(REDIRECT,) * 5), "POST": row(REDIRECT, *(REDIRECT,) * 5)},
        data=lambda w: {"username": "newbie", "password": STRONG, "password_confirm": STRONG},
    ),
    "accounts:apply": Route(
        lambda w: f"{H}/accounts/apply/",
        # Anonymous: what applying is; a reader's application goes in; a creator is told they
        # already are one (the form again, 200); editors are readers here.
        {"GET": every(200), "POST": row(200, REDIRECT, 200, 200, REDIRECT, REDIRECT)},
        data=lambda w: {
            "pen_name": "新来的作者",
            "tagline": "写科技",
            "channel": "tech",
            "intro": "我写科技评论已经五年了。",
            "sample_work": "这是代表作的正文，讨论手机芯片的功耗和散热，以及厂商的取舍。" * 3,
        },
    ),
}

ARTICLE_FORM = {"title": "改过的标题", "body_html": "<p>改过的正文，足够长的一段话。</p>", "channel": "tech"}

STUDIO_ROUTES: dict[str, Route] = {
    "studio:dashboard": Route(lambda w: f"{H}/studio/", {"GET": STUDIO_GET}),
    "studio:new": Route(
        lambda w: f"{H}/studio/new/",
        {"GET": STUDIO_GET, "POST": row(LOGIN, 403, REDIRECT, REDIRECT, 403, 403)},
        data=lambda w: ARTICLE_FORM,
    ),
    "studio:autosave-new": Route(
        lambda w: f"{H}/studio/new/autosave/",
        {"POST": row(401, 403, 200, 200, 403, 403), "GET": STUDIO_JSON_GET},
        data=lambda w: ARTICLE_FORM,
    ),
    "studio:image-upload": Route(
        lambda w: f"{H}/studio/images/",
        {"POST": row(401, 403, 400, 400, 403, 403), "GET": STUDIO_JSON_GET},
        data=lambda w: {},
        note="no file sent: the creator is told to choose one",
    ),
    "studio:edit": Route(
        lambda w: f"{H}/studio/{w.draft.id}/edit/",
        {"GET": row(LOGIN, 403, 200, 404, 403, 403), "POST": row(LOGIN, 403, REDIRECT, 404, 403, 403)},
        data=lambda w: ARTICLE_FORM,
    ),
    "studio:edit [published]": Route(
        lambda w: f"{H}/studio/{w.published.id}/edit/",
        {"GET": row(LOGIN, 403, 200, 404, 403, 403), "POST": row(LOGIN, 403, REDIRECT, 404, 403, 403)},
        data=lambda w: ARTICLE_FORM,
    ),
    "studio:edit [pending]": Route(
        lambda w: f"{H}/studio/{w.pending.id}/edit/", {"GET": row(LOGIN, 403, 200, 404, 403, 403)}
    ),
    "studio:preview [pending]": Route(
        lambda w: f"{H}/studio/{w.pending.id}/preview/", {"GET": row(LOGIN, 403, 200, 404, 200, 200)}
    ),
    "studio:autosave": Route(
        lambda w: f"{H}/studio/{w.draft.id}/autosave/",
        {"POST": row(401, 403, 200, 404, 403, 403), "GET": STUDIO_JSON_GET},
        data=lambda w: ARTICLE_FORM,
    ),
    "studio:preview": Route(
        # A draft is its author's until it is submitted: editors preview held articles, not drafts.
        lambda w: f"{H}/studio/{w.draft.id}/preview/",
        {"GET": row(LOGIN, 403, 200, 404, 404, 404), "POST": every(405)},
        data=lambda w: {},
    ),
    "studio:flag": Route(
        # The author's answer to an ambiguity flag of the working copy (头发干了: 干).
        lambda w: f"{H}/studio/{w.draft.id}/flags/",
        {"POST": row(LOGIN, 403, REDIRECT, 404, 403, 403), "GET": STUDIO_POST_ONLY_GET},
        data=lambda w: {"key": _flag_key(w.draft), "action": "accept"},
    ),
    "studio:publish": Route(
        lambda w: f"{H}/studio/{w.draft.id}/publish/",
        {"POST": row(LOGIN, 403, REDIRECT, 404, 403, 403), "GET": STUDIO_POST_ONLY_GET},
        data=lambda w: {},
    ),
    "studio:withdraw": Route(
        # GET asks first (the confirmation page), the POST from it withdraws.
        lambda w: f"{H}/studio/{w.published.id}/withdraw/",
        {"POST": row(LOGIN, 403, REDIRECT, 404, 403, 403), "GET": row(LOGIN, 403, 200, 404, 403, 403)},
        data=lambda w: {},
    ),
    "studio:revisions": Route(
        lambda w: f"{H}/studio/{w.published.id}/revisions/", {"GET": row(LOGIN, 403, 200, 404, 403, 403)}
    ),
    "studio:tokens": Route(
        lambda w: f"{H}/studio/tokens/",
        {"GET": STUDIO_GET, "POST": row(LOGIN, 403, 200, 200, 403, 403)},
        data=lambda w: {"name": "新令牌", "scope": "read"},
    ),
    "studio:level": Route(lambda w: f"{H}/studio/level/", {"GET": STUDIO_GET}),
    "studio:avatar": Route(
        lambda w: f"{H}/studio/avatar/",
        {"GET": STUDIO_GET, "POST": row(LOGIN, 403, 400, 400, 403, 403)},
        data=lambda w: {},
        note="no file sent: the creator is told to choose one",
    ),
    "studio:notices": Route(lambda w: f"{H}/studio/notices/", {"GET": STUDIO_GET}),
    "studio:credit": Route(lambda w: f"{H}/studio/credit/", {"GET": STUDIO_GET}),
    "studio:appeal": Route(
        # One appeal per decision on the creator's own article; another creator's is a 404.
        lambda w: f"{H}/studio/notices/{w.decision_id}/appeal/",
        {"GET": row(LOGIN, 403, 200, 404, 403, 403), "POST": row(LOGIN, 403, REDIRECT, 404, 403, 403)},
        data=lambda w: {"text": "我已经改正了"},
    ),
    # 跟帖 on the creator's articles (studio/comments.py): their own only; another creator 404.
    "studio:comment-notices": Route(lambda w: f"{H}/studio/notices/comments/", {"GET": STUDIO_GET}),
    "studio:comments": Route(
        lambda w: f"{H}/studio/{w.published.id}/comments/", {"GET": row(LOGIN, 403, 200, 404, 403, 403)}
    ),
    "studio:comments-open": Route(
        lambda w: f"{H}/studio/{w.published.id}/comments/open/",
        {"POST": row(LOGIN, 403, REDIRECT, 404, 403, 403), "GET": STUDIO_POST_ONLY_GET},
        data=lambda w: {"open": "0"},
    ),
    "studio:comment-pin": Route(
        lambda w: f"{H}/studio/comments/{w.reported_comment_id}/pin/",
        {"POST": row(LOGIN, 403, REDIRECT, 404, 403, 403), "GET": STUDIO_POST_ONLY_GET},
        data=lambda w: {"pinned": "1"},
    ),
    "studio:comment-hide": Route(
        # The article's author hides a reader's comment; nobody else edits another's comment.
        lambda w: f"{H}/studio/comments/{w.reported_comment_id}/hide/",
        {"POST": row(LOGIN, 403, REDIRECT, 404, 403, 403), "GET": STUDIO_POST_ONLY_GET},
        data=lambda w: {"reason": "与文章无关"},
    ),
    "studio:comment-hide [held]": Route(
        # A held comment is the desk's, not the author's: a 404 for them too.
        lambda w: f"{H}/studio/comments/{w.held_comment_id}/hide/",
        {"POST": row(LOGIN, 403, 404, 404, 403, 403)},
        data=lambda w: {"reason": "与文章无关"},
    ),
    "studio:token-revoke": Route(
        lambda w: f"{H}/studio/tokens/{w.token.id}/revoke/",
        {"POST": row(LOGIN, 403, REDIRECT, 404, 403, 403), "GET": STUDIO_POST_ONLY_GET},
        data=lambda w: {},
    ),
}

DESK_POST = row(LOGIN, 403, 403, 403, REDIRECT, REDIRECT)
DESK_ROUTES: dict[str, Route] = {
    "desk:home": Route(lambda w: f"{H}/desk/", {"GET": DESK_GET}),
    "desk:search": Route(lambda w: f"{H}/desk/search/?q=%E4%B8%8B%E6%9E%B6", {"GET": DESK_GET}),
    "desk:applications": Route(lambda w: f"{H}/desk/applications/", {"GET": DESK_GET}),
    "desk:review": Route(
        lambda w: f"{H}/desk/applications/{w.application.id}/review/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"decision": "approve"},
    ),
    "desk:articles": Route(lambda w: f"{H}/desk/articles/", {"GET": DESK_GET}),
    "desk:takedown": Route(
        lambda w: f"{H}/desk/articles/{w.published.id}/takedown/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"reason": "违反社区规范"},
    ),
    "desk:restore": Route(
        lambda w: f"{H}/desk/articles/{w.taken_down.id}/restore/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"reason": "复核后恢复"},
    ),
    "desk:creators": Route(lambda w: f"{H}/desk/creators/", {"GET": DESK_GET}),
    "desk:trusted": Route(
        lambda w: f"{H}/desk/creators/{w.author_id}/trusted/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"trusted": "1"},
    ),
    "desk:channels": Route(lambda w: f"{H}/desk/channels/", {"GET": DESK_GET}),
    "desk:hot": Route(lambda w: f"{H}/desk/hot/", {"GET": DESK_GET}),
    "desk:hot-pin": Route(
        lambda w: f"{H}/desk/hot/pin/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"article": str(w.published.id), "action": "remove", "position": "1"},
    ),
    "desk:hot-undo": Route(
        lambda w: f"{H}/desk/hot/{w.pin_id}/undo/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {},
    ),
    "desk:queue": Route(lambda w: f"{H}/desk/queue/", {"GET": DESK_GET}),
    "desk:queue-article": Route(
        lambda w: f"{H}/desk/queue/articles/{w.published.id}/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"decision": "take_down", "reason": "违反社区规范"},
    ),
    "desk:queue-reports": Route(
        lambda w: f"{H}/desk/queue/articles/{w.reported.id}/reports/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"decision": "dismiss"},
    ),
    "desk:queue-appeal": Route(
        lambda w: f"{H}/desk/queue/appeals/{w.appeal_id}/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"decision": "deny", "answer": "维持原决定"},
    ),
    # The comments queue (desk/comments.py).
    "desk:comments": Route(lambda w: f"{H}/desk/comments/", {"GET": DESK_GET}),
    "desk:comments [reports]": Route(lambda w: f"{H}/desk/comments/?tab=reports", {"GET": DESK_GET}),
    "desk:comment": Route(
        lambda w: f"{H}/desk/comments/{w.held_comment_id}/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"decision": "publish"},
    ),
    "desk:comment [remove]": Route(
        lambda w: f"{H}/desk/comments/{w.comment_id}/",
        {"POST": DESK_POST},
        data=lambda w: {"decision": "remove", "reason": "违反社区规范"},
    ),
    "desk:comment-reports": Route(
        lambda w: f"{H}/desk/comments/{w.reported_comment_id}/reports/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"decision": "uphold", "reason": "辱骂他人"},
    ),
    "desk:commenter-standing": Route(
        lambda w: f"{H}/desk/commenters/{w.commenter_id}/standing/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"level": "block", "reason": "屡次违规", "tab": "reports"},
    ),
    "desk:lexicon": Route(lambda w: f"{H}/desk/lexicon/", {"GET": DESK_GET}),
    "desk:lexicon-add": Route(
        lambda w: f"{H}/desk/lexicon/add/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"word": "另一个测试词", "category": "", "action": "hold"},
    ),
    "desk:lexicon-change": Route(
        lambda w: f"{H}/desk/lexicon/{w.banned_id}/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"action": "reject"},
    ),
    "desk:conversion": Route(lambda w: f"{H}/desk/conversion/", {"GET": DESK_GET}),
    "desk:conversion-add": Route(
        lambda w: f"{H}/desk/conversion/add/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"source": "角色测试", "target": "角色測驗", "variant": "zh-hant", "note": "矩阵"},
    ),
    "desk:conversion-remove": Route(
        lambda w: f"{H}/desk/conversion/{w.override_id}/remove/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {},
    ),
    "desk:channel": Route(
        lambda w: f"{H}/desk/channels/tech/",
        {"POST": DESK_POST, "GET": DESK_POST_ONLY_GET},
        data=lambda w: {"name": "科技", "description": "科技新闻与评论", "position": "1"},
    ),
}

SITE_ROUTES: dict[str, Route] = {
    "media": Route(lambda w: f"/media/{w.image_path}", {"GET": every(200)}),
    "variant-switch": Route(lambda w: "/switch/zh-hant/?next=/zh-hans/", {"GET": every(REDIRECT)}),
    "share": Route(
        lambda w: f"/share/{w.published.id}/link/",
        {"POST": every(204), "GET": every(405)},
        data=lambda w: {},
    ),
    "share [draft]": Route(lambda w: f"/share/{w.draft.id}/link/", {"POST": every(404)}, data=lambda w: {}),
    "qr": Route(lambda w: f"/qr/{w.published.id}.svg", {"GET": every(200)}),
    # The view beacon: the same answer for everyone, signed in or not (no session is read), and
    # for any id (one that is not published is dropped by the flush, not looked up).
    "view-beacon": Route(
        lambda w: f"/views/{w.published.id}/", {"POST": every(204), "GET": every(405)}, data=lambda w: {}
    ),
    "view-beacon [draft]": Route(lambda w: f"/views/{w.draft.id}/", {"POST": every(204)}, data=lambda w: {}),
    "view-beacon-gif": Route(
        lambda w: f"/views/{w.published.id}.gif", {"GET": every(200), "POST": every(405)}, data=lambda w: {}
    ),
    "view-beacon-gif [taken down]": Route(lambda w: f"/views/{w.taken_down.id}.gif", {"GET": every(200)}),
    "robots": Route(lambda w: "/robots.txt", {"GET": every(200)}),
    "opensearch": Route(lambda w: "/opensearch.xml", {"GET": every(200)}),
    "favicon": Route(lambda w: "/favicon.ico", {"GET": every(REDIRECT)}),
    "sitemap": Route(lambda w: "/sitemap.xml", {"GET": every(200)}),
    "sitemap-section": Route(lambda w: "/sitemap-articles.xml", {"GET": every(200)}),
    "news-sitemap": Route(lambda w: "/news-sitemap.xml", {"GET": every(200)}),
}

API = "/api/v1"
WRITER = row(401, 403, 201, 201, 403, 403)  # creators only
OWN_DRAFT = row(401, 404, 200, 404, 404, 404)  # the author's alone: not even editors see a draft
OWN_PUBLISHED = row(401, 403, 200, 403, 403, 403)  # it is public: not a secret, just not theirs
API_ROUTES: dict[str, Route] = {
    "api:openapi-json": Route(lambda w: f"{API}/openapi.json", {"GET": every(200)}, api=True),
    "api:openapi-view": Route(lambda w: f"{API}/docs", {"GET": every(200)}, api=True),
    "api:api-root": Route(lambda w: f"{API}/", {"GET": every(404)}, api=True),
    "api:not_found_view": Route(lambda w: f"{API}/no/such/thing", {"GET": every(404)}, api=True),
    "api:channel_list_view": Route(lambda w: f"{API}/channels", {"GET": every(200)}, api=True),
    "api:hot_view": Route(lambda w: f"{API}/hot", {"GET": every(200)}, api=True),
    "api:search_view": Route(lambda w: f"{API}/search?q=芯片", {"GET": every(200)}, api=True),
    "api:author_get_view": Route(lambda w: f"{API}/authors/{w.author_id}", {"GET": every(200)}, api=True),
    "api:article_list_view": Route(lambda w: f"{API}/articles", {"GET": every(200)}, api=True),
    "api:article_create_view": Route(
        lambda w: f"{API}/articles",
        {"POST": WRITER},
        data=lambda w: {"title": "通过接口写的文章", "body_html": "<p>正文。</p>", "channel": "tech"},
        api=True,
        json=True,
    ),
    "api:article_get_view": Route(
        # A draft: its author sees it; anyone else, editors included, gets 404 (IDOR).
        lambda w: f"{API}/articles/{w.draft.id}",
        {"GET": row(404, 404, 200, 404, 404, 404)},
        api=True,
    ),
    "api:article_get_view [pending]": Route(
        lambda w: f"{API}/articles/{w.pending.id}", {"GET": row(404, 404, 200, 404, 200, 200)}, api=True
    ),
    "api:article_get_view [published]": Route(
        lambda w: f"{API}/articles/{w.published.id}", {"GET": every(200)}, api=True
    ),
    "api:article_patch_view": Route(
        lambda w: f"{API}/articles/{w.draft.id}",
        {"PATCH": OWN_DRAFT},
        data=lambda w: {"title": "接口改过的标题"},
        api=True,
        json=True,
    ),
    "api:article_publish_view": Route(
        lambda w: f"{API}/articles/{w.draft.id}/publish", {"POST": OWN_DRAFT}, data=lambda w: {}, api=True
    ),
    "api:article_withdraw_view": Route(
        lambda w: f"{API}/articles/{w.published.id}/withdraw",
        {"POST": OWN_PUBLISHED},
        data=lambda w: {},
        api=True,
    ),
    "api:article_related_view": Route(
        lambda w: f"{API}/articles/{w.published.id}/related", {"GET": every(200)}, api=True
    ),
    "api:article_share_view": Route(
        lambda w: f"{API}/articles/{w.published.id}/shares",
        {"POST": every(201)},
        data=lambda w: {"target": "link"},
        api=True,
        json=True,
    ),
    "api:image_create": Route(
        lambda w: f"{API}/images",
        {"POST": row(401, 403, 201, 201, 403, 403)},
        api=True,
        files=True,
    ),
}

# /admin/ is staff-only: everyone else is sent to the admin's login page. Editors are staff
# without model permissions (the index opens, each model page is 403); admins see everything.
ADMIN_PAGES = ["/admin/", "/admin/accounts/user/", "/admin/articles/article/", "/admin/accounts/user/add/"]
ADMIN_EXPECT = {
    "/admin/": row(LOGIN, LOGIN, LOGIN, LOGIN, 200, 200),
    "/admin/accounts/user/": row(LOGIN, LOGIN, LOGIN, LOGIN, 403, 200),
    "/admin/articles/article/": row(LOGIN, LOGIN, LOGIN, LOGIN, 403, 200),
    "/admin/accounts/user/add/": row(LOGIN, LOGIN, LOGIN, LOGIN, 403, 200),
}


def _matrix() -> dict[str, Route]:
    """Every entry: reader pages twice (standard, care), then the rest."""
    table: dict[str, Route] = {}
    for name, route in (READER_ROUTES | READER_EXTRA).items():
        for ns, prefix in (("reader", f"{H}/"), ("care", f"{H}/care/")):
            url = (lambda r, p: lambda w: p + r.url(w))(route, prefix)
            table[f"{ns}:{name}"] = Route(url, route.expect, route.data, note=route.note)
    for routes in (ACCOUNT_ROUTES, STUDIO_ROUTES, DESK_ROUTES, SITE_ROUTES, API_ROUTES):
        table.update(routes)
    return table


MATRIX = _matrix()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """One world for the module, made once in a transaction that is rolled back at the end: each
    test runs in a savepoint inside it and each request in another (see _ask), so every role of
    every route sees the same objects, as when each test made its own (180 of them: a minute)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _world()
        transaction.set_rollback(True)


# --- walking the URL resolver ---------------------------------------------------------------


def _walk(patterns, prefix: str = "", ns: str = ""):
    for p in patterns:
        piece = "" if isinstance(p.pattern, LocalePrefixPattern) else str(p.pattern)
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, prefix + piece, inner)
        elif isinstance(p, URLPattern):
            yield prefix + piece, f"{ns}:{p.name}" if ns else (p.name or "")


def _routes() -> list[tuple[str, str]]:
    return list(_walk(get_resolver().url_patterns))


def test_every_route_is_in_the_matrix():
    """A route without an entry fails here: add it to the matrix with what each role gets."""
    names = {name.split(" [")[0] for name in MATRIX}
    missing, stale = [], set(names)
    for route, name in _routes():
        if route.startswith("admin/"):
            continue  # Django's admin: every page staff-only, checked in test_admin_is_staff_only
        if name in names:
            stale.discard(name)
        else:
            missing.append(f"{route} ({name or 'unnamed'})")
    assert not missing, "routes without a role-matrix entry:\n" + "\n".join(missing)
    assert not stale, f"matrix entries for routes that no longer exist: {sorted(stale)}"


def test_every_api_operation_is_in_the_matrix():
    """The API's own list (its OpenAPI schema): each operation (method, path) has a row."""
    from zimei.api.api import api

    schema = api.get_openapi_schema()
    operations = [
        (method.upper(), op["operationId"])
        for path in schema["paths"].values()
        for method, op in path.items()
    ]
    names = {(m, key.split(" [")[0].removeprefix("api:")) for key, r in API_ROUTES.items() for m in r.expect}
    missing = [
        (method, op_id)
        for method, op_id in operations
        if not any(m == method and op_id.endswith(name) for m, name in names)
    ]
    assert not missing, f"API operations without a role-matrix row: {missing}"


# --- asking as each role --------------------------------------------------------------------


def _outcome(response) -> object:
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        return LOGIN if "/accounts/login/" in location or "/admin/login/" in location else REDIRECT
    return response.status_code


def _fresh_caches() -> None:
    for alias in ("default", "pages", "ratelimit"):
        caches[alias].clear()
    page_store().clear()


def _ask(world: World, role: str, method: str, route: Route) -> object:
    client = Client()
    user = world.users[role]
    extra = {}
    if route.api:
        if user is not None:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[role]}"
    elif user is not None:
        client.force_login(user)
    url = route.url(world)
    data = route.data(world) if route.data else {}
    with transaction.atomic():  # each request's writes are undone: the next role sees the same world
        if method == "GET":
            response = client.get(url, **extra)
        elif route.files:
            upload = io.BytesIO(png_bytes())
            upload.name = "pic.png"
            response = client.post(url, {"file": upload}, **extra)
        elif route.json:
            response = client.generic(method, url, json.dumps(data), content_type="application/json", **extra)
        else:
            response = client.generic(
                method, url, _form(data), content_type="application/x-www-form-urlencoded", **extra
            )
        transaction.set_rollback(True)
    _fresh_caches()
    return _outcome(response)


def _form(data: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(data)


@dataclass
class Tally:
    cells: int = 0
    wrong: list[str] = field(default_factory=list)


# Known faults, each to be fixed in its view (then the strict xfail fails and is removed here).
KNOWN: dict[str, str] = {}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN[n])) if n in KNOWN else n
        for n in MATRIX
    ],
)
def test_role_matrix(name, world):
    route = MATRIX[name]
    if uses_pg() and set(route.expect) <= {"GET", "HEAD"}:
        # Who may read a page is decided by the view and its owner filter, the same SQL on both
        # databases; the routes that write (locks, constraints, savepoints) run on both passes.
        pytest.skip("SQLite pass only: a read-only route's permissions do not depend on the database")
    tally = Tally()
    for method, expected in route.expect.items():
        for role in ROLES:
            got = _ask(world, role, method, route)
            tally.cells += 1
            if got != expected[role]:
                tally.wrong.append(f"{method} as {role}: expected {expected[role]}, got {got}")
    assert not tally.wrong, f"{name} ({route.url(world)}):\n" + "\n".join(tally.wrong)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_is_staff_only(path, world):
    route = Route(lambda w: path, {"GET": ADMIN_EXPECT[path]})
    got = {role: _ask(world, role, "GET", route) for role in ROLES}
    assert got == ADMIN_EXPECT[path]


def test_the_matrix_size():
    """roles × (route, method) cells checked above (docs/security-roles.md quotes it)."""
    pairs = sum(len(route.expect) for route in MATRIX.values()) + len(ADMIN_PAGES)
    cells = pairs * len(ROLES)
    print(f"role matrix: {len(ROLES)} roles × {pairs} route-methods = {cells} cells")
    assert pairs > 80
