from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from shared_services.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", include("shared_services.accounts.two_factor_urls")),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sso/start/", views.SsoStartView.as_view(), name="sso-start"),
    path("sso/callback/", views.SsoCallbackView.as_view(), name="sso-callback"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="sign-out"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password-reset-sent"),
        ),
        name="password-reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password-reset-complete",
    ),
]
