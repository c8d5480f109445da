"""`zimei backup` and `zimei restore`, run as an operator runs them: each command in a child
process with its own data folder (tests/live.py), on SQLite, and on the suite's PostgreSQL pass
on fresh PostgreSQL databases. A restore gives back every table's rows and every media file; a
damaged archive is refused with a message and changes nothing; a SQLite backup restores into
PostgreSQL; a backup taken while the server serves and writes is consistent."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live import ROOT, LiveServer, live_server, pg_database, uses_pg

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

ODD_NAME = "uploads/封面 图片 #1.txt"  # a media file whose name is neither ASCII nor shell-safe
PASSWORD = "correct-horse-battery-staple\n"
NEW_CREATOR = ("creator", "add", "newcomer", "--pen-name", "新来的", "--channel", "tech", "--password-stdin")


def zimei(server: LiveServer, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`zimei ARGS` in the server's environment; the exit code and both streams, no raising."""
    return subprocess.run(
        [sys.executable, "-m", "zimei", *args],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def database_url(server: LiveServer) -> str:
    return server.env.get("ZIMEI_DATABASE_URL", "")


@contextmanager
def connect(server: LiveServer) -> Iterator:
    """A DB-API connection to the server's database, read straight, not through Zimei."""
    url = database_url(server)
    if url:
        import psycopg

        conn = psycopg.connect(url, autocommit=True)
    else:
        conn = sqlite3.connect(server.data_dir / "zimei.sqlite3", timeout=30, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def row_counts(server: LiveServer) -> dict[str, int]:
    with connect(server) as conn:
        if database_url(server):
            # as Django's introspection lists them: a partitioned table, not its partitions
            sql = (
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
            )
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        tables = sorted(r[0] for r in conn.execute(sql).fetchall())
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def content(counts: dict[str, int]) -> dict[str, int]:
    """Row counts without the search index's tables, which differ by kind of database."""
    return {t: n for t, n in counts.items() if not t.startswith("search_")}


def published(server: LiveServer) -> int:
    with connect(server) as conn:
        return conn.execute("SELECT count(*) FROM articles_article WHERE status = 'published'").fetchone()[0]


def indexed(server: LiveServer) -> int:
    """How many articles the site's search index holds."""
    code = "from zimei.search.backends import search_backend; print(search_backend().count())"
    return int(server.manage("shell", "-v0", "-c", code))


def media(server: LiveServer) -> dict[str, str]:
    root = server.data_dir / "media"
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def state(server: LiveServer) -> tuple:
    """What a refused restore must leave as it was: rows, media files, the data folder's entries."""
    entries = sorted(
        p.name for p in server.data_dir.iterdir() if not p.name.endswith(("-wal", "-shm", "-journal"))
    )
    return row_counts(server), media(server), entries


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))


@contextmanager
def empty_site(path: Path, *, vendor: str | None = None) -> Iterator[LiveServer]:
    """A data folder with nothing in it and, on PostgreSQL, a fresh empty database."""
    vendor = vendor or ("postgresql" if uses_pg() else "sqlite")
    with pg_database() if vendor == "postgresql" else nullcontext("") as url:
        server = LiveServer(path, database_url=url)
        try:
            yield server
        finally:
            server.stop()


@dataclass
class Site:
    server: LiveServer
    tar_gz: Path
    tar: Path
    counts: dict[str, int]  # when the backups were made
    media: dict[str, str]
    backup_output: str


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """A seeded site (pictures in its media folder, one with an awkward name) and two backups
    of it, made once for the tests below: .tar.gz (the default) and the same as a plain .tar."""
    root = tmp_path_factory.mktemp("site")
    with live_server(root, articles=10, start=False) as server:
        odd = server.data_dir / "media" / ODD_NAME
        odd.parent.mkdir(parents=True, exist_ok=True)
        odd.write_text("不是图片，只是一个名字奇怪的文件。\n")
        started = time.monotonic()
        done = zimei(server, "backup", "--out", str(root / "site.tar.gz"))
        assert done.returncode == 0, done.stderr
        seconds = time.monotonic() - started
        (root / "site.tar").write_bytes(gzip.decompress((root / "site.tar.gz").read_bytes()))
        print(
            f"\nbackup of a seeded site: {(root / 'site.tar.gz').stat().st_size:,} bytes in {seconds:.1f} s"
        )
        yield Site(
            server, root / "site.tar.gz", root / "site.tar", row_counts(server), media(server), done.stdout
        )


def test_a_backup_restores_into_an_empty_site_with_every_row_and_media_file(site, tmp_path):
    assert "备份完成" in site.backup_output
    manifest = manifest_of(site.tar_gz)
    vendor = "postgresql" if database_url(site.server) else "sqlite"
    assert manifest["format"] == "zimei-backup" and manifest["version"] == 1
    assert manifest["database"]["vendor"] == vendor
    assert manifest["tables"] == site.counts
    assert {"accounts", "articles", "distribution", "moderation"} <= set(manifest["migrations"])
    files = {f["path"]: f for f in manifest["files"]}
    assert {f"media/{name}" for name in site.media} | {manifest["database"]["file"]} == set(files)
    assert all(files[f"media/{name}"]["sha256"] == sha for name, sha in site.media.items())
    assert site.counts["articles_article"] == 10 and len(site.media) > 10

    with empty_site(tmp_path / "restored") as restored:
        done = zimei(restored, "restore", str(site.tar_gz))
        assert done.returncode == 0, done.stderr
        assert "Row counts match the backup" in done.stdout
        assert row_counts(restored) == site.counts
        assert media(restored) == site.media
        assert not list(restored.data_dir.glob(".restore-*"))

        # A second restore would overwrite what is there now: refused, saying what, until --force.
        again = zimei(restored, "restore", str(site.tar_gz))
        assert again.returncode == 1 and "Traceback" not in again.stderr
        assert "目标已有数据" in again.stderr and "--force" in again.stderr
        assert "articles_article 10" in again.stderr and "media files" in again.stderr
        (restored.data_dir / "media" / "stray.txt").write_text("not in the backup")
        forced = zimei(restored, "restore", str(site.tar_gz), "--force", "-v0")
        assert forced.returncode == 0, forced.stderr
        assert row_counts(restored) == site.counts and media(restored) == site.media

        # The restored site serves its articles and pictures.
        restored.start()
        with urllib.request.urlopen(f"{restored.base}/zh-hans/", timeout=10) as r:
            home = r.read().decode()
        picture = next(name for name in site.media if name.startswith("img/"))
        with urllib.request.urlopen(f"{restored.base}/media/{picture}", timeout=10) as r:
            assert hashlib.sha256(r.read()).hexdigest() == site.media[picture]
        assert "/zh-hans/a/" in home
        restored.stop()


def _flip_byte_in(archive: Path, member: str, out: Path) -> None:
    with tarfile.open(archive) as tar:
        info = tar.getmember(member)
    data = bytearray(archive.read_bytes())
    data[info.offset_data + info.size // 2] ^= 0x01
    out.write_bytes(bytes(data))


def _without(archive: Path, member: str, out: Path) -> None:
    with tarfile.open(archive) as src, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
        for info in src:
            if info.name != member:
                dst.addfile(info, src.extractfile(info))


def _edited_manifest(archive: Path, out: Path) -> None:
    """The manifest changed after the fact (a row count), its checksum left as it was."""
    with tarfile.open(archive) as src, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
        for info in src:
            data = src.extractfile(info).read()
            if info.name == "manifest.json":
                manifest = json.loads(data)
                manifest["tables"]["articles_article"] += 1
                data = json.dumps(manifest).encode()
                info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def test_a_damaged_archive_is_refused_and_nothing_changes(site, tmp_path):
    server = site.server
    db_member = manifest_of(site.tar)["database"]["file"]
    picture = next(f"media/{name}" for name in site.media if name.startswith("img/"))
    damaged = {
        "flipped byte in the database": tmp_path / "flipped.tar",
        "truncated .tar.gz": tmp_path / "truncated.tar.gz",
        "media file missing": tmp_path / "missing.tar",
        "manifest edited": tmp_path / "edited.tar",
    }
    _flip_byte_in(site.tar, db_member, damaged["flipped byte in the database"])
    whole = site.tar_gz.read_bytes()
    damaged["truncated .tar.gz"].write_bytes(whole[: len(whole) * 2 // 3])
    _without(site.tar, picture, damaged["media file missing"])
    _edited_manifest(site.tar, damaged["manifest edited"])

    expected_detail = {
        "flipped byte in the database": f"{db_member} does not match its SHA-256 checksum",
        "truncated .tar.gz": "damaged or incomplete",
        "media file missing": f"{picture} is listed in the manifest but not in the archive",
        "manifest edited": "manifest.json does not match its checksum",
    }
    before = state(server)
    for what, archive in damaged.items():
        # --force: even a site that agreed to be overwritten is left as it was.
        done = zimei(server, "restore", str(archive), "--force", "-v0")
        assert done.returncode == 1, (what, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, what
        assert "备份文件已损坏" in done.stderr and "Nothing was changed" in done.stderr, (what, done.stderr)
        assert expected_detail[what] in done.stderr, (what, done.stderr)
        assert state(server) == before, what
        assert not list(server.data_dir.glob(".restore-*")), what

    intact = zimei(server, "restore", str(site.tar), "--check")
    assert intact.returncode == 0 and "备份完好" in intact.stdout, intact.stderr

    with empty_site(tmp_path / "empty") as empty:  # an empty target stays empty
        truncated = tmp_path / "truncated.tar"
        whole = site.tar.read_bytes()
        truncated.write_bytes(whole[: len(whole) * 2 // 3])
        done = zimei(empty, "restore", str(truncated))
        assert done.returncode == 1 and "备份文件已损坏" in done.stderr
        assert not (empty.data_dir / "media").exists()
        if database_url(empty):
            assert row_counts(empty) == {}
        else:
            assert not (empty.data_dir / "zimei.sqlite3").exists()


@pytest.mark.skipif(not uses_pg(), reason="PostgreSQL pass only (ZIMEI_TEST_DB=pg)")
def test_a_sqlite_backup_restores_into_postgresql_and_back(site, tmp_path):
    with live_server(tmp_path / "sqlite-site", articles=8, database_url="", start=False) as source:
        assert not database_url(source)
        archive = tmp_path / "from-sqlite.tar.gz"
        assert zimei(source, "backup", "--out", str(archive), "-v0").returncode == 0
        counts, pictures = row_counts(source), media(source)
    with empty_site(tmp_path / "pg-site", vendor="postgresql") as target:
        done = zimei(target, "restore", str(archive))
        assert done.returncode == 0, done.stderr
        assert "copied from a sqlite backup into postgresql" in done.stdout
        assert content(row_counts(target)) == content(counts)
        assert media(target) == pictures
        # The search index is each kind of database's own: built again by the restore.
        assert indexed(target) == published(target) > 0
        # Sequences were reset: new rows get fresh ids.
        target.manage(*NEW_CREATOR, input=PASSWORD)
        assert row_counts(target)["accounts_user"] == counts["accounts_user"] + 1

        # The way back: a SQLite backup made on PostgreSQL restores into a SQLite site.
        back = tmp_path / "from-pg.tar"
        made = zimei(target, "backup", "--sqlite", "--out", str(back), "-v0")
        assert made.returncode == 0, made.stderr
        assert manifest_of(back)["database"] == {
            "vendor": "sqlite",
            "source_vendor": "postgresql",
            "file": "database/zimei.sqlite3",
            "sqlite_version": sqlite3.sqlite_version,
        }
        expected = content(row_counts(target))
    with empty_site(tmp_path / "sqlite-again", vendor="sqlite") as again:
        done = zimei(again, "restore", str(back))
        assert done.returncode == 0, done.stderr
        assert content(row_counts(again)) == expected
        assert indexed(again) == published(again) > 0

    # A PostgreSQL dump cannot go into SQLite: refused, saying how to do it instead.
    with empty_site(tmp_path / "sqlite-target", vendor="sqlite") as sqlite_site:
        done = zimei(sqlite_site, "restore", str(site.tar_gz))
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "只能恢复到 PostgreSQL" in done.stderr and "zimei backup --sqlite" in done.stderr
        assert not (sqlite_site.data_dir / "zimei.sqlite3").exists()


@pytest.mark.skipif(uses_pg(), reason="SQLite's online backup; pg_dump reads its own snapshot")
def test_a_backup_taken_while_the_server_serves_and_writes_is_consistent(site, tmp_path):
    """Runs last: it writes to the shared site. Sessions are inserted as fast as SQLite takes
    them and pages are read while `zimei backup` runs; no writer is turned away ("database is
    locked"), the copy does not restart, and the archive restores to exactly the rows its
    manifest counted at its snapshot."""
    server = site.server
    database = server.data_dir / "zimei.sqlite3"
    insert = "INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?)"
    with connect(server) as conn:  # some bulk (10 MB), so the copy takes several steps
        conn.execute("BEGIN")
        conn.executemany(insert, [(uuid.uuid4().hex, "x" * 2000, "2099-01-01") for _ in range(4000)])
        conn.execute("COMMIT")

    stop = threading.Event()
    writes, errors, pages = [0], [], []

    def write() -> None:
        # Waits at most 1 s for a lock (the server waits 5): a backup that held writers back
        # would show here as "database is locked".
        conn = sqlite3.connect(database, timeout=1, isolation_level=None)
        try:
            while not stop.is_set():
                try:
                    conn.execute(insert, (uuid.uuid4().hex, "y" * 500, "2099-01-01"))
                    writes[0] += 1
                except sqlite3.Error as exc:
                    errors.append(repr(exc))
                time.sleep(0.002)
        finally:
            conn.close()

    def read() -> None:
        while not stop.is_set():
            started = time.monotonic()
            with urllib.request.urlopen(f"{server.base}/zh-hans/", timeout=10) as r:
                pages.append((r.status, time.monotonic() - started))
            time.sleep(0.05)

    server.start()
    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    try:
        for t in threads:
            t.start()
        time.sleep(0.5)
        before = row_counts(server)["django_session"]
        archive = tmp_path / "live.tar"
        done = zimei(server, "backup", "--out", str(archive), "-v0")
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=15)
        server.stop()
    assert done.returncode == 0, done.stderr
    assert not errors, errors[:3]
    assert pages and all(status == 200 for status, _ in pages)
    counted = manifest_of(archive)["tables"]
    # The snapshot holds writes made after the command started, and writes went on after it.
    assert before < counted["django_session"] < row_counts(server)["django_session"]

    with empty_site(tmp_path / "restored") as restored:
        done = zimei(restored, "restore", str(archive), "-v0")
        assert done.returncode == 0, done.stderr
        assert row_counts(restored) == counted
        with connect(restored) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _rewritten(archive: Path, out: Path, change) -> None:
    """The archive with its manifest changed by `change` and the manifest's checksum redone,
    as a newer Zimei would have written it."""
    with tarfile.open(archive) as src, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
        manifest = json.load(src.extractfile("manifest.json"))
        change(manifest)
        data = json.dumps(manifest).encode()
        for info in src:
            body = src.extractfile(info).read()
            if info.name == "manifest.json":
                body = data
            elif info.name == "manifest.sha256":
                body = f"{hashlib.sha256(data).hexdigest()}  manifest.json\n".encode()
            info.size = len(body)
            dst.addfile(info, io.BytesIO(body))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(version=2), "format version 2"),
        (
            lambda m: m["migrations"]["articles"].append("0099_from_the_future"),
            "articles.0099_from_the_future",
        ),
    ],
    ids=["format", "migrations"],
)
def test_a_backup_from_a_newer_zimei_is_refused(site, tmp_path, change, message):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    newer = tmp_path / "newer.tar"
    _rewritten(site.tar, newer, change)
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(newer), "--check", verbosity=0)
    assert "请先升级" in str(refused.value) and "upgrade Zimei" in str(refused.value)
    assert message in str(refused.value)


def test_pg_tools_get_the_password_in_the_environment_never_on_the_command_line(monkeypatch):
    from django.conf import settings

    from zimei.core import backup

    monkeypatch.setattr(
        settings,
        "DATABASES",
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "zimei",
                "USER": "zimei",
                "PASSWORD": "s3cret-pass",
                "HOST": "db.internal",
                "PORT": 5433,
                "OPTIONS": {"sslmode": "require"},
            }
        },
    )
    calls = []
    monkeypatch.setattr(
        backup.subprocess,
        "run",
        lambda args, env, **kw: calls.append((args, env)) or subprocess.CompletedProcess(args, 0, "", ""),
    )
    backup._run_pg(["pg_dump", "--format=custom", "--file=/tmp/x"], "pg_dump")
    ((args, env),) = calls
    assert not any("s3cret" in a for a in args)
    assert env["PGPASSWORD"] == "s3cret-pass" and env["PGSSLMODE"] == "require"
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == (
        "db.internal",
        "5433",
        "zimei",
        "zimei",
    )
