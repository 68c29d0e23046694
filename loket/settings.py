"""Loket's one settings module: everything a deployment changes comes from the environment.

The list of variables is documented in README.md ("Configuration"). Helpers fail loudly on
a malformed value rather than guessing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The suite runs with test defaults (fast hashing, immediate tasks, no TLS redirect).
TESTING = env_bool("LOKET_TESTING", "pytest" in sys.modules)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string, or DEBUG=1 for a development run."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "template_partials.apps.SimpleAppConfig",
    "csp",
    "ninja",  # templates and static files of the API docs page (no CDN)
    "axes",
    "django_tasks",
    "django_tasks_db",
    "loket.accounts",
    "loket.customers",
    "loket.cases",
    "loket.promises",
    "loket.events",
    "loket.integrations",
    "loket.webhooks",
    "loket.monitor",
    "loket.bereavement",
    "loket.api",
    "loket.live",
    "loket.web",
    "loket.demo",
    "loket.ops",
]

MIDDLEWARE = [
    # Static files, served asynchronously (ServeStatic: WhiteNoise's ASGI-capable successor).
    "servestatic.middleware.ServeStaticMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "loket.accounts.middleware.OrganizationMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "loket.urls"
ASGI_APPLICATION = "loket.asgi.application"
WSGI_APPLICATION = "loket.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "OPTIONS": {
            # The partials loader lets a view render one named partial ("web/case.html#timeline")
            # for an htmx request; it wraps the usual (cached) filesystem and app-directory loaders.
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "loket.accounts.context_processors.organization",
                "loket.promises.context_processors.notifications",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default; DATABASE_URL (postgres://…) is the production setup.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'loket.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; the timeout rides out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests on a file too, not Django's in-memory default: the browser and WebSocket tests run a
    # server thread beside the test, and in-memory SQLite's shared cache answers a concurrent
    # write with "database table is locked" at once instead of waiting out the lock (seen in
    # CI). pytest-django gives each xdist worker a name of its own.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}
    if TESTING:
        (BASE_DIR / "var").mkdir(exist_ok=True)
elif env_int("DB_POOL_MAX_SIZE", 10) > 0:
    # Under ASGI every request runs in a thread of its own and would open a new PostgreSQL
    # connection (half the CPU of a small request, measured in bench/); a pool per process
    # hands a few open connections around instead. DB_POOL_MAX_SIZE=0 turns it off (e.g.
    # behind PgBouncer in transaction mode).
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool manages connection lifetimes
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env_int("DB_POOL_MAX_SIZE", 10),
        "timeout": 10,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, real time ----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("REDIS_PREFIX", "loket")},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("REDIS_PREFIX", "loket"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Without Redis each ASGI server relays events from the database to its own screens (live/relay.py).
LIVE_RELAY = not REDIS_URL

# --- Background tasks -----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default", "webhooks"],
    }
}

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; the suite creates hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:inbox"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Security -------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the <meta> tag, not the cookie
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 0 if DEBUG or TESTING else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Joining the browsers' preload list is hard to undo, so it is the operator's explicit choice.
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF, "ws:", "wss:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- E-mail (outgoing: password resets, notifications) -------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Loket <loket@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
# The desk's date formats per language (DATETIME_FORMAT, SHORT_DATETIME_FORMAT, SHORT_DATE_FORMAT).
FORMAT_MODULE_PATH = ["loket.formats"]
LOCALE_PATHS = [BASE_DIR / "loket" / "locale"]
# The language an agent picks in the user menu is kept for a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "servestatic.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
SERVESTATIC_USE_FINDERS = DEBUG or TESTING
SERVESTATIC_AUTOREFRESH = DEBUG

# --- Loket ----------------------------------------------------------------------------------
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 600)
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# A death certificate or mandate sent with a death report (PDF or image): docs/bereavement.md.
BEREAVEMENT_DOCUMENT_MAX_BYTES = env_int("BEREAVEMENT_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
# The largest e-mail the SMTP receiver takes (larger: 552 at SMTP time); 35 MiB fits 25 MiB of
# attachments after base64.
EMAIL_MAX_BYTES = env_int("EMAIL_MAX_BYTES", 35 * 1024 * 1024)
# django-anymail: every ANYMAIL_<NAME> variable becomes ANYMAIL["<NAME>"] (provider API keys for
# sending, ANYMAIL_WEBHOOK_SECRET "user:password" and ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY for the
# inbound webhooks). Set EMAIL_BACKEND=anymail.backends.<provider>.EmailBackend to send through one.
ANYMAIL = {name.removeprefix("ANYMAIL_"): value for name, value in os.environ.items() if name.startswith("ANYMAIL_")}
# Seconds between IMAP polls of an account whose server has no IDLE (with IDLE: at once).
IMAP_POLL_SECONDS = env_int("IMAP_POLL_SECONDS", 60)
# WhatsApp Cloud API: the Graph API base, with the version Loket was written against.
WHATSAPP_GRAPH_URL = env_str("WHATSAPP_GRAPH_URL", "https://graph.facebook.com/v23.0")
# The largest WhatsApp media file Loket fetches (Meta's own limit for documents is 100 MB).
WHATSAPP_MEDIA_MAX_BYTES = env_int("WHATSAPP_MEDIA_MAX_BYTES", 100 * 1024 * 1024)
# Twilio (SMS): the REST API base, with its version; replies go to <this>/Accounts/<sid>/Messages.json.
TWILIO_API_URL = env_str("TWILIO_API_URL", "https://api.twilio.com/2010-04-01")
# Hours between two fetches of a WhatsApp number's message templates by the task worker
# (status changes arrive sooner, by webhook; `manage.py whatsapp_templates --sync` fetches now).
WHATSAPP_TEMPLATE_SYNC_HOURS = env_int("WHATSAPP_TEMPLATE_SYNC_HOURS", 3)
# The webhooks' acknowledgement path (integrations/ingress.py): WhatsApp's and Twilio's posts
# answered on the event loop; off sends them through Django's views like every other request.
INBOUND_FAST_PATH = env_bool("INBOUND_FAST_PATH", True)
# How long that path remembers an account (and that a key is unknown) per server process.
INBOUND_ACCOUNT_MEMORY_SECONDS = env_int("INBOUND_ACCOUNT_MEMORY_SECONDS", 30)

# Promises (docs/promises.md): how often the guard scans, and the callback slots customers book.
PROMISE_GUARD_SECONDS = env_int("PROMISE_GUARD_SECONDS", 30)
PROMISE_SLOT_MINUTES = env_int("PROMISE_SLOT_MINUTES", 30)
PROMISE_SLOT_CAPACITY = env_int("PROMISE_SLOT_CAPACITY", 3)
PROMISE_BOOKING_DAYS = env_int("PROMISE_BOOKING_DAYS", 14)
# Key for secrets stored in the database (IMAP passwords); SECRET_KEY when not set.
SECRETS_KEY = env_str("SECRETS_KEY")
# Messages an hour one sender address may deliver to the SMTP receiver; more get 451 (try later).
EMAIL_SENDER_LIMIT = env_int("EMAIL_SENDER_LIMIT", 200)
INBOX_PAGE_SIZE = 25

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "mail.log": {"level": "WARNING"},  # aiosmtpd logs every SMTP command at INFO
    },
}
