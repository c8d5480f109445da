"""`zimei related rebuild`: corpus statistics, fingerprints and related articles, from scratch."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zimei.distribution.related import fingerprints_rebuild, related_rebuild, termstat_rebuild


class Command(BaseCommand):
    help = (
        "Related articles (相关推荐). `zimei related rebuild` recounts the corpus statistics "
        "(TermStat) from the keyword index in SQL, dropping the postings of unpublished articles; "
        "--fingerprints also recomputes every published article's SimHash, --related every "
        "published article's stored related list (slow at millions: tens of ms each). "
        "Publishing keeps all three up to date; run this after bulk imports or seeding."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
        rebuild = sub.add_parser(
            "rebuild",
            help="rebuild corpus statistics (and optionally fingerprints and related lists)",
            description=(
                "Rebuild TermStat (word document frequencies, corpus size) from ArticleKeyword in "
                "SQL. With --fingerprints, recompute each published article's SimHash and bands; "
                "with --related, recompute each published article's related ids (after the "
                "statistics, so they use them)."
            ),
        )
        rebuild.add_argument(
            "--fingerprints", action="store_true", help="also recompute SimHash fingerprints"
        )
        rebuild.add_argument(
            "--related", action="store_true", help="also recompute every related list (slow)"
        )
        rebuild.add_argument(
            "--batch", type=int, default=1000, help="articles per batch and transaction (default: 1000)"
        )

    def handle(self, *args, action: str, fingerprints: bool, related: bool, batch: int, **options) -> None:
        if not 1 <= batch <= 50_000:
            raise CommandError(f"--batch must be between 1 and 50,000, not {batch}")
        verbose = options["verbosity"] > 0
        started = time.monotonic()
        n = termstat_rebuild()
        if verbose:
            self.stdout.write(
                f"Corpus statistics: {n:,} indexed articles ({time.monotonic() - started:.1f} s)"
            )
        if fingerprints:
            done = fingerprints_rebuild(batch=batch, progress=verbose)
            if verbose:
                self.stdout.write(f"Fingerprints: {done:,} articles")
        if related:
            done = related_rebuild(batch=batch, progress=verbose)
            if verbose:
                self.stdout.write(f"Related lists: {done:,} articles")
        if verbose:
            self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s"))
