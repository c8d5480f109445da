from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "zimei.desk"
    label = "desk"
