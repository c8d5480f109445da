"""Accounts through HTTP: login, logout, registration and 申请入驻 (apply → review → status)."""

from __future__ import annotations

import pytest

from zimei.accounts.models import CreatorApplication, User
from zimei.moderation.models import AuditEntry

from .factories import UserFactory, creator, editor

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
SAMPLE = "这是我的一篇代表作，讲述了一个关于城市与乡村之间来回奔波的普通人的故事。" * 2

APPLICATION = {
    "pen_name": "山间小记",
    "tagline": "写山，也写山里的人",
    "channel": "local",
    "intro": "在县城生活了二十年，喜欢记录身边的变化。",
    "sample_work": SAMPLE,
}


def _text(response) -> str:
    return response.content.decode()


def test_register_logs_in_and_goes_back_to_apply(client):
    page = client.get("/zh-hans/accounts/register/?next=/zh-hans/accounts/apply/")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in _text(page)
    response = client.post(
        "/zh-hans/accounts/register/",
        {
            "username": "reader1",
            "password": "a-long-passphrase",
            "password_confirm": "a-long-passphrase",
            "next": "/zh-hans/accounts/apply/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/zh-hans/accounts/apply/"
    user = User.objects.get(username="reader1")
    assert user.role == User.Role.READER and user.check_password("a-long-passphrase")
    # Logged in: the apply page shows the form, not the explanation.
    page = _text(client.get("/zh-hans/accounts/apply/"))
    assert 'name="pen_name"' in page


def test_register_errors_are_shown_in_the_readers_script_and_keep_the_username(client):
    UserFactory(username="taken")
    response = client.post(
        "/zh-hant/accounts/register/",
        {"username": "Taken", "password": "short", "password_confirm": "other"},
    )
    page = _text(response)
    assert response.status_code == 200
    assert "這個使用者名稱已經有人使用" in page
    assert "兩次輸入的密碼不一致" in page
    assert 'value="Taken"' in page
    # The password itself is never sent back.
    assert 'value="short"' not in page
    assert User.objects.filter(username__iexact="taken").count() == 1


def test_register_refuses_a_short_password(client):
    response = client.post(
        "/zh-hans/accounts/register/",
        {"username": "newbie", "password": "abc", "password_confirm": "abc"},
    )
    assert response.status_code == 200 and "8" in _text(response).split("password-error")[1][:200]
    assert not User.objects.filter(username="newbie").exists()


def test_register_next_never_leaves_the_site(client):
    response = client.post(
        "/zh-hans/accounts/register/",
        {
            "username": "careful",
            "password": "a-long-passphrase",
            "password_confirm": "a-long-passphrase",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/zh-hans/"


def test_login_and_logout(client):
    UserFactory(username="alice")
    page = client.get("/zh-hant/accounts/login/")
    assert page.status_code == 200 and "登入" in _text(page)
    bad = client.post("/zh-hant/accounts/login/", {"username": "alice", "password": "wrong"})
    assert bad.status_code == 200 and "使用者名稱或密碼不正確" in _text(bad)
    assert 'value="alice"' in _text(bad)
    ok = client.post(
        "/zh-hant/accounts/login/",
        {"username": "alice", "password": PASSWORD, "next": "/zh-hant/accounts/apply/"},
    )
    assert ok.status_code == 302 and ok["Location"] == "/zh-hant/accounts/apply/"
    assert client.get("/zh-hant/accounts/logout/").status_code == 405  # logout is a POST
    out = client.post("/zh-hant/accounts/logout/")
    assert out.status_code == 302 and out["Location"] == "/zh-hant/"
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("role", "lands", "apply_link"),
    [("reader", "/zh-hk/", True), ("creator", "/zh-hk/studio/", False), ("editor", "/zh-hk/desk/", False)],
)
def test_sign_in_lands_where_each_role_works(client, role, lands, apply_link):
    # Without a ?next=, a creator lands in the studio and an editor at the desk; 申请入驻 is
    # offered only to those who can still apply.
    {"reader": UserFactory, "creator": creator, "editor": editor}[role](username="who")
    ok = client.post("/zh-hk/accounts/login/", {"username": "who", "password": PASSWORD})
    assert ok.status_code == 302 and ok["Location"] == lands
    page = _text(client.get(lands))
    assert page.count('class="apply"') == (1 if apply_link else 0)


def test_apply_page_for_anonymous_explains_and_links_back(client):
    page = _text(client.get("/zh-hans/accounts/apply/"))
    assert "申请入驻" in page and 'name="pen_name"' not in page
    assert "/zh-hans/accounts/register/?next=/zh-hans/accounts/apply/" in page
    assert "/zh-hans/accounts/login/?next=/zh-hans/accounts/apply/" in page


def test_apply_errors_keep_what_was_typed(client):
    client.force_login(UserFactory())
    typed = {**APPLICATION, "sample_work": "太短了", "channel": "nope"}
    response = client.post("/zh-hant/accounts/apply/", typed)
    page = _text(response)
    assert response.status_code == 200
    assert "代表作至少 50 個字" in page
    assert "請從列表中選擇領域" in page
    assert 'value="山间小记"' in page and "在县城生活了二十年" in page and "太短了" in page
    assert not CreatorApplication.objects.exists()


def test_apply_approve_flow_and_audit(client):
    reader = UserFactory()
    client.force_login(reader)
    response = client.post("/zh-hans/accounts/apply/", APPLICATION)
    assert response.status_code == 302
    page = _text(client.get("/zh-hans/accounts/apply/"))
    assert "待审核" in page and 'name="pen_name"' not in page
    # A second application while one is pending is refused with a message.
    again = _text(client.post("/zh-hans/accounts/apply/", APPLICATION))
    assert "你的申请正在审核中" in again

    desk = client.__class__()
    desk.force_login(editor())
    listing = _text(desk.get("/zh-hans/desk/applications/"))
    assert "山间小记" in listing and "城市与乡村" in listing
    application = CreatorApplication.objects.get(user=reader)
    assert (
        desk.post(f"/zh-hans/desk/applications/{application.id}/review/", {"decision": "approve"}).status_code
        == 302
    )

    reader.refresh_from_db()
    assert reader.is_creator and reader.creator_profile.pen_name == "山间小记"
    page = _text(client.get("/zh-hans/accounts/apply/"))
    assert "/zh-hans/studio/" in page
    assert client.get("/zh-hans/studio/").status_code == 200
    assert AuditEntry.objects.filter(action="application.approve", target_id=application.id).exists()


def test_rejection_reason_is_shown_and_a_new_application_is_allowed(client):
    reader = UserFactory()
    client.force_login(reader)
    client.post("/zh-hans/accounts/apply/", APPLICATION)
    application = CreatorApplication.objects.get(user=reader)

    desk = client.__class__()
    desk.force_login(editor())
    # The reason is required for a rejection, and what was typed stays.
    missing = desk.post(
        f"/zh-hans/desk/applications/{application.id}/review/", {"decision": "reject", "reason": "  "}
    )
    assert missing.status_code == 200 and "请写明不通过的理由" in _text(missing)
    application.refresh_from_db()
    assert application.status == CreatorApplication.Status.PENDING
    desk.post(
        f"/zh-hans/desk/applications/{application.id}/review/",
        {"decision": "reject", "reason": "代表作与所选领域无关，请换一篇本地题材的文章"},
    )
    application.refresh_from_db()
    assert application.status == CreatorApplication.Status.REJECTED

    page = _text(client.get("/zh-hant/accounts/apply/"))
    assert "未通過" in page and "代表作與所選領域無關" in page  # the editor's reason, in the reader's script
    # The form is back, filled with the last application, for a new try.
    assert 'name="pen_name"' in page and 'value="山间小记"' in page
    assert client.post("/zh-hans/accounts/apply/", APPLICATION).status_code == 302
    assert CreatorApplication.objects.filter(user=reader).count() == 2
    assert "待审核" in _text(client.get("/zh-hans/accounts/apply/"))


def test_creator_sees_a_link_to_the_studio(client):
    profile = creator()
    client.force_login(profile.user)
    page = _text(client.get("/zh-hans/accounts/apply/"))
    assert 'href="/zh-hans/studio/"' in page and 'name="pen_name"' not in page


def test_forms_need_the_csrf_token():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/zh-hans/accounts/register/",
        {"username": "nocsrf", "password": "a-long-passphrase", "password_confirm": "a-long-passphrase"},
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="nocsrf").exists()
    # With the token from the page, the same form works.
    strict.get("/zh-hans/accounts/register/")
    token = strict.cookies["csrftoken"].value
    response = strict.post(
        "/zh-hans/accounts/register/",
        {
            "username": "withcsrf",
            "password": "a-long-passphrase",
            "password_confirm": "a-long-passphrase",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302 and User.objects.filter(username="withcsrf").exists()
