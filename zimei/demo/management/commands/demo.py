"""`zimei demo`: a ready-to-click demo site in one command."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zimei.core.management.commands.serve import (
    add_server_arguments,
    check_server_options,
    collectstatic_if_needed,
    url,
)
from zimei.core.schema import pending_migrations
from zimei.demo.fill import (
    DEMO_ARTICLES,
    DEMO_CREATORS,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DemoConflict,
    demo_fill,
)


class Command(BaseCommand):
    help = (
        "Set up a demo site and serve it: create the data folder (ZIMEI_DATA_DIR, default "
        "./zimei-data) and the database, fill it once with demo creators and a month of articles "
        "(a second run adds nothing and starts in seconds), print the demo logins, then serve "
        "at http://127.0.0.1:8000 with the same server as `zimei serve`."
    )
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        add_server_arguments(parser)
        parser.add_argument(
            "--articles", type=int, default=DEMO_ARTICLES, help=f"demo articles (default: {DEMO_ARTICLES})"
        )
        parser.add_argument(
            "--creators", type=int, default=DEMO_CREATORS, help=f"demo creators (default: {DEMO_CREATORS})"
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="set up and fill, but do not start the server"
        )

    def handle(self, *args, **options) -> None:
        host, port = options["host"], options["port"]
        if options["articles"] < 0:
            raise CommandError(f"--articles must be 0 or more, not {options['articles']}")
        if options["creators"] < 1:
            raise CommandError(f"--creators must be at least 1, not {options['creators']}")
        if not options["no_serve"]:
            check_server_options(host, port, options["workers"], options["threads"])

        started = time.monotonic()
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        if pending_migrations():
            self.stdout.write(f"Creating the database in {settings.DATA_DIR} …")
            call_command("migrate", interactive=False, verbosity=0)
        try:
            result = demo_fill(
                articles=options["articles"], creators=options["creators"], progress=options["verbosity"] > 0
            )
        except DemoConflict as exc:
            raise CommandError(str(exc)) from exc
        if result.created:
            self.stdout.write(
                f"Demo content: {result.articles} articles by {result.creators} creators "
                f"in {result.seconds:.1f} s"
            )
        if collectstatic_if_needed():
            self.stdout.write("Collected static files")
        self.stdout.write(f"Ready in {time.monotonic() - started:.1f} s.\n")

        self.stdout.write(self.style.SUCCESS(f"Zimei demo: {url(host, port)}"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, what in DEMO_LOGINS:
            self.stdout.write(f"  {username:<8} / {DEMO_PASSWORD}   {what}")
        if options["no_serve"]:
            return
        self.stdout.write("")
        call_command("serve", host=host, port=port, workers=options["workers"], threads=options["threads"])
