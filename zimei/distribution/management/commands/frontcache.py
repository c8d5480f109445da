"""`zimei frontcache config|purge`: the nginx front cache's config file, and purging by hand."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zimei.articles.models import Article
from zimei.core import frontcache
from zimei.core.nginx import site_config
from zimei.distribution.purge import paths_showing, purge_article


class Command(BaseCommand):
    help = (
        "The front cache (docs/deploy.md). `zimei frontcache config [--listen 80] [--server-name "
        "NAME] [--upstream 127.0.0.1:8000] [--cache-dir DIR] [--tls-cert FILE --tls-key FILE]` "
        "prints deploy/nginx/zimei.conf "
        "filled in from the settings, for /etc/nginx/conf.d/; `zimei frontcache purge PATH...` "
        "purges pages from the page store and the front cache (ZIMEI_PURGE_BACKENDS)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
        config = sub.add_parser(
            "config",
            help="print the nginx config for this site",
            description=(
                "Print deploy/nginx/zimei.conf (nginx's http context: the cache zone, the upstream "
                "and the server block) with this site's folders (ZIMEI_DATA_DIR) and session cookie "
                "name filled in. Save it as /etc/nginx/conf.d/zimei.conf and run `nginx -t`."
            ),
        )
        config.add_argument("--listen", help="nginx's listen address (default: 80, or 443 with --tls-cert)")
        config.add_argument("--server-name", default="_", help="the site's host name(s) (default: _)")
        config.add_argument(
            "--upstream",
            default="127.0.0.1:8000",
            help="where `zimei serve` listens (default: 127.0.0.1:8000)",
        )
        config.add_argument(
            "--cache-dir",
            default=settings.ZIMEI_NGINX_CACHE_DIR or "/var/cache/nginx/zimei",
            help="where nginx keeps cached pages: set ZIMEI_NGINX_CACHE_DIR to the same folder "
            "(default: ZIMEI_NGINX_CACHE_DIR, else /var/cache/nginx/zimei)",
        )
        config.add_argument(
            "--tls-cert",
            metavar="FILE",
            help="serve https with this certificate (PEM, the full chain): --listen then takes TLS "
            "(443 unless given) and --http-listen redirects to it (docs/deploy.md, TLS)",
        )
        config.add_argument("--tls-key", metavar="FILE", help="the certificate's private key (PEM)")
        config.add_argument(
            "--http-listen",
            default="80",
            help="with --tls-cert: where plain http is answered with a redirect to https (default: 80)",
        )
        purge = sub.add_parser(
            "purge",
            help="purge pages by path",
            description=(
                "Purge pages (site paths such as /zh-hans/a/42/) from every purge backend: the page "
                "store, and the front cache (ZIMEI_NGINX_CACHE_DIR, ZIMEI_FRONT_CACHE_PURGE_URL). "
                "`--article ID` purges every page that shows that article, as a publish does."
            ),
        )
        purge.add_argument("paths", nargs="*", metavar="PATH")
        purge.add_argument("--article", type=int, metavar="ID", help="every page that shows article ID")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"handle_{action}")(**options)

    def handle_config(
        self,
        *,
        listen: str | None,
        server_name: str,
        upstream: str,
        cache_dir: str,
        tls_cert: str | None,
        tls_key: str | None,
        http_listen: str,
        **_,
    ):
        try:
            text = site_config(
                listen=listen or ("443" if tls_cert else "80"),
                server_name=server_name,
                upstream=upstream,
                cache_dir=cache_dir,
                tls_cert=tls_cert,
                tls_key=tls_key,
                http_listen=http_listen,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(text, ending="")

    def handle_purge(self, *, paths: list[str], article: int | None, **_):
        bad = [p for p in paths if not p.startswith("/")]
        if bad:
            raise CommandError(f"paths start with /, e.g. /zh-hans/a/42/ (not {bad[0]!r})")
        if article is None and not paths:
            raise CommandError("name the pages to purge (PATH...) or --article ID")
        if article is not None:
            found = Article.objects.filter(id=article).first()
            if found is None:
                raise CommandError(f"--article: no article {article}")
            purge_article(found)  # the hot lists too, as a publish does
            paths = [*paths, *paths_showing(found)]
        else:
            frontcache.purge(paths)
        names = ", ".join(type(b).__name__ for b in frontcache.purge_backends())
        self.stderr.write(f"purged {len(set(paths))} pages ({names})")
