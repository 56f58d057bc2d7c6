from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from oauth2_provider import urls as oauth2_urls


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Local OpenID Provider (a stand-in for a department's identity provider). "
                        "Discovery: /o/.well-known/openid-configuration", content_type="text/plain")


urlpatterns = [
    path("", home),
    path("sign-in/", auth_views.LoginView.as_view(template_name="local_idp/sign_in.html"), name="sign-in"),
    path("o/", include((oauth2_urls.base_urlpatterns + oauth2_urls.oidc_urlpatterns, "oauth2_provider"))),
]
