from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginPage.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register, name="register"),
    path("apply/", views.apply, name="apply"),
]
