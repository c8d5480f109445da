"""Reading channels: there are eleven, kept in a 60-second cache, so pages never join them."""

from __future__ import annotations

from django.core.cache import cache

from .models import Channel

CHANNELS_CACHE_SECONDS = 60
CACHE_KEY = "channels"


def channels_by_id() -> dict[int, Channel]:
    """All channels (there are eleven), from a 60-second cache: pages never join them."""
    found = cache.get(CACHE_KEY)
    if found is None:
        found = {c.id: c for c in Channel.objects.all()}
        cache.set(CACHE_KEY, found, CHANNELS_CACHE_SECONDS)
    return found


def channels_ordered() -> list[Channel]:
    """The channels in their display order, from the channel cache."""
    return sorted(channels_by_id().values(), key=lambda c: (c.position, c.id))


def channel_by_slug(slug: str | None) -> Channel | None:
    """The channel with this slug, from the channel cache (None for no such channel)."""
    if not slug:
        return None
    return next((c for c in channels_by_id().values() if c.slug == slug), None)


def channels_forget() -> None:
    """After a change: this process reads channels again at once, other workers within the
    cache time (or at once, with a shared cache)."""
    cache.delete(CACHE_KEY)
