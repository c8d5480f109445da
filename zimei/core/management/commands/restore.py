"""`zimei restore FILE`: put back a backup made by `zimei backup` (docs/deploy.md, "Backups")."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zimei.core.backup import BackupError, backup_check, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `zimei backup` into this site's database (ZIMEI_DATABASE_URL, "
        "else SQLite in ZIMEI_DATA_DIR) and media folder. Every file's checksum and the manifest "
        "are checked first: a damaged or truncated archive is refused and nothing is changed. A "
        "site that already holds data is refused unless --force. SQLite backups restore into "
        "SQLite or PostgreSQL; PostgreSQL backups into PostgreSQL. Stop `zimei serve` first."
    )
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="the archive made by `zimei backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the data this site already holds (its database rows and media files; "
            "media files the backup does not have are removed)",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="only read the archive and check every checksum and the manifest; change nothing",
        )

    def handle(self, *args, file: str, force: bool, check: bool, **options) -> None:
        archive = Path(file).expanduser()
        verbose = options["verbosity"] > 0
        try:
            if check:
                manifest = backup_check(archive=archive, progress=verbose)
                data = manifest.data
                self.stdout.write(
                    self.style.SUCCESS(
                        f"备份完好。The backup is intact: {len(manifest.files):,} files, "
                        f"{sum(manifest.tables.values()):,} rows in {len(manifest.tables)} tables "
                        f"({manifest.vendor}), made {data.get('created')} "
                        f"by Zimei {data.get('zimei_version')}"
                    )
                )
                return
            result = backup_restore(
                archive=archive, force=force, progress=verbose, log=self.stderr.write if verbose else None
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        how = (
            f"copied from a {result.source_vendor} backup into {result.target_vendor}"
            if result.copied_rows
            else result.target_vendor
        )
        self.stdout.write(
            f"Restored {result.rows:,} rows in {result.tables} tables ({how}) and "
            f"{result.media_files:,} media files in {result.seconds:.1f} s"
        )
        if result.pending_migrations:
            self.stderr.write(
                self.style.WARNING(
                    f"The backup predates {len(result.pending_migrations)} migration(s) of this Zimei: "
                    "run `zimei migrate` before `zimei serve`."
                )
            )
        if result.mismatches:
            lines = [
                f"  {m.table}: {'absent' if m.expected is None else f'{m.expected:,}'} in the backup, "
                f"{'absent' if m.found is None else f'{m.found:,}'} now"
                for m in result.mismatches
            ]
            raise CommandError(
                "行数与备份不符。The restored row counts differ from the backup's manifest:\n"
                + "\n".join(lines)
            )
        self.stdout.write(
            self.style.SUCCESS(f"恢复完成。Row counts match the backup in all {result.tables} tables.")
        )
