"""The operator commands: `zimei creator`, `user`, `token`, `article import` and `export`."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import BODY, creator, ensure_channels, png_bytes, published_article
from tests.live import once, python_with_settings_each, run_each
from zimei.accounts.models import ApiToken, CreatorApplication, CreatorProfile, User
from zimei.accounts.services import token_authenticate
from zimei.articles.models import Article, Image
from zimei.moderation.models import AuditEntry

PASSWORD = "correct-horse-battery-staple"


def run(*argv: str, stdin: str | None = None, monkeypatch=None, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    call_command(*argv, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# --- zimei creator add -----------------------------------------------------------------


@pytest.mark.django_db
def test_creator_add_makes_an_approved_creator(monkeypatch):
    out, _ = run(
        "creator", "add", "laowang", "--pen-name", "老王说科技", "--channel", "tech",
        "--tagline", "写科技", "--trusted", "--password-stdin",
        stdin=PASSWORD + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert "Created creator laowang (老王说科技, channel tech, trusted)" in out
    user = User.objects.get(username="laowang")
    assert user.check_password(PASSWORD) and user.role == User.Role.CREATOR
    profile = user.creator_profile
    assert profile.pen_name == "老王说科技" and profile.channel.slug == "tech" and profile.trusted
    assert profile.tagline == "写科技"
    application = CreatorApplication.objects.get(user=user)
    assert application.status == CreatorApplication.Status.APPROVED and application.reviewed_at
    entry = AuditEntry.objects.get(action="application.approve", target_id=application.id)
    assert entry.actor is None and entry.reason == "created by operator"


@pytest.mark.django_db
def test_creator_add_without_trusted_is_not_trusted(monkeypatch):
    run(
        "creator", "add", "xiaoli", "--pen-name", "小李", "--channel", "art", "--password-stdin",
        stdin=PASSWORD, monkeypatch=monkeypatch,
    )  # fmt: skip
    assert not CreatorProfile.objects.get(pen_name="小李").trusted


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "stdin", "message"),
    [
        (("taken", "新笔名", "tech"), PASSWORD, "USERNAME: 这个用户名已经有人使用"),
        (("fresh", "老笔名", "tech"), PASSWORD, "--pen-name: 这个笔名已经有人使用"),
        (("fresh", "新笔名", "nope"), PASSWORD, "没有这个频道：nope（可选：tech, news"),
        (("fresh", "新笔名", "tech"), "\n", "the password on standard input is empty"),
        (("fresh", "新笔名", "tech"), "123456\n", "password: "),
        (("fresh", "", "tech"), PASSWORD, "--pen-name: 请填写笔名"),
    ],
)
def test_creator_add_refuses_bad_input(monkeypatch, who, stdin, message):
    username, pen_name, channel = who
    argv = [username, "--pen-name", pen_name, "--channel", channel]
    creator(username="taken", pen_name="老笔名")
    before = (User.objects.count(), CreatorProfile.objects.count(), CreatorApplication.objects.count())
    with pytest.raises(CommandError, match=re.escape(message)):
        run("creator", "add", *argv, "--password-stdin", stdin=stdin, monkeypatch=monkeypatch)
    after = (User.objects.count(), CreatorProfile.objects.count(), CreatorApplication.objects.count())
    assert after == before


@pytest.mark.django_db
def test_creator_add_needs_the_password_on_stdin(monkeypatch):
    ensure_channels()
    argv = ["creator", "add", "fresh", "--pen-name", "新笔名", "--channel", "tech"]
    with pytest.raises(CommandError, match="--password-stdin"):
        run(*argv)

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Terminal(""))
    with pytest.raises(CommandError, match="nothing on standard input"):
        run(*argv, "--password-stdin")
    assert not User.objects.exists()


def test_creator_and_user_commands_need_an_action():
    with pytest.raises(CommandError, match="required: ACTION"):
        call_command("creator")
    with pytest.raises(CommandError, match="invalid choice: 'remove'"):
        call_command("user", "remove", "x")


@once("the commands' --help text")
def test_help_is_printed_for_commands_and_actions():
    from pathlib import Path

    zimei = Path(sys.executable).parent / "zimei"
    helps = [
        (["article", "import", "--help"], ["--author", "--publish", "--strict", "WXR"]),
        (["export", "--help"], ["--author", "--out"]),
        (["creator", "--help"], ["add", "approved creator"]),
        (["creator", "add", "--help"], ["--pen-name", "--channel", "--password-stdin", "--trusted"]),
        (["user", "add", "--help"], ["--role", "{reader,editor,admin}"]),
        (["token", "--help"], ["create", "list", "revoke"]),
        (["token", "create", "--help"], ["--scope", "--name"]),
        (["search", "rebuild", "--help"], ["--from-id", "--batch", "--clear", "resumes"]),
    ]
    outs = run_each([([str(zimei), *argv], None) for argv, _ in helps])  # side by side
    for (argv, words), out in zip(helps, outs, strict=True):
        for word in words:
            assert word in out, (argv, word)


@once("what a fresh Python imports, whatever the database")
def test_commands_and_workers_do_not_import_what_they_seldom_use():
    """Each `zimei` command and each server worker sets Django up (a worker loads the URLs and
    the WSGI application too): jieba (only its IDF file is read), redis-py (used only with
    ZIMEI_REDIS_URL) and markdownify with BeautifulSoup (html_to_markdown) stay unimported,
    a few tenths of a second saved for every such process."""
    code = (
        "import sys\nfrom django.urls import get_resolver\nget_resolver().url_patterns\n"
        "from zimei.wsgi import application\n"
        "print(' '.join(m for m in ('jieba', 'redis', 'markdownify', 'bs4') if m in sys.modules))"
    )
    assert [out.strip() for out in python_with_settings_each(code, [{}])] == [""]


# --- zimei user add --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "staff", "superuser"),
    [("reader", False, False), ("editor", True, False), ("admin", True, True)],
)
def test_user_add_with_each_role(monkeypatch, role, staff, superuser):
    out, _ = run(
        "user", "add", "someone", "--role", role, "--password-stdin", stdin=PASSWORD, monkeypatch=monkeypatch
    )
    assert f"Created {role} someone" in out
    user = User.objects.get(username="someone")
    assert (user.role, user.is_staff, user.is_superuser) == (role, staff, superuser)
    assert user.check_password(PASSWORD) and not user.is_creator
    assert user.is_editor == (role != "reader")


@pytest.mark.django_db
def test_user_add_refuses_bad_input(monkeypatch):
    User.objects.create_user("someone", password=PASSWORD)
    with pytest.raises(CommandError, match="USERNAME: 这个用户名已经有人使用"):
        run("user", "add", "someone", "--password-stdin", stdin=PASSWORD, monkeypatch=monkeypatch)
    with pytest.raises(CommandError, match="password: "):
        run("user", "add", "other", "--password-stdin", stdin="other\n", monkeypatch=monkeypatch)
    with pytest.raises(CommandError, match="invalid choice: 'creator'"):
        run(
            "user",
            "add",
            "other",
            "--role",
            "creator",
            "--password-stdin",
            stdin=PASSWORD,
            monkeypatch=monkeypatch,
        )
    with pytest.raises(CommandError, match="--password-stdin"):
        run("user", "add", "other")
    assert User.objects.count() == 1


# --- zimei token -----------------------------------------------------------------------


@pytest.mark.django_db
def test_token_create_list_revoke():
    user = User.objects.create_user("apiuser", password=PASSWORD)
    out, err = run("token", "create", "apiuser", "--name", "我的脚本", "--scope", "read")
    token = out.strip()
    assert token.startswith("zm_") and "shown only this once" in err
    row = ApiToken.objects.get(user=user)
    assert row.scope == "read" and row.name == "我的脚本" and token not in row.token_hash
    assert token_authenticate(token) == row

    out, _ = run("token", "list", "apiuser")
    assert row.prefix in out and "read" in out and "active" in out and "我的脚本" in out
    assert token not in out

    out, _ = run("token", "revoke", row.prefix)
    assert f"Revoked token {row.prefix}" in out
    assert token_authenticate(token) is None
    assert "revoked" in run("token", "list", "apiuser")[0]
    with pytest.raises(CommandError, match="already revoked"):
        run("token", "revoke", row.prefix)


@pytest.mark.django_db
def test_token_refuses_bad_input():
    User.objects.create_user("apiuser", password=PASSWORD)
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        run("token", "create", "ghost")
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        run("token", "list", "ghost")
    with pytest.raises(CommandError, match="invalid choice: 'admin'"):
        run("token", "create", "apiuser", "--scope", "admin")
    with pytest.raises(CommandError, match="--name: 名称最多 60 个字"):
        run("token", "create", "apiuser", "--name", "长" * 61)
    with pytest.raises(CommandError, match="no token with prefix 'zm_nothere'"):
        run("token", "revoke", "zm_nothere")
    with pytest.raises(CommandError, match="at least 6 characters"):
        run("token", "revoke", "zm")
    assert "apiuser has no tokens" in run("token", "list", "apiuser")[0]
    assert not ApiToken.objects.exists()


# --- zimei article import ----------------------------------------------------------------

DATA = Path(__file__).parent / "data"


@pytest.fixture
def author(db):
    return creator(username="laowang", pen_name="老王", channel="news")


@pytest.fixture
def wxr(tmp_path) -> Path:
    """The test WXR file, with the image one post uses in uploads/ next to it."""
    folder = tmp_path / "wp"
    (folder / "uploads" / "2023" / "05").mkdir(parents=True)
    (folder / "uploads" / "2023" / "05" / "chip.png").write_bytes(png_bytes(64, 48))
    path = folder / "sample.wxr.xml"
    shutil.copy(DATA / "sample.wxr.xml", path)
    return path


def by_title(author) -> dict[str, Article]:
    return {a.title: a for a in Article.objects.filter(author=author).select_related("channel")}


def test_import_wordpress_export(author, wxr):
    out, err = run("article", "import", str(wxr), "--author", "laowang")
    assert "Imported 4 article(s) for laowang (3 published, 1 not); skipped 0 already imported" in out
    assert "image not available locally, dropped: https://cdn.example.net/remote/photo.jpg" in err

    articles = by_title(author)
    assert set(articles) == {
        "芯片产业的下一步会怎样？",
        "周末去哪儿：城市边上的小山",
        "一场比赛教会我的三件事",
        "新手机上手：续航终于够用了",
    }
    chips = articles["芯片产业的下一步会怎样？"]
    assert chips.status == Article.Status.PUBLISHED and chips.channel.slug == "tech"
    assert chips.published_at == dt.datetime(2023, 5, 1, 2, 30, tzinfo=dt.UTC)
    assert chips.summary == "芯片之争，说到底是生态之争。"
    assert chips.import_key == "wxr:https://blog.example.com/?p=101"
    assert chips.body_html.startswith("<p>人工智能芯片的竞争越来越激烈，各家厂商都在加快研发。</p>")
    assert "<p>这篇文章讨论芯片产业的未来走向，<br>\n以及软件生态的重要性。</p>" in chips.body_html
    assert "<h2>生态才是关键</h2>" in chips.body_html
    # The local image was imported and the body points at it; the remote one is gone.
    (image,) = Image.objects.filter(owner=author.user)
    assert (image.width, image.height) == (64, 48)
    assert f'src="{image.url}"' in chips.body_html and "example" not in chips.body_html
    img = f'<img src="{image.url}" alt="芯片" width="64" height="48">'
    figure = f"<figure>{img}<figcaption>一块芯片</figcaption></figure>"
    assert figure in chips.body_html and "caption]" not in chips.body_html
    assert (Path(settings.MEDIA_ROOT) / image.file.name).is_file()
    assert chips.title_hant == "晶片產業的下一步會怎樣？"

    draft = articles["周末去哪儿：城市边上的小山"]
    assert draft.status == Article.Status.DRAFT and draft.published_at is None
    assert draft.channel.slug == "news"  # 生活 is no channel: the author's
    match = articles["一场比赛教会我的三件事"]
    assert match.channel.slug == "news" and match.status == Article.Status.PUBLISHED
    assert "<script" not in match.body_html and "alert" not in match.body_html
    assert "javascript:" not in match.body_html and "onclick" not in match.body_html
    assert "<strong>享受比赛</strong>" in match.body_html
    phone = articles["新手机上手：续航终于够用了"]
    assert phone.channel.slug == "mobile"  # matched by the category's name, 手机
    assert "<!--" not in phone.body_html and phone.body_html.count("<p>") == 2
    author.refresh_from_db()
    assert author.article_count == 3

    # A second import of the same file adds nothing.
    out, _ = run("article", "import", str(wxr), "--author", "laowang")
    assert "Imported 0 article(s)" in out and "skipped 4 already imported" in out
    assert Article.objects.count() == 4 and Image.objects.count() == 1


def test_import_wordpress_export_skips_and_reports_a_bad_post(author, wxr):
    wxr.write_text(wxr.read_text().replace("<![CDATA[一场比赛教会我的三件事]]>", "<![CDATA[]]>"))
    out, err = run("article", "import", str(wxr), "--author", "laowang")
    assert "Imported 3 article(s)" in out and "1 failed" in out
    assert "item 3: not imported: title: 请填写标题" in err
    assert Article.objects.count() == 3
    with pytest.raises(CommandError, match="skipped 3 already imported; 1 failed"):
        run("article", "import", str(wxr), "--author", "laowang", "--strict")


def test_import_markdown_with_front_matter(author, tmp_path):
    (tmp_path / "pic.png").write_bytes(png_bytes(40, 30))
    path = tmp_path / "post.md"
    path.write_text(
        "---\ntitle: 用 Markdown 写作\ndate: 2024-03-05T09:15:00+08:00\nsummary: 一篇测试文章\n"
        "channel: tech\noriginal: false\nsource: 新华社\nstatus: published\n---\n\n"
        "# 第一节\n\n正文第一段，**加粗**。\n\n![图](pic.png)\n\n<script>alert(1)</script>\n\n- 一\n- 二\n",
        encoding="utf-8",
    )
    out, _ = run("article", "import", str(path), "--author", "laowang")
    assert "Imported 1 article(s) for laowang (1 published, 0 not)" in out
    article = Article.objects.get(author=author)
    assert article.title == "用 Markdown 写作" and article.summary == "一篇测试文章"
    assert article.channel.slug == "tech" and not article.original and article.source == "新华社"
    assert article.published_at == dt.datetime(2024, 3, 5, 1, 15, tzinfo=dt.UTC)
    assert "<h2>第一节</h2>" in article.body_html and "<strong>加粗</strong>" in article.body_html
    assert "script" not in article.body_html and "alert" not in article.body_html
    image = Image.objects.get(owner=author.user)
    assert f'<img src="{image.url}" alt="图">' in article.body_html
    assert article.import_key.startswith("file:post.md#")
    assert "skipped 1 already imported" in run("article", "import", str(path), "--author", "laowang")[0]


def test_import_plain_markdown_and_html_become_drafts_unless_publish(author, tmp_path):
    md = tmp_path / "plain.md"
    md.write_text("# 没有前言的文章\n\n只有正文。\n", encoding="utf-8")
    html = tmp_path / "page.html"
    html.write_text(
        "<!doctype html><html><head><title>网页的标题</title><style>p{}</style></head><body>"
        "<h1>网页的标题</h1><p>网页正文<img src='https://tracker.example/x.gif'></p>"
        "<script>document.cookie</script><p onclick='x()'>第二段</p></body></html>",
        encoding="utf-8",
    )
    run("article", "import", str(md), "--author", "laowang")
    _, err = run("article", "import", str(html), "--author", "laowang", "--publish")
    assert "dropped: https://tracker.example/x.gif" in err
    articles = by_title(author)
    plain, page = articles["没有前言的文章"], articles["网页的标题"]
    assert plain.status == Article.Status.DRAFT and plain.body_html == "<p>只有正文。</p>"
    assert page.status == Article.Status.PUBLISHED
    assert page.body_html == "<p>网页正文</p><p>第二段</p>"


def test_import_a_folder(author, tmp_path):
    folder = tmp_path / "posts"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.md").write_text("---\ntitle: 第二篇\nstatus: published\n---\n正文二。\n", encoding="utf-8")
    (folder / "a.html").write_text("<h1>第一篇</h1><p>正文一。</p>", encoding="utf-8")
    _write(folder / "sub" / "c.md", "---\ntitle: 第三篇\ndate: not-a-date\n---\n正文三\n")
    (folder / "notes.txt").write_text("not an article", encoding="utf-8")
    (folder / "d.md").write_text("---\ntitle: " + "长" * 80 + "\n---\n正文\n", encoding="utf-8")
    out, err = run("article", "import", str(folder), "--author", "laowang")
    assert "Imported 2 article(s)" in out and "2 failed" in out
    assert "sub/c.md: not imported: date 'not-a-date' is not an ISO date" in err
    assert "d.md: not imported: title: 标题最多" in err
    titles = list(Article.objects.filter(author=author).order_by("id").values_list("title", "status"))
    assert titles == [("第一篇", "draft"), ("第二篇", "published")]
    assert {a.import_key.split("#")[0] for a in Article.objects.all()} == {"file:a.html", "file:b.md"}
    out, _ = run("article", "import", str(folder), "--author", "laowang")
    assert "Imported 0 article(s)" in out and "skipped 2 already imported" in out


def test_import_of_many_items_shows_a_progress_bar(author, tmp_path, capsys):
    for n in range(6):
        _write(tmp_path / f"{n}.md", f"# 第 {n} 篇\n\n正文。\n")
    out, _ = run("article", "import", str(tmp_path), "--author", "laowang")
    assert "Imported 6 article(s)" in out
    assert "Importing" in capsys.readouterr().err
    run("article", "import", str(tmp_path), "--author", "laowang", "--strict", verbosity=0)
    assert "Importing" not in capsys.readouterr().err


def test_import_of_a_single_bad_file_fails_and_odd_statuses_become_drafts(author, tmp_path):
    (tmp_path / "pic.png").write_bytes(png_bytes())
    bad = _write(tmp_path / "long.md", "---\ntitle: " + "长" * 80 + "\n---\n![图](pic.png)\n")
    media = Path(settings.MEDIA_ROOT)
    files_before = {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()
    with pytest.raises(
        CommandError, match=r"long.md: not imported: title: 标题最多(.|\n)*Imported 0 article.*1 failed"
    ):
        run("article", "import", str(bad), "--author", "laowang")
    assert not Image.objects.exists()  # nor its file: the image was removed with the article
    assert {p for p in media.rglob("*") if p.is_file()} == files_before
    binary = tmp_path / "binary.html"
    binary.write_bytes(b"\xff\xfe\x00<p>")
    with pytest.raises(CommandError, match="1 failed"):
        run("article", "import", str(binary), "--author", "laowang")
    odd = _write(tmp_path / "odd.md", "---\ntitle: 被下架过的\nstatus: taken_down\n---\n正文\n")
    _, err = run("article", "import", str(odd), "--author", "laowang")
    assert "odd.md: was taken_down: imported as a draft" in err
    assert Article.objects.get().status == Article.Status.DRAFT
    unknown = _write(tmp_path / "unknown.md", "---\ntitle: 状态不明\nstatus: live\n---\n正文\n")
    with pytest.raises(CommandError, match="unknown status 'live'"):
        run("article", "import", str(unknown), "--author", "laowang")


@pytest.mark.parametrize(
    ("make", "author_name", "message"),
    [
        (lambda p: p / "missing.md", "laowang", "missing.md: no such file or folder"),
        (lambda p: p, "ghost", "--author: no user named 'ghost'"),
        (lambda p: p, "reader", "--author: reader is not a creator"),
        (lambda p: _write(p / "x.docx", "x"), "laowang", "unsupported file type .docx"),
        (lambda p: _write(p / "bad.xml", "<rss><channel><item>"), "laowang", "bad.xml: not a valid XML file"),
        (lambda p: _write(p / "other.xml", "<feed/>"), "laowang", "not a WordPress export (WXR)"),
        (lambda p: _write(p / "x.zip", "not a zip"), "laowang", "x.zip: not a valid zip file"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "laowang", "no .md or .html files in this folder"),
        (
            lambda p: _write(p / "bomb.xml", '<!DOCTYPE x [<!ENTITY a "aaaa">]><rss><channel/></rss>'),
            "laowang",
            "not a valid XML file",
        ),
    ],
)
def test_import_refuses_bad_input(author, tmp_path, make, author_name, message):
    User.objects.create_user("reader", password=PASSWORD)
    with pytest.raises(CommandError, match=re.escape(message)):
        run("article", "import", str(make(tmp_path)), "--author", author_name)
    assert not Article.objects.exists()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- bombs -----------------------------------------------------------------------------------


def _peak_memory(work) -> tuple[int, object]:
    """(peak bytes Python allocated while `work` ran, what it raised or returned)."""
    import tracemalloc

    tracemalloc.start()
    try:
        try:
            outcome = work()
        except Exception as exc:
            outcome = exc
        return tracemalloc.get_traced_memory()[1], outcome
    finally:
        tracemalloc.stop()


def _export_zip(path: Path, extra=None) -> Path:
    """A zip shaped like `zimei export`'s: index.json, one article, and what `extra` adds."""
    index = {"format": "zimei-export", "articles": [{"id": 1, "file": "articles/1.md", "title": "正常"}]}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.json", json.dumps(index))
        archive.writestr("articles/1.md", "---\ntitle: 正常的文章\n---\n\n![图](images/big.png)\n\n正文。\n")
        if extra:
            extra(archive)
    return path


def _stream_zeros(archive: zipfile.ZipFile, name: str, size: int) -> None:
    """An entry of `size` zero bytes, written in 1 MB pieces (never held in memory at once)."""
    piece = b"\0" * (1024 * 1024)
    with archive.open(name, "w") as entry:
        for _ in range(size // len(piece)):
            entry.write(piece)


def _run_import(path: Path) -> tuple[int, object]:
    return _peak_memory(lambda: run("article", "import", str(path), "--author", "laowang"))


@pytest.mark.parametrize("name", ["images/big.png", "articles/1.md", "junk.bin"])
def test_import_refuses_a_zip_bomb_from_its_directory_and_imports_nothing(author, tmp_path, name):
    mb200 = 200 * 1024 * 1024
    path = tmp_path / "bomb.zip"
    if name == "articles/1.md":  # the article itself is the bomb
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("index.json", json.dumps({"articles": [{"id": 1, "file": name}]}))
            _stream_zeros(archive, name, mb200)
    else:
        _export_zip(path, lambda archive: _stream_zeros(archive, name, mb200))
    assert path.stat().st_size < 1024 * 1024  # 200 MB in a few hundred KB
    peak, outcome = _run_import(path)
    assert isinstance(outcome, CommandError), outcome
    limit = "20 MB" if name.startswith("images/") else "2 MB"
    assert str(outcome) == (
        f"{path}: {name} is 209,715,200 bytes uncompressed, over the limit of {limit} for one entry; "
        "nothing imported"
    )
    assert peak < 20 * 1024 * 1024, peak  # nothing was inflated
    assert not Article.objects.exists() and not Image.objects.exists()


def test_import_refuses_a_zip_whose_directory_lies_about_a_size(author, tmp_path):
    """The directory says 1,000 bytes; the entry inflates to 200 MB. Reading stops at what
    the directory said and the check of the whole entry fails: damaged, nothing imported."""
    path = _export_zip(tmp_path / "liar.zip", lambda a: _stream_zeros(a, "images/big.png", 200 * 1024 * 1024))
    data = bytearray(path.read_bytes())
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(b"images/big.png"))  # its central-directory record
    assert entry > 0 and int.from_bytes(data[entry + 24 : entry + 28], "little") == 200 * 1024 * 1024
    data[entry + 24 : entry + 28] = (1000).to_bytes(4, "little")  # uncompressed size
    path.write_bytes(bytes(data))
    peak, outcome = _run_import(path)
    assert isinstance(outcome, CommandError), outcome
    assert "images/big.png" in str(outcome) and "Bad CRC-32" in str(outcome), outcome
    assert peak < 20 * 1024 * 1024, peak
    assert not Article.objects.exists() and not Image.objects.exists()


def test_import_refuses_compression_ratios_entry_counts_and_other_methods(author, tmp_path):
    ratio = _export_zip(
        tmp_path / "ratio.zip", lambda a: a.writestr("images/big.png", b"\0" * (3 * 1024 * 1024))
    )
    with pytest.raises(
        CommandError, match=r"images/big\.png is compressed [\d,]+ to 1, over the limit of 100 to 1"
    ):
        run("article", "import", str(ratio), "--author", "laowang")

    def many(archive):
        for number in range(20_001):
            archive.writestr(f"images/{number}.png", b"")

    crowded = _export_zip(tmp_path / "crowded.zip", many)
    with pytest.raises(
        CommandError, match=r"crowded\.zip: 20,003 entries, over the limit of 20,000; nothing"
    ):
        run("article", "import", str(crowded), "--author", "laowang")

    bz2 = _export_zip(
        tmp_path / "bz2.zip",
        lambda a: a.writestr("images/big.png", b"x", compress_type=zipfile.ZIP_BZIP2),
    )
    with pytest.raises(CommandError, match=r"images/big\.png is compressed with method 12; only stored"):
        run("article", "import", str(bz2), "--author", "laowang")
    assert not Article.objects.exists()


def _laughs(levels: int) -> str:
    """A "billion laughs" in YAML: each anchor is a list of ten aliases of the one before."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]")
    lines.append(f"title: *l{levels}")
    return "---\n" + "\n".join(lines) + "\n---\n\n正文。\n"


def test_import_refuses_a_yaml_alias_bomb_and_imports_the_other_files(author, tmp_path):
    folder = tmp_path / "posts"
    folder.mkdir()
    bomb = _laughs(6)  # ten million "lol"s in a title, from 600 bytes
    assert len(bomb) < 1000
    (folder / "bomb.md").write_text(bomb, encoding="utf-8")
    (folder / "good.md").write_text("---\ntitle: 好文章\n---\n\n正文。\n", encoding="utf-8")
    peak, outcome = _run_import(folder)
    assert not isinstance(outcome, Exception), outcome
    out, err = outcome
    assert "bomb.md: not imported: front matter uses a YAML alias (*l0); aliases are not accepted" in err
    assert (
        "Imported 1 article(s) for laowang (0 published, 1 not); skipped 0 already imported; 1 failed" in out
    )
    assert peak < 20 * 1024 * 1024, peak
    assert list(Article.objects.values_list("title", flat=True)) == ["好文章"]


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("title: [一, 二]", "front matter: title must be plain text, not a list"),
        ("title: " + "长" * 1001, "front matter: title is 1,001 characters, over the limit of 1,000"),
        ("source: " + "x" * 1001, "front matter: source is 1,001 characters, over the limit of 1,000"),
        ("summary: " + "x" * 70_000, "front matter is 70,011 bytes, over the limit of 65,536 bytes"),
    ],
    ids=["list-title", "long-title", "long-field", "huge-front-matter"],
)
def test_import_limits_front_matter_fields(author, tmp_path, front, message):
    path = tmp_path / "post.md"
    path.write_text(f"---\n{front}\n---\n\n正文。\n", encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape(f"post.md: not imported: {message}")):
        run("article", "import", str(path), "--author", "laowang")
    assert not Article.objects.exists()


def test_import_refuses_an_article_file_over_2_mb(author, tmp_path):
    path = tmp_path / "huge.md"
    path.write_bytes(b"# t\n\n" + b"x" * (2 * 1024 * 1024))
    with pytest.raises(
        CommandError, match=r"huge\.md: 2,097,157 bytes, over the limit of 2 MB for one article"
    ):
        run("article", "import", str(path), "--author", "laowang")
    (tmp_path / "dir").mkdir()
    path.rename(tmp_path / "dir" / "huge.md")
    with pytest.raises(CommandError, match=r"huge\.md: not imported: over the limit of 2 MB for one article"):
        run("article", "import", str(tmp_path / "dir"), "--author", "laowang")


# --- zimei export, and back --------------------------------------------------------------


def _sorted_attributes(match: re.Match) -> str:
    attributes = sorted(re.findall(r'[\w-]+="[^"]*"', match[2]))
    return f"<{match[1]} {' '.join(attributes)}>"


def _normal(html: str) -> str:
    """Bodies compared up to what Markdown cannot keep: whitespace between tags, the order of
    attributes, the <p> that Markdown puts inside a quote or list item, an <a> left without
    href by the sanitiser, and a code block's last line break."""
    html = re.sub(r">\s+<", "><", html.strip())
    html = re.sub(r'src="/media/[^"]+"', 'src="IMAGE"', html)  # a new file on the new instance
    html = re.sub(r"<(\w+)((?:\s+[\w-]+=\"[^\"]*\")+)>", _sorted_attributes, html)
    html = re.sub(r"\s*<br>\s*", "<br>", html)
    html = re.sub(r'<a rel="[^"]*">(.*?)</a>', r"\1", html)  # a link without href is no link
    html = html.replace("\n</code>", "</code>")
    return re.sub(r"<(blockquote|li)><p>(.*?)</p></\1>", r"<\1>\2</\1>", html)


def test_export_then_import_into_an_emptied_database_gives_the_same_articles(author, tmp_path, wxr):
    from zimei.articles.services import ArticleInput, article_publish, article_save, article_withdraw

    run("article", "import", str(wxr), "--author", "laowang")
    image = Image.objects.get()
    figure_body = (
        BODY + f'<figure><img src="{image.url}" alt="图"><figcaption>图片说明</figcaption></figure>'
        '<p>看<a href="https://example.com/a?b=1&amp;c=2">链接</a>，<em>斜体</em>。</p><h3>小节</h3>'
        "<ol><li>一</li><li>二</li></ol><pre><code>x = 1</code></pre>"
    )
    mine = published_article(
        author, title="非原创的一篇", body=figure_body, channel="money", original=False, source="某报"
    )
    data = ArticleInput(
        title=mine.title, body_html=mine.body_html, channel="money", summary="有封面的摘要",
        original=False, source="某报", cover_id=image.id,
    )  # fmt: skip
    article_publish(article=article_save(article=mine, actor=author.user, data=data), actor=author.user)
    when = dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.UTC)
    withdrawn = published_article(author, title="后来撤回的一篇", when=when)
    article_withdraw(article=withdrawn, actor=author.user)

    def snapshot():
        return [
            (a.title, a.status, a.published_at, a.channel.slug, a.summary, a.original, a.source,
             _normal(a.body_html), a.body_html.count("<img"), bool(a.cover_url), a.cover_id is not None)
            for a in Article.objects.filter(author__user__username="laowang").order_by("id")
        ]  # fmt: skip

    before = snapshot()
    assert len(before) == 6 and sum(row[-1] for row in before) == 1  # one article has a cover
    out_file = tmp_path / "laowang.zip"
    out, _ = run("export", "--author", "laowang", "--out", str(out_file))
    assert "Exported 6 article(s) and 1 image(s) by laowang" in out

    with zipfile.ZipFile(out_file) as archive:
        index = json.loads(archive.read("index.json"))
        names = set(archive.namelist())
        entry = next(e for e in index["articles"] if e["id"] == mine.id)
        text = archive.read(entry["file"]).decode()
    assert index["format"] == "zimei-export" and len(index["articles"]) == 6
    assert set(entry) == {"id", "title", "file", "status", "date", "channel"}
    assert entry["title"] == "非原创的一篇" and entry["channel"] == "money" and entry["status"] == "published"
    assert dt.datetime.fromisoformat(entry["date"]).utcoffset() is not None
    assert any(n.startswith("images/") for n in names)
    assert text.startswith("---\ntitle: 非原创的一篇\n")
    assert "original: false" in text and "source: 某报" in text and "cover: images/" in text
    assert "# 开篇" in text and "images/" in text and "/media/" not in text

    # An empty instance: no users, articles or images; then the creator again, and import.
    Article.objects.all().delete()
    Image.objects.all().delete()
    CreatorProfile.objects.all().delete()
    User.objects.all().delete()
    fresh = creator(username="laowang", pen_name="老王", channel="news")
    out, _ = run("article", "import", str(out_file), "--author", "laowang")
    assert "Imported 6 article(s) for laowang (4 published, 2 not); skipped 0 already imported" in out
    assert snapshot() == before
    assert Image.objects.filter(owner=fresh.user).count() == 1
    # Round trip again: importing the same zip adds nothing.
    assert "skipped 6 already imported" in run("article", "import", str(out_file), "--author", "laowang")[0]


def test_export_refuses_bad_input(author, tmp_path):
    User.objects.create_user("reader", password=PASSWORD)
    with pytest.raises(CommandError, match="--author: no user named 'ghost'"):
        run("export", "--author", "ghost", "--out", str(tmp_path / "x.zip"))
    with pytest.raises(CommandError, match="--author: reader is not a creator"):
        run("export", "--author", "reader", "--out", str(tmp_path / "x.zip"))
    with pytest.raises(CommandError, match=r"give a \.zip file name"):
        run("export", "--author", "laowang", "--out", str(tmp_path / "x.tar"))
    with pytest.raises(CommandError, match="does not exist"):
        run("export", "--author", "laowang", "--out", str(tmp_path / "no" / "x.zip"))
    with pytest.raises(CommandError, match="--out"):
        call_command("export", "--author", "laowang")
    out, _ = run("export", "--author", "laowang", "--out", str(tmp_path / "empty.zip"))
    assert "Exported 0 article(s) and 0 image(s)" in out


def test_markdown_headings_move_down_a_level_and_scripts_go():
    """The page's h1 is the title, so Markdown's # becomes h2; the sanitiser drops scripts."""
    from zimei.articles.markdown import markdown_to_html

    text = "# 一\n\n## 二\n\n##### 五\n\n正文 **粗** [链](https://example.com)\n\n<script>x</script>\n"
    html = markdown_to_html(text)
    assert "<h2>一</h2>" in html and "<h3>二</h3>" in html and "<h4>五</h4>" in html
    assert "<strong>粗</strong>" in html and 'rel="nofollow ugc noopener"' in html
    assert "<script" not in html and "x" not in html.replace("example", "")
