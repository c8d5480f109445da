"""Writes to the search index: an article in or out (from the article events, receivers.py),
and the rebuild (`zimei search rebuild`)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from tqdm import tqdm

from zimei.articles.models import Article, ArticleBody
from zimei.articles.sanitize import html_to_text
from zimei.conversion.variants import VARIANTS, field_suffix

from .backends import SearchBackend, search_backend
from .documents import article_texts, editor_titles, texts_of
from .text import FORMAT, Tokens, grams, tokens


def article_tokens(article: Article) -> Tokens:
    """An article's index tokens: its published title, summary and body as its author wrote
    them (in the author's script, folded in text.py: so either script finds it)."""
    return tokens(*article_texts(article))


def _tokens_of(texts: tuple[str, str, str]) -> Tokens:
    title, summary, body_html = texts
    return tokens(title, summary, html_to_text(body_html))


# Every variant's stored title, summary and body: the author's own script is one of them.
_TEXTS = [f"{f}_{field_suffix(v)}" for f in ("title", "summary") for v in VARIANTS]
_BODIES = [f"body_{field_suffix(v)}" for v in VARIANTS]


def search_index(*, article: Article) -> None:
    """Put a published article in the index (again); anything else out of it."""
    backend = search_backend()
    if article.status != Article.Status.PUBLISHED:
        backend.remove([article.id])
        return
    backend.index([(article.id, article_tokens(article))])


def search_remove(*, article_id: int) -> None:
    search_backend().remove([article_id])


# What an article's editor_titles are made of: a save that changes none of these leaves them.
TITLE_FIELDS = frozenset(
    {"title", "title_hans", "title_hant", "title_hk", "status", "edit_pending", "published_at"}
)


def search_titles(*, articles: list[Article]) -> None:
    """Put articles' titles in the desk's title index (again), whatever their status."""
    search_backend().write_titles(_title_rows(articles))


def search_titles_fill(*, batch: int = 2000, progress: bool = False) -> int:
    """Write every article's titles into the desk's title index, `batch` at a time, a
    transaction each (the migration that made the index; `zimei search rebuild` does it with
    the rest); returns how many."""
    backend = search_backend()
    done, last = 0, 0
    with tqdm(total=Article.objects.count(), desc="titles", unit="art", disable=not progress) as bar:
        while rows := list(
            Article.objects.filter(id__gt=last).order_by("id").only("id", *TITLE_FIELDS)[:batch]
        ):
            with transaction.atomic():  # (a commit a row, outside a migration: FTS5 flushes each)
                backend.write_titles(_title_rows(rows))
            last = rows[-1].id
            done += len(rows)
            bar.update(len(rows))
    return done


def _title_rows(articles: Iterable[Article]) -> list[tuple[int, list[str]]]:
    return [(a.id, grams(*editor_titles(a))) for a in articles]


# The backend whose prepare() the rebuild's worker processes run (set before they are forked).
_WORKER_BACKEND: SearchBackend | None = None


def _prepared(texts: tuple[str, str, str]) -> tuple:
    """In a worker: what the backend writes for an article's (title, summary, body HTML)."""
    return _WORKER_BACKEND.prepare(_tokens_of(texts))


def search_rebuild_batches(
    *, from_id: int = 0, batch: int = 500, workers: int = 1
) -> Iterator[tuple[int, int, int]]:
    """Index every published article from `from_id` on, `batch` at a time, each batch in its
    own transaction (the caller's), and every article's titles (the desk's index); yields
    (articles read, articles indexed, last id read). Articles
    no longer published are taken out on the way. Resumable: start again at the last id.
    `workers` > 1: the tokens (folding, bigrams, rjieba: most of the work) are made by that
    many processes (forked: no database connection is used in them), the batch is read and
    written here."""
    global _WORKER_BACKEND
    backend = search_backend()
    chained = _carries_on(backend, from_id)
    pool = None
    if workers > 1:
        _WORKER_BACKEND = backend
        pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        last = from_id - 1
        while True:
            rows = list(
                Article.objects.filter(id__gt=last)
                .order_by("id")
                .only("id", "status", "script", *_TEXTS, *TITLE_FIELDS)[:batch]
            )
            if not rows:
                if chained:  # every row rewritten: the index is in this format now
                    with connection.cursor() as cur:
                        backend.set_meta(cur, "format", str(FORMAT))
                return
            bodies = {
                b.article_id: b
                for b in ArticleBody.objects.filter(article_id__in=[a.id for a in rows if a.is_public]).only(
                    "article_id", *_BODIES
                )
            }
            ids, texts, gone = [], [], []
            for a in rows:
                body = bodies.get(a.id)
                if not a.is_public or body is None:
                    gone.append(a.id)
                    continue
                ids.append(a.id)
                texts.append(texts_of(a, getattr(body, f"body_{field_suffix(a.script)}")))
            if pool is not None:
                prepared = pool.map(_prepared, texts, chunksize=max(1, len(texts) // (4 * workers)))
            else:
                prepared = [backend.prepare(_tokens_of(t)) for t in texts]
            backend.remove(gone)
            backend.write(list(zip(ids, prepared, strict=True)))
            backend.write_titles(_title_rows(rows))
            last = rows[-1].id
            if chained:
                with connection.cursor() as cur:
                    backend.set_meta(cur, "rebuilt_to", str(last))
            yield len(rows), len(ids), last
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def _carries_on(backend: SearchBackend, from_id: int) -> bool:
    """Whether a rebuild from `from_id` rewrites an index older than text.FORMAT from its first
    id on, together with the runs before it (their `rebuilt_to`): then, when it ends, every
    row is in the new format and the index says so (SearchBackend.index_format)."""
    with connection.cursor() as cur:
        if int(backend.meta(cur, "format") or 1) >= FORMAT:
            return False
        return from_id <= int(backend.meta(cur, "rebuilt_to") or 0) + 1


def search_rebuild(
    *, from_id: int = 0, batch: int = 500, workers: int = 1, progress: bool = False
) -> tuple[int, int | None]:
    """Index every published article from `from_id` on (search_rebuild_batches), each batch in
    its own transaction, with a progress bar when `progress`; returns (articles indexed, last
    id read or None when there was none)."""
    total = Article.objects.filter(id__gte=from_id).count()
    indexed, last = 0, None
    batches = search_rebuild_batches(from_id=from_id, batch=batch, workers=workers)
    with (
        search_backend().bulk(),
        tqdm(total=total, desc="search index", unit="art", disable=not progress) as bar,
    ):
        while True:
            with transaction.atomic():
                step = next(batches, None)
            if step is None:
                return indexed, last
            read, done, last = step
            indexed += done
            bar.update(read)
