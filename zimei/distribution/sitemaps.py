"""Sitemaps (Django's sitemaps framework), the Google News sitemap and robots.txt.

- /sitemap.xml: a sitemap index of the sections below, one entry per page of each.
- /sitemap-articles.xml?p=N, /sitemap-channels.xml, /sitemap-authors.xml: every page in every
  variant (settings.LANGUAGES), each URL with its xhtml:link hreflang alternates (zh-Hans,
  zh-Hant-TW, zh-Hant-HK).
- /news-sitemap.xml: the articles published in the last 48 hours, with news:news entries.
- /robots.txt: allow all, keep crawlers out of the desks, accounts, admin and API.

Every URL is absolute on settings.SITE_URL (the index's links to its sections: the request's
host, as Django's index view builds them, on SITE_URL's scheme). Django's i18n sitemap builds the list of
(item, language) pairs for the whole table on every request; `_VariantPairs` builds it a page
at a time, so a page of a million articles costs one COUNT and one 5,000-row slice.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.cache import cache_control, cache_page
from django.views.decorators.http import require_GET

from zimei.accounts.models import CreatorProfile
from zimei.articles.models import Article
from zimei.channels.models import Channel
from zimei.conversion.variants import FEED_LANGUAGE, LANGUAGE_TAG, VARIANTS
from zimei.core.errors import xml_safe

from .feeds import SITE_NAME, latest_articles

SITEMAP_CACHE_SECONDS = 600
NEWS_CACHE_SECONDS = 120
NEWS_WINDOW = timedelta(hours=48)
NEWS_MAX_ARTICLES = 333  # a URL per variant each (3): Google reads at most 1,000 per news sitemap


class _VariantPairs:
    """(item, language) pairs over a queryset, sliced lazily: what Paginator needs."""

    def __init__(self, queryset, languages: list[str]) -> None:
        self.queryset = queryset
        self.languages = languages

    def count(self) -> int:
        return self.queryset.count() * len(self.languages)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list:
        n = len(self.languages)
        start, stop = key.start or 0, key.stop
        first = start // n
        last = None if stop is None else -(-stop // n)
        pairs = [(item, lang) for item in self.queryset[first:last] for lang in self.languages]
        offset = first * n
        return pairs[start - offset : None if stop is None else stop - offset]


class _VariantSitemap(Sitemap):
    """Each item in every variant, each URL with hreflang alternates; absolute on SITE_URL."""

    i18n = True
    alternates = True
    path = ""  # the page's path after the variant prefix, formatted with the item

    def _items(self):
        return _VariantPairs(self.items(), self._languages())

    @property
    def protocol(self) -> str:  # the index view reads this attribute, the sections get_protocol()
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc

    def location(self, item) -> str:
        return f"/{translation.get_language()}/" + self.path.format(item=item)

    def get_urls(self, *args, **kwargs) -> list[dict]:
        """Django's URLs, with each alternate's hreflang the variant's language tag
        (zh-Hant-TW, not the URL prefix zh-hant)."""
        urls = super().get_urls(*args, **kwargs)
        for url in urls:
            for alternate in url.get("alternates", ()):
                alternate["lang_code"] = LANGUAGE_TAG.get(alternate["lang_code"], alternate["lang_code"])
        return urls


class ArticleSitemap(_VariantSitemap):
    path = "a/{item.id}/"
    # Below the 50,000 URLs a sitemap may hold: a page renders in about a second (50,000 URLs
    # with their alternates take ~5 s and 15 MB); a million articles make 200 pages.
    limit = 10_000

    def items(self):
        return Article.objects.published().only("id", "updated_at", "published_at").order_by("-published_at")

    def lastmod(self, item):
        return max(item.updated_at, item.published_at)

    def get_latest_lastmod(self):
        return Article.objects.published().aggregate(last=Max("updated_at"))["last"]


class ChannelSitemap(_VariantSitemap):
    path = "c/{item.slug}/"
    changefreq = "hourly"

    def items(self):
        return Channel.objects.only("id", "slug").order_by("position", "id")


class AuthorSitemap(_VariantSitemap):
    path = "u/{item.id}/"
    changefreq = "daily"

    def items(self):
        return CreatorProfile.objects.filter(article_count__gt=0).only("id").order_by("id")


SITEMAPS = {"articles": ArticleSitemap, "channels": ChannelSitemap, "authors": AuthorSitemap}


@cache_page(SITEMAP_CACHE_SECONDS)
def sitemap_index(request: HttpRequest) -> HttpResponse:
    return sitemap_views.index(request, sitemaps=SITEMAPS, sitemap_url_name="sitemap-section")


# Not kept server-side (a page of 10,000 URLs is 3 MB, there are many): a CDN may keep it.
@cache_control(public=True, max_age=3600)
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    return sitemap_views.sitemap(request, sitemaps=SITEMAPS, section=section)


@require_GET
@cache_page(NEWS_CACHE_SECONDS)
def news_sitemap(request: HttpRequest) -> HttpResponse:
    """Google News sitemap: each article of the last 48 hours in every variant."""
    since = timezone.now() - NEWS_WINDOW
    articles = list(latest_articles().filter(published_at__gte=since)[:NEWS_MAX_ARTICLES])
    urls = []
    for art in articles:
        alternates = {LANGUAGE_TAG[v]: settings.SITE_URL + art.get_absolute_url(v) for v in VARIANTS}
        for variant in VARIANTS:
            urls.append(
                {
                    "location": alternates[LANGUAGE_TAG[variant]],
                    "alternates": alternates,
                    "language": FEED_LANGUAGE[variant],
                    # Stripped of what XML cannot carry, whatever is stored (a title with U+FFFF).
                    "title": xml_safe(art.in_variant("title", variant)),
                    "published": art.published_at,
                }
            )
    context = {"urls": urls, "publication": SITE_NAME}
    response = render(request, "distribution/news_sitemap.xml", context, content_type="application/xml")
    response.headers["X-Robots-Tag"] = "noindex"
    return response


ROBOTS_DISALLOW = ("studio/", "desk/", "accounts/")


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", "Allow: /"]
    for prefix in ("/", *(f"/{v}/" for v in VARIANTS)):
        lines += [f"Disallow: {prefix}{part}" for part in ROBOTS_DISALLOW]
    lines += [
        "Disallow: /admin/",
        "Disallow: /api/",
        "Allow: /api/v1/docs",
        "Allow: /api/v1/openapi.json",
        "Disallow: /switch/",
        "Disallow: /views/",  # the view beacon (a crawler's fetch is not counted anyway)
        "",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
        f"Sitemap: {settings.SITE_URL}/news-sitemap.xml",
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response
