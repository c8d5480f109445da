"""`zimei token create|list|revoke`: personal access tokens for the API."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zimei.accounts.models import ApiToken, User
from zimei.accounts.services import token_create, token_revoke
from zimei.core.errors import InputError
from zimei.core.management.cli import input_error


class Command(BaseCommand):
    help = (
        "Manage API tokens. `zimei token create USERNAME [--name N] [--scope read|write]` prints a "
        "new token once (only its hash is kept); `zimei token list USERNAME`; "
        "`zimei token revoke PREFIX`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
        create = sub.add_parser(
            "create",
            help="create a token and print it once",
            description="Create an API token for USERNAME and print it once (only its hash is kept).",
        )
        create.add_argument("username", metavar="USERNAME")
        create.add_argument("--name", default="", metavar="N", help="a name to tell tokens apart")
        create.add_argument(
            "--scope",
            choices=["read", "write"],
            default="write",
            help="what the token may do (default: write)",
        )
        listing = sub.add_parser(
            "list",
            help="list a user's tokens",
            description="List USERNAME's tokens (prefix, name, scope, state).",
        )
        listing.add_argument("username", metavar="USERNAME")
        revoke = sub.add_parser(
            "revoke",
            help="revoke a token by its prefix",
            description="Revoke the token whose prefix (as shown by `zimei token list`) is PREFIX.",
        )
        revoke.add_argument("prefix", metavar="PREFIX")

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        return user

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"handle_{action}")(**options)

    def handle_create(self, *, username: str, name: str, scope: str, **options) -> None:
        user = self._user(username)
        if not user.is_active:
            raise CommandError(f"{username} is deactivated: a token would not work")
        try:
            row, token = token_create(user=user, name=name, scope=scope)
        except InputError as exc:
            raise input_error(exc, {"name": "--name", "scope": "--scope"}) from exc
        self.stdout.write(token)
        self.stderr.write(
            f"Created {row.scope} token {row.prefix}… for {user.username}. "
            f"It is shown only this once: keep it now."
        )

    def handle_list(self, *, username: str, **options) -> None:
        user = self._user(username)
        rows = list(ApiToken.objects.filter(user=user).order_by("created_at", "id"))
        if not rows:
            self.stdout.write(f"{username} has no tokens")
            return
        for row in rows:
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            used = f"used {row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used"
            self.stdout.write(
                f"{row.prefix}  {row.scope:<5}  {state:<24}  created {row.created_at:%Y-%m-%d %H:%M}  "
                f"{used}  {row.name}".rstrip()
            )

    def handle_revoke(self, *, prefix: str, **options) -> None:
        if len(prefix) < 6:
            raise CommandError("PREFIX: give at least 6 characters of the token (see `zimei token list`)")
        rows = list(ApiToken.objects.select_related("user").filter(prefix__startswith=prefix[:10]))
        rows = [r for r in rows if prefix.startswith(r.prefix) or r.prefix.startswith(prefix)]
        if not rows:
            raise CommandError(f"no token with prefix {prefix!r} (see `zimei token list USERNAME`)")
        live = [r for r in rows if r.revoked_at is None]
        if not live:
            raise CommandError(f"the token {rows[0].prefix}… is already revoked")
        if len(live) > 1:
            owners = ", ".join(f"{r.prefix} ({r.user.username})" for r in live)
            raise CommandError(f"prefix {prefix!r} matches several tokens: {owners}; give more of it")
        row = token_revoke(token=live[0], actor=live[0].user)
        self.stdout.write(self.style.SUCCESS(f"Revoked token {row.prefix}… of {row.user.username}"))
