"""Reader pages through HTTP: what a reader sees, in each variant (Simplified, Taiwan and Hong
Kong Traditional) and in care mode."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from zimei.articles.models import Article
from zimei.articles.services import ArticleInput, article_publish, article_save, article_withdraw
from zimei.distribution.counters import flush

from .factories import CHIP_BODY, UserFactory, creator, published_article

pytestmark = pytest.mark.django_db

SEED_ELEMENTS_HANT = [
    "Zimei首頁",  # breadcrumb: home > channel > 正文
    "正文",
    "申請入駐",
    "次分享",
    "分享至",
    "複製連結",
    "微信",
    "微博",
    "聲明：個人原創，僅供參考",
    "特別聲明",
    "information storage services",
    "相關推薦",
    "熱點推薦",
    "文章數",
    "關注度",
    "往期回顧",
    "全部",
    "科技要聞",
    "頭條要聞",
    "體育要聞",
    "娛樂要聞",
    "財經要聞",
    "汽車要聞",
    "態度原創",
    "藝術",
    "手機",
    "本地",
    "公開課",
    "軍事航空",
]


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def article():
    author = creator(channel="tech", pen_name="林间笔记")
    published_article(author, title="旧文：手机续航为何越来越好？", when=timezone.now() - timedelta(days=2))
    other = creator(channel="tech", pen_name="芯片观察")
    published_article(other, title="芯片工艺进入新阶段：软件生态成关键！", body=CHIP_BODY)
    return published_article(author, title="人工智能芯片大战：谁的软件生态更强？")


def test_article_page_shows_every_element_of_the_reference_page_in_traditional(client, article):
    page = _text(client.get(f"/zh-hant/a/{article.id}/"))
    for element in SEED_ELEMENTS_HANT:
        assert element in page, element
    # Title and body converted at phrase level: 软件 becomes 軟體 (not the character-wise 軟件).
    assert "人工智慧晶片大戰：誰的軟體生態更強？" in page
    assert "晶片產業" in page
    # The author card: pen name, tagline, badges and the true article count.
    assert "林間筆記" in page and "寫科技，也寫生活" in page and "Lv1" in page
    assert re.search(r'class="article-count">2<', page)
    # Hot list timestamps are to the second.
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</time>", page)
    # The past-articles box links to the author's older article and to all of them.
    assert "舊文：手機續航為何越來越好？" in page
    assert f'href="/zh-hant/u/{article.author_id}/"' in page


def test_article_page_in_simplified_and_alternates(client, article):
    page = _text(client.get(f"/zh-hans/a/{article.id}/"))
    assert "人工智能芯片大战：谁的软件生态更强？" in page
    assert "申请入驻" in page and "相关推荐" in page and "声明：个人原创，仅供参考" in page
    assert f'hreflang="zh-Hant" href="http://127.0.0.1:8000/zh-hant/a/{article.id}/"' in page
    assert f'hreflang="zh-Hans" href="http://127.0.0.1:8000/zh-hans/a/{article.id}/"' in page
    assert '<html lang="zh-Hans"' in page and '<meta property="og:locale" content="zh_CN">' in page
    # Related: the other author's chip article shares its subject.
    assert "芯片工艺进入新阶段" in page.split("相关推荐")[1].split("</section>")[0]


HK_WORDS = "<p>这台打印机连上网络就能用，软件更新以后还能在线播放视频。</p>"


def test_a_hong_kong_reader_gets_hong_kong_wording_and_taiwan_urls_stay(client):
    art = published_article(title="打印机软件更新：网络视频也能打印", body=HK_WORDS)
    # A reader whose browser asks for Hong Kong (or Macau) Chinese lands on /zh-hk/.
    for accept in ("zh-HK,zh;q=0.9,en;q=0.8", "zh-MO"):
        assert client.get("/", HTTP_ACCEPT_LANGUAGE=accept)["Location"] == "/zh-hk/"
    home = _text(client.get("/zh-hk/"))
    assert "打印機軟件更新：網絡視頻也能打印" in home
    page = _text(client.get(f"/zh-hk/a/{art.id}/"))
    assert "打印機軟件更新：網絡視頻也能打印" in page
    assert "這台打印機連上網絡就能用，軟件更新以後還能在線播放視頻。" in page
    assert not any(word in page for word in ("軟體", "網路", "印表機", "影片"))
    # UI strings in Hong Kong script, the page's language, share card and alternates.
    assert "申請入駐" in page and '<html lang="zh-Hant-HK"' in page
    assert '<meta property="og:locale" content="zh_HK">' in page
    assert '<meta property="og:locale:alternate" content="zh_CN">' in page
    assert '<meta property="og:locale:alternate" content="zh_TW">' in page
    assert '"inLanguage": "zh-Hant-HK"' in page
    site = "http://127.0.0.1:8000"
    for tag, prefix in [
        ("zh-Hans", "zh-hans"),
        ("zh-Hant-TW", "zh-hant"),
        ("zh-Hant", "zh-hant"),
        ("zh-Hant-HK", "zh-hk"),
    ]:
        assert f'hreflang="{tag}" href="{site}/{prefix}/a/{art.id}/"' in page, tag
    # The switcher links to the two other variants, each labelled in its own script.
    switch = f"?next=/zh-hk/a/{art.id}/"
    assert f'href="/switch/zh-hans/{switch}" hreflang="zh-Hans" lang="zh-Hans">简体</a>' in page
    assert f'href="/switch/zh-hant/{switch}" hreflang="zh-Hant-TW" lang="zh-Hant-TW">繁體（台灣）</a>' in page
    assert "/switch/zh-hk/" not in page
    # The /zh-hant/ URLs published before Hong Kong existed still answer, in Taiwan wording.
    old = client.get(f"/zh-hant/a/{art.id}/")
    assert old.status_code == 200
    taiwan = _text(old)
    assert "印表機軟體更新：網路影片也能列印" in taiwan and '<html lang="zh-Hant-TW"' in taiwan
    assert "這臺印表機連上網路就能用，軟體更新以後還能線上播放影片。" in taiwan
    assert '<meta property="og:locale" content="zh_TW">' in taiwan and ">繁體（香港）</a>" in taiwan
    # Care mode and a missing page in Hong Kong script.
    care = _text(client.get(f"/zh-hk/care/a/{art.id}/"))
    assert "退出關懷版" in care and "打印機軟件更新" in care
    missing = client.get("/zh-hk/a/999999/")
    assert (
        missing.status_code == 404
        and "頁面不存在" in _text(missing)
        and 'lang="zh-Hant-HK"' in _text(missing)
    )


def test_source_declaration_for_reposts(client):
    art = published_article(title="转载：一篇关于汽车的文章", original=False, source="某某日报")
    page = _text(client.get(f"/zh-hans/a/{art.id}/"))
    assert "声明：本文转载自某某日报，仅供参考" in page
    assert "个人原创" not in page
    hant = _text(client.get(f"/zh-hant/a/{art.id}/"))
    assert "聲明：本文轉載自某某日報，僅供參考" in hant
    # In the hot list the repost's source is named, in the page's script.
    assert '<span class="src">某某日報</span>' in hant


def test_care_mode_has_the_elements_and_a_way_back(client, article):
    page = _text(client.get(f"/zh-hant/care/a/{article.id}/"))
    assert 'class="care"' in page and "/static/zimei/care.css" in page
    assert "退出關懷版" in page and f'href="/zh-hant/a/{article.id}/"' in page
    for element in ["熱點推薦", "相關推薦", "文章數", "關注度", "態度原創", "聲明：個人原創，僅供參考"]:
        assert element in page
    # Links stay in care mode.
    assert f'href="/zh-hant/care/u/{article.author_id}/"' in page
    standard = _text(client.get(f"/zh-hant/a/{article.id}/"))
    assert f'href="/zh-hant/care/a/{article.id}/"' in standard and "進入關懷版" in standard


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("zh-TW,zh;q=0.9", "/zh-hant/"),
        ("zh-Hant", "/zh-hant/"),
        ("zh-Hant-TW", "/zh-hant/"),
        ("zh-HK", "/zh-hk/"),
        ("zh-MO", "/zh-hk/"),  # Django alone would say zh-hant (its fallback for zh-mo)
        ("zh-Hant-HK,zh;q=0.8", "/zh-hk/"),  # … and for zh-hant-hk
        ("en-GB,zh-Hant-MO;q=0.7", "/zh-hk/"),
        ("zh-CN,zh;q=0.9", "/zh-hans/"),
        ("zh-SG", "/zh-hans/"),
        ("zh-Hans-HK", "/zh-hans/"),
        ("zh", "/zh-hans/"),
        ("en-US", "/zh-hans/"),
    ],
)
def test_root_defaults_from_accept_language(client, accept, expected):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 302 and response["Location"] == expected


def test_the_script_choice_sticks(client, article):
    response = client.get(f"/switch/zh-hant/?next=/zh-hans/care/a/{article.id}/")
    assert response.status_code == 302
    assert response["Location"] == f"/zh-hant/care/a/{article.id}/"
    # A later visit to the bare site goes to the chosen script, whatever the browser says.
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN")["Location"] == "/zh-hant/"
    # The switcher goes among all three variants, and the last choice is the one kept.
    response = client.get(f"/switch/zh-hk/?next=/zh-hant/care/a/{article.id}/")
    assert response["Location"] == f"/zh-hk/care/a/{article.id}/"
    assert response.cookies["zimei_variant"].value == "zh-hk"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="zh-TW")["Location"] == "/zh-hk/"
    response = client.get(f"/switch/zh-hans/?next=/zh-hk/a/{article.id}/")
    assert response["Location"] == f"/zh-hans/a/{article.id}/"
    assert response.cookies["zimei_variant"].value == "zh-hans"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="zh-HK")["Location"] == "/zh-hans/"
    assert client.get("/switch/zh-mo/?next=/zh-hans/").status_code == 404  # not a variant
    # The switcher never redirects off-site.
    assert client.get("/switch/zh-hans/?next=https://evil.example/")["Location"] == "/zh-hans/"


def test_missing_and_withdrawn_articles(client, article, django_capture_on_commit_callbacks):
    missing = client.get("/zh-hant/a/999999/")
    assert missing.status_code == 404 and "頁面不存在" in _text(missing)
    assert client.get(f"/zh-hant/a/{article.id}/")["X-Cache"] == "MISS"
    with django_capture_on_commit_callbacks(execute=True):
        article_withdraw(article=article, actor=article.author.user)
    gone = client.get(f"/zh-hant/a/{article.id}/")
    assert gone.status_code == 410 and "作者已撤回這篇文章" in _text(gone)
    assert "Traceback" not in _text(gone)


def test_pages_are_cached_and_purged_on_publish(client, article, django_capture_on_commit_callbacks):
    url = f"/zh-hans/a/{article.id}/"
    assert client.get(url)["X-Cache"] == "MISS"
    cached = client.get(url)
    assert cached["X-Cache"] == "HIT" and "public" in cached["Cache-Control"]
    article_save(
        article=article,
        actor=article.author.user,
        data=ArticleInput(title="改过的标题：芯片大战第二回", body_html=article.body_html, channel="tech"),
    )
    # A saved working copy is not public until published again.
    assert "改过的标题" not in _text(client.get(url))
    with django_capture_on_commit_callbacks(execute=True):  # the purge runs once the publish commits
        article_publish(article=article, actor=article.author.user)
    fresh = client.get(url)
    assert fresh["X-Cache"] == "MISS" and "改过的标题：芯片大战第二回" in _text(fresh)
    assert "改過的標題" in _text(client.get(f"/zh-hant/care/a/{article.id}/"))


def test_logged_in_readers_get_private_uncached_pages(client, article):
    client.force_login(UserFactory())
    response = client.get(f"/zh-hans/a/{article.id}/")
    assert "X-Cache" not in response and "private" in response["Cache-Control"]


def test_article_page_query_count(client, article, django_assert_num_queries):
    from zimei.core.pagecache import page_store

    url = f"/zh-hant/a/{article.id}/"
    # Cold (once per hot-list slot of 30 s): the article (+author, body), the channels, the hot
    # list (2: the editors' pins, then the index scan), the channel boxes (1 each of the 11
    # channels), related, past articles.
    with django_assert_num_queries(1 + 1 + 2 + 11 + 1 + 1):
        assert client.get(url).status_code == 200
    page_store().clear()
    # Warm, as on a live site: the article with its author and body; the rest from the
    # 60-second fragment caches.
    with django_assert_num_queries(1):
        assert client.get(url).status_code == 200


def test_views_and_shares_are_counted(client, article):
    """A view is the page's beacon (tests/test_beacon.py), sent when a reader's browser shows it."""

    def read(path: str, **meta) -> None:
        assert client.get(path, **meta).status_code == 200
        assert (
            client.post(f"/views/{article.id}/", HTTP_SEC_FETCH_SITE="same-origin", **meta).status_code == 204
        )

    firefox = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Firefox/140.0"}
    for _ in range(3):  # one reader, three times within 30 minutes: one view
        read(f"/zh-hans/a/{article.id}/", **firefox)
    read(f"/zh-hant/a/{article.id}/", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari/605.1")
    read(f"/zh-hans/a/{article.id}/", HTTP_USER_AGENT="Mozilla/5.0 (compatible; Googlebot/2.1)")
    read(f"/zh-hans/a/{article.id}/", HTTP_SEC_PURPOSE="prefetch", HTTP_USER_AGENT="Mozilla/5.0 Edge")
    flush()
    article.refresh_from_db()
    assert article.view_count == 2
    assert client.post(f"/share/{article.id}/link/").status_code == 204
    weibo = client.post(f"/share/{article.id}/weibo/", REMOTE_ADDR="198.51.100.9")  # another reader
    assert weibo.status_code == 303 and weibo["Location"].startswith("https://service.weibo.com/share/")
    assert client.post(f"/share/{article.id}/weibo/").status_code == 303  # the first again: not counted
    assert client.post(f"/share/{article.id}/fax/").status_code == 404
    assert client.get(f"/share/{article.id}/link/").status_code == 405
    article.refresh_from_db()
    assert article.share_count == 2
    page = _text(client.get(f"/zh-hans/care/a/{article.id}/"))
    assert '<span class="n">2</span>' in page


def test_qr_code_for_wechat(client, article):
    response = client.get(f"/qr/{article.id}.svg?v=zh-hant")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")


def test_home_channel_and_author_pages(client, article):
    home = _text(client.get("/zh-hant/"))
    assert "科技要聞" in home and "熱點推薦" in home and "態度原創" in home
    assert "人工智慧晶片大戰" in home
    author = article.author
    for i in range(22):
        published_article(
            author, title=f"第{i}篇：分页测试文章？", when=timezone.now() - timedelta(hours=i + 5)
        )
    page1 = _text(client.get("/zh-hans/c/tech/"))
    assert "第 1 / 2 页" in page1 and 'rel="next"' in page1
    page2 = _text(client.get("/zh-hans/c/tech/?page=2"))
    assert "第 2 / 2 页" in page2
    assert client.get("/zh-hans/c/tech/?page=abc").status_code == 200
    assert client.get("/zh-hans/c/nosuch/").status_code == 404
    profile = _text(client.get(f"/zh-hans/u/{author.id}/"))
    assert 'class="article-count">24<' in profile
    assert "第 1 / 2 页" in profile
    assert client.get("/zh-hans/u/999999/").status_code == 404


def test_only_published_articles_are_public(client):
    author = creator()
    from zimei.articles.services import article_create

    draft = article_create(
        author=author, data=ArticleInput(title="草稿", body_html="<p>未发布</p>", channel="tech")
    )
    assert client.get(f"/zh-hans/a/{draft.id}/").status_code == 404
    assert Article.objects.filter(status="published").count() == 0
    # Held, refused, or sent back for changes: none of them is public either.
    for status in (Article.Status.PENDING, Article.Status.REJECTED, Article.Status.CHANGES):
        Article.objects.filter(id=draft.id).update(status=status, title_hans="草稿", title_hant="草稿")
        for path in (f"/zh-hans/a/{draft.id}/", f"/zh-hant/care/a/{draft.id}/"):
            assert client.get(path).status_code == 404, (status, path)


def test_follow_updates_the_card(client, article):
    reader = UserFactory()
    url = f"/zh-hans/u/{article.author_id}/follow/"
    assert client.post(url).status_code == 302  # to login
    client.force_login(reader)
    client.post(url, {"next": f"/zh-hans/u/{article.author_id}/"})
    article.author.refresh_from_db()
    assert article.author.follower_count == 1 and article.author.attention >= 10
    page = _text(client.get(f"/zh-hans/u/{article.author_id}/"))
    assert "已关注" in page
    # From care mode (the card's form posts to the care URL) back to the care author page; an
    # article id too large for any row is ignored, not a 500.
    care = client.post(f"/zh-hant/care/u/{article.author_id}/follow/", {"follow": "0", "article": "9" * 30})
    assert care.status_code == 302 and care["Location"] == f"/zh-hant/care/u/{article.author_id}/"
    article.author.refresh_from_db()
    assert article.author.follower_count == 0


def test_the_follow_form_never_redirects_off_site(client, article):
    """`next` is checked as every redirect target is (url_has_allowed_host_and_scheme): a
    backslash after the slash is a scheme-relative URL to browsers, so it is refused too."""
    client.force_login(UserFactory())
    url = f"/zh-hans/u/{article.author_id}/follow/"
    for target in ("/\\evil.com", "/\\/evil.com", "//evil.com/", "https://evil.com/", "/\t/evil.com"):
        response = client.post(url, {"next": target})
        assert response.status_code == 302, target
        assert response["Location"] == f"/zh-hans/u/{article.author_id}/", target
    # A path on this site is kept.
    response = client.post(url, {"next": "/zh-hans/c/tech/"})
    assert response["Location"] == "/zh-hans/c/tech/"


def test_every_reader_page_has_hreflang_alternates(client, article):
    for path in ["/zh-hans/", "/zh-hant/c/tech/", f"/zh-hans/care/u/{article.author_id}/"]:
        page = _text(client.get(path))
        rest = path.split("/", 2)[2]
        assert f'hreflang="zh-Hant" href="http://127.0.0.1:8000/zh-hant/{rest}"' in page, path
        assert f'hreflang="zh-Hant-TW" href="http://127.0.0.1:8000/zh-hant/{rest}"' in page, path
        assert f'hreflang="zh-Hant-HK" href="http://127.0.0.1:8000/zh-hk/{rest}"' in page, path
        assert f'hreflang="zh-Hans" href="http://127.0.0.1:8000/zh-hans/{rest}"' in page, path
        assert f'hreflang="x-default" href="http://127.0.0.1:8000/zh-hans/{rest}"' in page, path


def test_every_page_has_the_site_icon_and_favicon_ico_finds_it(client, article):
    # No more 404 for /favicon.ico on every visit: pages link the mark, and the old address
    # sends clients that never read the page (feed readers, bookmarks) to the same file.
    for path in ["/zh-hans/", f"/zh-hk/a/{article.pk}/", "/zh-hant/care/", "/zh-hans/accounts/login/"]:
        page = _text(client.get(path))
        assert '<link rel="icon" href="/static/zimei/mark.svg" type="image/svg+xml">' in page, path
    moved = client.get("/favicon.ico")
    assert moved.status_code == 301 and moved["Location"] == "/static/zimei/mark.svg"
    icon = client.get("/static/zimei/mark.svg")
    assert icon.status_code == 200 and icon["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(icon.streaming_content)
    assert b"/static/zimei/mark.svg</Image>" in client.get("/opensearch.xml").content


def test_footer_pages_in_every_script_and_an_operator_edit_shows_at_once(
    client, article, django_capture_on_commit_callbacks
):
    from django.test import Client

    from zimei.core.models import SitePage

    from .factories import editor

    home = _text(client.get("/zh-hant/care/"))
    for slug in ("about", "terms", "privacy", "contact"):
        assert f'href="/zh-hant/care/{slug}/"' in home, slug
    assert "關於我們" in home and "隱私政策" in home
    assert "用户协议" in _text(client.get("/zh-hans/terms/"))
    assert "隱私政策" in _text(client.get("/zh-hk/privacy/"))
    # The operator edits 联系我们 in the admin; the cached page shows it at once, converted,
    # with its address as a link and its blank line as a new paragraph.
    assert "请在后台" in _text(client.get("/zh-hans/contact/"))  # cached now
    boss = editor(is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(boss)
    page = SitePage.objects.get(slug="contact")
    form = {"title": "联系我们", "body": "邮件：editor@example.org\n\n网址 https://example.org/help"}
    with django_capture_on_commit_callbacks(execute=True):
        saved = admin.post(f"/admin/core/sitepage/{page.pk}/change/", form)
    assert saved.status_code == 302
    shown = _text(client.get("/zh-hant/contact/"))
    assert "郵件" in shown and "请在后台" not in shown and "請在後台" not in shown
    assert '<a href="https://example.org/help" rel="nofollow">' in shown and "</p>\n\n<p>" in shown
    # Nothing typed is lost: a control character is refused with the text kept.
    bad = admin.post(f"/admin/core/sitepage/{page.pk}/change/", {"title": "联系", "body": "a\x07b"})
    assert bad.status_code == 200 and "a\x07b" in bad.content.decode()
    assert admin.get("/admin/core/sitepage/add/").status_code == 403


def test_admin_shows_the_audit_log_read_only(client, article):
    from zimei.articles.services import article_take_down

    from .factories import editor

    boss = editor(is_staff=True, is_superuser=True)
    article_take_down(article=article, actor=boss, reason="违反社区规范")
    client.force_login(boss)
    listing = client.get("/admin/moderation/auditentry/")
    assert listing.status_code == 200 and "违反社区规范" in _text(listing)
    assert client.get("/admin/moderation/auditentry/add/").status_code == 403


def test_a_stale_form_and_an_oversized_post_get_clear_pages():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/zh-hant/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403 and "頁面已過期" in _text(response)
    huge = Client().post("/zh-hans/accounts/login/", {"username": "a", "password": "x" * (4 * 1024 * 1024)})
    assert huge.status_code == 400 and "提交的内容太大" in _text(huge)


def _wsgi_get(
    path: str, cookie: str = "", *, query: str = "", host: str = "127.0.0.1"
) -> tuple[str, dict, bytes]:
    """A request through the real WSGI entry point (what `zimei serve` runs)."""
    from wsgiref.util import setup_testing_defaults

    from zimei.wsgi import application

    environ: dict = {"PATH_INFO": path, "HTTP_HOST": host, "QUERY_STRING": query}
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    setup_testing_defaults(environ)
    seen: dict = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    # As Django's test client does: the test's transaction must survive the request, so the
    # per-request connection clean-up is held off.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return seen["status"], seen["headers"], body


def test_the_wsgi_entry_point_serves_hits_before_django(article, django_capture_on_commit_callbacks):
    path = f"/zh-hant/a/{article.id}/"
    status, headers, first = _wsgi_get(path)
    assert status.startswith("200") and headers["X-Cache"] == "MISS"
    status, headers, again = _wsgi_get(path)
    assert headers["X-Cache"] == "HIT" and again == first and "public" in headers["Cache-Control"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    # A signed-in reader (session cookie) never gets the shared copy.
    _, headers, _ = _wsgi_get(path, cookie="sessionid=abc")
    assert "X-Cache" not in headers
    with django_capture_on_commit_callbacks(execute=True):
        article_withdraw(article=article, actor=article.author.user)
    status, _, _ = _wsgi_get(path)
    assert status.startswith("410")


def test_the_file_page_store_expires_and_prunes(tmp_path):
    import os
    import time

    from zimei.core.pagecache import FilePageStore

    store = FilePageStore(tmp_path)
    html = (("Content-Type", "text/html; charset=utf-8"), ("Content-Language", "zh-hans"))
    store.set("page:/zh-hans/a/1/", (b"<html>1</html>", html, 1), 60)
    store.set("page:/zh-hans/a/2/", (b"<html>2</html>", html, 2), -1)
    assert store.get("page:/zh-hans/a/1/") == (b"<html>1</html>", html, 1)
    assert store.get("page:/zh-hans/a/2/") is None  # expired
    old = time.time() - 3600
    for path in tmp_path.iterdir():
        if path.read_bytes().endswith(b"2</html>"):
            os.utime(path, (old, old))
    assert store.prune(older_than=120) == 1
    assert len(list(tmp_path.iterdir())) == 1 and store.get("page:/zh-hans/a/1/") is not None


def test_the_following_feed_shows_followed_creators_new_articles(client, article):
    from zimei.accounts.services import follow_set

    followed = article.author
    other = creator(pen_name="不关注的人")
    published_article(other, title="不该出现在关注里的文章")
    reader = UserFactory()
    assert client.get("/zh-hans/following/").status_code == 302  # to login
    client.force_login(reader)
    empty = _text(client.get("/zh-hant/following/"))
    assert "你關注的作者還沒有新文章" in empty
    follow_set(user=reader, creator=followed, following=True)
    page = _text(client.get("/zh-hant/following/"))
    assert "人工智慧晶片大戰" in page and "不該出現在關注裡的文章" not in page
    assert "我的关注" in _text(client.get("/zh-hans/"))
    # The card on the article page knows the reader follows its author.
    assert "已關注" in _text(client.get(f"/zh-hant/a/{article.id}/"))
    care = _text(client.get("/zh-hant/care/following/"))
    assert 'class="care"' in care and "人工智慧晶片大戰" in care


# --- the page store: same headers on a hit, the Host checked, keys without stray queries ---


def _cached_pages(article) -> list[str]:
    """Every kind of page the page store keeps, in both scripts and in care mode."""
    a, u, c = article.id, article.author_id, article.channel.slug
    pages = [
        "",
        f"c/{c}/",
        f"a/{a}/",
        f"u/{u}/",
        "accessibility/",
        "about/creator-levels/",
        "feed/rss.xml",
        "feed/atom.xml",
        f"c/{c}/rss.xml",
        f"c/{c}/atom.xml",
        f"u/{u}/rss.xml",
        f"u/{u}/atom.xml",
    ]
    return [f"/{v}/{mode}{p}" for v in ("zh-hans", "zh-hant") for mode in ("", "care/") for p in pages]


def _header_set(headers) -> dict[str, str]:
    """A response's headers, names lowercased, without the one that says hit or miss."""
    return {k.lower(): v for k, v in headers.items() if k.lower() != "x-cache"}


def test_a_hit_sends_the_same_headers_as_the_miss_before_it(article, client):
    pages = _cached_pages(article)
    for path in pages:  # through Django (PageCacheMiddleware): the test client
        miss = client.get(path)
        hit = client.get(path)
        assert (miss.status_code, miss["X-Cache"], hit["X-Cache"]) == (200, "MISS", "HIT"), path
        assert _header_set(hit.headers) == _header_set(miss.headers), path
        assert {"content-language", "cross-origin-opener-policy"} <= set(_header_set(hit.headers)), path
    from zimei.core.pagecache import page_store

    page_store().clear()
    for path in pages:  # the WSGI fast path (PageCacheApp), as under `zimei serve`
        status, miss, body = _wsgi_get(path)
        status2, hit, again = _wsgi_get(path)
        assert (status, miss["X-Cache"], status2, hit["X-Cache"]) == ("200 OK", "MISS", "200 OK", "HIT"), path
        assert _header_set(hit) == _header_set(miss) and again == body, path


def test_unknown_hosts_get_400_on_a_hit_as_on_a_miss(article, client):
    path = f"/zh-hans/a/{article.id}/"
    assert client.get(path, HTTP_HOST="evil.example").status_code == 400  # a miss: Django's check
    assert client.get(path)["X-Cache"] == "MISS"
    assert client.get(path)["X-Cache"] == "HIT"
    for host in ("evil.example", "testserver.evil.example", "127.0.0.1.evil.example"):
        assert client.get(path, HTTP_HOST=host).status_code == 400, host
        status, headers, _ = _wsgi_get(path, host=host)
        assert status.startswith("400") and "X-Cache" not in headers, host
    assert _wsgi_get(path)[1]["X-Cache"] == "HIT"


def test_query_strings_a_page_does_not_read_do_not_grow_the_page_store(article, client):
    from zimei.core.pagecache import page_store

    path = f"/zh-hans/a/{article.id}/"
    root = page_store().root
    assert client.get(path)["X-Cache"] == "MISS"
    files = len(list(root.iterdir()))
    for i in range(200):
        response = client.get(f"{path}?q{i}=x&from=singlemessage")
        assert response.status_code == 200 and response["X-Cache"] == "HIT"
    assert _wsgi_get(path, query="utm_source=wechat")[1]["X-Cache"] == "HIT"
    assert len(list(root.iterdir())) == files
    # A page number is read by list pages only: on an article it is the same page.
    assert client.get(f"{path}?page=1")["X-Cache"] == "HIT"
    assert "X-Cache" not in client.get(f"{path}?page=7")  # never stored as another page

    # A list keeps ?page=N for the pages it has: page 1 is the bare path, as in nginx's key.
    channel = f"/zh-hans/c/{article.channel.slug}/"
    assert client.get(f"{channel}?page=1&x=1")["X-Cache"] == "MISS"
    assert client.get(channel)["X-Cache"] == "HIT"
    files = len(list(root.iterdir()))
    for n in (2, 3, 99999, 0):  # out of range: the last page is shown, never stored
        response = client.get(f"{channel}?page={n}")
        assert response.status_code == 200 and "X-Cache" not in response, n
    for odd in ("01", "abc", "-1", "2.0"):
        assert "X-Cache" not in client.get(f"{channel}?page={odd}"), odd
    assert len(list(root.iterdir())) == files


def test_a_second_list_page_is_kept_under_its_number(client):
    article = published_article(creator(channel="tech"))
    now = timezone.now()
    Article.objects.bulk_create(  # rows enough for a second page of the list (20 a page)
        Article(
            author=article.author,
            channel=article.channel,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(minutes=i + 1),
            title=f"第{i}篇",
            title_hans=f"第{i}篇",
            title_hant=f"第{i}篇",
        )
        for i in range(20)
    )
    channel = "/zh-hans/c/tech/"
    first, second = client.get(channel), client.get(f"{channel}?page=2&from=timeline")
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "MISS")
    assert first.content != second.content
    assert client.get(f"{channel}?page=2")["X-Cache"] == "HIT"
    assert client.get(f"{channel}?page=2").content == second.content
    assert "X-Cache" not in client.get(f"{channel}?page=3")  # out of range: the last page


def test_article_urls_and_variant_fields_are_the_routes_and_the_stored_fields(article):
    from django.urls import reverse
    from django.utils import translation

    from zimei.channels.selectors import channel_by_slug

    for variant in ("zh-hans", "zh-hant"):
        with translation.override(variant):
            assert article.get_absolute_url(variant) == reverse("reader:article", args=[article.id])
            assert article.get_absolute_url(variant, care=True) == reverse("care:article", args=[article.id])
    assert article.in_variant("title", "zh-hant") == article.title_hant
    assert article.in_variant("summary", "zh-hans") == article.summary_hans
    # One channel look-up by slug, cached; unknown or empty slugs are None.
    assert channel_by_slug(article.channel.slug) == article.channel
    assert channel_by_slug("no-such-channel") is None and channel_by_slug("") is None
    assert Article.objects.published().for_list().filter(id=article.id).get().title_hans == article.title_hans
