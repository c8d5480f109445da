"""A NUL or other control character typed (or pasted) into a form: a clear message next to the
field with the text kept, never a 500 — on SQLite and on PostgreSQL, which cannot store NUL."""

from __future__ import annotations

import pytest
from django.test import Client

from zimei.articles.models import Article

from .factories import BODY, UserFactory, creator, editor, published_article

pytestmark = pytest.mark.django_db

MESSAGE = "含有无法显示的控制字符"


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_studio_title_with_nul_is_refused_next_to_the_field_and_kept():
    author = creator(channel="local")
    form = {
        "title": "城市\x00与乡村",
        "summary": "摘要\x0c一句",
        "channel": "local",
        "original": "1",
        "source": "",
        "cover_id": "",
        "body_html": BODY,
        "action": "save",
    }
    response = _as(author.user).post("/zh-hans/studio/new/", form)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count(MESSAGE) == 2  # title and summary
    assert "与乡村" in page and "人工智能芯片的竞争" in page  # what was typed is still there
    assert not Article.objects.exists()


def test_application_with_nul_is_refused_and_kept():
    reader = UserFactory()
    data = {
        "pen_name": "山间小记",
        "tagline": "写山\x00也写海",
        "channel": "local",
        "intro": "我在本地跑了十年新闻，想写写街巷里的人和事。",
        "sample_work": "老街的早市六点开张，卖豆花的阿姨已经在这里摆了二十年摊。" * 3,
    }
    response = _as(reader).post("/zh-hans/accounts/apply/", data)
    page = response.content.decode()
    assert response.status_code in (200, 400) and MESSAGE in page
    assert "卖豆花的阿姨" in page
    assert not reader.applications.exists()


def test_report_note_with_nul_is_refused_and_kept():
    article = published_article()
    response = _as(UserFactory()).post(
        f"/zh-hans/a/{article.id}/report/", {"category": "other", "note": "这是\x00广告"}
    )
    page = response.content.decode()
    assert response.status_code in (200, 400) and MESSAGE in page and "广告" in page
    assert not article.reports.exists()


def test_takedown_reason_with_nul_is_refused_on_both_databases():
    """The desk's take-down reason is checked by the review service like every plain field
    (issue 10): a message next to the field, the reason kept, the article still up."""
    article = published_article()
    response = _as(editor()).post(f"/zh-hans/desk/articles/{article.id}/takedown/", {"reason": "违规\x00"})
    article.refresh_from_db()
    page = response.content.decode()
    assert response.status_code == 200 and MESSAGE in page and "U+0000" in page
    assert article.status == Article.Status.PUBLISHED
