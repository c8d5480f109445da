"""Reads of the search index: a reader's query → a page of published articles, each with its
title and a snippet in the reader's script, the matches highlighted (<mark>)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from zimei.accounts.models import CreatorProfile, User
from zimei.articles.models import Article, ArticleBody
from zimei.articles.sanitize import html_to_text
from zimei.articles.selectors import articles_for_editor
from zimei.conversion.variants import VARIANTS, field_suffix

from .backends import Filters, search_backend
from .text import Query, fold, fold_aligned, matches, parse, script_forms, spelled

PER_PAGE = 20
MAX_PAGES = 50  # deeper pages are not served (offset scans); the reader is asked to narrow down
SNIPPET = 90  # characters of body text around the first match
SORTS = ("relevance", "time", "hot")


@dataclass
class Hit:
    article: Article
    title: SafeString
    snippet: SafeString


@dataclass
class Results:
    query: Query
    total: int = 0
    capped: bool = False  # more than `total` match (counted up to ZIMEI_SEARCH_COUNT_MAX)
    page: int = 1
    pages: int = 0
    hits: list[Hit] = field(default_factory=list)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _spans(text: str, query: Query, source: str = "") -> list[tuple[int, int]]:
    """Where `query` matches `text` (the reader's script). Where it does not, but it matches
    `source` (the same text as the author wrote it) and the conversion kept every character
    in place, there: a reader's 资料线 found the author's 資料線, shown to them as 数据线."""
    spans = matches(fold_aligned(text), query)
    if not spans and source and source != text and len(source) == len(text):
        spans = matches(fold_aligned(source), query)
    return spans


def highlight(text: str, query: Query, source: str = "") -> SafeString:
    """`text` escaped, every match of `query` in it (folded: either script) in <mark>."""
    spans = _spans(text, query, source)
    out, at = [], 0
    for start, end in spans:
        out.append(escape(text[at:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    out.append(escape(text[at:]))
    return mark_safe("".join(out))  # every piece escaped above


def excerpt(text: str, query: Query, source: str = "", size: int = SNIPPET) -> tuple[str, str]:
    """About `size` characters of `text` around its first match (… where cut), and the same
    piece of `source` when it lines up (for highlight)."""
    spans = _spans(text, query, source)
    aligned = len(source) == len(text)
    if not spans or len(text) <= size:
        more = "…" if len(text) > size else ""
        return text[:size] + more, (source[:size] + more if aligned else "")
    start = max(0, spans[0][0] - size // 3)
    end = min(len(text), start + size)

    def cut(t: str) -> str:
        return ("…" if start else "") + t[start:end] + ("…" if end < len(t) else "")

    return cut(text), (cut(source) if aligned else "")


# How far back a reader can narrow a search (?within=): the periods news sites offer.
WITHIN = {
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "month": timedelta(days=31),
    "year": timedelta(days=366),
}


def since(within: str) -> datetime | None:
    """The earliest publication time for `within` (a WITHIN key); None for any other value."""
    period = WITHIN.get(within)
    return timezone.now() - period if period else None


def page_number(raw: str | None) -> int:
    try:
        number = int(raw or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGES)


def search_articles(
    *,
    q: str | None,
    variant: str,
    channel_id: int | None = None,
    author_id: int | None = None,
    within: str = "",
    sort: str = "relevance",
    page: int = 1,
    per_page: int | None = None,
) -> Results:
    """A page of published articles matching `q` (parsed and cut in text.py), best first or
    newest first, with highlighted titles and snippets in `variant`'s script."""
    per_page = per_page or PER_PAGE
    query = parse(q)
    results = Results(query=query, page=page)
    if query.empty:
        return results
    sort = sort if sort in SORTS else "relevance"
    found = search_backend().search(
        query,
        filters=Filters(channel_id=channel_id, author_id=author_id, since=since(within)),
        sort=sort,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    results.total = found.total
    results.capped = found.capped
    results.pages = min(MAX_PAGES, -(-found.total // per_page))
    if not found.ids:
        return results
    fields = [f"{f}_{field_suffix(v)}" for f in ("title", "summary") for v in VARIANTS]
    rows = Article.objects.published().for_list("script", *fields).in_bulk(found.ids)
    bodies = {
        b["article_id"]: b
        for b in ArticleBody.objects.filter(article_id__in=found.ids).values(
            "article_id", *(f"body_{field_suffix(v)}" for v in VARIANTS)
        )
    }
    suffix = field_suffix(variant)
    for article_id in found.ids:
        article = rows.get(article_id)
        if article is None:  # left public between the two reads
            continue
        # What the reader sees (their script), and what the author wrote (matched by the index)
        own = field_suffix(article.script)
        title, title_src = getattr(article, f"title_{suffix}"), getattr(article, f"title_{own}")
        summary, summary_src = getattr(article, f"summary_{suffix}"), getattr(article, f"summary_{own}")
        body = bodies.get(article_id)
        if _spans(summary, query, summary_src) or body is None:
            snippet, snippet_src = summary, summary_src
        else:
            snippet, snippet_src = excerpt(
                html_to_text(body[f"body_{suffix}"]), query, html_to_text(body[f"body_{own}"])
            )
        results.hits.append(
            Hit(
                article=article,
                title=highlight(title, query, title_src),
                snippet=highlight(snippet, query, snippet_src),
            )
        )
    return results


# --- rows the index does not hold: a creator's own articles, the desk's lists --------------


def own_articles_matching(*, user: User, q: str | None) -> tuple[Query, list[int]]:
    """The ids of `user`'s own articles, any status (drafts, held, published, withdrawn …),
    whose working copy (title, summary, body) contains every term of `q` in either script, most
    recently edited first. A scan of the creator's own rows, not the index (which holds the
    published version of published articles only): docs/search.md, "In the studio"."""
    query = parse(q)
    if query.empty:
        return query, []
    terms = spelled(query)
    # Narrowed in the database first (PostgreSQL's regular expressions; SQLite runs Python's
    # through Django's REGEXP function), so that only matching bodies leave it: on PostgreSQL
    # reading every body back from TOAST into Python was the cost (docs/search.md).
    rows = Article.objects.filter(author__user=user)
    fields = ("title", "summary", "text__body_html")
    for pattern in terms.han:
        rows = rows.filter(_any_field(fields, "regex", pattern.pattern))
    for word, wide in terms.words:
        rows = rows.filter(_any_field(fields, "icontains", word) | _any_field(fields, "icontains", wide))
    rows = rows.order_by("-updated_at", "-id")
    if not terms.words:
        return query, list(rows.values_list("id", flat=True))
    # A Latin word may have matched inside a tag (<p>, href=…): checked again without them.
    ids = [
        pk
        for pk, title, summary, body in rows.values_list("id", *fields).iterator(chunk_size=500)
        if terms.found_in(f"{title}\n{summary}\n{body or ''}", markup=True)
    ]
    return query, ids


def _any_field(fields: tuple[str, ...], lookup: str, value: str) -> Q:
    either = Q()
    for f in fields:
        either |= Q(**{f"{f}__{lookup}": value})
    return either


def text_condition(
    query: Query,
    *fields: str,
    labelled: dict[str, list] | None = None,
) -> Q:
    """Every term of `query` in one of `fields`, in either script: each term as its Simplified
    and Traditional forms (script_forms), case-insensitive; or in the label of a choice field
    (`labelled`: field → its choices, matched on their labels). For the desk's lists kept
    in no index: creators, reports, the audit log (docs/search.md, "In the desk")."""
    condition = Q()
    for term in query.terms:
        either = Q()
        for form in script_forms(term.text):
            for f in fields:
                either |= Q(**{f"{f}__icontains": form})
        for f, choices in (labelled or {}).items():
            values = [value for value, label in choices if term.text in fold(str(label))]
            if values:
                either |= Q(**{f"{f}__in": values})
        condition &= either
    return condition


def number_in(query: Query) -> int | None:
    """The query as an id (`42` or `#42`), if it is one."""
    text = query.text.removeprefix("#").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 15 else None


# The desk's article search: up to this many matches, their rows are read and sorted by the
# database; beyond it, the articles are walked in order of their last edit (an index) and the
# first that match make the page: no more article rows are read than the page needs or this.
DESK_SORTED = 2000


class EditorArticles:
    """What the desk's article search found (articles_matching_for_editor), recently edited
    first, for a Paginator: count() and slices. The matches are a set of ids made from the
    indexes alone (the titles', the authors' articles, the id typed), read once and counted
    without reading an article row."""

    def __init__(self, ids_sql: str, params: list) -> None:
        self.ids_sql, self.params = ids_sql, params
        self._ids: set[int] | None = None

    @property
    def ids(self) -> set[int]:
        if self._ids is None:
            with connection.cursor() as cur:
                cur.execute(self.ids_sql, self.params)
                self._ids = {row[0] for row in cur.fetchall()}
        return self._ids

    def count(self) -> int:
        return len(self.ids)

    def __len__(self) -> int:
        return self.count()

    def _rows(self) -> QuerySet[Article]:
        return (
            articles_for_editor()
            .select_related("author", "channel")
            .defer("keywords", "related_ids", "spam_findings")
            .order_by("-updated_at", "-id")
        )

    def __getitem__(self, window: slice) -> list[Article]:
        start, stop = window.start or 0, window.stop if window.stop is not None else self.count()
        if self.count() <= DESK_SORTED:
            return list(self._rows().filter(id__in=self.ids)[start:stop])
        found: list[int] = []
        for pk in _recently_edited():
            if pk in self.ids:
                found.append(pk)
                if len(found) == stop:
                    break
        by_id = self._rows().in_bulk(found[start:])
        return [by_id[pk] for pk in found[start:] if pk in by_id]


def _recently_edited(batch: int = 500) -> Iterator[int]:
    """Every article's id, last edited first, from the index of last edits alone (a draft
    too: the desk's sets hold none), in batches twice as large each time. (A server-side
    cursor, QuerySet.iterator(), is held past its transaction on PostgreSQL: the whole result
    was read before the first batch.)"""
    rows = Article.objects.order_by("-updated_at", "-id").values_list("updated_at", "id")
    after = Q()
    while chunk := list(rows.filter(after)[:batch]):
        yield from (pk for _, pk in chunk)
        edited, pk = chunk[-1]
        after = Q(updated_at__lt=edited) | Q(updated_at=edited, id__lt=pk)
        batch = min(batch * 2, 20_000)


def articles_matching_for_editor(query: Query) -> EditorArticles:
    """The articles an editor may see (articles_for_editor: every status but unsubmitted
    drafts) whose titles (documents.editor_titles: a published one in any script, the working
    copy's once submitted) or author (pen name, username) hold every term of `query`, or whose
    id it is; recently edited first. Titles from the desk's title index (each term as a
    reader's search matches it); authors, few, matched on their rows (text_condition)."""
    backend = search_backend()
    number = number_in(query)  # a query of one term: digits
    parts: list[str] = []
    params: list = []
    for i, term in enumerate(query.terms):
        # A term's articles, one set of ids: its titles', its authors', the id it is.
        sql, args = backend.titles_matching(term)
        one = Query(raw=term.text, text=term.text, terms=[term])
        authors = CreatorProfile.objects.filter(text_condition(one, "pen_name", "user__username"))
        extra = []
        if author_ids := list(authors.values_list("id", flat=True)):
            extra.append(articles_for_editor().filter(author_id__in=author_ids))
        if number is not None:
            extra.append(articles_for_editor().filter(id=number))
        for rows in extra:
            more_sql, more_args = rows.values("id").query.sql_with_params()
            sql, args = f"{sql} UNION {more_sql}", [*args, *more_args]
        parts.append(f"SELECT id FROM ({sql}) AS term{i}")
        params.extend(args)
    return EditorArticles(" INTERSECT ".join(parts) or "SELECT 0 WHERE 1 = 0", params)


def creators_matching(query: Query) -> QuerySet[CreatorProfile]:
    """Creators whose pen name or username holds every term of `query` (either script), or
    whose creator id it is; newest first."""
    match = text_condition(query, "pen_name", "user__username")
    number = number_in(query)
    if number is not None:
        match |= Q(id=number)
    found = CreatorProfile.objects.filter(match).select_related("user", "channel")
    return found.order_by("-created_at", "-id")
