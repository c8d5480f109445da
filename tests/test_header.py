"""The site header in headless Chromium: the mark, the search box, the tools and one account menu
(docs/accessibility.md, "The header"). The menu opens by keyboard and by click on desktop and
phone, holds each role's own links, closes on Esc, a click elsewhere or the focus leaving, has
no axe violations open, works without JavaScript, and in care mode opens in place as a list of
60 px buttons; pages keep being cached for anonymous readers while signed-in ones see their own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .browser import screenshot, session_cookies
from .factories import UserFactory, creator, ensure_channels, published_article
from .live import once

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# The header before the account menu (main at 1ea0755, the demo's home page at 390 px): 204 px
# signed out, 243 px signed in (studio, desk, 我的跟帖 … each a link). It must not grow.
PHONE_HEADER_BEFORE = 204
AXE_JS = Path(
    os.environ.get(
        "ZIMEI_AXE_JS",
        Path(__file__).resolve().parent.parent / ".cache/npm/node_modules/axe-core/axe.min.js",
    )
)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RUN_AXE = """async (tags) => {
  const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
  const r = await axe.run(document.querySelector('body > header'), options);
  return r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
}"""

# Each role's menu, in order (zh-hans); 退出 is a button in a POST form after them.
MENUS = {
    "reader": ["我的跟帖", "我的收藏", "我的关注", "申请入驻"],
    "creator": ["我的跟帖", "我的收藏", "我的关注", "创作中心"],
    "editor": ["我的跟帖", "我的收藏", "我的关注", "编辑台"],
}


@pytest.fixture
def people():
    ensure_channels()
    writer = creator(channel="tech", pen_name="林间笔记")
    published_article(writer, title="人工智能芯片大战：谁的软件生态更强？")
    return {
        "reader": UserFactory(username="duzhe"),
        "creator": writer.user,
        "editor": UserFactory(username="bianji", role="editor"),
    }


def _page(chromium, url: str, user, viewport: dict, **options):
    context = chromium.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE, **options)
    context.add_cookies(session_cookies(user, url))
    return context.new_page()


def _links(menu) -> list[str]:
    return [t.strip() for t in menu.locator("ul a").all_inner_texts()]


@once("the header's HTML, CSS and site.js in the browser; the database only holds three people")
def test_account_menu_by_keyboard_and_click_on_desktop_and_phone(live_server, chromium, people):
    url = live_server.url
    axe = AXE_JS.read_text(encoding="utf-8") + "\n;0" if AXE_JS.exists() else None
    if axe is None:
        pytest.fail(f"axe-core not found at {AXE_JS}: `./dev test` installs it from the npm registry")
    for role, user in people.items():
        for viewport in (DESKTOP, PHONE):
            page = _page(chromium, url, user, viewport)
            page.goto(f"{url}/zh-hans/")
            menu = page.locator("details.account-menu")
            summary = menu.locator("summary")
            name = "林间笔记" if role == "creator" else user.username
            # The summary is the avatar and the name (on a phone the name is for screen readers
            # only) and says what it opens; the links are hidden until it is opened.
            expected = f"{name}（账号菜单）"
            spoken = "(s) => [...s.children].filter((c) => !c.ariaHidden).map((c) => c.textContent).join('')"
            assert summary.evaluate(spoken) == expected
            assert not menu.locator("ul").is_visible()
            # The header: the mark, the search box, 无障碍浏览 and 进入关怀版 are visible; none of
            # the personal links is, and the page does not scroll sideways.
            # (a11y.js makes 无障碍浏览 a button that opens its toolbar)
            assert page.locator("header").get_by_role("button", name="无障碍浏览").is_visible()
            assert page.locator("header").get_by_role("link", name="进入关怀版").is_visible()
            assert page.locator("header .search-box input").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            height = page.locator("body > header").bounding_box()["height"]
            if viewport is PHONE:
                assert height < PHONE_HEADER_BEFORE, height

            # Keyboard: Enter on the summary opens it, Tab reaches its links in order, Esc closes
            # it and gives the focus back to the summary.
            summary.focus()
            page.keyboard.press("Enter")
            assert menu.get_attribute("open") is not None and menu.locator("ul").is_visible()
            assert _links(menu) == MENUS[role], (role, _links(menu))
            assert menu.get_by_role("button", name="退出").is_visible()
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.textContent") == MENUS[role][0]
            # Open, the menu is inside the page and axe finds nothing wrong with the header.
            box = menu.locator("ul").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
            page.evaluate(axe)
            assert page.evaluate(RUN_AXE, AXE_TAGS) == [], (role, viewport)
            if role == "creator":
                screenshot(page, f"header-menu-{'phone' if viewport is PHONE else 'desktop'}")
            page.keyboard.press("Escape")
            assert menu.get_attribute("open") is None
            assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
            # Space opens it too (a <summary> is a button).
            page.keyboard.press(" ")
            assert menu.locator("ul").is_visible()
            page.keyboard.press("Escape")

            # Click: opens; a click elsewhere closes it; Tab past the last item closes it.
            summary.click()
            assert menu.locator("ul").is_visible()
            page.locator("main").click(position={"x": 5, "y": 5})
            assert not menu.locator("ul").is_visible()
            summary.click()
            menu.get_by_role("button", name="退出").focus()
            page.keyboard.press("Tab")
            assert not menu.locator("ul").is_visible()

            # The links go where they say.
            summary.click()
            menu.get_by_role("link", name=MENUS[role][1]).click()
            page.wait_for_url("**/zh-hans/me/saved/")
            page.context.close()


@once("the header's HTML and CSS in the browser")
def test_account_menu_in_care_mode_other_scripts_and_without_javascript(live_server, chromium, people):
    url = live_server.url
    reader = people["reader"]
    # Care mode on a phone, Hong Kong script: a list in the page, every target 60 × 60 and every
    # text 24 px, nothing floating.
    page = _page(chromium, url, reader, PHONE)
    page.goto(f"{url}/zh-hk/care/")
    menu = page.locator("details.account-menu")
    assert page.locator("header").get_by_role("link", name="退出關懷版").is_visible()
    menu.locator("summary").click()
    assert _links(menu) == ["我的跟帖", "我的收藏", "我的關注", "申請入駐"]
    screenshot(page, "header-menu-care-phone")
    targets = menu.locator("summary, ul a, ul button")
    for i in range(targets.count()):
        box = targets.nth(i).bounding_box()
        assert box["width"] >= 59.5 and box["height"] >= 59.5, (targets.nth(i).inner_text(), box)
        size = targets.nth(i).evaluate("(e) => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 24, (targets.nth(i).inner_text(), size)
    assert menu.locator("ul").evaluate("(u) => getComputedStyle(u).position") == "static"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The list pushes the page down instead of covering it.
    below = page.locator("main").bounding_box()["y"]
    assert below >= menu.locator("ul").bounding_box()["y"] + menu.locator("ul").bounding_box()["height"]
    # 退出 signs out (a POST) and stays in care mode; the header then offers 登入.
    menu.get_by_role("button", name="退出").click()
    page.wait_for_url("**/zh-hk/care/")
    assert page.locator("details.account-menu").count() == 0
    assert page.locator("header").get_by_role("link", name="登入").is_visible()
    page.context.close()

    # Taiwan script on desktop, a creator: the pen name in the page's script.
    page = _page(chromium, url, people["creator"], DESKTOP)
    page.goto(f"{url}/zh-hant/")
    assert page.locator(".account-menu .who").inner_text() == "林間筆記"
    page.locator(".account-menu summary").click()
    assert _links(page.locator(".account-menu")) == ["我的跟帖", "我的收藏", "我的關注", "創作中心"]
    page.context.close()

    # Without JavaScript the menu still opens and closes (a <details>).
    page = _page(chromium, url, people["editor"], DESKTOP, java_script_enabled=False)
    page.goto(f"{url}/zh-hans/")
    summary = page.locator(".account-menu summary")
    summary.click()
    assert page.locator(".account-menu").get_by_role("link", name="编辑台").is_visible()
    summary.click()
    assert not page.locator(".account-menu ul").is_visible()
    page.context.close()


def test_cached_pages_for_anonymous_readers_private_ones_with_the_menu(client, people):
    # The page store keeps what anonymous readers get (no menu); a signed-in reader is never
    # served it: their page is rendered for them, with their menu, and not stored.
    from django.test import Client

    first, again = client.get("/zh-hans/"), client.get("/zh-hans/")
    assert (first["X-Cache"], again["X-Cache"]) == ("MISS", "HIT")
    assert "account-menu" not in again.content.decode() and 'class="login"' in again.content.decode()
    signed_in = Client()
    signed_in.force_login(people["editor"])
    mine = signed_in.get("/zh-hans/")
    page = mine.content.decode()
    assert "X-Cache" not in mine and "private" in mine["Cache-Control"]
    assert 'class="account-menu"' in page and "bianji" in page and "/zh-hans/desk/" in page
    assert 'action="/zh-hans/accounts/logout/"' in page and 'class="login"' not in page
