"""`zimei seed`: bulk demo content at benchmark sizes."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zimei.core.schema import pending_migrations
from zimei.demo.bulk import seed_bulk

MAX_BATCH = 50_000


class Command(BaseCommand):
    help = (
        "Add generated articles at benchmark sizes (e.g. --articles 1000000): the demo generator "
        "written with bulk inserts in batches, so memory stays flat. Adds to the database in "
        "ZIMEI_DATA_DIR (creating it if needed); running it twice adds twice. Bodies, pictures "
        "and keywords come from a pool built once per run; titles, authors, dates, counts and "
        "related articles are per article (see zimei/demo/bulk.py)."
    )
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--articles", type=int, required=True, help="published articles to add")
        parser.add_argument("--creators", type=int, default=100, help="new creators to add (default: 100)")
        parser.add_argument(
            "--batch", type=int, default=5000, help="articles per bulk insert and transaction (default: 5000)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
        parser.add_argument(
            "--days", type=float, default=30, help="spread publication over the last DAYS days (default: 30)"
        )

    def handle(
        self, *args, articles: int, creators: int, batch: int, seed: int, days: float, **options
    ) -> None:
        if articles < 0:
            raise CommandError(f"--articles must be 0 or more, not {articles}")
        if creators < 1:
            raise CommandError(f"--creators must be at least 1, not {creators}")
        if not 1 <= batch <= MAX_BATCH:
            raise CommandError(f"--batch must be between 1 and {MAX_BATCH:,}, not {batch}")
        if not 0 < days <= 3650:
            raise CommandError(f"--days must be more than 0 and at most 3650, not {days}")
        verbose = options["verbosity"] > 0
        if pending_migrations():
            if verbose:
                self.stdout.write(f"Creating the database in {settings.DATA_DIR} …")
            call_command("migrate", interactive=False, verbosity=0)
        result = seed_bulk(
            articles=articles,
            creators=creators,
            batch=batch,
            seed=seed,
            days=days,
            progress=verbose,
            log=self.stdout.write if verbose else None,
        )
        if verbose:
            rate = result.articles / result.seconds if result.seconds else 0
            self.stdout.write(
                self.style.SUCCESS(
                    f"Added {result.articles:,} articles by {result.creators:,} new creators "
                    f"in {result.seconds:.1f} s ({rate:,.0f} articles/s)"
                )
            )
