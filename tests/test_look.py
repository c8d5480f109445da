"""Pictures on reader pages (issue 15, "looks like a news site"): cover thumbnails in article
lists and creators' avatars."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from zimei.articles.models import Article
from zimei.articles.services import ArticleInput, article_create, article_publish, image_create

from .factories import creator, png_bytes, published_article, studio_form
from .live import once

pytestmark = pytest.mark.django_db


def _with_cover(author, title: str = "芯片封面文章"):
    cover = image_create(owner=author.user, data=png_bytes(900, 400, "#258"), name="cover.png")
    article = article_create(
        author=author,
        data=ArticleInput(
            title=title, body_html="<p>芯片产业的未来。</p>", channel=author.channel.slug, cover_id=cover.id
        ),
    )
    return article_publish(article=article, actor=author.user), cover


@once("image files and their serving: the database holds only the cover's name")
def test_publishing_with_a_cover_makes_sized_webp_copies_that_are_served_as_images(client):
    _, cover = _with_cover(creator())
    stem = cover.file.name.rsplit(".", 1)[0]
    for width, height in ((240, 160), (480, 320)):
        name = f"{stem}.w{width}.webp"
        assert default_storage.exists(name)
        response = client.get(f"/media/{name}")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/webp"
        picture = PILImage.open(io.BytesIO(b"".join(response.streaming_content)))
        assert (picture.format, picture.size) == ("WEBP", (width, height))  # cropped to 3:2


def test_lists_show_the_cover_with_srcset_dimensions_and_lazy_loading(client):
    author = creator()
    article, cover = _with_cover(author)
    plain = published_article(author, title="没有封面的文章")
    stem = "/media/" + cover.file.name.rsplit(".", 1)[0]
    search = "/zh-hans/search/?q=芯片"
    for path in ("/zh-hans/", f"/zh-hans/c/{author.channel.slug}/", f"/zh-hans/u/{author.id}/", search):
        html = client.get(path).content.decode()
        link = f'<a href="/zh-hans/a/{article.id}/">'
        item = re.search(rf'<li class="item has-thumb">(<img [^>]+>){link}', html)
        assert item, path
        img = item.group(1)
        assert f'src="{stem}.w240.webp"' in img
        assert f'srcset="{stem}.w480.webp 2x"' in img and 'width="240" height="160"' in img
        assert 'alt=""' in img and 'loading="lazy"' in img and 'decoding="async"' in img
        if path != search:  # an article without a cover: no picture, no gap
            assert f'<li class="item"><a href="/zh-hans/a/{plain.id}/">' in html, path


def test_list_bylines_show_the_authors_avatar_small_and_lazy(client):
    """Home, channel, author and search lists: the default avatar (the pen name's first
    character, in the page's script) or the uploaded picture, lazily loaded, before the name;
    the time to the minute."""
    from zimei.accounts.avatars import avatar_file

    plain = creator(pen_name="长河落日")
    published_article(plain, title="芯片产业的未来：默认头像")
    pictured = creator(pen_name="山间小记")
    pictured.avatar.save("a.webp", avatar_file(png_bytes(64, 64, "#b42318")))
    published_article(pictured, title="芯片产业的未来：上传的头像")
    colour = plain.avatar_colour
    for path in (
        "/zh-hant/",
        f"/zh-hant/c/{plain.channel.slug}/",
        f"/zh-hant/u/{plain.id}/",
        "/zh-hant/search/?q=芯片",
    ):
        html = client.get(path).content.decode()
        assert re.search(
            rf'<span class="meta"><span class="avatar xs av{colour}" aria-hidden="true">長</span>長河落日',
            html,
        ), path
        if "/u/" not in path:
            img = f'<img class="avatar xs" src="{pictured.avatar.url}" width="20" height="20" alt=""'
            assert re.search(rf"<span class=\"meta\">{re.escape(img)}[^>]*>山間小記", html), path
        assert re.search(r'<time datetime="\d{4}-\d\d-\d\d \d\d:\d\d\+08:?00">', html), path


def test_covers_command_makes_missing_thumbnails(client):
    from django.core.management import call_command

    _, cover = _with_cover(creator())
    stem = cover.file.name.rsplit(".", 1)[0]
    default_storage.delete(f"{stem}.w240.webp")
    out = io.StringIO()
    call_command("article", "covers", stdout=out, verbosity=0)
    assert "1 thumbnail(s) made" in out.getvalue()
    assert default_storage.exists(f"{stem}.w240.webp")


def _login(client, author):
    client.force_login(author.user)
    return client


def test_every_creator_has_a_default_avatar_of_their_pen_names_first_character(client):
    author = creator(pen_name="晨光读书")
    published_article(author)
    html = client.get(f"/zh-hans/u/{author.id}/").content.decode()
    colour = author.avatar_colour
    assert f'<span class="avatar av{colour}" aria-hidden="true">晨</span>' in html
    assert 0 <= colour < 10 and creator(pen_name="晨光读书2").avatar_colour in range(10)
    # In Traditional pages the character is converted like the pen name beside it.
    assert 'aria-hidden="true">晨</span>' in client.get(f"/zh-hant/u/{author.id}/").content.decode()


def test_avatar_upload_is_cropped_square_and_shown_on_the_author_and_article_pages(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    author = creator()
    article = published_article(author)
    _login(client, author)
    upload = SimpleUploadedFile("我.png", png_bytes(300, 200, "#2a7"), content_type="image/png")
    response = client.post("/zh-hans/studio/avatar/", {"avatar": upload}, follow=True)
    assert "头像已更新" in response.content.decode()
    author.refresh_from_db()
    assert author.avatar.name.startswith("avatars/") and author.avatar.name.endswith(".webp")
    served = client.get(author.avatar.url)
    assert served["Content-Type"] == "image/webp"
    assert PILImage.open(io.BytesIO(b"".join(served.streaming_content))).size == (160, 160)
    client.logout()
    for path in (f"/zh-hans/u/{author.id}/", f"/zh-hans/a/{article.id}/"):
        html = client.get(path).content.decode()
        assert f'src="{author.avatar.url}" width="160" height="160" alt=""' in html, path


def test_avatar_upload_refuses_a_bad_file_with_a_clear_message_and_keeps_the_old_one(
    client, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    author = creator()
    _login(client, author)
    good = SimpleUploadedFile("a.png", png_bytes(64, 64), content_type="image/png")
    client.post("/zh-hans/studio/avatar/", {"avatar": good})
    author.refresh_from_db()
    kept = author.avatar.name
    for upload, message in (
        (SimpleUploadedFile("a.png", b"not an image", content_type="image/png"), "文件不是可识别的图片"),
        (SimpleUploadedFile("b.png", png_bytes(20, 20), content_type="image/png"), "至少要 32×32 像素"),
        (None, "请选择一张图片"),
    ):
        response = client.post("/zh-hans/studio/avatar/", {"avatar": upload} if upload else {})
        html = response.content.decode()
        assert response.status_code == 400 and message in html
        assert 'id="id_avatar"' in html and 'aria-invalid="true"' in html  # the form, still there
        author.refresh_from_db()
        assert author.avatar.name == kept
    # In Traditional for a Traditional reader, like every message.
    bad = SimpleUploadedFile("a.png", b"nope", content_type="image/png")
    assert "檔案不是可識別的圖片" in client.post("/zh-hant/studio/avatar/", {"avatar": bad}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the old file goes once committed
        response = client.post("/zh-hans/studio/avatar/", {"remove": "1"}, follow=True)
    assert "已恢复默认头像" in response.content.decode()
    author.refresh_from_db()
    assert not author.avatar and not default_storage.exists(kept)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@once("what Chromium shows of the lists: their HTML is tested on both passes above")
def test_home_page_thumbnails_in_chromium_on_desktop_and_phone(live_server, chromium):
    """One look at the home page at both widths: thumbnails load at their CSS size beside the
    headline, the page does not scroll sideways, and the screenshots are kept to look at."""
    from .browser import screenshot

    author = creator(pen_name="林间笔记")
    for n in range(3):
        _with_cover(author, title=f"人工智能芯片大战之{'一二三'[n]}：谁的软件生态更强？")
    published_article(creator(pen_name="山水之间"), title="一篇没有封面的文章也排得整齐")
    sizes = (("look-home-desktop", (1280, 900), 160), ("look-home-phone", (390, 844), 112))
    for name, viewport, width in sizes:
        context = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server.url}/zh-hans/")
        page.wait_for_load_state("networkidle")
        thumbs = page.locator("li.has-thumb > img.thumb")
        assert thumbs.count() == 3
        for i in range(3):
            thumb = thumbs.nth(i)
            assert thumb.evaluate("img => img.complete && img.naturalWidth > 0")  # loaded
            assert re.search(r"\.w(240|480)\.webp$", thumb.evaluate("img => img.currentSrc"))
            box = thumb.bounding_box()
            assert round(box["width"]) == width and round(box["height"]) == round(width * 2 / 3)
        for avatar in page.locator("li.item .meta .avatar.xs").all():  # 20 px before the pen name
            box = avatar.bounding_box()
            assert round(box["width"]) == round(box["height"]) == 20
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, name)
        context.close()


def test_preview_shows_the_article_as_published_with_the_summary_apart(client):
    author = creator()
    draft = article_create(
        author=author,
        data=ArticleInput(
            title="预览和正文一致",
            body_html="<p>正文第一段。</p>",
            channel=author.channel.slug,
            summary="这是摘要",
        ),
    )
    client.force_login(author.user)
    preview = client.get(f"/zh-hans/studio/{draft.id}/preview/").content.decode()
    article_part = preview[preview.index('<article class="post">') : preview.index("</article>")]
    assert "这是摘要" not in article_part  # the published page has no lead paragraph either
    assert re.search(r'<aside class="preview-summary"[^>]*><h2[^>]*>摘要</h2><p>这是摘要</p>', preview)
    published = article_publish(article=draft, actor=author.user)
    page = client.get(f"/zh-hans/a/{published.id}/").content.decode()
    assert "这是摘要" not in page[page.index('<article class="post"') : page.index("</article>")]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@once("a phone layout in Chromium: CSS, whatever the database")
def test_studio_article_list_is_a_stack_of_cards_on_a_phone(live_server, chromium):
    """Under 640 px the title takes the card's width and every action is on screen."""
    from .browser import screenshot, session_cookies

    author = creator()
    published_article(author, title="手机上也能看清完整标题的一篇文章：创作中心的卡片布局")
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.add_cookies(session_cookies(author.user, live_server.url))
    page = context.new_page()
    page.goto(f"{live_server.url}/zh-hans/studio/")
    title = page.locator("table.my-articles .title-cell a").first
    assert title.bounding_box()["width"] > 250  # not four characters a line
    for link in page.locator("table.my-articles .actions-cell a").all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 24
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "look-studio-phone")
    context.close()


def test_a_takedown_is_an_unread_badge_in_the_studio_until_the_creator_reads_it(client):
    from zimei.articles.services import article_take_down

    from .factories import editor

    author = creator()
    article = published_article(author)
    client.force_login(author.user)
    badge = re.compile(r"notices/\" class=\"unread\">通知 <span class=\"count\">(\d+)</span>")
    assert not badge.search(client.get("/zh-hans/studio/").content.decode())
    article_take_down(article=article, actor=editor(), reason="标题与内容不符")
    assert badge.search(client.get("/zh-hans/studio/").content.decode()).group(1) == "1"
    assert "标题与内容不符" in client.get("/zh-hans/studio/notices/").content.decode()
    assert not badge.search(client.get("/zh-hans/studio/").content.decode())  # read now


# --- 题图: the cover as the article's lead image ---------------------------------------------------


def _studio_form(**overrides) -> dict:
    return studio_form(
        **{
            "title": "老街的早晨",
            "cover_alt": "",
            "body_html": "<p>第一段：清晨六点，卖豆浆的阿姨已经支起了摊子。</p><p>第二段。</p>",
            "action": "publish",
            **overrides,
        }
    )


def test_lead_image_is_chosen_in_the_studio_and_needs_a_cover_and_its_description(client):
    author = creator(channel="local")
    client.force_login(author.user)
    # Chosen with no cover, and with no description: both said in the page's script, nothing made.
    page = client.post("/zh-hant/studio/new/", _studio_form(lead_image="1")).content.decode()
    assert "要在文章開頭顯示題圖，請先選擇或上傳一張封面圖片" in page
    assert "請描述封面圖片的內容（替代文字）" in page
    assert 'id="id_cover_alt" name="cover_alt"' in page and 'aria-invalid="true"' in page
    # A cover uploaded with the same submission counts as the cover.
    upload = io.BytesIO(png_bytes(900, 600, "#258"))
    upload.name = "街景.png"
    page = client.post(
        "/zh-hans/studio/new/", _studio_form(lead_image="1", cover_file=upload), follow=True
    ).content.decode()
    assert "请描述封面图片的内容" in page and "要在文章开头显示题图" not in page
    assert not Article.objects.filter(status=Article.Status.PUBLISHED).exists()
    # A draft may keep the choice without a description (drafts may be incomplete).
    response = client.post("/zh-hans/studio/new/", _studio_form(lead_image="1", action="save"))
    assert response.status_code == 302
    draft = Article.objects.get(status=Article.Status.DRAFT)
    assert draft.lead_image and not draft.lead_alt_hans


def test_lead_image_shows_on_the_article_page_in_both_scripts_and_care_mode_and_stays_cached(
    client, django_capture_on_commit_callbacks
):
    author = creator(channel="local")
    cover = image_create(owner=author.user, data=png_bytes(900, 600, "#258"), name="cover.png")
    client.force_login(author.user)
    form = _studio_form(lead_image="1", cover_id=str(cover.id), cover_alt="傍晚的老街，路边摆着几个水果摊")
    assert client.post("/zh-hans/studio/new/", form).status_code == 302
    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED
    client.logout()
    stem = cover.file.url.rsplit(".", 1)[0]
    srcset = f"{stem}.w240.webp 240w, {stem}.w480.webp 480w, {cover.file.url} 900w"
    for path, alt in (
        (f"/zh-hans/a/{article.id}/", "傍晚的老街，路边摆着几个水果摊"),
        (f"/zh-hant/a/{article.id}/", "傍晚的老街，路邊擺著幾個水果攤"),
        (f"/zh-hk/care/a/{article.id}/", "傍晚的老街，路邊擺着幾個水果攤"),
    ):
        first = client.get(path)
        html = first.content.decode()
        lead = re.search(r'<figure class="lead"><img ([^>]+)></figure>\s*<div class="post-body">', html)
        assert lead, path
        assert f'srcset="{srcset}"' in lead[1] and f'alt="{alt}"' in lead[1], lead[1]
        assert f'src="{stem}.w480.webp"' in lead[1] and 'width="480" height="320"' in lead[1]
        assert 'loading="lazy"' not in lead[1]  # the first screen's picture
        assert first["X-Cache"] == "MISS" and client.get(path)["X-Cache"] == "HIT"  # still cached
    # Unticked and published again: the page shows the cover no more; the lists keep its thumbnail.
    client.force_login(author.user)
    form.update(lead_image="")
    with django_capture_on_commit_callbacks(execute=True):  # the publish purges the cached pages
        assert client.post(f"/zh-hans/studio/{article.id}/edit/", form).status_code == 302
    client.logout()
    html = client.get(f"/zh-hans/a/{article.id}/").content.decode()
    assert 'class="lead"' not in html and cover.file.url in html  # og:image
    assert f"{stem}.w240.webp" in client.get("/zh-hans/c/local/").content.decode()


def test_a_lead_image_choice_waits_for_the_next_publish(client):
    """The choice is part of the working copy: ticked on a published article and only saved, the
    public page is unchanged until 更新发布."""
    author = creator(channel="local")
    article, cover = _with_cover(author)
    client.force_login(author.user)
    form = _studio_form(
        title=article.title, body_html=article.body_html, channel=author.channel.slug, cover_id=str(cover.id)
    )
    form.update(lead_image="1", cover_alt="深蓝色的底图", action="save")
    assert client.post(f"/zh-hans/studio/{article.id}/edit/", form).status_code == 302
    assert 'class="lead"' not in client.get(f"/zh-hans/a/{article.id}/").content.decode()
    preview = client.get(f"/zh-hans/studio/{article.id}/preview/").content.decode()
    assert (
        f'<figure class="lead"><img src="{cover.file.url}" width="900" height="400" alt="深蓝色的底图">'
        in preview
    )
    form.update(action="publish")
    assert client.post(f"/zh-hans/studio/{article.id}/edit/", form).status_code == 302
    assert 'alt="深蓝色的底图"' in client.get(f"/zh-hans/a/{article.id}/").content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@once("what Chromium shows of the lead image: its HTML is tested on both passes above")
def test_lead_image_in_chromium_fills_the_column_at_3_2_on_desktop_and_phone(live_server, chromium):
    from .browser import screenshot

    author = creator(channel="local", pen_name="林间笔记")
    cover = image_create(owner=author.user, data=png_bytes(1200, 500, "#258"), name="cover.png")
    article = article_create(
        author=author,
        data=ArticleInput(
            title="老街的早晨：一条街正在改变",
            body_html="<p>清晨六点，卖豆浆的阿姨已经支起了摊子。</p>" * 3,
            channel="local",
            cover_id=cover.id,
            lead_image=True,
            cover_alt="傍晚的老街，路边摆着几个水果摊",
        ),
    )
    article_publish(article=article, actor=author.user)
    for name, viewport in (("look-lead-desktop", (1280, 900)), ("look-lead-phone", (390, 844))):
        context = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server.url}/zh-hans/a/{article.id}/")
        page.wait_for_load_state("networkidle")
        img = page.locator("figure.lead img")
        assert img.evaluate("img => img.complete && img.naturalWidth > 0")
        assert img.get_attribute("alt") == "傍晚的老街，路边摆着几个水果摊"
        box, column = img.bounding_box(), page.locator(".post-body").bounding_box()
        assert round(box["width"]) == round(column["width"]) and abs(box["height"] - box["width"] * 2 / 3) < 1
        assert box["y"] < column["y"] and box["y"] < viewport[1]  # above the text, in the first screen
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, name)
        context.close()


# --- form controls ---------------------------------------------------------------------------------

_CONTROL = """el => {
  const s = getComputedStyle(el), b = getComputedStyle(el, '::file-selector-button');
  return {appearance: s.appearance, border: s.borderTopColor, radius: s.borderTopLeftRadius,
          arrow: s.backgroundImage, height: el.getBoundingClientRect().height, outline: s.outlineStyle,
          outlineColor: s.outlineColor, button: b.borderTopColor, buttonHeight: b.minHeight,
          fontSize: parseFloat(s.fontSize)};
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@once("what Chromium draws of selects and file inputs: CSS, whatever the database")
def test_selects_and_file_inputs_are_drawn_like_the_site_with_a_visible_focus(live_server, chromium):
    """Search filters (normal and care mode, desktop and phone) and the studio's channel select
    and cover file input: the site's border and radius instead of the browser's grey control,
    an arrow that is the text's colour, the orange focus ring, and care mode's 60 px targets."""
    from .browser import reader_context, screenshot

    author = creator(channel="local")
    published_article(author, title="芯片产业的未来")
    for mode, width in (("", 1280), ("care/", 1280), ("", 390), ("care/", 390)):
        context = chromium.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server.url}/zh-hans/{mode}search/?q=芯片")
        selects = page.locator("main select")
        assert selects.count() == 3
        for i in range(3):
            select = selects.nth(i)
            look = select.evaluate(_CONTROL)
            assert look["appearance"] == "none" and "linear-gradient" in look["arrow"], look
            assert look["border"] == "rgb(175, 184, 193)" and look["radius"] == "4px", look
            assert look["height"] >= (60 if mode else 34), look
            select.focus()
            look = select.evaluate(_CONTROL)
            assert look["outline"] == "solid" and look["outlineColor"] == "rgb(232, 89, 12)", look
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if width == 390:
            screenshot(page, f"look-controls-search-{'care' if mode else 'normal'}-phone")
        context.close()

    context = reader_context(chromium, live_server.url, author.user)
    page = context.new_page()
    page.goto(f"{live_server.url}/zh-hans/studio/new/")
    look = page.locator("#id_channel").evaluate(_CONTROL)
    assert look["appearance"] == "none" and look["border"] == "rgb(175, 184, 193)", look
    cover = page.locator("#id_cover_file")
    look = cover.evaluate(_CONTROL)
    assert look["button"] == "rgb(175, 184, 193)", look  # the file button, not the browser's grey
    cover.focus()
    assert cover.evaluate(_CONTROL)["outline"] == "solid"
    page.locator("#id_cover_alt").scroll_into_view_if_needed()
    screenshot(page, "look-controls-studio")
    context.close()
