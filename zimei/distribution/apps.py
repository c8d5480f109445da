from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "zimei.distribution"
    label = "distribution"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the article and follow subscribers)
