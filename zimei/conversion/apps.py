from django.apps import AppConfig


class ConversionConfig(AppConfig):
    name = "zimei.conversion"
    label = "conversion"
