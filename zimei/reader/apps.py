from django.apps import AppConfig


class ReaderConfig(AppConfig):
    name = "zimei.reader"
    label = "reader"
