"""EPI Events settings, read from the environment.

The embedded default (no environment at all, ``DJANGO_DEBUG=1``) runs on a
SQLite file with in-process tasks. ``DATABASE_URL`` moves it to PostgreSQL,
``REDIS_URL`` adds a shared cache and Celery workers. With ``DEBUG`` off the
production hardening below applies and a real ``SECRET_KEY`` is required.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-epi-events"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 40 characters when DEBUG is off."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Public base URL used where there is no request: emails, calendar UIDs, QR codes.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "events",
    "outbox",
    "certificates",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "privacy",
    "surveys",
    "evidence",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "events.middleware.ControlCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "django.template.context_processors.i18n",
                "events.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes every atomic block take SQLite's write lock up front, which
    # is what select_for_update gives us on PostgreSQL: capacity checks serialise.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env.str("REDIS_URL", default="")
# Seconds a Redis server (cache, broker) may take to accept or answer before the call fails,
# so a hung Redis cannot hold a request for the operating system's TCP timeout.
REDIS_TIMEOUT = env.int("REDIS_TIMEOUT", default=5)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT}
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Without workers, emails and other after-commit work run on background threads of the web
# process, after the response (outbox.dispatch decides, outbox/background.py runs them).
EMAILS_IN_BACKGROUND_THREAD = env.bool("EMAILS_IN_BACKGROUND_THREAD", default=not REDIS_URL)
# Without workers, long jobs (certificate batches) always leave the request, on threads of their own.
BACKGROUND_LONG_JOBS = True
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # Reminders are deduplicated per registration and session, so a frequent run only
    # narrows how late before the 24 h mark someone hears about their session.
    "send-reminders": {"task": "events.tasks.send_reminders", "schedule": 15 * 60},
    # Webhook deliveries that are due (retries, and any a killed worker left claimed).
    "webhooks-deliver-due": {"task": "api.tasks.deliver_due_webhooks", "schedule": 60},
    # Idempotent and batched; daily at 03:15 UTC (privacy.services.retention.next_purge_at).
    "retention-purge": {"task": "privacy.tasks.purge", "schedule": crontab(hour=3, minute=15)},
    # Opens surveys of events that ended, sends due reminders, closes; idempotent.
    "surveys-tick": {"task": "surveys.tasks.surveys_tick", "schedule": 15 * 60},
    # Keeps the evidence dashboard's common views computed (evidence/cache.py).
    "evidence-refresh": {"task": "evidence.tasks.refresh_dashboards", "schedule": 8 * 60},
}
EVIDENCE_CACHE_SECONDS = env.int("EVIDENCE_CACHE_SECONDS", default=600)

# Public calendar feeds (docs/architecture.md, "Calendars"): sessions from 90 days ago up to this many
# days ahead, and at most this many of them, the most recently changed kept when there are more.
CALENDAR_FEED_HORIZON_DAYS = env.int("CALENDAR_FEED_HORIZON_DAYS", default=548)
CALENDAR_FEED_MAX_ITEMS = env.int("CALENDAR_FEED_MAX_ITEMS", default=1000)
# How long a built public feed stays in the cache (compressed, under its ETag): any change makes a new ETag.
CALENDAR_FEED_CACHE_SECONDS = env.int("CALENDAR_FEED_CACHE_SECONDS", default=24 * 60 * 60)

# No survey result (page or export) is shown below this many responses; never below 3.
SURVEY_MIN_RESPONSES = max(3, env.int("SURVEY_MIN_RESPONSES", default=5))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# django-allauth: email is the login, verified before first use.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Failed logins: 10 a minute per address; 5 in 5 minutes per account *and address* (the adapter
# adds the address to the key), so hammering an account from one place does not lock its owner out
# elsewhere; and, for addresses the account has never signed in from, 30 an hour per account.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login_failed_account": env.str("LOGIN_FAILED_PER_ACCOUNT_RATE", default="30/h/key"),
}
# Prefix of the site's own email subjects (account emails get the translated site name from the adapter).
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[EPI Events] "
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "EPI Events"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
# The eight languages of the EPI cities, then the two most asked for by their newcomers.
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("ro", _("Romanian")),
    ("de", _("German")),
    ("sv", _("Swedish")),
    ("pl", _("Polish")),
    ("it", _("Italian")),
    ("lv", _("Latvian")),
    ("ar", _("Arabic")),
    ("uk", _("Ukrainian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates as the cities write them (day first, 24-hour clock): "3 March 2026, 10:00".
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds an SMTP connection may wait on the mail server (connect, each reply) before the
# send fails and is retried later; without it a server that accepts and never answers
# holds a worker or background thread forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="EPI Events <no-reply@epi-events.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The mailbox calendar invitations name as ORGANIZER; replies to it go nowhere.
EVENTS_NOREPLY_EMAIL = env.str("EVENTS_NOREPLY_EMAIL", default="no-reply@epi-events.example")

# Printed on certificates when the city has no funding line of its own. Empty (the default)
# prints the standard EPI line, translated into each holder's language; a value set here is
# printed as typed.
CERTIFICATE_FUNDING_LINE = env.str("CERTIFICATE_FUNDING_LINE", default="")
# Public certificate checks allowed per client address and window (seconds) before a 429.
CERTIFICATE_VERIFY_RATE_LIMIT = env.int("CERTIFICATE_VERIFY_RATE_LIMIT", default=30)
CERTIFICATE_VERIFY_RATE_WINDOW = env.int("CERTIFICATE_VERIFY_RATE_WINDOW", default=60)
# Celery tasks one bulk issuing job is split into (one per worker process that renders PDFs).
CERTIFICATES_BATCH_PARTS = env.int("CERTIFICATES_BATCH_PARTS", default=2)

# Behind a reverse proxy, rate limits must count the visitor's address, not the proxy's. Set
# TRUSTED_PROXY_COUNT to the number of proxies that append to X-Forwarded-For (1 for one nginx or
# load balancer), or TRUSTED_CLIENT_IP_HEADER to a header your proxy overwrites with the client
# address (e.g. X-Real-IP). Default off: only REMOTE_ADDR, which a client cannot forge.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="") or None
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = TRUSTED_CLIENT_IP_HEADER

# The REST API (api/): public reads limited per client address, token calls per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "public": env.str("API_PUBLIC_RATE", default="120/min"),
        "token": env.str("API_TOKEN_RATE", default="600/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "EPI Events API",
    "DESCRIPTION": "Public programme of the European Pact for Integration cities, and token access for organizers.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {"LanguageEnum": "events.models.LANGUAGE_CHOICES"},
}
# Longest lifetime of an API token, in days.
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
# Webhooks: plain http only while developing; private targets only when explicitly allowed.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=DEBUG)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
WEBHOOK_RETRY_HOURS = 72
WEBHOOK_MAX_CONSECUTIVE_FAILURES = 20
WEBHOOK_LOG_DAYS = 30

# Open Badges 3.0 credentials (docs/credentials.md). Signing keys are JWK files in this
# folder, outside MEDIA_ROOT and never served; `manage.py credential_keys generate` makes one.
# Without an active key certificates are issued as plain PDFs.
CREDENTIAL_KEYS_DIR = env.str("CREDENTIAL_KEYS_DIR", default=str(BASE_DIR / "var" / "credential-keys"))
# The revocation status list is cached this long (seconds); a revocation also clears it at once.
CREDENTIAL_STATUS_CACHE_SECONDS = env.int("CREDENTIAL_STATUS_CACHE_SECONDS", default=60)
# Optional PAdES seals per city slug (certificates/seal.py), as JSON.
CERTIFICATE_SEALS = env.json("CERTIFICATE_SEALS", default={})
# Only test settings turn this on: a self-signed seal proves nothing to a verifier.
CERTIFICATE_SEAL_ALLOW_SELF_SIGNED = False

# Production hardening; all on unless DEBUG.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
