from django.urls import path

from . import tokens, views

app_name = "studio"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.edit, name="new"),
    path("new/autosave/", views.autosave, name="autosave-new"),
    path("images/", views.image_upload_view, name="image-upload"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/autosave/", views.autosave, name="autosave"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/revisions/", views.revisions, name="revisions"),
    path("tokens/", tokens.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke_view, name="token-revoke"),
    path("level/", views.my_level, name="level"),
]
