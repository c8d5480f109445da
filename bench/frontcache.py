"""The front cache with wrk (-t2 -c64): nginx (deploy/nginx/zimei.conf) and Varnish, side by side.

    ZIMEI_DATA_DIR=/tmp/seed100k .venv/bin/python bench/frontcache.py [--seconds 10] [--pages 200]
    .venv/bin/python bench/frontcache.py --articles 300     # seeds a temporary folder first

Starts `zimei serve` on a seeded data folder, nginx in front of it with the repository's config
(zimei/core/nginx.py fills it in, as for the tests) and Varnish in front of it with a minimal VCL,
fills both with the same anonymous article pages, then measures with wrk: one article page's
bytes sent by nginx as a static file (the baseline), the pages from nginx's cache, from
Varnish's, and from the app's own page store (no front cache). Prints req/s, p50 and p99.
Needs wrk, nginx and varnish (Debian packages `wrk`, `nginx-light`, `varnish`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = """
counter = 0
ids = {%s}
request = function()
  counter = counter + 1
  return wrk.format("GET", "/zh-hant/a/" .. ids[(counter %% #ids) + 1] .. "/")
end
"""
# Varnish as it would be set up for Zimei: cache what Cache-Control allows, pass signed-in
# readers, PURGE from the loopback (what core/frontcache.HTTPPurgeBackend sends).
VCL = """vcl 4.1;
backend zimei { .host = "127.0.0.1"; .port = "%(port)d"; }
acl purgers { "127.0.0.1"; "::1"; }
sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) { return (synth(405)); }
        return (purge);
    }
    if (req.http.Cookie ~ "(^|;\\s*)%(cookie)s=") { return (pass); }
    unset req.http.Cookie;
}
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"nothing answered at {url}")


def wrk(url: str, seconds: int, script: str | None = None) -> tuple[float, str, str]:
    """req/s, p50, p99 of wrk -t2 -c64 against url."""
    cmd = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{non2xx.group(1)} error responses from {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    spread = out.split("Latency Distribution", 1)[1]
    p50 = re.search(r"\s50%\s+(\S+)", spread).group(1)
    p99 = re.search(r"\s99%\s+(\S+)", spread).group(1)
    return rps, p50, p99


def zimei(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "-m", "zimei", *args], cwd=ROOT, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per measurement")
    parser.add_argument("--pages", type=int, default=200, help="distinct article pages requested")
    parser.add_argument("--workers", type=int, default=2, help="app worker processes")
    parser.add_argument("--rounds", type=int, default=1, help="measure each this many times, in turn")
    parser.add_argument(
        "--articles", type=int, default=0, help="seed this many into a temporary folder (no ZIMEI_DATA_DIR)"
    )
    args = parser.parse_args()
    for tool in ("wrk", "varnishd"):
        if not shutil.which(tool) and not os.access(f"/usr/sbin/{tool}", os.X_OK):
            sys.exit(f"{tool} is not installed")

    work = Path(tempfile.mkdtemp(prefix="zimei-frontcache-"))
    work.chmod(0o755)  # varnishd, started as root, works in it as its own user
    if args.articles:
        os.environ["ZIMEI_DATA_DIR"] = str(work / "data")
    env = dict(os.environ)
    if args.articles:
        zimei("migrate", "-v0", env=env)
        zimei(
            "seed", "--articles", str(args.articles), "--creators", str(max(2, args.articles // 20)), env=env
        )

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")
    import django

    django.setup()
    from django.conf import settings

    from zimei.articles.models import Article
    from zimei.core.nginx import running_nginx

    ids = list(
        Article.objects.filter(status="published")
        .order_by("-published_at")
        .values_list("id", flat=True)[: args.pages]
    )
    if not ids:
        sys.exit("no published articles: seed first, or pass --articles N")
    script = work / "wrk.lua"
    script.write_text(WRK_SCRIPT % ",".join(map(str, ids)))

    app_port, varnish_port = free_port(), free_port()
    serve = ["serve", "--no-daily-jobs", "--port", str(app_port), "--workers", str(args.workers)]
    app = subprocess.Popen(
        [sys.executable, "-m", "zimei", *serve],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    varnish = None
    try:
        app_base = f"http://127.0.0.1:{app_port}"
        wait_up(f"{app_base}/zh-hant/a/{ids[0]}/")
        vcl = work / "zimei.vcl"
        vcl.write_text(VCL % {"port": app_port, "cookie": settings.SESSION_COOKIE_NAME})
        where = ["-a", f"127.0.0.1:{varnish_port}", "-n", str(work / "varnish")]
        varnish = subprocess.Popen(
            ["varnishd", "-F", *where, "-f", str(vcl), "-s", "malloc,256m"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        varnish_base = f"http://127.0.0.1:{varnish_port}"
        wait_up(f"{varnish_base}/zh-hant/a/{ids[0]}/")
        # No access log (the static location has none either: the same work per request).
        with running_nginx(
            work / "nginx", upstream=f"127.0.0.1:{app_port}", workers=os.cpu_count() or 1, access_log=False
        ) as nginx:
            page = urllib.request.urlopen(f"{nginx.base}/zh-hant/a/{ids[0]}/").read()
            static = Path(settings.STATIC_ROOT) / "bench-page.html"
            static.write_bytes(page)
            for base in (nginx.base, varnish_base, app_base):  # fill the caches
                for i in ids:
                    urllib.request.urlopen(f"{base}/zh-hant/a/{i}/").read()
            with urllib.request.urlopen(f"{nginx.base}/zh-hant/a/{ids[-1]}/") as r:
                assert r.headers["X-Cache-Status"] == "HIT", r.headers["X-Cache-Status"]
            with urllib.request.urlopen(f"{varnish_base}/zh-hant/a/{ids[-1]}/") as r:
                assert len(r.headers["X-Varnish"].split()) == 2, "Varnish missed"  # two ids: a hit
            cores = os.cpu_count()
            print(
                f"page {len(page) / 1024:.1f} KB, {len(ids)} distinct article pages, app {args.workers} "
                f"workers, nginx {cores} workers, wrk -t2 -c64 -d{args.seconds}s, {cores} cores"
            )
            runs = [
                ("nginx: the page as a static file", f"{nginx.base}/static/bench-page.html", None),
                ("nginx: article pages, front cache", nginx.base, str(script)),
                ("Varnish: article pages, its cache", varnish_base, str(script)),
                ("zimei serve alone: page store", app_base, str(script)),
            ]
            measured: dict[str, list[tuple[float, str, str]]] = {label: [] for label, _, _ in runs}
            for _ in range(args.rounds):  # in turn, so that a noisy moment hits every server
                for label, url, lua in runs:
                    measured[label].append(wrk(url, args.seconds, lua))
            results = [(label, *sorted(m)[len(m) // 2]) for label, m in measured.items()]  # median
            static.unlink()
    finally:
        if varnish is not None:
            os.killpg(varnish.pid, signal.SIGTERM)
            varnish.wait(timeout=20)
        os.killpg(app.pid, signal.SIGINT)
        app.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    baseline = results[0][1]
    for label, rps, p50, p99 in results:
        print(f"{label:36s} {rps:10.0f} req/s  {rps / baseline:6.3f} × static   p50 {p50:>8s}  p99 {p99:>8s}")


if __name__ == "__main__":
    main()
