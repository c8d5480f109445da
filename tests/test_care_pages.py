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


# The article's boxes a reader sees above the first paragraph: [(class, top, bottom)].
_ABOVE_FIRST_PARAGRAPH = """() => {
  const post = document.querySelector('article.post'), first = post.querySelector('.post-body p');
  const top = first.getBoundingClientRect().top;
  return Array.from(post.children).filter(el => {
    const box = el.getBoundingClientRect();
    return box.height > 0 && getComputedStyle(el).visibility !== 'hidden' && box.top < top;
  }).map(el => {
    const box = el.getBoundingClientRect();
    return [el.className, Math.round(box.top), Math.round(box.bottom)];
  });
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_care_article_on_a_phone_has_only_the_title_and_reading_tools_before_the_text(live_server, chromium):
    """關懷版 on a 390 px phone (issue 15): before the first paragraph only the title and the
    reading tools (text size, read-aloud); the meta line, sharing (its QR box open), the 题图 and
    the rest come after the text. Normal mode keeps its order (the lead image above the text)."""
    from zimei.articles.services import ArticleInput, article_create, article_publish, image_create

    from .browser import screenshot
    from .factories import creator, png_bytes

    author = creator(channel="local", pen_name="林间笔记")
    cover = image_create(owner=author.user, data=png_bytes(900, 600, "#258"), name="cover.png")
    body = "".join(
        f"<p>第{n}段：清晨六点，卖豆浆的阿姨已经支起了摊子，蒸笼里的热气把半条街都熏得暖洋洋的。</p>"
        for n in range(1, 5)
    )
    article = article_create(
        author=author,
        data=ArticleInput(
            title="一条老街的三种早晨",
            body_html=body,
            channel="local",
            cover_id=cover.id,
            lead_image=True,
            cover_alt="清晨的老街，豆浆摊前冒着热气",
        ),
    )
    article_publish(article=article, actor=author.user)
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    try:
        for script in ("zh-hans", "zh-hk"):
            page.goto(f"{live_server.url}/{script}/care/a/{article.id}/")
            page.wait_for_load_state("networkidle")
            above = page.evaluate(_ABOVE_FIRST_PARAGRAPH)
            assert [c for c, _, _ in above] == ["post-title", "care-tools"], above
            order = page.evaluate(
                "() => Array.from(document.querySelector('article.post').children)"
                ".filter(el => el.getBoundingClientRect().height > 0)"
                ".sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)"
                ".map(el => el.className.split(' ')[0]).slice(0, 6)"
            )
            assert order[:4] == ["post-title", "care-tools", "post-body", "lead"], order
            assert page.locator(".care-tools [data-read]").first.is_visible()  # read-aloud is there
            tools = page.locator(".care-tools").bounding_box()
            assert tools["height"] < 230, tools  # two rows of 60 px targets (and the rate), not four
            first = page.locator(".post-body p").first.bounding_box()
            assert first["y"] < 844, first  # the text starts in the first screen
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            screenshot(page, f"care-article-phone-{script}")
        page.goto(f"{live_server.url}/zh-hans/a/{article.id}/")
        above = [c for c, _, _ in page.evaluate(_ABOVE_FIRST_PARAGRAPH)]
        assert above[0] == "post-title" and above[-1] == "lead", above
    finally:
        context.close()
