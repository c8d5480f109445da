"""跟帖 in real headless Chromium: readers comment, reply and up-vote on the article page while
the page itself stays in the page cache (the comment box is its own fragment, loaded by
site.js), and the XSS corpus posted as comments runs nowhere (docs/comments.md)."""

from __future__ import annotations

import pytest

from zimei.comments.models import Comment
from zimei.core.errors import CONTROL_CHARACTERS

from .browser import reader_context
from .factories import BODY, UserFactory, creator, published_article
from .live import once
from .xss_harness import DOM_REPORT, FIRE_EVENTS, Recorder, batches, join, load_corpus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _served_from_cache(url: str) -> bool:
    """Whether Zimei answers `url` from its page store, as a front cache or a new reader asks
    (Chromium's own HTTP cache keeps the page for its max-age, so it is not asked)."""
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers.get("X-Cache") == "HIT"


@once("what Chromium shows: the services under it run on both passes in tests/test_comments.py")
def test_readers_comment_reply_and_up_vote_while_the_article_page_stays_cached(live_server, chromium):
    article = published_article(creator(), title="芯片散热的三种办法")
    url = f"{live_server.url}/zh-hans/a/{article.id}/"
    anon = reader_context(chromium, live_server.url)
    page = anon.new_page()
    page.goto(url)
    page.locator(".cmt-box").wait_for()
    assert "还没有跟帖" in page.locator("#comments").inner_text()
    assert _served_from_cache(url)

    a, b = UserFactory(username="读者甲"), UserFactory(username="读者乙")
    ctx_a = reader_context(chromium, live_server.url, a)
    pa = ctx_a.new_page()
    pa.goto(url)
    pa.fill("#id_bodyb", "第一楼：风冷够用吗？\n第二行：看 https://example.org/fan 的评测")
    pa.get_by_role("button", name="发表", exact=True).click()
    pa.wait_for_url(f"**/a/{article.id}/#c*")
    mine = pa.locator(".newest-list .cmt").first
    mine.wait_for()
    assert "第一楼：风冷够用吗？" in mine.inner_text() and mine.locator(".cmt-body br").count() == 1
    assert mine.locator(".cmt-body a").count() == 0  # a new reader's URL is text, not a link

    ctx_b = reader_context(chromium, live_server.url, b)
    pb = ctx_b.new_page()
    pb.goto(url)
    first_comment = pb.locator(".newest-list .cmt").first
    first_comment.locator("summary", has_text="回复").click()
    first_comment.locator("textarea").fill("回复一楼：水冷更安静。")
    first_comment.get_by_role("button", name="发表回复").click()
    pb.wait_for_url(f"**/a/{article.id}/#c*")
    reply = pb.locator(".newest-list .cmt").first
    reply.wait_for()
    assert "回复一楼：水冷更安静。" in reply.locator(".cmt-body").inner_text()
    assert "第一楼：风冷够用吗？" in reply.locator(".quote").inner_text()  # the stacked quote

    # 乙 up-votes 甲's comment once: the button says so and cannot be pressed again.
    original = pb.locator(".newest-list .cmt").nth(1)
    original.get_by_role("button", name="顶").click()
    pb.wait_for_url(f"**/a/{article.id}/**")
    voted = pb.locator(".newest-list .cmt").nth(1).locator("button.vote")
    voted.wait_for()
    assert voted.is_disabled() and "已顶 1" in voted.inner_text()

    # The anonymous reader: the same cached article page, the new comments in its box.
    assert _served_from_cache(url)  # no comment, vote or like purged the article page
    page.goto(url)
    page.locator(".cmt-box .cmt").first.wait_for()
    box = page.locator("#comments").inner_text()
    assert "2 条" in box and "水冷更安静" in box
    # Care mode and Hong Kong script load their own box.
    page.goto(f"{live_server.url}/zh-hk/care/a/{article.id}/")
    page.locator("#comments").scroll_into_view_if_needed()  # asked for near the end of the article
    page.locator(".cmt-box .cmt").first.wait_for()
    assert "跟帖" in page.locator("#comments").inner_text() and page.locator(".cmt").count() == 2
    # A long article: its box is asked for only when the reader nears the end.
    long = published_article(
        creator(), title="一篇很长的文章", body=BODY + "".join(f"<p>{i}</p>" for i in range(150))
    )
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/comments/box/" in r.url else None)
    page.goto(f"{live_server.url}/zh-hans/a/{long.id}/")
    page.wait_for_timeout(300)
    assert asked == []
    page.locator("#comments").scroll_into_view_if_needed()
    page.locator(".cmt-box").wait_for()
    assert len(asked) == 1
    for ctx in (anon, ctx_a, ctx_b):
        ctx.close()


ALLOWED_IN_BODY = {"br": set(), "span": {"class"}, "a": {"href", "rel", "target"}}


def _problems(report: list) -> list[str]:
    out = []
    for tag, ns, attrs in report:
        if ns != "http://www.w3.org/1999/xhtml" or tag not in ALLOWED_IN_BODY:
            out.append(f"<{tag}> ({ns})")
            continue
        for name, value in attrs:
            if name not in ALLOWED_IN_BODY[tag] or (
                name == "href" and not value.startswith(("http://", "https://"))
            ):
                out.append(f"<{tag} {name}={value[:40]!r}>")
    return out


@once("the corpus in Chromium: the database does not change the rendered HTML")
def test_the_xss_corpus_posted_as_comments_runs_nowhere(live_server, chromium):
    from zimei.comments import services

    vectors = load_corpus()
    article = published_article(creator(), title="跟帖里的 XSS 语料")
    trusted, fresh = UserFactory(role="creator"), UserFactory()  # links live / links as text
    # Comments of up to 1,000 characters, each holding as many whole vectors as fit; each a
    # reply to the one before, so every vector is also shown in stacked quotes.
    bodies, current = [], ""
    for group in batches(vectors, 1):
        piece = CONTROL_CHARACTERS.sub("", join(group)).strip()[:1000]
        if current and len(current) + len(piece) + 1 > 1000:
            bodies.append(current)
            current = ""
        current = f"{current}\n{piece}" if current else piece
    bodies.append(current)
    parent = None
    from django.conf import settings

    limits = settings.ZIMEI_RATE_LIMITS
    settings.ZIMEI_RATE_LIMITS = {k: (10**9, w) for k, (_, w) in limits.items()}
    try:
        for i, body in enumerate(bodies):
            c = services.comment_post(
                article=article, author=trusted if i % 2 else fresh, body=body, parent=parent
            )
            if c.status == "held":  # the spam check held it: an editor's approval shows it as it stands
                Comment.objects.filter(pk=c.pk).update(status="published")
                c.status = "published"
            parent = c
    finally:
        settings.ZIMEI_RATE_LIMITS = limits
    from zimei.comments.models import ArticleThread

    ArticleThread.objects.filter(pk=article.id).update(comment_count=len(bodies))

    context = reader_context(chromium, live_server.url)
    recorder = Recorder(origin=live_server.url)
    recorder.attach(context)
    page = context.new_page()
    recorder.watch(page)
    problems, shown = [], 0
    pages = -(-len(bodies) // 20)
    paths = [f"/zh-hans/a/{article.id}/comments/?page={n}" for n in range(1, pages + 1)]
    paths += [f"/zh-hant/care/a/{article.id}/"]  # the box as site.js loads it into the article page
    for path in paths:
        box = "/comments/" not in path
        recorder.going_to = live_server.url + path
        response = page.goto(live_server.url + path, wait_until="load")
        recorder.going_to = ""
        assert response is not None and response.status == 200, path
        page.locator("#comments").scroll_into_view_if_needed()
        page.locator(".cmt-box .cmt").first.wait_for()
        shown += page.locator(".cmt").count()
        # Every comment is on one comments page: events go to each body once there, and to
        # one reply's stacked quotes in the box (the same escaping, four levels deep).
        page.evaluate(
            FIRE_EVENTS, ".cmt-box > .newest-list .cmt:first-of-type .quotes" if box else ".cmt-body"
        )
        problems += [f"{path}: {p}" for p in _problems(page.evaluate(DOM_REPORT, ".cmt-body, .q-body"))]
    page.wait_for_timeout(50)
    print(
        f"xss through comments: {len(vectors)} vectors in {len(bodies)} comments, {shown} shown, "
        f"{recorder.executions} executed"
    )
    assert recorder.executions == 0, recorder.hits[:5] + recorder.dialogs[:5]
    assert problems == [], problems[:10]
    assert not recorder.foreign, recorder.foreign[:5]
    assert shown >= len(bodies)
    context.close()
