"""The article page in real headless Chromium: what a person sees, in both scripts and in care
mode. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .browser import screenshot
from .factories import creator, png_bytes, published_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Relative luminance and contrast ratio (WCAG 2.x), computed in the page.
CONTRAST_JS = """
(el) => {
  const parse = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let bgEl = el, bg = 'rgba(0, 0, 0, 0)';
  while (bgEl && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
    bg = getComputedStyle(bgEl).backgroundColor; bgEl = bgEl.parentElement;
  }
  if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
  const a = lum(parse(getComputedStyle(el).color)), b = lum(parse(bg));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


@pytest.fixture
def article():
    from zimei.articles.services import image_create

    author = creator(channel="tech", pen_name="林间笔记")
    image = image_create(owner=author.user, data=png_bytes(640, 360, "#2a6f97"), name="chart.png")
    body = (
        "<p>软件和信息技术正在改变芯片产业。这是第一段，讲的是人工智能芯片的竞争。</p>"
        f'<figure><img src="{image.url}" alt="一张图表"><figcaption>图：芯片出货量</figcaption></figure>'
        "<h2>生态之争</h2><p>第二段讨论软件生态，以及开发者的选择。</p>"
        '<p>更多内容见<a href="https://example.org/">参考资料</a>。</p>'
    )
    published_article(creator(channel="tech"), title="芯片工艺进入新阶段：软件生态成关键！")
    return published_article(author, title="人工智能芯片大战：谁的软件生态更强？", body=body)


def test_article_page_in_both_scripts(live_server, page, article):
    page.goto(f"{live_server.url}/zh-hans/a/{article.id}/")
    assert page.locator("h1.post-title").inner_text() == "人工智能芯片大战：谁的软件生态更强？"
    for text in [
        "申请入驻",
        "分享至",
        "相关推荐",
        "热点推荐",
        "往期回顾",
        "态度原创",
        "进入关怀版",
        "无障碍浏览",
    ]:
        assert page.get_by_text(text, exact=False).first.is_visible(), text
    img = page.locator(".post-body figure img")
    assert img.evaluate("(i) => i.complete && i.naturalWidth") == 640
    assert page.locator(".declaration").inner_text() == "声明：个人原创，仅供参考"
    screenshot(page, "article-zh-hans")

    # The switcher takes the reader to the same page in Traditional, and the choice sticks.
    page.get_by_role("link", name="繁體（台灣）").click()
    page.wait_for_url(f"**/zh-hant/a/{article.id}/")
    assert page.locator("h1.post-title").inner_text() == "人工智慧晶片大戰：誰的軟體生態更強？"
    assert page.locator(".declaration").inner_text() == "聲明：個人原創，僅供參考"
    assert "軟體和資訊科技" in page.locator(".post-body").inner_text()
    screenshot(page, "article-zh-hant")
    # …and on to Hong Kong Traditional, with Hong Kong wording; that choice sticks in turn.
    page.get_by_role("link", name="繁體（香港）").click()
    page.wait_for_url(f"**/zh-hk/a/{article.id}/")
    assert page.locator("h1.post-title").inner_text() == "人工智能芯片大戰：誰的軟件生態更強？"
    assert page.locator("html").get_attribute("lang") == "zh-Hant-HK"
    assert page.get_by_role("link", name="简体").is_visible()
    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/zh-hk/")
    page.get_by_role("link", name="繁體（台灣）").click()
    page.wait_for_url("**/zh-hant/")
    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/zh-hant/")

    # 態度原創 tabs switch without a page load.
    page.goto(f"{live_server.url}/zh-hant/a/{article.id}/")
    page.locator(".tabs label", has_text="手機").click()
    assert page.locator("#orig-mobile").is_checked()

    # Copying the link counts a share.
    before = int(page.locator(".share-count .n").inner_text())
    page.get_by_role("button", name="複製連結").click()
    page.wait_for_function(f"document.querySelector('.share-count .n').textContent === '{before + 1}'")
    page.wait_for_timeout(200)
    article.refresh_from_db()
    assert article.share_count == before + 1


def test_care_mode_is_large_high_contrast_and_single_column(live_server, page, article):
    page.goto(f"{live_server.url}/zh-hant/a/{article.id}/")
    page.get_by_role("link", name="進入關懷版").click()
    page.wait_for_url(f"**/zh-hant/care/a/{article.id}/")
    screenshot(page, "article-zh-hant-care")

    body_p = page.locator(".post-body p").first
    size = body_p.evaluate("(p) => parseFloat(getComputedStyle(p).fontSize)")
    line = body_p.evaluate("(p) => parseFloat(getComputedStyle(p).lineHeight)")
    assert size >= 24 and line / size >= 1.5, (size, line)

    # Every piece of text meets 7:1 contrast.
    texts = page.locator(".post-body p, .post-title, .meta, .declaration, .statement p, a, dt, dd")
    worst = min(texts.nth(i).evaluate(CONTRAST_JS) for i in range(texts.count()) if texts.nth(i).is_visible())
    assert worst >= 7, worst

    # Every visible click target is at least 60×60 CSS px.
    targets = page.locator("a:visible, button:visible, summary:visible, label:visible")
    small = []
    for i in range(targets.count()):
        box = targets.nth(i).bounding_box()
        if box and (box["width"] < 59.5 or box["height"] < 59.5):
            small.append((targets.nth(i).inner_text()[:20], box["width"], box["height"]))
    assert not small, small

    # One column: nothing sits beside the article, and nothing floats over it.
    post, side = page.locator("article.post").bounding_box(), page.locator("aside.side").bounding_box()
    assert side["y"] >= post["y"] + post["height"] - 1
    floating = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => ['fixed','sticky'].includes(getComputedStyle(e).position) && e.offsetParent !== null)"
        ".length"
    )
    assert floating == 0
    # The QR code is shown in place, not as a pop-up.
    qr = page.locator(".share-wechat img")
    assert qr.is_visible() and qr.evaluate("(i) => i.complete && i.naturalWidth") > 100
    seen = ["熱點推薦", "相關推薦", "文章數", "關注度", "態度原創", "科技要聞"]
    for text in [*seen, "申請入駐", "無障礙瀏覽"]:
        assert page.get_by_text(text, exact=False).first.is_visible(), text

    # And leaving care mode is one click.
    page.get_by_role("link", name="退出關懷版").click()
    page.wait_for_url(f"**/zh-hant/a/{article.id}/")


def test_apply_review_write_publish_read_in_the_browser(live_server, chromium):
    """The whole journey, each person in their own browser: a reader registers and applies, an
    editor approves, the new creator writes and publishes, the editor approves the new creator's
    first article, an anonymous reader reads it."""
    from .factories import UserFactory, ensure_channels

    ensure_channels()
    UserFactory(username="desk-editor", role="editor")
    url = live_server.url

    def person():
        return chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()

    applicant = person()
    applicant.goto(f"{url}/zh-hans/")
    applicant.get_by_role("link", name="申请入驻").click()
    applicant.get_by_role("link", name="注册").first.click()
    applicant.fill("#id_username", "new-writer")
    applicant.fill("#id_password", "a-long-pass-phrase")
    applicant.fill("#id_password_confirm", "a-long-pass-phrase")
    applicant.get_by_role("button", name="注册").click()
    applicant.wait_for_url("**/accounts/apply/")
    applicant.fill("#id_pen_name", "山海手记")
    applicant.fill("#id_tagline", "写城市，也写山海")
    applicant.select_option("#id_channel", "local")
    applicant.fill("#id_intro", "我在本地跑了十年新闻，想写写街巷里的人和事。")
    applicant.fill("#id_sample_work", "老街的早市六点开张，卖豆花的阿姨已经在这里摆了二十年摊。" * 3)
    applicant.get_by_role("button", name="提交申请").click()
    expect(applicant.get_by_text("待审核").first).to_be_visible()

    desk = person()
    desk.goto(f"{url}/zh-hans/accounts/login/?next=/zh-hans/desk/applications/")
    desk.fill("#id_username", "desk-editor")
    desk.fill("#id_password", "correct-horse-battery")
    desk.get_by_role("button", name="登录").click()
    desk.wait_for_url("**/desk/applications/")
    expect(desk.get_by_text("山海手记").first).to_be_visible()
    with desk.expect_navigation():  # the approval is saved before the applicant looks
        desk.get_by_role("button", name="通过").click()
    screenshot(desk, "desk-applications")

    applicant.reload()
    expect(applicant.get_by_text("已通过").first).to_be_visible()
    applicant.goto(f"{url}/zh-hans/studio/new/")
    applicant.fill("#id_title", "老街早市：豆花阿姨的二十年！")
    area = applicant.locator(".editor-area")
    area.click()
    applicant.keyboard.type("老街的早市六点开张，豆花阿姨的摊子总是第一个亮灯。")
    applicant.get_by_role("button", name="发布", exact=True).click()
    applicant.wait_for_url("**/zh-hans/studio/")
    screenshot(applicant, "studio-dashboard")

    from zimei.articles.models import Article

    # A new creator's first article waits for an editor (they are not trusted yet), and the
    # dashboard says so.
    article = Article.objects.get(title="老街早市：豆花阿姨的二十年！")
    assert article.status == Article.Status.PENDING
    row = applicant.locator("tr", has_text="老街早市：豆花阿姨的二十年！")
    expect(row.get_by_text("待审核").first).to_be_visible()
    desk.goto(f"{url}/zh-hans/desk/queue/?tab=held")
    held = desk.locator(f"#held-{article.id}")
    expect(held.get_by_text("老街早市：豆花阿姨的二十年！")).to_be_visible()
    with desk.expect_navigation():
        held.get_by_role("button", name="通过并发布").click()
    screenshot(desk, "desk-queue-approved")
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED

    reader = person()
    reader.goto(f"{url}/zh-hant/a/{article.id}/")
    assert reader.locator("h1.post-title").inner_text() == "老街早市：豆花阿姨的二十年！"
    assert "豆花阿姨的攤子總是第一個亮燈" in reader.locator(".post-body").inner_text()
    assert reader.locator(".card .pen").inner_text() == "山海手記"
    assert reader.locator(".card .article-count").inner_text() == "1"
    for pg in (applicant, desk, reader):
        pg.context.close()
