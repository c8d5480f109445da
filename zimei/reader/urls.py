from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.channel, name="channel"),
    path("a/<int:article_id>/", views.article, name="article"),
    path("u/<int:creator_id>/", views.author, name="author"),
    path("u/<int:creator_id>/follow/", views.follow, name="follow"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
