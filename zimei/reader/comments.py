"""跟帖, 顶, 点赞 and 收藏 for readers (docs/comments.md).

The article page shows no comment and no count, so it stays whole in the page store and the
front cache: its comment box is one fragment, `a/<id>/comments/box/`, fetched by site.js (the
same for every anonymous reader: cached and purged like a page; private for signed-in ones,
with their 赞, 收藏 and 顶). Without JavaScript the article page links to the comments page,
`a/<id>/comments/`, which shows the same box with pages. Every action is a plain form POST that
comes back to where it was sent from."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from zimei.articles.models import Article
from zimei.comments import selectors, services
from zimei.comments.models import Comment, CommentReport
from zimei.conversion.variants import ui_errors
from zimei.core.errors import InputError, NotAllowed
from zimei.core.pagecache import page_number, public_page
from zimei.core.ratelimit import client_address
from zimei.core.redirects import safe_next
from zimei.moderation.services import REPORT_NOTE_MAX

from .views import _mark_care, article_or_gone


def _base(request: HttpRequest) -> str:
    return f"/{request.LANGUAGE_CODE}/{'care/' if request.care else ''}"


def _page_arg(request: HttpRequest) -> int:
    return page_number(request.META.get("QUERY_STRING", "")) or 1


def _box_context(request: HttpRequest, article, *, page: int = 1, full: bool) -> dict:
    base = _base(request)
    user = request.user if request.user.is_authenticated else None
    box = selectors.comment_box(article_id=article.id, user=user, page=page)
    comments_url = f"{base}a/{article.id}/comments/"
    if full:
        back = comments_url + (f"?page={box.page}" if box.page > 1 else "")
    else:
        back = f"{base}a/{article.id}/"
    return {
        "article": article,
        "box": box,
        "full": full,
        "comments_url": comments_url,
        "back": back + "#comments",
        "hot_min": selectors.hot_min(),
    }


@public_page
@require_safe
def comments_box(request: HttpRequest, article_id: int, care: bool = False) -> HttpResponse:
    """The comment box fragment the article page loads (no page around it)."""
    _mark_care(request, care)
    article, gone = article_or_gone(request, article_id)
    if gone:
        return gone
    return render(request, "reader/comments/box.html", _box_context(request, article, full=False))


@public_page
@require_safe
def comments_page(request: HttpRequest, article_id: int, care: bool = False) -> HttpResponse:
    """The comments page: the box with pages, for readers without JavaScript and for deep pages."""
    _mark_care(request, care)
    article, gone = article_or_gone(request, article_id)
    if gone:
        return gone
    context = _box_context(request, article, page=_page_arg(request), full=True)
    response = render(request, "reader/comments/page.html", context)
    response.zimei_page = context["box"].page  # the page store keeps it as that page only
    return response


@login_required
@require_POST
def comment_post(request: HttpRequest, article_id: int, care: bool = False) -> HttpResponse:
    """发表跟帖 or a reply. Published: back to where it was sent from. Held, refused or wrong:
    the comments page says so, with the text still in the form."""
    _mark_care(request, care)
    article, gone = article_or_gone(request, article_id)
    if gone:
        return gone
    body = request.POST.get("body", "")
    raw_parent = request.POST.get("parent", "")
    parent = None
    if raw_parent.isdigit() and len(raw_parent) < 16:
        parent = Comment.objects.filter(id=int(raw_parent), article_id=article.id).first()
    errors: dict = {}
    held: Comment | None = None
    try:
        if raw_parent and parent is None:
            raise InputError.one("", "你回复的跟帖已不存在")
        comment = services.comment_post(
            article=article, author=request.user, body=body, parent=parent, address=client_address(request)
        )
    except InputError as exc:
        errors = ui_errors(exc)
    except NotAllowed as exc:
        errors = ui_errors(InputError.one("", str(exc)))
    else:
        if comment.status == Comment.Status.PUBLISHED:
            default = f"{_base(request)}a/{article.id}/comments/#c{comment.id}"
            target = safe_next(request, request.POST.get("next"), default)
            return HttpResponseRedirect(target.split("#")[0] + f"#c{comment.id}")
        held = comment
    context = _box_context(request, article, full=True)
    context.update(
        errors=errors,
        held=held,
        held_reasons=ui_errors(InputError({"": held.reasons}))["form"] if held and held.reasons else [],
        values={"body": body},
        parent=parent,
    )
    return render(request, "reader/comments/page.html", context, status=400 if errors else 200)


def _back(request: HttpRequest, article_id: int) -> HttpResponseRedirect:
    default = f"{_base(request)}a/{article_id}/comments/"
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), default))


@login_required
@require_POST
def comment_vote(request: HttpRequest, comment_id: int, care: bool = False) -> HttpResponse:
    _mark_care(request, care)
    comment = selectors.comment_get_public(comment_id)
    try:
        services.comment_vote(comment=comment, user=request.user)
    except InputError:
        pass  # it left public meanwhile: the box no longer shows it
    return _back(request, comment.article_id)


@login_required
@require_POST
def comment_delete(request: HttpRequest, comment_id: int, care: bool = False) -> HttpResponse:
    _mark_care(request, care)
    comment = selectors.comment_get_own(comment_id, request.user)
    services.comment_delete(comment=comment, actor=request.user)
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), f"{_base(request)}me/comments/"))


@login_required
@require_POST
def article_like(request: HttpRequest, article_id: int, care: bool = False) -> HttpResponse:
    _mark_care(request, care)
    article, gone = article_or_gone(request, article_id)
    if gone:
        return gone
    try:
        services.article_like_set(article=article, user=request.user, liked=request.POST.get("on") != "0")
    except InputError:
        pass
    return _back(request, article.id)


@login_required
@require_POST
def article_save(request: HttpRequest, article_id: int, care: bool = False) -> HttpResponse:
    _mark_care(request, care)
    saved = request.POST.get("on") != "0"
    if saved:
        article, gone = article_or_gone(request, article_id)
        if gone:
            return gone
    else:  # taking out a save works for an article that is gone too
        article = Article.objects.filter(id=article_id).first()
        if article is None:
            return _back(request, article_id)
    try:
        services.article_save_set(article=article, user=request.user, saved=saved)
    except InputError:
        pass
    return _back(request, article_id)


@login_required
@require_http_methods(["GET", "POST"])
def comment_report(request: HttpRequest, comment_id: int, care: bool = False) -> HttpResponse:
    _mark_care(request, care)
    comment = selectors.comment_get_public(comment_id)
    values = {"category": request.POST.get("category", ""), "note": request.POST.get("note", "")}
    errors: dict = {}
    if request.method == "POST":
        try:
            services.comment_report_create(comment=comment, reporter=request.user, **values)
        except InputError as exc:
            errors = ui_errors(exc)
        else:
            return render(request, "reader/report_thanks.html", {"comment": comment})
    context = {
        "comment": comment,
        "categories": CommentReport.Category.choices,
        "values": values,
        "errors": errors,
        "note_max": REPORT_NOTE_MAX,
    }
    return render(request, "reader/comments/report.html", context, status=400 if errors else 200)


@login_required
@require_GET
def my_comments(request: HttpRequest, care: bool = False) -> HttpResponse:
    """我的跟帖: every comment of the reader's but deleted ones, with its state and why."""
    _mark_care(request, care)
    page = Paginator(selectors.comments_by_author(request.user), selectors.PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "reader/comments/mine.html", {"page": page})


@login_required
@require_GET
def my_saved(request: HttpRequest, care: bool = False) -> HttpResponse:
    """我的收藏."""
    _mark_care(request, care)
    saved = selectors.saved_articles(request.user)
    page = Paginator(saved, selectors.PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "reader/comments/saved.html", {"page": page})
