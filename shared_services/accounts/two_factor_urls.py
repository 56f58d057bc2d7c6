"""Second factors (enrol, verify, step up, recovery codes, passkeys) and sessions (sign out everywhere)."""

from django.urls import URLPattern, path

from shared_services.accounts import views_two_factor as views

urlpatterns: list[URLPattern] = [
    path("two-factor/", views.SecondFactorView.as_view(stage="sign-in"), name="two-factor-verify"),
    path("two-factor/set-up/", views.TotpEnrolView.as_view(), name="two-factor-enrol"),
    path("confirm-its-you/", views.SecondFactorView.as_view(stage="step-up"), name="step-up"),
    path("security/", views.SecurityView.as_view(), name="security"),
    path("security/recovery-codes/", views.RecoveryCodesRegenerateView.as_view(), name="recovery-codes"),
    path("security/<str:factor>/<int:factor_id>/remove/", views.FactorRemoveView.as_view(), name="factor-remove"),
    path("security/sign-out-everywhere/", views.SignOutEverywhereView.as_view(), name="sign-out-everywhere"),
    path("passkeys/register/options/", views.PasskeyRegisterOptionsView.as_view(), name="passkey-register-options"),
    path("passkeys/register/", views.PasskeyRegisterView.as_view(), name="passkey-register"),
    path("passkeys/authenticate/options/", views.PasskeyAuthenticateOptionsView.as_view(),
         name="passkey-authenticate-options"),
    path("passkeys/authenticate/", views.PasskeyAuthenticateView.as_view(), name="passkey-authenticate"),
]
