"""Who is calling (Bearer tokens), how often (rate limits), and safe retries (Idempotency-Key)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja.responses import Status
from ninja.security import HttpBearer

from zimei.accounts.models import ApiToken, User
from zimei.accounts.services import token_authenticate
from zimei.api.models import IdempotencyRecord
from zimei.core.problems import Problem
from zimei.core.ratelimit import RateLimited, client_address, rate_hit

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Anonymous:
    """request.auth for a caller without a token (truthy, so ninja lets the request through)."""

    user = None
    id = "anon"

    def __bool__(self) -> bool:
        return True


ANONYMOUS = Anonymous()


def rate_problem(exc: RateLimited) -> Problem:
    """A 429 problem for a rate limit (the API's own per-minute ones, or an action's)."""
    if exc.action in ("api-read", "api-write"):
        kind = exc.action.removeprefix("api-")
        detail = f"Rate limit of {exc.limit} {kind} requests a minute exceeded."
        message = "请求太频繁，请稍后再试"
    else:
        detail = f"Rate limit of {exc.limit} {exc.action} a {exc.window} seconds exceeded."
        message = exc.message
    return Problem(429, detail, message=message, headers={"Retry-After": str(exc.retry_after)})


def _rate_limit(request: HttpRequest, who: str) -> None:
    """Per-minute request limits, counted in the shared rate-limit store (zimei/core/ratelimit.py)."""
    write = request.method not in SAFE_METHODS
    limit = int(getattr(settings, "ZIMEI_API_RATE_WRITE" if write else "ZIMEI_API_RATE_READ", 0) or 0)
    try:
        rate_hit("api-write" if write else "api-read", who, limit=limit, window=60)
    except RateLimited as exc:
        raise rate_problem(exc) from None


class TokenAuth(HttpBearer):
    """`Authorization: Bearer TOKEN`. A missing header is anonymous when `anonymous_ok`;
    a bad or revoked token is always 401; a read-scope token may only GET."""

    def __init__(self, *, anonymous_ok: bool) -> None:
        super().__init__()
        self.anonymous_ok = anonymous_ok

    def __call__(self, request: HttpRequest) -> ApiToken | Anonymous:
        header = request.headers.get("Authorization", "")
        if not header:
            if not self.anonymous_ok:
                raise Problem(
                    401,
                    "Authentication required: send Authorization: Bearer TOKEN.",
                    message="需要登录：请在 Authorization 中提供令牌",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            _rate_limit(request, "ip:" + client_address(request))
            return ANONYMOUS
        scheme, _, token = header.partition(" ")
        row = token_authenticate(token.strip()) if scheme.lower() == "bearer" else None
        if row is None:
            raise Problem(
                401,
                "The token is missing, malformed, revoked or unknown.",
                message="令牌无效或已撤销",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if request.method not in SAFE_METHODS and not row.can_write:
            raise Problem(403, "This token has read scope only.", message="这个令牌只能读取")
        _rate_limit(request, f"token:{row.id}")
        return row

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        return None  # __call__ does the work


def caller(request: HttpRequest) -> User | None:
    auth = getattr(request, "auth", None)
    return auth.user if isinstance(auth, ApiToken) else None


def _request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b" " + request.get_full_path().encode() + b"\n")
    if request.content_type == "multipart/form-data":
        for name in sorted(request.POST):
            digest.update(f"{name}={request.POST.getlist(name)}\n".encode())
        for name in sorted(request.FILES):
            upload = request.FILES[name]
            upload.seek(0)
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def idempotent(request: HttpRequest, work: Callable[[], tuple[int, Any]]) -> Status:
    """The answer of `work` (status, payload), once per Idempotency-Key (see _idempotent)."""
    return Status(*_idempotent(request, work))


def _idempotent(request: HttpRequest, work: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
    """Run `work` once per (user, Idempotency-Key): a repeat of the same request gets the first
    answer back (same status); the same key on a different request is a 409."""
    user = caller(request)
    key = request.headers.get("Idempotency-Key", "").strip()
    if user is None or not key:
        return work()
    if len(key) > 200 or not key.isprintable():
        raise Problem(
            400,
            "Idempotency-Key must be at most 200 printable characters.",
            message="Idempotency-Key 无效",
            errors=[{"field": "Idempotency-Key", "message": "最多 200 个可打印字符"}],
        )
    request_hash = _request_hash(request)

    def replay(record: IdempotencyRecord) -> tuple[int, Any]:
        if record.request_hash != request_hash:
            raise Problem(
                409,
                "This Idempotency-Key was already used for a different request.",
                message="这个 Idempotency-Key 已用于另一个请求",
            )
        return record.status, record.response

    found = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if found is not None:
        return replay(found)
    with transaction.atomic():
        status, payload = work()
        data = payload.model_dump(mode="json") if hasattr(payload, "model_dump") else payload
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    method=request.method,
                    path=request.path[:300],
                    request_hash=request_hash,
                    status=status,
                    response=data,
                )
        except IntegrityError:
            # A concurrent retry got there first: undo this run and answer as it did.
            transaction.set_rollback(True)
            conflict = True
        else:
            conflict = False
    if conflict:
        found = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if found is not None:
            return replay(found)
    return status, data
