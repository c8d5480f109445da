"""跟帖 (docs/comments.md): what comments cost the article page, the comment box of a hot
article, and posting one.

    .venv/bin/python bench/comments.py [--comments 10000] [--requests 200] [--seconds 10]

Makes its own data folder (SQLite; ZIMEI_DATABASE_URL for PostgreSQL), seeds 20 articles and
gives one of them --comments comments (30% replies, chains up to 6 deep, Zipf up-votes), then
prints:

1. throughput with wrk (64 connections) against `zimei serve` with the page store on, in one
   run: the article page of the article with the comments and of one without (the page is the
   same for both: comments live in the box); and page views with the comment box (each view is
   the page plus its box fragment, as site.js asks) against page views without (the page alone);
2. the comment box of the hot article rendered with every cache off (the first comments page:
   pinned, 热门跟帖, the newest 20 with their stacked quotes): anonymous fragment, the
   signed-in fragment (with the reader's own 赞/收藏/顶), the no-JavaScript comments page; ms
   median and p90, and the queries;
3. posting a comment through `comment_post` (spam check on the raw text, repetition, counts,
   purge queued): ms median and p90 for short comments and for 1,000-character ones.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Comment text written for this benchmark (a few sentences readers say), combined at random.
SAYINGS = [
    "写得很清楚，谢谢作者。",
    "第{n}段的数据能给个出处吗？",
    "我在{c}也遇到过同样的情况。",
    "不太同意，成本其实没那么高。",
    "楼上说得对，关键还是看执行。",
    "收藏了，周末慢慢看。",
    "希望作者多写写{c}的情况。",
    "去年买过一台，用了{n}个月就坏了。",
    "这个观点挺新鲜的，第一次听说。",
    "有没有更详细的对比？",
    "同感，身边很多人都这么想。",
    "标题和内容有点对不上。",
]
CITIES = ["北京", "上海", "广州", "成都", "杭州", "深圳", "武汉", "西安"]


def saying(rng: random.Random, parts: int) -> str:
    return "".join(
        rng.choice(SAYINGS).format(n=rng.randint(1, 999), c=rng.choice(CITIES)) for _ in range(parts)
    )


def stats(samples: list[float], cpu: list[float] | None = None) -> str:
    samples = sorted(samples)
    p90 = samples[int(len(samples) * 0.9) - 1]
    out = f"median {statistics.median(samples):6.2f} ms   p90 {p90:6.2f} ms"
    if cpu:  # the process's own CPU time: what the figure is when the machine is not shared
        out += f"   CPU median {statistics.median(cpu):6.2f} ms"
    return out


class Timer:
    """Wall and CPU time of each run, in ms."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_) -> None:
        self.wall.append((time.perf_counter() - self._wall) * 1000)
        self.cpu.append((time.process_time() - self._cpu) * 1000)


def wrk(url: str, seconds: int, script: Path) -> float:
    cmd = ["wrk", "-t2", "-c64", f"-d{seconds}s", "-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{non2xx.group(1)} error responses:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


WRK_PATHS = """
counter = 0
paths = {%s}
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="renders and posts timed")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="wrk rounds, interleaved (medians)")
    parser.add_argument("--port", type=int, default=8197)
    parser.add_argument("--keep", help="data folder to use and keep (default: a temporary one)")
    args = parser.parse_args()

    data = Path(args.keep or tempfile.mkdtemp(prefix="zimei-bench-comments-"))
    os.environ["ZIMEI_DATA_DIR"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from zimei.accounts.models import User
    from zimei.articles.models import Article
    from zimei.comments.models import ArticleThread, Comment, CommentVote
    from zimei.comments.services import comment_post

    call_command("migrate", verbosity=0)
    if not Article.objects.filter(status="published").exists():
        call_command("seed", articles=20, creators=4, verbosity=0)
    ids = list(Article.objects.filter(status="published").order_by("id").values_list("id", flat=True))
    hot, quiet = Article.objects.get(id=ids[0]), ids[1]
    rng = random.Random(14)

    started = time.perf_counter()
    if not Comment.objects.filter(article=hot).exists():
        readers = User.objects.bulk_create(
            [User(username=f"bench-reader-{i}", username_skeleton=f"bench-reader-{i}") for i in range(500)]
        )
        rows: list[Comment] = []
        next_id = (Comment.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        chains: dict[int, list[int]] = {}
        for i in range(args.comments):
            cid = next_id + i
            parent = rng.choice(rows[-200:]) if rows and rng.random() < 0.3 else None
            ancestors = [*chains[parent.id], parent.id][-8:] if parent else []
            if len(ancestors) > 6:
                parent, ancestors = None, []
            chains[cid] = ancestors
            up = int(rng.paretovariate(1.2)) - 1
            rows.append(
                Comment(
                    id=cid,
                    article=hot,
                    author=rng.choice(readers),
                    parent=parent,
                    ancestor_ids=ancestors,
                    body=saying(rng, rng.randint(1, 4)),
                    up_count=min(up, 5000),
                    links_live=True,
                )
            )
        with transaction.atomic():
            Comment.objects.bulk_create(rows, batch_size=1000)
            ArticleThread.objects.update_or_create(
                article=hot, defaults={"comment_count": args.comments, "like_count": 321}
            )
    reader = User.objects.filter(username="bench-reader-0").first()
    newest = list(Comment.objects.filter(article=hot).order_by("-id").values_list("id", flat=True)[:20])
    CommentVote.objects.bulk_create(
        [CommentVote(comment_id=c, user=reader) for c in newest[:5]], ignore_conflicts=True
    )
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    print(
        f"data: {data} ({connection.vendor}), {len(ids)} articles, {args.comments} comments on article "
        f"{hot.id} ({time.perf_counter() - started:.1f} s to set up)"
    )

    # --- 2. the first comments page of the hot article, every cache off -------------------------
    def timed(client: Client, path: str) -> tuple[Timer, int]:
        client.get(path)  # templates and URL resolvers loaded once
        timer = Timer()
        for _ in range(args.requests):
            with timer:
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        return timer, len(queries)

    anon, signed = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    signed.force_login(reader)
    with override_settings(ZIMEI_PAGE_CACHE=False):
        print(f"\nfirst comments page of an article with {args.comments:,} comments (page store off):")
        for label, client, path in (
            ("box fragment, anonymous", anon, f"/zh-hant/a/{hot.id}/comments/box/"),
            ("box fragment, signed in", signed, f"/zh-hant/a/{hot.id}/comments/box/"),
            ("comments page (no JS), anonymous", anon, f"/zh-hans/a/{hot.id}/comments/"),
            ("comments page 250 (deep), anonymous", anon, f"/zh-hans/a/{hot.id}/comments/?page=250"),
            ("article page (for scale)", anon, f"/zh-hans/a/{hot.id}/"),
        ):
            timer, queries = timed(client, path)
            print(f"  {label:38s} {stats(timer.wall, timer.cpu)}   {queries} queries")

    # --- 3. posting ------------------------------------------------------------------------------
    settings.ZIMEI_RATE_LIMITS = {k: (0, w) for k, (_, w) in settings.ZIMEI_RATE_LIMITS.items()}
    posters = list(User.objects.filter(username__startswith="bench-reader-")[:200])
    target = Article.objects.get(id=quiet)
    print("\nposting a comment (comment_post: checks, spam check, repetition, write; in a transaction):")
    for label, parts in (("short (20-60 characters)", 3), ("long (~1,000 characters)", 60)):
        timer = Timer()
        for i in range(args.requests):
            body = saying(rng, parts)[:1000]
            with timer:
                comment_post(article=target, author=posters[i % len(posters)], body=body, address="10.1.2.3")
        print(f"  {label:38s} {stats(timer.wall, timer.cpu)}")

    # --- 1. throughput ---------------------------------------------------------------------------
    if not shutil.which("wrk"):
        print("\nwrk is not installed (apt-get install wrk): no throughput figures")
        return
    base = f"http://127.0.0.1:{args.port}"
    env = dict(os.environ, ZIMEI_PAGE_CACHE="1", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "zimei", "serve", "--port", str(args.port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/zh-hans/a/{hot.id}/", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("zimei serve did not come up") from None
                time.sleep(0.5)
        pages = {
            "article page, 10,000 comments": [f"/zh-hans/a/{hot.id}/"],
            "article page, no comments": [f"/zh-hans/a/{quiet}/"],
            "page views without the box (page only)": [f"/zh-hans/a/{i}/" for i in ids],
            "page views with the box (page + box)": [
                p for i in ids for p in (f"/zh-hans/a/{i}/", f"/zh-hans/a/{i}/comments/box/")
            ],
        }
        for paths in pages.values():
            for p in paths:
                urllib.request.urlopen(base + p).read()  # into the page store
        size = len(urllib.request.urlopen(f"{base}/zh-hans/a/{hot.id}/").read())
        box = len(urllib.request.urlopen(f"{base}/zh-hans/a/{hot.id}/comments/box/").read())
        print(
            f"\nthroughput, zimei serve (2 workers), page store on, wrk -t2 -c64 -d{args.seconds}s, "
            f"median of {args.rounds} interleaved rounds:"
        )
        print(f"  article page {size / 1024:.1f} KB, its comment box {box / 1024:.1f} KB")
        results: dict[str, list[float]] = {label: [] for label in pages}
        for _ in range(args.rounds):  # interleaved, medians: the machine may be shared
            for label, paths in pages.items():
                script = data / "bench-comments.lua"
                script.write_text(WRK_PATHS % ",".join(f'"{p}"' for p in paths))
                rps = wrk(base, args.seconds, script)
                results[label].append(rps / 2 if "page + box" in label else rps)
        for label, values in results.items():
            views = statistics.median(values)
            unit = (
                f"{views * 2:9.0f} req/s = {views:8.0f} views/s"
                if "page + box" in label
                else f"{views:9.0f} req/s"
            )
            print(f"  {label:40s} {unit}   (rounds: {', '.join(f'{v:.0f}' for v in values)})")
        results = {label: statistics.median(values) for label, values in results.items()}
        on, off = results["article page, 10,000 comments"], results["article page, no comments"]
        print(f"  article page with 10,000 comments / without: {on / off:.3f}")
        with_box = results["page views with the box (page + box)"]
        without = results["page views without the box (page only)"]
        print(f"  page views with the box / without: {with_box / without:.3f}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
