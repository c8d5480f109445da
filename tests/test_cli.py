"""The operator commands: `zimei creator`, `user`, `token`, `article import` and `export`."""

from __future__ import annotations

import io
import re
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import creator, ensure_channels
from zimei.accounts.models import ApiToken, CreatorApplication, CreatorProfile, User
from zimei.accounts.services import token_authenticate
from zimei.moderation.models import AuditEntry

PASSWORD = "correct-horse-battery-staple"


def run(*argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    call_command(*argv, stdout=out, stderr=err)
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


def test_help_is_printed_for_commands_and_actions():
    import subprocess
    from pathlib import Path

    zimei = Path(sys.executable).parent / "zimei"
    for argv, words in [
        (["creator", "--help"], ["add", "approved creator"]),
        (["creator", "add", "--help"], ["--pen-name", "--channel", "--password-stdin", "--trusted"]),
        (["user", "add", "--help"], ["--role", "{reader,editor,admin}"]),
        (["token", "--help"], ["create", "list", "revoke"]),
        (["token", "create", "--help"], ["--scope", "--name"]),
    ]:
        done = subprocess.run([str(zimei), *argv], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        for word in words:
            assert word in done.stdout, (argv, word)


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
