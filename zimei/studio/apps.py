from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "zimei.studio"
    label = "studio"
