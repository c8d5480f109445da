"""Care mode reaches the pages no reader view renders: error pages under /<variant>/care/ (404,
429, 503) and the accounts pages a care page links to, and keeps it across their links."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory

from zimei.core.outage import unavailable_page
from zimei.core.ratelimit import RateLimited, rate_limited_page

pytestmark = pytest.mark.django_db

CARE_CSS = '<link rel="stylesheet" href="/static/zimei/care.css">'


def _care(html: str) -> bool:
    return CARE_CSS in html and re.search(r'<html[^>]* class="care"', html) is not None


def test_error_pages_under_care_are_in_care_mode(client):
    page = client.get("/zh-hant/care/no-such-page/")
    assert page.status_code == 404 and _care(page.content.decode())
    assert "退出關懷版" in page.content.decode()
    plain = client.get("/zh-hant/no-such-page/").content.decode()
    assert not _care(plain) and '<a class="care-enter" href="/zh-hant/care/">' in plain

    request = RequestFactory().get("/zh-hk/care/a/1/")
    assert _care(unavailable_page(request).content.decode())
    request = RequestFactory().get("/zh-hans/care/a/1/report/")
    limited = RateLimited("report", retry_after=60, limit=5, window=60)
    assert _care(rate_limited_page(request, limited).content.decode())


def test_error_pages_in_care_mode_lead_back_to_care_pages(client):
    """返回首页 on a care 404, 429 and 503 page goes to the care home page, and the 429 page's
    重新提交 sends the form back to the address it came from, ?care=1 and ?next= included."""
    page = client.get("/zh-hant/care/no-such-page/").content.decode()
    assert '<a class="btn" href="/zh-hant/care/">' in page
    assert (
        '<a class="btn" href="/zh-hk/care/">'
        in unavailable_page(RequestFactory().get("/zh-hk/care/")).content.decode()
    )
    for _ in range(5):  # the fifth failure locks the account (429)
        locked = client.post(
            "/zh-hans/accounts/login/?care=1&next=/zh-hans/care/following/",
            {"username": "nobody", "password": "wrong"},
        )
    assert locked.status_code == 429
    html = locked.content.decode()
    assert _care(html) and '<a class="btn" href="/zh-hans/care/">' in html
    assert 'action="/zh-hans/accounts/login/?care=1&amp;next=/zh-hans/care/following/"' in html
    # The standard pages lead to the standard home page.
    assert '<a class="btn" href="/zh-hant/">' in client.get("/zh-hant/no-such-page/").content.decode()


def test_accounts_pages_keep_care_mode(client):
    home = client.get("/zh-hans/care/").content.decode()
    assert 'href="/zh-hans/accounts/login/?care=1"' in home
    assert 'href="/zh-hans/accounts/apply/?care=1"' in home

    login = client.get("/zh-hans/accounts/login/?care=1").content.decode()
    assert _care(login)
    assert 'href="/zh-hans/accounts/register/?care=1"' in login
    assert '<a class="care-exit" href="/zh-hans/accounts/login/">' in login
    # From a care page that asked for sign-in (a report): its next page is in care mode.
    login = client.get("/zh-hans/accounts/login/?next=/zh-hans/care/a/1/report/").content.decode()
    assert _care(login) and "care=1" in re.search(r'href="(/zh-hans/accounts/register/[^"]*)"', login)[1]
    register = client.get("/zh-hans/accounts/register/?care=1").content.decode()
    assert _care(register) and 'href="/zh-hans/accounts/login/?care=1"' in register
    intro = client.get("/zh-hans/accounts/apply/?care=1").content.decode()
    assert _care(intro) and "&amp;care=1" in intro

    plain = client.get("/zh-hans/accounts/login/").content.decode()
    assert not _care(plain) and '<a class="care-enter" href="/zh-hans/accounts/login/?care=1">' in plain
    # Studio and desk are never in care mode; ?care=1 is for accounts pages only.
    assert not _care(client.get("/zh-hans/search/?care=1").content.decode())


def test_footer_pages_switch_to_their_own_care_version(client):
    about = client.get("/zh-hans/about/").content.decode()
    assert '<a class="care-enter" href="/zh-hans/care/about/">' in about
    assert _care(client.get("/zh-hans/care/about/").content.decode())


def test_a_reader_signing_in_and_out_from_care_mode_stays_in_it(client):
    from .factories import UserFactory

    reader = UserFactory()
    signed_in = client.post(
        "/zh-hans/accounts/login/?care=1", {"username": reader.username, "password": "correct-horse-battery"}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/zh-hans/care/"
    home = client.get("/zh-hans/care/").content.decode()
    assert 'action="/zh-hans/accounts/logout/?care=1"' in home
    signed_out = client.post("/zh-hans/accounts/logout/?care=1")
    assert signed_out["Location"] == "/zh-hans/care/"
