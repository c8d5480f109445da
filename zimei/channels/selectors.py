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


def channel_by_slug(slug: str | None, *, fresh: bool = False) -> Channel | None:
    """The channel with this slug, or None: from the channel cache (a channel added since is
    read from the database), or, `fresh`, the row as stored (for a write)."""
    if not slug:
        return None
    if fresh:
        return Channel.objects.filter(slug=slug).first()
    for channel in channels_by_id().values():
        if channel.slug == slug:
            return channel
    found = Channel.objects.filter(slug=slug).first()
    if found is not None:
        channels_forget()
    return found


def channels_forget() -> None:
    """After a change: this process reads channels again at once, other workers within the
    cache time (or at once, with a shared cache)."""
    cache.delete(CACHE_KEY)
