"""`zimei hot rebuild|show`: the hot list (热点推荐) from the command line (docs/hot.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from zimei.channels.models import Channel
from zimei.distribution import hot


class Command(BaseCommand):
    help = (
        "The hot list. `zimei hot rebuild` sets every article's hot score from its publication "
        "time, views and shares (run it once after upgrading a site, or on a database seeded "
        "before the score existed); `zimei hot show [--channel SLUG]` prints the list readers see."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
        rebuild = sub.add_parser(
            "rebuild",
            help="recompute every article's hot score from its counts",
            description=(
                "Set hot_log of every article from its published_at, view count and share count, "
                "in batches, with a progress bar. The views and shares are placed at the "
                "publication time (their real times were never kept), with the one-off "
                "freshness weight. Views counted while it runs reach the counts but may miss "
                "the score of the batch being written. Safe to run again."
            ),
        )
        rebuild.add_argument(
            "--batch",
            type=int,
            default=5000,
            metavar="N",
            help="articles per transaction (default: 5000)",
        )
        show = sub.add_parser(
            "show",
            help="print the hot list as readers see it now",
            description="Print the site-wide hot list, or one channel's, with each entry's score now.",
        )
        show.add_argument("--channel", default="", metavar="SLUG", help="a channel's list (e.g. tech)")
        show.add_argument("--limit", type=int, default=hot.LIMIT, metavar="N", help="entries (default: 10)")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"handle_{action}")(**options)

    def handle_rebuild(self, *, batch: int, verbosity: int, **options) -> None:
        if batch < 1:
            raise CommandError(f"--batch must be at least 1, not {batch}")
        written = hot.hot_rebuild(batch=batch, progress=verbosity > 0)
        self.stdout.write(f"hot scores set for {written} articles")

    def handle_show(self, *, channel: str, limit: int, **options) -> None:
        found = None
        if channel:
            found = Channel.objects.filter(slug=channel).first()
            if found is None:
                slugs = ", ".join(Channel.objects.values_list("slug", flat=True))
                raise CommandError(f"no channel {channel!r} (channels: {slugs})")
        if not 1 <= limit <= 100:
            raise CommandError(f"--limit must be between 1 and 100, not {limit}")
        now = timezone.now()
        for i, article in enumerate(hot.hot_read(channel_id=found and found.id, limit=limit), 1):
            when = timezone.localtime(article.published_at).strftime("%Y-%m-%d %H:%M:%S")
            score = hot.score_at(article.hot_log, now)
            self.stdout.write(f"{i:>2}. [{score:10.1f}] #{article.id} {article.title_hans} · {when}")
