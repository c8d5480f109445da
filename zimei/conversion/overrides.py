"""The desk's conversion overrides, as the engine applies them.

`convert` (variants.py) adds the overrides that are *active* in the current context to Zimei's
data-file entries for the variant (engine.converter is keyed on the merged entries, so a
changed set of overrides builds, once, a new converter). Overrides are made active by
`overrides_applied()` / `@with_overrides`, which read them with one query: the publish path
(articles.services._render_variants, which `zimei article rerender` also runs) and the studio
preview. Everything else (UI strings, user data) is converted with the data files only, so no
page pays a query for them and memoised strings never go stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import TypeVar

from .models import Override

Entries = tuple[tuple[str, str], ...]
_ACTIVE: ContextVar[dict[str, Entries] | None] = ContextVar("zimei_conversion_overrides", default=None)

F = TypeVar("F", bound=Callable)


def overrides_current() -> dict[str, Entries]:
    """Every override, by variant (one query)."""
    out: dict[str, dict[str, str]] = {}
    for variant, source, target in Override.objects.order_by("id").values_list("variant", "source", "target"):
        out.setdefault(variant, {})[source] = target
    return {v: tuple(sorted(pairs.items())) for v, pairs in out.items()}


def active(variant: str) -> Entries:
    """The overrides for `variant` active in this context (none outside `overrides_applied`)."""
    current = _ACTIVE.get()
    return current.get(variant, ()) if current else ()


@contextmanager
def overrides_applied() -> Iterator[None]:
    """Conversions inside this block apply the desk's overrides as they are now."""
    token = _ACTIVE.set(overrides_current())
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def with_overrides(fn: F) -> F:
    """`fn` runs with the desk's overrides applied (read once per call)."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        with overrides_applied():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
