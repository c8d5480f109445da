"""Script conversion: plain OpenCC against Zimei's conversion, on the test set and for speed.

    .venv/bin/python bench/conversion.py [--articles 60] [--rounds 3] [--quiet]

Quality: the test set in tests/data/conversion (SOURCES.md: OpenCC's own test cases and golden
US Constitution, sentences written for issue 12, MediaWiki's conversion table). Every case is
converted by plain OpenCC (s2twp for zh-TW, tw2sp for the way back) and by Zimei
(zimei.conversion.variants.convert: the same configs with Zimei's corrections inside). Prints
each score side by side, then every case plain OpenCC gets wrong and every case Zimei gets
wrong, with both outputs.

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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=60, help="demo articles for the speed figures")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes (best is kept)")
    parser.add_argument("--quiet", action="store_true", help="scores only, no case lists")
    args = parser.parse_args()
    os.environ.setdefault("ZIMEI_DATA_DIR", str(Path(tempfile.mkdtemp(prefix="zimei-conv-")) / "data"))
    os.environ.pop("ZIMEI_DATABASE_URL", None)

    import django

    django.setup()
    from django.conf import settings

    from tests import conversion_cases as cc
    from zimei.conversion import engine
    from zimei.conversion.variants import HANS, HANT, convert, convert_html

    variant = {"s2tw": HANT, "tw2s": HANS}
    config = {"s2tw": settings.ZIMEI_HANT_OPENCC, "tw2s": settings.ZIMEI_HANS_OPENCC}

    def plain(case):
        return engine.plain(config[case.direction]).convert(case.input)

    def zimei(case):
        return convert(case.input, variant[case.direction])

    parts = [
        ("OpenCC test cases (s2twp, tw2sp)", [c for c in cc.sentences() if c.id.startswith("opencc:")]),
        (
            "OpenCC golden: US Constitution (s2twp)",
            [c for c in cc.sentences() if c.id.startswith("constitution:")],
        ),
        ("Zimei sentences (issue 12)", [c for c in cc.sentences() if c.id.startswith("zimei:")]),
    ]
    sentences = [c for _, cases in parts for c in cases]
    parts.append(("all sentences", sentences))
    parts.append(("MediaWiki phrase entries (zh2Hant → zh-tw)", cc.mediawiki_cases()))
    results = {id(c): (plain(c), zimei(c)) for _, cases in parts for c in cases}

    print(
        f"OpenCC {engine.opencc.__version__}: {config['s2tw']} / {config['tw2s']}; "
        "Zimei = the same + zimei/conversion/data/*.txt"
    )
    print(f"{'set':48} {'cases':>6} {'plain OpenCC':>14} {'Zimei':>14}")
    for name, cases in parts:
        p = sum(results[id(c)][0] == c.expected for c in cases)
        z = sum(results[id(c)][1] == c.expected for c in cases)
        n = len(cases)
        print(f"{name:48} {n:6} {p:6} ({n - p:3} wrong) {z:6} ({n - z:3} wrong)")

    if not args.quiet:
        for who, index in (("plain OpenCC", 0), ("Zimei", 1)):
            for name, cases in parts[:3] + parts[4:]:
                wrong = [c for c in cases if results[id(c)][index] != c.expected]
                print(f"\n{who} wrong on {name}: {len(wrong)}")
                for c in wrong:
                    p, z = results[id(c)]
                    print(f"  {c.id}  {c.input[:40]}")
                    print(f"      expected {c.expected[:40]}")
                    print(f"      plain    {p[:40]}")
                    print(f"      Zimei    {z[:40]}")

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
