from django.urls import path

app_name = "studio"
urlpatterns: list = []
