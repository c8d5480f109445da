from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "zimei.search"
    label = "search"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (indexes and removes articles on their events)
