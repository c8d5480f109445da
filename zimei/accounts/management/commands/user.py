"""`zimei user add`: accounts for readers, editors and admins; `zimei user unlock`: lift a
sign-in lockout."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from zimei.accounts.models import User
from zimei.accounts.services import user_create
from zimei.core.errors import InputError
from zimei.core.management.cli import input_error, read_password
from zimei.core.ratelimit import rate_reset

LABELS = {"username": "USERNAME", "password": "password", "role": "--role"}


class Command(BaseCommand):
    help = (
        "Manage accounts. `zimei user add USERNAME --role reader|editor|admin --password-stdin` "
        "creates an account (creators: `zimei creator add`). `zimei user unlock USERNAME` lifts "
        "a sign-in lockout."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
        add = sub.add_parser(
            "add",
            help="create an account",
            description=(
                "Create an account. The password is read from standard input (first line) and "
                "checked by the password validators. reader: a reader; editor: an editor (staff); "
                "admin: an administrator (staff and superuser)."
            ),
        )
        add.add_argument("username", metavar="USERNAME")
        add.add_argument(
            "--role", choices=["reader", "editor", "admin"], default="reader", help="(default: reader)"
        )
        add.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        unlock = sub.add_parser(
            "unlock",
            help="lift a sign-in lockout",
            description=(
                "Forget an account's failed sign-ins and lift its lockout (docs/security-roles.md); "
                "with --address, that address's too."
            ),
        )
        unlock.add_argument("username", metavar="USERNAME")
        unlock.add_argument("--address", default="", help="also unlock this client address")

    def handle(self, *args, **options) -> None:
        if options["action"] == "unlock":
            rate_reset("signin-account", options["username"].strip().lower())
            if options["address"]:
                rate_reset("signin-address", options["address"])
            self.stdout.write(self.style.SUCCESS(f"Unlocked {options['username']}"))
            return
        password = read_password(options, "user add USERNAME")
        try:
            user = user_create(username=options["username"], password=password, role=options["role"])
        except InputError as exc:
            raise input_error(exc, LABELS) from exc
        role = User.Role(user.role).label
        self.stdout.write(self.style.SUCCESS(f"Created {user.role} {user.username} ({role}), id {user.id}"))
