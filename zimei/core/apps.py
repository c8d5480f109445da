from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zimei.core"
    label = "core"
