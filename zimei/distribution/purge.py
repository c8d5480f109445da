"""Which cached pages show an article, and purging them (the page store and any front cache:
core/frontcache.py does the purging, this module knows the pages)."""

from __future__ import annotations

from collections.abc import Iterable

from zimei.channels.models import Channel
from zimei.core.frontcache import article_paths, list_paths, purge, reader_paths

from .hot import hot_generation_bump


def paths_showing(article, *, channel_ids: Iterable[int] = ()) -> list[str]:
    """Every cacheable page that shows `article`: its own pages, the home pages, the pages and
    feeds of its channel (and of `channel_ids`: the one it was moved from) and of its author."""
    ids = {article.channel_id, *channel_ids} - {None}
    slugs = sorted(Channel.objects.filter(id__in=ids).values_list("slug", flat=True))
    paths = [*article_paths(article.id), *list_paths("home", pages=0)]
    for slug in slugs:
        paths += list_paths("channel", slug)
    paths += list_paths("author", article.author_id)
    for feed in ("rss", "atom"):
        paths += reader_paths(f"feed-{feed}")
        for slug in slugs:
            paths += reader_paths(f"channel-{feed}", slug)
        paths += reader_paths(f"author-{feed}", article.author_id)
    return paths


def purge_article(article, *, channel_ids: Iterable[int] = ()) -> None:
    """On commit of a publish, edit, withdrawal or take-down: the hot lists and channel boxes
    recompute in every worker, then every page that shows the article is purged."""
    hot_generation_bump()
    purge(paths_showing(article, channel_ids=channel_ids))
