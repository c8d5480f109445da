from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "zimei.channels"
    label = "channels"
