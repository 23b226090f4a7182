"""SQMS settings: every deployment choice comes from the environment (see README)."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SQMS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite database and task queue live here

env = environ.Env()

SQMS_ENV = env.str("SQMS_ENV", default="development")
PRODUCTION = SQMS_ENV == "production"
TESTING = env.bool("SQMS_TESTING", default="pytest" in sys.modules)

DEBUG = env.bool("DEBUG", default=not PRODUCTION and not TESTING)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
else:
    # A development key is fine locally; production refuses to start without SECRET_KEY.
    SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-" + "x" * 50)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "huey.contrib.djhuey",
    "axes",
    "sqms.core",
    "sqms.org",
    "sqms.documents",
    "sqms.standards",
    "sqms.feedback",
    "sqms.monitoring",
    "sqms.improvement",
    "sqms.policy",
    "sqms.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Behind gunicorn whitenoise serves the collected static files; in development runserver does.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "sqms.urls"
WSGI_APPLICATION = "sqms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sqms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "sqms.core.context_processors.navigation",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
if "DATABASE_URL" in os.environ:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "sqms.sqlite3",
            "OPTIONS": {
                # IMMEDIATE serialises writers up front, so the audit hash chain never forks.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache (login throttling and rate limits share it across processes) ---------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Shared by every process on the host; production with several hosts sets REDIS_URL.
    CACHES = {
        "default": {
            "BACKEND": "sqms.core.cache.FileCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }

# --- tasks ----------------------------------------------------------------------------------
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "sqms", "url": REDIS_URL, "immediate": TESTING}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "sqms",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING,
    }

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
if TESTING:
    # A deliberately slow hash protects real passwords; tests create hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Login throttling: 5 failures per account and, separately, per IP within 15 minutes -> 429.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = False
if "SQMS_PROXY_COUNT" in os.environ:
    AXES_IPWARE_PROXY_COUNT = env.int("SQMS_PROXY_COUNT")

# --- i18n -----------------------------------------------------------------------------------
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LANGUAGE_CODE = env.str("SQMS_LANGUAGE", default="ko")
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Seoul")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "sqms" / "locale"]
LANGUAGE_COOKIE_NAME = "sqms_language"
FORMAT_MODULE_PATH = ["sqms.formats"]  # short dates as 2026-07-28 in both languages

# --- static ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "sqms" / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "sqms.core.staticfinders.PlotlyFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- e-mail ---------------------------------------------------------------------------------
if "EMAIL_URL" in os.environ or PRODUCTION:
    # Production without EMAIL_URL sends through the local mail transfer agent.
    _mail = environ.Env.email_url_config(env.str("EMAIL_URL", default="smtp://localhost:25"))
    MAILERS = {
        "default": {
            "BACKEND": _mail["EMAIL_BACKEND"],
            "OPTIONS": {
                k.removeprefix("EMAIL_").removeprefix("HOST_").lower(): v
                for k, v in _mail.items()
                if k
                in {
                    "EMAIL_HOST",
                    "EMAIL_PORT",
                    "EMAIL_HOST_USER",
                    "EMAIL_HOST_PASSWORD",
                    "EMAIL_USE_TLS",
                    "EMAIL_USE_SSL",
                    "EMAIL_TIMEOUT",
                }
                and v not in ("", None)
            },
        }
    }
    if "user" in MAILERS["default"]["OPTIONS"]:
        MAILERS["default"]["OPTIONS"]["username"] = MAILERS["default"]["OPTIONS"].pop("user")
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.locmem.EmailBackend"
            if TESTING
            else "django.core.mail.backends.console.EmailBackend"
        }
    }
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="sqms@localhost")

# --- security -------------------------------------------------------------------------------
from django.utils.csp import CSP  # noqa: E402  (kept next to its use)

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    # Plotly sets inline styles on its SVG; nothing else needs them.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "sqms.core.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

SQMS_API_PAGE_SIZE = 50
