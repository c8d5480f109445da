from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "zimei.api"
    label = "api"
