from django.urls import path

from . import comments, conversion, lexicon, queue, search, views

app_name = "desk"
urlpatterns = [
    path("", views.home, name="home"),
    # One search over articles, creators, reports and the audit log (desk/search.py).
    path("search/", search.search, name="search"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/review/", views.application_review, name="review"),
    path("articles/", views.articles, name="articles"),
    path("articles/<int:pk>/takedown/", views.article_takedown, name="takedown"),
    path("articles/<int:pk>/restore/", views.article_restore_view, name="restore"),
    path("creators/", views.creators, name="creators"),
    path("creators/<int:pk>/trusted/", views.creator_trusted, name="trusted"),
    path("channels/", views.channels, name="channels"),
    path("channels/<slug:slug>/", views.channel_edit, name="channel"),
    # The banned-word lexicon (desk/lexicon.py).
    path("lexicon/", lexicon.lexicon, name="lexicon"),
    path("lexicon/add/", lexicon.lexicon_add, name="lexicon-add"),
    path("lexicon/<int:pk>/", lexicon.lexicon_change, name="lexicon-change"),
    # Conversion overrides (desk/conversion.py).
    path("conversion/", conversion.conversion, name="conversion"),
    path("conversion/add/", conversion.conversion_add, name="conversion-add"),
    path("conversion/<int:pk>/remove/", conversion.conversion_remove, name="conversion-remove"),
    path("hot/", views.hot, name="hot"),
    path("hot/pin/", views.hot_pin, name="hot-pin"),
    path("hot/<int:pk>/undo/", views.hot_undo, name="hot-undo"),
    # The review queue: held articles, reports, appeals, applications (desk/queue.py).
    path("queue/", queue.queue, name="queue"),
    path("queue/articles/<int:pk>/", queue.article_decide, name="queue-article"),
    path("queue/articles/<int:pk>/reports/", queue.reports_decide_view, name="queue-reports"),
    path("queue/appeals/<int:pk>/", queue.appeal_decide_view, name="queue-appeal"),
    # The comments queue: held and reported comments, commenters' standing (desk/comments.py).
    path("comments/", comments.comments_queue, name="comments"),
    path("comments/<int:pk>/", comments.comment_decide, name="comment"),
    path("comments/<int:pk>/reports/", comments.comment_reports_decide, name="comment-reports"),
    path("commenters/<int:pk>/standing/", comments.standing_set, name="commenter-standing"),
]
