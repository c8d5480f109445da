"""What the index is made of: an article's texts as its author wrote them (services.py
tokenises them; the PostgreSQL backend reads them back to check a phrase where its tsvector
could not hold every position)."""

from __future__ import annotations

from zimei.articles.models import Article
from zimei.articles.sanitize import html_to_text
from zimei.conversion.variants import field_suffix


def texts_of(article: Article, body_html: str) -> tuple[str, str, str]:
    """What is indexed of an article: its title, summary and body HTML in its author's script."""
    script = article.script
    return article.in_variant("title", script), article.in_variant("summary", script), body_html


def article_texts(article: Article) -> tuple[str, str, str]:
    """What is indexed of an article as plain text: its published title, summary and body, as
    its author wrote them (not yet folded)."""
    title, summary, body_html = texts_of(
        article, getattr(article.body, f"body_{field_suffix(article.script)}")
    )
    return title, summary, html_to_text(body_html)


def editor_titles(article: Article) -> tuple[str, ...]:
    """The titles an editor searches an article by (the desk): the published one in each
    script, and the working copy's where editors may read it (Article.working_copy_for_editors;
    else it holds the author's unsubmitted changes). None for
    a draft never submitted (articles_for_editor: its author's alone), so that the desk counts
    its matches from the index alone."""
    if article.status == Article.Status.DRAFT:
        return ()
    published = (article.title_hans, article.title_hant, article.title_hk)
    if article.working_copy_for_editors:
        return (*published, article.title)
    return published
