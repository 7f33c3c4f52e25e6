from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

from rvs.accounts import notification_views, two_factor_views, views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("forgot-password/", views.ForgotPasswordView.as_view(), name="forgot_password"),
    path(
        "forgot-password/sent/",
        TemplateView.as_view(template_name="accounts/forgot_password_sent.html"),
        name="forgot_password_sent",
    ),
    path("set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path(
        "set-password/done/",
        TemplateView.as_view(template_name="accounts/set_password_done.html"),
        name="set_password_done",
    ),
    path("password/", views.ChangePasswordView.as_view(), name="change_password"),
    path(
        "password/done/",
        TemplateView.as_view(template_name="accounts/change_password_done.html"),
        name="change_password_done",
    ),
    path("notifications/", notification_views.notifications, name="notifications"),
    path("two-factor/", two_factor_views.verify, name="two_factor"),
    path("two-factor/setup/", two_factor_views.setup, name="two_factor_setup"),
]
