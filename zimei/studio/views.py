"""The creator studio (创作中心): my articles, the article editor, autosave, images, preview,
publish and withdraw. Creators only; every article is fetched through the author's selector,
so another creator's article is a 404."""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zimei.accounts.levels import level_report
from zimei.articles.models import Article, Image, Revision
from zimei.articles.sanitize import html_to_text, images_without_alt, sanitize_body
from zimei.articles.selectors import article_get_for_author, article_get_for_editor
from zimei.articles.services import (
    article_flag_apply,
    article_publish,
    article_submit,
    article_withdraw,
    image_upload,
    looks_like_image,
    upload_from,
)
from zimei.channels.models import Channel
from zimei.comments.moderation import comment_notices_unread
from zimei.conversion.flags import article_flags, decided, variant_label
from zimei.conversion.overrides import overrides_applied
from zimei.conversion.variants import (
    HANS,
    LANGUAGE_TAG,
    VARIANTS,
    convert,
    convert_html,
    current_variant,
    detect_script,
    ui,
    ui_errors,
)
from zimei.core.errors import InputError, NotAllowed
from zimei.core.ratelimit import RateLimited, rate_check, rate_count, retry_text
from zimei.distribution.creator_index import creator_index_recompute
from zimei.moderation.selectors import latest_reasons, notices_unread
from zimei.search.selectors import own_articles_matching

from .forms import (
    article_input,
    article_values,
    had_unsafe_markup,
    typed_values,
)

PER_PAGE = 30
# A publish that the spam check or 信用分 held for review (docs/moderation.md).
EDIT_HELD_MESSAGE = "修改已提交，需经编辑审核；审核通过前，读者看到的仍是已发布的版本"
HELD_MESSAGE = "已提交，文章需要编辑审核后才会发布；审核结果会显示在创作中心的通知里"
# A publish the spam check refused (docs/spam.md): the reasons are on the edit page.
SPAM_REJECTED_MESSAGE = "自动检查没有通过，文章未发布；请按编辑页上列出的原因修改后重新发布"


def _deny(request: HttpRequest, template: str, api: bool) -> HttpResponse:
    if api:
        message = "登录已过期，请重新登录" if not request.user.is_authenticated else "只有创作者可以这样做"
        status = 401 if not request.user.is_authenticated else 403
        return JsonResponse({"error": ui(message, current_variant())}, status=status)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, template, status=403)


def creator_only(api: bool = False) -> Callable:
    """Anonymous: to the login page (JSON 401); not a creator: 403 with a way to apply."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not (request.user.is_authenticated and request.user.is_creator):
                return _deny(request, "studio/forbidden.html", api)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _form(
    request: HttpRequest,
    article: Article | None,
    values: dict[str, str],
    errors: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    body = values.get("body_html", "")
    context = {
        "article": article,
        "values": values,
        "errors": errors or {},
        "channels": Channel.objects.all(),
        "images": Image.objects.filter(owner=user).order_by("-created_at")[:24],
        "max_title": settings.ZIMEI_MAX_TITLE_CHARS,
        "max_body": settings.ZIMEI_MAX_BODY_CHARS,
        "max_image_bytes": settings.ZIMEI_MAX_IMAGE_BYTES,
        "body_chars": len(body),
        "missing_alt": images_without_alt(body),
        "autosave_url": reverse("studio:autosave", args=[article.id])
        if article
        else reverse("studio:autosave-new"),
        "draft_key": f"zimei-draft:{user.id}:{article.id if article else 'new'}",
        "updated_ms": int(article.updated_at.timestamp() * 1000) if article else 0,
        "public_url": reverse("reader:article", args=[article.id])
        if article and article.status == Article.Status.PUBLISHED
        else "",
    }
    return render(request, "studio/edit.html", context, status=status)


def _saved_message(request: HttpRequest, article: Article, action: str, raw_body: str) -> None:
    variant = current_variant()
    if action == "publish" and article.status == Article.Status.REJECTED:
        messages.error(request, ui(SPAM_REJECTED_MESSAGE, variant))
    elif action == "publish" and article.status == Article.Status.PENDING:
        messages.warning(request, ui(HELD_MESSAGE, variant))
    elif action == "publish" and article.edit_pending:
        messages.warning(request, ui(EDIT_HELD_MESSAGE, variant))
    elif action == "publish":
        messages.success(request, ui("已发布，读者现在可以看到它了", variant))
    elif article.status == Article.Status.PUBLISHED:
        messages.success(request, ui("修改已保存；点「更新发布」后读者才会看到新版本", variant))
    else:
        messages.success(request, ui("草稿已保存", variant))
    if had_unsafe_markup(raw_body):
        messages.warning(request, ui("正文中的脚本和事件属性不安全，已被移除", variant))


@creator_only()
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    last_kind = (
        Revision.objects.filter(article=OuterRef("pk")).order_by("-created_at", "-id").values("kind")[:1]
    )
    articles = (
        Article.objects.filter(author__user=request.user)
        .select_related("channel")
        .annotate(last_kind=Subquery(last_kind))
        .order_by("-updated_at", "-id")
    )
    # ?q=: the creator's own articles, any status, in either script (search/selectors.py).
    raw = request.GET.get("q", "")
    query = None
    if raw.strip():
        query, ids = own_articles_matching(user=request.user, q=raw)
        page = Paginator(ids, PER_PAGE).get_page(request.GET.get("page"))
        rows = articles.in_bulk(list(page.object_list))
        page.object_list = [rows[pk] for pk in page.object_list if pk in rows]
    else:
        page = Paginator(articles, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "query": query,
        "q": query.text if query else "",
        "page": page,
        "profile": request.user.creator_profile,
        # The editor's reason for each rejected / sent back / taken-down article on this page.
        "decisions": latest_reasons([a.id for a in page.object_list]),
        "comment_unread": comment_notices_unread(request.user),
        "notice_unread": notices_unread(request.user),
    }
    return render(request, "studio/dashboard.html", context)


@creator_only()
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    article = article_get_for_author(pk, request.user) if pk is not None else None
    if request.method == "GET":
        return _form(request, article, article_values(article, request.user.creator_profile.channel.slug))
    action = request.POST.get("action", "save")
    if action == "publish":
        rate_check("publish", str(request.user.id))
    cover_file = request.FILES.get("cover_file")
    if cover_file is not None:  # an uploaded cover counts as an image upload
        rate_check("image-upload", str(request.user.id))
    try:
        article = article_submit(
            actor=request.user,
            article=article,
            data=article_input(request.POST),
            cover_upload=upload_from(cover_file),
            publish=action == "publish",
        )
    except InputError as exc:
        return _form(request, article, typed_values(request.POST), ui_errors(exc))
    if cover_file is not None:
        rate_count("image-upload", str(request.user.id))
    _saved_message(request, article, action, request.POST.get("body_html", ""))
    if action == "preview":
        return HttpResponseRedirect(reverse("studio:preview", args=[article.id]))
    if action == "publish":
        rate_count("publish", str(request.user.id))
        return HttpResponseRedirect(reverse("studio:dashboard"))
    return HttpResponseRedirect(reverse("studio:edit", args=[article.id]))


@creator_only(api=True)
@require_POST
def autosave(request: HttpRequest, pk: int | None = None) -> JsonResponse:
    """studio.js posts the form here every few seconds when something changed. A new article
    is created by its first autosave; the answer says where it now lives."""
    article = article_get_for_author(pk, request.user) if pk is not None else None
    try:
        article = article_submit(
            actor=request.user, article=article, data=article_input(request.POST), autosave=True
        )
    except InputError as exc:
        return JsonResponse({"errors": ui_errors(exc)}, status=400)
    saved_at = timezone.localtime(article.updated_at)
    return JsonResponse(
        {
            "id": article.id,
            "edit_url": reverse("studio:edit", args=[article.id]),
            "autosave_url": reverse("studio:autosave", args=[article.id]),
            "preview_url": reverse("studio:preview", args=[article.id]),
            "saved_at": saved_at.isoformat(),
            "message": ui("已自动保存", current_variant()) + f" {saved_at:%H:%M:%S}",
        }
    )


@creator_only(api=True)
@require_POST
def image_upload_view(request: HttpRequest) -> JsonResponse:
    """An image for the body: {id, url, width, height}, or {error} in the reader's script.
    Uploads are limited per creator (ZIMEI_RATE_IMAGE_UPLOAD): over it, 429 with Retry-After."""
    variant = current_variant()
    file = request.FILES.get("image")
    if file is None:
        return JsonResponse({"error": ui("请选择一张图片", variant)}, status=400)
    try:
        rate_check("image-upload", str(request.user.id))
    except RateLimited as exc:
        message = ui(f"{exc.message}请 {retry_text(exc.retry_after)}后再试。", variant)
        response = JsonResponse({"error": message}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if file.size > settings.ZIMEI_MAX_IMAGE_BYTES:
        status = 413
    elif not looks_like_image(file):
        status = 415
    else:
        status = 400
    try:
        image = image_upload(owner=request.user, upload=upload_from(file))
    except InputError as exc:
        errors = ui_errors(exc, variant)
        return JsonResponse({"error": " ".join(m for ms in errors.values() for m in ms)}, status=status)
    rate_count("image-upload", str(request.user.id))
    return JsonResponse({"id": image.id, "url": image.url, "width": image.width, "height": image.height})


def _article_for_preview(request: HttpRequest, pk: int) -> Article:
    """The author's own article; for an editor, any article but another creator's draft."""
    if request.user.is_editor and not Article.objects.filter(pk=pk, author__user=request.user).exists():
        return article_get_for_editor(pk)
    return article_get_for_author(pk, request.user)


@require_GET
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The working copy as readers would see it once published (the author's; editors may
    look), with every script side by side and the places where conversion had to choose."""
    user = request.user
    if not (user.is_authenticated and (user.is_creator or user.is_editor)):
        return _deny(request, "studio/forbidden.html", api=False)
    article = _article_for_preview(request, pk)
    return _preview(request, article)


def _preview(
    request: HttpRequest, article: Article, errors: dict | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    variant = current_variant()
    is_author = article.author.user_id == user.id
    flags: list = []
    answered: list = []
    scripts: list[dict] = []
    if not is_author and not article.working_copy_submitted:
        # An editor looks at what was published: changes the author has not submitted are theirs.
        title, summary, body = (article.in_variant(f, variant) for f in ("title", "summary", "body"))
    else:
        working = sanitize_body(article.body_html)
        with overrides_applied():  # as a publish now would render it
            title = convert(article.title, variant)
            body = convert_html(working, variant)
            summary = convert(article.summary or html_to_text(working)[:120], variant)
            scripts = [
                {
                    "lang": LANGUAGE_TAG[v],
                    "label": variant_label(v),
                    "title": convert(article.title, v),
                    "body": convert_html(working, v),
                }
                for v in VARIANTS
            ]
            if detect_script(article.title + html_to_text(working)) == HANS:
                flags = article_flags(title=article.title, body_html=working)
            answered = decided(working)
    context = {
        "article": article,
        "title": title,
        "body": body,
        "summary": summary,
        "is_author": is_author,
        "flags": flags,
        "answered": answered,
        "scripts": scripts,
        "errors": errors or {},
        "missing_alt": images_without_alt(body) if is_author else 0,
        # 题图 as a publish would show it (the working copy's choice; an editor sees the published)
        "lead": article.cover if (article.lead_image and article.cover_alt and article.cover) else None,
        "lead_alt": convert(article.cover_alt, variant),
    }
    response = render(request, "studio/preview.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@creator_only()
@require_POST
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    """The author's answer to one ambiguity flag (choose a reading, accept, keep as written),
    applied to every occurrence of it in the working copy; back to the preview."""
    article = article_get_for_author(pk, request.user)
    variant = current_variant()
    try:
        marked = article_flag_apply(
            article=article,
            actor=request.user,
            key=request.POST.get("key", ""),
            action=request.POST.get("action", ""),
            choice=request.POST.get("choice", ""),
        )
    except InputError as exc:
        return _preview(request, article, errors=ui_errors(exc, variant), status=400)
    messages.success(request, ui(f"已处理 {marked} 处", variant))
    return HttpResponseRedirect(reverse("studio:preview", args=[article.id]) + "#flags")


@creator_only()
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish the saved working copy (from the preview or the list)."""
    article = article_get_for_author(pk, request.user)
    rate_check("publish", str(request.user.id))
    try:
        article_publish(article=article, actor=request.user)
    except InputError as exc:
        # Show what is missing next to the fields, with the working copy in the form.
        return _form(request, article, article_values(article), ui_errors(exc))
    except NotAllowed:
        messages.error(request, ui("这篇文章已被编辑下架，不能重新发布", current_variant()))
        return HttpResponseRedirect(reverse("studio:dashboard"))
    rate_count("publish", str(request.user.id))
    _saved_message(request, article, "publish", "")
    return HttpResponseRedirect(reverse("studio:dashboard"))


@creator_only()
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """撤回: GET asks first (what readers will lose, and that it can be published again); the
    POST from that page withdraws."""
    article = article_get_for_author(pk, request.user)
    if request.method == "GET":
        return render(request, "studio/withdraw.html", {"article": article})
    variant = current_variant()
    try:
        article_withdraw(article=article, actor=request.user)
    except InputError as exc:
        for ms in ui_errors(exc, variant).values():
            for m in ms:
                messages.error(request, m)
    else:
        messages.success(request, ui("已撤回，读者不会再看到这篇文章", variant))
    return HttpResponseRedirect(reverse("studio:dashboard"))


@creator_only()
@require_GET
def revisions(request: HttpRequest, pk: int) -> HttpResponse:
    article = article_get_for_author(pk, request.user)
    rows = article.revisions.select_related("created_by")[:200]
    items = [{"rev": r, "text": html.unescape(html_to_text(r.body_html))} for r in rows]
    return render(request, "studio/revisions.html", {"article": article, "items": items})


@creator_only()
@require_GET
def my_level(request: HttpRequest) -> HttpResponse:
    """我的等级: the creator's own index, its parts and inputs, and what would raise it."""
    profile = request.user.creator_profile
    if profile.index_updated_at is None:  # never computed yet (a new creator): compute it now
        creator_index_recompute(creator=profile)
    report = level_report(profile.index_detail)
    return render(request, "studio/level.html", {"profile": profile, "report": report})
