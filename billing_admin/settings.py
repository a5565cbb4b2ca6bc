"""billing_admin settings: everything configurable comes from the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file is a convenience for development; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Development gets a throwaway key; production must bring its own (checked below).
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
# An empty value counts as unset, so the commented-out .env.example works as it is.
SECRET_KEY = env.str("SECRET_KEY", default="") or (_DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[]) or (
    ["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Production refuses to start half-configured, with one line that names the variable.
if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise SystemExit(
            "error: SECRET_KEY must be set to a random value of 50+ characters (DEBUG is off)"
        )
    if not ALLOWED_HOSTS:
        raise SystemExit("error: ALLOWED_HOSTS must be set (DEBUG is off)")

INSTALLED_APPS = [
    # django.contrib.admin with our AdminSite (billing_admin/admin_site.py) as admin.site.
    "billing_admin.apps.BillingAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    "clients",
    "credits",
    "transactions",
    "invoices",
    "api",
    "customfields",
    "statements",
    "merges",
    "privacy",
    "django_tasks",
    "django_tasks_db",
    "emails",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "billing_admin.middleware.RejectNulInQueryStringMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "billing_admin.middleware.BoundAdminSearchMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "billing_admin.auth_backends.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login protection: after AXES_FAILURE_LIMIT failures for one username from one address, that
# pair is locked out for LOGIN_LOCKOUT_MINUTES. Attempts are logged and listed in the admin.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False  # no start-up banner on every manage.py command
AXES_LOCKOUT_TEMPLATE = "admin/login_locked.html"

ROOT_URLCONF = "billing_admin.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # billing_admin is the admin app's config, so its tags are registered here.
            "libraries": {
                "dates": "billing_admin.dates",
                "fieldset": "billing_admin.fieldset",
                "sidebar": "billing_admin.sidebar",
            },
        },
    },
]

# Django's form renderer with its labels, inputs, selects and empty error lists written in
# Python: the same HTML at a fraction of the CPU (billing_admin/form_renderer.py).
FORM_RENDERER = "billing_admin.form_renderer.FormRenderer"

WSGI_APPLICATION = "billing_admin.wsgi.application"

# PostgreSQL only. DATABASE_URL unset: the embedded server in .pgdata/ (started on demand).
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from billing_admin.embedded_db import embedded_database_settings

    DATABASES = {"default": embedded_database_settings(BASE_DIR / ".pgdata")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# The staff pages are in English only (no LocaleMiddleware, no translations of our own; a
# client's ``language`` is data for its emails, not Django's active language). Without the
# translation machinery every admin string and date skips a per-call lookup of the active
# language: 5-10% of a page's CPU (Profile 39.7 -> 35.5 ms at 1M clients). Dates and numbers
# read the same: Django's global formats are its English ones (NUMBER_GROUPING aside, which
# only a thousand separator would use).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Project-wide styles (admin/base_site.html includes static/billing_admin/admin.css).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Email: console output in development unless EMAIL_URL names a real server.
# email_url() yields EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, ... as one dict of settings.
_email = env.email_url("EMAIL_URL", default="consolemail://")
# filemail:///tmp/mail means the relative path tmp/mail to django-environ: writing mail under
# whatever directory the server started in is never what was meant.
if (
    _email["EMAIL_BACKEND"].endswith(".filebased.EmailBackend")
    and not Path(_email["EMAIL_FILE_PATH"]).is_absolute()
):
    raise ImproperlyConfigured(
        "EMAIL_URL: filemail:// needs an absolute directory, written with four slashes: "
        "filemail:////tmp/billing-mail"
    )
globals().update(_email)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="billing@example.com")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds a mail server may take over one step (connect, each reply) before the attempt fails.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Client email goes through a queue (the emails app, Django's Tasks API via django-tasks).
# "database": queued in PostgreSQL, sent by `manage.py db_worker` processes (make run starts one).
# "immediate": sent in-process right after the transaction commits (tests; no retry backoff).
# Anything else is a task backend's dotted path (e.g. django-tasks-celery's), used as it is.
EMAIL_QUEUE = env.str("EMAIL_QUEUE", default="database")
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {"default": {"BACKEND": TASK_BACKENDS.get(EMAIL_QUEUE, EMAIL_QUEUE)}}
# Attempts per message before it is marked failed (temporary failures only; a permanent one,
# such as a 5xx reply or an invalid address, fails at once). The wait before retry n is
# EMAIL_RETRY_DELAY * 2**(n-1) seconds, at most EMAIL_RETRY_MAX_DELAY.
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=5)
EMAIL_RETRY_DELAY = env.float("EMAIL_RETRY_DELAY", default=60)
EMAIL_RETRY_MAX_DELAY = env.float("EMAIL_RETRY_MAX_DELAY", default=3600)
# A worker holds a message it is sending for this long; if it has not finished by then (it
# crashed or was killed), the message is queued again. Keep it well above EMAIL_TIMEOUT.
EMAIL_SENDING_LEASE = env.int("EMAIL_SENDING_LEASE", default=300)
if EMAIL_MAX_ATTEMPTS < 1 or EMAIL_SENDING_LEASE <= EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        "EMAIL_MAX_ATTEMPTS must be 1 or more and EMAIL_SENDING_LEASE above EMAIL_TIMEOUT."
    )

# Billing settings.
COMPANY_NAME = env.str("COMPANY_NAME", default="Example Hosting")
# The admin's header and page titles; empty means the company name + " Billing".
PRODUCT_NAME = env.str("PRODUCT_NAME", default="") or f"{COMPANY_NAME} Billing"
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="USD").upper()
if len(DEFAULT_CURRENCY) != 3 or not DEFAULT_CURRENCY.isalpha():
    raise ImproperlyConfigured("DEFAULT_CURRENCY must be an ISO 4217 code such as USD.")

# WHMCS-compatible API (api/). WHMCS names currencies by id: CURRENCIES gives ids 1..n in order
# (ISO codes; the default currency is always id 1).
CURRENCIES = [DEFAULT_CURRENCY] + [
    code.upper() for code in env.list("CURRENCIES", default=[]) if code.upper() != DEFAULT_CURRENCY
]
# Accept WHMCS's legacy `username` + md5(password) authentication (see README, "API").
API_ALLOW_LEGACY_ADMIN_PASSWORD = env.bool("API_ALLOW_LEGACY_ADMIN_PASSWORD", default=False)
# When set, a call carrying this `accesskey` skips the credential's IP allow-list.
API_ACCESS_KEY = env.str("API_ACCESS_KEY", default="")
# Payment gateways by system name, with display names: "banktransfer=Bank Transfer,paypal=PayPal".
PAYMENT_METHODS = env.dict(
    "PAYMENT_METHODS", default={"banktransfer": "Bank Transfer", "paypal": "PayPal"}
)

# Invoice generation (manage.py generate_invoices): invoice a service this many days before its
# next due date; apply the client's credit to new invoices (off = WHMCS "No Auto Apply Credit").
INVOICE_DAYS_IN_ADVANCE = env.int("INVOICE_DAYS_IN_ADVANCE", default=7)
if INVOICE_DAYS_IN_ADVANCE < 0:
    raise ImproperlyConfigured("INVOICE_DAYS_IN_ADVANCE must be zero or more.")
AUTO_APPLY_CREDIT = env.bool("AUTO_APPLY_CREDIT", default=True)

# Client CSV import (admin page and import_clients): the largest file accepted, in bytes.
CLIENT_IMPORT_MAX_BYTES = env.int("CLIENT_IMPORT_MAX_BYTES", default=32 * 1024 * 1024)
# Hours an uploaded file, its preview and its rejected rows are kept (they hold people's data).
CLIENT_IMPORT_KEEP_HOURS = env.int("CLIENT_IMPORT_KEEP_HOURS", default=24)

# Automatic client status update (manage.py auto_update_client_status, WHMCS "Client Status
# Update"): on or off, and how many days an Active client must have been without an active
# service before it is set Inactive.
AUTO_CLIENT_STATUS_CHANGE = env.bool("AUTO_CLIENT_STATUS_CHANGE", default=True)
AUTO_STATUS_INACTIVE_AFTER_DAYS = env.int("AUTO_STATUS_INACTIVE_AFTER_DAYS", default=0)
if AUTO_STATUS_INACTIVE_AFTER_DAYS < 0:
    raise ImproperlyConfigured("AUTO_STATUS_INACTIVE_AFTER_DAYS must be zero or more.")

# Data protection (privacy/). Invoices and transactions keep the identity they were issued to for
# this many years from their date (tax law; GDPR Art. 17(3)(b)); anonymising a client erases it
# only from older ones. Clients Inactive or Closed and untouched for RETENTION_INACTIVE_MONTHS
# are anonymised (or deleted, with no books to keep) by `manage.py apply_retention`; unset
# disables that.
INVOICE_RETENTION_YEARS = env.int("INVOICE_RETENTION_YEARS", default=10)
if INVOICE_RETENTION_YEARS < 0:
    raise ImproperlyConfigured("INVOICE_RETENTION_YEARS must be zero or more.")
RETENTION_INACTIVE_MONTHS = env.int("RETENTION_INACTIVE_MONTHS", default=None)
if RETENTION_INACTIVE_MONTHS is not None and RETENTION_INACTIVE_MONTHS < 1:
    raise ImproperlyConfigured("RETENTION_INACTIVE_MONTHS must be 1 or more (or unset).")

# Production hardening; `manage.py check --deploy` is clean with DEBUG off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # admin popups are windows, never frames
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},  # it logs every process exit at INFO
    },
}

# In development WhiteNoise serves straight from the apps' static folders (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
