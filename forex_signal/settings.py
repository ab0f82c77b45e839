"""Django settings for forex_signal, read from the environment / `.env` (django-environ).

Every key is documented in `.env.example`. With no environment at all the project runs
embedded: SQLite, local-memory cache, in-memory channel layer, worker in the web process.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "testserver"]),
    CSRF_TRUSTED_ORIGINS=(list, ["http://127.0.0.1:8000", "http://localhost:8000"]),
    FEED=(str, "live"),
    REDIS_URL=(str, ""),
    API_THROTTLE_USER=(str, "6000/min"),
    API_THROTTLE_ANON=(str, "60/min"),
    AUTH_THROTTLE=(str, "20/min"),
    TRUSTED_PROXY_COUNT=(int, 0),
    LOGIN_FAILURE_LIMIT=(int, 10),
    LOGIN_COOLOFF_MINUTES=(float, 15.0),
    TOKEN_TTL_HOURS=(float, 720.0),
    EMBEDDED_WORKER=(bool, True),
    PRICE_WORKER_PAIRS=(list, ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "BTCUSD"]),
    SIM_SEED=(int, 42),
    SIM_PAIRS=(list, []),
    SIM_HISTORY_BARS=(int, 5000),
    WS_MAX_SOCKETS_PER_USER=(int, 20),
    WS_MAX_MESSAGES_PER_SECOND=(int, 20),
    WS_RATE_LIMIT_CLOSE_SECONDS=(float, 10.0),
    # TradingView's published webhook source addresses (docs/signals.md, Webhook security).
    TRADINGVIEW_WEBHOOK_IPS=(list, ["52.89.214.238", "34.212.75.30", "54.218.53.128", "52.32.178.7"]),
)
# ENV_FILE names the dotenv file to read (default: .env at the repository root); a path that does
# not exist means none is read, so a check can run on the environment alone.
ENV_FILE = Path(os.environ.get("ENV_FILE") or BASE_DIR / ".env")
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        # A public fallback key would let anyone forge sessions, CSRF tokens and signed values.
        raise ImproperlyConfigured(
            "SECRET_KEY is not set and DEBUG is off. Set SECRET_KEY in the environment or in "
            f"{ENV_FILE} (`python3 setup_paper_trading.py run` or `test` writes .env with a random "
            "one), or set DEBUG=true for a development key."
        )
    SECRET_KEY = "insecure-dev-key-only-with-DEBUG-true"
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

# HTTPS. The defaults keep a plain-HTTP server on loopback working; behind a TLS proxy set them
# as `.env.example` and docs/security.md describe (`manage.py check --deploy` then passes).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# A proxy's or orchestrator's health probe speaks plain HTTP to the server itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
# "HEADER,value", e.g. HTTP_X_FORWARDED_PROTO,https: a request carrying it counts as HTTPS. Only
# behind a proxy that always sets (or strips) that header, or any client can claim HTTPS.
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header and len(_proxy_ssl_header) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER must be HEADER,value (e.g. HTTP_X_FORWARDED_PROTO,https), "
        f"not {','.join(_proxy_ssl_header)!r}"
    )
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) or None

INSTALLED_APPS = [
    "forex_signal",  # before daphne: its `runserver` (forex_signal/management/commands/runserver.py)
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "csp",
    "paper_trading",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # JSON and HTML answers gzipped for clients that ask (Django's BREACH mitigation pads each
    # body); static files come pre-compressed (gzip and brotli) from WhiteNoise instead.
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "paper_trading.middleware.AsyncWhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "paper_trading.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout answer (api/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "forex_signal.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "dist"],
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
WSGI_APPLICATION = "forex_signal.wsgi.application"
ASGI_APPLICATION = "forex_signal.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL + a busy timeout let the embedded worker and the web threads share the file. A
    # transaction takes the write lock when it begins (IMMEDIATE): one that read first and wrote
    # later failed at once with "database is locked" if any other write had committed meanwhile
    # (SQLite cannot wait there); now it waits for the lock like every other writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # Under ASGI each request may run on a fresh thread, so per-thread persistent connections
    # leak (PostgreSQL runs out of slots). A psycopg pool per process hands connections out instead.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=2),
        "max_size": env.int("DB_POOL_MAX", default=20),
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
    }
    # The order path's fixed statements are prepared once per pooled connection
    # (fast_path.kept_statement_cursor); every other query keeps Django's client-side binding, which
    # psycopg never prepares. Django turns preparing off by default for the sake of transaction
    # poolers (PgBouncer before 1.21): DB_PREPARED_STATEMENTS=0 behind one of those.
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5

REDIS_URL = env("REDIS_URL")
# The most connections one process opens to Redis for the cache, the throttle and the worker
# locks (one pool per process, docs/architecture.md "Redis connections"); a request that finds
# them all busy waits up to REDIS_POOL_TIMEOUT seconds, then is answered 503.
REDIS_MAX_CONNECTIONS = env.int("REDIS_MAX_CONNECTIONS", default=50)
REDIS_POOL_TIMEOUT = 5
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis keeps its pools process-wide (Django's own backend builds one per
            # backend instance, and under ASGI that is one per request).
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "CONNECTION_POOL_CLASS": "redis.BlockingConnectionPool",
                "CONNECTION_POOL_KWARGS": {
                    "max_connections": REDIS_MAX_CONNECTIONS,
                    "timeout": REDIS_POOL_TIMEOUT,
                },
                # A Redis that hangs (rather than refusing) fails a request in 5 s instead of
                # holding its thread and its pooled connection for good.
                "SOCKET_CONNECT_TIMEOUT": 5,
                "SOCKET_TIMEOUT": 5,
            },
            # A test run gets its own key space, so it never touches a running server's quotes,
            # breakers or worker locks in the same Redis.
            "KEY_PREFIX": f"test{os.getpid()}"
            if "pytest" in sys.modules
            else env("CACHE_KEY_PREFIX", default="fs"),
        }
    }
    # Which channels-redis layer: "pubsub" (one PUBLISH per group, fanned out in each server
    # process) or "core" (one list per channel). docs/websocket.md has the measurements.
    CHANNEL_LAYER = env.str("CHANNEL_LAYER", default="pubsub")
    if CHANNEL_LAYER not in {"pubsub", "core"}:
        raise ImproperlyConfigured(f"CHANNEL_LAYER must be pubsub or core, not {CHANNEL_LAYER!r}")
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer"
            if CHANNEL_LAYER == "pubsub"
            else "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py's async pool allows 100 connections by default; group joins of a few
                # hundred sockets at once need more. redis-py 8 also reads with a 5 s timeout,
                # the very time the core layer blocks in BZPOPMIN on an idle channel: every
                # quiet socket then died with "Timeout reading" after 5 s. Reads wait longer.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": env.int("CHANNEL_REDIS_MAX_CONNECTIONS", 1000),
                        "socket_timeout": 15,
                    }
                ],
                "prefix": f"test{os.getpid()}"
                if "pytest" in sys.modules
                else env("CHANNEL_PREFIX", default="fs"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [d for d in [BASE_DIR / "frontend" / "dist"] if d.exists()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Vite names every built asset by its content hash (assets/index-CpiLfz6w.js): WhiteNoise sends
# those as immutable (cached for ten years); index.html and the rest revalidate (docs/frontend.md, Payload).
WHITENOISE_IMMUTABLE_FILE_TEST = r"/assets/[^/]+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/admin/login/"

# Failed logins (token endpoint, session login, admin) are counted by django-axes per username
# and, separately, per client address; either reaching the limit locks further attempts out,
# even with the right password, until the cool-off has passed since the last attempt.
# docs/api.md#authentication, docs/decisions/0006-login-lockout.md.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env("LOGIN_FAILURE_LIMIT")
AXES_COOLOFF_TIME = timedelta(minutes=env("LOGIN_COOLOFF_MINUTES"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "paper_trading.api.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "paper_trading.api.lockout.lockout_response"
# A success does not wipe the address's count: one's own account would reset it between guesses.
AXES_RESET_ON_SUCCESS = False
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME <= timedelta(0):
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be positive")
# How many reverse proxies in front of the server append to X-Forwarded-For: 0 (the default)
# trusts no forwarded header and counts REMOTE_ADDR. DRF's throttles and the login lockout
# both take the client address by this one rule (paper_trading/api/lockout.py).
TRUSTED_PROXY_COUNT = env("TRUSTED_PROXY_COUNT")
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")

# API tokens (django-rest-knox): only a SHA-512 digest is stored; each token expires.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env("TOKEN_TTL_HOURS")),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
if REST_KNOX["TOKEN_TTL"] <= timedelta(0):
    raise ImproperlyConfigured("TOKEN_TTL_HOURS must be positive")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes "no credentials" a 401, not a 403.
        "paper_trading.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The API speaks JSON only: no browsable HTML pages (`?format=api` is a 404), no form bodies.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["paper_trading.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "paper_trading.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "paper_trading.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "paper_trading.api.throttling.UserRateThrottle",
        "paper_trading.api.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_USER"),
        "anon": env("API_THROTTLE_ANON"),
        "auth": env("AUTH_THROTTLE"),
    },
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "forex_signal paper trading API",
    "DESCRIPTION": "Paper trading on simulated accounts. See docs/api.md.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets come from the package, not a CDN: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents its error answers with the one error body.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "paper_trading.api.responses.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SideEnum": ["buy", "sell", "BUY", "SELL", "Buy", "Sell", "long", "short", "LONG", "SHORT"],
        # What a trade body carries (paper_trading/api/responses.py); requests accept SideEnum.
        "TradeSideEnum": ["buy", "sell"],
        "EntryTypeEnum": ["market", "limit", "stop", "stop_limit"],
        "StatusEnum": ["pending", "open", "closed", "cancelled"],  # a trade's
        "SignalStatusEnum": [
            "received",
            "alerted",
            "executed",
            "rejected",
            "skipped",
            "expired",
            "dismissed",
        ],
    },
}

# Content-Security-Policy on every response (django-csp; docs/decisions/0008-csp.md): only this
# origin's scripts, styles, images and connections (CSP Level 3 'self' covers ws:/wss: to the
# same host); no plugins, no framing, no foreign <base> or form targets. data: images are the
# icons inside Swagger UI's stylesheet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Product settings
FEED = env("FEED")
EMBEDDED_WORKER = env("EMBEDDED_WORKER")
# The uses of dependencies' private APIs kept for speed (paper_trading/fast_path.py); off, each
# falls back to the dependency's public behaviour, with the same API (docs/performance.md).
FAST_PATH = env.bool("FAST_PATH", default=True)
PRICE_WORKER_PAIRS = env("PRICE_WORKER_PAIRS")
SIM_SEED = env("SIM_SEED")
SIM_PAIRS = env("SIM_PAIRS")  # empty: every symbol of the instrument registry
SIM_HISTORY_BARS = env("SIM_HISTORY_BARS")
TWELVE_DATA_API_KEY = env("TWELVE_DATA_API_KEY", default="")
FINNHUB_API_KEY = env("FINNHUB_API_KEY", default="")
ALPHA_VANTAGE_API_KEY = env("ALPHA_VANTAGE_API_KEY", default="")
BINANCE_TESTNET_API_KEY = env("BINANCE_TESTNET_API_KEY", default="")
BINANCE_TESTNET_API_SECRET = env("BINANCE_TESTNET_API_SECRET", default="")
MT_BRIDGE_ADDRESS = env("MT_BRIDGE_ADDRESS", default="")
# WebSocket limits (docs/websocket.md, "Limits").
WS_MAX_SOCKETS_PER_USER = env("WS_MAX_SOCKETS_PER_USER")
WS_MAX_MESSAGES_PER_SECOND = env("WS_MAX_MESSAGES_PER_SECOND")
WS_RATE_LIMIT_CLOSE_SECONDS = env("WS_RATE_LIMIT_CLOSE_SECONDS")
# The preset a webhook token's `allowed_ips` takes with `use_tradingview_ips` (docs/signals.md).
TRADINGVIEW_WEBHOOK_IPS = env("TRADINGVIEW_WEBHOOK_IPS")

# Market data (paper_trading/data_aggregator.py). Base URLs are settings so tests point the
# providers at loopback servers; budgets default to each provider's free tier.
PROVIDER_PRIORITY = env.list(
    "PROVIDER_PRIORITY", default=["binance", "twelvedata", "finnhub", "alphavantage", "yahoo"]
)
TWELVE_DATA_BASE_URL = env("TWELVE_DATA_BASE_URL", default="https://api.twelvedata.com")
FINNHUB_BASE_URL = env("FINNHUB_BASE_URL", default="https://finnhub.io/api/v1")
ALPHA_VANTAGE_BASE_URL = env("ALPHA_VANTAGE_BASE_URL", default="https://www.alphavantage.co")
BINANCE_BASE_URL = env("BINANCE_BASE_URL", default="https://api.binance.com")
# Yahoo goes through yfinance (its hosts are fixed): an optional proxy for it, and where yfinance
# keeps its time-zone and cookie caches (empty: its default, the user's cache directory).
YAHOO_PROXY = env("YAHOO_PROXY", default="")
YAHOO_CACHE_DIR = env("YAHOO_CACHE_DIR", default="")
PROVIDER_TIMEOUT = env.float("PROVIDER_TIMEOUT", default=8.0)
PROVIDER_BUDGETS = {
    # provider: (per day, per minute); None = no limit
    "twelvedata": (
        env.int("TWELVE_DATA_DAILY_LIMIT", default=800),
        env.int("TWELVE_DATA_MINUTE_LIMIT", default=8),
    ),
    "finnhub": (None, env.int("FINNHUB_MINUTE_LIMIT", default=60)),
    "alphavantage": (
        env.int("ALPHA_VANTAGE_DAILY_LIMIT", default=25),
        env.int("ALPHA_VANTAGE_MINUTE_LIMIT", default=5),
    ),
    "binance": (None, env.int("BINANCE_MINUTE_LIMIT", default=600)),
    "yahoo": (env.int("YAHOO_DAILY_LIMIT", default=2000), env.int("YAHOO_MINUTE_LIMIT", default=30)),
}
PROVIDER_BREAKER_FAILURES = env.int("PROVIDER_BREAKER_FAILURES", default=5)
PROVIDER_BREAKER_COOLOFF = env.float("PROVIDER_BREAKER_COOLOFF", default=300.0)
QUOTE_MAX_AGE = env.float("QUOTE_MAX_AGE", default=120.0)  # seconds before a quote is stale
# The spike hold (docs/market-data.md): a quote moving more than its class's floor and
# QUOTE_HOLD_MULTIPLIER x the median recent move waits for the next quote to confirm it.
QUOTE_HOLD_FLOOR_FX = env.str("QUOTE_HOLD_FLOOR_FX", default="0.01")
QUOTE_HOLD_FLOOR_METAL = env.str("QUOTE_HOLD_FLOOR_METAL", default="0.02")
QUOTE_HOLD_FLOOR_CRYPTO = env.str("QUOTE_HOLD_FLOOR_CRYPTO", default="0.05")
QUOTE_HOLD_MULTIPLIER = env.str("QUOTE_HOLD_MULTIPLIER", default="10")
QUOTE_HOLD_WINDOW = env.int("QUOTE_HOLD_WINDOW", default=20)
# Seconds a price worker's symbol lock lives without a heartbeat (renewed every third of it), so
# a killed worker's symbols are taken over within about this long (docs/market-data.md).
WORKER_LOCK_TTL = env.float("WORKER_LOCK_TTL", default=5.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
