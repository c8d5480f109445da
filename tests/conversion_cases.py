"""The conversion test set (tests/data/conversion/, sources in SOURCES.md), for
tests/test_conversion_set.py and bench/conversion.py.

Each case: an id naming its origin, a direction (s2tw: Simplified → zh-TW, Zimei's
ZIMEI_HANT_OPENCC; tw2s: zh-TW → Simplified, ZIMEI_HANS_OPENCC), input, expected output, and
whether it is a sentence or a phrase table entry (MediaWiki). corrections.tsv replaces the
expected output of a public case Zimei disagrees with, with a note.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).with_name("data") / "conversion"
PLAIN = {"s2tw": "s2twp", "tw2s": "tw2sp"}  # the OpenCC config each direction is based on


@dataclass(frozen=True)
class Case:
    id: str
    direction: str  # "s2tw" or "tw2s"
    input: str
    expected: str
    kind: str  # "sentence" or "phrase"
    note: str = ""


def _rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def corrections() -> dict[str, tuple[str, str]]:
    return {row[0]: (row[1], row[2]) for row in _rows("corrections.tsv")}


def opencc_cases() -> list[Case]:
    """OpenCC's own test cases (test/testcases/testcases.json) for s2twp and tw2sp."""
    text = (DATA / "opencc_testcases.json").read_text(encoding="utf-8")
    cases = json.loads(re.sub(r",(\s*[}\]])", r"\1", text))["cases"]  # it has trailing commas
    out = []
    for case in cases:
        for config, direction in (("s2twp", "s2tw"), ("tw2sp", "tw2s")):
            if config in case["expected"]:
                cid = f"opencc:{case['id']}" + ("" if direction == "s2tw" else ":tw2s")
                out.append(Case(cid, direction, case["input"], case["expected"][config], "sentence"))
    return out


def constitution_cases() -> list[Case]:
    """OpenCC's golden test: the US Constitution in Simplified and its s2twp output, a line each."""
    source = (DATA / "us_constitution_zhs.txt").read_text(encoding="utf-8").split("\n")
    golden = (DATA / "us_constitution_zhs.s2twp.txt").read_text(encoding="utf-8").split("\n")
    assert len(source) == len(golden)
    return [
        Case(f"constitution:{n}", "s2tw", a, b, "sentence")
        for n, (a, b) in enumerate(zip(source, golden, strict=True), 1)
        if a.strip()
    ]


def zimei_cases() -> list[Case]:
    return [Case(f"zimei:{r[0]}", r[1], r[2], r[3], "sentence", r[4]) for r in _rows("zimei_cases.tsv")]


def mediawiki_cases() -> list[Case]:
    return [
        Case(f"mediawiki:{r[0]}", "s2tw", r[0], r[1], "phrase", f"{r[2]} {r[3]}")
        for r in _rows("mediawiki_phrases.tsv")
    ]


def sentences() -> list[Case]:
    """The sentence set (goal: 0 errors), with corrections applied."""
    fixed = corrections()
    out = []
    for case in opencc_cases() + constitution_cases() + zimei_cases():
        if case.id in fixed:
            expected, note = fixed[case.id]
            case = Case(case.id, case.direction, case.input, expected, case.kind, note)
        out.append(case)
    return out


def all_cases() -> list[Case]:
    return sentences() + mediawiki_cases()
