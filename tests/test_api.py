"""The public REST API (/api/v1/): every endpoint, status code and permission rule."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zimei.accounts.services import token_create, token_revoke
from zimei.api.models import IdempotencyRecord
from zimei.articles.models import Article, Image

from .factories import CHIP_BODY, UserFactory, creator, editor, png_bytes, png_declaring, published_article

pytestmark = pytest.mark.django_db

API = "/api/v1"


def auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, path, data, token=None, **extra):
    headers = auth(token) if token else {}
    return client.post(API + path, json.dumps(data), content_type="application/json", **headers, **extra)


def patch(client, path, data, token=None):
    headers = auth(token) if token else {}
    return client.patch(API + path, json.dumps(data), content_type="application/json", **headers)


def get(client, path, token=None, **params):
    headers = auth(token) if token else {}
    return client.get(API + path, params, **headers)


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert body["status"] == status and isinstance(body["errors"], list)
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
        assert all({"field", "message"} == set(e) for e in body["errors"])
    return body


@pytest.fixture
def writer():
    profile = creator(channel="tech", pen_name="林间笔记")
    _, token = token_create(user=profile.user, name="cli")
    profile.token = token
    return profile


@pytest.fixture
def other():
    profile = creator(channel="art", pen_name="芯片观察")
    _, token = token_create(user=profile.user)
    profile.token = token
    return profile


NEW = {
    "title": "软件生态的未来",
    "body_html": "<p>人工智能芯片和软件。</p>",
    "channel": "tech",
    "original": True,
}


def create(client, token, **changes) -> dict:
    response = post(client, "/articles", {**NEW, **changes}, token)
    assert response.status_code == 201, response.content
    return response.json()


# --- create, read, edit, publish, withdraw ------------------------------------------------


def test_create_publish_edit_withdraw(client, writer):
    created = create(client, writer.token)
    assert created["status"] == "draft" and created["url"].endswith(f"/a/{created['id']}/")
    aid = created["id"]
    response = get(client, f"/articles/{aid}", writer.token)
    assert "软件生态的未来" in response.content.decode()  # UTF-8, not \u escapes
    read = response.json()
    assert read["title"] == "软件生态的未来" and read["channel"] == "tech" and read["status"] == "draft"

    published = post(client, f"/articles/{aid}/publish", {}, writer.token)
    assert published.status_code == 200
    assert published.json() == {"id": aid, "status": "published", "reasons": [], "url": created["url"]}
    assert get(client, f"/articles/{aid}").json()["title"] == "软件生态的未来"  # anonymous reads it now

    edited = patch(client, f"/articles/{aid}", {"title": "软件生态的明天"}, writer.token)
    assert edited.status_code == 200 and edited.json()["title"] == "软件生态的明天"
    # The public version stays until the creator publishes again.
    assert get(client, f"/articles/{aid}").json()["title"] == "软件生态的未来"
    post(client, f"/articles/{aid}/publish", {}, writer.token)
    assert get(client, f"/articles/{aid}").json()["title"] == "软件生态的明天"

    withdrawn = post(client, f"/articles/{aid}/withdraw", {}, writer.token)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert_problem(get(client, f"/articles/{aid}"), 404)
    assert_problem(post(client, f"/articles/{aid}/withdraw", {}, writer.token), 422, "")


def test_body_is_sanitised_as_in_the_studio_and_markdown_is_accepted(client, writer):
    aid = create(client, writer.token, body_html='<p onclick="x()">好<script>alert(1)</script></p>')["id"]
    body = get(client, f"/articles/{aid}", writer.token).json()["body_html"]
    assert "script" not in body and "onclick" not in body and "好" in body
    md = create(client, writer.token, body_html=None, body_markdown="# 标题\n\n**粗体** <script>x</script>")
    body = Article.objects.get(id=md["id"]).body_html
    assert "<h2>标题</h2>" in body and "<strong>粗体</strong>" in body and "script" not in body
    both = post(client, "/articles", {**NEW, "body_markdown": "x"}, writer.token)
    assert_problem(both, 422)


def test_publish_needs_a_complete_article(client, writer):
    aid = create(client, writer.token, title="", body_html="")["id"]
    body = assert_problem(post(client, f"/articles/{aid}/publish", {}, writer.token), 422, "title")
    assert "body_html" in [e["field"] for e in body["errors"]]
    assert "请填写标题" in [e["message"] for e in body["errors"]]


def test_input_errors_are_field_lists(client, writer):
    assert_problem(post(client, "/articles", {**NEW, "title": "长" * 65}, writer.token), 422, "title")
    assert_problem(post(client, "/articles", {**NEW, "channel": "nope"}, writer.token), 422, "channel")
    assert_problem(post(client, "/articles", {**NEW, "original": "maybe"}, writer.token), 422, "original")
    assert_problem(post(client, "/articles", {"body_html": "x"}, writer.token), 422, "title")
    assert_problem(post(client, "/articles", {**NEW, "title": "a\x00b"}, writer.token), 422, "title")
    assert_problem(post(client, "/articles", [1, 2], writer.token), 422)
    malformed = client.post(
        API + "/articles", "{not json", content_type="application/json", **auth(writer.token)
    )
    assert_problem(malformed, 400)
    assert Article.objects.count() == 0


# --- who may do what ------------------------------------------------------------------


def test_another_creators_draft_is_a_404(client, writer, other):
    aid = create(client, writer.token)["id"]
    assert_problem(get(client, f"/articles/{aid}", other.token), 404)
    assert_problem(patch(client, f"/articles/{aid}", {"title": "偷改"}, other.token), 404)
    assert_problem(post(client, f"/articles/{aid}/publish", {}, other.token), 404)
    assert_problem(get(client, f"/articles/{aid}"), 404)
    assert_problem(get(client, "/articles/999999", writer.token), 404)
    assert Article.objects.get(id=aid).title == NEW["title"]


def test_another_creators_published_article_is_read_only(client, writer, other):
    article = published_article(writer)
    assert get(client, f"/articles/{article.id}", other.token).status_code == 200
    assert_problem(patch(client, f"/articles/{article.id}", {"title": "偷改"}, other.token), 403)
    assert_problem(post(client, f"/articles/{article.id}/withdraw", {}, other.token), 403)


def test_editor_reads_submitted_articles_not_drafts_and_cannot_edit_them(client, writer):
    aid = create(client, writer.token)["id"]
    _, token = token_create(user=editor(), scope="read")
    _, write_token = token_create(user=editor())
    # A draft is its author's until it is submitted: not even editors see it.
    assert_problem(get(client, f"/articles/{aid}", token), 404)
    assert_problem(patch(client, f"/articles/{aid}", {"title": "x"}, write_token), 404)
    writer.trusted = False
    writer.save(update_fields=["trusted"])
    assert post(client, f"/articles/{aid}/publish", {}, writer.token).json()["status"] == "pending_review"
    assert get(client, f"/articles/{aid}", token).json()["status"] == "pending_review"
    assert_problem(patch(client, f"/articles/{aid}", {"title": "x"}, write_token), 403)


def test_authentication_and_scopes(client, writer):
    assert_problem(post(client, "/articles", NEW), 401)
    assert_problem(post(client, "/articles", NEW, "zm_not-a-token"), 401)
    assert_problem(get(client, "/channels", "zm_not-a-token"), 401)
    basic = client.post(
        API + "/articles", "{}", content_type="application/json", HTTP_AUTHORIZATION="Basic eDp5"
    )
    assert_problem(basic, 401)
    row, token = token_create(user=writer.user, scope="read")
    assert get(client, "/channels", token).status_code == 200
    assert_problem(post(client, "/articles", NEW, token), 403)
    token_revoke(token=row, actor=writer.user)
    assert_problem(get(client, "/channels", token), 401)
    _, reader_token = token_create(user=UserFactory())
    assert_problem(post(client, "/articles", NEW, reader_token), 403)
    assert Article.objects.count() == 0


# --- idempotency and rate limits ------------------------------------------------------


def test_idempotent_create_and_publish(client, writer):
    key = {"HTTP_IDEMPOTENCY_KEY": "create-1"}
    first = post(client, "/articles", NEW, writer.token, **key)
    again = post(client, "/articles", NEW, writer.token, **key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Article.objects.count() == 1
    aid = first.json()["id"]
    pkey = {"HTTP_IDEMPOTENCY_KEY": "publish-1"}
    one = post(client, f"/articles/{aid}/publish", {}, writer.token, **pkey)
    two = post(client, f"/articles/{aid}/publish", {}, writer.token, **pkey)
    assert one.status_code == two.status_code == 200 and one.json() == two.json()
    assert Article.objects.get(id=aid).revisions.filter(kind="publish").count() == 1


def test_idempotency_key_reused_for_another_request_is_409(client, writer, other):
    key = {"HTTP_IDEMPOTENCY_KEY": "k"}
    post(client, "/articles", NEW, writer.token, **key)
    assert_problem(post(client, "/articles", {**NEW, "title": "别的"}, writer.token, **key), 409)
    assert Article.objects.count() == 1
    # Keys belong to their user.
    assert post(client, "/articles", NEW, other.token, **key).status_code == 201
    assert IdempotencyRecord.objects.count() == 2
    bad = post(client, "/articles", NEW, writer.token, HTTP_IDEMPOTENCY_KEY="x" * 201)
    assert_problem(bad, 400, "Idempotency-Key")
    assert_problem(post(client, "/articles", NEW, writer.token, HTTP_IDEMPOTENCY_KEY="a\tb"), 400)


def _not_near_a_minute_boundary() -> None:
    """API limits count in clock-aligned one-minute windows: a test that straddles a boundary
    would start counting again half-way, so start well inside a window."""
    import time

    if time.time() % 60 > 55:
        time.sleep(60 - time.time() % 60 + 0.05)


def test_rate_limits(client, writer, settings):
    _not_near_a_minute_boundary()
    settings.ZIMEI_API_RATE_READ = 3
    settings.ZIMEI_API_RATE_WRITE = 1
    for _ in range(3):
        assert get(client, "/channels", writer.token).status_code == 200
    limited = get(client, "/channels", writer.token)
    assert_problem(limited, 429)
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert post(client, "/articles", NEW, writer.token).status_code == 201
    assert_problem(post(client, "/articles", NEW, writer.token), 429)


# --- reading --------------------------------------------------------------------------


def test_variant_conversion(client, writer):
    article = published_article(writer, title="人工智能芯片大战：谁的软件生态更强？")
    hant = get(client, f"/articles/{article.id}", variant="zh-hant").json()
    assert hant["title"] == "人工智慧晶片大戰：誰的軟體生態更強？" and hant["variant"] == "zh-hant"
    assert "晶片產業" in hant["body_html"] and hant["author"]["pen_name"] == "林間筆記"
    hans = get(client, f"/articles/{article.id}", variant="zh-hans").json()
    assert hans["title"] == "人工智能芯片大战：谁的软件生态更强？"
    hk = get(client, f"/articles/{article.id}", variant="zh-hk").json()
    assert hk["title"] == "人工智能芯片大戰：誰的軟件生態更強？" and hk["variant"] == "zh-hk"
    assert "芯片產業" in hk["body_html"] and hk["author"]["pen_name"] == "林間筆記"
    item = next(i for i in get(client, "/articles").json()["items"] if i["id"] == article.id)
    assert item["title_hk"] == hk["title"] and item["title_hant"] == hant["title"]
    assert "芯片" in item["summary_hk"]
    draft = create(client, writer.token, title="软件更新")
    assert (
        get(client, f"/articles/{draft['id']}", writer.token, variant="zh-hant").json()["title"] == "軟體更新"
    )
    assert (
        get(client, f"/articles/{draft['id']}", writer.token, variant="zh-hk").json()["title"] == "軟件更新"
    )
    assert_problem(get(client, f"/articles/{article.id}", variant="klingon"), 422, "variant")


def test_list_with_cursor_pagination(client, writer, other):
    now = timezone.now()
    same = now - timedelta(hours=1)
    ids = {published_article(writer, when=same).id for _ in range(3)}
    ids |= {published_article(other, when=now - timedelta(minutes=i)).id for i in range(4)}
    create(client, writer.token)  # a draft is never listed
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = get(client, "/articles", **params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7 and set(seen) == ids
    assert {i["id"] for i in get(client, "/articles", channel="art").json()["items"]} <= ids
    assert len(get(client, "/articles", author=writer.id).json()["items"]) == 3
    recent = get(client, "/articles", since=(now - timedelta(minutes=30)).isoformat()).json()["items"]
    assert len(recent) == 4
    assert_problem(get(client, "/articles", cursor="garbage!"), 400, "cursor")
    assert_problem(get(client, "/articles", limit=-1), 422, "limit")
    assert_problem(get(client, "/articles", limit=51), 422, "limit")
    assert_problem(get(client, "/articles", channel="nope"), 422, "channel")
    assert_problem(get(client, "/articles", since="yesterday"), 422, "since")
    assert_problem(get(client, "/articles", since="0001-01-01T00:00:00+05:00"), 422, "since")
    assert get(client, "/articles", since="0729-07-06T18:11:02-19:10").status_code == 200


def test_channels_authors_hot_related(client, writer, other):
    channels = get(client, "/channels").json()
    assert [c["slug"] for c in channels] == [
        "tech", "news", "sports", "ent", "money", "auto", "art", "mobile", "local", "open", "war"
    ]  # fmt: skip
    assert channels[1]["name_hant"] == "頭條" and channels[1]["name_hk"] == "頭條"
    first = published_article(writer, title="芯片产业的下一步")
    second = published_article(other, title="芯片工艺进入新阶段", channel="tech", body=CHIP_BODY)
    card = get(client, f"/authors/{writer.id}").json()
    assert card["pen_name"] == "林间笔记" and card["article_count"] == 1 and "Lv1" in card["badges"]
    assert {"tagline", "channel", "level", "attention", "follower_count"} <= set(card)
    assert_problem(get(client, "/authors/999999"), 404)
    assert_problem(get(client, "/authors/99999999999999999999"), 422)
    hot = get(client, "/hot", channel="tech", limit=5).json()
    assert {a["id"] for a in hot} == {first.id, second.id}
    assert_problem(get(client, "/hot", limit=0), 422, "limit")
    first.refresh_from_db()
    related = get(client, f"/articles/{second.id}/related").json()
    assert first.id in [a["id"] for a in related]
    draft = create(client, writer.token)
    assert_problem(get(client, f"/articles/{draft['id']}/related"), 404)


def test_shares(client, writer):
    article = published_article(writer)
    response = post(client, f"/articles/{article.id}/shares", {"target": "weibo"})
    assert response.status_code == 201 and response.json() == {"share_count": 1}
    # One share per reader per article (docs/hot.md): the same reader again counts nothing,
    # another reader (another address) counts.
    assert post(client, f"/articles/{article.id}/shares", {"target": "qq"}).json() == {"share_count": 1}
    other = post(client, f"/articles/{article.id}/shares", {"target": "qq"}, REMOTE_ADDR="198.51.100.9")
    assert other.json() == {"share_count": 2}
    assert_problem(post(client, f"/articles/{article.id}/shares", {"target": "myspace"}), 422, "target")
    draft = create(client, writer.token)
    assert_problem(post(client, f"/articles/{draft['id']}/shares", {"target": "link"}), 404)


# --- images ---------------------------------------------------------------------------


def upload(client, token, data: bytes, name="a.png"):
    return client.post(API + "/images", {"file": SimpleUploadedFile(name, data)}, **auth(token))


def test_image_upload(client, writer, other, settings):
    response = upload(client, writer.token, png_bytes())
    assert response.status_code == 201
    body = response.json()
    assert body["width"] == 64 and body["height"] == 48 and body["url"].startswith("/media/")
    assert Image.objects.get(id=body["id"]).owner == writer.user
    assert_problem(upload(client, writer.token, b"hello, not an image", "x.txt"), 415, "file")
    assert_problem(upload(client, writer.token, png_declaring(10000, 10000)), 400, "file")
    settings.ZIMEI_MAX_IMAGE_BYTES = 100
    assert_problem(upload(client, writer.token, png_bytes()), 413, "file")
    assert_problem(client.post(API + "/images", {}, **auth(writer.token)), 422, "file")
    assert_problem(client.post(API + "/images", {"file": SimpleUploadedFile("a.png", png_bytes())}), 401)
    # Someone else's image can't be a cover: the image belongs to its owner only.
    assert Image.objects.filter(owner=other.user).count() == 0


def test_image_uploads_are_rate_limited_per_creator(client, writer, settings):
    settings.ZIMEI_RATE_LIMITS = {**settings.ZIMEI_RATE_LIMITS, "image-upload": (1, 3600)}
    assert upload(client, writer.token, png_bytes()).status_code == 201
    refused = upload(client, writer.token, png_bytes(65, 48))
    problem = assert_problem(refused, 429)
    assert problem["message"] == "你上传图片太频繁了。" and int(refused["Retry-After"]) > 0
    assert Image.objects.count() == 1


# --- the document ---------------------------------------------------------------------


def test_openapi_document_and_docs(client):
    schema = client.get(API + "/openapi.json").json()
    assert schema["info"]["title"] == "Zimei API" and schema["openapi"].startswith("3.")
    assert "/api/v1/articles/{article_id}/publish" in schema["paths"]
    assert client.get(API + "/docs").status_code == 200


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(client):
    """No CDN and no inline script: the CSP (script-src 'self') allows everything it needs."""
    html = client.get(API + "/docs").content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and "https://" not in html
    for attributes, content in scripts:
        assert 'src="/static/' in attributes or 'type="application/json"' in attributes, attributes
        assert 'src="/static/' not in attributes or not content.strip()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_interactive_docs_list_the_operations_in_chromium(live_server, page):
    problems: list[str] = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    page.context.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    response = page.goto(f"{live_server.url}{API}/docs", wait_until="load")
    assert response.status == 200 and "script-src 'self'" in response.headers["content-security-policy"]
    paths = page.locator(".opblock-summary-path")
    paths.first.wait_for(timeout=15_000)
    # Swagger UI puts a zero-width space before each slash so that long paths can wrap.
    shown = {text.replace("\u200b", "") for text in paths.all_inner_texts()}
    assert {"/api/v1/articles", "/api/v1/articles/{article_id}/publish", "/api/v1/channels"} <= shown
    assert paths.filter(has_text="channels").first.is_visible()
    # An operation opens and shows its parameters (the UI's script works, not just its HTML).
    page.locator('.opblock-summary-path[data-path="/api/v1/hot"]').click()
    page.locator(".parameter__name", has_text="channel").first.wait_for(timeout=5_000)
    assert not [p for p in problems if "favicon" not in p], problems


def test_unknown_paths_and_bad_ids_are_problems(client, writer):
    assert_problem(get(client, "/nothing/here"), 404)
    assert_problem(client.delete(API + "/articles/x/y/z"), 404)
    assert_problem(get(client, "/articles/abc"), 422, "article_id")
    assert_problem(get(client, "/articles/99999999999999999999999"), 422, "article_id")
    assert_problem(get(client, "/articles/0"), 422, "article_id")


def test_anonymous_callers_are_limited_by_address(client, settings):
    _not_near_a_minute_boundary()
    settings.ZIMEI_API_RATE_READ = 2
    assert get(client, "/channels").status_code == 200
    assert get(client, "/hot").status_code == 200
    assert_problem(get(client, "/channels"), 429)
    assert client.get(API + "/channels", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_idempotent_image_upload(client, writer):
    data = png_bytes()
    first = client.post(
        API + "/images",
        {"file": SimpleUploadedFile("a.png", data)},
        HTTP_IDEMPOTENCY_KEY="img",
        **auth(writer.token),
    )
    again = client.post(
        API + "/images",
        {"file": SimpleUploadedFile("a.png", data)},
        HTTP_IDEMPOTENCY_KEY="img",
        **auth(writer.token),
    )
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = client.post(
        API + "/images",
        {"file": SimpleUploadedFile("a.png", png_bytes(color="#00f"))},
        HTTP_IDEMPOTENCY_KEY="img",
        **auth(writer.token),
    )
    assert_problem(other, 409)
    assert Image.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("delete", "/api/v1/channels", 405), ("put", "/api/v1/articles", 405), ("get", "/api/v1/", 404)],
)
def test_wrong_methods_and_the_bare_root_answer_problem_details(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["type"] == "about:blank" and body["detail"]
    if status == 405:
        assert "GET" in response["Allow"]


def test_an_edit_held_for_review_leaves_the_published_version_public(
    client, writer, django_capture_on_commit_callbacks
):
    """A creator not yet trusted edits a published article: the edit waits for an editor, the
    published version stays public (API and page) until the editor approves it."""
    from django.test import Client

    article = published_article(writer, title="旧版：软件生态的未来")
    writer.trusted = False
    writer.save(update_fields=["trusted"])
    page, public = f"/zh-hans/a/{article.id}/", Client()
    assert public.get(page).status_code == 200

    edited = patch(client, f"/articles/{article.id}", {"title": "新版：软件生态的明天"}, writer.token)
    assert edited.status_code == 200 and edited.json()["title"] == "新版：软件生态的明天"  # its author's
    with django_capture_on_commit_callbacks(execute=True):
        held = post(client, f"/articles/{article.id}/publish", {}, writer.token)
    assert held.status_code == 200
    assert held.json()["status"] == "pending_review" and held.json()["reasons"], held.json()

    def shows(title: str) -> None:
        from zimei.core.pagecache import page_store

        assert get(client, f"/articles/{article.id}").json()["title"] == title  # anonymous
        assert article.id in [a["id"] for a in get(client, "/articles").json()["items"]]
        page_store().clear()
        from zimei.conversion.variants import HANT, convert

        for path, shown in (
            (page, title),
            (f"/zh-hant/a/{article.id}/", convert(title, HANT)),
            (f"/zh-hans/care/a/{article.id}/", title),
        ):
            response = public.get(path)
            assert response.status_code == 200 and shown in response.content.decode(), path

    shows("旧版：软件生态的未来")
    assert Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED

    desk = Client()
    desk.force_login(editor())
    assert "新版：软件生态的明天" in desk.get("/zh-hans/desk/queue/?tab=held").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        decided = desk.post(f"/zh-hans/desk/queue/articles/{article.id}/", {"decision": "approve"})
    assert decided.status_code == 302
    shows("新版：软件生态的明天")
    article.refresh_from_db()
    assert (article.status, article.edit_pending) == (Article.Status.PUBLISHED, False)
