"""Rate limits: how often one account, address or token may do one thing.

A fixed-window counter per (action, key) in the `ratelimit` cache, which every server worker
shares: Redis when ZIMEI_REDIS_URL is set (its INCR is atomic; while Redis is down nobody is
limited, core/rediscache.py), otherwise `FileCounterCache` under the data folder (one small
file per key, locked while it is counted, so each count is atomic across the worker
processes). The limits are settings (`ZIMEI_RATE_LIMITS`, each overridable as ZIMEI_RATE_<ACTION>="N/SECONDS";
docs/security-roles.md).

Interfaces hook in with one line: `rate_check(action, key)` before the action (refuses once
the window's quota is used) and `rate_count(action, key)` after it succeeded, or `rate_hit`
(count, then refuse when over) where every attempt counts. A refusal is a `RateLimited`
error: `RateLimitMiddleware` answers it with the 429 page (core/ratelimited.html) in the
reader's script, with Retry-After and what was typed kept; the API answers a problem document.

Sign-in has its own rule (`signin_guard`): failures are counted per account and per address,
and reaching the limit locks that account or address for the window, even for the right
password; a successful sign-in clears the account's count.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import random
import struct
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .proxies import client_ip

try:  # POSIX; elsewhere one process is assumed
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

T = TypeVar("T")
CACHE_ALIAS = "ratelimit"

# What the 429 page says happened, per action (Simplified; shown in the reader's script).
MESSAGES = {
    "signin-account": "这个账号的登录失败次数太多，已暂时锁定。即使密码正确，也要等锁定结束后才能登录。",
    "signin-address": "这个网络地址的登录失败次数太多，已暂时锁定。",
    "register": "这个网络地址注册的账号太多了。",
    "apply": "你提交申请太频繁了。",
    "publish": "你发布文章太频繁了。",
    "report": "你举报太频繁了。",
    "token": "你创建 API 令牌太频繁了。",
    "share": "这个网络地址分享太频繁了。",
    "image-upload": "你上传图片太频繁了。",
    "comment": "你跟帖太频繁了。",
    "comment-address": "这个网络地址跟帖太频繁了。",
    "react": "你点赞、顶或收藏太频繁了。",
}
DEFAULT_MESSAGE = "操作太频繁了。"


class RateLimited(Exception):
    """`action` by this key is over its limit; it may be tried again in `retry_after` seconds."""

    def __init__(self, action: str, *, retry_after: int, limit: int, window: int) -> None:
        self.action = action
        self.retry_after = max(1, math.ceil(retry_after))
        self.limit = limit
        self.window = window
        super().__init__(f"{action}: more than {limit} in {window} s; retry in {self.retry_after} s")

    @property
    def message(self) -> str:
        """What happened, in Simplified."""
        return MESSAGES.get(self.action, DEFAULT_MESSAGE)


def rate_limit_of(action: str) -> tuple[int, int]:
    """(limit, window seconds) for `action` from settings; a limit of 0 means no limit."""
    return tuple(settings.ZIMEI_RATE_LIMITS.get(action, (0, 60)))  # type: ignore[return-value]


def client_address(request: HttpRequest | Mapping[str, str]) -> str:
    """The caller's address: the peer's, or behind a trusted proxy the one it forwarded
    (ZIMEI_TRUSTED_PROXIES, core/proxies.py). The one place that says who the client is: for
    rate limits, the API's anonymous quota and the view counters' reader key. Takes a request,
    its META or a WSGI environ (the view beacon's fast path has no request)."""
    meta = request.META if isinstance(request, HttpRequest) else request
    return client_ip(meta) or "?"


# --- the store --------------------------------------------------------------------------


_MISSING = object()


class FileCounterCache(BaseCache):
    """A Django cache for small values (counters, lock times) shared by every worker process
    on one machine: one file per key under LOCATION, each read under a shared and written
    under an exclusive lock on that file, so `add` and `incr` are atomic across processes
    without one lock for all. (Django's FileBasedCache rewrites whole files with no lock and
    lists its whole folder on every write.) About one write in a thousand sweeps out expired
    files."""

    # Expiry (Unix time; 0 = never) and the length of the pickled value that follows. Files are
    # overwritten in place, never truncated (a truncate costs a journal write: ~1 ms).
    _head = struct.Struct("<dI")
    SWEEP_CHANCE = 0.001

    def __init__(self, location: str, params: dict) -> None:
        super().__init__(params)
        self.root = Path(location)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str, version: int | None) -> Path:
        key = self.make_and_validate_key(key, version=version)
        return self.root / (hashlib.blake2b(key.encode(), digest_size=16).hexdigest() + ".rl")

    @contextmanager
    def _open(self, path: Path, write: bool) -> Iterator[int | None]:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT if write else os.O_RDONLY, 0o600)
        except FileNotFoundError:
            yield None
            return
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
            yield fd
        finally:
            os.close(fd)  # and with it the lock

    def _read(self, fd: int | None) -> tuple[object, float]:
        data = os.pread(fd, 1 << 16, 0) if fd is not None else b""
        if len(data) <= self._head.size:
            return _MISSING, 0.0
        expires, length = self._head.unpack_from(data)
        if expires and expires < time.time():
            return _MISSING, 0.0
        return pickle.loads(data[self._head.size : self._head.size + length]), expires

    def _write(self, fd: int, value: object, expires: float | None) -> None:
        body = pickle.dumps(value)
        os.pwrite(fd, self._head.pack(expires or 0.0, len(body)) + body, 0)
        if random.random() < self.SWEEP_CHANCE:
            self.sweep()

    def get(self, key, default=None, version=None):
        with self._open(self._path(key, version), write=False) as fd:
            value, _ = self._read(fd)
        return default if value is _MISSING else value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        with self._open(self._path(key, version), write=True) as fd:
            self._write(fd, value, self.get_backend_timeout(timeout))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        with self._open(self._path(key, version), write=True) as fd:
            if self._read(fd)[0] is not _MISSING:
                return False
            self._write(fd, value, self.get_backend_timeout(timeout))
            return True

    def incr(self, key, delta=1, version=None):
        with self._open(self._path(key, version), write=True) as fd:
            value, expires = self._read(fd)
            if value is _MISSING:
                raise ValueError(f"Key '{key}' not found")
            value += delta
            self._write(fd, value, expires)
            return value

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        with self._open(self._path(key, version), write=True) as fd:
            value, _ = self._read(fd)
            if value is _MISSING:
                return False
            self._write(fd, value, self.get_backend_timeout(timeout))
            return True

    def delete(self, key, version=None) -> bool:
        try:
            self._path(key, version).unlink()
        except FileNotFoundError:
            return False
        return True

    def has_key(self, key, version=None) -> bool:
        return self.get(key, _MISSING, version) is not _MISSING

    def clear(self) -> None:
        for path in self.root.glob("*.rl"):
            path.unlink(missing_ok=True)

    def sweep(self) -> int:
        """Remove expired files; returns how many."""
        now, removed = time.time(), 0
        for path in self.root.glob("*.rl"):
            try:
                with open(path, "rb") as fh:
                    expires, _ = self._head.unpack(fh.read(self._head.size))
            except (OSError, struct.error):
                continue
            if expires and expires < now:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


# --- the counter ------------------------------------------------------------------------


def _store() -> BaseCache:
    return caches[CACHE_ALIAS]


def _key(kind: str, action: str, key: str, *parts: object) -> str:
    # Keys are hashed: usernames and addresses may hold anything, and need not be stored.
    digest = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
    return ":".join([kind, action, digest, *map(str, parts)])


def _window(window: int, now: float) -> tuple[int, float]:
    """The current window's start and the seconds left in it."""
    start = int(now // window * window)
    return start, start + window - now


def _count(action: str, key: str, window: int, now: float, delta: int = 1) -> int:
    start, _ = _window(window, now)
    name = _key("n", action, key, start)
    store = _store()
    if delta == 0:
        return int(store.get(name, 0))
    # add and incr are each atomic across processes (Redis; FileCounterCache's file locks).
    # Kept for two windows: sign-in weighs the previous window's count too.
    store.add(name, 0, 2 * window + 5)
    try:
        return store.incr(name, delta)
    except ValueError:  # expired between add and incr
        store.set(name, delta, 2 * window + 5)
        return delta


def rate_check(action: str, key: str) -> None:
    """Refuse (RateLimited) when `key` already used this window's quota of `action`. Counts
    nothing: call `rate_count` once the action succeeded."""
    limit, window = rate_limit_of(action)
    if limit <= 0:
        return
    now = time.time()
    if _count(action, key, window, now, delta=0) >= limit:
        raise RateLimited(action, retry_after=_window(window, now)[1], limit=limit, window=window)


def rate_count(action: str, key: str) -> int:
    """Count one `action` by `key` in the current window; returns the count."""
    limit, window = rate_limit_of(action)
    if limit <= 0:
        return 0
    return _count(action, key, window, time.time())


def rate_hit(action: str, key: str, *, limit: int | None = None, window: int | None = None) -> None:
    """Count one attempt of `action` by `key`, and refuse it when over the limit (every attempt
    counts, refused ones too). `limit`/`window` override the settings (the API's per-minute limits)."""
    if limit is None or window is None:
        limit, window = rate_limit_of(action)
    if limit <= 0:
        return
    now = time.time()
    if _count(action, key, window, now) > limit:
        raise RateLimited(action, retry_after=_window(window, now)[1], limit=limit, window=window)


# --- sign-in lockout ----------------------------------------------------------------------


def _locked_for(action: str, key: str) -> float:
    until = _store().get(_key("lock", action, key))
    return max(0.0, until - time.time()) if until else 0.0


def _fail(action: str, key: str) -> None:
    """Count a failure; lock at the limit. The count slides: this window's failures plus the
    previous window's, weighed by how much of it is still within `window` seconds."""
    limit, window = rate_limit_of(action)
    if limit <= 0:
        return
    now = time.time()
    start, left = _window(window, now)
    previous = int(_store().get(_key("n", action, key, start - window), 0))
    if _count(action, key, window, now) + previous * left / window >= limit:
        _store().set(_key("lock", action, key), now + window, window + 5)
        raise RateLimited(action, retry_after=window, limit=limit, window=window)


def signin_guard(
    request: HttpRequest | None, username: str, authenticate: Callable[[], T], succeeded: Callable[[], bool]
) -> T:
    """Run `authenticate` (the login form's check) unless the account or the address is locked.
    A failure (ValidationError) counts against both; the failure that reaches the limit locks
    them for the window. A real success (`succeeded()`) clears the account's failures."""
    account = username.strip().lower()
    address = client_address(request) if request is not None else "?"
    for action, key in (("signin-account", account), ("signin-address", address)):
        left = _locked_for(action, key)
        if left:
            limit, window = rate_limit_of(action)
            raise RateLimited(action, retry_after=left, limit=limit, window=window)
    try:
        result = authenticate()
    except ValidationError:
        _fail("signin-account", account)
        _fail("signin-address", address)
        raise
    if succeeded():
        _forget("signin-account", account, lock=False)
    return result


def _forget(action: str, key: str, *, lock: bool) -> None:
    _, window = rate_limit_of(action)
    window = max(window, 1)
    start, _ = _window(window, time.time())
    names = [_key("n", action, key, start), _key("n", action, key, start - window)]
    _store().delete_many([*names, _key("lock", action, key)] if lock else names)


def rate_reset(action: str, key: str) -> None:
    """Forget `key`'s count and lock for `action` (operators; tests)."""
    _forget(action, key, lock=True)


# --- the answer -------------------------------------------------------------------------

SECRET_FIELDS = {"csrfmiddlewaretoken", "password", "password_confirm", "password1", "password2"}
# Fields shown on the 429 page under their form's label; any other field is carried hidden.
FIELD_LABELS = {
    "username": "用户名",
    "pen_name": "笔名",
    "tagline": "一句话介绍",
    "intro": "简介",
    "sample_work": "代表作",
    "title": "标题",
    "summary": "摘要",
    "body_html": "正文",
    "source": "来源",
    "name": "名称",
    "note": "补充说明",
    "text": "申诉理由",
    "body": "跟帖内容",
}


def retry_text(seconds: int) -> str:
    """'3 分钟' / '40 秒' (Simplified)."""
    if seconds < 60:
        return f"{seconds} 秒"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} 分钟"
    return f"{math.ceil(minutes / 60)} 小时"


def rate_limited_page(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """The 429 page: what happened, when to try again, and (for a form) what was typed,
    ready to be sent again. Passwords are never sent back."""

    typed = []
    if request.method == "POST":
        for name in request.POST:
            if name in SECRET_FIELDS:
                continue
            for value in request.POST.getlist(name):
                label = FIELD_LABELS.get(name, "")
                long = len(value) > 60 or "\n" in value
                typed.append({"name": name, "value": value, "label": label, "long": long})
    context = {
        "message": exc.message,
        "wait": retry_text(exc.retry_after),
        "until": timezone.localtime() + timedelta(seconds=exc.retry_after),
        "typed": typed,
        "visible": any(t["value"] and t["label"] for t in typed),
        # The same address, query included: a care sign-in (?care=1) and its ?next= are kept.
        "action_url": request.get_full_path(),
    }
    response = render(request, "core/ratelimited.html", context, status=429)
    response["Retry-After"] = str(exc.retry_after)
    response["Cache-Control"] = "private, no-store"
    return response


class RateLimitMiddleware:
    """Answers a RateLimited error from any page with the 429 page (the API answers its own)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return rate_limited_page(request, exception)
        return None
