"""Django's Redis cache, made so that Redis being down never fails a request.

Every cache Zimei keeps in Redis (fragments, whole pages, rate-limit counters) can be rebuilt
or done without, so an unreachable Redis is treated as a miss: `get` answers the default, `set`
and `delete` do nothing, `add` says "not added", `incr` answers `delta` (a rate-limit window that
starts over: nobody is limited while Redis is down). Each failure logs one warning, and then
Redis is left alone for `COOLDOWN` seconds (every call is an instant miss), so a Redis that
hangs costs one short socket timeout per worker every few seconds, never one per call.

OPTIONS: `COOLDOWN` (seconds, default 5); `socket_timeout` and `socket_connect_timeout`
(default 0.25 s, for a Redis on the same network) go to redis-py like any other option.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

COOLDOWN = 5.0
SOCKET_TIMEOUT = 0.25


class _Breaker:
    """Per Redis address, shared by every thread of the process (Django makes one cache
    object per thread): when the last failure was, so all threads skip Redis for a while."""

    def __init__(self) -> None:
        self.down_until = 0.0
        self.lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self.down_until

    def trip(self, cooldown: float, location: str, exc: Exception) -> None:
        with self.lock:
            was_up = not self.is_open()
            self.down_until = time.monotonic() + cooldown
        if was_up:
            log.warning("Redis at %s unreachable (%s): cache misses for %g s", location, exc, cooldown)


_breakers: dict[str, _Breaker] = {}
_breakers_lock = threading.Lock()


def breaker(location: str) -> _Breaker:
    with _breakers_lock:
        return _breakers.setdefault(location, _Breaker())


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.cooldown = float(options.pop("COOLDOWN", COOLDOWN))
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = server if isinstance(server, str) else ",".join(server)
        self._breaker = breaker(self._location)

    def _guard(self, fallback: Any, call, *args, **kwargs) -> Any:
        if self._breaker.is_open():
            return fallback
        try:
            return call(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            self._breaker.trip(self.cooldown, self._location, exc)
            return fallback

    def get(self, key, default=None, version=None):
        return self._guard(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard(False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(list(data), super().set_many, data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().add, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().touch, key, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._guard(delta, super().incr, key, delta, version)

    def delete(self, key, version=None):
        return self._guard(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._guard(None, super().delete_many, keys, version)

    def clear(self):
        return self._guard(False, super().clear)
