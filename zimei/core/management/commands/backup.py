"""`zimei backup`: the database and the media folder in one archive (docs/deploy.md, "Backups")."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zimei.core.backup import BackupError, backup_create, default_backup_name


class Command(BaseCommand):
    help = (
        "Back up the site into one archive: the database (SQLite through its online backup API, "
        "PostgreSQL through pg_dump, both from one consistent snapshot, safe while `zimei serve` "
        "runs), every file under the media folder, and manifest.json (Zimei version, time, "
        "database vendor, migrations, every file's size and SHA-256, every table's row count). "
        "`zimei restore FILE` puts it back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out",
            metavar="FILE",
            help="the archive to write: .tar.gz (or .tgz), .tar.xz or .tar (default: "
            "zimei-backup-YYYYMMDD-HHMMSS.tar.gz in the current folder). Written under a temporary "
            "name and renamed when complete; an existing file is replaced.",
        )
        parser.add_argument(
            "--sqlite",
            action="store_true",
            help="on PostgreSQL: store the database as a SQLite file (rows copied with the ORM; "
            "slower) so the backup restores into SQLite as well as PostgreSQL",
        )

    def handle(self, *args, out: str | None, sqlite: bool, **options) -> None:
        path = Path(out or default_backup_name()).expanduser()
        verbose = options["verbosity"] > 0
        try:
            result = backup_create(
                out=path, sqlite=sqlite, progress=verbose, log=self.stderr.write if verbose else None
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for name in result.skipped:
            self.stderr.write(f"{name}: deleted while the backup ran, left out")
        if verbose:
            self.stdout.write(
                self.style.SUCCESS(
                    f"备份完成。Backed up {result.rows:,} rows in {result.tables} tables "
                    f"({result.vendor}, {result.database_bytes / 1e6:.1f} MB) and {result.media_files:,} "
                    f"media files ({result.media_bytes / 1e6:.1f} MB) to {result.path} "
                    f"({result.size / 1e6:.1f} MB) in {result.seconds:.1f} s"
                )
            )
