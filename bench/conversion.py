"""Script conversion: plain OpenCC against Zimei's conversion, on the test set and for speed.

    .venv/bin/python bench/conversion.py [--articles 60] [--rounds 3] [--quiet] [--list FILE]

Quality: the test set in tests/data/conversion (SOURCES.md: OpenCC's own test cases and golden
US Constitution, MediaWiki's conversion table for zh-tw and zh-hk, sentences written for Zimei).
Every case is converted by plain OpenCC (s2twp to zh-TW, s2hkp to zh-HK, tw2sp and hk2sp back
to Simplified) and by Zimei (tests/conversion_cases.zimei: the same configs with Zimei's
corrections inside, names pinned as the reader variants pin them). Prints, per set and
direction, plain OpenCC's score and Zimei's side by side (right / accepted / wrong: accepted is
Zimei's output where accepted.tsv records, with a reason, that the source follows another
convention); then every case Zimei gets wrong, and every case plain OpenCC gets wrong (on the
terminal with --list -, else into the file --list names, default
test-artifacts/conversion-plain-wrong.txt, git-ignored).

Speed: the text of demo articles (zimei/demo/text.py plans; Simplified and Traditional as the
generator writes them), converted to the other script by plain OpenCC and by Zimei, in
characters per second, and the ratio in the same run; also convert_html on the article bodies
(text nodes only, alt/title) against plain OpenCC over the raw HTML. Nothing is memoised.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

DIRECTIONS = (("s2tw", "→ zh-TW"), ("s2hk", "→ zh-HK"), ("tw2s", "zh-TW → Hans"), ("hk2s", "zh-HK → Hans"))
SET_NAMES = {
    "mediawiki": "MediaWiki table entries",
    "opencc": "OpenCC test cases",
    "constitution": "OpenCC golden: US Constitution",
    "sentences": "sentences (ours, MOE-checked)",
    "zimei": "Zimei sentences (issue 12)",
}


def _rate(fn, texts: list[str], rounds: int) -> float:
    """Characters per second of fn over texts: the best of `rounds` passes after a warm-up."""
    chars = sum(len(t) for t in texts)
    for t in texts[:5]:
        fn(t)
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - start)
    return chars / best


def _case_lines(c, expected: str, plain: str, zimei: str) -> list[str]:
    return [
        f"  {c.id}  [{c.direction}]  {c.input[:60]}",
        f"      expected {expected[:60]}",
        f"      plain    {plain[:60]}",
        f"      Zimei    {zimei[:60]}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=60, help="demo articles for the speed figures")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes (best is kept)")
    parser.add_argument("--quiet", action="store_true", help="scores only, no case lists, no speed")
    parser.add_argument(
        "--list",
        default=str(Path(__file__).resolve().parent.parent / "test-artifacts" / "conversion-plain-wrong.txt"),
        help="where to write every case plain OpenCC gets wrong ('-': the terminal)",
    )
    args = parser.parse_args()
    os.environ.setdefault("ZIMEI_DATA_DIR", str(Path(tempfile.mkdtemp(prefix="zimei-conv-")) / "data"))
    os.environ.pop("ZIMEI_DATABASE_URL", None)

    import django

    django.setup()
    from django.conf import settings

    from tests import conversion_cases as cc
    from zimei.conversion import engine
    from zimei.conversion.variants import HANS, HANT, convert, convert_html

    cases = cc.all_cases()
    accepted = cc.accepted()
    results = {c.id: (cc.plain(c), cc.zimei(c)) for c in cases}

    print(
        f"OpenCC {engine.opencc.__version__}: plain = {', '.join(cc.PLAIN.values())}; "
        "Zimei = the same + zimei/conversion/data/*.txt (+ names)"
    )
    print("right / accepted (reviewed different convention, accepted.tsv) / wrong")
    header = f"{'set':32} {'direction':13} {'cases':>5}   {'plain OpenCC':>19}   {'Zimei':>19}"
    print(header)
    totals = {d: [0, 0, 0, 0, 0, 0, 0] for d, _ in DIRECTIONS}
    for name in ("mediawiki", "opencc", "constitution", "sentences", "zimei"):
        for direction, label in DIRECTIONS:
            group = [c for c in cases if c.set == name and c.direction == direction]
            if not group:
                continue
            row = [0, 0, 0, 0, 0, 0]
            for c in group:
                plain, zimei = results[c.id]
                for k, out in ((0, plain), (3, zimei)):
                    row[k + ("right", "accepted", "wrong").index(cc.verdict(c, out, accepted))] += 1
            t = totals[direction]
            t[0] += len(group)
            for k in range(6):
                t[k + 1] += row[k]
            print(
                f"{SET_NAMES[name]:32} {label:13} {len(group):5}   "
                f"{row[0]:5} / {row[1]:3} / {row[2]:3}     {row[3]:5} / {row[4]:3} / {row[5]:3}"
            )
    for direction, label in DIRECTIONS:
        t = totals[direction]
        plain, zimei = f"{t[1]:5} / {t[2]:3} / {t[3]:3}", f"{t[4]:5} / {t[5]:3} / {t[6]:3}"
        print(f"{'all':32} {label:13} {t[0]:5}   {plain}     {zimei}")

    if args.quiet:
        return
    zimei_wrong = [c for c in cases if cc.verdict(c, results[c.id][1], accepted) == "wrong"]
    print(f"\nZimei wrong: {len(zimei_wrong)}")
    for c in zimei_wrong:
        print("\n".join(_case_lines(c, c.expected, *results[c.id])))
    plain_wrong = [c for c in cases if results[c.id][0] != c.expected]
    lines = [f"Plain OpenCC wrong: {len(plain_wrong)} (of {len(cases)})"]
    for c in plain_wrong:
        lines += _case_lines(c, c.expected, *results[c.id])
        if c.id in accepted and accepted[c.id][0] == results[c.id][0]:
            lines.append(f"      (plain gives the output Zimei accepts: {accepted[c.id][1][:80]})")
    if args.list == "-":
        print("\n" + "\n".join(lines))
    else:
        Path(args.list).parent.mkdir(parents=True, exist_ok=True)
        Path(args.list).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"\nPlain OpenCC wrong: {len(plain_wrong)}, every one listed in {args.list}")

    config = {"s2tw": settings.ZIMEI_HANT_OPENCC, "tw2s": settings.ZIMEI_HANS_OPENCC}

    # Speed, on demo article text.
    from zimei.demo.text import plan_article

    plans = [plan_article(1, i) for i in range(args.articles)]
    bodies = [p.body_html([f"/media/img/{p.index}-{k}.jpg" for k in range(len(p.images))]) for p in plans]
    texts = [p.title + "\n" + "\n".join(b[1] for b in p.blocks if b[0] in ("p", "h2", "h3")) for p in plans]
    hans = [t for t, p in zip(texts, plans, strict=True) if p.script == HANS]
    hant = [t for t, p in zip(texts, plans, strict=True) if p.script == HANT]
    plain_t = engine.plain(config["s2tw"])
    plain_s = engine.plain(config["tw2s"])
    print(
        f"\nSpeed on {len(plans)} demo articles ({sum(map(len, texts)):,} characters), "
        f"best of {args.rounds}, characters/s:"
    )
    rows = [
        ("Simplified → zh-TW (text)", hans, plain_t.convert, lambda t: convert(t, HANT)),
        ("zh-TW → Simplified (text)", hant, plain_s.convert, lambda t: convert(t, HANS)),
        ("every article → zh-TW (body HTML)", bodies, plain_t.convert, lambda t: convert_html(t, HANT)),
    ]
    print(f"{'':36} {'plain OpenCC':>14} {'Zimei':>14} {'Zimei/plain':>12}")
    for name, items, p_fn, z_fn in rows:
        if not items:
            continue
        p = _rate(p_fn, items, args.rounds)
        z = _rate(z_fn, items, args.rounds)
        print(f"{name:36} {p:14,.0f} {z:14,.0f} {z / p:12.2f}")


if __name__ == "__main__":
    main()
