"""A real `zimei serve` in a child process, on a loopback port, with its own data folder.

The tests that need what a browser, a front cache or an outage sees (tests/test_serving.py and
friends) start the server the way an operator does: `python -m zimei migrate`, `seed`, then
`serve`. With `database_url` the server uses that database instead of SQLite in its folder;
`pg_database()` makes a fresh PostgreSQL database for one server (CI runs PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("ZIMEI_TEST_DATABASE_URL", "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 60, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if proc is not None and proc.poll() is not None:
                out = proc.stdout.read() if proc.stdout else ""
                raise RuntimeError(f"the server exited with {proc.returncode}:\n{out}") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout} s") from None
            time.sleep(0.2)


def stop_group(proc: subprocess.Popen, *, timeout: float = 20) -> str:
    """Ctrl+C for a process started with start_new_session, then SIGKILL if it lingers."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
    # granian's workers leave the parent's group (serve.worker_application): kill any left over.
    return out or ""


class LiveServer:
    """One data folder, one environment; `manage()` runs a `zimei` command in it, `start()`
    serves it. Use `live_server(...)` (below) rather than this class directly."""

    def __init__(self, data_dir: Path, *, database_url: str = "", redis_url: str = "", **env: str) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("ZIMEI_DATABASE_URL", "ZIMEI_REDIS_URL", "DJANGO_SETTINGS_MODULE")
        }
        self.env.update(ZIMEI_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **env)
        self.env.setdefault("ZIMEI_SITE_URL", self.base)
        if database_url:
            self.env["ZIMEI_DATABASE_URL"] = database_url
        if redis_url:
            self.env["ZIMEI_REDIS_URL"] = redis_url
        self.proc: subprocess.Popen | None = None

    def manage(self, *args: str, input: str | None = None, timeout: float = 300) -> str:
        """Run `zimei ARGS` (this checkout's code) against this server's data; returns stdout."""
        return self.finish(self.begin(*args, input=input), timeout=timeout)

    def begin(
        self, *args: str, input: str | None = None
    ) -> tuple[subprocess.Popen, tuple[str, ...], str | None]:
        """Start `zimei ARGS` against this server's data without waiting (see `finish`)."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "zimei", *args],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return proc, args, input

    @staticmethod
    def finish(begun: tuple[subprocess.Popen, tuple[str, ...], str | None], *, timeout: float = 300) -> str:
        """Wait for a command `begin` started; its stdout, or RuntimeError if it failed."""
        proc, args, input = begun
        try:
            out, err = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        if proc.returncode != 0:
            raise RuntimeError(f"zimei {' '.join(args)} failed ({proc.returncode}):\n{out}{err}")
        return out

    def start(self, *serve_args: str) -> None:
        self.launch(*serve_args)
        self.wait_started()

    def launch(self, *serve_args: str) -> None:
        """Start `zimei serve` without waiting for it to answer (see `wait_started`)."""
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "zimei",
                "serve",
                "--port",
                str(self.port),
                "--no-daily-jobs",
                *serve_args,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def wait_started(self) -> None:
        assert self.proc is not None
        wait_for_port(self.port, proc=self.proc)
        self.wait_ready()

    def wait_ready(self, path: str = "/zh-hans/", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.base + path, timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def worker_pids(self) -> list[int]:
        """granian's worker processes (children of the serving process)."""
        assert self.proc is not None
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> str:
        if self.proc is None:
            return ""
        workers = self.worker_pids() if self.proc.poll() is None else []
        out = stop_group(self.proc)
        for pid in workers:  # workers left the group; make sure none outlives the test
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc = None
        return out


@contextmanager
def pg_database(template: str = "") -> Iterator[str]:
    """A fresh PostgreSQL database on the test server (ZIMEI_TEST_DATABASE_URL), empty or a copy
    of `template`, dropped afterwards; yields its URL."""
    import psycopg

    assert PG_URL, "ZIMEI_TEST_DATABASE_URL is not set"
    name = f"zimei_live_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        _drop_database(name)


def run_each(commands: list[tuple[list[str], Mapping[str, str] | None]]) -> list[str]:
    """Run each (argv, env) side by side (each Python spends seconds setting Django up) and
    return their stdouts in order; each must exit 0 within 60 s (its stderr in the failure)."""
    procs = [
        subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for argv, env in commands
    ]
    outs = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            outs.append(out)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return outs


def python_with_settings_each(code: str, envs: list[Mapping[str, str]]) -> list[str]:
    """Run `code` in a fresh Python for each of `envs` (side by side: run_each), with Zimei's
    settings read from that env alone (no ZIMEI_* variable of this process but the data folder)
    and django set up first; their stdouts, in the order of `envs`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZIMEI_") or k == "ZIMEI_DATA_DIR"}
    argv = [sys.executable, "-c", "import django; django.setup()\n" + code]
    return run_each([(argv, {**clean, "DJANGO_SETTINGS_MODULE": "zimei.settings", **env}) for env in envs])


# A desktop browser's User-Agent: the view counter takes it for a reader (not a bot).
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


def nginx_in_front(server: LiveServer, prefix: Path, **options):
    """nginx (deploy/nginx/zimei.conf, zimei/core/nginx.py) in front of a live server, sending
    its static files and pictures from the server's own data folder; a context manager."""
    from zimei.core import nginx

    options.setdefault("cache_dir", prefix / "cache")
    return nginx.running_nginx(
        prefix,
        upstream=f"127.0.0.1:{server.port}",
        static_root=server.data_dir / "static",
        media_root=server.data_dir / "media",
        **options,
    )


def uses_pg() -> bool:
    """Whether this pass of the suite runs on PostgreSQL (`./dev test` second pass, CI)."""
    return os.environ.get("ZIMEI_TEST_DB") == "pg" and bool(PG_URL)


def once(why: str):
    """Run a test on the SQLite pass only: what it tests does not depend on the suite's database
    (`why` says what it tests instead). The PostgreSQL pass would repeat it to the byte."""
    import pytest

    return pytest.mark.skipif(uses_pg(), reason=f"SQLite pass only: {why}")


@contextmanager
def live_server(
    tmp_path: Path,
    *,
    articles: int = 20,
    serve_args: tuple[str, ...] = (),
    database_url: str | None = None,
    env: Mapping[str, str] | None = None,
    start: bool = True,
) -> Iterator[LiveServer]:
    """A migrated, seeded Zimei serving on a free loopback port. On the suite's PostgreSQL
    pass (and unless database_url is given) it runs on a fresh PostgreSQL database."""
    own_pg = database_url is None and uses_pg()
    with pg_database(_migrated("pg")) if own_pg else _nothing(database_url or "") as url:
        server = LiveServer(tmp_path / "data", database_url=url, **dict(env or {}))
        if database_url:
            server.manage("migrate", "-v0")
        elif not own_pg:  # SQLite in its folder: a copy of a migrated one (and its WAL, if left)
            server.data_dir.mkdir(parents=True, exist_ok=True)
            for f in Path(_migrated("sqlite")).glob("zimei.sqlite3*"):
                shutil.copyfile(f, server.data_dir / f.name)
        seed = ("seed", "--articles", str(articles), "--creators", str(max(2, articles // 10)))
        seeding = None
        try:
            # The server starts (Django set up, static files collected, workers forked) while
            # the seed runs: both take seconds. Nothing asks the server for a page before the
            # seed is done, so no page is cached or counted without the seeded articles.
            seeding = server.begin(*seed) if articles else None
            if start:
                server.launch(*serve_args)
            if seeding is not None:
                server.finish(seeding)
            if start:
                server.wait_started()
            yield server
        finally:
            if seeding is not None and seeding[0].poll() is None:  # the server failed to start
                seeding[0].kill()
                seeding[0].communicate()
            server.stop()


@contextmanager
def _nothing(value: str) -> Iterator[str]:
    yield value


# Migrated once per test run and copied for every live server: `zimei migrate` from nothing
# costs a subprocess and seconds each time; what it makes is the same for every site of the same
# kind, whatever the server's environment (rate limits, Redis, flush interval, site address):
# INSTALLED_APPS is fixed and no migration reads a setting but AUTH_USER_MODEL. (A fresh
# migrate is still run by the suite's own test database, and by servers given a database_url.)
_MIGRATED: dict[str, str] = {}


def _migrated(kind: str) -> str:
    """A migrated database to copy, made on first use and removed at exit: for kind "pg" the
    name of a PostgreSQL database (for CREATE DATABASE … TEMPLATE), for "sqlite" the folder
    holding zimei.sqlite3."""
    import atexit

    if kind not in _MIGRATED:
        folder = Path(tempfile.mkdtemp(prefix="zimei-tmpl-"))
        atexit.register(shutil.rmtree, folder, True)
        url, made = "", str(folder)
        if kind == "pg":
            import psycopg

            made = f"zimei_tmpl_{uuid.uuid4().hex[:10]}"
            url = PG_URL.rsplit("/", 1)[0] + "/" + made
            with psycopg.connect(PG_URL, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{made}"')
            atexit.register(_drop_database, made)
        LiveServer(folder, database_url=url).manage("migrate", "-v0")
        _MIGRATED[kind] = made
    return _MIGRATED[kind]


def _drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
