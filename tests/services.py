"""Our own PostgreSQL and Redis servers, for tests that stop, kill and restart them.

CI's shared servers (127.0.0.1:5432 and :6379) serve the rest of the suite and are never
touched: each server here has its own data folder in a temporary directory and listens on a
free loopback port. Use them as context managers; `stop()` shuts down cleanly, `kill()` is a
SIGKILL of the server process (as an OOM kill or a power cut would leave it), `start()` starts
it again on the same port and data.

PostgreSQL runs from Debian's binaries (/usr/lib/postgresql/<version>/bin) as the `postgres`
user when the tests run as root (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.live import free_port, wait_for_port


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


def postgres_available() -> bool:
    return _pg_bin() is not None


def redis_available() -> bool:
    return shutil.which("redis-server") is not None


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A child of ours that exited stays a zombie until reaped.
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


class PostgresServer:
    """A throwaway PostgreSQL cluster: `url` connects as the `postgres` superuser (trust
    authentication, loopback only) to the `zimei` database."""

    def __init__(self) -> None:
        bin_dir = _pg_bin()
        assert bin_dir is not None, "PostgreSQL's server binaries are not installed"
        self.bin = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="zimei-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/zimei"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.root.chmod(0o700)

    def _run(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        command = list(args)
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=timeout)

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=60"
        )
        done = self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
            "-t", "60", "start", check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start:\n{done.stdout}{done.stderr}\n{self.log_tail()}")
        wait_for_port(self.port, timeout=30)

    def stop(self, mode: str = "fast") -> None:
        """A clean shutdown (`pg_ctl stop -m fast`: sessions are ended, nothing is lost)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None

    def kill(self) -> None:
        """SIGKILL the postmaster (its backends exit on their own once it is gone); the next
        start runs crash recovery."""
        pid = self.pid()
        if pid is None:
            return
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        _wait_gone(pid, 10)
        # The backends notice their postmaster's death and exit by themselves; a start needs
        # them gone (they still hold the shared memory).
        for child in map(int, children.stdout.split()):
            if not _wait_gone(child, 10):
                os.kill(child, signal.SIGKILL)
                _wait_gone(child, 5)

    def create_database(self, name: str = "zimei") -> None:
        import psycopg

        with psycopg.connect(f"postgres://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def __enter__(self) -> PostgresServer:
        self.init()
        self.start()
        self.create_database()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop("immediate")
        self.kill()  # if it still runs
        shutil.rmtree(self.root, ignore_errors=True)


class RedisServer:
    """A throwaway redis-server, no persistence: a restart starts empty, as a crashed cache."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        self.proc = subprocess.Popen(
            [*command, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, timeout=20, proc=self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()
