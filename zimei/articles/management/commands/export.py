"""`zimei export`: an author's articles as a zip of Markdown files, images and a JSON index."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zimei.articles.exporting import export_author

from .article import author_for


class Command(BaseCommand):
    help = (
        "Export a creator's articles (every status) to a zip: articles/<id>.md (Markdown with YAML "
        "front matter: title, date, status, channel, summary, original, source, id), the images "
        "they use under images/, and index.json. `zimei article import FILE.zip --author USERNAME` "
        "reads it back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--author", required=True, metavar="USERNAME", help="whose articles to export")
        parser.add_argument("--out", required=True, metavar="FILE.zip", help="the zip to write (replaced)")

    def handle(self, *args, **options) -> None:
        author = author_for(options["author"])
        out = Path(options["out"]).expanduser()
        if out.suffix.lower() != ".zip":
            raise CommandError(f"--out: give a .zip file name, not {out.name!r}")
        if out.is_dir():
            raise CommandError(f"--out: {out} is a folder; give a .zip file name")
        if not out.parent.is_dir():
            raise CommandError(f"--out: the folder {out.parent} does not exist")
        try:
            result = export_author(author=author, out=out, progress=options["verbosity"] > 0)
        except OSError as exc:
            raise CommandError(f"--out: cannot write {out} ({exc.strerror or exc})") from exc
        for article_id, url in result.missing_images:
            self.stderr.write(f"article {article_id}: image file missing, left as a link: {url}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {result.articles} article(s) and {result.images} image(s) by "
                f"{author.user.username} to {out}"
            )
        )
