"""`zimei search rebuild`: the search index made again from the published articles; `zimei
search merge`: its segments merged."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from zimei.search.backends import search_backend
from zimei.search.services import search_rebuild


class Command(BaseCommand):
    help = (
        "Manage the search index (docs/search.md). `zimei search rebuild` indexes every published "
        "article again (after an upgrade, an import, a restore or a change of backend); `zimei "
        "search merge` then makes a large SQLite index quicker to read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
        reb = sub.add_parser(
            "rebuild",
            help="index every published article again",
            description=(
                "Index every published article again, in id order, a batch per transaction, and take "
                "out of the index any article that is no longer published; every article's titles, "
                "whatever its status, go into the desk's title index on the way. Readers can search while it "
                "runs (an article is in the index before and after its batch). Safe to stop and run "
                "again: --from-id resumes where a run stopped (it prints the last id done). --clear "
                "empties the index first (searches find less until the run ends). An index written "
                "before an upgrade that changed the tokens is searched as it was until a run from the "
                "first id, or one resumed where it stopped, has rewritten it all. On SQLite it then "
                "merges the index's segments (`zimei search merge`; --no-merge leaves them)."
            ),
        )
        reb.add_argument("--from-id", type=int, default=0, metavar="ID", help="start at this article id")
        reb.add_argument("--batch", type=int, default=500, metavar="N", help="articles per transaction")
        reb.add_argument("--clear", action="store_true", help="empty the index before indexing")
        reb.add_argument(
            "--no-merge",
            action="store_true",
            help="leave the index's segments as the run made them (see `zimei search merge`)",
        )
        reb.add_argument(
            "--workers",
            type=int,
            default=1,
            metavar="N",
            help="processes making the tokens (default 1: this one; up to the machine's cores)",
        )
        sub.add_parser(
            "merge",
            help="merge the index's segments (SQLite), after a rebuild or an import",
            description=(
                "Merge the SQLite search index's segments into one, a step at a time. A query reads "
                "every segment of each of its terms, so an index left in tens of segments by a "
                "rebuild or an import answers more slowly, most of all when its pages come from the "
                "disk. Readers can search and creators publish while it runs; safe to stop and run "
                "again (it goes on from where it stopped). It writes about as much as the index's "
                "size. On PostgreSQL there is nothing to merge."
            ),
        )

    def handle(
        self,
        *args,
        action: str,
        verbosity: int,
        from_id: int = 0,
        batch: int = 500,
        clear: bool = False,
        workers: int = 1,
        no_merge: bool = False,
        **_,
    ) -> None:
        backend = search_backend()
        if action == "merge":
            self.stdout.write(self.style.SUCCESS(backend.merge(progress=verbosity >= 1)))
            return
        if batch < 1:
            raise CommandError("--batch: at least 1")
        if workers < 1:
            raise CommandError("--workers: at least 1")
        if from_id < 0:
            raise CommandError("--from-id: an article id (0 or more)")
        if clear:
            with transaction.atomic():
                backend.clear()
        indexed, last = search_rebuild(from_id=from_id, batch=batch, workers=workers, progress=verbosity >= 1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {indexed} published article(s); the index holds {backend.count()}"
                + (f" (last id {last}; resume with --from-id {last + 1})" if last is not None else "")
            )
        )
        if backend.SEGMENTED and not no_merge:
            self.stdout.write(self.style.SUCCESS(backend.merge(progress=verbosity >= 1)))
