"""Settings. The embedded default (no environment) is SQLite, a database task queue worked by a
worker the run command starts, the in-memory channel layer, and a generated local key file.
Production sets ``DATABASE_URL``, ``REDIS_URL``, keys and ``ONESTOP_SECRET_KEY`` in the
environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlparse

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("ONESTOP_VAR_DIR", BASE_DIR / "var"))
ENV = os.environ.get("ONESTOP_ENV", "development")
PRODUCTION = ENV == "production"


def _secret_key() -> str:
    if key := os.environ.get("ONESTOP_SECRET_KEY"):
        return key
    if PRODUCTION:
        raise RuntimeError("ONESTOP_SECRET_KEY must be set in production")
    path = Path(os.environ.get("ONESTOP_KEY_DIR", BASE_DIR / ".keys")) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
        except FileExistsError:
            pass
    return path.read_text().strip()


def _database(url: str | None) -> dict[str, Any]:
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("ONESTOP_SQLITE_PATH", str(VAR_DIR / "onestop.sqlite3")),
            # IMMEDIATE: a writing transaction takes the write lock at BEGIN, so two writers
            # serialise instead of failing half-way (the audit chain relies on it).
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise RuntimeError(f"unsupported DATABASE_URL scheme {parsed.scheme!r}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "OPTIONS": {**dict(parse_qsl(parsed.query)), **_pool()},
        # With the pool, connections are reused by the pool, never held by a thread (Django
        # asks for CONN_MAX_AGE = 0 under ASGI).
        "CONN_MAX_AGE": 0,
    }


def _pool() -> dict[str, Any]:
    """psycopg's connection pool, one per process: under ASGI a new connection per request
    costs more than the request (a PostgreSQL backend starts and loads its caches each time).
    ``ONESTOP_DB_POOL_SIZE`` caps each process's connections (0 turns the pool off). Under
    ASGI every request in flight holds one (Django runs each request's sync code in a thread of
    its own), and so does each live dashboard socket while it checks its subscriber: too small a
    pool makes alerts wait behind queued requests. Size PostgreSQL's max_connections for
    (app processes + task workers) x this."""
    size = int(os.environ.get("ONESTOP_DB_POOL_SIZE", "20"))
    if size <= 0:
        return {}
    return {"pool": {"min_size": 1, "max_size": size, "timeout": 10}}


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("ONESTOP_DEBUG", "0" if PRODUCTION else "1") == "1"
ALLOWED_HOSTS = os.environ.get("ONESTOP_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "onestop.core",
    "onestop.accounts",
    "onestop.audit",
    "onestop.people",
    "onestop.cases",
    "onestop.consent",
    "onestop.risk",
    "onestop.evidence",
    "onestop.safety",
    "onestop.takedown",
    "onestop.messaging",
    "onestop.support",
    "onestop.shelters",
    "onestop.conferences",
    "onestop.intake",
    "onestop.api",
    "onestop.portal",
    "onestop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "onestop.audit.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "onestop.config.urls"
ASGI_APPLICATION = "onestop.config.asgi.application"
AUTH_USER_MODEL = "accounts.Staff"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "onestop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": _database(os.environ.get("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("한국어")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "onestop" / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "onestop" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Sessions and cookies: short-lived, HttpOnly, same-site.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Background work: django.tasks on the database backend; the task row commits with the change.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("ONESTOP_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache holds rate-limit counters: shared through Redis when there is one, else per process
# (the embedded default runs one server process).
CACHES: dict[str, Any] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}


def channel_layers(redis_url: str) -> dict[str, Any]:
    """Channels on Redis when there is one, else in process memory (the embedded default serves
    every socket from one process)."""
    if not redis_url:
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # channels-redis waits for messages with a 5 s blocking read; redis-py's socket timeout
    # (5 s by default) must be longer, or every idle dashboard socket dies after 5 s.
    host = {"address": redis_url, "socket_timeout": 15, "socket_connect_timeout": 2}
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [host]},
        }
    }


CHANNEL_LAYERS = channel_layers(REDIS_URL)

# Field encryption (see onestop/core/crypto.py). The embedded default generates a key file.
ONESTOP_KEY_FILE = Path(os.environ.get("ONESTOP_KEY_FILE", BASE_DIR / ".keys" / "keyring.json"))
ONESTOP_GENERATE_KEYS = not PRODUCTION
ONESTOP_CASE_REFERENCE_PREFIX = os.environ.get("ONESTOP_CASE_REFERENCE_PREFIX", "OS")
# Police referrals a police agency may send: "COUNT/SECONDS". A whole country sends ~32,000 a
# year; a burst above this from one agency is a broken or hostile client.
ONESTOP_REFERRAL_RATE_LIMIT = os.environ.get("ONESTOP_REFERRAL_RATE_LIMIT", "120/60")
# The largest police referral body accepted (contract: 1 MiB).
ONESTOP_REFERRAL_MAX_BYTES = 1024 * 1024
# Evidence files: where the sealed originals are kept, and how large they may be.
ONESTOP_EVIDENCE_DIR = Path(os.environ.get("ONESTOP_EVIDENCE_DIR", VAR_DIR / "evidence"))
ONESTOP_EVIDENCE_MAX_FILE_BYTES = int(os.environ.get("ONESTOP_EVIDENCE_MAX_FILE_MB", "25")) << 20
ONESTOP_EVIDENCE_MAX_CASE_BYTES = int(os.environ.get("ONESTOP_EVIDENCE_MAX_CASE_MB", "500")) << 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ONESTOP_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Re-upload monitoring (takedown). Where other crawlers drop files for the folder sources (a
# source's folder must be inside it), and the limits of fetching pages and media.
TAKEDOWN_DROP_ROOT = Path(os.environ.get("ONESTOP_TAKEDOWN_DROP_ROOT", VAR_DIR / "monitoring-drop"))
TAKEDOWN_DROP_SETTLE_SECONDS = 30  # a dropped file changed more recently is left for next time
TAKEDOWN_DROP_MAX_BYTES = 500 * 1024**2
# Never fetch private, loopback or link-local addresses (tests serve from 127.0.0.1).
TAKEDOWN_MONITOR_ALLOW_PRIVATE = False
TAKEDOWN_MONITOR_MAX_BYTES = 50 * 1024**2  # one response
TAKEDOWN_MONITOR_TIMEOUT = 20  # seconds without a byte
TAKEDOWN_MONITOR_DEADLINE = 120  # seconds for one response in all
TAKEDOWN_MONITOR_MAX_REDIRECTS = 3
TAKEDOWN_MONITOR_MAX_LINKS_PER_PAGE = 100
TAKEDOWN_MONITOR_MAX_FETCHES = 2000  # one run of one source
TAKEDOWN_MONITOR_MAX_URLS = 500  # one source's list
TAKEDOWN_MONITOR_STALE_HOURS = 6  # an unfinished run older than this is taken over
TAKEDOWN_MONITOR_USER_AGENT = (
    "OneStop-ReuploadMonitor/1.0 (deletion support; +https://onestop.invalid/monitor)"
)
# The in-memory bank: how far back each refresh looks for late commits, and how often it checks
# its count of items against the database's.
TAKEDOWN_BANK_REFRESH_OVERLAP_SECONDS = 300
TAKEDOWN_BANK_CHECK_SECONDS = 60

# Sweeps of higher layers that `onestop scheduler` enqueues beside the reminder sweep: (dotted
# path of a task, seconds between two). Re-upload monitoring starts the sources that are due.
ONESTOP_PERIODIC_TASKS = [("onestop.takedown.tasks.monitoring_sweep_task", 600)]
