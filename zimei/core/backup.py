"""Backups: the database and the media folder in one archive with a manifest (docs/deploy.md, "Backups").

An archive is a tar file (plain, gzip or xz, chosen by the file name) holding, in this order:

- `database/zimei.sqlite3` (a SQLite database, copied with SQLite's online backup API from one
  read snapshot, so it is consistent while the server keeps writing) or
  `database/zimei.pgdump` (`pg_dump -Fc` of the PostgreSQL database, taken in the same
  exported snapshot the row counts were read in);
- `media/…`: every file under MEDIA_ROOT;
- `manifest.json`: format and version, Zimei's version, when, the database vendor, the applied
  migrations per app, every file above with its size and SHA-256, and the row count of every
  table;
- `manifest.sha256`: the SHA-256 of manifest.json (`sha256sum -c` format).

The database is read first and the media folder after it, so every picture the database points
at is in the archive (a picture uploaded meanwhile may be there without its row, which is
harmless).

Restoring reads the whole archive into a staging folder inside the data folder and checks
every checksum, the manifest and the migration state before anything in place is touched. Then
the database is placed (SQLite: the file, atomically; PostgreSQL: pg_restore), the media files
moved in, the page cache dropped, and every table's row count compared with the manifest. A
SQLite backup restores into PostgreSQL by copying every model's rows with the ORM; a PostgreSQL
backup restores into PostgreSQL only (`backup_create(sqlite=True)` makes one any site can read).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import io
import json
import lzma
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.backends.postgresql.client import DatabaseClient
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from tqdm import tqdm

from zimei.core.pagecache import page_store
from zimei.core.signals import data_restored

from .schema import pending_migrations

FORMAT = "zimei-backup"
VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
DB_MEMBERS = {"sqlite": "database/zimei.sqlite3", "postgresql": "database/zimei.pgdump"}
MEDIA_DIR = "media"
# File name endings an archive may have, and the tarfile compression each means.
SUFFIXES = {".tar": "", ".tar.gz": "gz", ".tgz": "gz", ".tar.xz": "xz"}
CHUNK = 1024 * 1024
COPY_BATCH = 1000
SQLITE_STEP_PAGES = 1024  # 4 MB a step with 4 KB pages
SOURCE_ALIAS = "zimei_backup_source"
# Tables a fresh `zimei migrate` fills by itself: rows there do not make a target "not empty".
FILLED_BY_MIGRATE = {"django_migrations", "django_content_type", "auth_permission"}
FILLED_BY_MIGRATE_MODELS = ("channels.Channel", "moderation.BannedWord", "core.SitePage")
# Tables derived from the others, not content: the search index (SQLite FTS5 and its shadow
# tables, or PostgreSQL's tsvectors). A restore into the same kind of database brings it along;
# into another kind, the search app builds it again on data_restored (search/receivers.py).
DERIVED_PREFIXES = ("search_",)

Log = Callable[[str], None] | None


class BackupError(Exception):
    """Refused or failed, with a message for the operator (Chinese headline, English detail)."""


class ArchiveDamaged(BackupError):
    pass


class TargetNotEmpty(BackupError):
    pass


@dataclass
class BackupResult:
    path: Path
    size: int
    vendor: str
    database_bytes: int
    media_files: int
    media_bytes: int
    tables: int
    rows: int
    seconds: float
    skipped: list[str] = field(default_factory=list)  # media files that vanished while reading


@dataclass
class Mismatch:
    table: str
    expected: int | None  # None: the table is not in the backup
    found: int | None  # None: the table is missing after the restore


@dataclass
class RestoreResult:
    source_vendor: str
    target_vendor: str
    copied_rows: bool  # True: rows copied across vendors with the ORM
    media_files: int
    media_removed: int
    tables: int
    rows: int
    mismatches: list[Mismatch]
    pending_migrations: list[str]
    seconds: float


@dataclass
class Manifest:
    data: dict[str, Any]

    @property
    def vendor(self) -> str:
        return self.data["database"]["vendor"]

    @property
    def database_member(self) -> str:
        return self.data["database"]["file"]

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        return {f["path"]: f for f in self.data["files"]}

    @property
    def tables(self) -> dict[str, int]:
        return self.data["tables"]

    @property
    def migrations(self) -> set[tuple[str, str]]:
        return {(app, name) for app, names in self.data["migrations"].items() for name in names}


# --- shared helpers ----------------------------------------------------------------------


def _zimei_version() -> str:
    try:
        return importlib.metadata.version("zimei")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _vendor() -> str:
    return connection.vendor


def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _pg_env() -> dict[str, str]:
    """The environment that makes pg_dump / pg_restore connect where Django does: host, port,
    user and database as PG* variables, the password as PGPASSWORD (never an argument, so
    never in `ps`), SSL and service options as Django's own `dbshell` passes them."""
    db = settings.DATABASES["default"]
    _, extra = DatabaseClient.settings_to_cmd_args_env(db, [])
    env = {**os.environ, **(extra or {})}  # libpq reads PG* like Django's connection does
    for var, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGDATABASE", db.get("NAME")),
    ):
        if value:
            env[var] = str(value)
    return env


def _pg_target() -> str:
    db = settings.DATABASES["default"]
    where = f"{db.get('HOST') or 'the local socket'}" + (f":{db['PORT']}" if db.get("PORT") else "")
    return f"PostgreSQL database {db.get('NAME')!r} on {where}"


def _run_pg(args: list[str], what: str) -> None:
    try:
        done = subprocess.run(args, env=_pg_env(), capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(
            f"找不到 {args[0]}。{args[0]} was not found: install PostgreSQL's client tools "
            f"(Debian: apt install postgresql-client) in the same major version as the server."
        ) from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-2000:]
        raise BackupError(f"{what} 失败。{what} failed ({args[0]} exited with {done.returncode}):\n{detail}")


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        bool(name)
        and not path.is_absolute()
        and ".." not in path.parts
        and "\\" not in name
        and "\0" not in name
        and str(path) == name
    )


def _code_migrations() -> tuple[set[tuple[str, str]], set[tuple[str, str]], dict]:
    """(every migration this code has on disk, the nodes of its graph, replacements)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    replaces = {key: set(m.replaces) for key, m in loader.disk_migrations.items() if m.replaces}
    return set(loader.disk_migrations), set(loader.graph.nodes), replaces


def _migration_gap(applied: set[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """(migrations the backup has that this code does not know: made by a newer Zimei,
    migrations this code has that the backup lacks: made by an older one)."""
    on_disk, nodes, replaces = _code_migrations()
    unknown = sorted(f"{app}.{name}" for app, name in applied - on_disk)
    pending = []
    for node in sorted(nodes):
        if node in applied or (node in replaces and replaces[node] <= applied):
            continue
        pending.append(f"{node[0]}.{node[1]}")
    return unknown, pending


def _migrations_by_app(rows: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for app, name in rows:
        out.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(out.items())}


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    ).fetchall()
    return sorted(r[0] for r in rows)


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _sqlite_tables(conn)}


def _sqlite_migrations(conn: sqlite3.Connection) -> dict[str, list[str]]:
    if "django_migrations" not in _sqlite_tables(conn):
        return {}
    return _migrations_by_app(conn.execute("SELECT app, name FROM django_migrations").fetchall())


def _django_counts(alias: str = "default") -> dict[str, int]:
    conn = connections[alias]
    with conn.cursor() as cursor:
        tables = sorted(t for t in conn.introspection.table_names(cursor) if not t.startswith("sqlite_"))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {conn.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _django_migrations(alias: str = "default") -> dict[str, list[str]]:
    conn = connections[alias]
    with conn.cursor() as cursor:
        if "django_migrations" not in conn.introspection.table_names(cursor):
            return {}
        cursor.execute("SELECT app, name FROM django_migrations")
        return _migrations_by_app(cursor.fetchall())


def _content_rows(counts: dict[str, int]) -> dict[str, int]:
    """Tables with rows that a fresh `zimei migrate` would not have put there."""
    skip = set(FILLED_BY_MIGRATE)
    for label in FILLED_BY_MIGRATE_MODELS:
        with suppress(LookupError):
            skip.add(apps.get_model(label)._meta.db_table)
    return {t: n for t, n in counts.items() if n and t not in skip and not t.startswith(DERIVED_PREFIXES)}


def _media_files(root: Path, *, exclude: Path | None = None) -> list[tuple[str, Path]]:
    """(archive name, path) of every regular file under root, sorted; symlinks are left out."""
    found = []
    if not root.is_dir():
        return found
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            if exclude is not None and path.resolve() == exclude:
                continue
            rel = path.relative_to(root).as_posix()
            found.append((f"{MEDIA_DIR}/{rel}", path))
    return found


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


# Below these a bar would only flash by.
BAR_MIN = {"B": 32 * 1024 * 1024, "row": 20_000}


def _progress(*, total: int, desc: str, unit: str, enabled: bool, **kw):
    shown = enabled and total >= BAR_MIN[unit]
    return tqdm(total=total, desc=desc, unit=unit, disable=not shown, leave=False, **kw)


def _fsync_dir(path: Path) -> None:
    with suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- making a backup ---------------------------------------------------------------------


def default_backup_name() -> str:
    return time.strftime("zimei-backup-%Y%m%d-%H%M%S.tar.gz")


def archive_compression(path: Path) -> str | None:
    """The tarfile compression for a file name ("", "gz", "xz"), or None if it is not one."""
    name = path.name.lower()
    for suffix, compression in sorted(SUFFIXES.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(suffix) and len(name) > len(suffix):
            return compression
    return None


def _snapshot_sqlite(dest: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Copy the live SQLite database to dest with the online backup API, from one read
    snapshot: the source connection holds a read transaction for the whole copy, so writers go
    on (WAL) and the copy never restarts. Returns the copy's row counts and migrations."""
    source_path = _sqlite_path()
    if not source_path.is_file():
        raise BackupError(
            f"没有数据库可备份。There is no database to back up at {source_path} "
            "(run `zimei migrate` to create one)."
        )
    src = sqlite3.connect(source_path, timeout=30, isolation_level=None)
    try:
        src.execute("PRAGMA busy_timeout = 30000")
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the read snapshot starts here
        dst = sqlite3.connect(dest, isolation_level=None)
        try:
            src.backup(dst, pages=SQLITE_STEP_PAGES)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            counts, migrations = _sqlite_counts(dst), _sqlite_migrations(dst)
        finally:
            dst.close()
        src.execute("COMMIT")
    finally:
        src.close()
    if not migrations:
        raise BackupError(
            f"数据库尚未创建。The database at {source_path} has no tables yet (run `zimei migrate`)."
        )
    return counts, migrations


def _snapshot_postgresql(dest: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """pg_dump -Fc into dest, in a snapshot exported by a REPEATABLE READ transaction that
    also reads the row counts and migrations: counts and dump describe the same moment."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts, migrations = _django_counts(), _django_migrations()
        if not migrations:
            raise BackupError(f"数据库尚未创建。The {_pg_target()} has no tables yet (run `zimei migrate`).")
        _run_pg(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-acl",
                f"--snapshot={snapshot}",
                f"--file={dest}",
            ],
            "pg_dump",
        )
    return counts, migrations


def _snapshot_as_sqlite(dest: Path, *, progress: bool) -> tuple[dict[str, int], dict[str, list[str]]]:
    """A SQLite database with every row of the (PostgreSQL) site, from one snapshot: a fresh
    schema made by `migrate`, then the ORM copy."""

    if pending_migrations():
        raise BackupError(
            "数据库有未执行的迁移。The database has unapplied migrations: run `zimei migrate` first."
        )
    with _sqlite_alias(dest) as alias:
        call_command("migrate", database=alias, interactive=False, verbosity=0)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            copy_rows(source="default", target=alias, progress=progress)
        counts, migrations = _django_counts(alias), _django_migrations(alias)
    conn = sqlite3.connect(dest, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
    return counts, migrations


class _Hashing:
    """A file object that hashes (and counts on a progress bar) what tarfile reads from it."""

    def __init__(self, raw: IO[bytes], bar, *, hashing: bool = True) -> None:
        self.raw, self.bar, self.sha = raw, bar, hashlib.sha256() if hashing else None

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        if self.sha is not None:
            self.sha.update(data)
        self.bar.update(len(data))
        return data


def _add(tar: tarfile.TarFile, name: str, path: Path, bar) -> dict[str, Any]:
    st = path.stat()
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = st.st_size, int(st.st_mtime), 0o644
    with path.open("rb") as raw:
        reader = _Hashing(raw, bar)
        tar.addfile(info, reader)
    return {"path": name, "size": info.size, "sha256": reader.sha.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
    tar.addfile(info, io.BytesIO(data))


def backup_create(
    *, out: Path, sqlite: bool = False, progress: bool = False, log: Log = None
) -> BackupResult:
    """Write a backup of the database and the media folder to `out` (.tar, .tar.gz, .tgz or
    .tar.xz). Safe while the server runs. `sqlite=True` on a PostgreSQL site stores the
    database as a SQLite file (slower; restores into SQLite or PostgreSQL). The archive is
    written next to `out` under a temporary name and renamed when complete."""
    started = time.monotonic()
    compression = archive_compression(out)
    if compression is None:
        raise BackupError(
            f"--out: the file name must end in .tar.gz, .tgz, .tar.xz or .tar, not {out.name!r}"
        )
    if out.is_dir():
        raise BackupError(f"--out: {out} is a folder; give a file name such as {default_backup_name()}")
    if not out.parent.is_dir():
        raise BackupError(f"--out: the folder {out.parent} does not exist")
    vendor = _vendor()
    if vendor not in DB_MEMBERS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    stored_vendor = "sqlite" if sqlite else vendor
    work = Path(tempfile.mkdtemp(prefix=".zimei-backup-", dir=out.parent))
    partial = out.with_name(f".{out.name}.partial-{secrets.token_hex(4)}")
    try:
        snapshot = work / Path(DB_MEMBERS[stored_vendor]).name
        if log:
            log("Reading the database …")
        if vendor == "sqlite":
            counts, migrations = _snapshot_sqlite(snapshot)
        elif sqlite:
            counts, migrations = _snapshot_as_sqlite(snapshot, progress=progress)
        else:
            counts, migrations = _snapshot_postgresql(snapshot)
        media_root = Path(settings.MEDIA_ROOT)
        media = [  # not the archive itself, should --out be inside the media folder
            (name, path)
            for name, path in _media_files(media_root, exclude=out.resolve())
            if not path.resolve().is_relative_to(work.resolve())
        ]
        total = snapshot.stat().st_size + sum(p.stat().st_size for _, p in media if p.exists())
        files: list[dict[str, Any]] = []
        skipped: list[str] = []
        bar = _progress(total=total, desc="Backing up", unit="B", enabled=progress, unit_scale=True)
        mode = f"w:{compression}" if compression else "w"
        level = {"compresslevel": 6} if compression == "gz" else {}
        try:
            with tarfile.open(partial, mode, format=tarfile.PAX_FORMAT, **level) as tar:
                files.append(_add(tar, DB_MEMBERS[stored_vendor], snapshot, bar))
                for name, path in media:
                    try:
                        files.append(_add(tar, name, path, bar))
                    except FileNotFoundError:
                        skipped.append(name)  # deleted while we were reading
                    except OSError as exc:  # shrank while read: the member is cut short
                        raise BackupError(
                            f"备份失败。The media file {path} changed while it was read ({exc}); "
                            "run the backup again."
                        ) from exc
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "zimei_version": _zimei_version(),
                    "created": timezone.localtime().isoformat(timespec="seconds"),
                    "database": {
                        "vendor": stored_vendor,
                        "source_vendor": vendor,
                        "file": DB_MEMBERS[stored_vendor],
                        "sqlite_version": sqlite3.sqlite_version if stored_vendor == "sqlite" else None,
                    },
                    "migrations": migrations,
                    "tables": counts,
                    "files": files,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                _add_bytes(tar, MANIFEST, data)
                _add_bytes(tar, MANIFEST_SUM, f"{hashlib.sha256(data).hexdigest()}  {MANIFEST}\n".encode())
        finally:
            bar.close()
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, out)
        _fsync_dir(out.parent)
    except OSError as exc:
        raise BackupError(f"备份失败。Cannot write the backup to {out}: {exc.strerror or exc}") from exc
    except (sqlite3.Error, DatabaseError) as exc:
        raise BackupError(f"备份失败。Cannot read the database: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    media_entries = [f for f in files if f["path"].startswith(MEDIA_DIR + "/")]
    return BackupResult(
        path=out,
        size=out.stat().st_size,
        vendor=stored_vendor,
        database_bytes=files[0]["size"],
        media_files=len(media_entries),
        media_bytes=sum(f["size"] for f in media_entries),
        tables=len(counts),
        rows=sum(counts.values()),
        seconds=time.monotonic() - started,
        skipped=skipped,
    )


# --- reading and checking an archive ---------------------------------------------------------


def _damaged(archive: Path, detail: str) -> ArchiveDamaged:
    return ArchiveDamaged(
        f"备份文件已损坏或不完整，未做任何改动。The backup {archive} is damaged or incomplete: "
        f"{detail}. Nothing was changed."
    )


def _read_archive(archive: Path, staging: Path | None, *, progress: bool) -> Manifest:
    """Read every member of the archive, hashing it (and writing it under staging, if given),
    then check the manifest against what was read. Raises ArchiveDamaged."""
    if not archive.is_file():
        raise BackupError(f"找不到备份文件。No backup file at {archive}.")
    seen: dict[str, tuple[int, str]] = {}
    manifest_bytes = manifest_sum = None
    size = archive.stat().st_size
    bar = _progress(total=size, desc="Checking", unit="B", enabled=progress, unit_scale=True)
    try:
        with archive.open("rb") as raw:
            counted = _Hashing(raw, bar, hashing=False)
            with tarfile.open(fileobj=counted, mode="r|*") as tar:  # type: ignore[call-overload]
                for member in tar:
                    name = member.name.removeprefix("./")
                    if member.isdir() and (name in ("", ".") or _safe_member(name.rstrip("/"))):
                        continue  # an archive unpacked and packed again by hand (tar -C dir .)
                    if not member.isfile() or not _safe_member(name):
                        raise _damaged(archive, f"unexpected entry {name!r} (not a Zimei backup?)")
                    if (
                        name in seen
                        or (name == MANIFEST and manifest_bytes is not None)
                        or (name == MANIFEST_SUM and manifest_sum is not None)
                    ):
                        raise _damaged(archive, f"{name} is in it twice")
                    stream = tar.extractfile(member)
                    assert stream is not None
                    if name in (MANIFEST, MANIFEST_SUM):
                        data = stream.read()
                        if name == MANIFEST:
                            manifest_bytes = data
                        else:
                            manifest_sum = data
                        continue
                    sha, length = hashlib.sha256(), 0
                    out = None
                    if staging is not None:
                        target = staging / name
                        target.parent.mkdir(parents=True, exist_ok=True)
                        out = target.open("wb")
                    try:
                        while chunk := stream.read(CHUNK):
                            sha.update(chunk)
                            length += len(chunk)
                            if out is not None:
                                out.write(chunk)
                    finally:
                        if out is not None:
                            out.close()
                    seen[name] = (length, sha.hexdigest())
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile) as exc:
        raise _damaged(archive, f"it cannot be read to the end ({exc or type(exc).__name__})") from exc
    except OSError as exc:  # a read error, or the staging folder full or not writable
        where = f" or write {staging}" if staging is not None else ""
        raise BackupError(
            f"无法读取备份，未做任何改动。Cannot read {archive}{where}: {exc}. Nothing was changed."
        ) from exc
    finally:
        bar.close()
    if manifest_bytes is None:
        if not seen:
            raise _damaged(archive, "it holds nothing a Zimei backup holds")
        raise _damaged(archive, f"{MANIFEST} is missing (it ends after {len(seen)} file(s): truncated?)")
    if manifest_sum is None:
        raise _damaged(archive, f"{MANIFEST_SUM} is missing (truncated?)")
    if manifest_sum.split()[:1] != [hashlib.sha256(manifest_bytes).hexdigest().encode()]:
        raise _damaged(archive, f"{MANIFEST} does not match its checksum")
    try:
        data = json.loads(manifest_bytes)
    except ValueError as exc:
        raise _damaged(archive, f"{MANIFEST} is not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _damaged(archive, f"{MANIFEST} is not a Zimei backup manifest")
    if not isinstance(data.get("version"), int) or data["version"] > VERSION:
        raise BackupError(
            f"备份格式较新，请先升级自媒。The backup {archive} has format version {data.get('version')}, "
            f"made by Zimei {data.get('zimei_version')}; this Zimei ({_zimei_version()}) reads "
            f"version {VERSION} and older: upgrade Zimei first. Nothing was changed."
        )
    manifest = Manifest(data)
    try:
        listed = manifest.files
        vendor, db_member = manifest.vendor, manifest.database_member
        manifest.migrations  # noqa: B018 (shape check)
        if not all(isinstance(t, str) and isinstance(n, int) for t, n in manifest.tables.items()):
            raise TypeError("row counts")
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise _damaged(archive, f"{MANIFEST} lacks {exc} or has it in the wrong shape") from exc
    if vendor not in DB_MEMBERS or db_member != DB_MEMBERS[vendor] or db_member not in listed:
        raise _damaged(archive, f"{MANIFEST} names no database file")
    for name, entry in listed.items():
        if not _safe_member(name) or not (name == db_member or name.startswith(MEDIA_DIR + "/")):
            raise _damaged(archive, f"{MANIFEST} lists an unsafe path {name!r}")
        if name not in seen:
            raise _damaged(archive, f"{name} is listed in the manifest but not in the archive")
        length, sha = seen[name]
        if length != entry.get("size"):
            raise _damaged(archive, f"{name} has {length:,} bytes, the manifest says {entry.get('size')!r}")
        if sha != entry.get("sha256"):
            raise _damaged(archive, f"{name} does not match its SHA-256 checksum")
    extra = sorted(set(seen) - set(listed))
    if extra:
        raise _damaged(archive, f"{extra[0]} is in the archive but not in the manifest")
    return manifest


def backup_check(*, archive: Path, progress: bool = False) -> Manifest:
    """Read the whole archive and check every checksum and the manifest; change nothing."""
    manifest = _read_archive(archive, None, progress=progress)
    unknown, _ = _migration_gap(manifest.migrations)
    if unknown:
        raise _newer(archive, manifest, unknown)
    return manifest


def _newer(archive: Path, manifest: Manifest, unknown: list[str]) -> BackupError:
    return BackupError(
        f"备份来自较新的自媒版本，请先升级。The backup {archive} was made by Zimei "
        f"{manifest.data.get('zimei_version')} with migrations this Zimei ({_zimei_version()}) does "
        f"not have ({', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}): upgrade Zimei, then "
        "restore. Nothing was changed."
    )


# --- what is in the target ---------------------------------------------------------------


def _target_database_counts(vendor: str) -> dict[str, int]:
    if vendor == "sqlite":
        path = _sqlite_path()
        if not path.is_file():
            return {}
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return _sqlite_counts(conn)
        finally:
            conn.close()
    return _django_counts()


def _describe_target(vendor: str) -> tuple[list[str], list[Path]]:
    """(what holds data and would be overwritten, the media files there)."""
    try:
        counts = _target_database_counts(vendor)
    except (DatabaseError, sqlite3.Error) as exc:
        where = _sqlite_path() if vendor == "sqlite" else _pg_target()
        raise BackupError(
            f"无法读取目标数据库。Cannot read the database {where}: {exc}."
            + (" Give --force to replace it with the backup." if vendor == "sqlite" else "")
        ) from exc
    held = []
    content = _content_rows(counts)
    if content:
        where = f"SQLite database {_sqlite_path()}" if vendor == "sqlite" else f"the {_pg_target()}"
        first = {"accounts_user": 0, "articles_article": 1, "articles_image": 2}  # most telling first
        top = sorted(content.items(), key=lambda kv: (first.get(kv[0], 9), -kv[1]))[:4]
        shown = ", ".join(f"{t} {n:,}" for t, n in top)
        held.append(
            f"{where}: {sum(content.values()):,} rows in {len(content)} tables ({shown}"
            f"{', …' if len(content) > 4 else ''})"
        )
    media = [p for _, p in _media_files(Path(settings.MEDIA_ROOT))]
    if media:
        size = sum(p.stat().st_size for p in media)
        held.append(f"{len(media):,} media files ({_human(size)}) under {settings.MEDIA_ROOT}")
    return held, media


# --- restoring ---------------------------------------------------------------------------


@contextmanager
def _sqlite_alias(path: Path) -> Iterator[str]:
    """The SQLite file at path as a second Django database, for the ORM copy."""
    cfg = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": {"timeout": 30}}
    connections.settings[SOURCE_ALIAS] = connections.configure_settings({DEFAULT_DB_ALIAS: cfg})[
        DEFAULT_DB_ALIAS
    ]
    try:
        yield SOURCE_ALIAS
    finally:
        if SOURCE_ALIAS in connections:
            connections[SOURCE_ALIAS].close()
            del connections[SOURCE_ALIAS]
        connections.settings.pop(SOURCE_ALIAS, None)


def _models_in_dependency_order() -> list:
    """Every model with a table of its own (auto-created many-to-many tables too), each after
    the models its foreign keys point at (cycles broken anywhere: constraints are deferred)."""
    models = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
    deps = {
        m: {
            f.related_model._meta.concrete_model
            for f in m._meta.concrete_fields
            if f.is_relation and f.related_model is not None
        }
        - {m}
        for m in models
    }
    ordered, done = [], set()

    def visit(model, stack: set) -> None:
        if model in done or model in stack:
            return
        stack.add(model)
        for dep in sorted(deps.get(model, ()), key=lambda d: d._meta.label):
            visit(dep, stack)
        stack.discard(model)
        done.add(model)
        ordered.append(model)

    for model in sorted(models, key=lambda m: m._meta.label):
        visit(model, set())
    return [m for m in ordered if m in deps]


@contextmanager
def _timestamps_kept(models: list) -> Iterator[None]:
    """auto_now / auto_now_add off while copying: rows keep the times they were made."""
    saved = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def copy_rows(*, source: str, target: str, progress: bool = False) -> int:
    """Replace every row of every model in database `target` with the rows in `source` (two
    Django aliases with the same migration state), in dependency order, in batches, in the
    target's transaction; then reset the target's sequences. Returns the rows copied."""
    models = _models_in_dependency_order()
    totals = {m: m._base_manager.using(source).count() for m in models}
    tgt = connections[target]
    copied = 0
    bar = _progress(total=sum(totals.values()), desc="Copying rows", unit="row", enabled=progress)
    try:
        with _timestamps_kept(models), transaction.atomic(using=target):
            with tgt.cursor() as cursor:
                tables = [m._meta.db_table for m in models]
                for sql in tgt.ops.sql_flush(no_style(), tables, allow_cascade=True):
                    cursor.execute(sql)
            for model in models:
                if not totals[model]:
                    continue
                rows = model._base_manager.using(source).order_by("pk").iterator(chunk_size=COPY_BATCH)
                batch: list = []
                while True:
                    batch.clear()
                    for obj in rows:
                        batch.append(obj)
                        if len(batch) >= COPY_BATCH:
                            break
                    if not batch:
                        break
                    try:
                        with transaction.atomic(using=target):
                            model._base_manager.using(target).bulk_create(batch)
                    except (DatabaseError, ValueError) as exc:
                        first, last = batch[0].pk, batch[-1].pk
                        raise BackupError(
                            f"复制数据失败。Rows {first}–{last} of {model._meta.db_table} cannot be "
                            f"stored in {tgt.display_name}: {exc}".strip()
                        ) from exc
                    copied += len(batch)
                    bar.update(len(batch))
            with tgt.cursor() as cursor:
                for sql in tgt.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
    finally:
        bar.close()
    return copied


def _move_media(staging: Path, *, archive: Path, log: Log) -> tuple[int, int]:
    """Move the staged media files into MEDIA_ROOT (rename, atomic per file) and remove the
    files there that the backup does not have. Returns (placed, removed)."""
    root = Path(settings.MEDIA_ROOT)
    staged = staging / MEDIA_DIR
    keep = set()
    placed = 0
    for name, path in _media_files(staged):
        rel = name[len(MEDIA_DIR) + 1 :]
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(path, dest)
        except OSError:
            shutil.copy2(path, dest)  # another file system (MEDIA_ROOT mounted elsewhere)
        keep.add(rel)
        placed += 1
    removed = 0
    for name, path in _media_files(root, exclude=archive.resolve()):
        if name[len(MEDIA_DIR) + 1 :] not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    if removed and log:
        log(f"Removed {removed} media file(s) the backup does not have.")
    return placed, removed


def _place_sqlite(staged: Path) -> None:
    """Put the staged SQLite file where settings say, atomically. The old file's -wal and
    -shm go first: a stale write-ahead log would be replayed into the new file."""
    connections.close_all()
    dest = _sqlite_path()
    dest.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)
    with staged.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(staged, dest)
    _fsync_dir(dest.parent)


def _restore_postgresql(staged: Path) -> None:
    connections.close_all()
    name = settings.DATABASES["default"]["NAME"]
    _run_pg(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={name}",
            str(staged),
        ],
        "pg_restore",
    )


def _copy_into_database(staged: Path, manifest: Manifest, *, progress: bool, log: Log) -> dict[str, int]:
    """SQLite backup → this (PostgreSQL) database: migrate it to this code's state, then copy
    every row. Returns the source's row counts (after migrating the staged copy if needed)."""

    with _sqlite_alias(staged) as alias:
        try:
            if pending_migrations(alias):
                if log:
                    log("The backup predates some migrations: migrating the restored copy first …")
                call_command("migrate", database=alias, interactive=False, verbosity=0)
            if log:
                log(f"Creating the tables in the {_pg_target()} …")
            call_command("migrate", interactive=False, verbosity=0)
            expected = _django_counts(alias)
            copy_rows(source=alias, target="default", progress=progress)
        except DatabaseError as exc:
            raise BackupError(f"恢复失败。Restoring into the {_pg_target()} failed: {exc}") from exc
    return expected


def _drop_caches() -> None:
    """Pages and fragments rendered from the old data must not be served again."""

    with suppress(FileNotFoundError):
        page_store().clear()
    if "locmem" not in settings.CACHES["default"]["BACKEND"].lower():
        caches["default"].clear()
    data_restored.send(sender=None)  # the hot lists recompute (distribution/receivers.py)


def _compare(expected: dict[str, int], found: dict[str, int]) -> list[Mismatch]:
    out = []
    for table in sorted(set(expected) | set(found)):
        if table.startswith(DERIVED_PREFIXES):
            continue
        a, b = expected.get(table), found.get(table)
        if a != b:
            out.append(Mismatch(table, a, b))
    return out


def backup_restore(
    *, archive: Path, force: bool = False, progress: bool = False, log: Log = None
) -> RestoreResult:
    """Restore a backup into the configured database and data folder. Refuses (BackupError)
    a damaged archive, one made by a newer Zimei, a PostgreSQL backup on SQLite, and a target
    that holds data unless force; nothing is changed before every check has passed."""
    started = time.monotonic()
    target_vendor = _vendor()
    if target_vendor not in DB_MEMBERS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {target_vendor}.")
    try:
        held, _ = _describe_target(target_vendor)
    except BackupError:
        if not (force and target_vendor == "sqlite"):
            raise
        held = []  # a damaged SQLite file, about to be replaced: what backups are for
    if held and not force:
        raise TargetNotEmpty(
            "目标已有数据，未做任何改动。This site already holds data, which the restore would "
            "replace:\n  - " + "\n  - ".join(held) + "\nGive --force to replace it with the backup, or "
            "set ZIMEI_DATA_DIR (and ZIMEI_DATABASE_URL) to an empty data folder and database."
        )
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = data_dir / f".restore-{secrets.token_hex(6)}"
    staging.mkdir()
    try:
        manifest = _read_archive(archive, staging, progress=progress)
        unknown, pending = _migration_gap(manifest.migrations)
        if unknown:
            raise _newer(archive, manifest, unknown)
        source_vendor = manifest.vendor
        if source_vendor == "postgresql" and target_vendor != "postgresql":
            raise BackupError(
                "PostgreSQL 备份只能恢复到 PostgreSQL。This backup holds a PostgreSQL dump, which only "
                "PostgreSQL can read. Restore it with ZIMEI_DATABASE_URL set to a PostgreSQL database; "
                "to move the site to SQLite, make the backup on the PostgreSQL site with "
                "`zimei backup --sqlite` and restore that. Nothing was changed."
            )
        staged_db = staging / manifest.database_member
        if log:
            log(f"Backup checked: {len(manifest.files)} files, made {manifest.data.get('created')}.")
        copied = False
        expected = manifest.tables
        if source_vendor == target_vendor == "sqlite":
            _place_sqlite(staged_db)
        elif source_vendor == target_vendor == "postgresql":
            if log:
                log(f"Restoring into the {_pg_target()} (pg_restore) …")
            _restore_postgresql(staged_db)
        else:  # a SQLite backup into PostgreSQL
            expected = _copy_into_database(staged_db, manifest, progress=progress, log=log)
            copied, pending = True, []
        placed, removed = _move_media(staging, archive=archive, log=log)
        try:
            _drop_caches()
        except Exception as exc:  # a cache that cannot be reached does not undo a restore
            if log:
                log(f"Could not clear the page cache ({exc}); pages expire on their own.")
        try:
            found = _django_counts()
        except DatabaseError as exc:
            raise BackupError(f"恢复后无法读取数据库。The restored database cannot be read: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(
        source_vendor=source_vendor,
        target_vendor=target_vendor,
        copied_rows=copied,
        media_files=placed,
        media_removed=removed,
        tables=len(found),
        rows=sum(found.values()),
        mismatches=_compare(expected, found),
        pending_migrations=pending,
        seconds=time.monotonic() - started,
    )
