"""Rate limits through HTTP (sign-in lockout, registration, applications, publishing, reports,
API tokens), the shared counter under several worker processes, and Argon2 password hashes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings as django_settings

from zimei.accounts.models import ApiToken, CreatorApplication, User
from zimei.accounts.services import creator_application_review, token_create
from zimei.articles.models import Article
from zimei.articles.services import ArticleInput, article_create
from zimei.conversion.variants import ui
from zimei.core.ratelimit import RateLimited, rate_count, rate_hit
from zimei.moderation.models import Report
from zimei.moderation.services import report_create

from .factories import BODY, UserFactory, creator, editor, published_article

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LOGIN = "/zh-hans/accounts/login/"


def _limits(settings, **changes: tuple[int, int]) -> None:
    settings.ZIMEI_RATE_LIMITS = {**django_settings.ZIMEI_RATE_LIMITS, **changes}


def _text(response) -> str:
    return response.content.decode()


def _login(client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


# --- sign-in lockout ----------------------------------------------------------------------


def test_five_failures_lock_the_account_even_for_the_right_password(client):
    user = UserFactory(username="lin")
    for _ in range(4):
        wrong = _login(client, "lin", "wrong-password")
        assert wrong.status_code == 200 and "用户名或密码不正确" in _text(wrong)
    locked = _login(client, "lin", "wrong-password")  # the fifth failure locks
    assert locked.status_code == 429
    assert 890 <= int(locked["Retry-After"]) <= 900
    page = _text(locked)
    assert "登录失败次数太多" in page and "15 分钟" in page
    assert 'value="lin"' in page  # what was typed is kept
    assert "wrong-password" not in page  # the password never is
    right = _login(client, "LIN", PASSWORD)  # right password, other case: still locked
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    # Another account from the same address still signs in.
    UserFactory(username="other")
    assert _login(client, "other", PASSWORD).status_code == 302
    assert int(client.session["_auth_user_id"]) != user.id


def test_the_admin_login_is_locked_out_too(client):
    """/admin/login/ is another way to try passwords: the same lockout applies."""
    from zimei.accounts.services import user_create

    user_create(username="boss", password="a-long-passphrase", role=User.Role.ADMIN)
    for _ in range(4):
        assert client.post("/admin/login/", {"username": "boss", "password": "guess-1"}).status_code == 200
    assert client.post("/admin/login/", {"username": "boss", "password": "guess-1"}).status_code == 429
    right = client.post("/admin/login/", {"username": "boss", "password": "a-long-passphrase"})
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    # The site's own sign-in sees the same lock.
    assert _login(client, "boss", "a-long-passphrase").status_code == 429


def test_an_operator_unlocks_an_account(client):
    from django.core.management import call_command

    UserFactory(username="xu")
    for _ in range(5):
        _login(client, "xu", "wrong-wrong")
    assert _login(client, "xu", PASSWORD).status_code == 429
    out = io.StringIO()
    call_command("user", "unlock", "XU", stdout=out)
    assert "Unlocked XU" in out.getvalue()
    assert _login(client, "xu", PASSWORD).status_code == 302


def test_a_success_clears_the_accounts_failures(client):
    UserFactory(username="wen")
    for _ in range(4):
        _login(client, "wen", "nope-nope")
    assert _login(client, "wen", PASSWORD).status_code == 302
    client.post("/zh-hans/accounts/logout/")
    for _ in range(4):
        assert _login(client, "wen", "nope-nope").status_code == 200
    assert _login(client, "wen", PASSWORD).status_code == 302


def test_a_blank_password_does_not_clear_the_failures(client):
    UserFactory(username="gao")
    for _ in range(4):
        _login(client, "gao", "nope-nope")
    assert _login(client, "gao", "").status_code == 200  # nothing checked, nothing cleared
    assert _login(client, "gao", "nope-nope").status_code == 429


def test_failures_just_before_the_window_still_count(client, settings):
    """The sign-in count slides: failures in the previous window weigh by how much of it is
    still within the window. (A window of 10^10 s puts now at a fixed 17.6% into it.)"""
    import time

    from zimei.core.ratelimit import _count

    window = 10**10
    _limits(settings, **{"signin-account": (5, window)})
    UserFactory(username="liu")
    for _ in range(3):  # three failures in the previous window, weighing 3 × 0.824
        _count("signin-account", "liu", window, time.time() - window)
    assert _login(client, "liu", "wrong-wrong").status_code == 200  # 1 + 2.47
    assert _login(client, "liu", "wrong-wrong").status_code == 200  # 2 + 2.47
    assert _login(client, "liu", "wrong-wrong").status_code == 429  # 3 + 2.47 ≥ 5


def test_failures_from_one_address_lock_that_address(client, settings):
    _limits(settings, **{"signin-address": (3, 900)})
    UserFactory(username="ma")
    for name in ("a1", "a2"):
        assert _login(client, name, "x-x-x-x-x").status_code == 200
    locked = _login(client, "a3", "x-x-x-x-x")
    assert locked.status_code == 429 and "网络地址" in _text(locked)
    assert _login(client, "ma", PASSWORD).status_code == 429
    assert _login(client, "ma", PASSWORD, REMOTE_ADDR="10.1.2.3").status_code == 302


def test_the_lockout_page_is_in_the_readers_script(client):
    UserFactory(username="zhao")
    for _ in range(5):
        response = client.post("/zh-hant/accounts/login/", {"username": "zhao", "password": "bad-bad-bad"})
    assert response.status_code == 429
    page = _text(response)
    assert "這個帳號的登入失敗次數太多" in page and "分鐘" in page
    assert "操作太頻繁" in page
    # The typed username is kept under its label in the reader's script, ready to send again.
    assert f">{ui('用户名', 'zh-hant')}</label>" in page and 'name="username" value="zhao"' in page


# --- registration, applications, publishing, reports, tokens -------------------------------


def test_registrations_per_address(client, settings):
    _limits(settings, register=(2, 3600))
    for n in range(2):
        made = client.post(
            "/zh-hans/accounts/register/",
            {"username": f"new{n}", "password": "a-long-passphrase", "password_confirm": "a-long-passphrase"},
        )
        assert made.status_code == 302
        client.post("/zh-hans/accounts/logout/")
    refused = client.post(
        "/zh-hans/accounts/register/",
        {"username": "new2", "password": "a-long-passphrase", "password_confirm": "a-long-passphrase"},
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 3600
    page = _text(refused)
    assert "注册的账号太多" in page and 'value="new2"' in page and "a-long-passphrase" not in page
    assert not User.objects.filter(username="new2").exists()
    # Failed attempts (a taken name) do not use the quota of another address.
    other = client.post(
        "/zh-hans/accounts/register/",
        {"username": "new3", "password": "a-long-passphrase", "password_confirm": "a-long-passphrase"},
        REMOTE_ADDR="10.9.9.9",
    )
    assert other.status_code == 302


APPLICATION = {
    "pen_name": "山间小记",
    "tagline": "写山，也写山里的人",
    "channel": "local",
    "intro": "在县城生活了二十年，喜欢记录身边的变化。",
    "sample_work": "这是我的一篇代表作，讲述了一个关于城市与乡村之间来回奔波的普通人的故事。" * 2,
}


def test_applications_per_user_keep_what_was_typed(client, settings):
    _limits(settings, apply=(1, 86400))
    from .factories import ensure_channels

    ensure_channels()
    user = UserFactory()
    client.force_login(user)
    bad = client.post("/zh-hans/accounts/apply/", {**APPLICATION, "intro": "短"})
    assert bad.status_code == 200  # bad input does not use the quota
    assert client.post("/zh-hans/accounts/apply/", APPLICATION).status_code == 302
    first = CreatorApplication.objects.get(user=user)
    creator_application_review(application=first, actor=editor(), approve=False, reason="再写写")
    again = client.post("/zh-hans/accounts/apply/", {**APPLICATION, "pen_name": "山间又记"})
    assert again.status_code == 429
    page = _text(again)
    assert "提交申请太频繁" in page and "山间又记" in page and APPLICATION["sample_work"] in page
    assert CreatorApplication.objects.filter(user=user).count() == 1


def _draft(author) -> Article:
    return article_create(
        author=author, data=ArticleInput(title="一篇草稿的标题", body_html=BODY, channel=author.channel.slug)
    )


def test_publishing_per_creator_in_the_studio_and_the_api(client, settings):
    _limits(settings, publish=(2, 3600))
    author = creator()
    client.force_login(author.user)
    for _ in range(2):
        assert client.post(f"/zh-hans/studio/{_draft(author).id}/publish/").status_code == 302
    held = _draft(author)
    refused = client.post(f"/zh-hans/studio/{held.id}/publish/")
    assert refused.status_code == 429 and "发布文章太频繁" in _text(refused)
    assert 1 <= int(refused["Retry-After"]) <= 3600
    held.refresh_from_db()
    assert held.status == Article.Status.DRAFT
    # The editor's publish button: what was typed comes back on the 429 page, nothing is saved.
    edit = client.post(
        f"/zh-hans/studio/{held.id}/edit/",
        {"title": "改过的标题", "body_html": BODY, "channel": "tech", "action": "publish"},
    )
    assert edit.status_code == 429 and "改过的标题" in _text(edit)
    held.refresh_from_db()
    assert held.title == "一篇草稿的标题"
    # The API counts against the same quota and answers a problem document.
    _, token = token_create(user=author.user)
    api = client.post(f"/api/v1/articles/{held.id}/publish", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 429 and api["Content-Type"].startswith("application/problem+json")
    assert api.json()["message"] == "你发布文章太频繁了。" and int(api["Retry-After"]) >= 1
    # Another creator is not held back.
    other = creator()
    client.force_login(other.user)
    assert client.post(f"/zh-hans/studio/{_draft(other).id}/publish/").status_code == 302


def test_reports_per_reader(settings):
    _limits(settings, report=(2, 3600))
    reader = UserFactory()
    articles = [published_article() for _ in range(3)]
    for article in articles[:2]:
        report_create(article=article, reporter=reader, category=Report.Category.values[0], note="x")
    with pytest.raises(RateLimited) as refused:
        report_create(article=articles[2], reporter=reader, category=Report.Category.values[0], note="x")
    assert refused.value.message == "你举报太频繁了。"
    assert Report.objects.filter(reporter=reader).count() == 2
    other = UserFactory()
    report_create(article=articles[2], reporter=other, category=Report.Category.values[0], note="x")


def test_api_tokens_per_user_in_the_studio(client, settings):
    _limits(settings, token=(2, 3600))
    author = creator()
    client.force_login(author.user)
    for n in range(2):
        assert client.post("/zh-hans/studio/tokens/", {"name": f"t{n}", "scope": "read"}).status_code == 200
    refused = client.post("/zh-hans/studio/tokens/", {"name": "third", "scope": "write"})
    assert refused.status_code == 429 and "创建 API 令牌太频繁" in _text(refused)
    assert 'value="third"' in _text(refused)
    assert ApiToken.objects.filter(user=author.user).count() == 2


def test_shares_per_address(client, settings):
    """ZIMEI_RATE_SHARE: share posts per address, counted or not; the form answers 429."""
    _limits(settings, share=(3, 600))
    article = published_article()
    for n in range(3):
        agent = {"HTTP_USER_AGENT": f"Mozilla/5.0 Firefox/{130 + n}.0"}
        assert client.post(f"/share/{article.id}/link/", **agent).status_code == 204
    refused = client.post(f"/share/{article.id}/weibo/", HTTP_USER_AGENT="Mozilla/5.0 Firefox/139.0")
    assert refused.status_code == 429 and "分享太频繁" in _text(refused) and refused["Retry-After"]
    article.refresh_from_db()
    assert article.share_count == 3
    elsewhere = client.post(f"/share/{article.id}/link/", REMOTE_ADDR="198.51.100.40")
    assert elsewhere.status_code == 204
    article.refresh_from_db()
    assert article.share_count == 4


def test_settings_turn_a_limit_off(settings):
    _limits(settings, publish=(0, 3600))
    for _ in range(100):
        rate_hit("publish", "someone")


# --- the shared counter -------------------------------------------------------------------

WORKER = textwrap.dedent(
    """
    import django, sys
    django.setup()
    from zimei.core.ratelimit import rate_count
    for _ in range(int(sys.argv[1])):
        rate_count("report", "shared-key")
    """
)


def test_counts_are_shared_and_exact_across_worker_processes(settings):
    """Two server processes counting at once: the store is shared and no count is lost."""
    _limits(settings, report=(10_000, 10**10))  # one window for the whole run, whatever the hour
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="zimei.settings", ZIMEI_DATA_DIR=str(settings.DATA_DIR))
    env["ZIMEI_RATE_REPORT"] = f"10000/{10**10}"
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, "150"], env=env, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for worker in workers:
        assert worker.wait(timeout=60) == 0, worker.stderr.read().decode()
    assert rate_count("report", "shared-key") == 301


def test_the_file_store_expires_and_sweeps(tmp_path):
    from zimei.core.ratelimit import FileCounterCache

    store = FileCounterCache(str(tmp_path), {})
    assert store.add("a", 0, 60) and not store.add("a", 5, 60)
    assert store.incr("a", 2) == 2 and store.get("a") == 2
    store.set("gone", 1, 0)  # expired at once
    assert store.get("gone", "none") == "none" and not store.has_key("gone")
    with pytest.raises(ValueError):
        store.incr("gone")
    assert store.sweep() == 1 and store.get("a") == 2
    assert store.delete("a") and store.get("a") is None


def test_the_limiter_counts_in_redis_when_scaled_out(settings):
    from .test_redis import REDIS_URL, _redis_up

    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running at 127.0.0.1:6379 (CI must have it)")
        pytest.skip("no Redis server at 127.0.0.1:6379 on this machine")
    settings.CACHES = {
        **django_settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "zimei-test-rl",
        },
    }
    from django.core.cache import caches

    caches["ratelimit"].clear()
    _limits(settings, token=(3, 3600))
    try:
        for _ in range(3):
            rate_hit("token", "redis-user")
        with pytest.raises(RateLimited):
            rate_hit("token", "redis-user")
    finally:
        caches["ratelimit"].clear()


# --- Argon2 -------------------------------------------------------------------------------


def test_new_passwords_are_hashed_with_argon2(client, settings):
    import zimei.settings as configured

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = configured.PASSWORD_HASHERS  # the suite hashes with MD5 for speed
    response = client.post(
        "/zh-hans/accounts/register/",
        {"username": "argon", "password": "a-long-passphrase", "password_confirm": "a-long-passphrase"},
    )
    assert response.status_code == 302
    stored = User.objects.get(username="argon").password
    assert stored.startswith("argon2$argon2id$")
    client.post("/zh-hans/accounts/logout/")
    assert _login(client, "argon", "a-long-passphrase").status_code == 302
