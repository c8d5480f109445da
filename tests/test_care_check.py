"""`zimei care-check` against a live test server: every care page type meets MIIT's figures in
Chromium, and the table says so with the measured figures."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from .factories import UserFactory, creator, published_article
from .live import once

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    once("care styles and markup; the pages read the same few rows on either database"),
]


def test_care_check_passes_on_every_page_type(live_server, chromium, capsys):
    from zimei.articles.models import Article

    author = creator(channel="tech", pen_name="林间笔记")
    body = "<p>软件和信息技术正在改变芯片产业。</p><h2>生态之争</h2><p>第二段讨论软件生态。</p>"
    published_article(author, title="人工智能芯片大战：谁的软件生态更强？", body=body)
    gone = published_article(author, title="一篇撤回的文章")
    Article.objects.filter(pk=gone.pk).update(status=Article.Status.WITHDRAWN)

    from zimei.comments.services import comment_post

    someone = UserFactory(username="lao-wang")
    article = Article.objects.get(title__startswith="人工智能")
    comment_post(article=article, author=someone, body="写得清楚，字也够大。")
    args = ["--url", live_server.url, "--variant", "zh-hant", "--as", "lao-wang"]
    call_command("care-check", *args, browser=chromium)
    out = capsys.readouterr().out
    print(out)
    rows = {line.split("|")[0].strip() + "@" + line.split("|")[1].strip() for line in out.splitlines()[2:-1]}
    for page in (
        "home",
        "channel",
        "article",
        "report",
        "author",
        "search",
        "statement",
        "about",
        "levels",
        "login",
        "register",
        "apply",
        "report thanks",
        "comments",
        "comment report",
        "following",
        "my comments",
        "my saved",
        "404",
        "410",
        "429",
        "503",
    ):
        assert {f"{page}@phone", f"{page}@desktop"} <= rows, page
    assert "✗" not in out and "meets every figure on 44 page loads" in out


def test_care_check_help():
    from django.core.management import get_commands, load_command_class

    cmd = load_command_class(get_commands()["care-check"], "care-check")
    text = cmd.create_parser("zimei", "care-check").format_help()
    assert "--url" in text and "60x60" in text and "exits 1" in text and "--as" in text
