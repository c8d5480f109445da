"""Factories for test data: real rows through the real services where it matters."""

from __future__ import annotations

import io
import itertools

import factory
from PIL import Image as PILImage

from zimei.accounts.models import CreatorProfile, User
from zimei.articles.models import Article
from zimei.articles.services import ArticleInput, article_create, article_publish
from zimei.channels.models import CHANNELS, Channel

_seq = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def editor(**kwargs) -> User:
    return UserFactory(role=User.Role.EDITOR, **kwargs)


def ensure_channels() -> None:
    """The fixed channels (a migration creates them; transactional tests flush them away)."""
    for position, (slug, name, kind) in enumerate(CHANNELS):
        Channel.objects.get_or_create(slug=slug, defaults={"name": name, "kind": kind, "position": position})


def creator(
    *, channel: str = "tech", pen_name: str | None = None, trusted: bool = True, **kwargs
) -> CreatorProfile:
    """A creator; trusted by default, so that clean articles publish at once (a test of the
    new-creator hold passes trusted=False)."""
    ensure_channels()
    user = UserFactory(role=User.Role.CREATOR, **kwargs)
    return CreatorProfile.objects.create(
        user=user,
        pen_name=pen_name or f"作者{next(_seq)}",
        tagline="写科技，也写生活",
        channel=Channel.objects.get(slug=channel),
        trusted=trusted,
    )


BODY = (
    "<h2>开篇</h2><p>人工智能芯片的竞争越来越激烈，各家厂商都在加快研发。</p>"
    "<p>这篇文章讨论芯片产业的未来走向，以及软件生态的重要性。</p>"
    "<blockquote>引用一句话。</blockquote><ul><li>第一点</li><li>第二点</li></ul>"
)

# Another article on BODY's subject (chips, software ecosystems) in other words: related to
# it, and far from being a near-duplicate.
CHIP_BODY = (
    "<p>芯片工艺走到三纳米以后，每一代的进步都更昂贵，厂商开始把目光转向封装和软件。</p>"
    "<p>业内人士说，芯片产业真正的壁垒是软件生态：开发工具、驱动和框架决定了开发者愿不愿意迁移。</p>"
    "<p>几家新公司选择开放指令集，希望用社区的力量补上生态的短板。</p>"
)


def published_article(
    author: CreatorProfile | None = None,
    *,
    title: str = "芯片产业的下一步会怎样？",
    body: str = BODY,
    channel: str | None = None,
    original: bool = True,
    source: str = "",
    when=None,
) -> Article:
    author = author or creator()
    article = article_create(
        author=author,
        data=ArticleInput(
            title=title,
            body_html=body,
            channel=channel or author.channel.slug,
            original=original,
            source=source,
        ),
    )
    return article_publish(article=article, actor=author.user, when=when)


def studio_form(**fields) -> dict:
    """What the studio's article form posts (no cover, saved as a draft), with `fields` over it."""
    return {
        "summary": "",
        "channel": "local",
        "original": "1",
        "source": "",
        "cover_id": "",
        "action": "save",
        **fields,
    }


def png_bytes(width: int = 64, height: int = 48, color: str = "#c33") -> bytes:
    buf = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buf, "PNG")
    return buf.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A valid one-bit PNG of width x height pixels, written row by row so that even a
    10000x10000 image (a decompression bomb) costs a few kilobytes and no memory to make."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
