"""Reader pages: home, channel, article, author, accessibility. Every page exists per script
variant (/zh-hans/, /zh-hant/, /zh-hk/) and in care mode (/<variant>/care/…), each its own cacheable URL."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from zimei.accounts import levels
from zimei.accounts.models import CreatorProfile, Follow
from zimei.accounts.services import follow_set
from zimei.articles.models import Article
from zimei.articles.selectors import ArticleGone, article_get_for_reader
from zimei.channels.models import Channel
from zimei.channels.selectors import channel_by_slug
from zimei.comments.selectors import with_comment_counts
from zimei.conversion.variants import current_variant, ui
from zimei.core.errors import InputError
from zimei.core.models import SitePage
from zimei.core.pagecache import public_page
from zimei.core.redirects import safe_next
from zimei.distribution.hot import hot_stamp
from zimei.distribution.selectors import (
    author_recent,
    channel_tops,
    channels_ordered,
    following_feed,
    hot_list,
    related_list,
)
from zimei.reader.meta import article_meta
from zimei.search.selectors import SORTS, WITHIN, page_number, search_articles

PER_PAGE = 20


def _mark_care(request: HttpRequest, care: bool) -> None:
    request.care = care


def article_or_gone(request: HttpRequest, article_id: int):
    """(the published article, None), or (None, the 410 page saying why it is gone); a draft or
    a missing id is a 404 (articles.selectors.article_get_for_reader)."""
    try:
        return article_get_for_reader(article_id), None
    except ArticleGone as gone:
        return None, render(request, "reader/gone.html", {"article": gone.article}, status=410)


def _page(request: HttpRequest, queryset, per_page: int = PER_PAGE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _sidebar() -> dict:
    # Callables: the template calls them only when its fragment cache misses (the fragments
    # carry the hot stamp, so they change with the hot list: distribution/hot.py).
    return {
        "hot_stamp": hot_stamp(),
        "hot": partial(hot_list, limit=10),
        "news_tops": partial(channel_tops, Channel.Kind.NEWS),
        "original_tops": partial(channel_tops, Channel.Kind.ORIGINAL),
    }


@public_page
def home(request: HttpRequest, care: bool = False) -> HttpResponse:
    _mark_care(request, care)
    latest = with_comment_counts(Article.objects.published().for_list().order_by("-published_at")[:PER_PAGE])
    context = {"latest": latest, "channels": channels_ordered(), **_sidebar()}
    return render(request, "reader/home.html", context)


@public_page
def channel(request: HttpRequest, slug: str, care: bool = False) -> HttpResponse:
    _mark_care(request, care)
    ch = channel_by_slug(slug)
    if ch is None:
        raise Http404
    qs = Article.objects.published().for_list().filter(channel=ch).order_by("-published_at", "-id")
    page = _page(request, qs)
    page.object_list = with_comment_counts(page.object_list)
    context = {
        "channel": ch,
        "page": page,
        "channels": channels_ordered(),
        "hot": hot_list(channel_id=ch.id, limit=10),
    }
    response = render(request, "reader/channel.html", context)
    response.zimei_page = page.number  # the page store keeps it as that page only
    return response


@public_page
def article(request: HttpRequest, article_id: int, care: bool = False) -> HttpResponse:
    _mark_care(request, care)
    art, gone = article_or_gone(request, article_id)
    if gone:
        return gone
    variant = current_variant()
    title, summary = art.in_variant("title", variant), art.in_variant("summary", variant)
    meta = article_meta(art, variant=variant, title=title, summary=summary)
    context = {
        "article": art,
        "title": title,
        "body": art.in_variant("body", variant),
        "summary": summary,
        "meta": meta,
        "structured_data": meta["jsonld"],
        "author": art.author,
        "related": partial(related_list, art),
        "past": partial(author_recent, art.author_id, exclude_id=art.id, limit=5),
        "site_url": settings.SITE_URL,
        **_sidebar(),
    }
    if request.user.is_authenticated:  # signed-in pages are private, never cached
        context["following"] = Follow.objects.filter(follower=request.user, creator_id=art.author_id).exists()
    # The view is counted by the page's beacon when the reader sees it (distribution/beacon.py), not
    # here: a page-store, front-cache or CDN copy never reaches this view.
    response = render(request, "reader/article.html", context)
    response.zimei_article_id = art.id
    return response


@public_page
def author(request: HttpRequest, creator_id: int, care: bool = False) -> HttpResponse:
    _mark_care(request, care)
    profile = get_object_or_404(CreatorProfile.objects.select_related("channel"), id=creator_id)
    qs = Article.objects.published().for_list().filter(author=profile).order_by("-published_at", "-id")
    following = (
        request.user.is_authenticated
        and Follow.objects.filter(follower=request.user, creator=profile).exists()
    )
    page = _page(request, qs)
    page.object_list = with_comment_counts(page.object_list)
    context = {"author": profile, "page": page, "following": following, **_sidebar()}
    response = render(request, "reader/author.html", context)
    response.zimei_page = page.number  # the page store keeps it as that page only
    return response


@public_page
def accessibility(request: HttpRequest, care: bool = False) -> HttpResponse:
    _mark_care(request, care)
    return render(request, "reader/accessibility.html", {})


@require_GET
@public_page
def a11y_toolbar(request: HttpRequest, care: bool = False) -> HttpResponse:
    """The 无障碍 toolbar's markup, which a11y.js fetches when a reader first opens it: pages
    stay as light as they were, and this fragment is cached like any page (per script, per mode)."""
    _mark_care(request, care)
    response = render(request, "core/_a11y_toolbar.html", {})
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
@public_page
def site_page(request: HttpRequest, slug: str, care: bool = False) -> HttpResponse:
    """关于我们, 用户协议, 隐私政策, 联系我们: the operator's text (the admin's 站点页面), in the
    reader's script."""
    _mark_care(request, care)
    page = get_object_or_404(SitePage, slug=slug)
    return render(request, "reader/site_page.html", {"page": page})


@public_page
def creator_levels(request: HttpRequest, care: bool = False) -> HttpResponse:
    """The public explanation of the creator index, levels and badges (accounts/levels.py)."""
    _mark_care(request, care)
    return render(request, "reader/creator_levels.html", {"levels": levels.explanation()})


@login_required
def following_page(request: HttpRequest, care: bool = False) -> HttpResponse:
    """关注: the new articles of the creators this reader follows."""
    _mark_care(request, care)
    context = {"page": _page(request, following_feed(request.user)), "channels": channels_ordered()}
    return render(request, "reader/following.html", context)


@login_required
@require_POST
def follow(request: HttpRequest, creator_id: int, care: bool = False) -> HttpResponse:
    profile = CreatorProfile.objects.filter(id=creator_id).first()
    if profile is None:
        raise Http404

    try:
        from_article = request.POST.get("article", "")  # the article page it was sent from (hot list)
        follow_set(
            user=request.user,
            creator=profile,
            following=request.POST.get("follow") != "0",
            article_id=int(from_article) if from_article.isdigit() and len(from_article) < 16 else None,
        )
    except InputError as exc:
        variant = translation.get_language()
        for msgs in exc.errors.values():
            for m in msgs:
                messages.error(request, ui(m, variant))
    author_page = f"/{translation.get_language()}/{'care/' if care else ''}u/{profile.id}/"
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), author_page))


@require_GET
def search(request: HttpRequest, care: bool = False) -> HttpResponse:
    """搜索: published articles matching ?q= (zimei/search), best, newest or hottest first, by channel,
    with highlighted titles and snippets in the page's script. Every query is the reader's own:
    never stored in the page store or a front cache."""
    _mark_care(request, care)
    variant = current_variant()
    slug = request.GET.get("channel", "")[:64]
    chosen = channel_by_slug(slug) if slug else None
    sort = request.GET.get("sort", "")
    sort = sort if sort in SORTS else "relevance"
    within = request.GET.get("within", "")
    within = within if within in WITHIN else ""
    # ?author= (a creator's id, from their page's search box): an unknown one is ignored.
    raw_author = request.GET.get("author", "")
    by = (
        CreatorProfile.objects.filter(id=int(raw_author)).first()
        if raw_author.isascii() and raw_author.isdigit() and len(raw_author) < 10
        else None
    )
    results = search_articles(
        q=request.GET.get("q", ""),
        variant=variant,
        channel_id=chosen.id if chosen else None,
        author_id=by.id if by else None,
        within=within,
        sort=sort,
        page=page_number(request.GET.get("page")),
    )
    # What the pager's links keep (the filters that are set).
    keep = {
        "q": results.query.text,
        "channel": chosen.slug if chosen else "",
        "author": by.id if by else "",
        "within": within,
        "sort": sort,
    }
    context = {
        "results": results,
        "q": results.query.text,
        "chosen": chosen,
        "unknown_channel": bool(slug) and chosen is None,
        "sort": sort,
        "within": within,
        "by": by,
        "channels": channels_ordered(),
        "keep": urlencode({k: v for k, v in keep.items() if v}),
    }
    response = render(request, "reader/search.html", context)
    patch_cache_control(response, private=True, no_cache=True)
    return response


def opensearch(request: HttpRequest) -> HttpResponse:
    """The OpenSearch description document (linked from every page, rel="search"): browsers
    offer Zimei's search in their address bar."""
    # Its search URL has no script prefix: /search/?q= is sent on to the reader's script (the
    # language redirect, as for /), so one document serves both.
    response = render(
        request,
        "reader/opensearch.xml",
        {"site_url": settings.SITE_URL},
        content_type="application/opensearchdescription+xml; charset=utf-8",
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response
