"""Writes for accounts: registration, creator applications (申请入驻), following."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from zimei.channels.models import Channel
from zimei.channels.selectors import channel_by_slug
from zimei.core.audit import audit
from zimei.core.audit_actions import AuditAction
from zimei.core.errors import InputError, NotAllowed, control_characters_check, one_line, plain_text_message
from zimei.core.images import ImageRejected
from zimei.core.ratelimit import rate_hit

from . import events
from .avatars import avatar_file
from .models import ApiToken, CreatorApplication, CreatorProfile, Follow, User
from .usernames import username_normal, username_skeleton

CONFUSABLE_MESSAGE = "这个用户名和已有的用户名看起来太像（容易被认错），请换一个"


@dataclass(frozen=True)
class ApplicationInput:
    pen_name: str
    tagline: str
    channel: str
    intro: str
    sample_work: str


def _check_pen_name(pen_name: str, errors: dict[str, list[str]]) -> str:
    """The pen name as it will be stored; problems are added to `errors`."""
    pen_name = one_line(pen_name)
    if not pen_name:
        errors.setdefault("pen_name", []).append("请填写笔名")
    elif len(pen_name) > 30:
        errors.setdefault("pen_name", []).append("笔名最多 30 个字")
    elif plain_text_message(pen_name):
        errors.setdefault("pen_name", []).append(plain_text_message(pen_name))
    elif CreatorProfile.objects.filter(pen_name=pen_name).exists():
        errors.setdefault("pen_name", []).append("这个笔名已经有人使用")
    return pen_name


def creator_application_submit(*, user: User, data: ApplicationInput) -> CreatorApplication:
    errors: dict[str, list[str]] = {}
    if user.is_creator:
        raise InputError.one("", "你已经是创作者了")
    if CreatorApplication.objects.filter(user=user, status=CreatorApplication.Status.PENDING).exists():
        raise InputError.one("", "你的申请正在审核中，请耐心等待")
    pen_name = _check_pen_name(data.pen_name, errors)
    tagline = one_line(data.tagline)
    if not tagline:
        errors.setdefault("tagline", []).append("请用一句话介绍自己")
    elif len(tagline) > 60:
        errors.setdefault("tagline", []).append("一句话介绍最多 60 个字")
    channel = channel_by_slug(data.channel, fresh=True)
    if channel is None:
        errors.setdefault("channel", []).append("请从列表中选择领域")
    intro = data.intro.strip()
    if len(intro) < 10:
        errors.setdefault("intro", []).append("简介至少 10 个字")
    elif len(intro) > 2000:
        errors.setdefault("intro", []).append("简介最多 2000 个字")
    sample = data.sample_work.strip()
    if len(sample) < 50:
        errors.setdefault("sample_work", []).append("代表作至少 50 个字")
    elif len(sample) > 20000:
        errors.setdefault("sample_work", []).append("代表作最多 20000 个字")
    control_characters_check(errors, {"tagline": tagline, "intro": intro, "sample_work": sample})
    if errors:
        raise InputError(errors)
    rate_hit("apply", str(user.id))
    return CreatorApplication.objects.create(
        user=user, pen_name=pen_name, tagline=tagline, channel=channel, intro=intro, sample_work=sample
    )


@transaction.atomic
def creator_application_review(
    *, application: CreatorApplication, actor: User, approve: bool, reason: str = ""
) -> CreatorApplication:
    if not actor.is_editor:
        raise NotAllowed("editors only")
    if application.status != CreatorApplication.Status.PENDING:
        raise InputError.one("", "这份申请已经审核过了")
    reason = reason.strip()
    if not approve and not reason:
        raise InputError.one("reason", "请写明不通过的理由，申请人会看到它")
    if plain_text_message(reason):
        raise InputError.one("reason", plain_text_message(reason))
    if approve and CreatorProfile.objects.filter(pen_name=application.pen_name).exists():
        raise InputError.one("", "笔名已被占用，请驳回并请申请人换一个笔名")
    application.status = CreatorApplication.Status.APPROVED if approve else CreatorApplication.Status.REJECTED
    application.reason = reason
    application.reviewed_by = actor
    application.reviewed_at = timezone.now()
    application.save()
    if approve:
        creator_create(
            user=application.user,
            pen_name=application.pen_name,
            tagline=application.tagline,
            channel=application.channel,
            intro=application.intro,
        )
    audit(
        actor=actor,
        action=AuditAction.APPLICATION_APPROVE if approve else AuditAction.APPLICATION_REJECT,
        target=application,
        reason=reason,
    )
    return application


def creator_create(
    *, user: User, pen_name: str, tagline: str, channel: Channel, intro: str = "", trusted: bool = False
) -> CreatorProfile:
    profile = CreatorProfile.objects.create(
        user=user, pen_name=pen_name, tagline=tagline, channel=channel, intro=intro, trusted=trusted
    )
    if user.role == User.Role.READER:
        user.role = User.Role.CREATOR
        user.save(update_fields=["role"])
    return profile


@transaction.atomic
def creator_avatar_set(*, creator: CreatorProfile, upload: UploadedFile | None) -> CreatorProfile:
    """Make an uploaded picture the creator's avatar (square, accounts/avatars.py), or remove it
    when `upload` is None; a refused picture leaves the old avatar as it was (InputError on
    "avatar", in Simplified). Pages showing it catch up when their cached copies expire."""
    old = creator.avatar.name
    if upload is None:
        creator.avatar = ""
    else:
        if upload.size and upload.size > settings.ZIMEI_MAX_IMAGE_BYTES:
            limit = settings.ZIMEI_MAX_IMAGE_BYTES // (1024 * 1024)
            raise InputError.one("avatar", f"图片不能超过 {limit} MB")
        upload.seek(0)
        try:
            stored = avatar_file(upload.read(settings.ZIMEI_MAX_IMAGE_BYTES + 1))
        except ImageRejected as exc:
            raise InputError.one("avatar", str(exc)) from exc
        creator.avatar.save(stored.name, stored, save=False)
    creator.save(update_fields=["avatar"])
    if old and old != creator.avatar.name:
        transaction.on_commit(lambda: default_storage.delete(old))
    return creator


@transaction.atomic
def creator_notices_mark_read(*, creator: CreatorProfile, last_id: int) -> None:
    """The creator has seen the editors' decisions up to `last_id` (never moves back)."""
    CreatorProfile.objects.filter(id=creator.id, notices_seen_id__lt=last_id).update(notices_seen_id=last_id)
    creator.notices_seen_id = max(creator.notices_seen_id, last_id)


@transaction.atomic
def follow_set(
    *, user: User, creator: CreatorProfile, following: bool, article_id: int | None = None
) -> CreatorProfile:
    """Follow or unfollow. A new follow counts for the hot list (distribution/hot.py): for
    `article_id` when the reader followed from that article's page, else the newest article.
    `creator`'s counts are fresh when this returns."""
    if creator.user_id == user.id:
        raise InputError.one("", "不能关注自己")
    created = False
    if following:
        _, created = Follow.objects.get_or_create(follower=user, creator=creator)
    else:
        Follow.objects.filter(follower=user, creator=creator).delete()
    # The hot list and the creator's counts (distribution subscribes: accounts/events.py).
    events.follow_changed.send(
        sender=Follow, user=user, creator=creator, created=created, article_id=article_id
    )
    return creator


def user_register(*, username: str, password: str, password_confirm: str) -> User:
    """A new reader account. Messages are in Simplified, like every service's."""
    errors: dict[str, list[str]] = {}
    # NFKC first (as Django stores it: ｒｅａｄｅｒ is reader), then every check on what is kept.
    username = username_normal(username)
    if not username:
        errors.setdefault("username", []).append("请填写用户名")
    elif len(username) > 30:
        errors.setdefault("username", []).append("用户名最多 30 个字")
    elif not all(ch.isalnum() or ch in "@.+-_" for ch in username):
        errors.setdefault("username", []).append("用户名只能包含文字、数字和 @ . + - _")
    elif User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append("这个用户名已经有人使用")
    elif User.objects.filter(username_skeleton=username_skeleton(username)[:150]).exists():
        errors.setdefault("username", []).append(CONFUSABLE_MESSAGE)
    if not password:
        errors.setdefault("password", []).append("请填写密码")
    else:
        try:
            with translation.override("zh-hans"):
                validate_password(password, User(username=username))
        except ValidationError as exc:
            errors.setdefault("password", []).extend(str(m) for m in exc.messages)
    if password and password != password_confirm:
        errors.setdefault("password_confirm", []).append("两次输入的密码不一致")
    if errors:
        raise InputError(errors)

    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, password=password)
    except IntegrityError:  # the same name registered at the same moment
        raise InputError.one("username", "这个用户名已经有人使用") from None


@transaction.atomic
def creator_set_trusted(*, creator: CreatorProfile, actor: User, trusted: bool) -> CreatorProfile:
    """An editor marks a creator as trusted (信) or takes it back; recorded in the audit log."""
    if not actor.is_editor:
        raise NotAllowed("editors only")
    if creator.trusted != trusted:
        creator.trusted = trusted
        creator.save(update_fields=["trusted"])
        audit(
            actor=actor,
            action=AuditAction.CREATOR_TRUST if trusted else AuditAction.CREATOR_UNTRUST,
            target=creator,
        )
    return creator


TOKEN_PREFIX = "zm_"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user: User, name: str = "", scope: str = "write") -> tuple[ApiToken, str]:
    """A new personal access token: returns the row and the token, which is never stored."""
    if scope not in ApiToken.Scope.values:
        raise InputError.one("scope", "权限只能是 read 或 write")
    name = one_line(name)
    if len(name) > 60:
        raise InputError.one("name", "名称最多 60 个字")
    if plain_text_message(name):
        raise InputError.one("name", plain_text_message(name))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=token[:10], token_hash=_token_hash(token), scope=scope
    )
    return row, token


def token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    if token.user_id != actor.id and not actor.is_editor:
        raise NotAllowed("not your token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(token: str) -> ApiToken | None:
    """The live token row for a presented token (with its user), or None."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    now = timezone.now()
    if row is not None and (row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60):
        ApiToken.objects.filter(id=row.id).update(last_used_at=now)
    return row


# --- operator services (`zimei user add`, `zimei creator add`) --------------------------

OPERATOR_REASON = "created by operator"


@transaction.atomic
def user_create(*, username: str, password: str, role: str = User.Role.READER) -> User:
    """An account made by an operator: a reader, an editor (staff) or an admin (superuser).

    The username and password are checked as at registration (Django's password validators)."""
    if role not in (User.Role.READER, User.Role.EDITOR, User.Role.ADMIN):
        raise InputError.one("role", "角色只能是 reader、editor 或 admin")
    user = user_register(username=username, password=password, password_confirm=password)
    if role != User.Role.READER:
        user.role = role
        user.is_staff = True
        user.is_superuser = role == User.Role.ADMIN
        user.save(update_fields=["role", "is_staff", "is_superuser"])
    return user


@transaction.atomic
def creator_create_by_operator(
    *, username: str, password: str, pen_name: str, channel: str, tagline: str = "", trusted: bool = False
) -> CreatorProfile:
    """A new account that is an approved creator at once, as if an editor had approved its
    application: the application is kept (approved, by nobody) and the approval audited."""
    errors: dict[str, list[str]] = {}
    pen_name = _check_pen_name(pen_name, errors)
    tagline = one_line(tagline)
    if len(tagline) > 60:
        errors.setdefault("tagline", []).append("一句话介绍最多 60 个字")
    control_characters_check(errors, {"tagline": tagline})
    found = channel_by_slug(channel, fresh=True)
    if found is None:
        slugs = ", ".join(Channel.objects.values_list("slug", flat=True))
        errors.setdefault("channel", []).append(f"没有这个频道：{channel}（可选：{slugs}）")
    try:
        user = user_register(username=username, password=password, password_confirm=password)
    except InputError as exc:
        errors = {**exc.errors, **errors}
    if errors:
        raise InputError(errors)
    application = CreatorApplication.objects.create(
        user=user,
        pen_name=pen_name,
        tagline=tagline,
        channel=found,
        intro="",
        sample_work="",
        status=CreatorApplication.Status.APPROVED,
        reason=OPERATOR_REASON,
        reviewed_at=timezone.now(),
    )
    profile = creator_create(user=user, pen_name=pen_name, tagline=tagline, channel=found, trusted=trusted)
    audit(actor=None, action=AuditAction.APPLICATION_APPROVE, target=application, reason=OPERATOR_REASON)
    return profile
