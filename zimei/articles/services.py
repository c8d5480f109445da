"""Every write to articles goes through one of these functions (atomic; side effects on commit).

Studio views, the editor desk, the API and the demo generator all call them, so each behaves
identically wherever it is triggered from.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from zimei.accounts.models import CreatorProfile, User
from zimei.channels.selectors import channel_by_slug
from zimei.conversion.flags import flag_apply, flag_undo
from zimei.conversion.overrides import with_overrides
from zimei.conversion.variants import VARIANTS, convert, convert_html, detect_script, field_suffix
from zimei.core.audit import audit
from zimei.core.audit_actions import AuditAction
from zimei.core.errors import InputError, NotAllowed, control_characters_check, one_line, plain_text_message

from . import events
from .checks import HOLD, REJECT, article_checks, combined
from .images import ImageRejected, cover_sizes_make, normalise_image
from .models import Article, Image, Revision
from .sanitize import html_to_text, sanitize_body


@dataclass(frozen=True)
class ArticleInput:
    title: str
    body_html: str
    channel: str  # slug
    summary: str = ""
    original: bool = True
    source: str = ""
    cover_id: int | None = None
    lead_image: bool = False  # 题图: show the cover at the top of the article page
    cover_alt: str = ""  # what the cover shows, for the lead image's alt text


LEAD_NEEDS_COVER = "要在文章开头显示题图，请先选择或上传一张封面图片"
LEAD_NEEDS_ALT = "请描述封面图片的内容（替代文字）：题图显示在文章开头，看不见图片的读者会听到这段话"


def article_clean_input(
    *, data: ArticleInput, owner: User, for_publish: bool, cover_coming: bool = False
) -> dict:
    """Validate input; returns model field values (body sanitised) or raises InputError.

    Drafts may be incomplete (an empty title is kept as typed); publishing needs everything.
    `cover_coming`: a cover is uploaded with this submission (it has no id yet)."""
    errors: dict[str, list[str]] = {}
    title = one_line(data.title)
    if for_publish and not title:
        errors.setdefault("title", []).append("请填写标题")
    if len(title) > settings.ZIMEI_MAX_TITLE_CHARS:
        errors.setdefault("title", []).append(
            f"标题最多 {settings.ZIMEI_MAX_TITLE_CHARS} 个字，现在有 {len(title)} 个字"
        )
    raw_body = data.body_html or ""
    if len(raw_body) > settings.ZIMEI_MAX_BODY_CHARS:
        errors.setdefault("body_html", []).append(
            f"正文最多 {settings.ZIMEI_MAX_BODY_CHARS:,} 个字符，现在有 {len(raw_body):,} 个字符"
        )
    body = sanitize_body(raw_body)
    if for_publish and not html_to_text(body):
        errors.setdefault("body_html", []).append("请填写正文")
    channel = channel_by_slug(data.channel, fresh=True)
    if data.channel and channel is None:
        errors.setdefault("channel", []).append("没有这个频道，请从列表中选择")
    if for_publish and channel is None and "channel" not in errors:
        errors.setdefault("channel", []).append("请选择频道")
    summary = (data.summary or "").strip()
    if len(summary) > 200:
        errors.setdefault("summary", []).append(f"摘要最多 200 个字，现在有 {len(summary)} 个字")
    source = one_line(data.source)
    if not data.original and for_publish and not source:
        errors.setdefault("source", []).append("非原创文章请注明来源")
    if len(source) > 100:
        errors.setdefault("source", []).append("来源最多 100 个字")
    cover_alt = one_line(data.cover_alt)
    if len(cover_alt) > 200:
        errors.setdefault("cover_alt", []).append(
            f"封面图片的描述最多 200 个字，现在有 {len(cover_alt)} 个字"
        )
    control_characters_check(
        errors, {"title": title, "summary": summary, "source": source, "cover_alt": cover_alt}
    )
    cover = None
    if data.cover_id:
        cover = Image.objects.filter(id=data.cover_id, owner=owner).first()
        if cover is None:
            errors.setdefault("cover", []).append("找不到这张封面图片")
    if data.lead_image and for_publish:
        if cover is None and not cover_coming and "cover" not in errors:
            errors.setdefault("cover", []).append(LEAD_NEEDS_COVER)
        if not cover_alt and "cover_alt" not in errors:
            errors.setdefault("cover_alt", []).append(LEAD_NEEDS_ALT)
    if errors:
        raise InputError(errors)
    return {
        "title": title,
        "body_html": body,
        "channel": channel,
        "summary": summary,
        "original": data.original,
        "source": "" if data.original else source,
        "cover": cover,
        "lead_image": data.lead_image,
        "cover_alt": cover_alt,
    }


def image_create(*, owner: User, data: bytes, name: str) -> Image:
    try:
        content, width, height = normalise_image(data, name=name)
    except ImageRejected as exc:
        raise InputError.one("image", str(exc)) from exc
    image = Image(owner=owner, width=width, height=height)
    image.file.save(content.name, content, save=False)
    image.save()
    return image


def _require_author(article: Article, actor: User) -> None:
    if article.author.user_id != actor.id:
        raise NotAllowed("not the author")


def _snapshot(article: Article, actor: User, kind: str) -> None:
    Revision.objects.create(
        article=article,
        kind=kind,
        title=article.title,
        summary=article.summary,
        body_html=article.body_html,
        created_by=actor,
    )


@transaction.atomic
def article_create(*, author: CreatorProfile, data: ArticleInput) -> Article:
    """A new draft. Drafts keep whatever was typed, as long as it fits the limits."""
    values = article_clean_input(data=data, owner=author.user, for_publish=False)
    if values["channel"] is None:
        values["channel"] = author.channel
    verdict = _save_verdict(data=data, author=author, article_id=None)
    values.update(spam_score=verdict.score, review_reasons=verdict.reasons, spam_findings=verdict.findings)
    article = Article.objects.create(author=author, **values)
    _snapshot(article, author.user, Revision.Kind.SAVE)
    return article


@transaction.atomic
def article_save(*, article: Article, actor: User, data: ArticleInput, autosave: bool = False) -> Article:
    """Save the working copy of an article (a published one keeps its public version until
    the creator publishes again). Each save is kept as a revision."""
    _require_author(article, actor)
    values = article_clean_input(data=data, owner=actor, for_publish=False)
    if values["channel"] is None:
        values["channel"] = article.channel
    new_channel_id = values["channel"].id if values["channel"] else None
    moved_from = article.channel_id if new_channel_id != article.channel_id else None
    # Autosaves (every few seconds) leave out the repost lookup; saves and publishes make it.
    verdict = _save_verdict(data=data, author=article.author, article_id=article.id, repost=not autosave)
    values.update(spam_score=verdict.score, review_reasons=verdict.reasons, spam_findings=verdict.findings)
    if article.status == Article.Status.REJECTED and any(
        check.reopens(article=article) for check in article_checks()
    ):
        values["status"] = Article.Status.DRAFT  # refused by the spam check: edit and submit again
    for field, value in values.items():
        setattr(article, field, value)
    article.save()
    _snapshot(article, actor, Revision.Kind.AUTOSAVE if autosave else Revision.Kind.SAVE)
    if moved_from is not None and article.status == Article.Status.PUBLISHED:
        # The channel is not part of the working copy: a published article moves at once, so
        # its old channel's pages and its new one's change now (its text waits for publish).
        events.article_moved.send(sender=Article, article=article, from_channel_id=moved_from)
    return article


# --- the checks that gate publishing (articles/checks.py; spam and 信用分 in moderation) -----
# At every save the RAW input is checked (only it shows hidden text) and the verdict stored on
# the article, so the studio shows its reasons at once; at publish the stored body is checked
# again (the lexicon or other articles may have changed).
NEW_CREATOR_REASON = "新创作者的文章需经编辑审核后发布；成为信任创作者后，没有问题的文章会直接发布"


def _save_verdict(*, data: ArticleInput, author: CreatorProfile, article_id: int | None, repost: bool = True):
    return combined(
        [
            check.at_save(
                title=data.title or "",
                summary=data.summary or "",
                body_html_raw=data.body_html or "",
                author=author,
                original=data.original,
                article_id=article_id,
                repost=repost,
            )
            for check in article_checks()
        ]
    )


@with_overrides  # the desk's conversion overrides as they are now (one query)
def _render_variants(article: Article) -> None:
    """The published text in every variant (title_hans / _hant / _hk, summaries, bodies)."""
    text = html_to_text(article.body_html)
    article.script = script = detect_script(article.title + text)
    summary = article.summary or text[:120]
    for variant in VARIANTS:
        suffix = field_suffix(variant)
        setattr(article, f"title_{suffix}", convert(article.title, variant, source=script))
        setattr(article, f"summary_{suffix}", convert(summary, variant, source=script))
        setattr(article, f"body_{suffix}", convert_html(article.body_html, variant, source=script))
    article.cover_url = article.cover.file.url if article.cover_id and article.cover else ""
    # 题图: its description in each script; empty when no lead image shows.
    lead = article.cover_alt if article.lead_image and article.cover_url else ""
    for variant in VARIANTS:
        setattr(
            article,
            f"lead_alt_{field_suffix(variant)}",
            convert(lead, variant, source=script) if lead else "",
        )


# The rendered fields on the article row ("body" saves the body row), and the bodies.
RENDERED_FIELDS = [
    "script",
    *(f"{f}_{field_suffix(v)}" for f in ("title", "summary", "lead_alt") for v in VARIANTS),
]
RENDERED_FIELDS.append("body")
RENDERED_BODIES = [f"body_{field_suffix(v)}" for v in VARIANTS]


@transaction.atomic
def article_rerender(*, article: Article) -> bool:
    """Render a published article's scripts again from its published text, as a publish would
    now (after a change to the conversion dictionary). The published text is the last publish's
    revision, so an edit waiting for review stays unpublished. Returns whether a rendering
    changed; only then is it saved and its pages purged (article_rerendered)."""
    if article.status != Article.Status.PUBLISHED:
        return False
    published = article.revisions.filter(kind=Revision.Kind.PUBLISH).order_by("-id").first()
    if published is None and article.edit_pending:
        return False  # no record of the published text: leave it as it is
    source = Article(
        title=published.title if published else article.title,
        summary=published.summary if published else article.summary,
        cover=article.cover,
        # the published 题图 as it is (its description in the script it was written in)
        lead_image=bool(article.lead_alt_hans),
        cover_alt=article.in_variant("lead_alt", article.script) if article.lead_alt_hans else "",
    )
    source.body_html = published.body_html if published else article.body_html
    _render_variants(source)
    fields = RENDERED_FIELDS[:-1] + RENDERED_BODIES
    if [getattr(article, f) for f in fields] == [getattr(source, f) for f in fields]:
        return False
    for f in fields:
        setattr(article, f, getattr(source, f))
    article.save(update_fields=RENDERED_FIELDS)
    events.article_rerendered.send(sender=Article, article=article)
    return True


@transaction.atomic
def article_publish(*, article: Article, actor: User, when=None) -> Article:
    """Publish the working copy: validate it fully, render it in every variant, index it."""
    _require_author(article, actor)
    if article.status == Article.Status.TAKEN_DOWN:
        raise NotAllowed("taken down by an editor")
    # The configured checks (信用分, the spam check: docs/moderation.md, docs/spam.md) may
    # refuse at once (InputError), refuse with reasons, or hold for review.
    verdicts = [check.at_publish(article=article) for check in article_checks()]
    _publish_validate(article)
    verdict = combined(verdicts)
    article.spam_score = verdict.score
    if verdict.action == REJECT:
        was_public = article.status == Article.Status.PUBLISHED
        reasons = [r for v in verdicts if v.action == REJECT for r in v.reasons]
        article.status = Article.Status.REJECTED
        article.edit_pending = False
        article.review_reasons = reasons
        article.spam_findings = [f for v in verdicts if v.action == REJECT for f in v.findings]
        article.save()
        _snapshot(article, actor, Revision.Kind.SAVE)
        audit(actor=None, action=AuditAction.ARTICLE_SPAM_REJECT, target=article, reason="；".join(reasons))
        if was_public:
            _left_public(article, actor, events.Leave.REFUSED)
        return article
    hold_reasons = [r for v in verdicts if v.action == HOLD for r in v.reasons]
    if not article.author.trusted:
        hold_reasons = [*hold_reasons, NEW_CREATOR_REASON]
    article.review_reasons = []
    article.spam_findings = [f for v in verdicts if v.action == HOLD for f in v.findings]
    if hold_reasons and article.status == Article.Status.PUBLISHED:
        # An edit of a published article is held, not the article: the published version
        # (its rendered fields, index, pages) stays public, untouched, until an editor
        # approves the edit (article_approve) or decides against it (moderation/services.py).
        article.edit_pending = True
        article.review_reasons = hold_reasons
        article.save()
        _snapshot(article, actor, Revision.Kind.SAVE)
        return article
    if hold_reasons:
        was_public = article.status == Article.Status.PUBLISHED
        article.status = Article.Status.PENDING
        article.review_reasons = hold_reasons
        article.save()
        _snapshot(article, actor, Revision.Kind.SAVE)
        if was_public:
            _left_public(article, actor, events.Leave.HELD)
        return article
    return _publish_now(article, actor=actor, when=when)


@transaction.atomic
def article_approve(*, article: Article, actor: User) -> Article:
    """An editor publishes an article that was held for review (or refused, on appeal): the
    same rendering and indexing as article_publish, without the author's checks."""
    if not actor.is_editor:
        raise NotAllowed("editors only")
    _publish_validate(article)
    article.review_reasons = []
    article.spam_findings = []
    return _publish_now(article, actor=actor)


def _publish_validate(article: Article) -> None:
    article_clean_input(
        data=ArticleInput(
            title=article.title,
            body_html=article.body_html,
            channel=article.channel.slug,
            summary=article.summary,
            original=article.original,
            source=article.source,
            cover_id=article.cover_id,
            lead_image=article.lead_image,
            cover_alt=article.cover_alt,
        ),
        owner=article.author.user,
        for_publish=True,
    )


def _publish_now(article: Article, *, actor: User, when=None) -> Article:
    _render_variants(article)
    if article.cover_url:  # the list thumbnails (articles/images.py), once per cover
        cover_sizes_make(article.cover.file.name)
    article.status = Article.Status.PUBLISHED
    article.edit_pending = False
    if article.published_at is None:
        article.published_at = when or timezone.now()
    article.save()
    _snapshot(article, actor, Revision.Kind.PUBLISH)
    # Related articles and keywords, the hot list, counts, cached pages (articles/events.py).
    events.article_published.send(sender=Article, article=article, actor=actor)
    return article


def _left_public(article: Article, actor: User | None, reason: str) -> None:
    events.article_left_public.send(sender=Article, article=article, actor=actor, reason=reason)


@transaction.atomic
def article_withdraw(*, article: Article, actor: User) -> Article:
    _require_author(article, actor)
    if article.status != Article.Status.PUBLISHED:
        raise InputError.one("", "只有已发布的文章可以撤回")
    article.status = Article.Status.WITHDRAWN
    article.edit_pending = False  # an edit waiting for review goes with it
    article.save(update_fields=["status", "edit_pending", "updated_at"])
    _left_public(article, actor, events.Leave.WITHDRAWN)
    return article


@transaction.atomic
def article_take_down(*, article: Article, actor: User, reason: str) -> Article:
    if not actor.is_editor:
        raise NotAllowed("editors only")
    reason = (reason or "").strip()
    if not reason:
        raise InputError.one("reason", "请写明下架理由，作者会看到它")
    if plain_text_message(reason):
        raise InputError.one("reason", plain_text_message(reason))
    article.status = Article.Status.TAKEN_DOWN
    article.edit_pending = False
    article.takedown_reason = reason
    article.save(update_fields=["status", "edit_pending", "takedown_reason", "updated_at"])
    audit(actor=actor, action=AuditAction.ARTICLE_TAKE_DOWN, target=article, reason=reason)
    _left_public(article, actor, events.Leave.TAKEN_DOWN)
    return article


@transaction.atomic
def article_restore(*, article: Article, actor: User, reason: str) -> Article:
    if not actor.is_editor:
        raise NotAllowed("editors only")
    if plain_text_message(reason):
        raise InputError.one("reason", plain_text_message(reason))
    article.status = Article.Status.PUBLISHED
    article.takedown_reason = ""
    article.save(update_fields=["status", "takedown_reason", "updated_at"])
    audit(actor=actor, action=AuditAction.ARTICLE_RESTORE, target=article, reason=reason)
    events.article_published.send(sender=Article, article=article, actor=actor)
    return article


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the request parsed it: not read until its size is known to fit."""

    file: BinaryIO
    name: str
    size: int


_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")


def upload_from(file: UploadedFile | None) -> Upload | None:
    """The studio's and the API's uploaded file as the image services take it."""
    if file is None:
        return None
    return Upload(file=file, name=file.name or "image", size=file.size or 0)


def looks_like_image(file: UploadedFile) -> bool:
    """Whether the upload starts like a JPEG, PNG, GIF or WebP (to answer 415 rather than 400)."""
    file.seek(0)
    head = file.read(12)
    file.seek(0)
    return head.startswith(_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def _upload_bytes(upload: Upload) -> bytes:
    if upload.size > settings.ZIMEI_MAX_IMAGE_BYTES:
        raise ImageRejected(f"图片不能超过 {settings.ZIMEI_MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    upload.file.seek(0)
    return upload.file.read(settings.ZIMEI_MAX_IMAGE_BYTES + 1)


def image_upload(*, owner: User, upload: Upload) -> Image:
    """An image uploaded in the studio (body images, covers); its size is checked before reading."""
    try:
        data = _upload_bytes(upload)
    except ImageRejected as exc:
        raise InputError.one("image", str(exc)) from exc
    return image_create(owner=owner, data=data, name=upload.name)


@transaction.atomic
def article_submit(
    *,
    actor: User,
    article: Article | None,
    data: ArticleInput,
    cover_upload: Upload | None = None,
    publish: bool = False,
    autosave: bool = False,
) -> Article:
    """One press of a studio button: create the draft (article=None) or save its working copy,
    with a newly uploaded cover, and publish it (更新发布 for a published one) if asked.

    All or nothing: on bad input nothing is written and InputError lists every problem
    (the cover's included), so the studio shows them all at once."""
    author = getattr(actor, "creator_profile", None)
    if author is None:
        raise NotAllowed("creators only")
    if article is not None:
        _require_author(article, actor)
    errors: dict[str, list[str]] = {}
    try:
        article_clean_input(
            data=data, owner=actor, for_publish=publish, cover_coming=cover_upload is not None
        )
    except InputError as exc:
        errors.update(exc.errors)
    if publish and article is not None and article.status == Article.Status.TAKEN_DOWN:
        errors.setdefault("", []).append("这篇文章已被编辑下架，不能重新发布")
    if cover_upload is not None:
        if errors:  # only check it: no file is written for a submission that will be refused
            try:
                normalise_image(_upload_bytes(cover_upload), name=cover_upload.name)
            except ImageRejected as exc:
                errors.setdefault("cover", []).append(str(exc))
        else:
            try:
                cover = image_upload(owner=actor, upload=cover_upload)
            except InputError as exc:
                errors.setdefault("cover", []).extend(exc.errors.get("image", []))
            else:
                data = dataclasses.replace(data, cover_id=cover.id)
    if errors:
        raise InputError(errors)
    if article is None:
        article = article_create(author=author, data=data)
    else:
        article = article_save(article=article, actor=actor, data=data, autosave=autosave)
    if publish:
        article = article_publish(article=article, actor=actor)
    return article


FLAG_ACTIONS = ("choose", "accept", "keep", "undo")


def article_flag_apply(*, article: Article, actor: User, key: str, action: str, choice: str = "") -> int:
    """The author's answer to an ambiguity flag of the working copy's body (studio preview):
    choose a reading, accept the one chosen, or keep as written, for every occurrence of the
    flag; or undo such an answer (`key` is then the span, as flags.decided lists it) (zimei/
    conversion/flags.py). Saved as a working-copy save. Returns how many places changed."""
    _require_author(article, actor)
    if action not in FLAG_ACTIONS:
        raise InputError.one("flag", "请选择一种处理方式")
    if action == "undo":
        body, marked = flag_undo(article.body_html, key=key)
    else:
        body, marked = flag_apply(article.body_html, key=key, action=action, choice=choice)
    if not marked:
        raise InputError.one("flag", "正文里已经没有这一处了，或者所选的写法不在可选之列；请刷新预览后再试")
    data = ArticleInput(
        title=article.title,
        body_html=body,
        channel=article.channel.slug,
        summary=article.summary,
        original=article.original,
        source=article.source,
        cover_id=article.cover_id,
        lead_image=article.lead_image,
        cover_alt=article.cover_alt,
    )
    article_submit(actor=actor, article=article, data=data)
    return marked
