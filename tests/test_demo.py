"""The demo generator, `zimei demo`, `zimei seed` and `zimei serve`, on a real database."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django.test import Client

from tests.live import once
from zimei.accounts.models import CreatorApplication, CreatorProfile, Follow, User
from zimei.articles.models import Article, Image
from zimei.channels.models import CHANNELS, Channel
from zimei.conversion.variants import HANS, HANT, convert
from zimei.demo.bulk import seeded_topics
from zimei.demo.fill import DEMO_PASSWORD, DEMO_SEED, demo_fill
from zimei.demo.pictures import KINDS
from zimei.demo.text import PICTURE_ALT, TOPIC_BY_LABEL, plan_article, planted_topics
from zimei.distribution.models import ArticleKeyword
from zimei.distribution.selectors import related_compute
from zimei.search.backends import search_backend
from zimei.search.selectors import search_articles

FIGURE = re.compile(r'<figure><img src="(/media/[^"]+)"[^>]*><figcaption>[^<]+</figcaption></figure>')


def media_file(url: str) -> Path:
    return Path(settings.MEDIA_ROOT) / url.removeprefix(settings.MEDIA_URL)


# --- the generator on its own ----------------------------------------------------------


def test_plans_are_deterministic_and_well_formed():
    a, b = plan_article(7, 3), plan_article(7, 3)
    assert a.title == b.title and a.body_html(["/media/x.jpg"] * 2) == b.body_html(["/media/x.jpg"] * 2)
    assert plan_article(8, 3).title != a.title
    for index in range(30):
        plan = plan_article(DEMO_SEED, index)
        assert 20 <= len(plan.title) <= 40, plan.title
        assert re.search(r"[？！?!]", plan.title), plan.title
        html = plan.body_html([f"/media/img/{k}.jpg" for k in range(len(plan.images))])
        for tag in ("<h2>", "<blockquote>", "<ul>", '<a href="https://example.com/', "<figure>"):
            assert tag in html
        assert 1 <= len(plan.images) <= 2
        text = convert(re.sub(r"<[^>]+>", "", html), HANS)
        assert 2000 <= len(text) <= 4500, len(text)
        topic = TOPIC_BY_LABEL[plan.topic]
        assert topic.channel == plan.channel
        # The planted topic is what the article is about: its vocabulary is all over the text.
        assert sum(text.count(term) for term in topic.terms) >= 20
        assert plan.original or plan.source


def test_traditional_plans_use_taiwan_vocabulary():
    plans = [plan_article(DEMO_SEED, i) for i in range(14)]
    hant = [p for p in plans if p.script == HANT]
    assert len(hant) == 2
    tw_words = "軟體 資訊 滑鼠 程式 網路 計程車 影片 部落格 硬碟 記憶體 印表機".split()
    for plan in hant:
        html = plan.body_html(["/media/x.jpg"] * len(plan.images))
        assert any(w in html for w in tw_words)
        assert any(w in plan.title for w in tw_words)


def test_demo_pictures_carry_descriptions_not_keywords():
    """A figure's alt text says what the picture shows (WCAG 1.1.1), in the article's script."""
    for index in range(12):
        plan = plan_article(DEMO_SEED, index)
        topic = TOPIC_BY_LABEL[plan.topic].name
        for slot in plan.images:
            assert slot.alt != topic and len(slot.alt) >= 25, slot.alt
            wanted = PICTURE_ALT[slot.kind].split("：")[0]
            assert slot.alt.startswith(convert(wanted, plan.script)), (slot.kind, slot.alt)
        html = plan.body_html(["/media/x.jpg"] * len(plan.images))
        assert f'alt="{topic}"' not in html


# --- the demo filler -------------------------------------------------------------------


# Wrong in any Traditional text (Taiwan's phrase table or one-to-many characters; issue 12).
HK_NEVER = ("擴充套件", "別隻", "回撥", "引數", "函式", "頭髮幹", "幹杯", "子醜", "頭發布", "伴隨著書")


@pytest.mark.django_db
def test_demo_fill_builds_a_small_demo_site_through_the_services():
    result = demo_fill(articles=14, creators=12, drafts=2, progress=False)
    assert result.created and result.articles == 14 and result.creators == 12

    published = list(Article.objects.filter(status=Article.Status.PUBLISHED).order_by("id"))
    assert len(published) == 14
    # Every channel has articles.
    assert {a.channel.slug for a in published} == {slug for slug, _, _ in CHANNELS}
    assert Channel.objects.count() == len(CHANNELS)

    assert 0 < sum(a.lead_image for a in published) < len(published)
    for article in published:
        figures = FIGURE.findall(article.body_hans)
        assert 1 <= len(figures) <= 2
        for url in figures:
            assert media_file(url).is_file(), url
        assert article.cover_id and media_file(article.cover_url).is_file()
        if article.lead_image:  # the 题图 says what the cover shows, in each script
            assert article.cover_alt.startswith(("配图：", "环形图：")) and article.lead_alt_hant.startswith(
                ("配圖", "環形圖")
            )
        assert article.keywords and ArticleKeyword.objects.filter(article=article).exists()
        assert article.title_hans and article.title_hant and article.body_hant and article.summary_hans
        assert article.title_hk and article.summary_hk and article.body_hk
        assert article.published_at < article.updated_at
        assert article.created_at == article.published_at
        assert set(article.related_ids) <= {a.id for a in published} - {article.id}
    # Related articles were computed once every article existed (not only the earlier ones).
    assert [a.related_ids for a in published] == [related_compute(a) for a in published]
    assert Image.objects.count() >= 28 and Image.objects.filter(width=960, height=540).exists()

    # Engagement has a long tail, and is what the generator planned.
    views = sorted(a.view_count for a in published)
    assert views[-1] > 3 * views[len(views) // 2] and sum(views) > 0
    assert [a.view_count for a in published] == [plan_article(DEMO_SEED, i).views for i in range(14)]

    # The planted topics can be rebuilt from the seed: the k-th article by id is plan k.
    topics = planted_topics(DEMO_SEED, 14)
    assert [a.title for a in published] == [plan_article(DEMO_SEED, i).title for i in range(14)]
    assert [a.channel.slug for a in published] == [t.split("/")[0] for t in topics]

    # Some articles are written in Traditional; their two titles differ.
    hant = [a for a in published if a.script == HANT]
    assert len(hant) == 2
    for article in hant:
        assert article.title_hant == article.title != article.title_hans
        assert "软件" in article.body_hans or "信息" in article.body_hans or "网络" in article.body_hans
    assert all(a.script == HANS for a in published if a not in hant)
    # Hong Kong readers get Hong Kong wording for what was written in Simplified, and none of
    # the Taiwan phrase table's known errors (issue 12) in any rendering of theirs.
    for article in published:
        hk = article.title_hk + article.summary_hk + article.body_hk
        assert not [bad for bad in HK_NEVER if bad in hk], article.title
        if article.script == HANS:
            taiwan = ("軟體", "網路", "印表機", "晶片", "人工智慧")
            assert not [tw for tw in taiwan if tw in hk], article.title
    hk_words = ("視頻", "數據", "芯片", "人工智能")  # Taiwan: 影片, 資料, 晶片, 人工智慧
    assert all(any(w in a.body_hk for w in hk_words) for a in published if a.script == HANS)

    # The demo logins.
    editor, reader, creator = (User.objects.get(username=u) for u in ("editor", "reader", "creator"))
    assert editor.role == User.Role.EDITOR and editor.is_staff and editor.is_editor
    assert editor.check_password(DEMO_PASSWORD) and reader.check_password(DEMO_PASSWORD)
    assert reader.role == User.Role.READER and not reader.is_creator
    assert creator.check_password(DEMO_PASSWORD) and creator.creator_profile.pen_name
    assert Article.objects.filter(author__user=creator, status=Article.Status.DRAFT).count() == 2
    assert Follow.objects.filter(follower=reader).count() == 3
    pending = CreatorApplication.objects.get(status=CreatorApplication.Status.PENDING)
    assert pending.user.role == User.Role.READER
    profiles = CreatorProfile.objects.all()
    assert profiles.count() == 12 and all(p.tagline and p.pen_name for p in profiles)
    assert profiles.aggregate(n=Sum("article_count"))["n"] == 14

    # 跟帖 on the two hottest articles, all published (none held by the spam check or the
    # repetition rule), with a two-level reply, 顶 enough for 热门跟帖, a like and a save.
    from zimei.comments.models import ArticleSave, ArticleThread, Comment

    comments = Comment.objects.all()
    assert comments.count() == 9 and set(comments.values_list("status", flat=True)) == {"published"}
    counts = ArticleThread.objects.order_by("-comment_count").values_list("comment_count", flat=True)
    assert list(counts) == [6, 3]
    assert comments.filter(parent__parent__isnull=False).exists()
    assert comments.order_by("-up_count").first().up_count == 3
    assert ArticleSave.objects.filter(user=reader).count() == 2


@pytest.mark.django_db
def test_demo_fill_a_second_time_adds_nothing():
    assert demo_fill(articles=5, creators=3, drafts=1, progress=False).created
    counts = (Article.objects.count(), User.objects.count(), Image.objects.count())
    again = demo_fill(articles=5, creators=3, drafts=1, progress=False)
    assert not again.created and again.articles == 0 and again.seconds < 1
    assert (Article.objects.count(), User.objects.count(), Image.objects.count()) == counts


@pytest.mark.django_db
def test_demo_command_fills_without_serving(capsys):
    call_command("demo", "--articles", "4", "--creators", "2", "--no-serve", verbosity=0)
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/" in out
    for login in ("reader", "creator", "editor"):
        assert re.search(rf"^\s+{login}\s+/ {DEMO_PASSWORD}", out, re.M)
    assert Article.objects.filter(status=Article.Status.PUBLISHED).count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--articles", "-5", "--no-serve"], "--articles"),
        (["--creators", "0", "--no-serve"], "--creators"),
        (["--port", "abc"], "invalid int value: 'abc'"),
        (["--port", "70000"], "--port must be between 1 and 65535"),
        (["--workers", "0"], "--workers"),
    ],
)
def test_demo_command_refuses_bad_input(argv, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("demo", *argv)
    assert not Article.objects.exists()


# --- zimei seed ------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_adds_articles_in_batches_and_twice_adds_twice():
    call_command("seed", articles=60, creators=3, batch=7, verbosity=0)
    articles = list(Article.objects.order_by("id"))
    assert len(articles) == 60
    pool = [i.url for i in Image.objects.order_by("id")]
    assert CreatorProfile.objects.count() == 3
    # Bulk-made accounts carry their username's skeleton like any other (look-alike check).
    assert not User.objects.filter(username_skeleton="").exists()
    ids = {a.id for a in articles}
    for a in articles:
        assert a.status == Article.Status.PUBLISHED and a.published_at
        assert a.title_hans and a.title_hant and a.summary_hans and a.summary_hant
        assert a.body_hans and a.body_hant and a.keywords and a.cover_url
        assert a.title_hk and a.summary_hk and a.body_hk
        assert set(a.related_ids) <= ids - {a.id}
        for url in FIGURE.findall(a.body_html):
            assert media_file(url).is_file()
        # Each figure shows the kind of picture its alt text describes (the pool is drawn in
        # KINDS order: picture k is KINDS[k % 5]).
        for url, alt in re.findall(r'<img src="([^"]+)" alt="([^"]+)"', a.body_html):
            kind = KINDS[pool.index(url) % len(KINDS)]
            assert convert(alt, HANS).startswith(PICTURE_ALT[kind].split("：")[0]), (kind, alt)
    assert ArticleKeyword.objects.count() == sum(len(a.keywords) for a in articles)
    # Related articles: earlier articles sharing keywords, never a copy of the same body.
    by_id = {a.id: a for a in articles}
    with_related = 0
    for a in articles:
        words = {w for w, _ in a.keywords}
        assert all(r < a.id and words & {w for w, _ in by_id[r].keywords} for r in a.related_ids)
        assert not any(by_id[r].keywords == a.keywords for r in a.related_ids)
        with_related += bool(a.related_ids)
    assert with_related >= 5
    # The planted topics can be replayed: each article carries its topic's pooled body.
    for a, label in zip(articles, seeded_topics(1, 0, 60), strict=True):
        topic = TOPIC_BY_LABEL[label]
        assert a.channel.slug == topic.channel
        assert sum(convert(a.body_hans, HANS).count(t) for t in topic.terms) >= 20
    assert any(a.script == HANT and a.title_hant != a.title_hans for a in articles)
    assert CreatorProfile.objects.aggregate(n=Sum("article_count"))["n"] == 60
    # Bulk rows send no publish events: the seed indexes them for search itself.
    assert search_backend().count() == 60
    first = articles[0]
    assert first.id in {h.article.id for h in search_articles(q=first.title_hans[:6], variant=HANS).hits}

    call_command("seed", articles=30, creators=3, batch=100, verbosity=0)
    assert Article.objects.count() == 90
    assert CreatorProfile.objects.count() == 6
    assert len(set(CreatorProfile.objects.values_list("pen_name", flat=True))) == 6
    assert CreatorProfile.objects.aggregate(n=Sum("article_count"))["n"] == 90
    # The second run continues the sequence rather than repeating it.
    titles = list(Article.objects.order_by("id").values_list("title", flat=True))
    assert titles[:30] != titles[60:]
    assert search_backend().count() == 90


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"articles": -5, "creators": 1}, "--articles must be 0 or more, not -5"),
        ({"articles": 5, "creators": 0}, "--creators must be at least 1"),
        ({"articles": 5, "creators": 1, "batch": 0}, "--batch must be between"),
        ({"articles": 5, "creators": 1, "days": -1}, "--days"),
    ],
)
def test_seed_refuses_bad_input(kwargs, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("seed", verbosity=0, **kwargs)
    assert not Article.objects.exists() and not CreatorProfile.objects.exists()


def test_seed_requires_articles():
    with pytest.raises(CommandError, match="--articles"):
        call_command("seed")


# --- zimei serve -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db
def test_serve_refuses_a_busy_port_and_bad_options():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match=f"cannot listen on 127.0.0.1:{port}"):
            call_command("serve", port=port)
    with pytest.raises(CommandError, match="invalid int value: 'abc'"):
        call_command("serve", "--port", "abc")
    with pytest.raises(CommandError, match="--threads must be at least 1"):
        call_command("serve", "--threads", "0")


@once("`zimei demo` makes its own SQLite database, whatever the pass")
def test_demo_serves_pages_static_and_media(tmp_path):
    """The whole thing as a newcomer runs it: `zimei demo` in a fresh folder, then requests."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("ZIMEI_DATABASE_URL", "ZIMEI_REDIS_URL")}
    env["ZIMEI_DATA_DIR"] = str(tmp_path / "data")
    zimei = Path(sys.executable).parent / "zimei"
    argv = [str(zimei), "demo", "--articles", "3", "--creators", "2", "--port", str(port), "--workers", "1"]
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(base + "/zh-hans/", timeout=5) as r:
                    page = r.read().decode()
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the demo server did not come up"
                time.sleep(0.5)
        assert "<html" in page.lower()
        with sqlite3.connect(tmp_path / "data" / "zimei.sqlite3") as db:
            (cover,) = db.execute(
                "SELECT cover_url FROM articles_article WHERE cover_url != '' LIMIT 1"
            ).fetchone()
        with urllib.request.urlopen(base + cover, timeout=5) as r:
            assert r.headers["Content-Type"] == "image/jpeg" and len(r.read()) > 1000
        static = next(p for p in (tmp_path / "data" / "static").rglob("*.css"))
        rel = static.relative_to(tmp_path / "data" / "static").as_posix()
        with urllib.request.urlopen(f"{base}/static/{rel}", timeout=5) as r:
            assert r.status == 200 and r.headers["Server"] == "granian"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
    assert "reader" in out and "creator" in out and "editor" in out and DEMO_PASSWORD in out


@pytest.mark.django_db
def test_demo_refuses_a_database_that_has_the_demo_user_names_but_no_demo():
    from zimei.accounts.models import User

    User.objects.create_user("editor", password="someone-elses-password")
    with pytest.raises(CommandError, match="already has the account\\(s\\) editor but no demo content"):
        call_command("demo", "--articles", "2", "--creators", "2", "--no-serve")
    assert User.objects.count() == 1 and not Article.objects.exists()


# --- the demo editor is an editor, nothing more ------------------------------------------


def _user_change_form(user: User, **powers: str) -> dict:
    """The admin's user change form as a browser posts it, with the powers asked for."""
    joined = user.date_joined
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "role": user.role,
        "date_joined_0": f"{joined:%Y-%m-%d}",
        "date_joined_1": f"{joined:%H:%M:%S}",
        **powers,
    }


ESCALATION = {
    "is_superuser": "on",
    "is_staff": "on",
    "role": "admin",
}


def _no_escalation_through_the_admin(client, editor: User) -> None:
    from django.contrib.auth.models import Group, Permission

    every = [str(p.id) for p in Permission.objects.all()]
    before = set(editor.user_permissions.values_list("id", flat=True))
    change = f"/admin/accounts/user/{editor.id}/change/"
    assert client.get(change).status_code == 403
    escalate = {**_user_change_form(editor), **ESCALATION, "user_permissions": every}
    assert client.post(change, escalate).status_code == 403
    new = {"username": "x2", "password1": "a-long-passphrase", "password2": "a-long-passphrase"}
    assert client.post("/admin/accounts/user/add/", new).status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.post("/admin/auth/group/add/", {"name": "all", "permissions": every}).status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    editor.refresh_from_db()
    assert (editor.is_superuser, editor.is_staff, editor.role) == (False, True, User.Role.EDITOR)
    assert not Group.objects.exists() and not User.objects.filter(username="x2").exists()
    assert set(editor.user_permissions.values_list("id", flat=True)) == before


@pytest.mark.django_db
def test_the_demo_editor_is_made_as_zimei_user_add_makes_one_and_cannot_escalate():
    from django.contrib.auth.models import Permission

    from zimei.accounts.services import user_create

    demo_fill(articles=2, creators=1, drafts=0, progress=False)
    demo = User.objects.get(username="editor")
    cli = user_create(username="cli-editor", password="a-long-passphrase", role=User.Role.EDITOR)
    fields = ("role", "is_staff", "is_superuser", "is_active")
    assert [getattr(demo, f) for f in fields] == [getattr(cli, f) for f in fields]
    assert demo.get_all_permissions() == cli.get_all_permissions() == set()
    assert not demo.groups.exists() and not demo.user_permissions.exists()

    client = Client()
    assert client.login(username="editor", password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200  # staff: the admin's index, nothing in it
    assert client.get("/admin/articles/article/").status_code == 403
    _no_escalation_through_the_admin(client, demo)
    assert client.get("/zh-hans/desk/").status_code == 200  # the desk is where editors work

    # Even a staff account an operator gave every model permission cannot touch accounts,
    # groups or permissions in the admin: only a superuser can.
    demo.user_permissions.set(Permission.objects.all())
    demo = User.objects.get(pk=demo.pk)  # no cached permissions
    assert demo.has_perm("accounts.change_user")
    _no_escalation_through_the_admin(client, demo)
    assert User.objects.filter(is_superuser=True).count() == 0
