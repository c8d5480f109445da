"""`zimei care-check`: care mode (关怀版) measured in Chromium against MIIT's ageing-friendly
figures, one row per page type and width; exits 1 when a figure falls short (docs/care.md)."""

from __future__ import annotations

from contextlib import ExitStack

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zimei.accounts.models import User
from zimei.articles.models import Article
from zimei.conversion.variants import VARIANTS
from zimei.reader import carecheck


class Command(BaseCommand):
    help = (
        "Load every reader, accounts and error page type (404, 410, 429, 503) in care mode in "
        "headless Chromium and measure it: smallest text (>= 24px = 18pt) and body text, the text-"
        "size control's range (>= 5 sizes, up to >= 40px = 30pt), line height of paragraphs (>= "
        "1.3), contrast of every text node (>= 4.5:1), every target (>= 60x60 px), fixed or sticky "
        "elements (none), pop-ups (none), read-aloud on articles, nothing but the title and the "
        "reading tools above an article's first paragraph, and the care entry on the page's "
        "standard version. Prints a table (page x check, with the measured figure; failures marked "
        "✗) and exits 1 when one falls short. Without --url it serves this site's database itself."
    )
    stealth_options = ("browser",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", help="a running Zimei, e.g. http://127.0.0.1:8000 (default: serve one here)"
        )
        parser.add_argument(
            "--variant", choices=VARIANTS, default="zh-hans", help="script (default: zh-hans)"
        )
        parser.add_argument(
            "--width",
            action="append",
            choices=list(carecheck.WIDTHS),
            help="phone (390px) or desktop (1280px); repeat for both (default: both)",
        )
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            default="",
            help="also check the pages only a signed-in reader has (关注, 我的跟帖, 我的收藏, the "
            "report thanks, a comment's report form), signed in as this user by a session made in "
            "this site's database and removed afterwards",
        )
        parser.add_argument(
            "--chromium", default=carecheck.CHROMIUM, help="Chromium binary (default: %(default)s)"
        )

    def handle(self, *args, **options) -> None:
        widths = options["width"] or list(carecheck.WIDTHS)
        gone = (
            Article.objects.filter(status__in=[Article.Status.WITHDRAWN, Article.Status.TAKEN_DOWN])
            .values_list("id", flat=True)
            .first()
        )
        with ExitStack() as stack:
            base = (
                options["url"].rstrip("/") if options["url"] else stack.enter_context(carecheck.test_server())
            )
            browser = options.get("browser")
            if browser is None:
                try:
                    browser = stack.enter_context(carecheck.chromium(options["chromium"]))
                except Exception as exc:  # Playwright not installed, no Chromium at that path
                    raise CommandError(f"cannot start Chromium ({options['chromium']}): {exc}") from exc
            if options["username"] and not User.objects.filter(username=options["username"]).exists():
                raise CommandError(f"no user named {options['username']!r} in this site's database")
            results = carecheck.run(
                browser,
                base,
                variant=options["variant"],
                widths=widths,
                gone_id=gone,
                username=options["username"],
            )
        self.stdout.write(carecheck.table(results))
        failed = [f"{r.page}@{r.width}" for r in results if not r.ok]
        if failed:
            raise CommandError(
                f"care mode falls short on {len(failed)} of {len(results)}: {', '.join(failed)}", returncode=1
            )
        self.stdout.write(f"care mode meets every figure on {len(results)} page loads")
