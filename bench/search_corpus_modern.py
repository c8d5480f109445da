"""The modern-prose corpus of bench/search.py (`--text modern`, `--text modern-short`): the works
of 鲁迅 (Lu Xun, 1881-1936; in the public domain) as the repository tallusil/luxun-novel-analysis
holds them (data/raw/<collection>/<title>.md; its LICENSE, MIT, covers the compilation), with
every later editor's note taken out. Credits and what is left out: bench/data/SOURCES.md.

    git clone https://github.com/tallusil/luxun-novel-analysis /tmp/luxun
    .venv/bin/python bench/search_corpus_modern.py /tmp/luxun      # → bench/data/search_modern.jsonl.xz

SOURCE is a checkout or a bare git directory (a mirror); the files are read from --commit
(default: the commit the committed corpus was built from), never from a work tree, and the
output is the same byte for byte each time.

What is kept of a file is Lu Xun's own text. Dropped:
- the code fence; everything down to the title line (the line 鲁迅《…》, a table of contents, a
  publisher's note on the edition), the title line and the ·鲁迅· line under it; a first
  paragraph that describes the edition (…书局…初版), with the title repeated after it;
- the editors' notes at the end: from □注释, 注释：, or a line that opens with note 1 (⑴, ①,
  〔1〕, 〔１〕, ［１］) after a blank line. This also drops the few notes marked 作者原注, which
  are Lu Xun's own;
- the note markers in the text: ⑴…⒇, ①…⑳, （⒈）, 〔2〕, 〔１２〕, ［２１］;
- the digitiser's additions: glosses on characters it had no code for (【音“需”…】), source
  tags ending a work (〔选自《朝花夕拾》〕, （《朝花夕拾》）, （原刊…）), ※ separators, a
  layout character of its own (U+E4C2), and the few paragraphs it garbled with a wrong
  encoding (they hold a *, next to the junk);
- whole works (EXCLUDED below, each with its reason; the builder prints them): those that
  print other people's texts whole (letters to Lu Xun, a translation, another writer's record
  of a talk, pieces reprinted from newspapers), introductions and a table of contents by later
  editors, and one duplicate.
Kept as they are: the digitiser's signs for characters it had no code for (□, 〔弓京〕, [号鸟],
〖目夹〗; its private-use characters are written □), full-width Latin (阿Ｑ), quotations inside
Lu Xun's essays, his dates at the ends of works.

Paragraphs: the files are hard-wrapped at 30-40 characters. A line starts a paragraph after a
blank line, when it is indented deeper than the line before (full-width spaces count two
columns), when the line before was not full (shorter than the file's usual line width less 4
columns), or when it is a section number alone (一, ２, 其一); else it continues the paragraph
before it, joined without a separator (Chinese has none). A few slips of the digitiser's
(REJOIN, REPAIRS below) are mended by hand: lines that look like paragraphs but are not (狂人日记's
preface), subtitles run into the first paragraph.

One JSON line a work, in the format of search_real.jsonl.xz: collection (the 文集), author
(鲁迅), title, pieces: [[title, paragraph], ...], every piece titled with the work's title, so
that `--text modern-short` makes every paragraph an article of its own. Collections in the
order they first came out as books, works in the repository's path order within each.
"""

from __future__ import annotations

import argparse
import json
import lzma
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

COMMIT = "432ecfaa721f3f8a08268dabfc0a301ea3ffa50e"
RAW = "data/raw"
OUT = Path(__file__).resolve().parent / "data" / "search_modern.jsonl.xz"

# Collections in the order they first came out as books (华盖集续编的续编 is printed with 华盖集续编).
COLLECTIONS = [
    "呐喊",  # 1923
    "热风",  # 1925
    "华盖集",  # 1926
    "彷徨",  # 1926
    "坟",  # 1927
    "华盖集续编",  # 1927
    "华盖集续编的续编",  # 1927
    "野草",  # 1927
    "朝花夕拾",  # 1928
    "而已集",  # 1928
    "三闲集",  # 1932
    "二心集",  # 1932
    "故事新编",  # 1936
]

# path under data/raw (without .md) -> why it is left out
EXCLUDED = {
    # Other writers' letters printed with Lu Xun's reply (the titles say 来信).
    "三闲集/文坛的掌故（并徐匀来信）": "徐匀's letter",
    "三闲集/文学的阶级性（并恺良来信）": "恺良's letter",
    "三闲集/文艺与革命（并冬芬来信）": "冬芬's letter",
    "三闲集/辞顾颉刚教授令“候审”（并来信）": "顾颉刚's letter",
    "三闲集/通信（并Ｙ来信）": "Y's letter",
    "二心集/关于小说题材的通信（并Ｙ及Ｔ来信）": "Y and T's letter",
    "二心集/关于翻译的通信（并ＪＫ来信）": "JK's (瞿秋白) letter",
    # A translation of another writer's essay (译文), with a short afterword by Lu Xun.
    "二心集/现代电影与有产阶级（译文，并附记）": "a translation of 岩崎昶's essay",
    # Found by reading: other writers' texts printed whole.
    "华盖集/通讯": "two letters by 徐炳昶 (旭生) between Lu Xun's",
    "华盖集续编/记谈话": "向培良's record of a talk, with his introduction",
    "三闲集/匪笔三篇": "three notices from a newspaper, printed whole",
    "三闲集/某笔两篇": "two advertisements from newspapers, printed whole",
    "三闲集/吊与贺": "two newspaper pieces by 孔伯尼 and 燕生, printed whole",
    "华盖集续编的续编/关于《三藏取经记》等": "苏峰生's article, translated whole, then the reply",
    "三闲集/述香港恭祝圣诞": "a newspaper article by 感佩蘅 and a notice, printed whole",
    # Not Lu Xun's: the repository's (or its source's) own introductions and contents.
    "朝花夕拾/《朝花夕拾》简介": "an introduction by a later editor",
    "野草/《野草》简介": "an introduction by a later editor",
    "呐喊/《呐喊》目录": "a table of contents",
    # The same preface twice: kept in 二心集, where Lu Xun collected it.
    "野草/《野草》英文译本序": "a copy of 二心集/《野草》英文译本序",
}

# path -> the title, where the file's name misspells it
TITLES = {"坟/杂亿": "杂忆"}
# path -> (first, last) words of a paragraph the digitiser broke into lines that look like
# paragraphs of their own (狂人日记's preface in classical Chinese)
REJOIN = {"呐喊/狂人日记": ("某君昆仲", "七年四月二日识。")}
# path -> (pattern, replacement) on the file's text: other slips of the digitiser's (a subtitle
# run into the first paragraph, a two-line subtitle, two stray letters)
REPAIRS = {
    "三闲集/无声的中国": [("讲以我这样", "讲\n\n以我这样")],
    "三闲集/现今的新文学的概观": [("国文学会讲这一年多", "国文学会讲\n\n这一年多")],
    "二心集/答文艺新闻社问": [("的意义这在一面", "的意义\n\n这在一面")],
    "而已集/拟豫言": [("出现的琐事有公民某甲", "出现的琐事\n\n有公民某甲"), ("\n\u3000\u3000AA\n", "\n")],
    "坟/娜拉走后怎样": [("在北京\n +", "在北京")],
    "坟/未有天才之前": [("在北京\n +", "在北京")],
}

FENCE = re.compile(r"\s*```")
NOTES = re.compile(r"\s*(□注释|注释[：:]\s*$|〔\s*[1１]\s*〕|［\s*[1１]\s*］|⑴|①)")
MARKER = re.compile(r"〔\s*[0-9０-９]{1,3}\s*〕|［\s*[0-9０-９]{1,3}\s*］|（[⒈-⒛]）|[⑴-⒇①-⑳]")
GLOSS = re.compile(r"【[^】]*】")
AUTHOR_LINE = re.compile(r"[\s·]*(著者[：:])?鲁\s*迅[\s·]*")
SOURCE_TAG = re.compile(r"〔(选自)?《[^》]+》〕|（《[^》]+》）|（原刊[^）]*）")
SEPARATOR = re.compile(r"[\s※]+")
EDITION = re.compile(r".*(书局|书店|出版社).{0,12}初版")
QUOTES = re.compile(r"[\s“”‘’\"']")
LABEL = re.compile(r"[一二三四五六七八九十]{1,3}|[0-9０-９]{1,2}|其[一二三四五六七八九十]{1,3}")
# The digitiser's text holds a layout character of its own (U+E4C2, at paragraph ends), other
# private-use characters where it had no code for a rare character (written □ here, its own sign
# for that), and a few paragraphs garbled by a wrong encoding, where a * stands next to the junk.
STRAY = "\ue4c2"
PRIVATE = re.compile("[\ue000-\uf8ff]")
GARBLED = "*"


def _git(source: Path, *args: str) -> bytes:
    where = ["--git-dir", str(source)] if (source / "objects").is_dir() else ["-C", str(source)]
    return subprocess.run(["git", *where, *args], check=True, capture_output=True).stdout


def files(source: Path, commit: str) -> dict[str, str]:
    """{path under data/raw without .md: text} of every work at `commit`."""
    listing = _git(source, "ls-tree", "-r", "-z", "--name-only", commit, "--", RAW).decode("utf-8")
    out = {}
    for path in sorted(p for p in listing.split("\0") if p.endswith(".md")):
        out[path[len(RAW) + 1 : -3]] = _git(source, "show", f"{commit}:{path}").decode("utf-8")
    return out


def _width(line: str) -> int:
    """Columns: a wide or ambiguous character (“…—, wide in Chinese text) two, a tab four."""
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 4 if c == "\t" else 1 for c in line)


def _indent(line: str) -> int:
    """The leading blank's width in columns."""
    return _width(line[: len(line) - len(line.lstrip())])


def _bare(text: str) -> str:
    """A title line as it compares: no note markers, blanks or quotation marks."""
    return QUOTES.sub("", MARKER.sub("", text))


def paragraphs(name: str, text: str) -> list[str]:
    """Lu Xun's paragraphs of one file (the module's docstring says what is dropped)."""
    text = PRIVATE.sub("□", text.replace(STRAY, ""))
    for pattern, replacement in REPAIRS.get(name, ()):
        text, n = re.subn(pattern, replacement, text)
        if not n:
            raise ValueError(f"{name}: no {pattern!r} to repair")
    if name in REJOIN:
        first, last = REJOIN[name]
        a = text.index(first)
        b = text.index(last, a) + len(last)
        text = text[:a] + re.sub(r"\s*\n\s*", "", text[a:b]) + text[b:]
    lines = [line.rstrip() for line in text.splitlines() if not FENCE.match(line)]
    # The title line: the first line among the first 45 that reads as the work's title (a
    # table of contents, or a publisher's note, can stand before it).
    titles = {_bare(title_of(name)), _bare(name.rsplit("/", 1)[1])}
    at = next((i for i, line in enumerate(lines[:45]) if _bare(line) in titles), None)
    if at is None:
        raise ValueError(f"{name}: no title line")
    start = at + 1
    while start < len(lines) and (not lines[start].strip() or AUTHOR_LINE.fullmatch(lines[start])):
        start += 1
    end = next(
        (i for i in range(start, len(lines)) if NOTES.match(lines[i]) and not lines[i - 1].strip()),
        len(lines),
    )
    body = lines[start:end]
    widths = Counter(_width(line) for line in body if line.strip())
    usual = max(widths, key=lambda w: (widths[w], w)) if widths else 0

    out: list[list[str]] = []
    prev: str | None = None  # the line before, None after a blank line or a section number
    for line in body:
        if not line.strip() or SEPARATOR.fullmatch(line):
            prev = None
            continue
        label = LABEL.fullmatch(line.strip())
        if label or prev is None or _indent(line) > _indent(prev) or _width(prev) < usual - 4:
            out.append([])
        out[-1].append(line.strip())
        prev = None if label else line
    paras = []
    for parts in out:
        para = GLOSS.sub("", MARKER.sub("", "".join(parts))).strip()
        if para.strip("□") and not SOURCE_TAG.fullmatch(para) and GARBLED not in para:
            paras.append(para)
    if paras and EDITION.match(paras[0]):  # a publisher's note, then the title again
        paras = paras[1:]
        if paras and _bare(paras[0]) in titles:
            paras = paras[1:]
    return paras


def title_of(name: str) -> str:
    """A work's title: its file's name, but for a misspelling and the numbers that tell the
    parts of one title apart (忽然想到1…4, 咬文嚼字2)."""
    return TITLES.get(name) or name.rsplit("/", 1)[1].rstrip("0123456789")


def works(texts: dict[str, str]) -> Iterator[dict]:
    """One record a work kept, in COLLECTIONS' order."""
    order = {c: i for i, c in enumerate(COLLECTIONS)}
    unknown = sorted({n.split("/")[0] for n in texts} - set(order))
    if unknown:
        raise ValueError(f"collections not in COLLECTIONS: {unknown}")
    for name in sorted(texts, key=lambda n: (order[n.split("/")[0]], n)):
        if name in EXCLUDED:
            continue
        collection = name.split("/", 1)[0]
        title = title_of(name)
        paras = paragraphs(name, texts[name])
        yield {
            "collection": collection,
            "author": "鲁迅",
            "title": title,
            "pieces": [[title, p] for p in paras],
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "source", type=Path, help="a checkout or bare git directory of tallusil/luxun-novel-analysis"
    )
    parser.add_argument("--commit", default=COMMIT, help=f"the commit to read (default {COMMIT[:12]})")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    parser.add_argument("--quiet", action="store_true", help="no list of the works kept")
    args = parser.parse_args()
    try:
        texts = files(args.source, args.commit)
    except subprocess.CalledProcessError as e:
        sys.exit(f"{args.source}: git: {e.stderr.decode(errors='replace').strip()}")
    if not texts:
        sys.exit(f"{args.source} at {args.commit}: no {RAW}/*/*.md")
    missing = sorted(set(EXCLUDED) - set(texts))
    if missing:
        sys.exit(f"excluded but not in the source: {missing}")
    kept = list(works(texts))
    total = sum(len(x) for w in kept for _, x in w["pieces"])
    pieces_n = sum(len(w["pieces"]) for w in kept)
    with lzma.open(args.out, "wt", encoding="utf-8", preset=9) as f:
        for w in kept:
            f.write(json.dumps(w, ensure_ascii=False) + "\n")
    if not args.quiet:
        for w in kept:
            chars = sum(len(x) for _, x in w["pieces"])
            where = f"{w['collection']}/{w['title']}"
            print(f"kept      {where}: {len(w['pieces'])} paragraphs, {chars:,} characters")
    for name, why in sorted(EXCLUDED.items()):
        print(f"excluded  {name}: {why}")
    print(f"{len(texts)} files at {args.commit[:12]}: {len(kept)} works kept, {len(EXCLUDED)} excluded; "
          f"{pieces_n:,} paragraphs, {total:,} characters -> {args.out} "
          f"({args.out.stat().st_size / 1e6:.2f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
