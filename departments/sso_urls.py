"""A department's single sign-on settings pages."""

from django.urls import path

from departments.views.sso import IdentityProviderView

app_name = "sso"

urlpatterns = [
    path("", IdentityProviderView.as_view(), name="settings"),
]
