"""Zimei's public REST API (/api/v1/): parse, call one service or selector, answer.

No business logic lives here: writes go through zimei.articles.services, permission-checking
reads through the selectors. Errors are RFC 9457 problem documents (problems.py).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from datetime import UTC, datetime
from typing import Annotated

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from ninja import File, NinjaAPI, Path, Query, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from zimei.accounts.models import CreatorProfile
from zimei.articles.markdown import markdown_to_html
from zimei.articles.models import Article
from zimei.articles.selectors import article_get_for_viewer
from zimei.articles.services import (
    ArticleInput,
    article_create,
    article_publish,
    article_save,
    article_withdraw,
    image_upload,
    looks_like_image,
    upload_from,
)
from zimei.channels.models import Channel
from zimei.channels.selectors import channel_by_slug, channels_by_id, channels_ordered
from zimei.conversion.variants import HANS, HANT, HK, convert, convert_html, user_text
from zimei.core.errors import InputError, NotAllowed
from zimei.core.outage import database_unavailable, unavailable_response
from zimei.core.problems import MEDIA_TYPE, Problem, problem_response
from zimei.core.ratelimit import RateLimited, rate_check, rate_count
from zimei.distribution.selectors import hot_list, related_list
from zimei.distribution.shares import share_record
from zimei.search.selectors import MAX_PAGES, search_articles

from . import schemas as s
from .guards import TokenAuth, caller, idempotent, rate_problem

log = logging.getLogger(__name__)

MAX_ID = 2**53  # ids beyond this exist nowhere; refused before they reach the database
ArticleId = Annotated[int, Path(ge=1, le=MAX_ID)]
AuthorId = Annotated[int, Path(ge=1, le=MAX_ID)]
PAGE_LIMIT = 50

READ = TokenAuth(anonymous_ok=True)
WRITE = TokenAuth(anonymous_ok=False)


IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "A retry with the same key and request returns the first answer; "
    "the same key with another request is a 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}


class ZimeiAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """ninja documents the answers an operation returns; add the problem answers every
        operation may give, with their real media type."""
        schema = super().get_openapi_schema(*args, **kwargs)
        problem = {"content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}}}
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ProblemOut"] = s.ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
        for path_item in schema["paths"].values():
            for method, operation in path_item.items():
                codes = ["400", "401", "404", "422", "429", "503"]
                if method != "get":
                    codes += ["403", "409"]
                if "image" in operation.get("operationId", ""):
                    codes += ["413", "415"]
                for code in codes:
                    operation["responses"].setdefault(code, {"description": "Problem", **problem})
                if method == "post":
                    operation.setdefault("parameters", []).append(IDEMPOTENCY_HEADER)
                if method == "get" or operation.get("operationId", "").endswith("share_view"):
                    operation["security"] = [{"TokenAuth": []}, {}]  # anonymous callers too
        return schema


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese as Chinese, not as escapes


class ObjectParser(Parser):
    """A JSON body must be one object (`{"title": …}`): a bare string, number or list is
    refused with a 422 problem document (not JSON at all: 400). A body over
    DATA_UPLOAD_MAX_MEMORY_SIZE is a 413."""

    def parse_body(self, request: HttpRequest):
        try:
            raw = request.body
        except RequestDataTooBig:
            raise _too_large() from None
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise Problem(400, "The body is not valid JSON.", message="请求内容不是有效的 JSON") from None
        if not isinstance(data, dict):
            raise Problem(  # valid JSON of the wrong shape: 422, as any other schema mismatch
                422,
                "The body must be a JSON object.",
                message="请求内容必须是一个 JSON 对象（{…}）",
                errors=[{"field": "", "message": "请求内容必须是一个 JSON 对象（{…}）"}],
            )
        return data


def _too_large() -> Problem:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return Problem(
        413,
        f"The body is larger than {limit:,} bytes.",
        message=f"请求内容超过 {limit // (1024 * 1024)} MB，请删减后再提交；图片请单独上传",
    )


api = ZimeiAPI(
    renderer=Renderer(),
    parser=ObjectParser(),
    version="1",
    title="Zimei API",
    description=(
        "Zimei's public API. Send `Authorization: Bearer TOKEN` (a personal access token from "
        "the studio or `zimei token create`). Errors are RFC 9457 problem documents. POSTs accept "
        "an `Idempotency-Key` header: a retry with the same key returns the first answer."
    ),
    urls_namespace="api",
    auth=READ,
)


# --- errors ---------------------------------------------------------------------------


@api.exception_handler(Problem)
def _problem(request: HttpRequest, exc: Problem):
    return problem_response(exc)


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited):
    return problem_response(rate_problem(exc))


@api.exception_handler(InputError)
def _input_error(request: HttpRequest, exc: InputError):
    errors = [{"field": field or "", "message": m} for field, ms in exc.errors.items() for m in ms]
    return problem_response(
        Problem(422, "The input was not accepted; see errors.", message=str(exc), errors=errors)
    )


@api.exception_handler(NotAllowed)
def _not_allowed(request: HttpRequest, exc: NotAllowed):
    return problem_response(Problem(403, f"Not allowed: {exc}.", message="没有权限这样做"))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404):
    return problem_response(Problem(404, "No such resource.", message="找不到"))


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError):
    errors = []
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "file", "form", "header"):
            loc = loc[1:]
        if loc and loc[0] == "payload":
            loc = loc[1:]
        errors.append({"field": ".".join(loc), "message": str(error.get("msg", "invalid"))})
    return problem_response(Problem(422, "The request did not match the schema; see errors.", errors=errors))


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError):
    return problem_response(
        Problem(401, "Authentication required.", message="需要登录", headers={"WWW-Authenticate": "Bearer"})
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    if isinstance(exc.__cause__, Problem):  # ninja wraps what the parser raised in a 400
        return problem_response(exc.__cause__)
    return problem_response(Problem(exc.status_code, str(exc)))


@api.exception_handler(RequestDataTooBig)
def _request_too_big(request: HttpRequest, exc: RequestDataTooBig):
    return problem_response(_too_large())


@api.exception_handler(DatabaseError)
def _database_error(request: HttpRequest, exc: DatabaseError):
    if database_unavailable(exc):  # the database is down or restarting: 503, Retry-After
        return unavailable_response(request, exc)
    return _unexpected(request, exc)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception):
    log.exception("API error on %s %s", request.method, request.path)
    return problem_response(Problem(500, "Something went wrong on our side.", message="服务器出错了"))


# --- helpers --------------------------------------------------------------------------


def _public_url(name: str, object_id: int) -> str:
    with translation.override(HANS):
        return settings.SITE_URL + reverse(name, args=[object_id])


def _article_url(article_id: int) -> str:
    return settings.SITE_URL + Article(pk=article_id).get_absolute_url(HANS)


def _creator_of(request: HttpRequest) -> CreatorProfile:
    user = caller(request)
    profile = getattr(user, "creator_profile", None) if user is not None else None
    if profile is None:
        raise Problem(403, "Only creators can write articles.", message="只有创作者可以这样做")
    return profile


def _own_article(request: HttpRequest, article_id: int) -> Article:
    """The caller's article, or 404 (another creator's article is not revealed)."""
    article = article_get_for_viewer(article_id, caller(request))
    if article.author.user_id != caller(request).id:
        if article.status == Article.Status.PUBLISHED or caller(request).is_editor:
            raise Problem(403, "Only the author can change this article.", message="只有作者可以修改")
        raise Http404
    return article


def _body(body_html: str | None, body_markdown: str | None) -> str | None:
    if body_markdown is not None:
        return markdown_to_html(body_markdown)
    return body_html


def _article_out(article: Article, user, variant: str | None) -> dict:
    # The working copy is the author's, and the editors' once submitted for review; otherwise
    # the published version (changes the author has not submitted are theirs alone).
    working = user is not None and (
        article.author.user_id == user.id or (user.is_editor and article.working_copy_submitted)
    )
    if not working and article.published_at is not None:
        variant = variant or article.script
        title, summary, body = (article.in_variant(f, variant) for f in ("title", "summary", "body"))
    else:  # the working copy, in the writer's script unless asked otherwise
        title, summary, body = article.title, article.summary, article.body_html
        if variant:
            title, summary, body = (
                convert(title, variant),
                convert(summary, variant),
                convert_html(body, variant),
            )
        variant = variant or article.script
    return {
        "id": article.id,
        "status": article.status,
        "variant": variant,
        "title": title,
        "summary": summary,
        "body_html": body,
        "channel": article.channel.slug,
        "author": {"id": article.author_id, "pen_name": user_text(article.author.pen_name, variant)},
        "original": article.original,
        "source": article.source,
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "view_count": article.view_count,
        "share_count": article.share_count,
        "url": _article_url(article.id),
    }


def _item(article: Article) -> dict:
    channel = channels_by_id().get(article.channel_id)
    return {
        "id": article.id,
        "title": article.title_hans,
        "title_hant": article.title_hant,
        "title_hk": article.title_hk,
        "summary": article.summary_hans,
        "summary_hant": article.summary_hant,
        "summary_hk": article.summary_hk,
        "channel": channel.slug if channel else "",
        "author": {"id": article.author_id, "pen_name": article.author.pen_name},
        "cover_url": article.cover_url,
        "original": article.original,
        "source": article.source,
        "published_at": article.published_at,
        "view_count": article.view_count,
        "share_count": article.share_count,
        "url": _article_url(article.id),
    }


def _encode_cursor(article: Article) -> str:
    raw = f"{article.published_at.isoformat()}|{article.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, article_id = raw.partition("|")
        parsed = datetime.fromisoformat(when)
        number = int(article_id)
        if parsed.tzinfo is None or not 0 < number <= MAX_ID:
            raise ValueError
        return parsed, number
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise Problem(
            400,
            "The cursor is not one this API gave out.",
            message="cursor 无效",
            errors=[{"field": "cursor", "message": "cursor 无效"}],
        ) from None


def _channel(slug: str | None) -> Channel | None:
    if not slug:
        return None
    channel = channel_by_slug(slug)
    if channel is None:
        raise InputError.one("channel", "没有这个频道，请从列表中选择")
    return channel


# --- articles -------------------------------------------------------------------------

articles = Router(tags=["articles"])


@articles.post("", response={201: s.ArticleRef}, auth=WRITE, summary="Create a draft")
def article_create_view(request: HttpRequest, payload: s.ArticleCreateIn):
    author = _creator_of(request)

    def work():
        article = article_create(
            author=author,
            data=ArticleInput(
                title=payload.title,
                body_html=_body(payload.body_html, payload.body_markdown) or "",
                channel=payload.channel or "",
                summary=payload.summary,
                original=payload.original,
                source=payload.source,
            ),
        )
        return 201, {"id": article.id, "status": article.status, "url": _article_url(article.id)}

    return idempotent(request, work)


@articles.get("", response=s.ArticlePage, summary="Published articles, newest first")
def article_list_view(
    request: HttpRequest,
    channel: s.ChannelSlug | None = None,
    author: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    since: datetime | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 20,
):
    qs = Article.objects.published().select_related("author").order_by("-published_at", "-id")
    found = _channel(channel)
    if found is not None:
        qs = qs.filter(channel_id=found.id)
    if author is not None:
        qs = qs.filter(author_id=author)
    if since is not None:
        try:
            if timezone.is_naive(since):
                since = timezone.make_aware(since, timezone.get_default_timezone())
            since = since.astimezone(UTC)  # PostgreSQL refuses odd offsets such as -19:10
        except (OverflowError, ValueError):
            raise InputError.one("since", "时间超出范围") from None
        qs = qs.filter(published_at__gte=since)
    if cursor:
        when, last_id = _decode_cursor(cursor)

        qs = qs.filter(Q(published_at__lt=when) | Q(published_at=when, id__lt=last_id))
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [_item(a) for a in rows], "next": _encode_cursor(rows[-1]) if more else None}


@articles.get("/{article_id}", response=s.ArticleOut, summary="One article")
def article_get_view(request: HttpRequest, article_id: ArticleId, variant: s.Variant | None = None):
    user = caller(request)
    article = article_get_for_viewer(article_id, user)
    return _article_out(article, user, variant)


@articles.patch("/{article_id}", response=s.ArticleOut, auth=WRITE, summary="Edit the working copy")
def article_patch_view(request: HttpRequest, article_id: ArticleId, payload: s.ArticlePatchIn):
    article = _own_article(request, article_id)
    body = _body(payload.body_html, payload.body_markdown)
    data = ArticleInput(
        title=article.title if payload.title is None else payload.title,
        body_html=article.body_html if body is None else body,
        channel=payload.channel or article.channel.slug,
        summary=article.summary if payload.summary is None else payload.summary,
        original=article.original if payload.original is None else payload.original,
        source=article.source if payload.source is None else payload.source,
        cover_id=article.cover_id,
        lead_image=article.lead_image,
        cover_alt=article.cover_alt,
    )
    article = article_save(article=article, actor=caller(request), data=data)
    return _article_out(article, caller(request), None)


@articles.post(
    "/{article_id}/publish", response={200: s.PublishOut}, auth=WRITE, summary="Publish the working copy"
)
def article_publish_view(request: HttpRequest, article_id: ArticleId):
    article = _own_article(request, article_id)
    rate_check("publish", str(caller(request).id))

    def work():
        published = article_publish(article=article, actor=caller(request))
        rate_count("publish", str(caller(request).id))
        # The spam check (docs/spam.md) may hold it (pending_review) or refuse it (rejected):
        # 200 either way, with the reasons the creator reads in the studio.
        # A held edit of a published article: pending_review, while the published version
        # stays public (its url keeps answering) until an editor approves the edit.
        held = published.status != Article.Status.PUBLISHED or published.edit_pending
        return 200, {
            "id": published.id,
            "status": Article.Status.PENDING if published.edit_pending else published.status,
            "reasons": [str(r) for r in published.review_reasons] if held else [],
            "url": _article_url(published.id),
        }

    return idempotent(request, work)


@articles.post(
    "/{article_id}/withdraw", response={200: s.ArticleRef}, auth=WRITE, summary="Withdraw a published article"
)
def article_withdraw_view(request: HttpRequest, article_id: ArticleId):
    article = _own_article(request, article_id)

    def work():
        done = article_withdraw(article=article, actor=caller(request))
        return 200, {"id": done.id, "status": done.status, "url": _article_url(done.id)}

    return idempotent(request, work)


@articles.get("/{article_id}/related", response=list[s.ArticleItem], summary="Related articles")
def article_related_view(request: HttpRequest, article_id: ArticleId):
    article = article_get_for_viewer(article_id, None)  # public articles only
    return [_item(a) for a in related_list(article)]


@articles.post(
    "/{article_id}/shares", response={201: s.ShareOut}, summary="Count a share (anonymous allowed)"
)
def article_share_view(request: HttpRequest, article_id: ArticleId, payload: s.ShareIn):
    article_get_for_viewer(article_id, None)  # public articles only

    def work():
        share_record(article_id=article_id, target=payload.target, meta=request.META)
        count = Article.objects.filter(id=article_id).values_list("share_count", flat=True).first() or 0
        return 201, {"share_count": count}

    return idempotent(request, work)


api.add_router("/articles", articles)


# --- channels, authors, hot list ------------------------------------------------------


@api.get("/channels", response=list[s.ChannelOut], tags=["channels"], summary="The fixed channels")
def channel_list_view(request: HttpRequest):
    return [
        {
            "slug": c.slug,
            "name": c.name,
            "name_hant": user_text(c.name, HANT),
            "name_hk": user_text(c.name, HK),
            "kind": c.kind,
        }
        for c in channels_ordered()
    ]


@api.get("/authors/{author_id}", response=s.AuthorOut, tags=["authors"], summary="An author's card")
def author_get_view(request: HttpRequest, author_id: AuthorId):
    profile = CreatorProfile.objects.select_related("channel").filter(id=author_id).first()
    if profile is None:
        raise Http404
    return {
        "id": profile.id,
        "pen_name": profile.pen_name,
        "tagline": profile.tagline,
        "channel": profile.channel.slug,
        "level": profile.level,
        "badges": profile.badges,
        "article_count": profile.article_count,
        "attention": profile.attention,
        "follower_count": profile.follower_count,
        "url": _public_url("reader:author", profile.id),
    }


@api.get("/hot", response=list[s.ArticleItem], tags=["articles"], summary="The hot list")
def hot_view(
    request: HttpRequest,
    channel: s.ChannelSlug | None = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 10,
):
    found = _channel(channel)
    return [_item(a) for a in hot_list(channel_id=found.id if found else None, limit=limit)]


@api.get("/search", response=s.SearchPage, tags=["articles"], summary="Search published articles")
def search_view(
    request: HttpRequest,
    q: Annotated[str, Query(max_length=2000)] = "",
    channel: s.ChannelSlug | None = None,
    author: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="a creator's id")] = None,
    within: s.SearchWithin | None = None,
    sort: s.SearchSort = "relevance",
    variant: s.Variant = HANS,
    page: Annotated[int, Query(ge=1, le=MAX_PAGES)] = 1,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 20,
):
    """Published articles whose title, summary or body contain every term of `q` (either script
    finds both; one character is enough; docs/search.md), best first (relevance with freshness
    and the hot score), newest first (`time`) or hottest first (`hot`), narrowed to a channel,
    an author and a period (`within`: published in the last day, week, month or year). `q` is
    cut at `max_query` characters; FTS operators are plain text."""
    found = _channel(channel)
    results = search_articles(
        q=q,
        variant=variant,
        channel_id=found.id if found else None,
        author_id=author,
        within=within or "",
        sort=sort,
        page=page,
        per_page=limit,
    )
    return {
        "query": results.query.text,
        "cut": results.query.cut,
        "max_query": settings.ZIMEI_SEARCH_MAX_QUERY,
        "total": results.total,
        "total_capped": results.capped,
        "page": page,
        "pages": results.pages,
        "items": [{**_item(h.article), "highlight": h.title, "snippet": h.snippet} for h in results.hits],
    }


# --- anything else under /api/v1/ ------------------------------------------------------

fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def not_found_view(request: HttpRequest, rest: str):
    raise Http404


# --- images ---------------------------------------------------------------------------


@api.post("/images", response={201: s.ImageOut}, auth=WRITE, tags=["images"], summary="Upload an image")
def image_create(request: HttpRequest, file: File[UploadedFile]):
    user = _creator_of(request).user
    rate_check("image-upload", str(user.id))
    if file.size > settings.ZIMEI_MAX_IMAGE_BYTES:
        status = 413
    elif not looks_like_image(file):
        status = 415
    else:
        status = 400

    def work():
        try:
            image = image_upload(owner=user, upload=upload_from(file))
        except InputError as exc:
            messages = [m for ms in exc.errors.values() for m in ms]
            raise Problem(
                status,
                "The file was not accepted as an image.",
                message=" ".join(messages),
                errors=[{"field": "file", "message": m} for m in messages],
            ) from None
        rate_count("image-upload", str(user.id))
        return 201, {"id": image.id, "url": image.url, "width": image.width, "height": image.height}

    return idempotent(request, work)


api.add_router("", fallback)  # last, so that it only answers what nothing else does
