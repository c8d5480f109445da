from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class CoreConfig(AppConfig):
    name = "zimei.core"
    label = "core"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from .models import SitePage

        post_save.connect(_site_page_saved, sender=SitePage, dispatch_uid="core.site_page_saved")


def _site_page_saved(sender, instance, **kwargs) -> None:
    """An operator's edit shows at once: the page is purged in every variant and mode."""
    from django.db import transaction

    from .frontcache import purge, reader_paths

    transaction.on_commit(lambda: purge(list(reader_paths(f"page-{instance.slug}"))))


class StaticFilesConfig(BaseStaticFilesConfig):
    """Django's staticfiles, minus what nobody loads: the source maps of ninja's bundled Swagger
    UI and its Redoc (8 MB with their .gz, collected into every data folder at each start)."""

    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "*.map", "redoc.standalone.js"]
