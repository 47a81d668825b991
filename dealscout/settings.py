"""Deal Scout settings: one module, driven by the environment.

With nothing set it runs on the embedded default (SQLite, Django's database cache,
the django-q2 ORM broker). ``DATABASE_URL`` switches to PostgreSQL and ``REDIS_URL``
to Redis for the cache and the task broker. Every variable is listed in README.md.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from core.env import (
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_str,
    env_url,
)
from monitoring import logging as _monitoring_logging

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)
ENVIRONMENT = env_str("ENVIRONMENT", "development")
SERVICE_NAME = env_str("SERVICE_NAME", "dealscout")
VERSION = env_str("VERSION", "0.1.0")

_DEV_SECRET_KEY = "django-insecure-embedded-default-do-not-use-in-production"  # noqa: S105 - only with DEBUG on
SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = _DEV_SECRET_KEY

# Keys for secrets stored encrypted (core.crypto): comma-separated Fernet keys, the first
# encrypts, all decrypt (rotation: docs/RUNBOOK.md). Unset: derived from SECRET_KEY, which
# only the embedded default may do (a system check stops production without it).
FIELD_ENCRYPTION_KEYS = [key.strip() for key in (env_str("FIELD_ENCRYPTION_KEY") or "").split(",") if key.strip()]
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        __import__("cryptography.fernet").fernet.Fernet(_key.encode())
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must hold Fernet keys (32 url-safe base64 bytes each), comma-separated; "
            'make one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        ) from None

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "django_prometheus",
    "django_htmx",
    "dealscout",
    "monitoring",
    "accounts",
    "listings",
    "searches",
    "alerts",
    # The pages for people who save searches: a top-level app like dealscout (no domain app imports it).
    "web",
]

MIDDLEWARE = [
    # Outermost, so the request id, timing and headers cover every other layer.
    "monitoring.middleware.RequestMonitoringMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (the web app's CSS and htmx, the admin's, Swagger UI's) from gunicorn itself,
    # compressed and cached, with no web server in front: https://whitenoise.readthedocs.io/
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # request.htmx: is this an htmx request (a partial update), and for which element.
    "django_htmx.middleware.HtmxMiddleware",
    # A strict Content-Security-Policy on the web app's pages only (the admin and Swagger UI keep theirs).
    "web.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "dealscout.urls"
WSGI_APPLICATION = "dealscout.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", schemes={"sqlite", "postgres", "postgresql"})
if DATABASE_URL and not DATABASE_URL.startswith("sqlite"):
    try:
        _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
    _db["CONN_HEALTH_CHECKS"] = True
    # Same driver, plus django_db_* query and connection metrics.
    _db["ENGINE"] = "django_prometheus.db.backends.postgresql"
    _db.setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5, minimum=1)
else:
    _sqlite_path = DATABASE_URL[len("sqlite:///") :] if DATABASE_URL else str(VAR_DIR / "dealscout.sqlite3")
    if _sqlite_path != ":memory:":
        Path(_sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    # The web server, the scheduler and the workers share one file: WAL lets readers
    # run beside the writer, IMMEDIATE takes the write lock at BEGIN so two writers
    # queue on the busy time-out instead of failing with "database is locked".
    # https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-transaction-behavior
    _db = {
        "ENGINE": "django_prometheus.db.backends.sqlite3",
        "NAME": _sqlite_path,
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
DATABASES = {"default": _db}
USING_POSTGRES = _db["ENGINE"].endswith("postgresql")

# --- Cache and broker -----------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", schemes={"redis", "rediss", "unix"})
if REDIS_URL:
    CACHES = {
        "default": {
            # django_redis's backend plus django_cache_* hit/miss metrics.
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": SERVICE_NAME,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 3,
                "SOCKET_TIMEOUT": 3,
            },
        }
    }
else:
    # Rate limits and cluster stats are shared between processes, so the embedded
    # default uses the database cache, never a per-process memory cache.
    # (django-prometheus ships no instrumented database cache backend.)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "dealscout_cache",
            # Rate-limit slots and breaker state are cache rows: the default cap of 300
            # entries would cull live ones under load.
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
# Per process, for the few values every request reads and nobody needs to the second:
# the dashboard's scrape health rows (dealscout.dashboard). Never for anything shared.
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dealscout-local"}

# A claimed search is due again after this long unless its scout finished (a worker killed
# mid-scout loses its task on the Redis broker): searches.services.claim_lease.
SCOUT_CLAIM_LEASE_SECONDS = env_int("SCOUT_CLAIM_LEASE_SECONDS", env_int("Q_TIMEOUT", 120, minimum=10) + 120, minimum=1)

# The dispatcher (schedule dispatch-due-searches and its follow-ups) runs on its own queue,
# served by a small qcluster started with Q_CLUSTER_NAME=<this name>, so that a tick never
# waits behind a round's scouts on the default queue. Empty: it runs on the default queue.
# With no cluster of that name alive, searches.tasks.dispatch_watchdog (default queue)
# runs the dispatch itself: see docs/RUNBOOK.md.
DISPATCH_CLUSTER = env_str("Q_DISPATCH_CLUSTER", "dealscout-dispatch").strip()
# Distinct queries one dispatch tick queues at most (the rest: a follow-up dispatch task).
# Queueing is ~0.1-0.5 ms a scout (core.taskqueue), so even the cap fits the 40 s budget.
DISPATCH_MAX_GROUPS_PER_TICK = env_int("DISPATCH_MAX_GROUPS_PER_TICK", 20000, minimum=1)

# The default cluster's name, which is its queue's: the workers listen there, and the
# dispatch cluster names it when it queues scouts (its own default queue is its own).
WORKER_CLUSTER = "dealscout"
Q_CLUSTER = {
    "name": WORKER_CLUSTER,
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": env_int("Q_TIMEOUT", 120, minimum=10),
    # retry must exceed timeout, or a slow task is handed to a second worker.
    "retry": env_int("Q_TIMEOUT", 120, minimum=10) + 60,
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 1000,
    "ack_failures": True,
    "label": "Task queue",
}
# A qcluster started with Q_CLUSTER_NAME=DISPATCH_CLUSTER takes these over the above
# (django_q.conf reads ALT_CLUSTERS, and requires it for any Q_CLUSTER_NAME).
Q_CLUSTER["ALT_CLUSTERS"] = {DISPATCH_CLUSTER: {"workers": env_int("Q_DISPATCH_WORKERS", 1, minimum=1)}} if DISPATCH_CLUSTER else {}
if REDIS_URL:
    Q_CLUSTER["django_redis"] = "default"
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

# --- Auth -----------------------------------------------------------------------------
# ModelBackend, plus: signing in within the grace period cancels an account's deletion.
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The web app's session sign-in (web.urls).
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:deals"
LOGOUT_REDIRECT_URL = "web:login"
PASSWORD_RESET_TIMEOUT = 3 * 3600

# Reverse proxies in front of the web pods (the ingress): the client address is the one
# the outermost of them saw, never what the client wrote in X-Forwarded-For (core.clientip).
NUM_PROXIES = env_int("NUM_PROXIES", 0, minimum=0)

REST_FRAMEWORK = {
    # DRF reads it for its own get_ident; our throttles ask core.clientip instead.
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dealscout.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["dealscout.renderers.ORJSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_PAGINATION_CLASS": "dealscout.api.Pagination",
    # DRF's negotiation, minus its parsing for the plain JSON answer nearly every client asks.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "dealscout.negotiation.ContentNegotiation",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "dealscout.throttles.AnonThrottle",
        "dealscout.throttles.UserThrottle",
        "dealscout.throttles.ScopedThrottle",
    ],
    "EXCEPTION_HANDLER": "dealscout.api.exception_handler",
    # DRF's parsers, with a nesting limit on JSON (a 100,000-deep body is a 400, not a RecursionError).
    "DEFAULT_PARSER_CLASSES": [
        "dealscout.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Requests per period for each throttle scope (docs/API_REFERENCE.md, "Rate limits").
API_THROTTLE_RATES = {
    "anon": env_str("API_THROTTLE_ANON", "120/min"),
    "user": env_str("API_THROTTLE_USER", "1200/min"),
    "auth": env_str("API_THROTTLE_AUTH", "30/min"),
    "scout": env_str("API_THROTTLE_SCOUT", "12/hour"),
}
# Seconds a token lookup (token + user) and a user's dashboard stay in the shared cache
# (dealscout.authentication, dealscout.dashboard). On with Redis; off on the embedded
# default, whose database cache would cost as much as the queries it saves.
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 60 if REDIS_URL else 0, minimum=0)
API_VIEW_CACHE_SECONDS = env_int("API_VIEW_CACHE_SECONDS", 30 if REDIS_URL else 0, minimum=0)
# Failed logins allowed per window, per account and per client address (accounts.services).
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900, minimum=1)

SPECTACULAR_SETTINGS = {
    "TITLE": "Deal Scout API",
    "DESCRIPTION": "Saved searches, matched listings, alerts and a dashboard. Guide: docs/API_REFERENCE.md.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # No CDN: the docs page is served from the drf-spectacular-sidecar package.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "dealscout.openapi.add_error_responses"],
    # Alerts and channels both have a "kind"; name each enum after what it is.
    "ENUM_NAME_OVERRIDES": {
        "AlertKindEnum": "alerts.models.Alert.Kind",
        "ChannelKindEnum": "alerts.models.NotificationChannel.Kind",
    },
}

REST_KNOX = {
    "TOKEN_TTL": __import__("datetime").timedelta(days=env_int("API_TOKEN_TTL_DAYS", 30, minimum=1)),
    "AUTO_REFRESH": True,
}

# --- i18n and static ------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed copies made by collectstatic (the Dockerfile runs it); names stay as they are,
    # so a missing manifest can never break a page.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Also serve files straight from the apps, so a checkout without collectstatic (the demo,
# the tests) serves the same files as the image does.
WHITENOISE_USE_FINDERS = True

# --- E-mail ---------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
else:
    # Without SMTP the demo's e-mails land as files in var/mail/ (one .log file per sending process).
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Deal Scout <alerts@dealscout.localhost>")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Scouting -------------------------------------------------------------------------
SCOUT_USER_AGENT = env_str("SCOUT_USER_AGENT", f"DealScoutBot/{VERSION} (+{SITE_URL}/bot)")
EBAY_CLIENT_ID = env_str("EBAY_CLIENT_ID", "")
EBAY_CLIENT_SECRET = env_str("EBAY_CLIENT_SECRET", "")
# The polite client (listings/http.py; docs/AGENTS.md explains each one).
SCOUT_CONNECT_TIMEOUT = env_float("SCOUT_CONNECT_TIMEOUT", 5.0, minimum=0.1, maximum=120)
SCOUT_READ_TIMEOUT = env_float("SCOUT_READ_TIMEOUT", 20.0, minimum=0.1, maximum=300)
# Total seconds one fetch may take (every attempt, redirect and byte of the body): a site
# trickling its answer a byte at a time never trips the read time-out above.
SCOUT_FETCH_DEADLINE = env_float("SCOUT_FETCH_DEADLINE", 30.0, minimum=0.1, maximum=600)
SCOUT_MAX_BODY_BYTES = env_int("SCOUT_MAX_BODY_BYTES", 8 * 1024 * 1024, minimum=1024)
SCOUT_MAX_RETRIES = env_int("SCOUT_MAX_RETRIES", 2, minimum=0)
SCOUT_BACKOFF_BASE = env_float("SCOUT_BACKOFF_BASE", 1.0, maximum=60)
SCOUT_BACKOFF_MAX = env_float("SCOUT_BACKOFF_MAX", 30.0, maximum=600)
SCOUT_MAX_RETRY_AFTER = env_float("SCOUT_MAX_RETRY_AFTER", 60.0, maximum=3600)
SCOUT_MAX_RATE_WAIT = env_float("SCOUT_MAX_RATE_WAIT", 120.0, maximum=3600)
SCOUT_BREAKER_THRESHOLD = env_int("SCOUT_BREAKER_THRESHOLD", 5, minimum=1)
SCOUT_BREAKER_COOLDOWN = env_float("SCOUT_BREAKER_COOLDOWN", 300.0, minimum=1, maximum=86400)
SCOUT_ROBOTS_TTL = env_int("SCOUT_ROBOTS_TTL", 3600, minimum=0)
# Money and market value (listings/money.py, listings/sold.py; docs/ARCHITECTURE.md).
EXCHANGE_RATES_URL = env_url("EXCHANGE_RATES_URL", schemes={"http", "https"}) or (
    "https://www.ecb.europa.eu/stats/eurofxref/eurofxref.zip"  # the ECB's reference rates of the last business day
)
SOLD_AFTER_UNSEEN_DAYS = env_int("SOLD_AFTER_UNSEEN_DAYS", 2, minimum=1)
SOLD_MAX_LISTED_DAYS = env_int("SOLD_MAX_LISTED_DAYS", 14, minimum=1)
# A marketplace that has had no good run for this long, while being tried, is "down":
# the people whose active searches use it get one notice (listings.selectors, searches.outages).
MARKETPLACE_OUTAGE_AFTER_HOURS = env_float("MARKETPLACE_OUTAGE_AFTER_HOURS", 6.0, minimum=0.05, maximum=24 * 30)

# --- Retention ------------------------------------------------------------------------
LISTING_RETENTION_DAYS = env_int("LISTING_RETENTION_DAYS", 30, minimum=1)
ACTIVITY_LOG_RETENTION_DAYS = env_int("ACTIVITY_LOG_RETENTION_DAYS", 90, minimum=1)
DELETED_USER_GRACE_DAYS = env_int("DELETED_USER_GRACE_DAYS", 30, minimum=0)

# --- Observability --------------------------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"debug", "info", "warning", "error", "critical"}).upper()
LOG_FORMAT = env_choice("LOG_FORMAT", "json" if not DEBUG else "console", {"json", "console"})
SENTRY_DSN = env_str("SENTRY_DSN", "")
SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0)
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

LOGGING = _monitoring_logging.logging_config(
    level=LOG_LEVEL, fmt=LOG_FORMAT, service=SERVICE_NAME, version=VERSION, environment=ENVIRONMENT
)
if SENTRY_DSN:
    from monitoring.sentry import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=ENVIRONMENT, release=VERSION, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)

# --- Production hardening -------------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Probes and Prometheus talk plain HTTP inside the cluster.
    SECURE_REDIRECT_EXEMPT = [r"^health$", r"^api/v1/monitoring/"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
