"""How fast `zimei seed` writes, and how much memory it needs.

    .venv/bin/python bench/seed.py [--articles 100000] [--creators 1000] [--batch 5000] [--keep DIR]

Creates a fresh data folder (a temporary one unless --keep), migrates it, then runs
`zimei seed` in a child process and prints wall time, articles/s, the child's peak RSS
(resource.getrusage of the children) and the size of the database. With --keep the folder is
kept (e.g. --keep /tmp/seed100k for bench/throughput.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZIMEI = str(ROOT / ".venv" / "bin" / "zimei")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--creators", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--keep", metavar="DIR", help="seed into DIR (must not exist) and keep it")
    args = parser.parse_args()
    if args.articles < 1 or args.creators < 1:
        parser.error("--articles and --creators must be at least 1")

    if args.keep:
        data = Path(args.keep)
        if data.exists():
            parser.error(f"{data} exists: give a new folder")
    else:
        data = Path(tempfile.mkdtemp(prefix="zimei-seed-")) / "data"
    env = {**os.environ, "ZIMEI_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "zimei.settings"}
    try:
        subprocess.run([ZIMEI, "migrate", "--verbosity", "0"], env=env, check=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        cmd = [ZIMEI, "seed", "--articles", str(args.articles), "--creators", str(args.creators)]
        subprocess.run([*cmd, "--batch", str(args.batch), "--verbosity", "0"], env=env, check=True)
        seconds = time.perf_counter() - started
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
        db = data / "zimei.sqlite3"
        size = sum(p.stat().st_size for p in data.glob("zimei.sqlite3*")) if db.exists() else 0
        print(f"articles      {args.articles:,} (by {args.creators:,} creators, batch {args.batch:,})")
        print(f"wall time     {seconds:.1f} s")
        print(f"throughput    {args.articles / seconds:,.0f} articles/s")
        note = "" if peak_kib > before else " (the migrate step's: the seed stayed below it)"
        print(f"peak RSS      {peak_kib / 1024:.0f} MiB{note}")
        if size:
            print(f"database      {size / 2**30:.2f} GiB ({size / args.articles / 1024:.1f} KiB per article)")
        print(f"data folder   {data}" + ("" if args.keep else " (removed)"))
    finally:
        if not args.keep:
            shutil.rmtree(data.parent, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
