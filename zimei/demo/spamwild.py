"""Spam nobody on this project wrote, and normal text from the same place, for measuring the
spam check (bench/spam.py, tests/test_spam_wild.py): tests/data/spam_wild/ (sources and
licence in its SOURCES.md). Each text is submitted as an article body, one paragraph per line,
with no title (the texts are posts and comments; a title would be ours)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

WILD_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "spam_wild"
# Items disjoint from the measured ones, for training the learned rule (SOURCES.md).
TRAIN = WILD_DIR / "train.jsonl"


@dataclass(frozen=True)
class WildSample:
    text: str
    category: str
    source: str

    @property
    def body_html(self) -> str:
        lines = [line.strip() for line in self.text.splitlines() if line.strip()]
        return "".join(f"<p>{html.escape(line)}</p>" for line in lines)


def load(name: str) -> list[WildSample]:
    """`spam` or `normal`."""
    with (WILD_DIR / f"{name}.jsonl").open(encoding="utf-8") as fh:
        return [WildSample(**json.loads(line)) for line in fh if line.strip()]
