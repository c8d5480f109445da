"""The creator studio through HTTP: the whole path from registering to a public article and
back, every kind of bad input through the forms, and who may touch which article."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from zimei.accounts.models import CreatorApplication
from zimei.articles.models import Article, Image, Revision
from zimei.conversion.variants import convert

from .browser import screenshot
from .factories import (
    UserFactory,
    creator,
    editor,
    png_bytes,
    png_declaring,
    published_article,
    studio_form,
)

pytestmark = pytest.mark.django_db

SAMPLE = "这是我的一篇代表作，讲述了一个关于城市与乡村之间来回奔波的普通人的故事。" * 2
BODY = "<p>第一段：城市的清晨总是很安静。</p><p>第二段：乡村的傍晚有炊烟。</p>"


def _text(response) -> str:
    return response.content.decode()


def _form(**overrides) -> dict:
    return studio_form(**{"title": "城市与乡村", "body_html": BODY, **overrides})


@pytest.fixture
def author():
    return creator(channel="local", pen_name="山间小记")


@pytest.fixture
def studio(author) -> Client:
    c = Client()
    c.force_login(author.user)
    return c


def _new_draft(studio: Client, **overrides) -> Article:
    response = studio.post("/zh-hans/studio/new/", _form(**overrides))
    assert response.status_code == 302, _text(response)[:2000]
    return Article.objects.latest("id")


# --- the whole path ---------------------------------------------------------------------------


def test_register_apply_approve_write_publish_edit_withdraw(django_capture_on_commit_callbacks):
    user_client, editor_client, public = Client(), Client(), Client()
    editor_client.force_login(editor())

    # A reader registers and applies.
    response = user_client.post(
        "/zh-hans/accounts/register/",
        {"username": "xiaoshan", "password": "a-long-passphrase", "password_confirm": "a-long-passphrase"},
    )
    assert response.status_code == 302
    assert user_client.get("/zh-hans/studio/").status_code == 403  # not a creator yet
    user_client.post(
        "/zh-hans/accounts/apply/",
        {
            "pen_name": "山间小记",
            "tagline": "写山，也写山里的人",
            "channel": "local",
            "intro": "在县城生活了二十年，喜欢记录身边的变化。",
            "sample_work": SAMPLE,
        },
    )
    application = CreatorApplication.objects.get(user__username="xiaoshan")

    # An editor approves it.
    editor_client.post(f"/zh-hans/desk/applications/{application.id}/review/", {"decision": "approve"})
    assert "已通过" in _text(user_client.get("/zh-hans/accounts/apply/"))
    dashboard = user_client.get("/zh-hans/studio/")
    assert dashboard.status_code == 200 and "山间小记" in _text(dashboard)
    # A new creator's articles are held for review until an editor trusts them (docs/spam.md).
    profile = application.user.creator_profile
    editor_client.post(f"/zh-hans/desk/creators/{profile.id}/trusted/", {"trusted": "1"})

    # The creator uploads an image for the body, as the editor's 插入图片 does.
    editor_page = _text(user_client.get("/zh-hans/studio/new/"))
    for label in ("段落", "小标题", "引用", "列表", "链接", "插入图片", "保存草稿", "预览", "发布"):
        assert label in editor_page
    assert 'name="body_html"' in editor_page and "csrfmiddlewaretoken" in editor_page
    assert "声明：个人原创，仅供参考" in editor_page
    upload = user_client.post(
        "/zh-hans/studio/images/",
        {"image": SimpleUploadedFile("photo.png", png_bytes(800, 600), "image/png")},
    )
    assert upload.status_code == 200
    image = upload.json()
    assert image["width"] == 800 and image["height"] == 600 and image["url"].startswith("/media/")
    assert Client().get(image["url"]).status_code == 200
    figure = f'<figure><img src="{image["url"]}" alt=""><figcaption>山里的清晨</figcaption></figure>'
    body = "<p>第一段：山里的清晨总是很安静。</p>" + figure + "<p>第二段：傍晚有炊烟升起。</p>"

    # Save a draft.
    response = user_client.post(
        "/zh-hans/studio/new/", _form(title="山里的一天", body_html=body, summary="山里人的一天")
    )
    article = Article.objects.get(author__user__username="xiaoshan")
    assert response.status_code == 302 and response["Location"] == f"/zh-hans/studio/{article.id}/edit/"
    assert article.status == Article.Status.DRAFT and image["url"] in article.body_html
    assert public.get(f"/zh-hans/a/{article.id}/").status_code == 404  # a draft is not public

    # Autosave (what studio.js posts every few seconds).
    autosaved = user_client.post(
        f"/zh-hans/studio/{article.id}/autosave/", _form(title="山里的一天（自动保存）", body_html=body)
    )
    assert autosaved.status_code == 200
    assert autosaved.json()["id"] == article.id and "已自动保存" in autosaved.json()["message"]
    article.refresh_from_db()
    assert article.title == "山里的一天（自动保存）"
    assert article.revisions.filter(kind=Revision.Kind.AUTOSAVE).count() == 1

    # Preview shows the working copy like the article page.
    preview = user_client.get(f"/zh-hans/studio/{article.id}/preview/")
    assert preview.status_code == 200
    page = _text(preview)
    assert "山里的一天（自动保存）" in page and image["url"] in page and "声明：个人原创，仅供参考" in page

    # Publish: the public page exists, with the image in the body.
    with django_capture_on_commit_callbacks(execute=True):
        published = user_client.post(f"/zh-hans/studio/{article.id}/publish/")
    assert published.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    page = public.get(f"/zh-hans/a/{article.id}/")
    assert page.status_code == 200
    assert "山里的一天（自动保存）" in _text(page) and image["url"] in _text(page)
    assert "山裡的一天" in _text(public.get(f"/zh-hant/a/{article.id}/"))  # converted for the reader

    # Editing after publishing saves a working copy; readers still see the published version.
    edit_page = _text(user_client.get(f"/zh-hans/studio/{article.id}/edit/"))
    assert "更新发布" in edit_page and "撤回" in edit_page
    with django_capture_on_commit_callbacks(execute=True):
        user_client.post(
            f"/zh-hans/studio/{article.id}/edit/", _form(title="山里的一天（修订版）", body_html=body)
        )
    assert "山里的一天（修订版）" not in _text(public.get(f"/zh-hans/a/{article.id}/"))
    assert "有尚未发布的修改" in _text(user_client.get("/zh-hans/studio/"))
    # 更新发布 puts the new version live (the cached page is purged); the revisions are kept.
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(
            f"/zh-hans/studio/{article.id}/edit/",
            _form(title="山里的一天（修订版）", body_html=body, action="publish"),
        )
    assert response.status_code == 302
    assert "山里的一天（修订版）" in _text(public.get(f"/zh-hans/a/{article.id}/"))
    kinds = list(article.revisions.values_list("kind", flat=True))
    assert kinds.count("publish") == 2 and len(kinds) >= 5
    revisions = _text(user_client.get(f"/zh-hans/studio/{article.id}/revisions/"))
    assert "山里的一天（自动保存）" in revisions and "山里的一天（修订版）" in revisions

    # Withdraw: 撤回 asks first (nothing changes until the confirmation is posted), then the
    # public page says it is gone.
    dashboard = _text(user_client.get("/zh-hans/studio/"))
    assert f'<a href="/zh-hans/studio/{article.id}/withdraw/">撤回</a>' in dashboard
    ask = _text(user_client.get(f"/zh-hans/studio/{article.id}/withdraw/"))
    assert "撤回这篇文章？" in ask and "确认撤回" in ask and "山里的一天（修订版）" in ask
    assert public.get(f"/zh-hans/a/{article.id}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        user_client.post(f"/zh-hans/studio/{article.id}/withdraw/")
    article.refresh_from_db()
    assert article.status == Article.Status.WITHDRAWN
    assert public.get(f"/zh-hans/a/{article.id}/").status_code == 410

    # An editor takes down another of the creator's articles; the author sees why.
    other = published_article(article.author, title="另一篇文章：山路")
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(f"/zh-hans/desk/articles/{other.id}/takedown/", {"reason": "图片侵犯他人版权"})
    assert public.get(f"/zh-hans/a/{other.id}/").status_code == 410
    dashboard = _text(user_client.get("/zh-hans/studio/"))
    assert "已下架" in dashboard and "图片侵犯他人版权" in dashboard
    assert "图片侵犯他人版权" in _text(user_client.get(f"/zh-hans/studio/{other.id}/edit/"))
    # And cannot put it back up by publishing again.
    refused = user_client.post(f"/zh-hans/studio/{other.id}/edit/", _form(action="publish"))
    assert "这篇文章已被编辑下架，不能重新发布" in _text(refused)
    other.refresh_from_db()
    assert other.status == Article.Status.TAKEN_DOWN


def test_autosave_creates_a_new_draft_and_says_where_it_lives(studio, author):
    response = studio.post("/zh-hans/studio/new/autosave/", _form(title="刚开始写"))
    assert response.status_code == 200
    data = response.json()
    article = Article.objects.get(id=data["id"])
    assert article.author == author and article.title == "刚开始写"
    assert data["edit_url"] == f"/zh-hans/studio/{article.id}/edit/"
    assert data["autosave_url"] == f"/zh-hans/studio/{article.id}/autosave/"
    # Later autosaves go to the article itself; a draft may be incomplete.
    again = studio.post(data["autosave_url"], _form(title="", body_html="<p>还没想好标题</p>"))
    assert again.status_code == 200
    article.refresh_from_db()
    assert article.title == "" and article.status == Article.Status.DRAFT


def test_autosave_reports_errors_as_json_in_the_readers_script(studio, author):
    article = _new_draft(studio)
    response = studio.post(f"/zh-hant/studio/{article.id}/autosave/", _form(title="長" * 65))
    assert response.status_code == 400
    assert "標題最多 64 個字" in response.json()["errors"]["title"][0]
    article.refresh_from_db()
    assert article.title == "城市与乡村"


def test_preview_and_save_buttons(studio):
    response = studio.post("/zh-hans/studio/new/", _form(action="preview"))
    article = Article.objects.latest("id")
    assert response["Location"] == f"/zh-hans/studio/{article.id}/preview/"
    assert article.status == Article.Status.DRAFT
    page = _text(studio.get(response["Location"]))
    assert "第一段：城市的清晨总是很安静。" in page and "预览" in page


def test_repost_needs_a_source_and_shows_it(studio):
    response = studio.post("/zh-hans/studio/new/", _form(original="0", source="", action="publish"))
    assert "非原创文章请注明来源" in _text(response)
    assert not Article.objects.exists()
    studio.post("/zh-hans/studio/new/", _form(original="0", source="某某日报", action="publish"))
    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED and not article.original
    assert "声明：本文转载自某某日报，仅供参考" in _text(Client().get(f"/zh-hans/a/{article.id}/"))


def test_cover_upload_and_choice(studio, author):
    response = studio.post(
        "/zh-hans/studio/new/",
        {**_form(), "cover_file": SimpleUploadedFile("cover.png", png_bytes(320, 200), "image/png")},
    )
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.cover is not None and article.cover.owner == author.user
    # The uploaded image is offered as a cover afterwards; choosing none clears it.
    page = _text(studio.get(f"/zh-hans/studio/{article.id}/edit/"))
    assert f'name="cover_id" value="{article.cover_id}" checked' in page
    studio.post(f"/zh-hans/studio/{article.id}/edit/", _form(cover_id=""))
    article.refresh_from_db()
    assert article.cover is None
    # Someone else's image cannot be a cover.
    foreign = Image.objects.create(owner=UserFactory(), file="img/x.jpg", width=1, height=1)
    refused = studio.post(f"/zh-hans/studio/{article.id}/edit/", _form(cover_id=str(foreign.id)))
    assert "找不到这张封面图片" in _text(refused)


# --- bad input through the forms ---------------------------------------------------------------


def test_publishing_without_a_title_keeps_everything_typed(studio):
    response = studio.post("/zh-hans/studio/new/", _form(title="  ", summary="我的摘要", action="publish"))
    page = _text(response)
    assert response.status_code == 200
    assert "请填写标题" in page and 'id="title-error"' in page
    assert "我的摘要" in page and "第一段：城市的清晨总是很安静。" in page
    assert not Article.objects.exists()


def test_publishing_without_a_title_in_traditional(studio):
    response = studio.post("/zh-hant/studio/new/", _form(title="", action="publish"))
    page = _text(response)
    assert "請填寫標題" in page and "请填写标题" not in page
    assert "第一段：城市的清晨總是很安靜。" not in page  # what was typed is kept as typed…
    assert "第一段：城市的清晨总是很安静。" in page  # …not converted


def test_a_title_over_64_characters(studio):
    long_title = "很长的标题" * 13  # 65 characters
    response = studio.post("/zh-hans/studio/new/", _form(title=long_title))
    page = _text(response)
    assert "标题最多 64 个字，现在有 65 个字" in page
    assert f'value="{long_title}"' in page
    assert not Article.objects.exists()


def test_a_body_over_100000_characters(studio, author):
    article = _new_draft(studio)
    huge = "<p>" + "字" * settings.ZIMEI_MAX_BODY_CHARS + "</p>"
    response = studio.post(f"/zh-hans/studio/{article.id}/edit/", _form(title="新标题", body_html=huge))
    page = _text(response)
    assert response.status_code == 200
    assert "正文最多 100,000 个字符" in page
    assert 'value="新标题"' in page and escape(huge) in page  # kept in the textarea
    article.refresh_from_db()
    assert article.title == "城市与乡村"


def test_an_unknown_channel(studio):
    response = studio.post("/zh-hans/studio/new/", _form(channel="no-such-channel"))
    assert "没有这个频道，请从列表中选择" in _text(response)
    assert 'value="城市与乡村"' in _text(response)
    assert not Article.objects.exists()


def test_script_and_event_handlers_are_removed_and_the_text_stays(studio):
    body = (
        '<p>开头<script>alert("x")</script>的文字</p>'
        '<p><img src="/media/none.jpg" onerror="alert(1)">图片后的文字</p>'
        '<p><a href="javascript:alert(2)" onclick="alert(3)">一个链接</a></p>'
    )
    response = studio.post("/zh-hans/studio/new/", _form(body_html=body, action="publish"))
    assert response.status_code == 302
    article = Article.objects.get()
    stored = article.body_html.lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "alert("):
        assert bad not in stored and bad not in article.body_hans.lower()
    assert "开头的文字" in article.body_html and "图片后的文字" in article.body_html
    page = _text(Client().get(f"/zh-hans/a/{article.id}/"))
    assert "开头的文字" in page and "图片后的文字" in page and "一个链接" in page
    assert "onerror" not in page and "<script>alert" not in page
    # The author is told what was removed.
    assert "正文中的脚本和事件属性不安全，已被移除" in _text(studio.get("/zh-hans/studio/"))


def _upload(studio: Client, data: bytes, name: str = "photo.png", variant: str = "zh-hans"):
    return studio.post(f"/{variant}/studio/images/", {"image": SimpleUploadedFile(name, data, "image/png")})


def test_image_upload_refuses_what_is_not_an_image(studio):
    response = _upload(studio, b"<html><script>alert(1)</script></html>", "evil.png")
    assert response.status_code == 415 and response.json()["error"] == "文件不是可识别的图片"
    hant = _upload(studio, b"just some text", "notes.png", variant="zh-hant")
    assert hant.status_code == 415 and hant.json()["error"] == "檔案不是可識別的圖片"
    assert not Image.objects.exists()


def test_image_upload_over_20_mb_gets_our_message_not_an_error_page(studio):
    big = png_bytes(16, 16) + b"\x00" * (21 * 1024 * 1024)
    response = _upload(studio, big)
    assert response.status_code == 413
    assert response.json()["error"] == "图片不能超过 20 MB"
    assert not Image.objects.exists()


def test_image_over_50_megapixels_and_a_decompression_bomb(studio):
    over = _upload(studio, png_declaring(7100, 7100))  # 50.4 megapixels, a few kilobytes
    assert over.status_code == 400 and "像素" in over.json()["error"]
    bomb_bytes = png_declaring(10000, 10000)
    assert len(bomb_bytes) < 100_000  # tiny file, 100 megapixels once decoded
    bomb = _upload(studio, bomb_bytes, "bomb.png", variant="zh-hant")
    assert bomb.status_code == 400 and "圖片畫素過多" in bomb.json()["error"]
    assert not Image.objects.exists()


def test_images_over_24_megapixels_are_refused_from_the_header_before_decoding(studio):
    import time

    # The issue's 49-megapixel PNG (a few KB: blank rows compress to nothing) cost 3–5 s and
    # ~1 GB in a worker when it was decoded; now its header is enough to refuse it.
    started = time.monotonic()
    issue = _upload(studio, png_declaring(7000, 7000))
    assert issue.status_code == 400 and "图片像素过多" in issue.json()["error"]
    over = _upload(studio, png_declaring(6000, 5000), variant="zh-hant")  # 30 MP: over, not a bomb
    assert over.status_code == 400
    assert (
        over.json()["error"] == "圖片不能超過 2400 萬畫素（這張是 6000×5000，約 3000 萬畫素）；請縮小後再上傳"
    )
    assert time.monotonic() - started < 2  # nothing was decoded
    assert not Image.objects.exists()


def test_image_uploads_are_rate_limited_per_creator(studio, settings):
    settings.ZIMEI_RATE_LIMITS = {**settings.ZIMEI_RATE_LIMITS, "image-upload": (2, 3600)}
    assert _upload(studio, b"not an image").status_code == 415  # refused files do not count
    assert _upload(studio, png_bytes(40, 30)).status_code == 200
    assert _upload(studio, png_bytes(41, 30)).status_code == 200
    refused = _upload(studio, png_bytes(42, 30), variant="zh-hant")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    assert refused.json()["error"].startswith("你上傳圖片太頻繁了。請 ")
    assert Image.objects.count() == 2
    other = Client()
    other.force_login(creator(channel="local").user)
    assert _upload(other, png_bytes(43, 30)).status_code == 200  # per creator
    # A cover uploaded with the article form counts too: the 429 page, what was typed kept.
    page = studio.post("/zh-hans/studio/new/", _with_cover(png_bytes(44, 30), title="带封面的文章"))
    assert page.status_code == 429 and "你上传图片太频繁了。" in _text(page) and "带封面的文章" in _text(page)
    assert not Article.objects.exists() and Image.objects.count() == 3


def test_an_image_named_in_chinese_stays_in_the_published_article(
    studio, author, django_capture_on_commit_callbacks
):
    upload = _upload(studio, png_bytes(640, 360), name="截图.png")
    assert upload.status_code == 200
    url = upload.json()["url"]
    # (a second file of the same content in the same month gets Django's _abcdefg after the hash)
    assert url.isascii() and re.fullmatch(r"/media/img/\d{4}/\d{2}/[0-9a-f]{16}(_\w{7})?\.jpg", url), url
    assert "截图" not in Image.objects.get().file.name
    figure = f'<figure><img src="{url}" alt="截图"><figcaption>截图说明</figcaption></figure>'
    with django_capture_on_commit_callbacks(execute=True):
        response = studio.post(
            "/zh-hans/studio/new/", _form(title="带截图的文章", body_html=BODY + figure, action="publish")
        )
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED and f'src="{url}"' in article.body_html
    page = _text(Client().get(f"/zh-hans/a/{article.id}/"))
    assert re.search(rf'<img [^>]*src="{re.escape(url)}"', page) and 'alt="截图"' in page
    assert Client().get(url).status_code == 200


def test_an_image_stored_under_a_chinese_name_before_gets_an_ascii_name(author):
    """Uploads made before kept their own name (img/…/截图.jpg): the migration gives them an
    ASCII one, so they can go into an article; the old URL still answers (cached pages)."""
    import importlib
    import io

    from django.apps import apps
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from PIL import Image as PILImage

    from zimei.articles.sanitize import sanitize_body

    def stored(name: str) -> Image:  # as image_create stored them then
        name = default_storage.save(f"img/2026/11/{name}", ContentFile(jpeg))
        return Image.objects.create(owner=author.user, file=name, width=64, height=48)

    buf = io.BytesIO()
    PILImage.new("RGB", (64, 48), "#2a6f97").save(buf, "JPEG")
    jpeg = buf.getvalue()
    old, ascii_old = stored("截图.jpg"), stored("photo.jpg")
    old_url, ascii_url = old.url, ascii_old.url
    assert "%E6%88%AA" in old_url and sanitize_body(f'<img src="{old_url}">') == "<img>"

    migration = importlib.import_module("zimei.articles.migrations.0006_ascii_image_names")
    migration.ascii_names(apps, None)
    old.refresh_from_db()
    ascii_old.refresh_from_db()
    assert re.fullmatch(r"/media/img/\d{4}/\d{2}/[0-9a-f]{16}(_\w{7})?\.jpg", old.url), old.url
    assert sanitize_body(f'<img src="{old.url}">') == f'<img src="{old.url}">'
    assert ascii_old.url == ascii_url  # ASCII names are left as they are
    for url in (old.url, old_url, ascii_url):
        assert Client().get(url).status_code == 200, url


def _with_cover(data: bytes, name: str = "cover.png", **overrides) -> dict:
    return {**_form(**overrides), "cover_file": SimpleUploadedFile(name, data, "image/png")}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a but not really a gif", "文件不是可识别的图片"),
        (png_bytes(16, 16) + b"\x00" * (21 * 1024 * 1024), "图片不能超过 20 MB"),
        (png_declaring(10000, 10000), "图片像素过多（疑似解压炸弹），已拒绝"),
        (png_declaring(7100, 7100), "像素"),
    ],
    ids=["not-an-image", "over-20-mb", "decompression-bomb", "over-50-megapixels"],
)
def test_bad_cover_images_through_the_article_form(studio, data, message):
    response = studio.post("/zh-hans/studio/new/", _with_cover(data, title="带封面的文章"))
    page = _text(response)
    assert response.status_code == 200
    errors = page.split('id="cover-error"')[1].split("</ul>")[0]
    assert message in errors
    assert 'value="带封面的文章"' in page and "第一段：城市的清晨总是很安静。" in page
    assert not Article.objects.exists() and not Image.objects.exists()


def test_a_bad_cover_and_a_bad_title_are_reported_together(studio):
    response = studio.post("/zh-hant/studio/new/", _with_cover(b"nope", title="", action="publish"))
    page = _text(response)
    assert "請填寫標題" in page and "檔案不是可識別的圖片" in page


# --- who may do what -------------------------------------------------------------------------


STUDIO_PAGES = ["/zh-hans/studio/", "/zh-hans/studio/new/"]


@pytest.mark.parametrize("path", STUDIO_PAGES)
def test_anonymous_goes_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/zh-hans/accounts/login/?next=")


def test_anonymous_article_urls_go_to_login_or_refuse(client):
    article = published_article()
    for path in (f"/zh-hans/studio/{article.id}/edit/", f"/zh-hans/studio/{article.id}/preview/"):
        assert client.get(path)["Location"].startswith("/zh-hans/accounts/login/")
    assert client.post(f"/zh-hans/studio/{article.id}/autosave/", _form()).status_code == 401
    assert client.post("/zh-hans/studio/images/", {}).status_code == 401
    assert client.post(f"/zh-hans/studio/{article.id}/publish/").status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED


def test_a_reader_gets_403_in_the_studio(client):
    client.force_login(UserFactory())
    for path in STUDIO_PAGES:
        response = client.get(path)
        assert response.status_code == 403 and "申请入驻" in _text(response)
    hant = client.get("/zh-hant/studio/")
    assert hant.status_code == 403 and "創作中心只對創作者開放" in _text(hant)
    assert client.post("/zh-hans/studio/new/autosave/", _form()).status_code == 403
    assert not Article.objects.exists()


def test_a_creator_cannot_touch_another_creators_article(studio, author):
    theirs = published_article(creator(), title="别人的文章")
    for path in ("edit", "preview", "revisions"):
        assert studio.get(f"/zh-hans/studio/{theirs.id}/{path}/").status_code == 404, path
    assert studio.post(f"/zh-hans/studio/{theirs.id}/edit/", _form(title="改掉它")).status_code == 404
    assert studio.post(f"/zh-hans/studio/{theirs.id}/autosave/", _form(title="改掉它")).status_code == 404
    assert studio.post(f"/zh-hans/studio/{theirs.id}/publish/").status_code == 404
    assert studio.post(f"/zh-hans/studio/{theirs.id}/withdraw/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "别人的文章" and theirs.status == Article.Status.PUBLISHED
    # Their article is not in my list either.
    assert "别人的文章" not in _text(studio.get("/zh-hans/studio/"))


def test_editors_may_preview_any_article(author):
    article = published_article(author, title="编辑可以预览")
    desk = Client()
    desk.force_login(editor())
    response = desk.get(f"/zh-hans/studio/{article.id}/preview/")
    assert response.status_code == 200 and "编辑可以预览" in _text(response)
    # …but not edit it.
    assert desk.get(f"/zh-hans/studio/{article.id}/edit/").status_code == 403


def test_get_is_not_allowed_on_actions(studio, author):
    article = _new_draft(studio)
    for action in ("publish", "autosave"):
        assert studio.get(f"/zh-hans/studio/{article.id}/{action}/").status_code == 405


def test_withdrawing_a_draft_is_explained(studio):
    article = _new_draft(studio)
    # A GET of 撤回 only asks, and for a draft says there is nothing to withdraw.
    asked = studio.get(f"/zh-hans/studio/{article.id}/withdraw/")
    assert asked.status_code == 200 and "不需要撤回" in _text(asked) and "确认撤回" not in _text(asked)
    response = studio.post(f"/zh-hans/studio/{article.id}/withdraw/", follow=True)
    assert "只有已发布的文章可以撤回" in _text(response)


def test_publish_button_from_the_preview_shows_what_is_missing(studio):
    article = _new_draft(studio, title="")
    response = studio.post(f"/zh-hans/studio/{article.id}/publish/")
    assert response.status_code == 200 and "请填写标题" in _text(response)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_the_editor_page_is_ready_for_the_script(studio, author):
    article = _new_draft(studio)
    page = _text(studio.get(f"/zh-hant/studio/{article.id}/edit/"))
    assert f'data-autosave-url="/zh-hant/studio/{article.id}/autosave/"' in page
    assert 'data-upload-url="/zh-hant/studio/images/"' in page
    assert '<script src="/static/zimei/studio.js" defer></script>' in page
    assert "/static/zimei/studio.css" in page
    # No inline script: everything the script needs is in data- attributes (in the reader's script).
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert 'data-msg-saved="已自動儲存"' in page
    assert page.count("data-cmd=") >= 7


def _new_draft_for(profile, body: str) -> Article:
    from zimei.articles.services import ArticleInput, article_create

    data = ArticleInput(title="一篇旧文", body_html=body, channel="local")
    return article_create(author=profile, data=data)


def test_pictures_without_a_description_are_flagged_in_the_edit_page_and_the_preview(author, studio):
    """Without the editor's script too: the edit page and the preview count them."""
    from zimei.articles.services import image_create

    image = image_create(owner=author.user, data=png_bytes(40, 30), name="a")
    body = (
        f'<p>一段。</p><figure><img src="{image.url}" alt=""></figure>'
        f'<figure><img src="{image.url}" alt="山路上的一块指路石"></figure>'
        f'<figure><img src="{image.url}"></figure>'
    )
    article = _new_draft_for(author, body)
    edit = _text(studio.get(f"/zh-hans/studio/{article.id}/edit/"))
    assert "2 张图片还没有描述（替代文字）" in edit
    preview = _text(studio.get(f"/zh-hant/studio/{article.id}/preview/"))
    assert "2 張圖片還沒有描述（替代文字）" in preview
    fine = _new_draft_for(author, f'<figure><img src="{image.url}" alt="一块指路石"></figure>')
    assert "图片还没有描述" not in _text(studio.get(f"/zh-hans/studio/{fine.id}/preview/"))


# --- the editor in a real browser ----------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_rich_editor_image_autosave_and_local_copy_in_chromium(live_server, chromium, tmp_path):
    profile = creator(channel="local", pen_name="浏览器作者", username="browser-author")
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    # Script errors only (favicon 404s and the offline spell below are not the editor's).
    page.on(
        "console",
        lambda msg: (
            msg.type == "error" and "Failed to load resource" not in msg.text and problems.append(msg.text)
        ),
    )
    try:
        page.goto(f"{live_server.url}/zh-hans/accounts/login/?next=/zh-hans/studio/new/")
        page.fill("#id_username", "browser-author")
        page.fill("#id_password", "correct-horse-battery")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/zh-hans/studio/new/")

        # The script turns the textarea into the rich editor.
        area = page.locator(".editor-area")
        assert area.is_visible() and not page.locator("#id_body_html").is_visible()
        page.fill("#id_title", "浏览器里写的文章")
        assert page.locator("#title-count").inner_text() == "8 / 64"
        area.click()
        page.keyboard.type("开头的小标题")
        page.get_by_role("button", name="小标题 H2").click()
        page.keyboard.press("End")
        page.keyboard.press("Enter")
        page.keyboard.type("第一段正文，写在浏览器里。")
        # 插入图片: the upload goes through fetch and a figure lands after the current paragraph.
        # A Chinese file name (截图.png) is stored under an ASCII one, so the sanitiser keeps it.
        image_file = tmp_path / "截图.png"
        image_file.write_bytes(png_bytes(400, 300))
        # The dialog asks for the picture and a description (alt text); an empty one is refused
        # with a message, the dialog stays open and nothing is uploaded.
        page.get_by_role("button", name="插入图片").click()
        dialog = page.get_by_role("dialog", name="插入图片")
        assert dialog.is_visible()
        dialog.get_by_label("图片（JPEG、PNG、GIF、WebP，不超过 20 MB）").set_input_files(str(image_file))
        dialog.get_by_role("button", name="确定").click()
        assert "请描述这张图片的内容" in dialog.locator("[data-image-error]").inner_text()
        assert dialog.get_by_label("图片描述（替代文字）").get_attribute("aria-invalid") == "true"
        assert dialog.is_visible() and not Image.objects.filter(owner=profile.user).exists()
        screenshot(page, "studio-image-dialog")
        dialog.get_by_label("图片描述（替代文字）").fill("手机截图：设置页面里打开了深色模式的开关")
        dialog.get_by_label("图片说明").fill("深色模式的开关")
        dialog.get_by_role("button", name="确定").click()
        page.wait_for_selector(".editor-area figure img[src^='/media/']")
        assert page.locator("[data-upload-status]").inner_text() == "图片已插入"
        alt = page.locator(".editor-area figure img").get_attribute("alt")
        assert alt == "手机截图：设置页面里打开了深色模式的开关"
        assert page.locator(".editor-area figcaption").inner_text() == "深色模式的开关"
        assert not page.locator("[data-missing-alt]").is_visible()

        # Autosave creates the draft and the page becomes its edit page.
        page.wait_for_url("**/zh-hans/studio/*/edit/", timeout=15000)
        page.wait_for_function(
            "document.querySelector('[data-autosave-status]').textContent.includes('已自动保存')",
            timeout=15000,
        )
        article = Article.objects.get(author=profile)
        assert article.title == "浏览器里写的文章"
        assert re.search(
            r"<h2>开头的小标题</h2><p>第一段正文，写在浏览器里。</p><figure><img [^>]*alt=\"手机截图",
            article.body_html,
        )

        # Typed but not yet saved to the server: the copy in this browser is offered after a reload.
        area.locator("p").first.click()  # (a click on the picture opens its description)
        page.keyboard.press("Control+End")
        page.keyboard.type("还没保存的一句话")
        page.wait_for_timeout(800)  # the local copy is written 0.6 s after typing
        context.set_offline(True)
        # An autosave attempt (every 5 s) fails while offline and says where the text is.
        page.wait_for_selector("[data-autosave-status]:has-text('本机浏览器')", timeout=5500)
        context.set_offline(False)
        page.reload()
        restore = page.locator("[data-restore]")
        restore.wait_for(state="visible")
        assert "还没保存的一句话" not in area.inner_text()
        restore.get_by_role("button", name="恢复它").click()
        assert "还没保存的一句话" in area.inner_text()
        screenshot(page, "studio-editor")

        # 发布 sends the form (the textarea carries the editor's HTML).
        page.get_by_role("button", name="发布", exact=True).click()
        page.wait_for_url("**/zh-hans/studio/")
        article.refresh_from_db()
        assert article.status == Article.Status.PUBLISHED and "还没保存的一句话" in article.body_html
        assert "<figure>" in article.body_html
        page.goto(f"{live_server.url}/zh-hans/a/{article.id}/")
        assert page.locator(".post-body figure img").evaluate("(i) => i.complete && i.naturalWidth") == 400
        # The page's own requests (its view beacon) done before this thread writes: the live
        # server's thread shares SQLite's cache with it, and a write while that thread reads
        # the articles table fails at once ("database table is locked"; seen under load in CI).
        page.wait_for_load_state("networkidle")

        # A picture without a description (pasted as HTML, imported, written before this) is
        # counted and outlined in the editor; clicking it opens the dialog to describe it.
        url = Image.objects.get(owner=profile.user).url
        older = _new_draft_for(profile, f'<p>旧文。</p><figure><img src="{url}" alt=""></figure><p>完。</p>')
        page.goto(f"{live_server.url}/zh-hans/studio/{older.id}/edit/")
        flag = page.locator("[data-missing-alt]")
        assert flag.inner_text().startswith("1 张图片还没有描述")
        outline = page.locator(".editor-area img").evaluate("(i) => getComputedStyle(i).outlineStyle")
        assert outline == "dashed"
        page.locator(".editor-area img").click()
        dialog = page.get_by_role("dialog", name="图片描述")
        assert not dialog.get_by_label("图片（JPEG、PNG、GIF、WebP，不超过 20 MB）").is_visible()
        dialog.get_by_role("button", name="确定").click()
        assert "请描述这张图片的内容" in dialog.locator("[data-image-error]").inner_text()
        dialog.get_by_label("图片描述（替代文字）").fill("山路上的一块指路石")
        dialog.get_by_role("button", name="确定").click()
        assert not flag.is_visible()
        page.get_by_role("button", name="保存草稿").click()
        page.wait_for_url(f"**/zh-hans/studio/{older.id}/edit/")
        older.refresh_from_db()
        assert 'alt="山路上的一块指路石"' in older.body_html
        assert not problems, problems
    finally:
        context.close()


# --- an edit held for review -----------------------------------------------------------------


def test_an_edit_held_for_review_keeps_the_published_version_public(django_capture_on_commit_callbacks):
    """A creator not yet trusted: 更新发布 holds the edit for an editor, and readers keep the
    published version (200) until the editor approves; sent back, the old version stays."""
    from zimei.core.pagecache import page_store

    author = creator(channel="local", pen_name="山间小记")
    article = published_article(author, title="山里的清晨：一篇旧文", body=BODY)
    author.trusted = False
    author.save(update_fields=["trusted"])
    studio, public, desk = Client(), Client(), Client()
    studio.force_login(author.user)
    desk.force_login(editor())
    pages = [f"/zh-hans/a/{article.id}/", f"/zh-hant/a/{article.id}/", "/zh-hans/c/local/", "/zh-hans/"]

    def readers_see(title: str, hidden: str) -> None:
        for cached in (True, False):
            if not cached:
                page_store().clear()
            for path in pages:
                response = public.get(path)
                text = _text(response)
                assert response.status_code == 200 and hidden not in text, (path, cached)
                assert convert(title, "zh-hant" if "hant" in path else "zh-hans") in text, (path, cached)

    readers_see("山里的清晨", "山里的傍晚")
    with django_capture_on_commit_callbacks(execute=True):
        response = studio.post(
            f"/zh-hans/studio/{article.id}/edit/", _form(title="山里的傍晚：改过的新版", action="publish")
        )
    assert response.status_code == 302
    readers_see("山里的清晨", "山里的傍晚")
    article.refresh_from_db()
    assert (article.status, article.edit_pending) == (Article.Status.PUBLISHED, True)
    dashboard = _text(studio.get("/zh-hans/studio/", follow=True))
    assert "修改待审核" in dashboard and "审核通过前，读者看到的仍是已发布的版本" in dashboard

    # Sent back for changes: the published version stays as it was.
    assert "山里的傍晚" in _text(desk.get("/zh-hans/desk/queue/?tab=held"))
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            f"/zh-hans/desk/queue/articles/{article.id}/", {"decision": "changes", "reason": "标题再改改"}
        )
    article.refresh_from_db()
    assert (article.status, article.edit_pending) == (Article.Status.PUBLISHED, False)
    readers_see("山里的清晨", "山里的傍晚")

    # Submitted again and approved: the new version is the public one.
    with django_capture_on_commit_callbacks(execute=True):
        studio.post(f"/zh-hans/studio/{article.id}/publish/")
    assert Article.objects.get(pk=article.pk).edit_pending
    with django_capture_on_commit_callbacks(execute=True):
        approved = desk.post(f"/zh-hans/desk/queue/articles/{article.id}/", {"decision": "approve"})
    assert approved.status_code == 302
    readers_see("山里的傍晚", "山里的清晨")
