"""Article pages side by side in one run: wrk -t2 -c64 over the same 200 distinct article pages.

    ZIMEI_DATA_DIR=/tmp/seed10k ./dev bench frontcache [--seconds 10] [--rounds 3]
    ./dev bench frontcache --articles 10000          # seeds a temporary folder first

Measures, in turn each round (so a noisy moment hits every target):
1. nginx sending Zimei's own 200 article pages as static files (the baseline: the same nginx,
   the same configuration, the same bytes, read from files under /static/);
2. the same pages from nginx's front cache (deploy/nginx/zimei.conf, filled first);
3. the same pages from Varnish's cache (a minimal VCL; `--no-varnish` leaves it out);
4. `zimei serve` alone with its embedded page store (no front cache);
5. `zimei serve` uncached (ZIMEI_PAGE_CACHE=0: every request renders);
6. the Wagtail peer's uncached article page (../shared/peers/wagtail, built by its setup.sh
   with 10,000 articles; its own 200 URLs), when it is there.

Prints req/s, p50 and p99 (median of the rounds) and the goal ratios: front cache / static
(goal ≥ 0.5) and Zimei uncached / Wagtail uncached (goal ≥ 3). Needs wrk and nginx-light
(Debian packages), varnish for row 3.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import free_port, stop_group, wait_for_port  # noqa: E402

LUA = ROOT / "bench" / "paths.lua"
STATIC = "nginx: the same bytes as static files"
FRONT = "nginx: front cache"
VARNISH = "Varnish: its cache"
STORE = "zimei serve alone: page store"
UNCACHED = "zimei serve: uncached"
WAGTAIL = "Wagtail peer: uncached"
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


def wrk(base: str, paths_file: Path, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", "-c64", f"-d{seconds}s", "-s", str(LUA), base, "--", str(paths_file)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", out.split("PERCENTILES", 1)[1])}
    if figures["status"] or figures["errors"]:
        raise SystemExit(f"errors from {base}:\n{out}")
    figures["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return figures


@contextmanager
def zimei_serve(port: int, *, page_cache: bool, workers: int) -> Iterator[str]:
    env = dict(os.environ, ZIMEI_PAGE_CACHE="1" if page_cache else "0")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zimei",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-daily-jobs",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for_port(port, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_group(proc)


@contextmanager
def varnish(work: Path, upstream_port: int, cookie: str) -> Iterator[str]:
    port = free_port()
    vcl = work / "zimei.vcl"
    vcl.write_text(VCL % {"port": upstream_port, "cookie": cookie})
    proc = subprocess.Popen(
        [
            "varnishd",
            "-F",
            "-a",
            f"127.0.0.1:{port}",
            "-n",
            str(work / "varnish"),
            "-f",
            str(vcl),
            "-s",
            "malloc,256m",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


@contextmanager
def wagtail(peers: Path) -> Iterator[tuple[str, Path] | None]:
    serve = peers / "wagtail" / "serve.sh"
    urls = Path(os.environ.get("PEERS_TMP", "/tmp/peers")) / "wagtail-data" / "urls.txt"
    if not serve.exists() or not urls.exists():
        print(f"(Wagtail peer not built: run {peers}/wagtail/setup.sh 10000 to compare)")
        yield None
        return
    port = free_port()
    started = subprocess.run([str(serve), str(port), "uncached"], capture_output=True, text=True, check=True)
    try:
        yield f"http://127.0.0.1:{port}", urls
    finally:
        os.kill(int(started.stdout.split()[-1]), signal.SIGTERM)


def fetch_all(base: str, paths: list[str]) -> dict[str, bytes]:
    pages = {}
    for path in paths:
        with urllib.request.urlopen(base + path, timeout=60) as r:
            pages[path] = r.read()
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per measurement (default 10)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds; medians are printed (default 1)")
    parser.add_argument("--pages", type=int, default=200, help="distinct article pages (default 200)")
    parser.add_argument("--workers", type=int, default=2, help="zimei serve workers (default 2)")
    parser.add_argument("--articles", type=int, default=0, help="seed this many into a temporary folder")
    parser.add_argument("--no-varnish", action="store_true", help="leave Varnish out")
    parser.add_argument(
        "--peers",
        type=Path,
        default=ROOT.parent / "shared" / "peers",
        help="the peers harness (default ../shared/peers); Wagtail is measured when it is built",
    )
    args = parser.parse_args()
    need = ["wrk", "nginx"] + ([] if args.no_varnish else ["varnishd"])
    for tool in need:
        if not shutil.which(tool) and not os.access(f"/usr/sbin/{tool}", os.X_OK):
            sys.exit(f"{tool} is not installed (Debian: wrk, nginx-light, varnish)")

    work = Path(tempfile.mkdtemp(prefix="zimei-bench-frontcache-"))
    work.chmod(0o755)  # varnishd, started as root, works in it as its own user
    if args.articles:
        os.environ["ZIMEI_DATA_DIR"] = str(work / "data")
        for command in (["migrate", "-v0"], ["seed", "--articles", str(args.articles), "--creators", "200"]):
            subprocess.run([sys.executable, "-m", "zimei", *command], cwd=ROOT, check=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")
    import django

    django.setup()
    from django.conf import settings

    from zimei.articles.models import Article
    from zimei.core.nginx import running_nginx

    ids = list(Article.objects.filter(status="published").values_list("id", flat=True))
    if len(ids) < args.pages:
        sys.exit(
            f"{len(ids)} published articles: seed first (zimei seed --articles 10000) or pass --articles"
        )
    paths = [f"/zh-hans/a/{i}/" for i in sorted(random.Random(1).sample(ids, args.pages))]
    paths_file = work / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    static_dir = Path(settings.STATIC_ROOT) / "bench-pages"
    static_file = work / "static-paths.txt"
    static_file.write_text("".join(f"/static/bench-pages{p}index.html\n" for p in paths))

    results: dict[str, list[dict[str, float]]] = {}

    def measure(label: str, base: str, file: Path = paths_file) -> None:
        figures = wrk(base, file, args.seconds)
        results.setdefault(label, []).append(figures)
        print(f"  {label}: {figures['rps']:,.0f} req/s", flush=True)

    port = free_port()
    pages: dict[str, bytes] = {}
    try:
        for round_no in range(1, args.rounds + 1):
            print(f"round {round_no} of {args.rounds}", flush=True)
            with zimei_serve(port, page_cache=False, workers=args.workers) as base:
                pages = fetch_all(base, paths)
                measure(UNCACHED, base)
            for path, body in pages.items():
                (static_dir / path.strip("/")).mkdir(parents=True, exist_ok=True)
                (static_dir / path.strip("/") / "index.html").write_bytes(body)
            with ExitStack() as stack:
                base = stack.enter_context(zimei_serve(port, page_cache=True, workers=args.workers))
                front = stack.enter_context(
                    running_nginx(
                        work / f"nginx{round_no}",
                        upstream=f"127.0.0.1:{port}",
                        workers=os.cpu_count() or 1,
                        access_log=False,
                    )
                )
                fetch_all(base, paths)
                fetch_all(front.base, paths)
                with urllib.request.urlopen(front.base + paths[-1]) as r:
                    assert r.headers["X-Cache-Status"] == "HIT", r.headers["X-Cache-Status"]
                measure(STATIC, front.base, static_file)
                measure(FRONT, front.base)
                if not args.no_varnish:
                    cached = stack.enter_context(varnish(work, port, settings.SESSION_COOKIE_NAME))
                    fetch_all(cached, paths)
                    measure(VARNISH, cached)
                measure(STORE, base)
            with wagtail(args.peers) as peer:
                if peer is not None:
                    measure(WAGTAIL, *peer)
    finally:
        shutil.rmtree(static_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    report(results, pages, args)


def report(results: dict[str, list[dict[str, float]]], pages: dict[str, bytes], args) -> None:
    def median(label: str, key: str) -> float:
        return statistics.median(r[key] for r in results[label])

    size = statistics.mean(len(b) for b in pages.values()) / 1024
    print(
        f"\n{len(pages)} distinct article pages (mean {size:.1f} KB), wrk -t2 -c64 -d{args.seconds}s, "
        f"median of {args.rounds} round(s), {os.cpu_count()} cores, zimei serve {args.workers} workers\n"
    )
    static = median(STATIC, "rps")
    print("| target | req/s | × static | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|")
    for label in (STATIC, FRONT, VARNISH, STORE, UNCACHED, WAGTAIL):
        if label in results:
            rps, p50, p99 = (median(label, key) for key in ("rps", "p50", "p99"))
            print(f"| {label} | {rps:,.0f} | {rps / static:.3f} | {p50:.2f} | {p99:.2f} |")
    print(f"\nfront cache / static files: {median(FRONT, 'rps') / static:.2f}× (goal ≥ 0.5)")
    if WAGTAIL in results:
        ratio = median(UNCACHED, "rps") / median(WAGTAIL, "rps")
        print(f"Zimei uncached / Wagtail uncached: {ratio:.2f}× (goal ≥ 3)")


if __name__ == "__main__":
    main()
