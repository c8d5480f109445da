"""axe-core (WCAG 2.0/2.1/2.2 A and AA rules and best practice) on every page type, in real
headless Chromium: 0 violations is the bar (issue 15, docs/accessibility.md).

axe-core comes from the npm registry: `./dev test` installs it into .cache/npm (ZIMEI_AXE_JS
points elsewhere). The demo generator fills the site, each role signs in through the sign-in
form in its own browser context, and pages are checked at desktop width and again at phone
width (the viewport is resized in place; the CSS media queries apply at once).

Covered (URL conf: zimei/reader/urls.py, accounts, studio, desk, core's error pages):
- reader, in zh-hans in normal and care mode at desktop and phone width, and each page type
  once more in zh-hant or zh-hk (alternating, and alternating normal and care) at desktop
  width: home, channel, article (the demo's, with its figures and 题图), author, search (results and
  none), accessibility statement, 关于我们 / 用户协议 / 隐私政策 / 联系我们, creator levels,
  the 404 page, the 410 page (a taken-down article), the comments page (跟帖, anonymous and
  signed in); signed in as a reader: following, the report form, report thanks, 我的跟帖,
  我的收藏 (desktop); the 無障礙 toolbar opened (zh-hans, and zh-hk in care mode);
- accounts, desktop and phone: login (zh-hans), register (zh-hk), apply (zh-hant, a reader's
  form; zh-hans, the anonymous introduction);
- studio (the creator, zh-hans, desktop and phone): dashboard, new article, editor, preview,
  revisions, withdraw confirmation, notices (and its 跟帖 tab), appeal, 信用分, level, API
  tokens, an article's 跟帖 page; the 403 page
  (a reader in the studio);
- desk (the editor, zh-hans, desktop and phone): home, review queue, applications, articles,
  creators, channels, hot list, 词库, 转换词表, 跟帖审核, search with results; the 403 page
  (a creator).
Not covered, not being our pages: feeds, sitemaps, robots.txt, the QR SVG, the beacon, the API
(its docs are Swagger's page), the admin (Django's). The hot list is the reader pages' side box.
Not covered yet: the 429 and 503 pages (core/ratelimited.html, unavailable.html).
All three scripts on every page would cost about 90 s against a 60 s budget (docs/accessibility.md).
"""

from __future__ import annotations

import functools
import json
import os
import time
from pathlib import Path

import pytest

from .browser import ARTIFACTS
from .factories import ensure_channels
from .live import once

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_JS = Path(
    os.environ.get(
        "ZIMEI_AXE_JS",
        Path(__file__).resolve().parent.parent / ".cache/npm/node_modules/axe-core/axe.min.js",
    )
)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCRIPTS = ("zh-hans", "zh-hant", "zh-hk")

# Each violation: the rule id and, per node, its selector and what axe says is wrong with it.
RUN_AXE = """async (tags) => {
  const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
  const r = await axe.run(document, options);
  const what = (n) => n.target.join(' ') + ' :: ' + n.failureSummary.split('\\n').slice(1, 2).join('');
  return r.violations.map(v => ({id: v.id, nodes: v.nodes.map(what)}));
}"""


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8") + "\n;0"


def _sign_in(browser, base: str, username: str, password: str):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    pg = context.new_page()
    pg.goto(f"{base}/zh-hans/accounts/login/")
    pg.fill("#id_username", username)
    pg.fill("#id_password", password)
    with pg.expect_navigation():
        pg.press("#id_password", "Enter")
    assert "/accounts/login/" not in pg.url, f"{username} could not sign in: " + pg.inner_text("main")
    return pg


def _check(pg, url: str, *, phone: bool, found: dict[str, list[str]], expect: int = 200) -> int:
    response = pg.goto(url)
    assert response is not None and response.status == expect, (url, response and response.status)
    assert response.url == url, f"{url} went to {response.url}"
    # Evaluated rather than added as a <script>: the pages' CSP allows no inline script.
    pg.evaluate(_axe_source())
    runs = 0
    for size in (DESKTOP, PHONE) if phone else (DESKTOP,):
        pg.set_viewport_size(size)
        for v in pg.evaluate(RUN_AXE, TAGS):
            where = f"{url} @{size['width']}"
            found.setdefault(v["id"], []).extend(f"{where} {n}" for n in v["nodes"])
        runs += 1
    pg.set_viewport_size(DESKTOP)
    return runs


@once("axe looks at rendered HTML and CSS, which do not depend on the database")
def test_every_page_type_has_no_axe_violations(live_server, chromium):
    if not AXE_JS.exists():
        pytest.fail(f"axe-core not found at {AXE_JS}: `./dev test` installs it from the npm registry")
    from zimei.accounts.models import CreatorProfile, User
    from zimei.articles.models import Article
    from zimei.articles.services import article_take_down
    from zimei.demo.fill import DEMO_PASSWORD, demo_fill
    from zimei.moderation.models import AuditEntry

    started = time.monotonic()
    from importlib import import_module

    from django.apps import apps

    # The footer's pages come from a migration, which a transactional test's flush removes.
    import_module("zimei.core.migrations.0003_site_pages").fill(apps, None)
    ensure_channels()  # made by a migration; an earlier transactional test flushed them
    demo_fill(articles=12, creators=4, drafts=1, progress=False)
    me = CreatorProfile.objects.get(user__username="creator")
    editor = User.objects.get(username="editor")
    mine = Article.objects.filter(author=me, status=Article.Status.PUBLISHED).order_by("id")
    # The reference article: the creator's first with its figures and a 题图 (lead image).
    ref = next(a for a in mine if "<figure" in a.body_html and a.lead_alt_hans)
    taken = mine.exclude(id=ref.id).first()
    gone = article_take_down(article=taken, actor=editor, reason="测试下架：内容不实")
    decision = AuditEntry.objects.filter(target_type="articles.article", target_id=gone.id).latest("id")
    draft = Article.objects.filter(author=me, status=Article.Status.DRAFT).first()
    from zimei.comments.models import Comment

    talked = Comment.objects.order_by("id").first().article  # the demo's 跟帖, with replies
    base = live_server.url
    setup = time.monotonic() - started

    found: dict[str, list[str]] = {}
    runs = 0
    anon = chromium.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    reader = _sign_in(chromium, base, "reader", DEMO_PASSWORD)
    studio = _sign_in(chromium, base, "creator", DEMO_PASSWORD)
    desk = _sign_in(chromium, base, "editor", DEMO_PASSWORD)
    channel = ref.channel.slug

    reader_pages = [
        (anon, "", 200),
        (anon, f"c/{channel}/", 200),
        (anon, f"a/{ref.id}/", 200),
        (anon, f"u/{me.id}/", 200),
        (anon, "search/?q=%E7%A7%91%E6%8A%80", 200),
        (anon, "search/?q=zzqqxx", 200),
        (anon, "accessibility/", 200),
        (anon, "about/", 200),
        (anon, "terms/", 200),
        (anon, "privacy/", 200),
        (anon, "contact/", 200),
        (anon, "about/creator-levels/", 200),
        (anon, "no-such-page/", 404),
        (anon, f"a/{gone.id}/", 410),
        (reader, "following/", 200),
        (reader, f"a/{ref.id}/report/", 200),
        (reader, f"a/{ref.id}/report/thanks/", 200),
        (anon, f"a/{talked.id}/comments/", 200),
        (reader, f"a/{talked.id}/comments/", 200),  # signed in: the forms (顶, 回复, 举报 …)
        (reader, "me/comments/", 200),
    ]
    # Every reader page in Simplified, normal and care, desktop and phone. The two Traditional
    # scripts share the page types between them, each page type once at desktop width in one
    # script and one mode, so that each script is seen in both modes: the scripts differ in
    # text, not in markup or CSS, and this keeps the test within its time budget.
    for index, (who, path, status) in enumerate(reader_pages):
        for care in ("", "care/"):
            runs += _check(who, f"{base}/zh-hans/{care}{path}", phone=True, found=found, expect=status)
        other, care = SCRIPTS[1 + index % 2], ("", "care/")[index // 2 % 2]
        runs += _check(who, f"{base}/{other}/{care}{path}", phone=False, found=found, expect=status)
    # The 無障礙 toolbar exists once opened (a11y.js fetches it): open it, then check the page.
    for path in ("zh-hans/", "zh-hk/care/"):
        anon.goto(f"{base}/{path}")
        anon.click("#a11y-open")
        anon.wait_for_selector("#a11y-bar:not([hidden])")
        anon.evaluate(_axe_source())
        for size in (DESKTOP, PHONE):
            anon.set_viewport_size(size)
            for v in anon.evaluate(RUN_AXE, TAGS):
                found.setdefault(v["id"], []).extend(f"{base}/{path} [toolbar] {n}" for n in v["nodes"])
            runs += 1
        anon.set_viewport_size(DESKTOP)
        anon.keyboard.press("Escape")  # closed again: its open state persists in the browser
    runs += _check(reader, f"{base}/zh-hans/me/saved/", phone=False, found=found)
    runs += _check(anon, f"{base}/zh-hans/accounts/login/", phone=True, found=found)
    runs += _check(anon, f"{base}/zh-hk/accounts/register/", phone=True, found=found)
    runs += _check(reader, f"{base}/zh-hant/accounts/apply/", phone=True, found=found)
    runs += _check(anon, f"{base}/zh-hans/accounts/apply/", phone=True, found=found)
    for path, status in [
        ("", 200),
        ("new/", 200),
        (f"{draft.id}/edit/", 200),
        (f"{ref.id}/preview/", 200),
        (f"{ref.id}/revisions/", 200),
        (f"{ref.id}/withdraw/", 200),
        ("notices/", 200),
        (f"notices/{decision.id}/appeal/", 200),
        ("credit/", 200),
        ("level/", 200),
        ("tokens/", 200),
        ("notices/comments/", 200),
        (f"{ref.id}/comments/", 200),
    ]:
        runs += _check(studio, f"{base}/zh-hans/studio/{path}", phone=True, found=found, expect=status)
    runs += _check(reader, f"{base}/zh-hans/studio/", phone=True, found=found, expect=403)
    runs += _check(studio, f"{base}/zh-hans/desk/", phone=True, found=found, expect=403)
    for path in [
        "",
        "queue/",
        "applications/",
        "articles/",
        "creators/",
        "channels/",
        "hot/",
        "lexicon/",
        "conversion/",
        "comments/",
        "search/?q=%E6%89%8B%E6%9C%BA",
    ]:
        runs += _check(desk, f"{base}/zh-hans/desk/{path}", phone=True, found=found)

    took = time.monotonic() - started
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\naxe-core: {runs} runs, setup {setup:.1f} s, in all {took:.1f} s")
    report = [
        f"{rule}: {len(nodes)} nodes\n  " + "\n  ".join(nodes[:8]) for rule, nodes in sorted(found.items())
    ]
    assert not found, "axe-core violations:\n" + "\n".join(report)
