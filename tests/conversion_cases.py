"""The conversion test set (tests/data/conversion/, sources in SOURCES.md), for
tests/test_conversion_set.py and bench/conversion.py.

Each case: an id naming its origin, a direction, input, expected output, whether it is a
sentence or a phrase table entry (MediaWiki), and the set it belongs to. Directions:

- ``s2tw``: Simplified → zh-TW (Zimei: ``variants.convert(text, HANT)``, OpenCC s2twp inside);
- ``tw2s``: zh-TW → Simplified (``variants.convert(text, HANS)``, OpenCC tw2sp inside);
- ``s2hk``: Simplified → zh-HK (``engine.converter("s2hkp")`` with names pinned as
  ``variants.convert`` pins them: the Hong Kong reader variant's converter);
- ``hk2s``: zh-HK → Simplified (``engine.converter("hk2sp")``).

Plain OpenCC is ``engine.plain`` of the same config. corrections.tsv replaces the expected
output of a public case Zimei disagrees with (with the reason); accepted.tsv lists the cases
where Zimei keeps a different output from the public source's, with the reason (a different
convention, not an error): the test requires that output exactly, the bench counts and lists
them apart.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).with_name("data") / "conversion"
PLAIN = {"s2tw": "s2twp", "tw2s": "tw2sp", "s2hk": "s2hkp", "hk2s": "hk2sp"}
SUFFIX = {"s2tw": "", "tw2s": ":tw2s", "s2hk": ":hk", "hk2s": ":hk2s"}
SETS = ("opencc", "constitution", "sentences", "zimei", "mediawiki")


@dataclass(frozen=True)
class Case:
    id: str
    direction: str  # s2tw, tw2s, s2hk, hk2s
    input: str
    expected: str
    kind: str  # "sentence" or "phrase"
    note: str = ""

    @property
    def set(self) -> str:
        return self.id.split(":")[0]


def _rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def corrections() -> dict[str, tuple[str, str]]:
    return {row[0]: (row[1], row[2]) for row in _rows("corrections.tsv")}


def accepted() -> dict[str, tuple[str, str]]:
    """Case id → (Zimei's output, reason): a public case whose expected output reflects a
    different convention from Zimei's (accepted.tsv)."""
    return {row[0]: (row[1], row[2]) for row in _rows("accepted.tsv")}


def opencc_cases() -> list[Case]:
    """OpenCC's own test cases (test/testcases/testcases.json) for s2twp, tw2sp, s2hkp and hk2sp.

    A case with only an s2hk (hk2s) expectation is scored with s2hkp (hk2sp), the configs Zimei
    uses: plain OpenCC s2hkp (hk2sp) gives OpenCC's s2hk (hk2s) expectation for every one of
    them (checked by the test)."""
    text = (DATA / "opencc_testcases.json").read_text(encoding="utf-8")
    cases = json.loads(re.sub(r",(\s*[}\]])", r"\1", text))["cases"]  # it has trailing commas
    out = []
    for case in cases:
        expected = case["expected"]
        for direction, configs in (
            ("s2tw", ("s2twp",)),
            ("tw2s", ("tw2sp",)),
            ("s2hk", ("s2hkp", "s2hk")),
            ("hk2s", ("hk2sp", "hk2s")),
        ):
            config = next((c for c in configs if c in expected), None)
            if config:
                cid = f"opencc:{case['id']}{SUFFIX[direction]}"
                out.append(Case(cid, direction, case["input"], expected[config], "sentence", config))
    return out


def constitution_cases() -> list[Case]:
    """OpenCC's golden test: the US Constitution in Simplified and its s2twp and s2hkp outputs, a
    line each; and the way back: each golden output converted back must give the original."""
    source = (DATA / "us_constitution_zhs.txt").read_text(encoding="utf-8").split("\n")
    out = []
    for direction, back, name in (("s2tw", "tw2s", "s2twp"), ("s2hk", "hk2s", "s2hkp")):
        golden = (DATA / f"us_constitution_zhs.{name}.txt").read_text(encoding="utf-8").split("\n")
        assert len(source) == len(golden)
        for n, (a, b) in enumerate(zip(source, golden, strict=True), 1):
            if a.strip():
                out.append(Case(f"constitution:{n}{SUFFIX[direction]}", direction, a, b, "sentence"))
                out.append(Case(f"constitution:{n}{SUFFIX[back]}", back, b, a, "sentence", "round trip"))
    return out


def sentence_cases() -> list[Case]:
    """sentences.tsv: a Simplified sentence with its zh-TW and zh-HK renderings; each gives four
    cases (to zh-TW, to zh-HK, and each back to the Simplified sentence)."""
    out = []
    for sid, hans, tw, hk, source, note in _rows("sentences.tsv"):
        note = f"{source}: {note}"
        out.append(Case(f"sentences:{sid}", "s2tw", hans, tw, "sentence", note))
        out.append(Case(f"sentences:{sid}:hk", "s2hk", hans, hk, "sentence", note))
        out.append(Case(f"sentences:{sid}:tw2s", "tw2s", tw, hans, "sentence", note))
        out.append(Case(f"sentences:{sid}:hk2s", "hk2s", hk, hans, "sentence", note))
    return out


def zimei_cases() -> list[Case]:
    return [Case(f"zimei:{r[0]}", r[1], r[2], r[3], "sentence", r[4]) for r in _rows("zimei_cases.tsv")]


def mediawiki_cases() -> list[Case]:
    """MediaWiki's table entries, with its zh-tw and zh-hk conversions as expected outputs."""
    out = []
    for name, direction in (("mediawiki_phrases.tsv", "s2tw"), ("mediawiki_phrases_hk.tsv", "s2hk")):
        for r in _rows(name):
            cid = f"mediawiki:{r[0]}{SUFFIX[direction]}"
            out.append(Case(cid, direction, r[0], r[1], "phrase", f"{r[2]} {r[3]}"))
    return out


def _fixed(cases: list[Case]) -> list[Case]:
    fixed = corrections()
    out = []
    for case in cases:
        if case.id in fixed:
            expected, note = fixed[case.id]
            case = Case(case.id, case.direction, case.input, expected, case.kind, note)
        out.append(case)
    return out


def sentences() -> list[Case]:
    """The sentence set (goal: 0 errors), with corrections applied."""
    return _fixed(opencc_cases() + constitution_cases() + sentence_cases() + zimei_cases())


def all_cases() -> list[Case]:
    return sentences() + _fixed(mediawiki_cases())


def plain(case: Case) -> str:
    """Plain OpenCC's output for `case`."""
    from zimei.conversion import engine

    return engine.plain(PLAIN[case.direction]).convert(case.input)


def zimei(case: Case) -> str:
    """Zimei's output for `case` (needs Django settings: variants reads them)."""
    from zimei.conversion import variants

    target, source = {
        "s2tw": (variants.HANT, None),
        "s2hk": (variants.HK, None),
        "tw2s": (variants.HANS, None),
        "hk2s": (variants.HANS, variants.HK),  # Hong Kong text goes back through hk2sp
    }[case.direction]
    return variants.convert(case.input, target, source=source)


def verdict(case: Case, output: str, accepted_: dict[str, tuple[str, str]]) -> str:
    """ "right", "accepted" (Zimei's reviewed different output) or "wrong"."""
    if output == case.expected:
        return "right"
    if case.id in accepted_ and accepted_[case.id][0] == output:
        return "accepted"
    return "wrong"
