"""`zimei article import`: Markdown, HTML, folders, WordPress exports and `zimei export` zips;
`zimei article rerender`: render published articles again after the conversion dictionary changed;
`zimei article covers`: make the list thumbnails of covers published before they were made."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from zimei.accounts.models import CreatorProfile, User
from zimei.articles.images import cover_sizes_make
from zimei.articles.importing import ImportFailed, import_path
from zimei.articles.models import Article
from zimei.articles.services import article_rerender


def author_for(username: str) -> CreatorProfile:
    """The creator profile of USERNAME, or a CommandError saying why there is none."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"--author: no user named {username!r}")
    profile = CreatorProfile.objects.filter(user=user).select_related("user", "channel").first()
    if profile is None:
        raise CommandError(
            f"--author: {username} is not a creator (make one with `zimei creator add`, "
            f"or have an editor approve their application)"
        )
    return profile


class Command(BaseCommand):
    help = (
        "Manage articles. `zimei article import PATH --author USERNAME [--publish] [--strict]` "
        "imports Markdown or HTML files, a folder of them, a WordPress export (WXR) or a zip "
        "made by `zimei export`. `zimei article rerender` renders published articles in both "
        "scripts again, after the conversion dictionary changed. `zimei article covers` makes "
        "the list thumbnails of published covers that have none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
        imp = sub.add_parser(
            "import",
            help="import articles from files, a folder, a WordPress export (WXR) or an export zip",
            description=(
                "Import articles for a creator. PATH is a Markdown file (.md, with optional YAML front "
                "matter: title, date, summary, channel, original, source, status), an HTML file "
                "(title from <title> or the first <h1>), a folder (every .md and .html in it, sorted), "
                "a WordPress export file (WXR .xml: posts with their dates, status and categories; "
                "images found in an uploads/ folder next to it are imported, others dropped and "
                "reported; nothing is downloaded), or a zip made by `zimei export`. Bodies are "
                "sanitised exactly as in the studio. A second import of the same files adds nothing. "
                "An item that cannot be imported is reported and skipped."
            ),
        )
        imp.add_argument("path", metavar="PATH", help="file, folder, WXR .xml or export .zip")
        imp.add_argument(
            "--author", required=True, metavar="USERNAME", help="the creator the articles belong to"
        )
        imp.add_argument(
            "--publish",
            action="store_true",
            help="publish items that say nothing about their status (plain files); by default they "
            "become drafts. Items with a status (front matter, WXR) keep it.",
        )
        imp.add_argument(
            "--strict",
            action="store_true",
            help="exit non-zero if any item failed (by default a failed item is reported and the "
            "others imported; the exit is non-zero only when nothing could be imported)",
        )

        rer = sub.add_parser(
            "rerender",
            help="render published articles in every variant again (after a conversion dictionary change)",
            description=(
                "Render the title, summary and body of every published article in Simplified and "
                "Traditional again from its published text, with the conversion dictionary as it is "
                "now (zimei/conversion/data/, docs/conversion.md). Only articles whose rendering "
                "changes are saved, and their pages purged. An edit waiting for review stays "
                "unpublished. Safe to stop and run again; --from-id resumes where a run stopped."
            ),
        )
        rer.add_argument("--from-id", type=int, default=0, metavar="ID", help="start at this article id")
        rer.add_argument("--batch", type=int, default=200, metavar="N", help="articles read at a time")
        sub.add_parser(
            "covers",
            help="make the list thumbnails of published covers that have none",
            description=(
                "Make the 240 and 480 pixel WebP copies (3:2) that article lists show of every "
                "published article's cover, where they are missing. Publishing makes them; this is "
                "for covers published before they existed. Safe to run again."
            ),
        )

    def handle(self, *args, action: str, **options) -> None:
        if action == "rerender":
            return self.handle_rerender(**options)
        if action == "covers":
            return self.handle_covers(**options)
        author = author_for(options["author"])
        path = Path(options["path"]).expanduser()
        verbose = options["verbosity"] > 0
        try:
            result = import_path(path=path, author=author, publish=options["publish"], progress=verbose)
        except ImportFailed as exc:
            raise CommandError(str(exc)) from exc
        for label, src in result.dropped_images:
            self.stderr.write(f"{label}: image not available locally, dropped: {src}")
        for label, note in result.notes:
            self.stderr.write(f"{label}: {note}")
        failures = [f"{label}: not imported: {message}" for label, message in result.failed]
        published = sum(1 for a in result.imported if a.status == "published")
        summary = (
            f"Imported {len(result.imported)} article(s) for {author.user.username} "
            f"({published} published, {len(result.imported) - published} not); "
            f"skipped {result.skipped} already imported; {len(result.failed)} failed"
        )
        if result.dropped_images:
            summary += f"; {len(result.dropped_images)} image(s) dropped"
        if result.failed and (options["strict"] or not (result.imported or result.skipped)):
            raise CommandError("\n".join([*failures, summary]))  # --strict, or nothing imported at all
        for line in failures:
            self.stderr.write(self.style.ERROR(line))
        self.stdout.write(self.style.WARNING(summary) if result.failed else self.style.SUCCESS(summary))

    def handle_rerender(self, *, from_id: int, batch: int, verbosity: int, **_) -> None:
        if batch < 1:
            raise CommandError("--batch: at least 1")
        published = Article.objects.filter(status=Article.Status.PUBLISHED, id__gte=from_id)
        ids = list(published.order_by("id").values_list("id", flat=True))
        changed, last = 0, None
        with tqdm(total=len(ids), desc="rerender", unit="art", disable=verbosity < 1) as bar:
            for start in range(0, len(ids), batch):
                chunk = ids[start : start + batch]
                for article in Article.objects.filter(id__in=chunk).select_related("cover").order_by("id"):
                    changed += article_rerender(article=article)
                    last = article.id
                bar.update(len(chunk))
        self.stdout.write(
            self.style.SUCCESS(
                f"Rendered {len(ids)} published article(s) again: {changed} changed"
                + (f" (last id {last})" if last is not None else "")
            )
        )

    def handle_covers(self, *, verbosity: int, **_) -> None:
        published = Article.objects.filter(status=Article.Status.PUBLISHED, cover__isnull=False)
        names = sorted(set(published.values_list("cover__file", flat=True)))
        made = 0
        for name in tqdm(names, desc="covers", unit="img", disable=verbosity < 1):
            made += len(cover_sizes_make(name))
        self.stdout.write(self.style.SUCCESS(f"{len(names)} cover(s) checked: {made} thumbnail(s) made"))
