"""Django settings for gongjian.

Configuration comes from the environment so that one code base serves the
embedded SQLite default and a PostgreSQL production server:

- ``DATABASE_URL``: e.g. ``postgres://user@127.0.0.1:5432/gongjian``; default is
  ``sqlite:///<project>/var/gongjian.sqlite3``.
- ``GONGJIAN_SECRET_KEY``, ``GONGJIAN_DEBUG``, ``GONGJIAN_ALLOWED_HOSTS``.
- ``GONGJIAN_ENV=production`` switches on the production hardening (secure cookies,
  HSTS, HTTPS redirect) and refuses to start with the default secret key; the
  security variables are listed in ``docs/security.md``.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off`` (any case); ``default`` when unset or empty."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected 1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number") from None


BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("GONGJIAN_VAR_DIR", PROJECT_DIR / "var"))

GONGJIAN_ENV = os.environ.get("GONGJIAN_ENV", "development").strip().lower()
PRODUCTION = GONGJIAN_ENV == "production"
# Debug pages only when a developer asks for them (GONGJIAN_DEBUG=1): every user, in
# development too, sees the product's own 403 / 404 / 500 pages.
DEBUG = env_bool("GONGJIAN_DEBUG", False)
DEFAULT_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = os.environ.get("GONGJIAN_SECRET_KEY", DEFAULT_SECRET_KEY)
if PRODUCTION and (SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "GONGJIAN_ENV=production needs GONGJIAN_SECRET_KEY: a random value of at least 50 "
        "characters (e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))')"
    )
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("GONGJIAN_ENV=production cannot run with GONGJIAN_DEBUG=1")
ALLOWED_HOSTS = os.environ.get("GONGJIAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(
    ","
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "ninja",  # serves the Swagger UI at /api/docs from local static files, never a CDN
    "axes",  # login throttling and lock-out per username + IP
    "csp",  # the Content-Security-Policy header
    "django_q",  # the job queue (ORM broker) and its schedules: `gongjian qcluster`
    "gongjian.kit",
    "gongjian.units",
    "gongjian.projects",
    "gongjian.indicators",
    "gongjian.notices",
    "gongjian.api",
    "gongjian.enterprises",
    "gongjian.attraction",
    "gongjian.reports",
    "gongjian.review",
    "gongjian.inspections",
    "gongjian.appeals",
    "gongjian.policies",
    "gongjian.govservice",
    "gongjian.finance",
    "gongjian.strategy",
    "gongjian.dashboard",
    "gongjian.audit",
    "gongjian.demo",
    "gongjian.ops",
    "gongjian.sso",
    "django_cas_ng",  # CAS sign-in (its ticket tables); off until GONGJIAN_CAS_URL is set
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files from the app server itself
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (docs/security.md)
    # 413 for a body over the upload limit, before anything reads (or spools) it
    "gongjian.kit.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gongjian.kit.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "gongjian.kit.cleaning.InputCleaningMiddleware",  # no control characters in input
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # last: turns a locked-out sign-in into the lock-out page (429)
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongjian.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "gongjian.kit.registration.nav_context",
                "gongjian.notices.context.unread",
            ],
        },
    },
]

WSGI_APPLICATION = "gongjian.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'gongjian.sqlite3'}",
        conn_max_age=int(os.environ.get("GONGJIAN_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})
    # seconds a connection waits for another one's write lock before "database is locked"
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    # WAL: pages (an import's progress, the session) keep reading while a long import writes
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;")
    # Every transaction (``atomic``) takes the write lock when it begins (BEGIN IMMEDIATE)
    # and so waits its turn for the timeout above. A deferred transaction reads first and
    # asks for the lock at its first write; in WAL mode SQLite refuses that upgrade at once
    # when another connection wrote in between ("database is locked", no waiting): at a
    # reporting deadline most report submissions failed so (docs/reliability.md). Reads
    # outside a transaction (autocommit) never wait.
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")

elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # No JIT compilation: the dashboard's aggregates are short, and compiling them cost
    # more than running them (1.4 of 2.1 s on 100,000 projects, docs/scaling.md).
    # GONGJIAN_PG_JIT=on gives the server's own setting back.
    if os.environ.get("GONGJIAN_PG_JIT", "off") == "off":
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")

# A read replica (a streaming standby of the primary): read-only requests read from it,
# writes and the reads within them stay on the primary (gongjian/kit/db.py, docs/scaling.md).
if os.environ.get("GONGJIAN_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["GONGJIAN_REPLICA_URL"],
        conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0),
    )
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    # tests run on the primary's test database through the replica alias too; the real
    # streaming replica is exercised by tests/test_replica.py
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["gongjian.kit.db.ReplicaRouter"]
    MIDDLEWARE.insert(0, "gongjian.kit.db.PrimaryForWritesMiddleware")
    GONGJIAN_REPLICA_STICKY = int(os.environ.get("GONGJIAN_REPLICA_STICKY", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "units.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- accounts: hashing, lock-out, sessions (docs/security.md) -------------------------
# Argon2id first; a user whose password is stored with an older hasher is re-hashed
# with Argon2 on the next successful sign-in (Django upgrades on check_password).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# django-axes checks every sign-in (login page, admin) before the password is tried.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in through the government's identity system (LDAP, CAS, OpenID Connect), each on
# when its GONGJIAN_* variables are set (gongjian/sso/conf.py, docs/operations.md).
from gongjian.sso.conf import sso_settings  # noqa: E402

_sso = sso_settings(os.environ)
AUTHENTICATION_BACKENDS += _sso.pop("SSO_BACKENDS")
globals().update(_sso)
AXES_FAILURE_LIMIT = env_int("GONGJIAN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("GONGJIAN_LOGIN_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gongjian.units.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# The client address for lock-out and the login audit: REMOTE_ADDR, or behind
# GONGJIAN_PROXY_COUNT trusted reverse proxies the X-Forwarded-For entry they appended.
GONGJIAN_PROXY_COUNT = env_int("GONGJIAN_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "gongjian.kit.http.client_ip"

# A session lasts at most GONGJIAN_SESSION_HOURS from sign-in (not renewed by activity),
# and by default also ends when the browser closes.
SESSION_COOKIE_AGE = env_int("GONGJIAN_SESSION_HOURS", 8) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("GONGJIAN_SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- headers -------------------------------------------------------------------------
# Scripts only from this server (no inline script, no eval); inline style attributes are
# allowed because a few bars size themselves with style="width: …" (docs/security.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- production (GONGJIAN_ENV=production) ----------------------------------------------
# An intranet server behind a TLS-terminating proxy sets GONGJIAN_PROXY_SSL_HEADER=1 (the
# proxy must set X-Forwarded-Proto) so that Django knows the request came in over HTTPS.
if env_bool("GONGJIAN_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("GONGJIAN_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("GONGJIAN_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("GONGJIAN_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GONGJIAN_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("GONGJIAN_HSTS_PRELOAD", PRODUCTION)
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("GONGJIAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# --- logging ---------------------------------------------------------------------------
# Every server error (a request answered 5xx: django.request), every error Django logs
# (django.security: refused hosts, CSRF failures) and whatever the product's own loggers
# (``gongjian.*``) say at INFO and above go, with their traceback, to the console (stderr:
# `gongjian serve` shows it next to gunicorn's own messages) and to
# ``<VAR_DIR>/log/gongjian.log``, rotated at 10 MB, five old files kept. A request answered
# 4xx (a 404, a refused form) is no server error and django.request does not log it.
# Several gunicorn workers append to the file and each rotates it on its own, so some of
# the old files may be shorter than 10 MB.
LOG_DIR = VAR_DIR / "log"
LOG_DIR.mkdir(parents=True, exist_ok=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s [pid %(process)d] %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line"},
        "file": {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": str(LOG_DIR / "gongjian.log"),
            "maxBytes": 10 * 1024 * 1024,
            "backupCount": 5,
            "encoding": "utf-8",
            "delay": True,  # created at the first record
            "formatter": "line",
        },
        # `manage.py runserver`'s request lines, as Django prints them by default
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    # anything else (a library's warning) at WARNING and above
    "root": {"handlers": ["console", "file"], "level": "WARNING"},
    "loggers": {
        "django": {"level": "ERROR"},  # 5xx requests, errors; no 4xx, no debug chatter
        "django.security": {"level": "WARNING"},
        "django.utils.autoreload": {"level": "INFO"},  # runserver's "changed, reloading"
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "gongjian": {"level": "INFO"},
    },
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
# ECharts, htmx and Pico CSS: from the npm registry (package.json's "vendor" table), copied
# into the package by `make assets` and before a wheel is built (tools/vendor_assets.py),
# never a CDN: an installed wheel carries them.
VENDOR_DIR = BASE_DIR / "vendor"
STATICFILES_DIRS = [("vendor", VENDOR_DIR)] if VENDOR_DIR.is_dir() else []
# WhiteNoise serves STATIC_ROOT (filled by `collectstatic`, which `gongjian serve` runs)
# with gzip copies; no separate web server needed. No manifest, so that a page
# still renders when collectstatic has not been run (development, tests).
# Outside production the static files are served from the apps and vendor/ directly
# (no collectstatic needed for `make run`).
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # filled by collectstatic in production
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

# Campaign defaults that an office may override per campaign in the database.
GONGJIAN = {
    "DEMO_ADMIN_USERNAME": "office",
    # the instance's fixed date (kit.clock), e.g. GONGJIAN_TODAY=2024-10-31; empty: the date
    # stored by `gongjian clock`, else the real date
    "TODAY": os.environ.get("GONGJIAN_TODAY", "").strip(),
    # keep each unit's figures between requests under its data stamp (indicators.cube);
    # GONGJIAN_KEEP_FIGURES=0 reads every figure from the rows each time
    "KEEP_FIGURES": os.environ.get("GONGJIAN_KEEP_FIGURES", "1").strip() != "0",
    # the address links in e-mails and channel messages start with
    "SITE_URL": os.environ.get("GONGJIAN_SITE_URL", "http://127.0.0.1:8000").strip(),
}

# --- caches ---------------------------------------------------------------------------
# ``figures``: each unit's own figures, kept under the unit's data stamp
# (``indicators.cube``); a province's page sums them instead of reading every project.
# In each server process's memory; a stamp drawn anew makes its unit read again.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "figures": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "gongjian-figures",
        "OPTIONS": {"MAX_ENTRIES": env_int("GONGJIAN_FIGURE_CACHE_UNITS", 3000)},
    },
}

# --- background jobs and schedules (django-q2) ---------------------------------------
# The queue lives in the database itself (no extra service on an intranet box); with
# GONGJIAN_REDIS_URL (and the `redis` package installed) Redis carries it instead.
# `gongjian qcluster` works it (started by `make run`; a systemd unit in production, see
# docs/operations.md). A job whose worker dies is delivered again after `retry` seconds.
Q_CLUSTER: dict = {
    "name": "gongjian",
    "workers": env_int("GONGJIAN_JOB_WORKERS", 2),
    "timeout": env_int("GONGJIAN_JOB_TIMEOUT", 1800),
    "retry": env_int("GONGJIAN_JOB_TIMEOUT", 1800) + 120,
    "max_attempts": 2,
    "catch_up": False,
    "save_limit": 1000,
    "poll": 1,
    "label": "后台任务",
}
if os.environ.get("GONGJIAN_REDIS_URL"):
    Q_CLUSTER["redis"] = os.environ["GONGJIAN_REDIS_URL"]
else:
    Q_CLUSTER["orm"] = "default"
# a running job silent for this many seconds has died with its worker (kit.jobs.is_stale)
GONGJIAN["JOB_STALE_SECONDS"] = env_int("GONGJIAN_JOB_STALE_SECONDS", 600)

# --- e-mail (notifications; off until a server is named) -----------------------------
EMAIL_HOST = os.environ.get("GONGJIAN_EMAIL_HOST", "")
EMAIL_PORT = env_int("GONGJIAN_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("GONGJIAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("GONGJIAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("GONGJIAN_EMAIL_TLS", "") == "1"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("GONGJIAN_EMAIL_FROM", "gongjian@localhost")
