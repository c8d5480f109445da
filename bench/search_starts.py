"""Latin terms as prefixes against the same terms as start tokens (text.STARTS), on one index:
the site's own backend as it searches an index of format 2 (a term of 2 to STARTS characters
is the token of that start), against the same backend told its index is format 1 (every Latin
term a prefix, as before the starts: what an index written before them is searched with).
Both read the same rows, so the pages must be identical: a check at the site's size that the
starts find what the prefix finds. SQLite, or PostgreSQL with ZIMEI_DATABASE_URL.

    ZIMEI_DATA_DIR=/work/sq1m .venv/bin/python bench/search_starts.py [seed] [n] [--cold]

Queries: n a class, Latin words and numbers of the folded text of 200 random articles
(search_queries.draw), split by length into 2-4 characters (searched as a start) and 5+ (a
prefix either way: the control), and mixed: a 2-character Han piece and a Latin word. Each
runs as a reader's first page by relevance, the two forms alternating in random order; every
fifth also as page 2, newest first and narrowed to a channel (search_queries.compare()).
--cold drops the page cache before each timed search (as root), so its reads come from the
disk. Run it on an index written with the starts (format 2: bench/search.py builds one); on an
index of format 1 the start tokens are not there and the pages differ.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from search_queries import compare, draw, drop_caches


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("seed", type=int, nargs="?", default=7)
    parser.add_argument("n", type=int, nargs="?", default=30, help="queries a class (default 30)")
    parser.add_argument("--cold", action="store_true", help="drop the page cache before each timed search")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    import django

    django.setup()
    from zimei.articles.models import Article
    from zimei.search.backends import search_backend
    from zimei.search.text import STARTS

    new = search_backend()
    if new.index_format() < 2:
        sys.exit("This index was written before the starts (format 1): build one with them first.")

    class Prefixed(type(new)):
        def index_format(self) -> int:
            return 1

    drawn = draw(rng, 4 * args.n, latin=True)
    latin = drawn["latin"]
    queries = {
        f"2-{STARTS}": [w for w in latin if len(w) <= STARTS][: args.n],
        f"{STARTS + 1}+": [w for w in latin if len(w) > STARTS][: args.n],
        "mixed": [q for q in drawn["mixed"] if " " in q][: args.n],
    }
    queries = {c: q for c, q in queries.items() if q}  # (generated text has no Latin word of 5+)
    print(f"backend {type(new).__name__}, {Article.objects.count():,} articles; queries a class: "
          + ", ".join(f"{c} {len(q)}" for c, q in queries.items()))  # fmt: skip
    print("before: every Latin term a prefix (format 1); after: a start token where it can be")
    channels = list(Article.objects.published().values_list("channel_id", flat=True).distinct())
    compare(
        Prefixed(), new, queries, rng, sort="relevance", channels=channels,
        before_each=drop_caches if args.cold else None,
    )  # fmt: skip


if __name__ == "__main__":
    main()
