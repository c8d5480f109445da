"""Nothing injected runs: the XSS corpus (tests/data/xss/, 546 vectors) goes in through every form
a user fills (the studio, the API in HTML and Markdown, the creator application, 举报, 申诉) and is
rendered in headless Chromium wherever it shows: the article page (both scripts, care mode), the
studio preview and editor (stored and as typed back after an error), the author page's list, the
desk's application view, report notes and appeals in the desk's queue, and the feeds. Every element is
hovered, focused and clicked; alert/confirm/prompt/print are hooked in every frame
(tests/xss_harness.py). Nothing may run, no foreign
request may leave, and no element or attribute outside the sanitiser's allowlist may be in the
body's DOM. The calibration test renders the same corpus with no defence, to show the harness
sees an execution when there is one.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from zimei.articles.models import Article
from zimei.articles.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, GENERIC_ATTRIBUTES, URL_SCHEMES
from zimei.core.errors import CONTROL_CHARACTERS

from .browser import session_cookies
from .factories import UserFactory, creator, editor
from .live import once, uses_pg
from .xss_harness import DOM_REPORT, FIRE_EVENTS, Recorder, batches, calibrate, join, load_corpus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BATCH = 60
FIGURES: dict[str, int] = {}
_SCHEME = re.compile(r"^[\x00-\x20]*([A-Za-z][A-Za-z0-9+.\-]*):")


def _dom_problems(report: list, *, extra_attrs: frozenset[str] = frozenset()) -> list[str]:
    """Elements, attributes and URL schemes outside the allowlist, from DOM_REPORT."""
    problems = []
    for tag, ns, attrs in report:
        if ns != "http://www.w3.org/1999/xhtml" or tag not in ALLOWED_TAGS:
            problems.append(f"<{tag}> ({ns})")
            continue
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | GENERIC_ATTRIBUTES | extra_attrs
        if tag == "a":
            allowed = allowed | {"rel"}
        for name, value in attrs:
            if name not in allowed:
                problems.append(f"<{tag} {name}={value[:40]!r}>")
            elif name in ("href", "src"):
                scheme = _SCHEME.match(value)
                if scheme and scheme.group(1).lower() not in URL_SCHEMES:
                    problems.append(f"<{tag} {name}={value[:40]!r}>")
                if tag == "img" and not value.startswith("/media/"):
                    problems.append(f"<img src={value[:40]!r}>")
    return problems


def _text_only(report: list) -> list[str]:
    """Plain fields (titles, taglines, application texts) may hold Django's own <p>/<br> only."""
    return [f"<{tag}>" for tag, _, attrs in report if tag not in ("p", "br") or attrs]


class Sweep:
    """One browser context (optionally signed in) that renders pages and records what ran."""

    def __init__(self, chromium, live_server, user=None) -> None:
        self.base = live_server.url
        self.context = chromium.new_context(locale="zh-CN")
        self.recorder = Recorder(origin=self.base)
        self.recorder.attach(self.context)
        if user is not None:
            self.context.add_cookies(session_cookies(user, self.base))
        self.page = self.context.new_page()
        self.recorder.watch(self.page)
        self.problems: list[str] = []
        self.pages = 0
        self.elements = 0

    def visit(self, path: str, fire: str, check: str | None = None, *, text_only: bool = False, **kw) -> None:
        url = self.base + path
        self.recorder.going_to = url
        response = self.page.goto(url, wait_until="load")
        self.recorder.going_to = ""
        assert response is not None and response.status == 200, (path, response and response.status)
        self.inspect(path, fire, check, text_only=text_only, **kw)

    def inspect(self, label: str, fire: str, check: str | None, *, text_only: bool = False, **kw) -> None:
        self.pages += 1
        found = self.page.locator(fire).count()
        assert found, f"{label}: nothing matches {fire!r}"
        self.elements += self.page.evaluate(FIRE_EVENTS, fire)
        if check:
            report = self.page.evaluate(DOM_REPORT, check)
            bad = _text_only(report) if text_only else _dom_problems(report, **kw)
            self.problems += [f"{label}: {b}" for b in bad]

    def settle(self) -> None:
        """Wait until the page has no request in flight (beacons, the comment box, autosave), so a
        write from the test thread does not meet the live server's on the shared SQLite cache."""
        self.page.wait_for_load_state("networkidle")

    def leave(self) -> None:
        """Leave the page for a blank one: no timer (the editor's autosave) fires after this."""
        self.page.goto("about:blank")

    def close(self) -> None:
        self.context.close()


def _studio_publish(client: Client, *, title: str, summary: str, body: str) -> Article:
    summary = CONTROL_CHARACTERS.sub("", summary)  # refused in plain fields: see _title
    before = Article.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.post(
        "/zh-hans/studio/new/",
        {
            "title": title,
            "summary": summary,
            "channel": "tech",
            "original": "1",
            "body_html": body,
            "action": "publish",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return _published(Article.objects.filter(id__gt=before).get())


def _published(article: Article) -> Article:
    """The spam check holds or refuses much of the corpus (hidden text, odd links): an editor's
    approval publishes it as it stands, which is what readers would then see."""
    from zimei.articles.services import article_approve

    article.refresh_from_db()
    if article.status in (Article.Status.PENDING, Article.Status.REJECTED):
        article = article_approve(article=article, actor=_editor())
    assert article.status == Article.Status.PUBLISHED, article.status
    return article


def _editor():
    from zimei.accounts.models import User

    return User.objects.filter(role=User.Role.EDITOR).first() or editor()


def _api_publish(client: Client, token: str, **fields) -> int:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    created = client.post(
        "/api/v1/articles", {"channel": "tech", **fields}, content_type="application/json", **headers
    )
    assert created.status_code == 201, created.content
    aid = created.json()["id"]
    published = client.post(f"/api/v1/articles/{aid}/publish", {}, content_type="application/json", **headers)
    assert published.status_code in (200, 202), published.content
    return _published(Article.objects.get(id=aid)).id


def _title(vector: str, limit: int) -> str:
    """A vector as a plain field takes it: control characters are refused there with a message
    (tests/test_control_characters.py), so they are left out and the rest goes in."""
    return CONTROL_CHARACTERS.sub("", vector).strip()[:limit].strip() or "空白"


def _feed_descriptions(client: Client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    atom = "{http://www.w3.org/2005/Atom}"
    texts = [d.text or "" for d in root.iter("description")][1:]  # the first is the channel's
    texts += [s.text or "" for s in root.iter(f"{atom}summary")]
    return texts


@pytest.fixture
def no_rate_limits(settings):
    settings.ZIMEI_API_RATE_WRITE = 0
    settings.ZIMEI_API_RATE_READ = 0
    if hasattr(settings, "ZIMEI_RATE_LIMITS"):
        settings.ZIMEI_RATE_LIMITS = {
            name: (10**9, window) for name, (_, window) in dict(settings.ZIMEI_RATE_LIMITS).items()
        }


# Once, on the SQLite pass: what Chromium runs depends on the HTML Zimei renders, which the
# database does not change (the sanitiser runs before anything is stored); what the two databases
# store differently (NUL, control characters, non-characters) is tested on both passes in
# tests/test_control_characters.py and tests/test_input_safety.py. Two minutes saved on PostgreSQL.
@pytest.mark.skipif(uses_pg(), reason="SQLite pass only: the database does not change the rendered HTML")
def test_the_corpus_runs_nowhere(live_server, chromium, no_rate_limits):
    from zimei.accounts.services import token_create

    started = time.perf_counter()
    vectors = load_corpus()
    assert len(vectors) >= 400
    groups = batches(vectors, BATCH)
    author = creator(channel="tech", pen_name="测试作者")
    _, token = token_create(user=author.user, name="xss")
    studio, api, public = Client(), Client(), Client()
    studio.force_login(author.user)

    # Bodies, in batches: the studio form (HTML), the API (HTML and Markdown).
    via_studio, via_html, via_markdown = [], [], []
    for group in groups:
        body = join(group)
        via_studio.append(
            _studio_publish(studio, title=_title(group[0], 64), summary=body[:200], body=body).id
        )
        via_html.append(_api_publish(api, token, title=_title(group[1], 64), body_html=body))
        via_markdown.append(_api_publish(api, token, title=_title(group[2], 64), body_markdown=body))

    # Titles and summaries, one vector each, through the studio form; their feed descriptions.
    titles = creator(channel="tech", pen_name="标题作者")
    titled = Client()
    titled.force_login(titles.user)
    descriptions: list[str] = []
    for i, vector in enumerate(vectors):
        _studio_publish(titled, title=_title(vector, 64), summary=vector.strip()[:200], body="<p>正文。</p>")
        if (i + 1) % 30 == 0 or i + 1 == len(vectors):
            for kind in ("rss", "atom"):  # a query string per round: past the page cache
                descriptions += _feed_descriptions(public, f"/zh-hans/u/{titles.id}/{kind}.xml?n={i}")
    assert len(descriptions) >= 2 * len(vectors)
    feed_markup = [d for d in descriptions if re.search(r"<\s*[A-Za-z!/?]", d)]
    assert feed_markup == [], feed_markup[:5]

    # Creator applications: tagline, introduction and sample work, one vector each; the same
    # readers each report one article (举报) with a vector as the note.
    reported = Article.objects.filter(author=titles).order_by("id").first()
    for i, vector in enumerate(vectors):
        applicant = Client()
        applicant.force_login(UserFactory())
        response = applicant.post(
            f"/zh-hans/a/{reported.id}/report/", {"category": "other", "note": _title(vector, 500)}
        )
        assert response.status_code == 302, response.content.decode()[:1500]
        text = _title(vector, 10_000) + "。这是为了测试而写的一段介绍文字。"
        response = applicant.post(
            "/zh-hans/accounts/apply/",
            {
                "pen_name": f"申请者{i}",
                "tagline": _title(vector, 60),
                "channel": "tech",
                "intro": text,
                "sample_work": text + "代表作需要五十个字以上，所以这里再补上一些文字，一些文字，一些文字。",
            },
        )
        assert response.status_code == 302, response.content.decode()[:1500]

    # Appeals (申诉): the title author appeals take-downs, the corpus packed into the texts.
    from zimei.articles.services import article_take_down
    from zimei.moderation.models import AuditEntry

    texts, current = [], ""
    for vector in vectors:
        piece = _title(vector, 2000)
        if current and len(current) + 1 + len(piece) > 2000:
            texts.append(current)
            current = ""
        current = f"{current}\n{piece}" if current else piece
    texts.append(current)
    appealed = Article.objects.filter(author=titles).exclude(id=reported.id).order_by("-id")[: len(texts)]
    desk_user = _editor()
    for article, text in zip(appealed, texts, strict=True):
        article_take_down(article=article, actor=desk_user, reason="测试下架")
        decision = AuditEntry.objects.get(action="article.take_down", target_id=article.id)
        response = titled.post(f"/zh-hans/studio/notices/{decision.id}/appeal/", {"text": text})
        assert response.status_code == 302, response.content.decode()[:1500]

    submitted = time.perf_counter()
    sweeps = []
    # Readers: article pages in both scripts and care mode, the author's list, feed descriptions.
    reader = Sweep(chromium, live_server)
    sweeps.append(reader)
    for aid in via_studio:
        reader.visit(f"/zh-hans/a/{aid}/", ".post-body, h1", ".post-body")
        reader.visit(f"/zh-hant/care/a/{aid}/", ".post-body, h1", ".post-body")
    for aid in via_html:
        reader.visit(f"/zh-hant/a/{aid}/", ".post-body, h1", ".post-body")
    for aid in via_markdown:
        reader.visit(f"/zh-hans/care/a/{aid}/", ".post-body, h1", ".post-body")
    pages = (len(vectors) + 19) // 20
    for n in range(1, pages + 1):
        reader.visit(f"/zh-hans/u/{titles.id}/?page={n}", "main li", "main li.item > a", text_only=True)
    # A feed reader that takes descriptions as HTML, with no defence of its own.
    reader.page.set_content(
        "<!doctype html><meta charset=utf-8><div id=feed>"
        + "".join(f"<article>{d}</article>" for d in descriptions)
        + "</div>"
    )
    reader.inspect("feed descriptions", "#feed", "#feed article", text_only=True)

    # The author: the preview and the editor, as stored and as typed back after an error.
    writer = Sweep(chromium, live_server, user=author.user)
    sweeps.append(writer)
    for aid in via_studio:
        writer.visit(f"/zh-hans/studio/{aid}/preview/", ".post-body, h1, .preview-summary", ".post-body")
        writer.visit(
            f"/zh-hant/studio/{aid}/edit/",
            "#body-editor",
            "#body-editor",
            extra_attrs=frozenset({"data-placeholder"}),
        )
    for group in groups:
        writer.visit("/zh-hans/studio/new/", "#body-editor")
        writer.page.locator("button[data-cmd=source]").click()  # the editor's HTML source mode
        writer.page.fill("#id_body_html", join(group))
        writer.page.fill("#id_title", "标" * 65)  # too long: the form comes back with the body as typed
        writer.recorder.going_to = live_server.url + "/zh-hans/studio/new/"
        with writer.page.expect_navigation():
            writer.page.locator("form[data-studio-form] button[name=action][value=save]").click()
        writer.recorder.going_to = ""
        assert writer.page.locator("#title-error").count() == 1
        writer.inspect(
            "editor after an error",
            "#body-editor",
            "#body-editor",
            extra_attrs=frozenset({"data-placeholder"}),
        )

    writer.leave()

    # The desk: every application, as an editor reads it.
    desk = Sweep(chromium, live_server, user=editor())
    sweeps.append(desk)
    desk.visit(
        "/zh-hans/desk/applications/",
        ".application h2, .tagline, .app-text",
        ".tagline, .app-text",
        text_only=True,
    )
    assert desk.page.locator(".application").count() == len(vectors)
    desk.visit("/zh-hans/desk/queue/?tab=reports", ".report-note", ".report-note", text_only=True)
    assert desk.page.locator(".report-note").count() == len(vectors)
    desk.visit("/zh-hans/desk/queue/?tab=appeals", ".appeal-text", ".appeal-text", text_only=True)
    assert desk.page.locator(".appeal-text").count() == len(texts)

    # Approved applicants' taglines on their author pages (the author card), a spread of the
    # corpus: approved through the desk's form, as an editor does.
    from zimei.accounts.models import CreatorApplication, CreatorProfile

    desk_client = Client()
    desk_client.force_login(desk_user)
    desk.leave()
    # All approved first, then all shown: the test thread writes while no page is busy (one
    # wait for the reader's page to settle, not one per author page).
    reader.settle()
    approved = []
    for i in range(0, len(vectors), 18):
        application = CreatorApplication.objects.get(pen_name=f"申请者{i}")
        response = desk_client.post(
            f"/zh-hans/desk/applications/{application.id}/review/", {"decision": "approve"}
        )
        assert response.status_code == 302
        profile = CreatorProfile.objects.get(user=application.user)
        assert profile.tagline == _title(vectors[i], 60)
        approved.append(profile.id)
    for profile_id in approved:
        reader.visit(f"/zh-hant/u/{profile_id}/", ".card .tagline", ".card .tagline", text_only=True)

    executed = [h for s in sweeps for h in s.recorder.hits] + [d for s in sweeps for d in s.recorder.dialogs]
    foreign = [u for s in sweeps for u in s.recorder.foreign]
    problems = [p for s in sweeps for p in s.problems]
    FIGURES.update(
        tried=len(vectors),
        pages=sum(s.pages for s in sweeps),
        elements=sum(s.elements for s in sweeps),
        executed=len(executed),
    )
    print(
        f"\nXSS corpus through Zimei: {len(vectors)} vectors, {FIGURES['pages']} page renders, "
        f"{FIGURES['elements']} elements fired at, executed {len(executed)}, foreign requests "
        f"{len(foreign)}, DOM problems {len(problems)}; submitting {submitted - started:.0f} s, "
        f"rendering {time.perf_counter() - submitted:.0f} s"
    )
    for s in sweeps:
        s.close()
    assert executed == [], executed[:10]
    assert foreign == [], foreign[:10]
    assert problems == [], problems[:20]


@once("the corpus in Chromium, as for the corpus test")
def test_calibration_the_same_corpus_runs_without_defences(chromium):
    """The harness can fail: with no sanitiser and no CSP, a good part of the corpus runs."""
    vectors = load_corpus()
    context = chromium.new_context()
    recorder = Recorder()
    recorder.attach(context)
    executed = calibrate(context, recorder, vectors)
    context.close()
    print(f"\nCalibration: {len(vectors)} vectors tried unsanitised, {len(executed)} executed")
    assert len(executed) > len(vectors) // 4
    # The classics are among them.
    assert vectors.index("<script>alert(123)</script>") in executed
    assert vectors.index("<img src=x onerror=alert(123) />") in executed


def test_the_dom_checks_can_fail():
    """The allowlist check on the rendered DOM sees what it should."""
    html = "http://www.w3.org/1999/xhtml"
    assert _dom_problems([["p", html, []], ["a", html, [["href", "https://e.org/"], ["rel", "x"]]]]) == []
    assert _dom_problems([["svg", "http://www.w3.org/2000/svg", []]]) == [
        "<svg> (http://www.w3.org/2000/svg)"
    ]
    assert _dom_problems([["img", html, [["src", "x"], ["onerror", "alert(1)"]]]]) == [
        "<img src='x'>",
        "<img onerror='alert(1)'>",
    ]
    assert _dom_problems([["a", html, [["href", " javascript:alert(1)"]]]]) == [
        "<a href=' javascript:alert(1)'>"
    ]
    assert _text_only([["p", html, []], ["br", html, []]]) == []
    assert _text_only([["img", html, [["src", "x"]]]]) == ["<img>"]
