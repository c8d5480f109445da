"""`zimei creator add`: an approved creator in one command. `zimei creator reindex`: the daily
recompute of every creator's index, level and badges (accounts/levels.py)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from zimei.accounts.services import creator_create_by_operator
from zimei.core.errors import InputError
from zimei.core.management.cli import input_error, read_password
from zimei.distribution.creator_index import creator_index_recompute_all, index_last_run
from zimei.moderation.services import credit_restore_all

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
        "editor had approved its application (kept, and recorded in the audit log). "
        "`zimei creator reindex` recomputes every creator's index, level and badges (daily; "
        "`zimei serve` runs it on its own). `zimei creator credit-restore` gives back 信用分 "
        "for clean time (daily; docs/moderation.md)."
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

        reindex = sub.add_parser(
            "reindex",
            help="recompute every creator's index, level and badges",
            description=(
                "Recompute the creator index (originality, activity, engagement, standing over the "
                "last 90 days), the level Lv1-Lv5 and the badges of every creator, in a few grouped "
                "queries (docs/creator-index.md). Run it daily from cron or a systemd timer; "
                "`zimei serve` already runs it once a day unless started with --no-daily-jobs."
            ),
        )
        reindex.add_argument(
            "--if-older-than",
            type=float,
            default=None,
            metavar="HOURS",
            help="do nothing when the last recompute is more recent than HOURS hours",
        )
        reindex.add_argument("--quiet", action="store_true", help="no progress bar and no summary")

        restore = sub.add_parser(
            "credit-restore",
            help="give back 信用分 for clean time (daily)",
            description=(
                "Give every creator below 100 信用分 one point back for each 3 full days since "
                "their last violation, minus what was already given back (docs/moderation.md). "
                "Safe to run any number of times: a second run the same day changes nothing. "
                "Run it daily, e.g. next to `zimei creator reindex`."
            ),
        )
        restore.add_argument("--quiet", action="store_true", help="no progress bar and no summary")

    def handle(self, *args, **options) -> None:
        if options["action"] == "reindex":
            return self.reindex(options)
        if options["action"] == "credit-restore":
            return self.credit_restore(options)
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

    def reindex(self, options) -> None:

        hours = options["if_older_than"]
        if hours is not None:
            if hours < 0:
                raise CommandError(f"--if-older-than must be 0 or more hours, not {hours}")
            last = index_last_run()
            if last is not None and timezone.now() - last < timedelta(hours=hours):
                if not options["quiet"]:
                    self.stdout.write(
                        f"Creator index is recent (recomputed {last:%Y-%m-%d %H:%M %Z}); nothing to do"
                    )
                return
        result = creator_index_recompute_all(progress=not options["quiet"])
        if not options["quiet"]:
            levels = ", ".join(f"Lv{lv}: {n}" for lv, n in result.levels.items()) or "none"
            self.stdout.write(
                self.style.SUCCESS(
                    f"Recomputed the index of {result.creators} creators in "
                    f"{result.seconds_gather + result.seconds_write:.1f} s ({levels})"
                )
            )

    def credit_restore(self, options) -> None:
        raised = credit_restore_all(progress=not options["quiet"])
        if not options["quiet"]:
            self.stdout.write(self.style.SUCCESS(f"信用分 restored for {raised} creators"))
