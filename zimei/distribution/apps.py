from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "zimei.distribution"
    label = "distribution"
