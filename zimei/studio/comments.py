"""The creator's side of 跟帖 in the studio (docs/comments.md, "Creators and editors"): one
article's comments (comments on or off, pin one, hide with a reason) and the 跟帖 tab of 通知
(new comments and replies on the creator's articles, with the unread count). Each write is one
service of comments/moderation.py; a comment on someone else's article is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from zimei.articles.models import Article
from zimei.articles.selectors import article_get_for_author
from zimei.comments import moderation as mod
from zimei.comments.models import ArticleThread
from zimei.comments.selectors import PER_PAGE
from zimei.conversion.variants import current_variant, ui, ui_errors
from zimei.core.errors import InputError, NotAllowed

from .views import creator_only

DONE = {
    "open": "已开启跟帖",
    "close": "已关闭跟帖，已发布的跟帖仍然显示",
    "pin": "已置顶，读者会在跟帖最上面看到它",
    "unpin": "已取消置顶",
    "hide": "已隐藏，跟帖的作者会看到你的理由",
}


def _page(
    request: HttpRequest, article: Article, *, errors: dict | None = None, typed: dict | None = None
) -> HttpResponse:
    thread = ArticleThread.objects.filter(pk=article.id).first()
    comments = Paginator(mod.comments_for_article_author(article), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "article": article,
        "comments_open": thread.comments_open if thread else True,
        "comment_count": thread.comment_count if thread else 0,
        "page": comments,
        "errors": errors or {},
        "typed": typed or {},
        "public": article.status == Article.Status.PUBLISHED,
    }
    return render(request, "studio/comments.html", context, status=400 if errors else 200)


def _done(request: HttpRequest, key: str, article_id: int) -> HttpResponseRedirect:
    messages.success(request, ui(DONE[key], current_variant()))
    return HttpResponseRedirect(reverse("studio:comments", args=[article_id]))


@creator_only()
@require_GET
def comments(request: HttpRequest, pk: int) -> HttpResponse:
    """One article's comments: published, hidden and removed ones, the pinned one first."""
    return _page(request, article_get_for_author(pk, request.user))


@creator_only()
@require_POST
def comments_open(request: HttpRequest, pk: int) -> HttpResponse:
    article = article_get_for_author(pk, request.user)
    is_open = request.POST.get("open") == "1"
    mod.comments_set_open(article=article, actor=request.user, open=is_open)
    return _done(request, "open" if is_open else "close", article.id)


@creator_only()
@require_POST
def comment_pin(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = mod.comment_get_on_own_article(comment_id, request.user)
    pinned = request.POST.get("pinned") != "0"
    try:
        mod.comment_pin(comment=comment, actor=request.user, pinned=pinned)
    except NotAllowed:
        raise Http404 from None
    except InputError as exc:
        return _page(request, comment.article, errors={comment.id: ui_errors(exc)})
    return _done(request, "pin" if pinned else "unpin", comment.article_id)


@creator_only()
@require_POST
def comment_hide(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = mod.comment_get_on_own_article(comment_id, request.user)
    reason = request.POST.get("reason", "")
    try:
        mod.comment_hide(comment=comment, actor=request.user, reason=reason)
    except NotAllowed:
        raise Http404 from None
    except InputError as exc:
        return _page(
            request, comment.article, errors={comment.id: ui_errors(exc)}, typed={comment.id: reason}
        )
    return _done(request, "hide", comment.article_id)


@creator_only()
@require_GET
def comment_notices(request: HttpRequest) -> HttpResponse:
    """通知 › 跟帖: new comments and replies by others on the creator's articles, newest first;
    those since the last visit are marked new, and the visit marks them read."""
    seen = mod.comment_notices_seen_up_to(request.user)
    page = Paginator(mod.comment_notices(request.user), PER_PAGE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    if page.number == 1 and items:
        mod.comment_notices_mark_read(user=request.user, last_id=items[0].id)
    context = {"page": page, "items": items, "seen": seen, "tab": "comments"}
    return render(request, "studio/comment_notices.html", context)
