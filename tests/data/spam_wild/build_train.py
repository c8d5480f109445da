"""Rebuild train.jsonl from a checkout of ChineseHarm-Bench (commit 5e81bc4), disjoint from the
measured set (spam.jsonl, normal.jsonl). See SOURCES.md.

    python tests/data/spam_wild/build_train.py /path/to/ChineseHarm-bench
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPAM = {"博彩": "gambling", "低俗色情": "porn", "欺诈": "fraud", "黑产广告": "black_market_ad"}
PREFIX = "zjunlp/ChineseHarm-bench@5e81bc4:benchmark/"


def main(repo: Path) -> None:
    test = set()
    for name in ("spam", "normal"):
        with (HERE / f"{name}.jsonl").open(encoding="utf-8") as fh:
            test |= {json.loads(line)["text"].strip() for line in fh if line.strip()}
    seen, out = set(), []

    def take(file: str, category: str, keep) -> None:
        items = json.loads((repo / "benchmark" / f"{file}.json").read_text(encoding="utf-8"))
        for i, item in enumerate(items):
            text = item["文本"]
            key = text.strip()
            if keep(i) and key and key not in test and key not in seen:
                seen.add(key)
                out.append({"text": text, "category": category, "source": f"{PREFIX}{file}.json#{i}"})

    for file, category in SPAM.items():
        take(file, category, lambda i: i % 2 == 0)  # the measured items end in 5 (odd)
    take("不违规", "normal", lambda i: i % 4 != 1)  # the measured items are ≡ 1 (mod 4)
    with (HERE / "train.jsonl").open("w", encoding="utf-8") as fh:
        for row in out:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(len(out), "lines")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
