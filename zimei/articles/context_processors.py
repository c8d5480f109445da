"""`ArticleStatus` in every template: pages compare `a.status == ArticleStatus.PUBLISHED`, not strings."""

from django.http import HttpRequest

from .models import Article


def statuses(request: HttpRequest) -> dict:
    return {"ArticleStatus": Article.Status}
