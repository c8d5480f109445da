from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class CoreConfig(AppConfig):
    name = "zimei.core"
    label = "core"


class StaticFilesConfig(BaseStaticFilesConfig):
    """Django's staticfiles, minus what nobody loads: the source maps of ninja's bundled Swagger
    UI and its Redoc (8 MB with their .gz, collected into every data folder at each start)."""

    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "*.map", "redoc.standalone.js"]
