"""The cached pages that show an article's comments: the comment box fragment and the comments
page, every variant × standard and care mode (core/frontcache.py purges them). The article
page itself shows no comment and is never purged for one."""

from __future__ import annotations

from zimei.core.frontcache import list_paths, purge


def comment_paths(article_id: int) -> list[str]:
    return [*list_paths("comments-box", article_id, pages=0), *list_paths("comments", article_id)]


def purge_comments(article_id: int) -> None:
    purge(comment_paths(article_id))
