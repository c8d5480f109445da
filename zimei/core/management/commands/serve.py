"""`zimei serve`: the production server (granian, WSGI, several worker processes)."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.module_loading import import_string
from granian import Granian
from granian.constants import Interfaces
from granian.http import HTTP1Settings

from zimei.core.schema import pending_migrations
from zimei.core.signals import worker_ready

STAMP_NAME = ".zimei-collected"
KILL_TIMEOUT = 5
# Connections each worker holds open at once (idle keep-alive ones included), and the kernel's
# queue of connections not yet accepted.
BACKLOG = 2048
# A client that has not sent its whole request head in this time is cut off (slow-header
# clients); browsers send it in one packet.
HEADER_READ_TIMEOUT_MS = 10_000


def default_workers() -> int:
    # One process per core: rendering is CPU-bound Python (bench/throughput.py measured 2
    # workers ahead of 4 on 2 cores, and granian warns about more workers than cores).
    return max(1, min(8, os.cpu_count() or 1))


def default_threads() -> int:
    # Two threads per worker: a second request runs while one waits on the database; more
    # threads only contend for the GIL.
    return 2


def add_server_arguments(parser: CommandParser) -> None:
    """The options `zimei serve` and `zimei demo` share."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help=f"worker processes (default: one per CPU, at most 8 = {default_workers()} here)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=default_threads(),
        help=f"request threads per worker (default: {default_threads()})",
    )


def check_server_options(host: str, port: int, workers: int, threads: int) -> None:
    """Refuse bad options with a message that says what to do, before anything else happens."""
    if not host.strip():
        raise CommandError("--host must not be empty (e.g. --host 127.0.0.1)")
    if not 1 <= port <= 65535:
        raise CommandError(f"--port must be between 1 and 65535, not {port}")
    if workers < 1:
        raise CommandError(f"--workers must be at least 1, not {workers}")
    if threads < 1:
        raise CommandError(f"--threads must be at least 1, not {threads}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except socket.gaierror as exc:
            raise CommandError(f"--host {host!r} is not an address this machine has ({exc})") from exc
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}. "
                "Is another server running there? Pick another port with --port."
            ) from exc


def url(host: str, port: int) -> str:
    """The address to open in a browser for a server listening on host:port."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def _static_fingerprint() -> str:
    digest = hashlib.sha256()
    entries = []
    for finder in get_finders():
        for path, storage in finder.list([]):
            st = os.stat(storage.path(path))
            entries.append(f"{path}\0{st.st_mtime_ns}\0{st.st_size}")
    for entry in sorted(entries):
        digest.update(entry.encode())
    return digest.hexdigest()


def collectstatic_if_needed() -> bool:
    """Collect static files into STATIC_ROOT when they changed since the last collection
    (a fingerprint of names, sizes and times is kept there). Returns whether it collected."""
    root = Path(settings.STATIC_ROOT)
    stamp = root / STAMP_NAME
    fingerprint = _static_fingerprint()
    if stamp.is_file() and stamp.read_text() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    root.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)
    return True


# How often a worker checks that the serving process that started it is still there.
PARENT_CHECK_SECONDS = 1.0


def exit_with_parent(interval: float = PARENT_CHECK_SECONDS) -> threading.Thread:
    """Stop this worker when the serving process that started it is gone (killed with -9, say):
    an orphaned worker would keep the port, and the next `zimei serve` would find it taken.

    A thread compares the parent's pid with the one seen at start (an orphan is re-parented to
    init or a subreaper) and then sends this process SIGTERM, which stops it as a normal stop
    does: view counts are flushed on the way out (counters.flush_at_exit). Should the worker not
    be gone a few seconds later, it exits outright."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(KILL_TIMEOUT)
        os._exit(1)

    thread = threading.Thread(target=watch, name="zimei-parent-watch", daemon=True)
    thread.start()
    return thread


def worker_application():
    """The WSGI application, built in each granian worker (granian's factory target).

    The worker first leaves the terminal's process group: Ctrl+C then reaches only the main
    process, which stops the workers itself. When Ctrl+C reaches a worker and its parent at
    once, granian 2.8 sometimes leaves the worker hanging on stop."""
    try:
        os.setpgid(0, 0)
    except OSError:  # not allowed here (e.g. a session leader): keep the group
        pass
    exit_with_parent()

    application = import_string(settings.WSGI_APPLICATION)
    # The view counters start flushing in the background and at exit (distribution/receivers.py).
    worker_ready.send(sender=None)
    return application


# The daily jobs (the creator index, 信用分 given back for clean time): first looked at shortly
# after start, then every hour. The reindex does nothing unless its last run is older than
# DAILY_HOURS; credit-restore gives only what is due, so running it hourly changes nothing more.
DAILY_FIRST_CHECK = 30.0
DAILY_CHECK = 3600.0
DAILY_HOURS = 23


def daily_jobs_commands() -> list[list[str]]:
    zimei = [sys.executable, "-m", "zimei", "creator"]
    return [
        [*zimei, "reindex", "--if-older-than", str(DAILY_HOURS), "--quiet"],
        [*zimei, "credit-restore", "--quiet"],
    ]


def start_daily_jobs(stop: threading.Event, first: float = DAILY_FIRST_CHECK) -> threading.Thread:
    """Run the daily jobs from the serving parent, so a one-laptop setup needs no cron. Each
    run is a child process: the parent never opens a database connection that granian's worker
    processes could inherit, and a failing run cannot take the server down (the next check
    tries again)."""

    def loop() -> None:
        delay = first
        while not stop.wait(delay):
            for command in daily_jobs_commands():
                subprocess.run(command, stdin=subprocess.DEVNULL, check=False)
            delay = DAILY_CHECK

    thread = threading.Thread(target=loop, name="zimei-daily-jobs", daemon=True)
    thread.start()
    return thread


def run_server(
    *, host: str, port: int, workers: int, threads: int, access_log: bool = False, daily_jobs: bool = True
) -> None:
    """Serve zimei.wsgi:application with granian; /static/ straight from STATIC_ROOT."""
    if "ZIMEI_SITE_URL" not in os.environ:
        # Absolute links (share, QR codes, canonical) name the address actually served.
        site = url(host, port).rstrip("/")
        os.environ["ZIMEI_SITE_URL"] = site
        settings.SITE_URL = site
    connections.close_all()  # the workers open their own
    stop = threading.Event()
    if daily_jobs:
        start_daily_jobs(stop)
    Granian(
        f"{__name__}:worker_application",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        # Connections are cheap tasks in granian's Rust loop; only requests wait for a thread.
        # Granian counts backpressure per connection, so a low value lets idle keep-alive
        # sockets (a browser opens six) starve fresh requests: see docs/deploy.md.
        backlog=BACKLOG,
        backpressure=BACKLOG,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS),
        websockets=False,
        log_access=access_log,
        respawn_failed_workers=True,
        # Should a worker still hang on stop (see worker_application), it is killed after this.
        workers_kill_timeout=KILL_TIMEOUT,
        static_path_route=[settings.STATIC_URL.rstrip("/")],
        static_path_mount=[Path(settings.STATIC_ROOT)],
        static_path_expires=3600,
    ).serve()
    stop.set()


class Command(BaseCommand):
    help = (
        "Serve Zimei in production style: granian (WSGI) with several worker processes, static "
        "files served by granian from STATIC_ROOT (collected first when they changed). The "
        "database must be migrated (`zimei migrate`). Data folder: ZIMEI_DATA_DIR."
    )
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        add_server_arguments(parser)
        parser.add_argument("--access-log", action="store_true", help="log every request")
        parser.add_argument(
            "--no-daily-jobs",
            action="store_true",
            help=(
                "do not run the daily jobs (`zimei creator reindex` and `zimei creator "
                "credit-restore`), when cron or a timer runs them"
            ),
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        workers: int,
        threads: int,
        access_log: bool,
        no_daily_jobs: bool = False,
        **options,
    ) -> None:
        check_server_options(host, port, workers, threads)
        pending = pending_migrations()
        if pending:
            raise CommandError(
                f"the database has {len(pending)} unapplied migration(s): run `zimei migrate` first "
                "(or `zimei demo` for a demo site)"
            )
        if collectstatic_if_needed():
            self.stdout.write(f"Collected static files into {settings.STATIC_ROOT}")
        self.stdout.write(
            f"Serving Zimei at {url(host, port)} ({workers} workers × {threads} threads); Ctrl+C stops."
        )
        self.stdout.flush()
        run_server(
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            access_log=access_log,
            daily_jobs=not no_daily_jobs,
        )
