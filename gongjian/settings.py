"""Django settings for gongjian.

Configuration comes from the environment so that one code base serves the
embedded SQLite default and a PostgreSQL production server:

- ``DATABASE_URL``: e.g. ``postgres://user@127.0.0.1:5432/gongjian``; default is
  ``sqlite:///<project>/var/gongjian.sqlite3``.
- ``GONGJIAN_SECRET_KEY``, ``GONGJIAN_DEBUG``, ``GONGJIAN_ALLOWED_HOSTS``.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("GONGJIAN_VAR_DIR", PROJECT_DIR / "var"))

DEBUG = os.environ.get("GONGJIAN_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get(
    "GONGJIAN_SECRET_KEY",
    "dev-only-insecure-key-change-me-in-production-0123456789abcdef",
)
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
    "gongjian.units",
    "gongjian.projects",
    "gongjian.indicators",
    "gongjian.api",
    "gongjian.enterprises",
    "gongjian.attraction",
    "gongjian.reports",
    "gongjian.review",
    "gongjian.inspections",
    "gongjian.appeals",
    "gongjian.policies",
    "gongjian.web",
    "gongjian.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gongjian.web.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
                "gongjian.web.context_processors.navigation",
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
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    # WAL: pages (an import's progress, the session) keep reading while a long import writes
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "units.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

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
# ECharts, htmx and Pico CSS: copied from node_modules by `make assets` (npm registry), never a CDN.
VENDOR_DIR = PROJECT_DIR / "vendor"
STATICFILES_DIRS = [("vendor", VENDOR_DIR)] if VENDOR_DIR.is_dir() else []

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

# Campaign defaults that an office may override per campaign in the database.
GONGJIAN = {
    "DEMO_ADMIN_USERNAME": "office",
}
