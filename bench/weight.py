"""Page weight of the list pages: HTML bytes and gzip bytes, and a first view's text (the HTML
with the stylesheets and scripts it links), on an existing (seeded) data folder.

    ZIMEI_DATA_DIR=/tmp/seed3k .venv/bin/python bench/weight.py
    ZIMEI_DATA_DIR=/tmp/seed3k .venv/bin/python bench/weight.py --before /tmp/zimei-383a2ff

`--time N` adds the median render time of N repeat views (three rounds, alternating).
`--before DIR`: a checkout of older code (`git worktree add --detach DIR 383a2ff`) rendering the
same database; the table then gives both and the change. Pages are rendered in process with the
page cache off, signed out, in zh-hant (as docs/pictures.md measured them): the home page, the
channel and the author of the newest article, and a search. gzip at level 6 (nginx's usual
gzip_comp_level is 1–6; 6 is what Python's gzip and most CDNs' defaults are near). Pictures are
left out: they load lazily and are not text.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def measure(code: Path, repeat: int = 0) -> dict[str, dict[str, float]]:
    """{page: {"html": bytes, "gzip": bytes}} rendered by the code in `code`, plus the home
    page's first view ("first view": its HTML and the CSS and JS it links, each gzipped)."""
    sys.path.insert(0, str(code))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")
    os.environ["ZIMEI_PAGE_CACHE"] = "0"
    import django

    django.setup()
    from django.contrib.staticfiles import finders
    from django.test import Client

    from zimei.articles.models import Article

    newest = Article.objects.filter(status="published").order_by("-published_at")
    slug, author_id = newest.values_list("channel__slug", "author_id").first()
    pages = {
        "home": "/zh-hant/",
        "channel": f"/zh-hant/c/{slug}/",
        "author": f"/zh-hant/u/{author_id}/",
        "search": "/zh-hant/search/?q=科技",
    }
    client = Client(HTTP_HOST="localhost")
    out: dict[str, dict[str, int]] = {}
    html_home = b""
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        body = response.content
        html_home = body if name == "home" else html_home
        out[name] = {"html": len(body), "gzip": _gz(body)}
        if repeat:  # render time: the median of `repeat` renders (fragment caches warm)
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - start) * 1000)
            out[name]["ms"] = statistics.median(times)
    assets = re.findall(rb'<(?:link rel="stylesheet" href|script src)="/static/([^"?]+)', html_home)
    assets += re.findall(rb'<link rel="icon"[^>]* href="/static/([^"?]+)', html_home)
    first = out["home"]["gzip"]
    for asset in dict.fromkeys(assets):
        found = finders.find(asset.decode())
        if found:
            first += _gz(Path(found).read_bytes())
    out["first view (home + its CSS/JS)"] = {"html": 0, "gzip": first}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", type=Path, help="a checkout of the older code to compare with")
    parser.add_argument("--code", type=Path, default=HERE, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--time", type=int, default=0, metavar="N", help="also the median ms of N renders")
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.code, args.time)))
        return

    def run(code: Path) -> dict:
        env = {**os.environ, "PYTHONPATH": str(code)}  # the venv's editable install comes after
        cmd = [sys.executable, __file__, "--json", "--code", str(code), "--time", str(args.time)]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    # With --time: three rounds, the two checkouts alternating, the best median of each (the
    # machine is shared: the lowest is the least disturbed).
    rounds = 3 if args.time else 1
    after: dict = {}
    before: dict = {}
    for _ in range(rounds):
        for code, into in ((args.code, after), (args.before, before)):
            if code is None:
                continue
            for name, got in run(code).items():
                if name in into and "ms" in got:
                    got["ms"] = min(got["ms"], into[name]["ms"])
                into[name] = got
    head = f"{'page':<34}{'HTML':>9}{'gzip':>8}"
    if before:
        head += f"{'HTML before':>13}{'gzip before':>13}{'gzip Δ':>9}"
    if args.time:
        head += f"{'ms':>8}" + (f"{'ms before':>11}" if before else "")
    print(head)
    for name, now in after.items():
        line = f"{name:<34}{now['html'] or '':>9}{now['gzip']:>8}"
        old = before.get(name)
        if old:
            change = (now["gzip"] - old["gzip"]) / old["gzip"] * 100
            line += f"{old['html'] or '':>13}{old['gzip']:>13}{change:>+8.1f}%"
        if "ms" in now:
            line += f"{now['ms']:>8.2f}" + (f"{old['ms']:>11.2f}" if old else "")
        print(line)


if __name__ == "__main__":
    main()
