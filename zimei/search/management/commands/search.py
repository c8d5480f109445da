"""`zimei search rebuild`: the search index made again from the published articles."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from zimei.search.backends import search_backend
from zimei.search.services import search_rebuild


class Command(BaseCommand):
    help = (
        "Manage the search index (docs/search.md). `zimei search rebuild` indexes every published "
        "article again (after an upgrade, an import, a restore or a change of backend)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
        reb = sub.add_parser(
            "rebuild",
            help="index every published article again",
            description=(
                "Index every published article again, in id order, a batch per transaction, and take "
                "out of the index any article that is no longer published. Readers can search while it "
                "runs (an article is in the index before and after its batch). Safe to stop and run "
                "again: --from-id resumes where a run stopped (it prints the last id done). --clear "
                "empties the index first (searches find less until the run ends)."
            ),
        )
        reb.add_argument("--from-id", type=int, default=0, metavar="ID", help="start at this article id")
        reb.add_argument("--batch", type=int, default=500, metavar="N", help="articles per transaction")
        reb.add_argument("--clear", action="store_true", help="empty the index before indexing")
        reb.add_argument(
            "--workers",
            type=int,
            default=1,
            metavar="N",
            help="processes making the tokens (default 1: this one; up to the machine's cores)",
        )

    def handle(
        self, *args, action: str, from_id: int, batch: int, clear: bool, workers: int, verbosity: int, **_
    ) -> None:
        if batch < 1:
            raise CommandError("--batch: at least 1")
        if workers < 1:
            raise CommandError("--workers: at least 1")
        if from_id < 0:
            raise CommandError("--from-id: an article id (0 or more)")
        if clear:
            with transaction.atomic():
                search_backend().clear()
        indexed, last = search_rebuild(from_id=from_id, batch=batch, workers=workers, progress=verbosity >= 1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {indexed} published article(s); the index holds {search_backend().count()}"
                + (f" (last id {last}; resume with --from-id {last + 1})" if last is not None else "")
            )
        )
