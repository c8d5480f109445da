"""API tokens in the studio: made by the creator, shown once, stored as a hash, revocable."""

from __future__ import annotations

import hashlib
import re

import pytest

from zimei.accounts.models import ApiToken
from zimei.accounts.services import token_authenticate

from .factories import UserFactory, creator

pytestmark = pytest.mark.django_db


@pytest.fixture
def studio(client):
    profile = creator()
    client.force_login(profile.user)
    client.profile = profile
    return client


def test_a_creator_makes_a_token_that_is_shown_once_and_stored_as_a_hash(studio):
    response = studio.post("/zh-hant/studio/tokens/", {"name": "我的腳本", "scope": "write"})
    page = response.content.decode()
    assert response.status_code == 200 and "新令牌只顯示這一次" in page
    token = re.search(r'<code class="token-value">([^<]+)</code>', page).group(1)
    row = ApiToken.objects.get(user=studio.profile.user)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    assert token_authenticate(token) == row
    # The list shows its beginning only; the token itself is not on the page any more.
    later = studio.get("/zh-hant/studio/tokens/").content.decode()
    assert row.prefix in later and token not in later


def test_revoking_a_token_stops_it(studio):
    page = studio.post("/zh-hans/studio/tokens/", {"name": "ci", "scope": "read"}).content.decode()
    token = re.search(r'<code class="token-value">([^<]+)</code>', page).group(1)
    row = ApiToken.objects.get()
    assert token_authenticate(token) == row
    response = studio.post(f"/zh-hans/studio/tokens/{row.id}/revoke/", follow=True)
    assert "已吊销令牌" in response.content.decode()
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert token_authenticate(token) is None


def test_bad_scope_keeps_what_was_typed(studio):
    response = studio.post("/zh-hant/studio/tokens/", {"name": "保留的名字", "scope": "admin"})
    page = response.content.decode()
    assert response.status_code == 400 and "權限只能是 read 或 write" in page
    assert 'value="保留的名字"' in page and not ApiToken.objects.exists()


def test_only_the_owner_can_revoke_and_readers_have_no_tokens_page(client, studio):
    studio.post("/zh-hans/studio/tokens/", {"name": "mine", "scope": "write"})
    row = ApiToken.objects.get()
    other = creator()
    client.force_login(other.user)
    assert client.post(f"/zh-hans/studio/tokens/{row.id}/revoke/").status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None
    client.force_login(UserFactory())
    assert client.get("/zh-hans/studio/tokens/").status_code == 403


def test_last_use_is_recorded_again_a_whole_day_later():
    """`last_used_at` is refreshed at most once a minute, and a day later too (not only when the
    seconds part of the gap passes a minute)."""
    from datetime import timedelta

    from django.utils import timezone

    from zimei.accounts.services import token_create

    author = creator()
    row, token = token_create(user=author.user, name="t")
    day_ago = timezone.now() - timedelta(days=1, seconds=5)
    ApiToken.objects.filter(id=row.id).update(last_used_at=day_ago)
    token_authenticate(token)
    assert ApiToken.objects.get(id=row.id).last_used_at > day_ago + timedelta(days=1)
