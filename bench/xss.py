"""Calibration of the XSS harness: how much of the corpus runs with no defence, and with the
sanitiser alone (no Content-Security-Policy), in headless Chromium.

    .venv/bin/python bench/xss.py

Each vector is put alone in its own frame of a minimal page (no CSP), every element is hovered,
focused and clicked (tests/xss_harness.py), and a vector counts as executed when it calls
alert/confirm/prompt/print or a click follows a javascript: link. Prints: vectors tried,
executed unsanitised (the calibration figure: proof the harness can see an execution),
executed after `sanitize_body` (still without CSP), and the elapsed time. The full test through
Zimei's pages, with CSP, is tests/test_xss.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--show", type=int, default=0, help="print this many executing vectors")
    args = parser.parse_args()

    import django

    django.setup()
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM
    from tests.xss_harness import Recorder, calibrate, load_corpus
    from zimei.articles.sanitize import sanitize_body

    vectors = load_corpus()
    started = time.perf_counter()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        figures = {}
        for label, corpus in (("unsanitised", vectors), ("sanitised", [sanitize_body(v) for v in vectors])):
            context = browser.new_context()
            recorder = Recorder()
            recorder.attach(context)
            executed = calibrate(context, recorder, corpus)
            figures[label] = (executed, recorder)
            context.close()
        browser.close()
    elapsed = time.perf_counter() - started

    raw, raw_rec = figures["unsanitised"]
    clean, clean_rec = figures["sanitised"]
    kinds = Counter(kind for kind, _, _ in raw_rec.hits)
    print(f"vectors tried:                      {len(vectors)}")
    by_kind = ", ".join(f"{k} {n}" for k, n in kinds.items())
    print(f"executed unsanitised (no defence):  {len(raw)}  ({by_kind})")
    print(f"executed after sanitize_body:       {len(clean)}  (no CSP; dialogs {len(clean_rec.dialogs)})")
    print(f"elapsed:                            {elapsed:.1f} s")
    for i in sorted(raw)[: args.show]:
        print("  ran:", vectors[i][:100])


if __name__ == "__main__":
    main()
