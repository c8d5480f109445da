from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "zimei.articles"
    label = "articles"
