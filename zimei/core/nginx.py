"""nginx as the front cache: the one config file (deploy/nginx/zimei.conf), filled in.

`site_config()` fills in the template's @NAMES@ for an operator (`zimei frontcache config`
prints it for /etc/nginx/conf.d/); `running_nginx()` starts nginx from Debian's package with
the same file on a loopback port, its own prefix and temporary folders, in the foreground, for
the tests (tests/test_frontcache.py) and the benchmarks.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .frontcache import LIST_PAGES, NGINX_CACHE_LEVELS

TEMPLATE = Path(settings.BASE_DIR).parent / "deploy" / "nginx" / "zimei.conf"
MIME_TYPES = Path("/etc/nginx/mime.types")


def site_config(
    *,
    listen: str = "80",
    server_name: str = "_",
    upstream: str = "127.0.0.1:8000",
    cache_dir: str | os.PathLike = "/var/cache/nginx/zimei",
    static_root: str | os.PathLike | None = None,
    media_root: str | os.PathLike | None = None,
    tls_cert: str | os.PathLike | None = None,
    tls_key: str | os.PathLike | None = None,
    http_listen: str = "80",
) -> str:
    """deploy/nginx/zimei.conf with its @NAMES@ filled in (folders default to the settings').

    With `tls_cert` and `tls_key` (PEM files) the template's `#tls` lines are switched on:
    `listen` takes TLS (pass 443 for the usual port) and `http_listen` redirects to it."""
    assert 2 <= LIST_PAGES <= 9, "the template matches the cached page numbers as one digit"
    if bool(tls_cert) != bool(tls_key):
        raise ValueError("TLS needs both a certificate and its key (--tls-cert and --tls-key)")
    tls_port = listen.rsplit(":", 1)[-1] if listen.rsplit(":", 1)[-1].isdigit() else "443"
    values = {
        "LISTEN": f"{listen} ssl" if tls_cert else listen,
        "HTTP_LISTEN": http_listen,
        "HTTPS_BASE": "https://$host" + ("" if tls_port == "443" else f":{tls_port}"),
        "TLS_CERT": str(tls_cert or ""),
        "TLS_KEY": str(tls_key or ""),
        "SERVER_NAME": server_name,
        "UPSTREAM": upstream,
        "CACHE_DIR": str(cache_dir),
        "CACHE_LEVELS": NGINX_CACHE_LEVELS,
        "STATIC_ROOT": str(static_root or settings.STATIC_ROOT).rstrip("/"),
        "MEDIA_ROOT": str(media_root or settings.MEDIA_ROOT).rstrip("/"),
        "SESSION_COOKIE": settings.SESSION_COOKIE_NAME,
        "CACHED_PAGES": f"[2-{LIST_PAGES}]",
        "LAST_PAGE": str(LIST_PAGES),
    }
    text = TEMPLATE.read_text()
    if tls_cert:
        text = re.sub(r"^(\s*)#tls ", r"\1", text, flags=re.MULTILINE)
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    if "@" in "".join(line.split("#")[0] for line in text.splitlines()):
        raise ValueError("deploy/nginx/zimei.conf has a placeholder site_config() does not fill in")
    return text


def standalone_config(*, prefix: Path, site: Path, workers: int = 1, access_log: bool = True) -> str:
    """A main nginx.conf that runs the site file in the foreground with everything (pid, logs,
    temporary files) under `prefix`, as whoever starts it."""
    log = f"{prefix}/access.log" if access_log else "off"
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes {workers};\n"
        f"pid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/error.log warn;\n"
        "events { worker_connections 4096; }\n"
        "http {\n"
        f"    include {MIME_TYPES};\n"
        "    default_type application/octet-stream;\n"
        "    sendfile on;\n"
        "    tcp_nopush on;\n"
        "    keepalive_requests 100000;\n"
        f"    access_log {log};\n"
        + "".join(
            f"    {kind}_temp_path {prefix}/tmp/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"    include {site};\n"
        "}\n"
    )


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def missing() -> str:
    """Why nginx cannot run here ('' when it can)."""
    if nginx_binary() is None:
        return "nginx is not installed (Debian: apt-get install nginx-light)"
    if not MIME_TYPES.exists():
        return f"{MIME_TYPES} is missing (Debian: apt-get install nginx-common)"
    return ""


@dataclass
class Nginx:
    port: int
    prefix: Path
    proc: subprocess.Popen
    tls: bool = False

    @property
    def base(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_nginx(
    prefix: Path,
    *,
    upstream: str,
    port: int | None = None,
    workers: int = 1,
    access_log: bool = True,
    **site,
) -> Iterator[Nginx]:
    """nginx in front of `upstream` on 127.0.0.1:`port` (a free one by default), everything
    under `prefix`; stopped (and waited for) on exit."""
    why = missing()
    if why:
        raise RuntimeError(why)
    port = port or _free_port()
    prefix.mkdir(parents=True, exist_ok=True)
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / kind).mkdir(parents=True, exist_ok=True)
    site_file = prefix / "zimei.conf"
    site.setdefault("cache_dir", prefix / "cache")
    site_file.write_text(site_config(listen=f"127.0.0.1:{port}", upstream=upstream, **site))
    main = prefix / "nginx.conf"
    main.write_text(standalone_config(prefix=prefix, site=site_file, workers=workers, access_log=access_log))
    binary = nginx_binary()
    check = subprocess.run(
        [binary, "-t", "-q", "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")],
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx refused the configuration:\n{check.stderr}")
    proc = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    server = Nginx(port=port, prefix=prefix, proc=proc, tls=bool(site.get("tls_cert")))
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start:\n{server.error_log()}") from None
                time.sleep(0.05)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGQUIT)  # graceful: the master stops its workers
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
