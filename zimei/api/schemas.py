"""What the API accepts and answers (pydantic, via ninja): the OpenAPI document is made from these."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, ValidationInfo, field_validator, model_validator

from zimei.core.errors import plain_text_message

CHANNEL_SLUGS = ("tech", "news", "sports", "ent", "money", "auto", "art", "mobile", "local", "open", "war")
ChannelSlug = Literal[
    "tech", "news", "sports", "ent", "money", "auto", "art", "mobile", "local", "open", "war"
]
Variant = Literal["zh-hans", "zh-hant", "zh-hk"]  # Simplified, Taiwan and Hong Kong Traditional
ShareTarget = Literal["link", "wechat", "weibo", "qq", "email"]
SearchSort = Literal["relevance", "time", "hot"]
SearchWithin = Literal["day", "week", "month", "year"]
PublishStatus = Literal["published", "pending_review", "rejected"]


def _clean_text(value: str | None, *, plain: bool = True) -> str | None:
    """Text the database can keep: no NUL characters, no lone surrogates; plain fields (all but
    the bodies, which are sanitised HTML or Markdown) no control characters or noncharacters
    either, the same rule as every form's (zimei.core.errors)."""
    if value is None:
        return value
    if "\x00" in value:
        raise ValueError("不能包含 NUL 字符")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("包含无效的 Unicode 字符") from None
    message = plain_text_message(value) if plain else None
    if message:
        raise ValueError(message)
    return value


BODY_FIELDS = ("body_html", "body_markdown")


class _TextInput(Schema):
    @field_validator("*", mode="before")
    @classmethod
    def _text(cls, value, info: ValidationInfo):
        if isinstance(value, str):
            return _clean_text(value, plain=info.field_name not in BODY_FIELDS)
        return value


class ArticleCreateIn(_TextInput):
    title: str = Field(max_length=1000)
    body_html: str | None = Field(default=None, max_length=200_000)
    body_markdown: str | None = Field(default=None, max_length=200_000)
    channel: ChannelSlug | None = None
    summary: str = Field(default="", max_length=1000)
    original: bool = True
    source: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _one_body(self):
        if self.body_html is not None and self.body_markdown is not None:
            raise ValueError("body_html 与 body_markdown 只能二选一")
        return self


class ArticlePatchIn(_TextInput):
    title: str | None = Field(default=None, max_length=1000)
    body_html: str | None = Field(default=None, max_length=200_000)
    body_markdown: str | None = Field(default=None, max_length=200_000)
    channel: ChannelSlug | None = None
    summary: str | None = Field(default=None, max_length=1000)
    original: bool | None = None
    source: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _one_body(self):
        if self.body_html is not None and self.body_markdown is not None:
            raise ValueError("body_html 与 body_markdown 只能二选一")
        return self


class ShareIn(Schema):
    target: ShareTarget


class ArticleRef(Schema):
    id: int
    status: str
    url: str


class PublishOut(Schema):
    id: int
    status: PublishStatus
    reasons: list[str]
    url: str


class AuthorRef(Schema):
    id: int
    pen_name: str


class ArticleOut(Schema):
    id: int
    status: str
    variant: Variant
    title: str
    summary: str
    body_html: str
    channel: str
    author: AuthorRef
    original: bool
    source: str
    published_at: datetime | None
    updated_at: datetime
    view_count: int
    share_count: int
    url: str


class ArticleItem(Schema):
    id: int
    title: str
    title_hant: str
    title_hk: str
    summary: str
    summary_hant: str
    summary_hk: str
    channel: str
    author: AuthorRef
    cover_url: str
    original: bool
    source: str
    published_at: datetime | None
    view_count: int
    share_count: int
    url: str


class SearchHit(ArticleItem):
    highlight: str  # the title in the asked variant's script, matches in <mark> (HTML, escaped)
    snippet: str  # the summary or a piece of the body around the first match, the same way


class SearchPage(Schema):
    query: str  # what was searched for: control characters dropped, cut at `max_query`
    cut: bool  # the query was longer than `max_query` characters and was cut
    max_query: int
    total: int
    total_capped: bool  # more than `total` match: counting stopped there (ZIMEI_SEARCH_COUNT_MAX)
    page: int
    pages: int
    items: list[SearchHit]


class ArticlePage(Schema):
    items: list[ArticleItem]
    next: str | None


class ChannelOut(Schema):
    slug: str
    name: str
    name_hant: str
    name_hk: str
    kind: str


class AuthorOut(Schema):
    id: int
    pen_name: str
    tagline: str
    channel: str
    level: int
    badges: list[str]
    article_count: int
    attention: int
    follower_count: int
    url: str


class ShareOut(Schema):
    share_count: int


class ImageOut(Schema):
    id: int
    url: str
    width: int
    height: int


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]]
    message: str | None = None
