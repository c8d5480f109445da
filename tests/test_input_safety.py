"""Input that never breaks a page or a feed (issue 10).

- Whatever is stored (a channel name with a form feed, a pen name or a title with U+FFFF, put
  in before such input was refused, or by hand), every feed and sitemap is well-formed XML.
- Forms, the API, the CLI and the admin refuse control characters and noncharacters in plain
  fields with a message in the reader's script, keeping what was typed.
- The API answers a body over 3 MB with a 413 and a body that is not a JSON object with a 400.
- A media path with a NUL is a 404, never a 500.
- Usernames are normalised (NFKC) before they are checked, and a name that looks like an
  existing one (fullwidth, Cyrillic, Greek look-alikes) is refused.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from defusedxml import ElementTree
from django.core.cache import cache
from django.core.management.base import CommandError
from django.test import Client

from zimei.accounts.models import CreatorProfile, User
from zimei.accounts.services import token_create
from zimei.accounts.usernames import username_skeleton
from zimei.articles.models import Article
from zimei.channels.models import Channel

from .factories import BODY, UserFactory, creator, editor, published_article
from .test_cli import PASSWORD, run

pytestmark = pytest.mark.django_db

MESSAGE = "含有无法显示的控制字符或非字符"
CONFUSABLE = "看起来太像"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response) -> str:
    return response.content.decode()


# --- feeds and sitemaps, whatever is stored ---------------------------------------------------


def _well_formed(client: Client, path: str):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return ElementTree.fromstring(body)  # expat: strict, refuses any character XML cannot carry


def test_every_feed_and_sitemap_is_well_formed_whatever_is_stored(client):
    author = creator(channel="tech", pen_name="林间笔记")
    article = published_article(author, title="芯片产业的下一步")
    # Hostile values straight into the database, as if typed before they were refused.
    Channel.objects.filter(slug="tech").update(name="科\x0c技", description="频道\x1b介绍")
    CreatorProfile.objects.filter(id=author.id).update(pen_name="林间\uffff笔记", tagline="写\ufffe科技")
    Article.objects.filter(id=article.id).update(
        title_hans="标题\uffff\x0c一", title_hant="標題\U0010ffff\x08一", summary_hans="摘\x01要\ufdd0"
    )
    cache.clear()  # the channel list is cached for 60 seconds
    paths = []
    for variant in ("zh-hans", "zh-hant"):
        for prefix in ("feed/", "c/tech/", f"u/{author.id}/"):
            paths += [f"/{variant}/{prefix}rss.xml", f"/{variant}/{prefix}atom.xml"]
    for path in paths:
        root = _well_formed(client, path)
        text = ElementTree.tostring(root, encoding="unicode")
        assert "一" in text and "\uffff" not in text, path
        if "/c/" in path:
            assert re.search("科.?技", text), path  # the form feed is dropped, the name kept
    index = _well_formed(client, "/sitemap.xml")
    sections = [loc.text for loc in index.iter(f"{SM}loc")]
    assert sections
    for url in sections:
        parts = urlsplit(url)
        _well_formed(client, parts.path + (f"?{parts.query}" if parts.query else ""))
    news = _well_formed(client, "/news-sitemap.xml")
    assert "标题一" in ElementTree.tostring(news, encoding="unicode")
    # The pages that show the same values answer as usual, and so does the API.
    for path in ("/zh-hans/", f"/zh-hant/a/{article.id}/", "/zh-hans/c/tech/", f"/zh-hans/u/{author.id}/"):
        assert client.get(path).status_code == 200, path
    for path in ("/api/v1/articles", f"/api/v1/articles/{article.id}", f"/api/v1/authors/{author.id}"):
        assert client.get(path).status_code == 200, path


# --- forms, the desk, the API, the CLI and the admin refuse such input ----------------------


def test_application_pen_name_with_a_noncharacter_is_refused_and_kept():
    reader = UserFactory()
    data = {
        "pen_name": "山间\uffff小记",
        "tagline": "写山\x0c也写海",
        "channel": "local",
        "intro": "我在本地跑了十年新闻，想写写街巷里的人和事。",
        "sample_work": "老街的早市六点开张，卖豆花的阿姨已经在这里摆了二十年摊。" * 3,
    }
    creator()  # the channels
    response = _as(reader).post("/zh-hant/accounts/apply/", data)
    page = _text(response)
    assert response.status_code in (200, 400)
    assert page.count("含有無法顯示的控制字元") == 2  # in the reader's script, both fields
    assert "U+FFFF" in page and "U+000C" in page
    assert "賣豆花的阿姨" in page or "卖豆花的阿姨" in page  # what was typed is still there
    assert not reader.applications.exists()


def test_studio_title_with_uffff_is_refused():
    author = creator(channel="local")
    form = {
        "title": "城市\uffff与乡村",
        "summary": "",
        "channel": "local",
        "original": "1",
        "source": "",
        "cover_id": "",
        "body_html": BODY,
        "action": "save",
    }
    response = _as(author.user).post("/zh-hans/studio/new/", form)
    page = _text(response)
    assert response.status_code == 200 and MESSAGE in page and "与乡村" in page
    assert not Article.objects.exists()


def test_desk_channel_name_with_a_form_feed_is_refused_and_kept():
    creator()
    response = _as(editor()).post(
        "/zh-hans/desk/channels/tech/", {"name": "科\x0c技前沿", "description": "芯片", "position": "3"}
    )
    page = _text(response)
    assert response.status_code == 200 and MESSAGE in page and "U+000C" in page and "技前沿" in page
    assert Channel.objects.get(slug="tech").name == "科技"


def test_desk_rejection_reason_with_a_control_character_is_refused():
    article = published_article()
    response = _as(editor()).post(
        f"/zh-hans/desk/articles/{article.id}/takedown/", {"reason": "违规\x1b广告"}
    )
    article.refresh_from_db()
    assert response.status_code == 200 and MESSAGE in _text(response) and "广告" in _text(response)
    assert article.status == Article.Status.PUBLISHED


def test_one_line_fields_keep_no_line_breaks():
    author = creator()
    article = published_article(author, title="第一行\n第二行\t标题")
    assert article.title == "第一行 第二行 标题"


def test_api_refuses_a_title_with_a_noncharacter(client):
    author = creator()
    _, token = token_create(user=author.user)
    response = client.post(
        "/api/v1/articles",
        json.dumps({"title": "标题\uffff", "body_html": "<p>正文</p>", "channel": "tech"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["title"] and MESSAGE in errors[0]["message"]
    assert not Article.objects.exists()


def test_cli_refuses_a_tagline_with_a_control_character(monkeypatch):
    creator()
    with pytest.raises(CommandError, match="U\\+0007"):
        run(
            "creator", "add", "laowang", "--pen-name", "老王", "--channel", "tech",
            "--tagline", "写\x07科技", "--password-stdin",
            stdin=PASSWORD + "\n", monkeypatch=monkeypatch,
        )  # fmt: skip
    assert not User.objects.filter(username="laowang").exists()


def test_admin_refuses_a_channel_name_with_a_form_feed():
    creator()
    admin = UserFactory(is_staff=True, is_superuser=True, role=User.Role.ADMIN)
    channel = Channel.objects.get(slug="tech")
    response = _as(admin).post(
        f"/admin/channels/channel/{channel.id}/change/",
        {"name": "科\x0c技", "kind": channel.kind, "position": channel.position, "description": ""},
    )
    assert response.status_code == 200 and MESSAGE in _text(response)
    assert Channel.objects.get(slug="tech").name == "科技"


# --- the API's bodies ---------------------------------------------------------------------------


def test_api_body_over_3_mb_is_a_413_problem(client):
    author = creator()
    _, token = token_create(user=author.user)
    body = json.dumps({"title": "大", "body_html": "<p>" + "字" * (1024 * 1024 + 10) + "</p>"})
    response = client.post(
        "/api/v1/articles", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 413 and response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 413 and "MB" in response.json()["message"]
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    "body, status", [('"x"', 422), ("[1, 2]", 422), ("42", 422), ("null", 422), ("not json", 400)]
)
def test_api_accepts_only_a_json_object(client, body, status):
    author = creator()
    _, token = token_create(user=author.user)
    response = client.post(
        "/api/v1/articles", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == status and response["Content-Type"] == "application/problem+json"
    assert response.json()["message"]
    assert not Article.objects.exists()


# --- media -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/media/x%00.png", "/media/images/a%00b.png", "/media/" + "a" * 5000 + ".png"]
)
def test_media_with_a_nul_or_an_impossible_name_is_a_404(client, path):
    assert client.get(path).status_code == 404


# --- usernames ---------------------------------------------------------------------------------


def _register(client: Client, username: str):
    return client.post(
        "/zh-hans/accounts/register/",
        {"username": username, "password": "a-long-passphrase", "password_confirm": "a-long-passphrase"},
    )


def test_fullwidth_username_is_normalised_before_the_check(client):
    UserFactory(username="reader")
    response = _register(client, "ｒｅａｄｅｒ")
    assert response.status_code == 200 and "这个用户名已经有人使用" in _text(response)
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "existing, typed",
    [
        ("reader2", "Ｒeader2"),  # fullwidth capital
        ("reader", "r\u0435ader"),  # Cyrillic е
        ("paper", "\u0440a\u0440er"),  # Cyrillic р (it looks like p)
        ("polo", "p\u03bfl\u03bf"),  # Greek ο
        ("admin0", "admino"),  # the digit 0 read as o
    ],
)
def test_look_alike_usernames_are_refused(client, existing, typed):
    UserFactory(username=existing)
    response = _register(client, typed)
    page = _text(response)
    assert response.status_code == 200, response.status_code
    assert "已经有人使用" in page or CONFUSABLE in page
    assert User.objects.count() == 1


def test_a_distinct_username_is_accepted_and_its_skeleton_stored(client):
    UserFactory(username="reader")
    assert _register(client, "writer").status_code == 302
    assert User.objects.get(username="writer").username_skeleton == "writer"
    assert username_skeleton("Ｒ\u0435ader") == "reader"


def test_cli_user_add_refuses_a_look_alike(monkeypatch):
    UserFactory(username="reader")
    with pytest.raises(CommandError, match=CONFUSABLE):
        run("user", "add", "r\u0435ader", "--password-stdin", stdin=PASSWORD + "\n", monkeypatch=monkeypatch)
    assert User.objects.count() == 1


def test_admin_refuses_a_look_alike_username():
    UserFactory(username="reader")
    admin = UserFactory(is_staff=True, is_superuser=True, role=User.Role.ADMIN)
    response = _as(admin).post(
        "/admin/accounts/user/add/",
        {
            "username": "r\u0435ader",
            "usable_password": "true",
            "password1": "a-long-passphrase",
            "password2": "a-long-passphrase",
        },
    )
    assert response.status_code == 200 and CONFUSABLE in _text(response)
    assert not User.objects.filter(username="r\u0435ader").exists()


def test_a_renamed_user_keeps_its_skeleton_and_the_admin_refuses_a_look_alike_rename():
    UserFactory(username="reader")
    other = UserFactory(username="writer")
    other.username = "Ｗriter2"
    other.save(update_fields=["username"])
    other.refresh_from_db()
    assert other.username_skeleton == "writer2"
    admin = UserFactory(is_staff=True, is_superuser=True, role=User.Role.ADMIN)
    response = _as(admin).post(
        f"/admin/accounts/user/{other.id}/change/",
        {
            "username": "r\u0435ader",
            "role": "reader",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 200 and CONFUSABLE in _text(response)
    other.refresh_from_db()
    assert other.username == "Ｗriter2"
