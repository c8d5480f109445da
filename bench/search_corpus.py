"""The real-text corpus of bench/search.py (`--text real`): articles made of text nobody on this
project wrote, from a checkout of the chinese-poetry repository (MIT; credits in
bench/data/SOURCES.md).

    git clone https://github.com/chinese-poetry/chinese-poetry /tmp/chinese-poetry
    .venv/bin/python bench/search_corpus.py /tmp/chinese-poetry            # every article
    .venv/bin/python bench/search_corpus.py /tmp/chinese-poetry --sample 1000 \\
        --out bench/data/search_real.jsonl.xz                              # the committed sample

An article is consecutive pieces of one collection in its own order (an anthology page),
joined until it holds at least --chars characters (default 1,500; a piece longer than that
is an article alone): its title is the first piece's author and title. Collections, in this
order: 全唐诗 (Tang and Song shi, in Traditional characters as the repository has them), 宋词
and 元曲 (Simplified), 五代诗词, 诗经, 楚辞, 论语, 四书五经, 蒙学 (prose among them), 纳兰性德,
曹操诗集, 幽梦影.
Each article keeps its pieces (title, text) so the bench can also use every piece as a short
article of its own (`--text real-short`). Written as JSON lines, xz-compressed.

The full set is ~10,800 articles (~21.5 million characters); --sample keeps every n-th article
(spread across collections) so that what is committed stays small.
"""

from __future__ import annotations

import argparse
import json
import lzma
import sys
from collections.abc import Iterator
from pathlib import Path

# (glob under the checkout, what a piece's title field is called)
COLLECTIONS = [
    ("全唐诗/poet.tang.*.json", "title"),
    ("全唐诗/poet.song.*.json", "title"),
    ("宋词/ci.song.*.json", "rhythmic"),
    ("元曲/*.json", "title"),
    ("五代诗词/*/*.json", "title"),
    ("诗经/*.json", "title"),
    ("楚辞/*.json", "title"),
    ("论语/*.json", "chapter"),
    ("四书五经/*.json", "chapter"),
    ("蒙学/*.json", "title"),
    ("纳兰性德/*.json", "title"),
    ("曹操诗集/*.json", "title"),
    ("幽梦影/*.json", "title"),
]


def _file_order(path: Path) -> tuple:
    """poet.tang.1000.json after poet.tang.0.json, not after poet.tang.10000.json."""
    parts = path.stem.split(".")
    return (parts[:-1], int(parts[-1])) if parts[-1].isdigit() else (parts, -1)


def _lines(value: object) -> list[str]:
    """A piece's text lines, whatever shape the collection gives them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        out = []
        for v in value:
            out += _lines(v)
        return out
    if isinstance(value, dict):
        return _lines(value.get("paragraphs") or value.get("content") or value.get("para") or [])
    return []


def pieces(root: Path) -> Iterator[tuple[str, str, str, str]]:
    """(collection, author, title, text) of every piece, in the collections' own order."""
    for pattern, title_key in COLLECTIONS:
        for path in sorted(root.glob(pattern), key=_file_order):
            data = json.loads(path.read_text(encoding="utf-8"))
            items = data if isinstance(data, list) else [data]
            for item in items:
                if not isinstance(item, dict):
                    continue
                author = str(item.get("author") or "佚名")
                title = str(item.get(title_key) or item.get("title") or item.get("chapter") or "")
                # Books whose pieces are chapters (弟子規, 論語, 孟子): each chapter a piece.
                content = item.get("content")
                if isinstance(content, list) and content and isinstance(content[0], dict):
                    for ch in content:
                        text = "".join(_lines(ch))
                        name = f"{title}·{ch.get('chapter') or ch.get('title') or ''}".strip("·")
                        if text:
                            yield pattern, author, name, text
                    continue
                body = item.get("paragraphs") or item.get("content") or item.get("para") or []
                text = "".join(_lines(body))
                if text:
                    yield pattern, author, title, text


def articles(root: Path, chars: int) -> Iterator[dict]:
    """Consecutive pieces of one collection, at least `chars` characters."""
    current: dict | None = None
    size = 0
    for collection, author, title, text in pieces(root):
        if current and (current["collection"] != collection or size >= chars):
            yield current
            current = None
        if current is None:
            head = f"{author}：{title}"[:60]
            current = {"collection": collection, "author": author, "title": head, "pieces": []}
            size = 0
        current["pieces"].append([title, text])
        size += len(title) + len(text)
        if size >= chars * 2:  # one very long piece (a chapter of 孟子): an article alone
            yield current
            current = None
    if current:
        yield current


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("checkout", type=Path, help="a checkout of github.com/chinese-poetry/chinese-poetry")
    parser.add_argument("--chars", type=int, default=1500, help="an article's least characters")
    parser.add_argument("--sample", type=int, default=0, help="keep about this many articles (every n-th)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/search_real_full.jsonl.xz"))
    args = parser.parse_args()
    if not (args.checkout / "全唐诗").is_dir():
        sys.exit(f"{args.checkout} is not a checkout of chinese-poetry (no 全唐诗 folder)")
    every = list(articles(args.checkout, args.chars))
    if args.sample:
        step = max(1, len(every) // args.sample)
        every = every[::step][: args.sample]
    total = sum(len(t) + len(x) for a in every for t, x in a["pieces"])
    with lzma.open(args.out, "wt", encoding="utf-8", preset=9 if args.sample else 6) as f:
        for a in every:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    pieces_n = sum(len(a["pieces"]) for a in every)
    print(f"{len(every)} articles, {pieces_n} pieces, {total:,} characters -> {args.out} "
          f"({args.out.stat().st_size / 1e6:.1f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
