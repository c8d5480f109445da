"""Feeds and the open web: RSS, Atom, sitemaps, the news sitemap, robots.txt, and the tags an
article page gives crawlers and share cards (Open Graph, Twitter card, JSON-LD)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from defusedxml import ElementTree
from django.utils import timezone

from zimei.articles.models import Article
from zimei.articles.services import ArticleInput, article_create, article_withdraw
from zimei.distribution.sitemaps import ArticleSitemap

from .factories import creator, published_article

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture
def site():
    """Two authors in 科技 and 汽车; a published article each, an old one, a draft, a withdrawn one."""
    author = creator(channel="tech", pen_name="林间笔记")
    other = creator(channel="auto", pen_name="车评人")
    chip = published_article(author, title="人工智能芯片大战：谁的软件生态更强？")
    car = published_article(other, title="汽车软件升级的新方向")
    old = published_article(
        author, title="旧文：手机续航为何越来越好？", when=timezone.now() - timedelta(days=5)
    )
    draft = article_create(
        author=author, data=ArticleInput(title="草稿不该出现", body_html="<p>草稿</p>", channel="tech")
    )
    gone = published_article(author, title="撤回的文章不该出现")
    article_withdraw(article=gone, actor=author.user)
    return {"author": author, "other": other, "chip": chip, "car": car, "old": old, "draft": draft}


def _xml(response):
    assert response.status_code == 200, response.status_code
    return ElementTree.fromstring(response.content)


# --- RSS and Atom ----------------------------------------------------------------------


def _rss_items(root) -> list:
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for required in ("title", "link", "description"):
        assert (channel.findtext(required) or "").strip(), required
    items = channel.findall("item")
    for item in items:
        for required in ("title", "link", "guid", "pubDate", "description", "category"):
            assert (item.findtext(required) or "").strip(), required
        assert parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None  # RFC 822
        assert item.find("guid").get("isPermaLink") == "true"
        assert item.findtext("guid") == item.findtext("link")
    return items


def _atom_entries(root) -> list:
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{required}") or "").strip(), required
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{required}") or "").strip(), required
        assert entry.find(f"{ATOM}link").get("href").startswith(SITE)
        assert entry.findtext(f"{ATOM}author/{ATOM}name").strip()
    return entries


def test_site_rss_in_each_script(client, site):
    hans = _rss_items(_xml(client.get("/zh-hans/feed/rss.xml")))
    titles = [i.findtext("title") for i in hans]
    assert titles[:2] == ["汽车软件升级的新方向", "人工智能芯片大战：谁的软件生态更强？"]
    assert "旧文：手机续航为何越来越好？" in titles
    assert not any("不该出现" in t for t in titles)  # drafts and withdrawn articles stay out
    chip = hans[1]
    assert chip.findtext("link") == f"{SITE}/zh-hans/a/{site['chip'].id}/"
    assert chip.findtext("category") == "科技"
    assert chip.findtext("{http://purl.org/dc/elements/1.1/}creator") == "林间笔记"

    response = client.get("/zh-hant/feed/rss.xml")
    assert response["Content-Type"].startswith("application/rss+xml")
    root = _xml(response)
    assert root.find("channel").findtext("language") == "zh-tw"
    hant = _rss_items(root)
    chip = hant[1]
    # Phrase-level Traditional, as rendered at publish time: 软件 → 軟體, 芯片 → 晶片.
    assert chip.findtext("title") == "人工智慧晶片大戰：誰的軟體生態更強？"
    assert chip.findtext("link") == f"{SITE}/zh-hant/a/{site['chip'].id}/"
    assert "晶片" in chip.findtext("description")
    assert chip.findtext("{http://purl.org/dc/elements/1.1/}creator") == "林間筆記"

    # Hong Kong Traditional: its own language, links and wording (軟件, 芯片 stay).
    root = _xml(client.get("/zh-hk/feed/rss.xml"))
    assert root.find("channel").findtext("language") == "zh-hk"
    chip = _rss_items(root)[1]
    assert chip.findtext("title") == "人工智能芯片大戰：誰的軟件生態更強？"
    assert chip.findtext("link") == f"{SITE}/zh-hk/a/{site['chip'].id}/"
    atom = _xml(client.get("/zh-hk/c/tech/atom.xml"))
    assert atom.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-hk"
    assert atom.findtext(f"{ATOM}id") == f"{SITE}/zh-hk/c/tech/atom.xml"
    assert _atom_entries(atom)[0].findtext(f"{ATOM}title") == "人工智能芯片大戰：誰的軟件生態更強？"


def test_site_atom(client, site):
    response = client.get("/zh-hant/feed/atom.xml")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = _xml(response)
    assert root.findtext(f"{ATOM}id") == f"{SITE}/zh-hant/feed/atom.xml"
    entries = _atom_entries(root)
    assert len(entries) == 3
    chip = entries[1]
    assert chip.findtext(f"{ATOM}title") == "人工智慧晶片大戰：誰的軟體生態更強？"
    assert chip.findtext(f"{ATOM}id") == f"{SITE}/zh-hant/a/{site['chip'].id}/"
    assert chip.findtext(f"{ATOM}author/{ATOM}name") == "林間筆記"
    assert chip.find(f"{ATOM}category").get("term") == "科技"


def test_channel_and_author_feeds(client, site):
    tech = _rss_items(_xml(client.get("/zh-hans/c/tech/rss.xml")))
    assert {i.findtext("category") for i in tech} == {"科技"} and len(tech) == 2
    auto = _atom_entries(_xml(client.get("/zh-hant/c/auto/atom.xml")))
    assert [e.findtext(f"{ATOM}title") for e in auto] == ["汽車軟體升級的新方向"]
    assert client.get("/zh-hans/c/nope/rss.xml").status_code == 404

    author = site["author"]
    mine = _rss_items(_xml(client.get(f"/zh-hant/u/{author.id}/rss.xml")))
    assert [i.findtext("title") for i in mine] == [
        "人工智慧晶片大戰：誰的軟體生態更強？",
        "舊文：手機續航為何越來越好？",
    ]
    root = _xml(client.get(f"/zh-hans/u/{author.id}/atom.xml"))
    assert root.findtext(f"{ATOM}title") == "Zimei 自媒 · 林间笔记"
    assert len(_atom_entries(root)) == 2
    assert client.get("/zh-hans/u/999999/atom.xml").status_code == 404


def test_feeds_read_in_one_query_and_are_cached(client, site, django_assert_num_queries):
    for _ in range(3):
        published_article(site["author"])
    with django_assert_num_queries(1):
        assert client.get("/zh-hans/feed/rss.xml").status_code == 200
    response = client.get("/zh-hans/feed/rss.xml")
    assert response["X-Cache"] == "HIT" and response["Cache-Control"].startswith("public")
    with django_assert_num_queries(2):  # the author, then the items
        assert client.get(f"/zh-hans/u/{site['author'].id}/atom.xml").status_code == 200


def test_pages_link_their_feeds(client, site):
    home = client.get("/zh-hant/").content.decode()
    assert 'type="application/rss+xml"' in home and 'href="/zh-hant/feed/rss.xml"' in home
    assert 'href="/zh-hant/feed/atom.xml"' in home
    channel = client.get("/zh-hans/c/tech/").content.decode()
    assert 'href="/zh-hans/c/tech/rss.xml"' in channel
    author = client.get(f"/zh-hans/u/{site['author'].id}/").content.decode()
    assert f'href="/zh-hans/u/{site["author"].id}/rss.xml"' in author


# --- sitemaps, news sitemap, robots.txt -------------------------------------------------


def _urls(root) -> dict[str, dict[str, str]]:
    """loc -> {hreflang: href} from a urlset."""
    assert root.tag == f"{SM}urlset"
    return {
        u.findtext(f"{SM}loc"): {a.get("hreflang"): a.get("href") for a in u.findall(f"{XHTML}link")}
        for u in root.findall(f"{SM}url")
    }


def test_sitemap_index_and_sections(client, site):
    index = _xml(client.get("/sitemap.xml"))
    assert index.tag == f"{SM}sitemapindex"
    locs = [s.findtext(f"{SM}loc") for s in index.findall(f"{SM}sitemap")]
    assert [loc.rsplit("/", 1)[1] for loc in locs] == [
        "sitemap-articles.xml",
        "sitemap-channels.xml",
        "sitemap-authors.xml",
    ]

    articles = _urls(_xml(client.get("/sitemap-articles.xml")))
    chip = site["chip"].id
    alternates = {
        "zh-Hans": f"{SITE}/zh-hans/a/{chip}/",
        "zh-Hant-TW": f"{SITE}/zh-hant/a/{chip}/",
        "zh-Hant-HK": f"{SITE}/zh-hk/a/{chip}/",
    }
    assert articles[f"{SITE}/zh-hans/a/{chip}/"] == alternates
    assert articles[f"{SITE}/zh-hant/a/{chip}/"] == alternates
    assert articles[f"{SITE}/zh-hk/a/{chip}/"] == alternates
    assert len(articles) == 3 * 3  # three published articles, three variants; no draft, no withdrawn
    assert f"{SITE}/zh-hans/a/{site['draft'].id}/" not in articles

    channels = _urls(_xml(client.get("/sitemap-channels.xml")))
    assert channels[f"{SITE}/zh-hant/c/tech/"]["zh-Hans"] == f"{SITE}/zh-hans/c/tech/"
    assert channels[f"{SITE}/zh-hans/c/tech/"]["zh-Hant-HK"] == f"{SITE}/zh-hk/c/tech/"
    authors = _urls(_xml(client.get("/sitemap-authors.xml")))
    assert set(authors) == {
        f"{SITE}/{v}/u/{a.id}/"
        for v in ("zh-hans", "zh-hant", "zh-hk")
        for a in (site["author"], site["other"])
    }
    assert client.get("/sitemap-nope.xml").status_code == 404


def test_sitemap_pages_split_lazily(client, site, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 4)  # 3 articles x 3 variants = 9 URLs: 3 pages
    index = _xml(client.get("/sitemap.xml"))
    locs = [s.findtext(f"{SM}loc") for s in index.findall(f"{SM}sitemap")]
    assert locs[1].endswith("/sitemap-articles.xml?p=2")
    first = _urls(_xml(client.get("/sitemap-articles.xml")))
    second = _urls(_xml(client.get("/sitemap-articles.xml?p=2")))
    third = _urls(_xml(client.get("/sitemap-articles.xml?p=3")))
    assert len(first) == 4 and len(second) == 4 and len(third) == 1 and not set(first) & set(second)
    assert len(set(first) | set(second) | set(third)) == 9
    assert client.get("/sitemap-articles.xml?p=4").status_code == 404


def test_news_sitemap_has_the_last_48_hours(client, site):
    root = _xml(client.get("/news-sitemap.xml"))
    assert root.tag == f"{SM}urlset"
    entries = {u.findtext(f"{SM}loc"): u for u in root.findall(f"{SM}url")}
    chip, car, old = site["chip"].id, site["car"].id, site["old"].id
    assert set(entries) == {
        f"{SITE}/{v}/a/{a}/" for v in ("zh-hans", "zh-hant", "zh-hk") for a in (chip, car)
    }
    assert f"{SITE}/zh-hans/a/{old}/" not in entries
    hant = entries[f"{SITE}/zh-hant/a/{chip}/"].find(f"{NEWS}news")
    assert hant.findtext(f"{NEWS}publication/{NEWS}name") == "Zimei 自媒"
    assert hant.findtext(f"{NEWS}publication/{NEWS}language") == "zh-tw"
    assert hant.findtext(f"{NEWS}title") == "人工智慧晶片大戰：誰的軟體生態更強？"
    published = hant.findtext(f"{NEWS}publication_date")
    assert abs(timezone.datetime.fromisoformat(published) - site["chip"].published_at) < timedelta(seconds=1)
    hans = entries[f"{SITE}/zh-hans/a/{chip}/"].find(f"{NEWS}news")
    assert hans.findtext(f"{NEWS}publication/{NEWS}language") == "zh-cn"
    assert hans.findtext(f"{NEWS}title") == "人工智能芯片大战：谁的软件生态更强？"
    hk = entries[f"{SITE}/zh-hk/a/{chip}/"]
    assert hk.find(f"{NEWS}news").findtext(f"{NEWS}publication/{NEWS}language") == "zh-hk"
    assert hk.find(f"{NEWS}news").findtext(f"{NEWS}title") == "人工智能芯片大戰：誰的軟件生態更強？"
    links = {a.get("hreflang"): a.get("href") for a in hk.findall(f"{XHTML}link")}
    assert links == {
        "zh-Hans": f"{SITE}/zh-hans/a/{chip}/",
        "zh-Hant-TW": f"{SITE}/zh-hant/a/{chip}/",
        "zh-Hant-HK": f"{SITE}/zh-hk/a/{chip}/",
    }


def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    for path in (
        "/studio/",
        "/desk/",
        "/accounts/",
        "/admin/",
        "/api/",
        "/zh-hant/studio/",
        "/zh-hk/studio/",
        "/zh-hans/desk/",
    ):
        assert f"Disallow: {path}" in lines
    assert "Allow: /api/v1/docs" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines and f"Sitemap: {SITE}/news-sitemap.xml" in lines


# --- article page: Open Graph, Twitter card, JSON-LD ----------------------------------


def _meta(page: str, key: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', page)
    assert found, key
    return found.group(1)


def _jsonld(page: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_article_page_open_graph_twitter_and_json_ld(client, site):
    chip = site["chip"]
    page = client.get(f"/zh-hant/a/{chip.id}/").content.decode()
    url = f"{SITE}/zh-hant/a/{chip.id}/"
    assert f'<link rel="canonical" href="{url}">' in page
    assert _meta(page, "og:type") == "article"
    assert _meta(page, "og:title") == "人工智慧晶片大戰：誰的軟體生態更強？"
    assert _meta(page, "og:url") == url
    assert "晶片" in _meta(page, "og:description")
    assert _meta(page, "og:locale") == "zh_TW"
    assert re.findall(r'<meta property="og:locale:alternate" content="([^"]*)">', page) == ["zh_CN", "zh_HK"]
    assert _meta(page, "article:author") == f"{SITE}/zh-hant/u/{chip.author_id}/"
    assert _meta(page, "article:published_time").startswith(str(chip.published_at.year))
    assert _meta(page, "twitter:card") == "summary"
    assert _meta(page, "twitter:title") == "人工智慧晶片大戰：誰的軟體生態更強？"
    assert 'property="og:image"' not in page
    ld = _jsonld(page)
    assert ld["@context"] == "https://schema.org" and ld["@type"] == "NewsArticle"
    assert ld["headline"] == "人工智慧晶片大戰：誰的軟體生態更強？" and len(ld["headline"]) <= 110
    assert timezone.datetime.fromisoformat(ld["datePublished"]) == chip.published_at
    assert ld["dateModified"] >= ld["datePublished"]
    assert ld["author"] == {
        "@type": "Person",
        "name": "林間筆記",
        "url": f"{SITE}/zh-hant/u/{chip.author_id}/",
    }
    assert ld["publisher"]["@type"] == "Organization" and ld["publisher"]["name"] == "Zimei 自媒"
    assert ld["mainEntityOfPage"]["@id"] == url and ld["inLanguage"] == "zh-Hant-TW"
    assert "image" not in ld

    hans = client.get(f"/zh-hans/care/a/{chip.id}/").content.decode()
    assert _meta(hans, "og:locale") == "zh_CN"
    assert _meta(hans, "og:url") == f"{SITE}/zh-hans/a/{chip.id}/"  # care mode: the standard page
    assert _jsonld(hans)["headline"] == "人工智能芯片大战：谁的软件生态更强？"


def test_article_with_a_cover_has_a_large_card_and_an_image(client, site):
    chip = site["chip"]
    Article.objects.filter(id=chip.id).update(cover_url="/media/img/2026/11/cover.jpg")
    page = client.get(f"/zh-hans/a/{chip.id}/").content.decode()
    image = f"{SITE}/media/img/2026/11/cover.jpg"
    assert _meta(page, "og:image") == image and _meta(page, "twitter:image") == image
    assert _meta(page, "twitter:card") == "summary_large_image"
    assert _jsonld(page)["image"] == [image]


def test_a_hostile_title_stays_inside_the_json(client, site):
    normal = client.get(f"/zh-hans/a/{site['chip'].id}/").content.decode()
    hostile_title = "</script><script>alert(1)</script>"
    art = published_article(site["author"], title=hostile_title)
    page = client.get(f"/zh-hans/a/{art.id}/").content.decode()
    assert page.count("<script") == normal.count("<script")
    assert "<script>alert(1)" not in page
    assert _jsonld(page)["headline"] == hostile_title
    assert _meta(page, "og:title") == "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"


def test_sitemaps_follow_site_url(client, site, settings):
    """Behind a TLS proxy the request may say http: every URL still uses SITE_URL's scheme."""
    settings.SITE_URL = "https://zimei.example"
    index = _xml(client.get("/sitemap.xml"))
    assert all(s.findtext(f"{SM}loc").startswith("https://") for s in index.findall(f"{SM}sitemap"))
    articles = _urls(_xml(client.get("/sitemap-articles.xml")))
    assert f"https://zimei.example/zh-hant/a/{site['chip'].id}/" in articles
    root = _xml(client.get("/zh-hant/c/tech/atom.xml"))
    assert root.findtext(f"{ATOM}id") == "https://zimei.example/zh-hant/c/tech/atom.xml"
    assert root.findtext(f"{ATOM}subtitle") == "Zimei 自媒 · 科技頻道的最新文章"


def test_care_mode_serves_the_same_feeds(client, site):
    care = _rss_items(_xml(client.get("/zh-hant/care/feed/rss.xml")))
    standard = _rss_items(_xml(client.get("/zh-hant/feed/rss.xml")))
    assert care and [i.findtext("link") for i in care] == [i.findtext("link") for i in standard]
    assert all("/care/" not in i.findtext("link") for i in care)
    assert client.get("/zh-hans/care/c/tech/atom.xml").status_code == 200
