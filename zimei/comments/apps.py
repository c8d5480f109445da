from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "zimei.comments"
    label = "comments"
    verbose_name = "跟帖"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
