from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zimei.accounts"
    label = "accounts"
