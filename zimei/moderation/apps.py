from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "zimei.moderation"
    label = "moderation"
