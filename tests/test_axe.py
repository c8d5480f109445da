"""axe-core (WCAG 2.0/2.1/2.2 A and AA rules and best practice) on every page type, in real
headless Chromium: 0 violations is the bar (issue 15, docs/accessibility.md).

axe-core comes from the npm registry: `./dev test` installs it into .cache/npm (ZIMEI_AXE_JS
points elsewhere). The demo generator fills the site; the reader, the creator and the editor
are signed in by their session cookie (tests/browser.py). Every page is checked at desktop
width and again at phone width (the viewport is resized in place; the CSS media queries apply
at once), in all three scripts (zh-hans, zh-hant, zh-hk: the same templates, different text,
lang and labels), in normal and care mode where the page has a care mode:

- reader: home, channel, article (the demo's, with its figures and 题图), author, search (results and
  none), accessibility statement, 关于我们 / 用户协议 / 隐私政策 / 联系我们, creator levels, the
  comments page (跟帖, anonymous and signed in), and signed in as a reader: following, the
  report form, report thanks, a 跟帖's report form, 我的跟帖, 我的收藏; the home page with the
  無障礙 toolbar opened;
- accounts: login, register, apply (the anonymous introduction and a reader's form), care mode
  by ?care=1 as the care pages link them;
- studio (the creator; no care mode): dashboard, new article, editor, preview, revisions,
  withdraw confirmation, notices and its 跟帖 tab, appeal, 信用分, level, API tokens, avatar, an
  article's 跟帖 page;
- desk (the editor; no care mode): home, review queue, applications, articles, creators,
  channels, hot list, 词库, 转换词表, 跟帖审核, search with results;
- errors: 403 (a reader in the studio, a creator at the desk), 404, 410 (a taken-down article),
  429 (the sign-in form after five wrong passwords: the account's real limit), 503 (every
  database query refused, as when PostgreSQL is stopped: the outage middleware's page), the
  last four in both modes.
Not covered, not being our pages: feeds, sitemaps, robots.txt, the QR SVG, the beacon, the API
(its docs are Swagger's page), the admin (Django's). The hot list is the reader pages' side box.

Within its time budget (docs/accessibility.md, "Figures"): axe-core is compiled into every
document by an init script (no second evaluation per page), two pages per role are checked
side by side (axe runs in one while the next loads), and at the second width only the rules
that measure the layout run again when nothing else they could read has changed (START_AXE).
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .browser import ARTIFACTS, reader_context
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
MODES = ("", "care/")
# Pages per role checked side by side: one runs axe while the next one loads (ZIMEI_AXE_LANES=1
# checks one page at a time, for comparison).
LANES = int(os.environ.get("ZIMEI_AXE_LANES", "2"))

# Starts axe on the page and leaves its promise in window.__axe (collected by COLLECT), so
# that the browser checks this page while the next one is loading: by itself once the document
# has loaded (INIT below), after that when called (another width, the toolbar opened). At the
# second width only the rules that measure the layout run, when nothing else a rule reads
# differs from the first width: which elements are shown, hidden, clipped or transparent, their
# colours and fonts (the signature, compared in the page); otherwise every rule runs again.
START_AXE = """(first) => {
  const signature = () => [...document.querySelectorAll('*')].map((el) => {
    const cs = getComputedStyle(el), r = el.getBoundingClientRect();
    return [cs.display, cs.visibility, cs.opacity, cs.contentVisibility, cs.clip, cs.clipPath,
            cs.position, cs.color, cs.backgroundColor, cs.backgroundImage, cs.fontSize, cs.fontWeight,
            cs.textDecorationLine, r.width > 0 && r.height > 0, r.right > 0 && r.bottom > 0].join('|');
  }).join('\\n');
  let runOnly = {type: 'tag', values: TAGS};
  if (first) window.__signature = signature();
  else if (window.__signature === signature()) runOnly = {type: 'rule', values: LAYOUT_RULES};
  const options = {runOnly, resultTypes: ['violations']};
  // From a task of its own (axe.run does much of its work before it returns its promise), and
  // never while a run is going on.
  const before = window.__axeRunning || Promise.resolve();
  window.__axe = window.__axeRunning = before.catch(() => null)
    .then(() => new Promise((ok) => setTimeout(ok, 0))).then(() => axe.run(document, options))
    .then((r) => Object.assign(r, {ruleSet: runOnly.type}));
}"""
# The rules whose outcome depends on sizes and positions (overlaps, off-screen and clipped text,
# target spacing, scrolling boxes) or on the colours and fonts checked by SIGNATURE.
LAYOUT_RULES = [
    "color-contrast",
    "link-in-text-block",
    "target-size",
    "scrollable-region-focusable",
    "label-content-name-mismatch",
    "region",
]
# Each violation: the rule id and, per node, its selector and what axe says is wrong with it.
COLLECT = """async () => {
  const r = await window.__axe;
  const what = (n) => n.target.join(' ') + ' :: ' + n.failureSummary.split('\\n').slice(1, 2).join('');
  return {rules: r.ruleSet, violations: r.violations.map(v => ({id: v.id, nodes: v.nodes.map(what)}))};
}"""


@functools.cache
def _init_script() -> str:
    """axe-core, and its first run once the document has loaded."""
    start = START_AXE.replace("TAGS", json.dumps(TAGS)).replace("LAYOUT_RULES", json.dumps(LAYOUT_RULES))
    return (
        AXE_JS.read_text(encoding="utf-8")
        + f"\n;window.__axeStart = {start};\n"
        # The first run's promise is there from the start: the test can ask for it before the
        # page has loaded, while it loads the next page.
        + "window.__axe = new Promise((ok) => window.addEventListener('load', () => {"
        + " window.__axeStart(true); ok(window.__axe); }));\n"
    )


@dataclass
class Job:
    """One page: `url` answers `status` (after `then`, when given, did what brings the page up);
    `done` runs after it was checked at both widths, and `next` is checked next in the same page
    (its `then` starts from this one: a form sent, the toolbar opened; no new load)."""

    table: str  # the page type, for the table of runs
    url: str
    status: int = 200
    then: Callable | None = None
    done: Callable | None = None
    next: Job | None = None


class Sweep:
    """Pages checked at desktop and phone width, LANES at a time per role: while axe runs in one
    page (its own renderer process), the next page loads from the server."""

    def __init__(self, chromium, base: str, users: dict[str, object]) -> None:
        self.base = base
        self.lanes: dict[str, list] = {}
        for role, user in users.items():
            self.lanes[role] = []
            for lane in range(LANES):
                # A role's pages share a browser context (one HTTP cache), except the anonymous
                # reader's, which open the toolbar: its open state is kept in localStorage,
                # and must not appear in the page checked beside it.
                if lane == 0 or role == "anon":
                    context = reader_context(chromium, base, user)
                    # Evaluated in every document before its own scripts (not an inline
                    # <script>: the pages' CSP allows none, and the CSP stays on).
                    context.add_init_script(_init_script())
                self.lanes[role].append(context.new_page())
        self.found: dict[str, list[str]] = {}
        self.runs: dict[str, int] = {}
        self.loads = 0
        self.rule_sets: Counter[str] = Counter()  # runs with every rule (tag), the layout rules (rule)
        self.spent: Counter[str] = Counter()  # seconds waited for: page loads, axe, resizing

    def _load(self, pg, job: Job, *, stay: bool = False) -> None:
        url = self.base + job.url
        t = time.monotonic()
        # Not waiting for the page's `load` here: it starts axe by itself then (_init_script).
        response = None if stay else pg.goto(url, wait_until="commit")
        self.loads += not stay
        if job.then:
            if not stay:
                pg.wait_for_load_state()
            response = job.then(pg, response)
        self.spent["load"] += time.monotonic() - t
        if response is not None or not stay:  # (opening the toolbar loads no page)
            assert response is not None and response.status == job.status, (url, response and response.status)
            assert response.url.startswith(url), f"{url} went to {response.url}"
        if response is None:  # no new document (a loaded one starts axe by itself)
            t = time.monotonic()
            pg.evaluate("window.__axeStart(true)")
            self.spent["start"] += time.monotonic() - t

    def _collect(self, pg, job: Job) -> None:
        width = pg.viewport_size["width"]
        t = time.monotonic()
        result = pg.evaluate(COLLECT)
        self.spent["axe"] += time.monotonic() - t
        self.rule_sets[result["rules"]] += 1
        for v in result["violations"]:
            where = f"{job.url} @{width}"
            self.found.setdefault(v["id"], []).extend(f"{where} {n}" for n in v["nodes"])
        self.runs[job.table] = self.runs.get(job.table, 0) + 1

    def check(self, role: str, jobs: Iterable[Job]) -> None:
        """Each job at both widths: at the width the lane's page is at, then at the other
        (the viewport is resized in place: the media queries apply at once)."""
        todo: Iterator[Job] = iter(jobs)
        # Per lane: the page, its job, and whether its second width is still to come.
        slots: list[list] = []
        for pg in self.lanes[role]:
            job = next(todo, None)
            if job is None:
                break
            self._load(pg, job)
            slots.append([pg, job, True])
        while slots:
            for slot in list(slots):
                pg, job, second = slot
                self._collect(pg, job)
                if second:
                    t = time.monotonic()
                    pg.set_viewport_size(PHONE if pg.viewport_size == DESKTOP else DESKTOP)
                    self.spent["resize"] += time.monotonic() - t
                    t = time.monotonic()
                    pg.evaluate("window.__axeStart(false)")
                    self.spent["start"] += time.monotonic() - t
                    slot[2] = False
                    continue
                if job.done:
                    job.done(pg)
                if job.next:
                    self._load(pg, job.next, stay=True)
                    slot[1:] = [job.next, True]
                    continue
                job = next(todo, None)
                if job is None:
                    slots.remove(slot)
                    continue
                self._load(pg, job)
                slot[1:] = [job, True]


LOCKED = "nobody-axe"  # the account name whose sign-in is locked (429)


def _sign_in_fails(pg, response=None):
    """Sends the sign-in form (the page is at it) with a wrong password; the answer it gets."""
    pg.fill("#id_username", LOCKED)
    pg.fill("#id_password", "not-the-password")
    with pg.expect_navigation() as nav:
        pg.press("#id_password", "Enter")
    return nav.value


def _open_toolbar(pg, response=None):
    # The 無障礙 toolbar exists once opened (a11y.js fetches it).
    pg.click("#a11y-open")
    pg.wait_for_selector("#a11y-bar:not([hidden])")


def _close_toolbar(pg) -> None:
    pg.keyboard.press("Escape")  # its open state persists in the browser


@once("axe looks at rendered HTML and CSS, which do not depend on the database")
def test_every_page_type_has_no_axe_violations(live_server, chromium, monkeypatch):
    if not AXE_JS.exists():
        pytest.fail(f"axe-core not found at {AXE_JS}: `./dev test` installs it from the npm registry")
    from importlib import import_module

    from django.apps import apps
    from django.db import OperationalError
    from django.db.backends.base.base import BaseDatabaseWrapper

    from zimei.accounts.models import CreatorProfile, User
    from zimei.articles.models import Article
    from zimei.articles.services import article_take_down
    from zimei.comments.models import Comment
    from zimei.demo.fill import demo_fill
    from zimei.moderation.models import AuditEntry

    started = time.monotonic()
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
    first_comment = Comment.objects.filter(status=Comment.Status.PUBLISHED).order_by("id").first()
    talked = first_comment.article  # the demo's 跟帖, with replies
    users = {
        "anon": None,
        "reader": User.objects.get(username="reader"),
        "creator": me.user,
        "editor": editor,
    }
    site = time.monotonic() - started
    sweep = Sweep(chromium, live_server.url, users)
    setup = time.monotonic() - started

    reader_pages = [
        ("anon", "home", ""),
        ("anon", "channel", f"c/{ref.channel.slug}/"),
        ("anon", "article", f"a/{ref.id}/"),
        ("anon", "author", f"u/{me.id}/"),
        ("anon", "search", "search/?q=%E7%A7%91%E6%8A%80"),
        ("anon", "search (none)", "search/?q=zzqqxx"),
        ("anon", "accessibility", "accessibility/"),
        ("anon", "about", "about/"),
        ("anon", "terms", "terms/"),
        ("anon", "privacy", "privacy/"),
        ("anon", "contact", "contact/"),
        ("anon", "creator levels", "about/creator-levels/"),
        ("anon", "comments", f"a/{talked.id}/comments/"),
        ("reader", "comments (signed in)", f"a/{talked.id}/comments/"),  # the forms: 顶, 回复, 举报 …
        ("reader", "comment report", f"comment/{first_comment.id}/report/"),
        ("reader", "following", "following/"),
        ("reader", "report", f"a/{ref.id}/report/"),
        ("reader", "report thanks", f"a/{ref.id}/report/thanks/"),
        ("reader", "my comments", "me/comments/"),
        ("reader", "my saved", "me/saved/"),
    ]
    accounts_pages = [
        ("anon", "login", "accounts/login/"),
        ("anon", "register", "accounts/register/"),
        ("anon", "apply (introduction)", "accounts/apply/"),
        ("reader", "apply (form)", "accounts/apply/"),
    ]
    studio_pages = [
        ("dashboard", ""),
        ("new article", "new/"),
        ("editor", f"{draft.id}/edit/"),
        ("preview", f"{ref.id}/preview/"),
        ("revisions", f"{ref.id}/revisions/"),
        ("withdraw", f"{ref.id}/withdraw/"),
        ("notices", "notices/"),
        ("appeal", f"notices/{decision.id}/appeal/"),
        ("credit", "credit/"),
        ("level", "level/"),
        ("tokens", "tokens/"),
        ("avatar", "avatar/"),
        ("comment notices", "notices/comments/"),
        ("article comments", f"{ref.id}/comments/"),
    ]
    desk_pages = [
        ("home", ""),
        ("queue", "queue/"),
        ("applications", "applications/"),
        ("articles", "articles/"),
        ("creators", "creators/"),
        ("channels", "channels/"),
        ("hot", "hot/"),
        ("lexicon", "lexicon/"),
        ("conversion", "conversion/"),
        ("comments", "comments/"),
        ("search", "search/?q=%E6%89%8B%E6%9C%BA"),
    ]
    jobs: dict[str, list[Job]] = {role: [] for role in users}
    for script in SCRIPTS:
        for care in MODES:
            mode = " care" if care else ""
            for role, name, path in reader_pages:
                jobs[role].append(Job(f"reader: {name}{mode}", f"/{script}/{care}{path}"))
                if name == "home":  # then, in the same page: the 無障礙 toolbar opened
                    url = jobs[role][-1].url
                    jobs[role][-1].next = Job(
                        f"toolbar opened{mode}", url, then=_open_toolbar, done=_close_toolbar
                    )
            jobs["anon"] += [
                Job(f"error 404{mode}", f"/{script}/{care}no-such-page/", 404),
                Job(f"error 410{mode}", f"/{script}/{care}a/{gone.id}/", 410),
            ]
            for role, name, path in accounts_pages:
                jobs[role].append(
                    Job(f"accounts: {name}{mode}", f"/{script}/{path}{'?care=1' if care else ''}")
                )
            # Then, in the same page: the sign-in sent for the account locked below, whose answer
            # is the 429 page (with what was typed kept).
            login = next(j for j in jobs["anon"] if j.table == f"accounts: login{mode}" and script in j.url)
            login.next = Job(f"error 429{mode}", login.url, 429, _sign_in_fails)
        # The studio and the desk have no care mode.
        jobs["creator"] += [Job(f"studio: {name}", f"/{script}/studio/{path}") for name, path in studio_pages]
        jobs["creator"].append(Job("error 403 (desk)", f"/{script}/desk/", 403))
        jobs["editor"] += [Job(f"desk: {name}", f"/{script}/desk/{path}") for name, path in desk_pages]
        jobs["reader"].append(Job("error 403 (studio)", f"/{script}/studio/", 403))

    lock = sweep.lanes["anon"][0]
    lock.goto(f"{live_server.url}/zh-hans/accounts/login/")
    # ZIMEI_RATE_SIGNIN_ACCOUNT: the fifth failure in a row locks the account.
    assert [_sign_in_fails(lock).status for _ in range(5)] == [200, 200, 200, 200, 429]
    for role, todo in jobs.items():
        sweep.check(role, todo)
    # The 503 page: the database refuses every connection, as when PostgreSQL is stopped
    # (tests/test_faults.py); a signed-in page needs the database for its session, so the
    # outage middleware answers it, in the script and mode of its URL.
    with monkeypatch.context() as m:

        def refused(self, name=None):
            raise OperationalError(
                'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
            )

        m.setattr(BaseDatabaseWrapper, "_cursor", refused)
        sweep.check(
            "reader",
            [
                Job(f"error 503{' care' if care else ''}", f"/{script}/{care}following/", 503)
                for script in SCRIPTS
                for care in MODES
            ],
        )

    took = time.monotonic() - started
    found = sweep.found
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    runs = sum(sweep.runs.values())
    print(f"\naxe-core: {runs} runs on {sweep.loads} page loads, in all {took:.1f} s")
    print(f"  setup {setup:.1f} s (the site {site:.1f} s, the browser contexts {setup - site:.1f} s)")
    print(f"  rules: {dict(sweep.rule_sets)}")
    print("  waited for: " + ", ".join(f"{k} {v:.1f} s" for k, v in sweep.spent.items()))
    for name, n in sorted(sweep.runs.items()):
        print(f"  {name}: {n}")
    report = [
        f"{rule}: {len(nodes)} nodes\n  " + "\n  ".join(nodes[:8]) for rule, nodes in sorted(found.items())
    ]
    assert not found, "axe-core violations:\n" + "\n".join(report)
