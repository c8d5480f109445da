"""`zimei creator add`: an approved creator in one command."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from zimei.accounts.services import creator_create_by_operator
from zimei.core.errors import InputError
from zimei.core.management.cli import input_error, read_password

LABELS = {
    "username": "USERNAME",
    "password": "password",
    "pen_name": "--pen-name",
    "channel": "--channel",
    "tagline": "--tagline",
}


class Command(BaseCommand):
    help = (
        "Manage creators. `zimei creator add USERNAME --pen-name NAME --channel SLUG "
        "--password-stdin [--trusted]` creates an account that is an approved creator, as if an "
        "editor had approved its application (kept, and recorded in the audit log)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
        add = sub.add_parser(
            "add",
            help="create an approved creator",
            description=(
                "Create an account and its creator profile, approved at once. The password is read "
                "from standard input (first line) and checked by the password validators."
            ),
        )
        add.add_argument("username", metavar="USERNAME")
        add.add_argument("--pen-name", required=True, metavar="NAME", help="笔名 shown on the author card")
        add.add_argument(
            "--channel",
            required=True,
            metavar="SLUG",
            help="the creator's channel: tech news sports ent money auto art mobile local open war",
        )
        add.add_argument("--tagline", default="", metavar="T", help="一句话介绍 (at most 60 characters)")
        add.add_argument(
            "--trusted",
            action="store_true",
            help="trusted (信): clean articles publish at once, without review",
        )
        add.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args, **options) -> None:
        password = read_password(options, "creator add USERNAME --pen-name NAME --channel SLUG")
        try:
            profile = creator_create_by_operator(
                username=options["username"],
                password=password,
                pen_name=options["pen_name"],
                channel=options["channel"],
                tagline=options["tagline"],
                trusted=options["trusted"],
            )
        except InputError as exc:
            raise input_error(exc, LABELS) from exc
        trusted = ", trusted" if profile.trusted else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Created creator {profile.user.username} ({profile.pen_name}, channel "
                f"{profile.channel.slug}{trusted}), user id {profile.user_id}"
            )
        )
