from django.urls import path

from . import comments, moderation, profile, tokens, views

app_name = "studio"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.edit, name="new"),
    path("new/autosave/", views.autosave, name="autosave-new"),
    path("images/", views.image_upload_view, name="image-upload"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/autosave/", views.autosave, name="autosave"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/flags/", views.flag, name="flag"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/revisions/", views.revisions, name="revisions"),
    path("tokens/", tokens.tokens, name="tokens"),
    # 通知, appeals and 信用分 (studio/moderation.py).
    path("notices/", moderation.notices, name="notices"),
    path("notices/<int:decision_id>/appeal/", moderation.appeal, name="appeal"),
    path("credit/", moderation.credit, name="credit"),
    # 跟帖 on the creator's articles (studio/comments.py).
    path("notices/comments/", comments.comment_notices, name="comment-notices"),
    path("<int:pk>/comments/", comments.comments, name="comments"),
    path("<int:pk>/comments/open/", comments.comments_open, name="comments-open"),
    path("comments/<int:comment_id>/pin/", comments.comment_pin, name="comment-pin"),
    path("comments/<int:comment_id>/hide/", comments.comment_hide, name="comment-hide"),
    path("level/", views.my_level, name="level"),
    path("avatar/", profile.avatar, name="avatar"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke_view, name="token-revoke"),
]
