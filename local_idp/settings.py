"""Settings of the local OpenID Provider (see ``local_idp``): everything lives in ``LOCAL_IDP_DATA``."""

from __future__ import annotations

import os
from pathlib import Path

from local_idp.keys import secret_key, signing_key_pem

DATA_DIR = Path(os.environ.get("LOCAL_IDP_DATA", "var/local-idp")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
ISSUER = os.environ.get("LOCAL_IDP_ISSUER", "http://127.0.0.1:8100/o")

# A stand-in only: its secret key and signing key live beside its database, never in the platform.
SECRET_KEY = secret_key(DATA_DIR / "secret-key")

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "local_idp",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "local_idp.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "local-idp.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTHENTICATION_BACKENDS = ["local_idp.backends.EmailBackend"]
LOGIN_URL = "/sign-in/"
USE_TZ = True
# The platform's test client and browser reach it on 127.0.0.1 over plain http.
SESSION_COOKIE_NAME = "local_idp_session"
CSRF_COOKIE_NAME = "local_idp_csrftoken"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": signing_key_pem(DATA_DIR / "signing-key.pem"),
    "PKCE_REQUIRED": True,
    "SCOPES": {"openid": "Who you are", "email": "Your e-mail address", "profile": "Your name"},
    "OAUTH2_VALIDATOR_CLASS": "local_idp.validators.StaffClaimsValidator",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
}
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}},
           "root": {"handlers": ["console"], "level": "WARNING"}}
