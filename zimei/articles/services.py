"""Every write to articles goes through one of these functions (atomic; side effects on commit).

Studio views, the editor desk, the API and the demo generator all call them, so each behaves
identically wherever it is triggered from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from zimei.accounts.models import CreatorProfile, User
from zimei.core.audit_actions import AuditAction
from zimei.core.errors import InputError, NotAllowed, control_characters_check, one_line, plain_text_message
from zimei.core.pagecache import purge_article
from zimei.distribution.models import channel_by_slug

from .images import ImageRejected, normalise_image
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


def article_clean_input(*, data: ArticleInput, owner: User, for_publish: bool) -> dict:
    """Validate input; returns model field values (body sanitised) or raises InputError.

    Drafts may be incomplete (an empty title is kept as typed); publishing needs everything."""
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
    control_characters_check(errors, {"title": title, "summary": summary, "source": source})
    cover = None
    if data.cover_id:
        cover = Image.objects.filter(id=data.cover_id, owner=owner).first()
        if cover is None:
            errors.setdefault("cover", []).append("找不到这张封面图片")
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
    verdict = _spam_verdict(data=data, author=author, article_id=None)
    values.update(
        spam_score=verdict.score, review_reasons=verdict.reasons, spam_findings=verdict.findings_data
    )
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
    verdict = _spam_verdict(data=data, author=article.author, article_id=article.id, repost=not autosave)
    values.update(
        spam_score=verdict.score, review_reasons=verdict.reasons, spam_findings=verdict.findings_data
    )
    if article.status == Article.Status.REJECTED and _spam_rejected_last(article):
        values["status"] = Article.Status.DRAFT  # refused by the spam check: edit and submit again
    for field, value in values.items():
        setattr(article, field, value)
    article.save()
    _snapshot(article, actor, Revision.Kind.AUTOSAVE if autosave else Revision.Kind.SAVE)
    if moved_from is not None and article.status == Article.Status.PUBLISHED:
        # The channel is not part of the working copy: a published article moves at once, so
        # its old channel's pages and its new one's are purged now (its text waits for publish).
        transaction.on_commit(lambda: purge_article(article, channel_ids=[moved_from]))
    return article


# --- the spam check (moderation/spam.py, docs/spam.md) --------------------------------------
# At every save the RAW input is checked (only it shows hidden text) and the verdict stored on
# the article, so the studio shows its reasons at once; at publish the stored body is checked
# again (the lexicon or other articles may have changed) and the raw-only findings are kept.
NEW_CREATOR_REASON = "新创作者的文章需经编辑审核后发布；成为信任创作者后，没有问题的文章会直接发布"


def _spam_verdict(*, data: ArticleInput, author: CreatorProfile, article_id: int | None, repost: bool = True):
    from zimei.moderation.spam import spam_check

    return spam_check(
        title=data.title or "",
        summary=data.summary or "",
        body_html_raw=data.body_html or "",
        author=author,
        original=data.original,
        exclude_id=article_id,
        repost=repost,
    )


def _spam_verdict_publish(article: Article):
    from zimei.moderation.spam import raw_only_findings, spam_check, verdict_of

    fresh = spam_check(
        title=article.title,
        summary=article.summary,
        body_html_raw=article.body_html,
        author=article.author,
        original=article.original,
        exclude_id=article.id,
    )
    # Structure pieces are kept one by one (the sanitised body still shows some of them).
    kept = [
        f
        for f in raw_only_findings(article.spam_findings)
        if (f.reason not in fresh.reasons if f.rule == "structure" else f.rule not in fresh.rules)
    ]
    return verdict_of([*kept, *fresh.findings]) if kept else fresh


def _spam_rejected_last(article: Article) -> bool:
    """Whether the article's last refusal was the spam check's (an editor's stands)."""
    from zimei.moderation.models import AuditEntry

    last = (
        AuditEntry.objects.filter(
            target_type=Article._meta.label_lower,
            target_id=article.pk,
            action__in=[AuditAction.ARTICLE_SPAM_REJECT, AuditAction.ARTICLE_REJECT],
        )
        .order_by("-created_at", "-id")
        .values_list("action", flat=True)
        .first()
    )
    return last == AuditAction.ARTICLE_SPAM_REJECT


def _render_variants(article: Article) -> None:
    from zimei.conversion.variants import HANS, HANT, convert, detect_script

    text = html_to_text(article.body_html)
    article.script = detect_script(article.title + text)
    summary = article.summary or text[:120]
    article.title_hans, article.title_hant = convert(article.title, HANS), convert(article.title, HANT)
    article.summary_hans, article.summary_hant = convert(summary, HANS), convert(summary, HANT)
    article.body_hans, article.body_hant = convert(article.body_html, HANS), convert(article.body_html, HANT)
    article.cover_url = article.cover.file.url if article.cover_id and article.cover else ""


def article_index(article: Article) -> None:
    """Keywords (inverted index and corpus statistics), SimHash fingerprint and related
    articles, stored so that the page reads them in one query (distribution/related.py).
    Saves the fingerprint; the caller saves keywords and related_ids."""
    from zimei.distribution.related import related_index

    related_index(article, text=html_to_text(article.body_html))


def article_unindex(article: Article) -> None:
    """The article leaves the keyword index and the corpus statistics (withdraw, take-down)."""
    from zimei.distribution.related import related_unindex

    related_unindex(article)


def creator_counts_refresh(author: CreatorProfile) -> None:
    """Recount one creator's figures (see creators_counts_refresh)."""
    creators_counts_refresh(ids=[author.pk])
    author.refresh_from_db(fields=["article_count", "follower_count", "attention"])


def creators_counts_refresh(*, ids: list[int]) -> None:
    """文章数, 粉丝 and 关注度, recounted from the data in one statement, so they are always true.

    关注度 = 10 × followers + the shares of the creator's published articles (docs/creator-index.md).
    Views are left out: they reach the database in batches (distribution/counters.py), and a
    score that is true at all times can only count what is written as it happens. share_record
    adds each share as it is counted; this recount runs on publish, withdraw, takedown, restore
    and follow."""
    from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    from zimei.accounts.models import Follow

    published = Article.objects.filter(author=OuterRef("pk"), status=Article.Status.PUBLISHED).order_by()
    articles = Subquery(published.values("author").annotate(c=Count("id")).values("c"))
    shares = Subquery(published.values("author").annotate(s=Sum("share_count")).values("s"))
    followers = Subquery(
        Follow.objects.filter(creator=OuterRef("pk"))
        .order_by()
        .values("creator")
        .annotate(c=Count("id"))
        .values("c")
    )
    zero = Value(0)
    articles_n = Coalesce(articles, zero, output_field=IntegerField())
    followers_n = Coalesce(followers, zero, output_field=IntegerField())
    CreatorProfile.objects.filter(pk__in=ids).update(
        article_count=articles_n,
        follower_count=followers_n,
        attention=followers_n * 10 + Coalesce(shares, zero, output_field=IntegerField()),
    )


@transaction.atomic
def article_publish(*, article: Article, actor: User, when=None) -> Article:
    """Publish the working copy: validate it fully, render it in both scripts, index it."""
    from zimei.moderation.services import publish_gate

    _require_author(article, actor)
    if article.status == Article.Status.TAKEN_DOWN:
        raise NotAllowed("taken down by an editor")
    # 信用分 and review decisions (docs/moderation.md): may refuse, or hold for review.
    hold_reasons = publish_gate(article=article)
    _publish_validate(article)
    # The spam check (docs/spam.md): refuse, hold with reasons, or publish; creators not yet
    # trusted are always held, flagged articles whoever wrote them.
    verdict = _spam_verdict_publish(article)
    article.spam_score = verdict.score
    if verdict.action == "reject":
        from zimei.moderation.services import audit_record

        was_public = article.status == Article.Status.PUBLISHED
        article.status = Article.Status.REJECTED
        article.edit_pending = False
        article.review_reasons = verdict.reasons
        article.spam_findings = verdict.findings_data
        article.save()
        _snapshot(article, actor, Revision.Kind.SAVE)
        reason = "；".join(verdict.reasons)
        audit_record(actor=None, action=AuditAction.ARTICLE_SPAM_REJECT, target=article, reason=reason)
        if was_public:
            creator_counts_refresh(article.author)
            _left_public(article)
        return article
    if verdict.action == "hold":
        hold_reasons = [*hold_reasons, *verdict.reasons]
    if not article.author.trusted:
        hold_reasons = [*hold_reasons, NEW_CREATOR_REASON]
    article.review_reasons = []
    article.spam_findings = verdict.findings_data if verdict.action == "hold" else []
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
            creator_counts_refresh(article.author)
            _left_public(article)
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
        ),
        owner=article.author.user,
        for_publish=True,
    )


def _publish_now(article: Article, *, actor: User, when=None) -> Article:
    from zimei.distribution.hot import hot_publish

    _render_variants(article)
    article.status = Article.Status.PUBLISHED
    article.edit_pending = False
    if article.published_at is None:
        article.published_at = when or timezone.now()
    hot_publish(article)  # freshness for the hot list, on the first publication only
    article.save()
    article_index(article)
    article.save(update_fields=["keywords", "related_ids"])
    _snapshot(article, actor, Revision.Kind.PUBLISH)
    creator_counts_refresh(article.author)
    transaction.on_commit(lambda: purge_article(article))
    return article


def _left_public(article: Article) -> None:
    """Once committed: purge every page that shows the article and take it off every hot list
    at once (a new hot stamp: core/frontcache.purge_article)."""
    transaction.on_commit(lambda: purge_article(article))


@transaction.atomic
def article_withdraw(*, article: Article, actor: User) -> Article:
    _require_author(article, actor)
    if article.status != Article.Status.PUBLISHED:
        raise InputError.one("", "只有已发布的文章可以撤回")
    article.status = Article.Status.WITHDRAWN
    article.edit_pending = False  # an edit waiting for review goes with it
    article.save(update_fields=["status", "edit_pending", "updated_at"])
    article_unindex(article)
    creator_counts_refresh(article.author)
    _left_public(article)
    return article


@transaction.atomic
def article_take_down(*, article: Article, actor: User, reason: str) -> Article:
    from zimei.moderation.services import audit_record

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
    audit_record(actor=actor, action=AuditAction.ARTICLE_TAKE_DOWN, target=article, reason=reason)
    article_unindex(article)
    creator_counts_refresh(article.author)
    _left_public(article)
    return article


@transaction.atomic
def article_restore(*, article: Article, actor: User, reason: str) -> Article:
    from zimei.moderation.services import audit_record

    if not actor.is_editor:
        raise NotAllowed("editors only")
    if plain_text_message(reason):
        raise InputError.one("reason", plain_text_message(reason))
    article.status = Article.Status.PUBLISHED
    article.takedown_reason = ""
    article.save(update_fields=["status", "takedown_reason", "updated_at"])
    audit_record(actor=actor, action=AuditAction.ARTICLE_RESTORE, target=article, reason=reason)
    article_index(article)
    article.save(update_fields=["keywords", "related_ids"])
    creator_counts_refresh(article.author)
    transaction.on_commit(lambda: purge_article(article))
    return article


def share_record(*, article_id: int, target: str, meta: Mapping[str, str] | None = None) -> bool:
    """Count a share of a published article; returns whether it counted. With `meta` (the
    request's META: the share button and the API pass it) the share is rate-limited per address
    (`ZIMEI_RATE_SHARE`: RateLimited) and guarded (distribution/guard.py): one per reader per
    article per 30 minutes, ADDRESS_ALLOWANCE readers per address, bursts weigh less in the hot
    score. Refused and discounted shares are recorded for the desk. Without `meta` (operators,
    tests of the formula) it simply counts."""
    from django.db.models import F

    from zimei.core.ratelimit import RateLimited, client_address, rate_hit
    from zimei.distribution.guard import anomalies_record, anomaly_add, share_check
    from zimei.distribution.hot import W_SHARE
    from zimei.distribution.hot import bump as hot_bump

    weight, reason = 1.0, None
    if meta is not None:
        try:
            rate_hit("share", client_address(meta))
        except RateLimited:
            tally: dict = {}
            anomaly_add(tally, article_id, "share", "rate", W_SHARE)
            with transaction.atomic():
                anomalies_record(tally)
            raise
        weight, reason = share_check(article_id, meta)
    with transaction.atomic():
        counted = 0
        if weight > 0:
            counted = Article.objects.filter(id=article_id, status=Article.Status.PUBLISHED).update(
                share_count=F("share_count") + 1, hot_log=hot_bump(W_SHARE * weight)
            )
        if counted:  # 关注度 counts the shares of published articles (creator_counts_refresh)
            CreatorProfile.objects.filter(articles__id=article_id).update(attention=F("attention") + 1)
        if reason is not None:
            tally = {}
            anomaly_add(tally, article_id, "share", reason, W_SHARE * (1.0 - weight))
            anomalies_record(tally)
    return bool(counted)


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
    import dataclasses

    author = getattr(actor, "creator_profile", None)
    if author is None:
        raise NotAllowed("creators only")
    if article is not None:
        _require_author(article, actor)
    errors: dict[str, list[str]] = {}
    try:
        article_clean_input(data=data, owner=actor, for_publish=publish)
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
