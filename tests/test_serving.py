"""`zimei serve` under connections that behave like the real world's: browsers keep idle
keep-alive sockets open (about six per page), slow clients trickle their request heads. None of
them may keep a fresh request from being answered (docs/deploy.md says how the server is set)."""

from __future__ import annotations

import http.client
import re
import socket
import time
from contextlib import ExitStack

import pytest

from tests.live import live_server, once

IDLE_KEEPALIVE = 200
SLOW_HEADERS = 20
SLOW_BODIES = 10  # more than all the server's request threads together


def _idle_keepalive(port: int, path: str) -> socket.socket:
    """A connection that made one request, read the answer and now sits idle, as a browser's."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: idle-tab\r\n\r\n".encode())
    return sock


def _slow_header(port: int) -> socket.socket:
    """A connection that has sent only part of its request head (and will send no more)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET /zh-hans/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    return sock


def _slow_body(port: int) -> socket.socket:
    """A form post whose head is complete but whose body has barely begun (and will not go on):
    a phone on a bad network. With a thread per request, each would hold one."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        b"POST /zh-hans/accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nusername=a"
    )
    return sock


def _timed_get(port: int, path: str) -> tuple[int, float, bytes]:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156"})
        response = conn.getresponse()
        body = response.read()
        return response.status, time.monotonic() - started, body
    finally:
        conn.close()


@once("granian's connection handling")
def test_idle_and_slow_connections_never_keep_a_fresh_request_waiting(tmp_path):
    """200 idle keep-alive connections, 20 slow-header and 10 slow-body ones stay open; an
    article page and everything it loads (CSS, JS, pictures) still answer in under a second each. Before the
    fix, four idle sockets were enough to stall every further request."""
    with live_server(tmp_path, articles=10) as server, ExitStack() as held:
        status, _, home = _timed_get(server.port, "/zh-hans/")
        assert status == 200
        article = re.search(r'href="(/zh-hans/a/\d+/)"', home.decode()).group(1)

        sockets = [_idle_keepalive(server.port, "/static/zimei/site.js") for _ in range(IDLE_KEEPALIVE)]
        for sock in sockets:
            held.callback(sock.close)
        for sock in sockets:  # each got its answer, and the connection stays open afterwards
            assert sock.recv(64).startswith(b"HTTP/1.1 200")
        for _ in range(SLOW_HEADERS):
            held.callback(_slow_header(server.port).close)
        for _ in range(SLOW_BODIES):
            held.callback(_slow_body(server.port).close)
        time.sleep(0.5)

        status, elapsed, page = _timed_get(server.port, article)
        assert status == 200 and elapsed < 1.0, f"{article}: {status} after {elapsed:.2f} s"
        html = page.decode()
        assets = set(re.findall(r'(?:src|href)="(/(?:static|media|qr)/[^"]+)"', html))
        assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
        assert any(a.startswith("/media/") for a in assets), "the seeded article has a picture"
        for asset in sorted(assets):
            status, elapsed, _ = _timed_get(server.port, asset)
            assert status == 200 and elapsed < 1.0, f"{asset}: {status} after {elapsed:.2f} s"
        # The idle connections were never closed by the server for the fresh requests' sake.
        assert sum(_still_open(s) for s in sockets) == IDLE_KEEPALIVE


def _still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


@once("Chromium's keep-alive connections to the server")
@pytest.mark.browser
def test_fifty_article_pages_in_a_row_all_finish_loading_in_chromium(tmp_path, chromium):
    """A reader clicks through 50 articles in one tab: Chromium keeps its keep-alive
    connections open between pages, and every page's load event fires within 5 s."""
    with live_server(tmp_path, articles=60) as server:
        ids = range(1, 51)  # a fresh database: the seeded articles are 1 to 60
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        try:
            page = context.new_page()
            slow = []
            for article_id in ids:
                started = time.monotonic()
                response = page.goto(
                    f"{server.base}/zh-hans/a/{article_id}/", wait_until="load", timeout=5000
                )
                took = time.monotonic() - started
                assert response is not None and response.status == 200
                if took >= 5:
                    slow.append((article_id, took))
            assert not slow, f"pages whose load event came after 5 s: {slow}"
        finally:
            context.close()


def test_serve_says_so_when_the_database_cannot_be_reached(tmp_path):
    """An operator starting the server while PostgreSQL is down gets one line, not a traceback."""
    import os
    import subprocess
    import sys

    from tests.live import ROOT, free_port

    env = dict(os.environ, ZIMEI_DATA_DIR=str(tmp_path), ZIMEI_DB_CONNECT_TIMEOUT="2")
    env["ZIMEI_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{free_port()}/zimei"
    done = subprocess.run(
        [sys.executable, "-m", "zimei", "serve", "--port", str(free_port()), "--no-daily-jobs"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "cannot reach the database" in done.stderr and "ZIMEI_DATABASE_URL" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@once("processes and ports")
def test_workers_go_when_the_serving_process_is_killed_and_the_port_is_free_again(tmp_path):
    """kill -9 of `zimei serve` itself (the OOM killer, an impatient operator): its workers,
    which left its process group, notice within seconds and stop, so the port is free and a
    new `zimei serve` starts on it. Before, the orphaned workers kept the port for ever."""
    import os
    import signal

    from tests.live import LiveServer

    with live_server(tmp_path, articles=2) as server:
        workers = server.worker_pids()
        assert workers, "granian started no workers"
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        alive = workers
        while alive and time.monotonic() < deadline:
            time.sleep(0.3)
            alive = [pid for pid in workers if _running(pid)]
        assert not alive, f"workers {alive} outlived the serving process"
        again = LiveServer(server.data_dir, **_same_database(server))
        again.port, again.base = server.port, server.base
        try:
            again.start()  # binds the same port
            status, _, _ = _timed_get(server.port, "/zh-hans/")
            assert status == 200
        finally:
            again.stop()
        server.proc = None  # already gone


def _running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _same_database(server) -> dict:
    url = server.env.get("ZIMEI_DATABASE_URL")
    return {"database_url": url} if url else {}


def test_a_graceful_stop_loses_no_counted_view(tmp_path):
    """SIGTERM to `zimei serve` (systemd's stop, a deploy): the workers write the views they
    hold on their way out. Before, a stop lost every view counted since the last flush."""
    import os
    import signal

    env = {"ZIMEI_VIEW_FLUSH_SECONDS": "3600"}  # no timed flush: only the stop can write them
    with live_server(tmp_path, articles=2, env=env) as server:
        count = "from zimei.articles.models import Article; print(Article.objects.get(id=1).view_count)"
        before = int(server.manage("shell", "-c", count).split()[-1])
        for n in range(100):  # 100 readers, each at its own address (any 127.x is this machine)
            source = (f"127.0.{n // 200 + 1}.{n % 200 + 1}", 0)
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5, source_address=source)
            agent = f"Mozilla/5.0 (X11; Linux x86_64) Firefox/140.{n}"
            conn.request("POST", "/views/1/", headers={"User-Agent": agent, "Sec-Fetch-Site": "same-origin"})
            assert conn.getresponse().status == 204
            conn.close()
        os.kill(server.proc.pid, signal.SIGTERM)
        server.proc.wait(timeout=30)
        server.proc = None
        assert int(server.manage("shell", "-c", count).split()[-1]) == before + 100
