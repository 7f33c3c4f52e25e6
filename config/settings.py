"""Settings for the Results Verification Service: one file, driven by environment variables.

The embedded default (no variables set) is SQLite in ``data/``, an in-process cache, a
database task queue and email printed to the console. Setting ``DATABASE_URL``,
``REDIS_URL`` and ``EMAIL_HOST`` turns the same code into the scale-out shape.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_secret, env_str
from config.i18n import *  # noqa: F403 - LANGUAGES, LOCALE_PATHS, the language cookie (listed in its __all__)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("RVS_DATA_DIR", str(BASE_DIR / "data")))

DEBUG = env_bool("DEBUG", False)
# Production mode insists on real secrets and HTTPS-only cookies; the embedded default does not.
PRODUCTION = env_bool("RVS_PRODUCTION", False)
SECRET_KEY = env_secret("SECRET_KEY", DATA_DIR / "secret_key", required=PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "rvs.backoffice.admin_apps.StaffAdminConfig",  # Django's admin on our site (second factor, audited)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rvs.core",
    "rvs.accounts",
    "rvs.exams",
    "rvs.organisations",
    "rvs.results",
    "rvs.sharing",
    "rvs.backoffice",
    "rvs.candidates",
    "rvs.downloads",
    "rvs.api",
    "rvs.developers",
    "rvs.requirements",
    "rvs.bulk",
    "rvs.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rvs.core.middleware.ClientAddressMiddleware",
    "rvs.core.middleware.RequestIdMiddleware",
    "rvs.core.logs.RequestLogMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The cookie, else Accept-Language, else English; a signed-in person's saved language below.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which reads the form: an upload view's body over its limit is never read (413).
    "rvs.core.uploads.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rvs.core.i18n.UserLanguageMiddleware",  # the saved language of the signed-in person (config/i18n.py)
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rvs.core.middleware.RateLimitMiddleware",
    "rvs.core.outage.OutageMiddleware",
    # Last, so it sees the outcome of authentication in every view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "rvs" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rvs.core.context_processors.brand",
                "rvs.core.context_processors.csp_nonce",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}")
try:
    _db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=0))
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL={DATABASE_URL!r} cannot be used: {exc}") from None
# Seconds a SQLite connection waits for the write lock before "database is locked": longer than
# any write transaction the service keeps (slow work such as bulk parsing runs outside them).
SQLITE_BUSY_TIMEOUT = env_int("RVS_SQLITE_BUSY_TIMEOUT", 20, minimum=1, maximum=600)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of deadlocking.
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT,  # sqlite3.connect(timeout=): the busy timeout
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["OPTIONS"] = {"pool": env_bool("DATABASE_POOL", True)}
else:
    raise ImproperlyConfigured(f"DATABASE_URL uses {_db['ENGINE']!r}; only sqlite:// and postgres:// are supported.")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, rate limits and tasks ---------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://.")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rvs"}}

TASK_BACKEND = env_str("RVS_TASK_BACKEND", "rq" if REDIS_URL else "db")
_TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"RVS_TASK_BACKEND={TASK_BACKEND!r}: choose one of {', '.join(_TASK_BACKENDS)}.")
if TASK_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("RVS_TASK_BACKEND=rq needs REDIS_URL.")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASK_BACKEND], "QUEUES": []}}

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"  # home sends each kind of user to their own start page
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    # NIST SP 800-63B: length and a block-list, no composition rules.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 15}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout per (username, address): an attacker elsewhere cannot lock a user out of their own office.
AXES_ENABLED = env_bool("RVS_LOGIN_LOCKOUT", True)
AXES_FAILURE_LIMIT = env_int("RVS_LOGIN_FAILURE_LIMIT", 10, minimum=3, maximum=100)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("RVS_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's field; axes would assume USERNAME_FIELD ("email")
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_LOCKOUT_CALLABLE = "rvs.accounts.views.lockout_response"  # the same page, plus Retry-After
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Staff pages need a verified second factor (TOTP); turn off only for local development.
STAFF_REQUIRE_2FA = env_bool("RVS_STAFF_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = env_str("RVS_SERVICE_NAME", "Results Verification Service")
# Django's admin (/admin/): staff only, behind the second factor, audited. Off unless asked for in
# production (RVS_PRODUCTION=true): the back office is the staff's tool there. Decision 0011.
ADMIN_ENABLED = env_bool("RVS_ADMIN_ENABLED", not PRODUCTION)
# The admin never shows a TOTP key or QR code of an existing device (django-otp's switch).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Internationalisation -----------------------------------------------------------------
# Languages, catalogues and the language cookie: config/i18n.py (imported above).
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One way to write dates for people (decision 0031): "9 December 2026" and "9 December 2026, 14:05
# UTC", in TIME_ZONE, named. Templates use rvs_tags' display_date/display_datetime; Django's own
# rendering ({{ value }}, the admin) the same formats, from config/formats/en_GB/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i T"
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "j F Y, H:i T"
TIME_FORMAT = "H:i"

# --- Static and media files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "rvs" / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media/"  # never served publicly: photos go through an access-checked view
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("RVS_MANIFEST_STATIC", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Email --------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "results-verification@example.org")
# The address emails link to (set-password links, result pages): the public URL of this service.
# `make run` serves on PORT, so the default follows it.
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)
RVS_SITE_URL = env_str("RVS_SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
RVS_MESSAGE_ID_DOMAIN = env_str("RVS_MESSAGE_ID_DOMAIN", "rvs.invalid")
OUTBOX_RETRY_HOURS = env_int("RVS_OUTBOX_RETRY_HOURS", 24, minimum=1)

# --- Security headers ---------------------------------------------------------------------
HTTPS = env_bool("RVS_HTTPS", PRODUCTION)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS and env_bool("RVS_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env_bool("RVS_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Reverse proxies in front of gunicorn that append to X-Forwarded-For. Per-address rate limits and
# the sign-in lockout count the client's address, not the proxy's (rvs.core.middleware.ClientAddressMiddleware).
TRUSTED_PROXY_COUNT = env_int("RVS_TRUSTED_PROXY_COUNT", 1 if BEHIND_PROXY else 0, minimum=0, maximum=5)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content Security Policy without 'unsafe-inline': scripts are files of ours or carry the nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SESSION_COOKIE_AGE = 8 * 60 * 60

# --- The exam board (brand-neutral: everything shown about the board is a setting) ---------
RVS_BRAND = {
    "board_name": env_str("RVS_BOARD_NAME", "Example English Exams"),
    "service_name": env_str("RVS_SERVICE_NAME", "Results Verification Service"),
    "logo_url": env_str("RVS_LOGO_URL", ""),
    "recognition_email": env_str("RVS_RECOGNITION_EMAIL", "recognition@example.org"),
    "api_support_email": env_str("RVS_API_SUPPORT_EMAIL", "api-support@example.org"),
    "scale_name": env_str("RVS_SCALE_NAME", "Cambridge English Scale"),
}

# The board's exam catalogue (exams, families, scoring schemes, the Recognised Exams notice): data, not code.
RVS_CATALOGUE_FILE = env_str("RVS_CATALOGUE_FILE", "")
if RVS_CATALOGUE_FILE and not Path(RVS_CATALOGUE_FILE).is_file():
    raise ImproperlyConfigured(f"RVS_CATALOGUE_FILE: no such file {RVS_CATALOGUE_FILE}")

# Keyed hash for 4-digit Secret Numbers: a slow hash cannot protect 10,000 values, a secret key can.
SECRET_NUMBER_KEY = env_secret("RVS_SECRET_NUMBER_KEY", DATA_DIR / "secret_number_key", required=PRODUCTION)

# Rate limits: "<count>/<seconds>" per scope; see rvs/core/ratelimit.py.
RATE_LIMITS = {
    "ern_lookup_user": env_str("RVS_RATE_ERN_LOOKUP_USER", "30/60"),
    "ern_lookup_org": env_str("RVS_RATE_ERN_LOOKUP_ORG", "1000/3600"),
    "ern_miss_user": env_str("RVS_RATE_ERN_MISS_USER", "60/3600"),
    "search_user": env_str("RVS_RATE_SEARCH_USER", "120/60"),
    "registration_ip": env_str("RVS_RATE_REGISTRATION_IP", "10/3600"),
    "password_reset_ip": env_str("RVS_RATE_PASSWORD_RESET_IP", "20/3600"),
    "password_reset_email": env_str("RVS_RATE_PASSWORD_RESET_EMAIL", "5/3600"),
    "candidate_pair": env_str("RVS_RATE_CANDIDATE_PAIR", "10/3600"),
    "candidate_signup_ip": env_str("RVS_RATE_CANDIDATE_SIGNUP_IP", "30/3600"),
    "candidate_confirm_resend": env_str("RVS_RATE_CANDIDATE_CONFIRM_RESEND", "5/3600"),
    "candidate_invite": env_str("RVS_RATE_CANDIDATE_INVITE", "10/86400"),
    "verify_ip": env_str("RVS_RATE_VERIFY_IP", "60/3600"),
    "api_key": env_str("RVS_RATE_API_KEY", "600/60"),
    "staff_otp": env_str("RVS_RATE_STAFF_OTP", "10/600"),
    "bulk_org": env_str("RVS_RATE_BULK_ORG", "30/3600"),
    "bulk_rows_org": env_str("RVS_RATE_BULK_ROWS_ORG", "20000/86400"),
    # Per address and per account as well as per organisation (issue 9). Sign-in counts failures
    # only; its per-account limit is well above the per-(account, address) lockout so an attacker
    # elsewhere rarely reaches it (see docs/security.md).
    "signin_ip": env_str("RVS_RATE_SIGNIN_IP", "50/600"),
    "signin_user": env_str("RVS_RATE_SIGNIN_USER", "50/3600"),
    "ern_lookup_ip": env_str("RVS_RATE_ERN_LOOKUP_IP", "120/60"),
    "search_org": env_str("RVS_RATE_SEARCH_ORG", "1200/60"),
    "search_ip": env_str("RVS_RATE_SEARCH_IP", "300/60"),
    "bulk_user": env_str("RVS_RATE_BULK_USER", "10/3600"),
    "bulk_ip": env_str("RVS_RATE_BULK_IP", "30/3600"),
    "api_org": env_str("RVS_RATE_API_ORG", "1800/60"),
    "api_ip": env_str("RVS_RATE_API_IP", "1800/60"),
}
# With Redis unreachable these scopes refuse (503) instead of counting nothing: they stop guessing.
RATE_LIMIT_FAIL_CLOSED = frozenset(
    env_list(
        "RVS_RATE_FAIL_CLOSED",
        ["ern_lookup_user", "ern_lookup_org", "ern_lookup_ip", "ern_miss_user", "candidate_pair",
         "candidate_signup_ip", "verify_ip", "staff_otp"],
    )
)  # fmt: skip
if _unknown := sorted(RATE_LIMIT_FAIL_CLOSED - set(RATE_LIMITS)):
    raise ImproperlyConfigured(f"RVS_RATE_FAIL_CLOSED names unknown rate limits: {', '.join(_unknown)}.")
# How long an Exam Reference Number look-up lets the organisation open that result.
ERN_GRANT_HOURS = env_int("RVS_ERN_GRANT_HOURS", 24 * 30, minimum=1)
# Candidate sign-up (decision 0015): this many wrong Secret Numbers in a row lock a Candidate ID
# Number until the candidate follows the link emailed to the address we hold for them, or until
# the lock is this many days old. Each lock is reported to SECURITY_ALERT_EMAIL (empty: the
# warning log line only).
CANDIDATE_SIGNUP_MAX_FAILURES = env_int("RVS_CANDIDATE_SIGNUP_MAX_FAILURES", 5, minimum=1, maximum=100)
CANDIDATE_SIGNUP_LOCK_DAYS = env_int("RVS_CANDIDATE_SIGNUP_LOCK_DAYS", 30, minimum=1)
SECURITY_ALERT_EMAIL = env_str("RVS_SECURITY_ALERT_EMAIL", "")
SEARCH_PAGE_SIZE = env_int("RVS_SEARCH_PAGE_SIZE", 25, minimum=5, maximum=100)
# Python's GIL switch interval in web processes (config/wsgi.py), in microseconds; 0 keeps Python's 5 ms.
WEB_SWITCH_INTERVAL_US = env_int("RVS_WEB_SWITCH_INTERVAL_US", 500, minimum=0, maximum=100_000)
IMPORT_MAX_ROWS = env_int("RVS_IMPORT_MAX_ROWS", 200_000, minimum=1)
IMPORT_MAX_BYTES = env_int("RVS_IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
PHOTO_MAX_BYTES = env_int("RVS_PHOTO_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)
# Browser imports: an XLSX or a photos ZIP that unpacks to far more than it should is refused.
IMPORT_MAX_UNPACKED_BYTES = env_int("RVS_IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024, minimum=1024)
IMPORT_MAX_UNPACK_RATIO = env_int("RVS_IMPORT_MAX_UNPACK_RATIO", 200, minimum=2)
IMPORT_MAX_PHOTOS_BYTES = env_int("RVS_IMPORT_MAX_PHOTOS_BYTES", 200 * 1024 * 1024, minimum=1024)
IMPORT_MAX_PHOTOS_UNPACKED_BYTES = env_int("RVS_IMPORT_MAX_PHOTOS_UNPACKED_BYTES", 400 * 1024 * 1024, minimum=1024)
# Uploads checked but not imported (or failed) within this many hours lose their file (purge_imports).
IMPORT_UPLOAD_MAX_AGE_HOURS = env_int("RVS_IMPORT_UPLOAD_MAX_AGE_HOURS", 72, minimum=1)
# Downloads up to this many results are made at once; larger ones run as a background job.
DOWNLOAD_STREAM_LIMIT = env_int("RVS_DOWNLOAD_STREAM_LIMIT", 200, minimum=1)
DOWNLOAD_MAX_RESULTS = env_int("RVS_DOWNLOAD_MAX_RESULTS", 100_000, minimum=1)
# A background download's worker renews its lease while it writes; a lapsed lease means the worker
# died, and the relay (send_outbox) runs the job again, up to DOWNLOAD_MAX_ATTEMPTS runs in all.
DOWNLOAD_LEASE_SECONDS = env_int("RVS_DOWNLOAD_LEASE_SECONDS", 120, minimum=1)
DOWNLOAD_MAX_ATTEMPTS = env_int("RVS_DOWNLOAD_MAX_ATTEMPTS", 2, minimum=1, maximum=10)
# Bulk verification of an applicant list: size limits checked before the file is parsed.
BULK_MAX_BYTES = env_int("RVS_BULK_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
BULK_MAX_ROWS = env_int("RVS_BULK_MAX_ROWS", 5000, minimum=1)
BULK_MAX_UNPACKED_BYTES = env_int("RVS_BULK_MAX_UNPACKED_BYTES", 50 * 1024 * 1024, minimum=1024)
BULK_MAX_UNPACK_RATIO = env_int("RVS_BULK_MAX_UNPACK_RATIO", 200, minimum=2)
# Every upload (rvs/core/uploads.py, decision 0012): at most this many columns are read, a CSV line
# may hold this many bytes, and an XLSX part's XML may nest this deep; the verify page takes PDFs
# up to VERIFY_MAX_BYTES.
UPLOAD_MAX_COLUMNS = env_int("RVS_UPLOAD_MAX_COLUMNS", 256, minimum=16, maximum=16384)
UPLOAD_MAX_LINE_BYTES = env_int("RVS_UPLOAD_MAX_LINE_BYTES", 64 * 1024, minimum=1024)
UPLOAD_MAX_XML_DEPTH = env_int("RVS_UPLOAD_MAX_XML_DEPTH", 32, minimum=12, maximum=1000)
VERIFY_MAX_BYTES = env_int("RVS_VERIFY_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
# The public verify page stops reading an uploaded PDF after this many seconds and answers "not a
# readable PDF" (rvs/downloads/pdf_guard.py; a 20 MB statement reads in well under one).
RVS_VERIFY_PARSE_SECONDS = env_int("RVS_VERIFY_PARSE_SECONDS", 10, minimum=1, maximum=120)
# The key that signs Statements of Results; generated (self-signed) on first use when absent.
RVS_SIGNING_KEY_FILE = env_str("RVS_SIGNING_KEY_FILE", str(DATA_DIR / "signing" / "key.pem"))
RVS_SIGNING_CERT_FILE = env_str("RVS_SIGNING_CERT_FILE", str(DATA_DIR / "signing" / "cert.pem"))
# A CA-issued certificate's chain (PEM: its intermediates, the root optional), embedded in every
# signature and published with the certificate (/verify/certificate-chain.pem). Empty: none.
RVS_SIGNING_CHAIN_FILE = env_str("RVS_SIGNING_CHAIN_FILE", "")
if RVS_SIGNING_CHAIN_FILE and not Path(RVS_SIGNING_CHAIN_FILE).is_file():
    raise ImproperlyConfigured(f"RVS_SIGNING_CHAIN_FILE: no such file {RVS_SIGNING_CHAIN_FILE}")
# An RFC 3161 time-stamping server: when set, every signed statement gets a document timestamp
# (decision 0018). Empty (the default): none, and signing costs what it did.
# Certificates that signed statements before a rotation (PEM bundle): the verify page still accepts
# their signatures. Take one out if its key may have leaked. Empty: none.
RVS_SIGNING_RETIRED_CERTS_FILE = env_str("RVS_SIGNING_RETIRED_CERTS_FILE", "")
if RVS_SIGNING_RETIRED_CERTS_FILE and not Path(RVS_SIGNING_RETIRED_CERTS_FILE).is_file():
    raise ImproperlyConfigured(f"RVS_SIGNING_RETIRED_CERTS_FILE: no such file {RVS_SIGNING_RETIRED_CERTS_FILE}")
RVS_TSA_URL = env_str("RVS_TSA_URL", "")
if RVS_TSA_URL and not RVS_TSA_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"RVS_TSA_URL must be an http(s) URL, not {RVS_TSA_URL!r}")
RVS_TSA_TIMEOUT = env_int("RVS_TSA_TIMEOUT", 10, minimum=1, maximum=120)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rvs.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rvs.api.permissions.HasOrganisationPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "rvs.api.problems.handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Results Verification Service API",
    "DESCRIPTION": (
        "Verify candidates' English exam results from your own systems. See /developers/.\n\n"
        "Every error is a problem details object (RFC 9457, application/problem+json); each operation lists "
        "the statuses it can send. Besides those, any path answers 405 (with Allow) to a method it does not "
        "have and 406 when Accept excludes JSON, and the web server refuses a request line over 4,094 bytes "
        "with a plain-text 414 before the API sees it (docs/api.md)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Null allowed where strict OpenAPI 3.0 validators accept it (rvs/api/openapi.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "rvs.api.openapi.strict_nullable_hook"],
}
# Webhook targets on private, loopback or link-local addresses: only for development and tests.
WEBHOOK_ALLOW_PRIVATE = env_bool("RVS_WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_RETRY_HOURS = env_int("RVS_WEBHOOK_RETRY_HOURS", 24, minimum=1)
WEBHOOK_DISABLE_AFTER = env_int("RVS_WEBHOOK_DISABLE_AFTER", 15, minimum=1)
API_KEY_ROTATION_OVERLAP_HOURS = env_int("RVS_API_KEY_ROTATION_OVERLAP_HOURS", 24 * 7, minimum=0)

# One JSON object per line by default (RVS_LOG_FORMAT=plain for reading by eye); rvs.request logs
# every request once, by URL pattern, without query strings (see rvs/core/logs.py).
LOG_FORMAT = env_str("RVS_LOG_FORMAT", "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"RVS_LOG_FORMAT={LOG_FORMAT!r} must be 'json' or 'plain'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "rvs.core.logs.JsonFormatter"},
    },
    "filters": {"redact_paths": {"()": "rvs.core.logs.RedactPaths"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["redact_paths"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # At DEBUG it writes whole template contexts (forms, results) into the log.
        "django.template": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "mail.log": {"level": "WARNING"},
    },
}
