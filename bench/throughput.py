"""Article page throughput over HTTP with wrk (64 connections), the way the peers were measured.

    ZIMEI_DATA_DIR=/tmp/seed100k .venv/bin/python bench/throughput.py [--seconds 10] [--workers 2]

Starts `zimei serve` twice on a seeded data folder, once with the page cache off (every request
renders) and once with it on, and runs wrk against article pages. The baseline, measured in the
same run on the same server, is the same page's bytes served as a static file by granian (what
nginx does for the peers' static figure). Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZIMEI = str(ROOT / ".venv" / "bin" / "zimei")
WRK_SCRIPT = """
counter = 0
ids = {%s}
request = function()
  counter = counter + 1
  return wrk.format("GET", "/zh-hant/a/" .. ids[(counter %% #ids) + 1] .. "/")
end
"""


def wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not come up at {url}")


def wrk(url: str, seconds: int, script: str | None = None) -> float:
    cmd = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{non2xx.group(1)} error responses from {url}:\n{out}")
    return float(match.group(1)) if match else 0.0


def serve(port: int, workers: int, threads: int, page_cache: bool) -> subprocess.Popen:
    env = dict(os.environ, ZIMEI_PAGE_CACHE="1" if page_cache else "0")
    return subprocess.Popen(
        [ZIMEI, "serve", "--port", str(port), "--workers", str(workers), "--threads", str(threads)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per measurement")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--port", type=int, default=8199)
    parser.add_argument("--pages", type=int, default=200, help="distinct article pages requested")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")
    import django

    django.setup()
    from django.conf import settings

    from zimei.articles.models import Article

    ids = list(
        Article.objects.filter(status="published")
        .order_by("-published_at")
        .values_list("id", flat=True)[: args.pages]
    )
    if not ids:
        sys.exit("no published articles: seed first (zimei seed --articles 100000 --creators 1000)")
    script = Path(settings.DATA_DIR) / "bench-wrk.lua"
    script.write_text(WRK_SCRIPT % ",".join(map(str, ids)))
    base = f"http://127.0.0.1:{args.port}"

    results = {}
    for label, cached in (("uncached", False), ("cached", True)):
        proc = serve(args.port, args.workers, args.threads, cached)
        try:
            wait_up(f"{base}/zh-hant/a/{ids[0]}/")
            if label == "uncached":
                # The baseline: this page's bytes as a static file, served by the same granian.
                with urllib.request.urlopen(f"{base}/zh-hant/a/{ids[0]}/") as r:
                    page = r.read()
                static = Path(settings.STATIC_ROOT) / "bench-page.html"
                static.write_bytes(page)
                results["static file (baseline)"] = wrk(f"{base}/static/bench-page.html", args.seconds)
                print(
                    f"page size: {len(page) / 1024:.1f} KB, {len(ids)} distinct article pages, "
                    f"{args.workers} workers × {args.threads} threads, wrk -t2 -c64 -d{args.seconds}s"
                )
            else:
                for i in ids:  # fill the page cache first
                    urllib.request.urlopen(f"{base}/zh-hant/a/{i}/").read()
            results[f"article page, {label}"] = wrk(base, args.seconds, str(script))
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    baseline = results["static file (baseline)"]
    for label, rps in results.items():
        print(f"{label:28s} {rps:10.0f} req/s   {rps / baseline:6.3f} × baseline")
    print("peers on this kind of machine: Wagtail 206 uncached / 7.3k cached; nginx static 111-125k")


if __name__ == "__main__":
    main()
