"""RSS 2.0 and Atom feeds (Django's syndication framework): site-wide, per channel, per author,
each in the variant of its URL (/zh-hans/feed/rss.xml, /zh-hant/c/tech/atom.xml, /zh-hk/u/7/rss.xml).

Items are the latest FEED_ITEMS published articles, read in one query with their author and
channel; titles and summaries are the per-script fields rendered at publish time. Links and
guids are absolute (settings.SITE_URL): the guid is the article's canonical URL in that script.
Under care/ the same feeds answer with the same content (links to the standard pages).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from zimei.accounts.models import CreatorProfile
from zimei.articles.models import Article
from zimei.channels.models import Channel
from zimei.channels.selectors import channel_by_slug
from zimei.conversion.variants import FEED_LANGUAGE, current_variant, ui, user_text
from zimei.core.errors import xml_safe

FEED_ITEMS = 30


def _xml_clean(value):
    """A feed or item value without the characters XML 1.0 cannot carry (strings, and the
    strings in a list such as the categories); other values as they are."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, list | tuple):
        return type(value)(_xml_clean(v) for v in value)
    return value


class _XmlSafe:
    """Whatever is stored (a channel name with a form feed, a pen name or a title with U+FFFF,
    typed before such input was refused or put in by hand), the feed is well-formed: every
    string of the feed and its items is cleaned just before it is written. Django's writer would
    raise on a control character (a 500) and write a noncharacter as it is (not XML)."""

    def write(self, outfile, encoding):
        self.feed = {key: _xml_clean(value) for key, value in self.feed.items()}
        self.items = [{key: _xml_clean(value) for key, value in item.items()} for item in self.items]
        return super().write(outfile, encoding)


class SafeRss(_XmlSafe, Rss201rev2Feed):
    pass


class SafeAtom(_XmlSafe, Atom1Feed):
    pass


SITE_NAME = "Zimei 自媒"


def site_url(path: str) -> str:
    return settings.SITE_URL + path


def latest_articles():
    """The newest published articles, with the fields a feed item reads, in one query."""
    return Article.objects.published().for_list("updated_at").order_by("-published_at", "-id")


class _ArticleFeed(Feed):
    """What every feed shares: items are articles; subclasses say which and what the feed is."""

    feed_type = SafeRss
    kind = "rss"  # the file name: rss.xml or atom.xml
    item_guid_is_permalink = True

    def _path(self, obj) -> str:  # the feed's page, relative to the variant prefix
        return ""

    def _name(self, obj) -> str:  # the feed's subject, in Simplified
        return ""

    def _items(self, obj):
        return latest_articles()

    def items(self, obj):
        return list(self._items(obj)[:FEED_ITEMS])

    def title(self, obj) -> str:
        variant = current_variant()
        name = self._name(obj)
        return f"{SITE_NAME} · {user_text(name, variant)}" if name else SITE_NAME

    def link(self, obj) -> str:
        return site_url(f"/{current_variant()}/{self._path(obj)}")

    def feed_url(self, obj) -> str:
        path = self._path(obj) or "feed/"
        return site_url(f"/{current_variant()}/{path}{self.kind}.xml")

    def feed_guid(self, obj) -> str:
        return self.feed_url(obj)

    def description(self, obj) -> str:
        return ui(f"{SITE_NAME}的最新文章", current_variant())

    def subtitle(self, obj) -> str:  # Atom's name for the description
        return self.description(obj)

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed["language"] = FEED_LANGUAGE[current_variant()]  # Django would say zh-hans / zh-hk
        return feed

    def item_title(self, item: Article) -> str:
        return item.in_variant("title", current_variant())

    def item_description(self, item: Article) -> str:
        # Readers take RSS descriptions (and Atom's type="html" summary) as HTML; a summary is
        # plain text, so it is escaped: a typed "<img onerror=…>" reaches them as text.
        return escape(item.in_variant("summary", current_variant()))

    def item_link(self, item: Article) -> str:
        return site_url(item.get_absolute_url(current_variant()))

    def item_guid(self, item: Article) -> str:
        return site_url(item.get_absolute_url(current_variant()))

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_updateddate(self, item: Article):
        return max(item.updated_at, item.published_at)

    def item_author_name(self, item: Article) -> str:
        return user_text(item.author.pen_name, current_variant())

    def item_author_link(self, item: Article) -> str:
        return site_url(f"/{current_variant()}/u/{item.author_id}/")

    def item_categories(self, item: Article) -> list[str]:
        return [user_text(item.channel.name, current_variant())]


class SiteRss(_ArticleFeed):
    pass


class SiteAtom(SiteRss):
    feed_type = SafeAtom
    kind = "atom"


class ChannelRss(_ArticleFeed):
    def get_object(self, request, slug: str, **kwargs) -> Channel:
        channel = channel_by_slug(slug)
        if channel is None:
            raise Http404
        return channel

    def _path(self, obj: Channel) -> str:
        return f"c/{obj.slug}/"

    def _name(self, obj: Channel) -> str:
        return obj.name

    def _items(self, obj: Channel):
        return latest_articles().filter(channel_id=obj.id)

    def description(self, obj: Channel) -> str:
        return user_text(f"{SITE_NAME} · {obj.name}频道的最新文章", current_variant())


class ChannelAtom(ChannelRss):
    feed_type = SafeAtom
    kind = "atom"


class AuthorRss(_ArticleFeed):
    def get_object(self, request, creator_id: int, **kwargs) -> CreatorProfile:
        return get_object_or_404(CreatorProfile.objects.only("id", "pen_name"), id=creator_id)

    def _path(self, obj: CreatorProfile) -> str:
        return f"u/{obj.id}/"

    def _name(self, obj: CreatorProfile) -> str:
        return obj.pen_name

    def _items(self, obj: CreatorProfile):
        return latest_articles().filter(author_id=obj.id)

    def description(self, obj: CreatorProfile) -> str:
        return user_text(f"{obj.pen_name}在 {SITE_NAME} 发表的最新文章", current_variant())

    def author_name(self, obj: CreatorProfile) -> str:
        return user_text(obj.pen_name, current_variant())

    def author_link(self, obj: CreatorProfile) -> str:
        return site_url(f"/{current_variant()}/u/{obj.id}/")


class AuthorAtom(AuthorRss):
    feed_type = SafeAtom
    kind = "atom"
