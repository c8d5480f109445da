"""Pictures on reader pages (issue 15, "looks like a news site"): cover thumbnails in article
lists and creators' avatars."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from zimei.articles.services import ArticleInput, article_create, article_publish, image_create

from .factories import creator, png_bytes, published_article

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
        assert f'srcset="{stem}.w240.webp 240w, {stem}.w480.webp 480w"' in img
        assert 'sizes="' in img and 'width="240" height="160"' in img
        assert 'alt=""' in img and 'loading="lazy"' in img and 'decoding="async"' in img
        if path != search:  # an article without a cover: no picture, no gap
            assert f'<li class="item"><a href="/zh-hans/a/{plain.id}/">' in html, path


def test_covers_command_makes_missing_thumbnails(client):
    from django.core.management import call_command

    _, cover = _with_cover(creator())
    stem = cover.file.name.rsplit(".", 1)[0]
    default_storage.delete(f"{stem}.w240.webp")
    out = io.StringIO()
    call_command("article", "covers", stdout=out, verbosity=0)
    assert "1 thumbnail(s) made" in out.getvalue()
    assert default_storage.exists(f"{stem}.w240.webp")
