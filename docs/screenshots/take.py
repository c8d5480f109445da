"""Screenshots of the demo site for the README: home, article, care article, studio and desk,
at desktop (1280 px) and phone (390 px) width, in Debian's Chromium.

    ./dev demo                                   # another terminal: the demo at :8000
    .venv/bin/python docs/screenshots/take.py    # writes docs/screenshots/*.png

--url points at another server; the studio and desk are signed in with the demo logins."""

from __future__ import annotations

import argparse
import re
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the demo site (default: %(default)s)")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium to drive")
    parser.add_argument("--password", default="zimei-demo", help="the demo logins' password")
    args = parser.parse_args()
    base = args.url.rstrip("/")
    home = urllib.request.urlopen(f"{base}/zh-hans/").read().decode()
    article = re.search(r'href="/zh-hans/a/(\d+)/"', home).group(1)  # the newest article
    pages = {
        "home": "/zh-hans/",
        "article": f"/zh-hant/a/{article}/",
        "care-article": f"/zh-hans/care/a/{article}/",
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium)
        for width, viewport in WIDTHS.items():
            anon = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
            for name, path in pages.items():
                anon.goto(base + path)
                anon.screenshot(path=HERE / f"{name}-{width}.png")
            for who, path in (("creator", "/zh-hans/studio/"), ("editor", "/zh-hans/desk/queue/")):
                page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
                page.goto(f"{base}/zh-hans/accounts/login/?next={path}")
                page.fill("#id_username", who)
                page.fill("#id_password", args.password)
                with page.expect_navigation():
                    page.press("#id_password", "Enter")
                page.screenshot(path=HERE / f"{'studio' if who == 'creator' else 'desk'}-{width}.png")
        browser.close()
    print(f"screenshots written to {HERE}")


if __name__ == "__main__":
    main()
