"""The 无障碍 toolbar and care mode's reading tools in headless Chromium: opened by keyboard,
settings that apply and survive a page load, Esc, the care text size, and read-aloud.

Headless Chromium has `speechSynthesis` but usually no voices, so nothing is heard: the test
watches what our controls hand to the browser's `speechSynthesis.speak` (the call goes on to the
real one) and checks the utterance's text and language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .browser import screenshot
from .factories import creator, published_article
from .live import once

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    once("browser behaviour of static JavaScript and CSS; the database only holds one article"),
]

# Records each utterance handed to the browser, then lets the browser speak it.
WATCH_SPEECH = """
window.__spoken = [];
if (window.speechSynthesis) {
  const real = window.speechSynthesis.speak.bind(window.speechSynthesis);
  window.speechSynthesis.speak = (u) => {
    window.__spoken.push({ text: u.text, lang: u.lang, rate: u.rate });
    return real(u);
  };
}
"""
FIRST = "软件和信息技术正在改变芯片产业。这是第一段。"
SECOND = "第二段讨论软件生态，以及开发者的选择。"


@pytest.fixture
def article():
    body = f"<p>{FIRST}</p><h2>生态之争</h2><p>{SECOND}</p>"
    return published_article(creator(channel="tech"), title="人工智能芯片大战：谁的软件生态更强？", body=body)


def _font_px(page, selector: str) -> float:
    return page.locator(selector).first.evaluate("(e) => parseFloat(getComputedStyle(e).fontSize)")


def test_toolbar_by_keyboard_and_care_read_aloud(live_server, chromium, article):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-TW", is_mobile=True)
    context.add_init_script(WATCH_SPEECH)
    page = context.new_page()
    try:
        url = f"{live_server.url}/zh-hant/a/{article.id}/"
        page.goto(url)
        opener = page.locator("#a11y-open")
        bar = page.locator("#a11y-bar")
        assert opener.inner_text() == "無障礙瀏覽" and bar.is_hidden()

        # Keyboard: focus the header's 無障礙瀏覽, Enter opens the toolbar (its markup is fetched
        # the first time) and moves focus into it.
        opener.focus()
        page.keyboard.press("Enter")
        expect(bar).to_be_visible()
        expect(opener).to_have_attribute("aria-expanded", "true")
        assert page.evaluate("document.getElementById('a11y-bar').contains(document.activeElement)")
        # Focus is on 缩小, the first control; Tab to 放大 and press it twice: 150 %.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "放大"
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
        assert bar.locator(".zoom-now").inner_text() == "150%"
        bar.get_by_role("button", name="高對比度").click()
        assert bar.get_by_role("button", name="高對比度").get_attribute("aria-pressed") == "true"
        colour = "(e) => getComputedStyle(e).color + ' on ' + getComputedStyle(e).backgroundColor"
        assert page.locator(".post-body p").first.evaluate(colour) == "rgb(255, 255, 0) on rgb(0, 0, 0)"

        # Esc closes it and gives focus back to the header link.
        bar.get_by_role("button", name="高對比度").focus()
        page.keyboard.press("Escape")
        assert bar.is_hidden() and opener.get_attribute("aria-expanded") == "false"
        assert page.evaluate("document.activeElement.id") == "a11y-open"

        # The settings survive a page load (kept in this browser; the page itself is cached).
        page.reload()
        assert page.evaluate("document.documentElement.style.zoom") == "1.5"
        assert page.evaluate("document.documentElement.classList.contains('a11y-contrast')")
        opener.click()
        expect(bar).to_be_visible()
        bar.get_by_role("button", name="重置").click()
        assert page.evaluate("document.documentElement.style.zoom") == ""
        page.keyboard.press("Escape")

        # Care mode: the text size goes up in four steps to 40px and more, and stays.
        page.goto(f"{live_server.url}/zh-hant/care/a/{article.id}/")
        tools = page.locator("article .care-tools")
        assert _font_px(page, ".post-body p") >= 24
        bigger = tools.get_by_role("button", name="字變大")
        for _ in range(4):
            bigger.click()
        assert bigger.is_disabled() and _font_px(page, ".post-body p") >= 40
        page.reload()
        assert _font_px(page, ".post-body p") >= 40
        # On a phone nothing but the title and the reading tools comes before the first paragraph.
        first_p = page.locator(".post-body p").first.bounding_box()
        for other in (".post-meta", ".share"):
            assert page.locator(other).bounding_box()["y"] > first_p["y"], other
        for _ in range(4):
            tools.get_by_role("button", name="字變小").click()

        # Read-aloud: the whole article (title first) in Taiwan's Chinese, then the touched paragraph.
        tools.get_by_role("button", name="朗讀全文").click()
        spoken = page.evaluate("window.__spoken")
        assert spoken[0]["lang"] == "zh-TW" and spoken[0]["text"] == "人工智慧晶片大戰：誰的軟體生態更強？", (
            spoken
        )
        tools.get_by_role("button", name="停止").click()
        tools.get_by_role("button", name="點讀").click()
        assert tools.get_by_role("button", name="點讀").get_attribute("aria-pressed") == "true"
        tools.locator("select").select_option("1.3")
        second = page.locator(".post-body p").nth(1)
        second.click()
        last = page.evaluate("window.__spoken.at(-1)")
        assert (
            last["text"] == second.inner_text() and last["lang"] == "zh-TW" and abs(last["rate"] - 1.3) < 0.01
        )
        screenshot(page, "care-article-phone-read-tools")
        voices = page.evaluate("speechSynthesis.getVoices().length")
        print(f"speechSynthesis voices in this Chromium: {voices}")
    finally:
        context.close()
