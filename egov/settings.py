"""Settings for every deployment, read from the environment.

The embedded defaults (SQLite and files under ./var, a generated secret key) need no
variable at all; production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS, EGOV_HTTPS and
the rest (README.md, "Running in production"). Nothing else in the code asks which mode
it runs in.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("EGOV_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _key_file(name: str, make: Callable[[], str]) -> str:
    """A random key kept beside the database (embedded mode), made on first use.

    Several processes may start at once (the web server and the worker, test workers): the
    key is written to a private temporary file and linked into place, so exactly one key
    wins and every process reads that one."""
    path = VAR_DIR / name
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.")  # mode 600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return path.read_text().strip()


# Embedded mode: one random key per installation, kept beside the database.
SECRET_KEY = os.environ.get("SECRET_KEY") or _key_file(
    "secret_key", lambda: secrets.token_urlsafe(50))


DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "egov.core",
    "egov.identity",
    "egov.documents",
    "egov.signing",
    "egov.exchange",
    "egov.directives",
    "egov.cabinet",
    "egov.services",
    "egov.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "egov.identity.middleware.SessionRefreshMiddleware",
    "egov.web.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "egov.identity.middleware.SecondFactorMiddleware",
    "egov.core.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "egov.urls"
WSGI_APPLICATION = "egov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "egov.web.menu.context",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'egov.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web server read while the other writes; IMMEDIATE
    # transactions take the write lock up front, so two writers queue instead of
    # failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A new connection per request unless DB_CONN_MAX_AGE is set: opening one (connect,
    # the PRAGMAs, Django's functions) and closing it cost a sync worker about 2 ms of
    # CPU on every request, so an application server sets it (bench/bench_services.py).
    if "DB_CONN_MAX_AGE" not in os.environ:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-egov.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Per connection, so a server left at its defaults still plans egov's short queries
    # well (bench/bench_documents.py, 200,000 documents, a leader's inbox counts): the JIT
    # spent 190 of 323 ms compiling a query that runs in 120 ms, and with the default
    # random_page_cost (4, for spinning disks) the planner read a whole table instead of
    # an index: 323 -> 86 ms with both. EGOV_PG_OPTIONS replaces these when set.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = os.environ.get(
        "EGOV_PG_OPTIONS", "-c jit=off -c random_page_cost=1.1")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "egov.core.auth.PositionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "identity:login"

# Sessions end after EGOV_SESSION_IDLE_MINUTES without a request (sliding expiry, to the
# minute: SessionRefreshMiddleware writes the session at most once a minute rather than
# on every request) and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("EGOV_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Lockout after repeated failed sign-ins (django-axes), by user name and address.
AXES_FAILURE_LIMIT = int(os.environ.get("EGOV_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("EGOV_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "identity/locked_out.html"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("EGOV_PROXY_COUNT", "0"))
AXES_VERBOSE = False

OTP_TOTP_ISSUER = os.environ.get("EGOV_OTP_ISSUER", "egov")

# National single sign-on (VNeID) through OpenID Connect (egov/identity/sso.py). The real
# provider: its issuer URL (discovery at <issuer>/.well-known/openid-configuration), the
# client id and secret it registered for egov, the scope, and the claim that carries the
# 12-digit personal identification number. Without an issuer, the sandbox provider of this
# deployment (/sso-sandbox/, identity/sso_sandbox.py) plays it: EGOV_SSO_SANDBOX defaults
# to on exactly when EGOV_SSO_ISSUER is empty (as the payment sandbox does); it knows only
# the identities the demo seeds, and the sign-in page offers the button only once it knows
# somebody. EGOV_SSO_SANDBOX=0 turns it off altogether.
EGOV_SSO_ISSUER = os.environ.get("EGOV_SSO_ISSUER", "").rstrip("/")
EGOV_SSO_CLIENT_ID = os.environ.get("EGOV_SSO_CLIENT_ID", "egov")
EGOV_SSO_CLIENT_SECRET = os.environ.get("EGOV_SSO_CLIENT_SECRET", "")
EGOV_SSO_SCOPE = os.environ.get("EGOV_SSO_SCOPE", "openid profile email phone")
EGOV_SSO_PERSONAL_ID_CLAIM = os.environ.get("EGOV_SSO_PERSONAL_ID_CLAIM", "sub")
EGOV_SSO_SANDBOX = env_bool("EGOV_SSO_SANDBOX", not EGOV_SSO_ISSUER)

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing folder
MEDIA_ROOT = Path(os.environ.get("EGOV_FILES_DIR", VAR_DIR / "files"))
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": os.environ.get(
        "EGOV_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "egov <no-reply@localhost>")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("EGOV_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "egov.identity.api.auth.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "egov.core.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "egov API",
    "DESCRIPTION": "REST API of the egov e-government platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Operation ids and default tags are named after the path below /api (v1_…); the
    # hub's paths (/hub/v1/) would otherwise make the common prefix "/" and rename them.
    "SCHEMA_PATH_PREFIX": "/api",
    # The enum hook (drf-spectacular's default), then one that leaves out the integer
    # bounds that depend on the database (egov/core/api/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "egov.core.api.schema.database_independent"],
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "egov.core.models.Organisation.Kind",
        "CertificateKindEnum": "egov.signing.models.Certificate.Kind",
        "SignatureFormatEnum": ["pdf", "cms", "xml"],
        "MeetingKindEnum": "egov.cabinet.models.Meeting.Kind",
        "MeetingStatusEnum": "egov.cabinet.models.Meeting.Status",
        "PaperKindEnum": "egov.cabinet.models.Paper.Kind",
        "PaperStatusEnum": "egov.cabinet.models.Paper.Status",
        "BallotStatusEnum": "egov.cabinet.models.Ballot.Status",
        "ItemOutcomeEnum": "egov.cabinet.models.Outcome",
        "TaskStatusEnum": "egov.directives.models.TaskStatus",
        "DossierStatusEnum": "egov.services.models.Status",
    },
}

# Production behind HTTPS (README): secure cookies, HSTS, redirect to https.
if env_bool("EGOV_HTTPS"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("EGOV_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("EGOV_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("EGOV_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Audit log: entries are sealed into the hash chain in batches by a background task.
EGOV_AUDIT_SEAL_DELAY_SECONDS = float(os.environ.get("EGOV_AUDIT_SEAL_DELAY_SECONDS", "2"))
EGOV_MAX_UPLOAD_BYTES = int(os.environ.get("EGOV_MAX_UPLOAD_MB", "50")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
EGOV_AUDIT_SEAL_BATCH = int(os.environ.get("EGOV_AUDIT_SEAL_BATCH", "5000"))
# A routine seal looks only at recent entries; a full sweep (hourly, and at each worker's
# first seal) catches entries of transactions that stayed open longer than the window.
EGOV_AUDIT_SEAL_WINDOW_SECONDS = int(os.environ.get("EGOV_AUDIT_SEAL_WINDOW_SECONDS", "600"))
EGOV_AUDIT_FULL_SWEEP_SECONDS = int(os.environ.get("EGOV_AUDIT_FULL_SWEEP_SECONDS", "3600"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"django_tasks": {"level": "WARNING"}, "django_tasks_db": {"level": "WARNING"}},
}

# Digital signatures (egov/signing/README.md). Leaders sign on approval and the agency seal
# is applied on issue; EGOV_REQUIRE_SIGNATURES=0 lets a deployment without certificates yet
# approve and issue unsigned. EGOV_SIGNING_TSA: an RFC 3161 URL, "local" for the platform's
# own timestamping authority (demo), empty for none. EGOV_TRUST_ANCHORS: PEM files of roots
# trusted besides the platform's own CA (the national root in production).
# The master key that seals private signing keys at rest (base64 of 32+ random bytes).
# Production sets EGOV_SIGNING_KEY (and keeps it apart from the database backups);
# embedded mode keeps one per installation beside the database, like the secret key.
EGOV_SIGNING_KEY = os.environ.get("EGOV_SIGNING_KEY") or _key_file(
    "signing_master_key", lambda: base64.b64encode(secrets.token_bytes(32)).decode())
EGOV_REQUIRE_SIGNATURES = env_bool("EGOV_REQUIRE_SIGNATURES", True)
EGOV_SIGNING_TSA = os.environ.get("EGOV_SIGNING_TSA", "local")
EGOV_TRUST_ANCHORS = env_list("EGOV_TRUST_ANCHORS", [])
EGOV_SIGNING_KEY_ALGORITHM = os.environ.get("EGOV_SIGNING_KEY_ALGORITHM", "rsa2048")
EGOV_CERTIFICATE_WARNING_DAYS = int(os.environ.get("EGOV_CERTIFICATE_WARNING_DAYS", "30"))
# A hardware token or HSM (PKCS#11): the vendor's library, the token's label, its user PIN.
# Certificates registered with a key label sign there; their keys never enter egov.
EGOV_PKCS11_LIBRARY = os.environ.get("EGOV_PKCS11_LIBRARY", "")
EGOV_PKCS11_TOKEN = os.environ.get("EGOV_PKCS11_TOKEN", "")
EGOV_PKCS11_PIN = os.environ.get("EGOV_PKCS11_PIN", "")

# The national document exchange hub (egov/exchange, hub_*.py): its own identifier code
# (the hub's receipt certificate carries it) and the largest package it accepts.
EGOV_HUB_CODE = os.environ.get("EGOV_HUB_CODE", "000.00.00.G22")
EGOV_HUB_MAX_PACKAGE_BYTES = int(os.environ.get("EGOV_HUB_MAX_PACKAGE_BYTES",
                                                str(20 * 1024 * 1024)))
# How soon the hub tells a system that items wait (push), and the longest wait between
# two tries of the connector at sending a package or a status (1, 2, 4 … seconds).
EGOV_HUB_PUSH_DELAY_SECONDS = float(os.environ.get("EGOV_HUB_PUSH_DELAY_SECONDS", "0.1"))
EGOV_EXCHANGE_RETRY_MAX_SECONDS = float(os.environ.get("EGOV_EXCHANGE_RETRY_MAX_SECONDS",
                                                       "300"))
# The hub's refusals and failed pushes are diagnostics for its administrators, not records:
# the newest this many of each are kept, so a system that sends garbage all day cannot
# fill the disk.
EGOV_HUB_DIAGNOSTICS_KEEP = int(os.environ.get("EGOV_HUB_DIAGNOSTICS_KEEP", "100000"))

# --- e-Cabinet and task follow-up ---------------------------------------------------------
# A task counts as near its deadline this many working days before it.
EGOV_DIRECTIVES_NEAR_DAYS = int(os.environ.get("EGOV_DIRECTIVES_NEAR_DAYS", "3"))
# Ballot reminders go out this many working days before the deadline (and on its day: 0).
EGOV_BALLOT_REMINDER_DAYS = [int(d) for d in env_list("EGOV_BALLOT_REMINDER_DAYS", ["2", "0"])]
# Where SMS go: "local" writes them to VAR_DIR/sms-outbox.log (cabinet/sms.py).
EGOV_SMS_ADAPTER = os.environ.get("EGOV_SMS_ADAPTER", "egov.cabinet.sms.LocalSmsAdapter")
