"""`zimei care-check`: every page type in care mode (关怀版), loaded in Chromium and measured
against the figures of MIIT's 2021 ageing-friendly design rules (适老化通用设计规范): main text
at least 18 pt (24 CSS px) and adjustable to at least 30 pt (40 px), line spacing at least 1.3,
contrast at least 4.5:1, targets at least 60 × 60, no floating elements, no pop-ups; plus what
Zimei promises on top: read-aloud on articles and the care entry on every page (docs/care.md)."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.test import RequestFactory
from django.test.testcases import LiveServerThread
from django.utils import translation

from zimei.core import outage, ratelimit

MIN_TEXT_PX = 24.0  # 18 pt
MAX_TEXT_PX = 40.0  # 30 pt: the largest text size must reach it
MIN_STEPS = 4
MIN_LINE = 1.3
MIN_CONTRAST = 4.5
MIN_TARGET = 60.0
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
CHROMIUM = "/usr/bin/chromium"

CHECKS = ("care", "text", "range", "line", "contrast", "targets", "fixed", "popups", "read", "first", "entry")
HEADINGS = {
    "care": "care styles",
    "text": "min text px",
    "range": "body px range",
    "line": "line height",
    "contrast": "contrast",
    "targets": "min target",
    "fixed": "fixed",
    "popups": "pop-ups",
    "read": "read-aloud",
    "first": "before 1st para",
    "entry": "care entry",
}

# Records pop-ups the page opens while it loads (the browser's own functions, called through).
WATCH_POPUPS = """
window.__popups = 0;
for (const name of ["open", "alert", "confirm", "prompt"]) {
  const real = window[name];
  window[name] = function () { window.__popups++; return real.apply(this, arguments); };
}
"""

MEASURE = r"""
() => {
  const parse = (c) => (c.match(/[\d.]+/g) || ["0", "0", "0", "0"]).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0.5) return c;
    }
    return [255, 255, 255];
  };
  const visible = (el) => {
    const cs = getComputedStyle(el);
    if (cs.visibility === "hidden" || el.closest("[hidden]")) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && cs.opacity !== "0";
  };
  const out = { minText: 1e9, minTextAt: "", minLine: 1e9, minLineAt: "", minContrast: 1e9, minContrastAt: "",
                small: [], fixed: [], dialogs: 0, body: 0 };
  const counts = {};
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el || el.closest("script,style,noscript,template,option") || !visible(el)) continue;
    const cs = getComputedStyle(el);
    const size = parseFloat(cs.fontSize);
    const at = text.slice(0, 16);
    if (size < out.minText) { out.minText = size; out.minTextAt = at; }
    if (el.closest("#main")) counts[size] = (counts[size] || 0) + text.length;
    if (el.closest("p,li,dd,blockquote,figcaption")) {
      const lh = cs.lineHeight === "normal" ? 1.2 : parseFloat(cs.lineHeight) / size;
      if (lh < out.minLine) { out.minLine = lh; out.minLineAt = at; }
    }
    const a = lum(parse(cs.color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < out.minContrast) { out.minContrast = ratio; out.minContrastAt = at; }
  }
  let most = 0;
  for (const [size, n] of Object.entries(counts)) if (n > most) { most = n; out.body = Number(size); }
  const targets = "a[href],button,summary,select,textarea,label,[role=button],input:not([type=hidden])";
  for (const el of document.querySelectorAll(targets)) {
    if (!visible(el)) continue;
    // A radio button or check box is chosen through its label, which is measured instead.
    if (el.matches("input[type=radio],input[type=checkbox]") && el.labels?.length) continue;
    // A text field's label is its caption; the field is the target.
    const choice = "input[type=radio],input[type=checkbox]";
    if (el.tagName === "LABEL" && el.control && !el.control.matches(choice)) continue;
    const r = el.getBoundingClientRect();
    const name = (el.textContent || el.name || el.tagName).trim().slice(0, 16);
    out.small.push([Math.round(r.width), Math.round(r.height), name]);
  }
  out.small.sort((x, y) => Math.min(x[0], x[1]) - Math.min(y[0], y[1]));
  for (const el of document.querySelectorAll("body *")) {
    const p = getComputedStyle(el).position;
    if ((p === "fixed" || p === "sticky") && visible(el)) {
      out.fixed.push(el.tagName.toLowerCase() + "." + el.className);
    }
  }
  const dialogs = "dialog[open],[role=dialog],[role=alertdialog],[aria-modal=true]";
  out.dialogs = [...document.querySelectorAll(dialogs)].filter(visible).length;
  out.care = document.documentElement.classList.contains("care") &&
    [...document.styleSheets].some((s) => (s.href || "").endsWith("/care.css"));
  out.exit = [...document.querySelectorAll("a.care-exit")].some(visible);
  const read = document.querySelector("article .care-tools .read-controls");
  out.read = !!read && visible(read) && ["play", "pause", "stop", "rate"].every(
    (k) => { const c = read.querySelector(`[data-read="${k}"]`); return c && visible(c); });
  out.article = !!document.querySelector("article.post");
  // What is drawn above the article's first paragraph besides the title and the reading tools.
  out.before = [];
  const first = document.querySelector("article .post-body p");
  if (first) {
    const top = first.getBoundingClientRect().top;
    for (const el of document.querySelectorAll("article.post > *")) {
      if (el.matches(".post-title,.care-tools,.post-body") || !visible(el)) continue;
      if (el.getBoundingClientRect().top < top) out.before.push(el.className || el.tagName.toLowerCase());
    }
  }
  return out;
}
"""

# The body text at each step of the care text size (the reader's own setting, in localStorage).
TEXT_RANGE = r"""
() => {
  // The size most of the page's main text is set in (by characters).
  const size = () => {
    const counts = {};
    const main = document.getElementById("main") || document.body;
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !n.textContent.trim() || el.closest("[hidden],script,style,option")) continue;
      const s = parseFloat(getComputedStyle(el).fontSize);
      counts[s] = (counts[s] || 0) + n.textContent.trim().length;
    }
    let best = 0, most = 0;
    for (const [s, c] of Object.entries(counts)) if (c > most) { most = c; best = Number(s); }
    return best;
  };
  const smaller = document.querySelector('.care-tools [data-size="-1"]');
  const bigger = document.querySelector('.care-tools [data-size="1"]');
  if (!smaller || !bigger || bigger.closest("[hidden]")) return { steps: 0, low: size(), high: size() };
  while (!smaller.disabled) smaller.click();
  const low = size();
  let steps = 1;
  while (!bigger.disabled && steps < 20) { bigger.click(); steps++; }
  const high = size();
  while (!smaller.disabled) smaller.click();
  return { steps, low, high };
}
"""


@dataclass
class Result:
    page: str
    width: str
    url: str
    cells: dict[str, tuple[bool | None, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(ok is not False for ok, _ in self.cells.values())


def page_types(
    base: str, variant: str, gone_id: int | None = None, *, cookie: str = ""
) -> list[tuple[str, str]]:
    """Every page type, in care mode: found by following links from the care home page, so any
    running Zimei with published articles will do. Signed in (`cookie`), also the pages only a
    signed-in reader has (关注, 我的跟帖, 我的收藏, the report thanks, a 跟帖's report form)."""
    html = _get(f"{base}/{variant}/care/")

    def first(pattern: str, text: str = html) -> str | None:
        m = re.search(pattern, text)
        return m.group(0) if m else None

    care = f"/{variant}/care/"
    signed_in = bool(cookie)
    article = first(rf"{care}a/\d+/")
    pages = [("home", care)]
    if channel := first(rf"{care}c/[\w-]+/"):
        pages.append(("channel", channel))
    if article:
        pages.append(("article", article))
        pages.append(("report", f"{article}report/"))
        if signed_in:
            pages.append(("report thanks", f"{article}report/thanks/"))
        article_html = _get(base + article)
        title = re.search(r'<h1 class="post-title">([^<]{2})', article_html)
        if comments := first(rf"{care}a/\d+/comments/", article_html):
            pages.append(("comments", comments))
            if signed_in and (comment := first(r"/comment/(\d+)/", _get(base + comments, cookie))):
                pages.append(("comment report", f"{care}comment/{comment[9:-1]}/report/"))
        if author := re.search(rf"{care}u/\d+/", article_html):
            pages.append(("author", author.group(0)))
        query = urllib.request.quote(title.group(1)) if title else "a"
        pages.append(("search", f"{care}search/?q={query}"))
    pages += [
        ("statement", f"{care}accessibility/"),
        ("about", f"{care}about/"),  # 关于我们, 用户协议, 隐私政策, 联系我们: one template
        ("levels", f"{care}about/creator-levels/"),
    ]
    if signed_in:
        pages += [("following", f"{care}following/"), ("my comments", f"{care}me/comments/")]
        pages += [("my saved", f"{care}me/saved/")]
    pages += [
        ("login", f"/{variant}/accounts/login/?care=1"),
        ("register", f"/{variant}/accounts/register/?care=1"),
        ("apply", f"/{variant}/accounts/apply/?care=1"),
        ("404", f"{care}no-such-page/"),
    ]
    if gone_id:
        pages.append(("410", f"{care}a/{gone_id}/"))
    pages += [("429", f"/{variant}/accounts/login/?care=1#429"), ("503", f"{care}#503")]
    return pages


# --- the pages a fault brings up -------------------------------------------------------------
# The 429 and 503 pages appear only when a limit is reached or the database is down, which a
# check must not cause on a running site: they are rendered here by the functions that answer
# them (core/ratelimit.py, core/outage.py) and given to the browser at their own URL, so that
# everything else (styles, scripts, links) comes from the site itself.


def _factory_request(path: str, *, post: dict[str, str] | None = None):

    factory = RequestFactory()
    request = factory.post(path, post) if post is not None else factory.get(path)
    request.user = AnonymousUser()
    return request


def rendered_page(path: str, variant: str) -> tuple[int, str]:
    """(status, HTML) of the fault page at `path` ("…#429", "…#503")."""

    url, _, fault = path.partition("#")
    with translation.override(variant):
        if fault == "429":
            # The sign-in form sent once too often: the account is locked (its own limit).
            limit, window = ratelimit.rate_limit_of("signin-account")
            exc = ratelimit.RateLimited("signin-account", retry_after=window, limit=limit, window=window)
            request = _factory_request(url, post={"username": "care-check", "password": "x"})
            response = ratelimit.rate_limited_page(request, exc)
        else:
            response = outage.unavailable_page(_factory_request(url))
    return response.status_code, response.content.decode()


def _get(url: str, cookie: str = "") -> str:
    if "#" in url:  # a fault page (above)
        path = url.split("://", 1)[1]
        path = path[path.index("/") :]
        return rendered_page(path, path.split("/")[1])[1]
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.read().decode("utf-8", "replace")


def _standard(url: str) -> str:
    return url.replace("/care/", "/", 1).replace("?care=1", "")


def _entry(base: str, path: str, cookie: str = "") -> bool:
    """The standard version of the page has 进入关怀版, and it leads to a care page (the same page
    where it has a care version)."""
    html = _get(base + _standard(path), cookie)
    m = re.search(r'<a class="care-enter" href="([^"]+)"', html)
    if not m:
        return False
    care_html = _get(base + m.group(1).replace("&amp;", "&"), cookie)
    return re.search(r'<html[^>]* class="care"', care_html) is not None


def session_cookie(username: str) -> str:
    """A session of `username` in this site's database (SESSION_COOKIE_NAME=key), so that the
    pages only a signed-in reader sees can be checked; `end_session` removes it."""

    user = get_user_model().objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def end_session(cookie: str) -> None:

    SessionStore(session_key=cookie.split("=", 1)[1]).delete()


def _answer(status: int, body: str) -> Callable:
    def fulfil(route, request) -> None:
        route.fulfill(status=status, body=body, content_type="text/html; charset=utf-8")

    return fulfil


def measure(
    browser, base: str, pages: list[tuple[str, str]], widths: list[str], cookie: str = ""
) -> Iterator[Result]:
    entries = {path: _entry(base, path, cookie) for _, path in pages}
    for width in widths:
        w, h = WIDTHS[width]
        context = browser.new_context(viewport={"width": w, "height": h}, is_mobile=width == "phone")
        context.add_init_script(WATCH_POPUPS)
        if cookie:
            name, value = cookie.split("=", 1)
            context.add_cookies([{"name": name, "value": value, "url": base}])
        page = context.new_page()
        try:
            for name, path in pages:
                if "#" in path:  # a fault page, rendered here (rendered_page)
                    status, body = rendered_page(path, path.split("/")[1])
                    target = base + path.split("#")[0]
                    page.route(lambda url, target=target: url == target, _answer(status, body))
                    page.goto(base + path, wait_until="load")
                    page.unroute_all()
                else:
                    page.goto(base + path, wait_until="load")
                m = page.evaluate(MEASURE)
                r = page.evaluate(TEXT_RANGE)
                popups = page.evaluate("window.__popups") + m["dialogs"]
                res = Result(name, width, path)
                smallest = m["small"][0] if m["small"] else None
                too_small = [s for s in m["small"] if s[0] < MIN_TARGET - 0.5 or s[1] < MIN_TARGET - 0.5]
                res.cells = {
                    "care": (m["care"] and m["exit"], "yes" if m["care"] and m["exit"] else "no"),
                    "text": (
                        m["minText"] >= MIN_TEXT_PX,
                        f"{m['minText']:.1f} (body {m['body']:.1f})"
                        + ("" if m["minText"] >= MIN_TEXT_PX else f" «{m['minTextAt']}»"),
                    ),
                    "range": (
                        r["steps"] >= MIN_STEPS + 1 and r["high"] >= MAX_TEXT_PX and r["low"] >= MIN_TEXT_PX,
                        f"{r['low']:.0f}–{r['high']:.0f} in {r['steps']}",
                    ),
                    "line": (m["minLine"] >= MIN_LINE, "—" if m["minLine"] > 1e8 else f"{m['minLine']:.2f}"),
                    "contrast": (
                        m["minContrast"] >= MIN_CONTRAST,
                        f"{m['minContrast']:.1f}:1"
                        + ("" if m["minContrast"] >= MIN_CONTRAST else f" «{m['minContrastAt']}»"),
                    ),
                    "targets": (
                        not too_small,
                        (f"{smallest[0]}×{smallest[1]}" if smallest else "—")
                        + (f" ({len(too_small)} small: «{too_small[0][2]}»)" if too_small else ""),
                    ),
                    "fixed": (
                        not m["fixed"],
                        str(len(m["fixed"])) + (f" {m['fixed'][0]}" if m["fixed"] else ""),
                    ),
                    "popups": (popups == 0, str(popups)),
                    "read": (m["read"], "yes" if m["read"] else "no") if name == "article" else (None, "—"),
                    "first": (not m["before"], "title, tools" if not m["before"] else ", ".join(m["before"]))
                    if name == "article"
                    else (None, "—"),
                    "entry": (entries[path], "yes" if entries[path] else "no"),
                }
                yield res
        finally:
            context.close()


def table(results: list[Result]) -> str:
    rows = [["page", "width", *(HEADINGS[c] for c in CHECKS)]]
    for r in results:
        rows.append(
            [
                r.page,
                r.width,
                *((("" if ok is not False else "✗ ") + fig) for ok, fig in (r.cells[c] for c in CHECKS)),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


@contextmanager
def chromium(executable: str = CHROMIUM) -> Iterator:
    # Playwright comes with the test extra (pip install -e '.[test]'), not with every install.
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def test_server() -> Iterator[str]:
    """Zimei on a free loopback port in this process (Django's live server thread, static files
    from the apps), on the configured database."""
    thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.terminate()


def run(
    browser,
    base: str,
    *,
    variant: str,
    widths: list[str],
    gone_id: int | None,
    username: str = "",
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Every page type measured; with `username`, signed in as that reader (a session made in
    this site's database for the check and removed after it)."""
    cookie = session_cookie(username) if username else ""
    results = []
    try:
        pages = page_types(base, variant, gone_id, cookie=cookie)
        for res in measure(browser, base, pages, widths, cookie):
            results.append(res)
            if progress:
                progress(res)
    finally:
        if cookie:
            end_session(cookie)
    return results
