"""Tessera settings: one module for every environment, configured by the environment.

Every variable of the deployment guide is read here with the guide's default and
validated at start-up (see ``tessera.config``): a malformed value stops the process
with a message naming the variable. ``.env.example`` lists them all.
"""

import ipaddress
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from tessera import config

BASE_DIR = Path(__file__).resolve().parent.parent

# FileAwareEnv also reads <NAME>_FILE (Kubernetes secrets mounted as files).
env = environ.FileAwareEnv()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")


def _raw(name: str, default: str = "") -> str:
    return env.str(name, default=default)


def _int(name: str, default: int, **bounds: int) -> int:
    return config.parse_int(name, _raw(name, str(default)), **bounds)


def _bool(name: str, default: bool) -> bool:
    return config.parse_bool(name, _raw(name, "true" if default else "false"))


# --- Core -----------------------------------------------------------------------------
ENVIRONMENT = config.parse_choice(
    "ENVIRONMENT", _raw("ENVIRONMENT", "development"), config.ENVIRONMENTS
)
IS_DEVELOPMENT = ENVIRONMENT == "development"
DEBUG = IS_DEVELOPMENT
API_HOST = _raw("API_HOST", "0.0.0.0") or "0.0.0.0"
API_PORT = _int("API_PORT", 8000, minimum=1, maximum=65535)
API_RELOAD = _bool("API_RELOAD", False)
LOG_LEVEL = config.parse_choice(
    "LOG_LEVEL", _raw("LOG_LEVEL", "INFO"), config.LOG_LEVELS, upper=True
)
# The service is reached through a load balancer or ingress that owns the host name.
ALLOWED_HOSTS = config.parse_list("ALLOWED_HOSTS", _raw("ALLOWED_HOSTS", "*"))

# Without SECRET_KEY, production replicas share a key generated once and kept in the
# database (teams.InstanceSecret), so admin sessions survive across replicas.
_secret_key = _raw("SECRET_KEY")
if _secret_key:
    SECRET_KEY = _secret_key
elif IS_DEVELOPMENT:
    SECRET_KEY = "django-insecure-tessera-development-only"
else:
    from teams.secret import database_secret_key

    SECRET_KEY = database_secret_key()

# --- Database -------------------------------------------------------------------------
_database_url = _raw("DATABASE_URL")
if not _database_url:
    if not IS_DEVELOPMENT:
        raise ImproperlyConfigured(
            f"DATABASE_URL is required when ENVIRONMENT={ENVIRONMENT} "
            "(e.g. postgresql://user:pass@host:5432/tessera)"
        )
    # Zero-setup default: SQLite, so a fresh clone runs with no services at all.
    _database_url = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DB_POOL_SIZE = _int("DB_POOL_SIZE", 20, minimum=1)
DB_MAX_OVERFLOW = _int("DB_MAX_OVERFLOW", 10, minimum=0)
DB_POOL_TIMEOUT = _int("DB_POOL_TIMEOUT", 30, minimum=1)
DB_POOL_RECYCLE = _int("DB_POOL_RECYCLE", 3600, minimum=1)
DATABASES = {
    "default": {
        **config.database_config(
            _database_url,
            pool={
                # psycopg keeps min_size connections open and grows to max_size.
                "min_size": DB_POOL_SIZE,
                "max_size": DB_POOL_SIZE + DB_MAX_OVERFLOW,
                "timeout": DB_POOL_TIMEOUT,
                "max_lifetime": DB_POOL_RECYCLE,
            },
        ),
        # Each request runs in one transaction that commits before the response leaves.
        "ATOMIC_REQUESTS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Which PostgreSQL schema each app's (or model's) tables live in (WORKFLOWS.md 1.2).
# "app_label.modelname" entries override the app's schema. Ignored on SQLite.
DB_SCHEMAS = {
    "teams": "core",
    "contracts": "core",
    "contracts.proposal": "workflow",
    "contracts.acknowledgment": "workflow",
    "webhooks": "workflow",
    "audit": "audit",
}

# --- Cache (Redis optional: the app works without it) -----------------------------------
REDIS_URL = _raw("REDIS_URL")
if REDIS_URL:
    config.parse_url("REDIS_URL", REDIS_URL, schemes=("redis", "rediss", "unix"))
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tessera",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    # A Redis outage degrades to "no cache" instead of failing requests.
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # Rate-limit counters live here without Redis: room for many clients.
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
CACHE_TTL = _int("CACHE_TTL", 300, minimum=0)
CACHE_TTL_CONTRACT = _int("CACHE_TTL_CONTRACT", 600, minimum=0)
CACHE_TTL_ASSET = _int("CACHE_TTL_ASSET", 300, minimum=0)
CACHE_TTL_TEAM = _int("CACHE_TTL_TEAM", 300, minimum=0)
CACHE_TTL_SCHEMA = _int("CACHE_TTL_SCHEMA", 3600, minimum=0)

# --- Authentication -------------------------------------------------------------------
AUTH_DISABLED = _bool("AUTH_DISABLED", False)
if AUTH_DISABLED and ENVIRONMENT == "production":
    raise ImproperlyConfigured(
        "AUTH_DISABLED=true is refused when ENVIRONMENT=production"
    )
BOOTSTRAP_API_KEY = _raw("BOOTSTRAP_API_KEY")
# last_used_at is written at most this often per key, not on every request.
API_KEY_LAST_USED_RESOLUTION_SECONDS = 60

# --- Security: CORS -------------------------------------------------------------------
CORS_ORIGINS = config.parse_list("CORS_ORIGINS", _raw("CORS_ORIGINS", "*"))
CORS_ALLOW_METHODS_SETTING = [
    m.upper()
    for m in config.parse_list(
        "CORS_ALLOW_METHODS",
        _raw("CORS_ALLOW_METHODS", "GET,POST,PATCH,DELETE,OPTIONS"),
    )
]
if "*" in CORS_ORIGINS:
    # Browsers reject a wildcard origin with credentials, so "*" means no credentials.
    CORS_ALLOW_ALL_ORIGINS = True
    CORS_ALLOW_CREDENTIALS = False
else:
    CORS_ALLOWED_ORIGINS = CORS_ORIGINS
    CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = ["*"]
if ENVIRONMENT == "production":
    CORS_ALLOW_METHODS = CORS_ALLOW_METHODS_SETTING
else:
    CORS_ALLOW_METHODS = ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"]
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After"]

# --- Rate limiting --------------------------------------------------------------------
RATE_LIMIT_ENABLED = _bool("RATE_LIMIT_ENABLED", True)
RATE_LIMITS = {
    category: config.parse_rate_limit(name, _raw(name, default))
    for category, name, default in (
        ("read", "RATE_LIMIT_READ", "1000/minute"),
        ("write", "RATE_LIMIT_WRITE", "100/minute"),
        ("admin", "RATE_LIMIT_ADMIN", "50/minute"),
        ("global", "RATE_LIMIT_GLOBAL", "5000/minute"),
    )
}

# --- Resource limits and defaults -----------------------------------------------------
MAX_SCHEMA_SIZE_BYTES = _int("MAX_SCHEMA_SIZE_BYTES", 1_000_000, minimum=1)
MAX_SCHEMA_PROPERTIES = _int("MAX_SCHEMA_PROPERTIES", 1000, minimum=1)
MAX_FQN_LENGTH = _int("MAX_FQN_LENGTH", 1000, minimum=3, maximum=1000)
MAX_TEAM_NAME_LENGTH = _int("MAX_TEAM_NAME_LENGTH", 255, minimum=1, maximum=255)
DEFAULT_ENVIRONMENT = _raw("DEFAULT_ENVIRONMENT", "production")
if not 1 <= len(DEFAULT_ENVIRONMENT) <= 50:
    raise ImproperlyConfigured(
        "Invalid value for DEFAULT_ENVIRONMENT: 1 to 50 characters"
    )
IMPACT_DEPTH_MAX = _int("IMPACT_DEPTH_MAX", 10, minimum=1, maximum=100)
IMPACT_DEPTH_DEFAULT = _int(
    "IMPACT_DEPTH_DEFAULT", 5, minimum=1, maximum=IMPACT_DEPTH_MAX
)
PAGINATION_LIMIT_MAX = _int("PAGINATION_LIMIT_MAX", 100, minimum=1)
PAGINATION_LIMIT_DEFAULT = _int(
    "PAGINATION_LIMIT_DEFAULT", 50, minimum=1, maximum=PAGINATION_LIMIT_MAX
)
GIT_SYNC_PATH = _raw("GIT_SYNC_PATH")

# --- Webhooks -------------------------------------------------------------------------
WEBHOOK_URL = _raw("WEBHOOK_URL")
if WEBHOOK_URL:
    config.parse_url("WEBHOOK_URL", WEBHOOK_URL)
WEBHOOK_SECRET = _raw("WEBHOOK_SECRET")
WEBHOOK_MAX_ATTEMPTS = _int("WEBHOOK_MAX_ATTEMPTS", 3, minimum=1, maximum=100)
WEBHOOK_BACKOFF_SECONDS = config.parse_float(
    "WEBHOOK_BACKOFF_SECONDS", _raw("WEBHOOK_BACKOFF_SECONDS", "1")
)
WEBHOOK_TIMEOUT_SECONDS = config.parse_float(
    "WEBHOOK_TIMEOUT_SECONDS", _raw("WEBHOOK_TIMEOUT_SECONDS", "30"), minimum=0.001
)
WEBHOOK_SWEEP_INTERVAL_SECONDS = config.parse_float(
    "WEBHOOK_SWEEP_INTERVAL_SECONDS",
    _raw("WEBHOOK_SWEEP_INTERVAL_SECONDS", "60"),
    minimum=0.1,
)
# Host names, IPs or CIDRs that may be private or loopback (SSRF guard, webhooks.egress).
WEBHOOK_ALLOWED_HOSTS = config.parse_list(
    "WEBHOOK_ALLOWED_HOSTS", _raw("WEBHOOK_ALLOWED_HOSTS", "")
)
# Development delivers to a receiver on this machine without any allow-list; every
# other environment must list loopback or private destinations in WEBHOOK_ALLOWED_HOSTS.
WEBHOOK_ALLOW_LOOPBACK = IS_DEVELOPMENT
for _entry in WEBHOOK_ALLOWED_HOSTS:
    if "/" in _entry:
        try:
            ipaddress.ip_network(_entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"Invalid value for WEBHOOK_ALLOWED_HOSTS: {_entry!r} is not a valid CIDR"
            ) from None
# The queue of the delivery task; `manage.py webhook_worker` serves every queue.
WEBHOOK_QUEUE = "webhooks"
# Delivery runs in a worker (django.tasks + django-tasks-db): the task row is written
# in the same transaction as the delivery row, so the queue is a transactional outbox.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", WEBHOOK_QUEUE],
    }
}

# --- Applications ---------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "django_tasks_db",
    "tessera",
    "teams",
    "audit",
    "contracts",
    "webhooks",
]

MIDDLEWARE = [
    "tessera.middleware.RequestIdMiddleware",
    "tessera.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Routes are slash-less (API.md 1); the catch-all route redirects "/x/" to "/x".
APPEND_SLASH = False

ROOT_URLCONF = "tessera.urls"
WSGI_APPLICATION = "tessera.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tessera" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve admin and Swagger assets straight from the installed apps when collectstatic
# has not run (make serve on a fresh clone); the image runs collectstatic at build.
WHITENOISE_USE_FINDERS = True

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "teams.authentication.ApiKeyAuthentication",
        "teams.authentication.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["teams.permissions.IsAuthenticated"],
    # RATE_LIMIT_* per endpoint and client; plain Django views (health) are never limited.
    "DEFAULT_THROTTLE_CLASSES": ["tessera.ratelimit.RateLimitThrottle"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "tessera.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "tessera.pagination.LimitOffsetPagination",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "tessera.api.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "tessera.api.JsonByDefaultNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tessera API",
    "DESCRIPTION": (
        "Data contract coordination for warehouses.\n\n"
        "Resources live under `/api/v1`, without trailing slashes; the health probes "
        "are at the root. Authenticate with `Authorization: Bearer <key>` or "
        "`X-API-Key: <key>`; scopes are `read`, `write` and `admin` (`admin` implies "
        "the others). Request bodies are JSON; unknown fields and query parameters are "
        "ignored. Ids are UUIDs: a malformed one is a `422`, not a `404`.\n\n"
        "Errors use one envelope, the `Error` schema: "
        '`{"error": {"code", "message", "request_id", "timestamp", "details"}}`; '
        "request-validation errors (`422 VALIDATION_ERROR`) add a top-level `detail` "
        "array naming each problem. Every response carries `X-Request-ID`. Lists are "
        'pages: `{"results", "total", "limit", "offset"}`.'
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI otherwise loads a badge from validator.swagger.io on public hosts.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # Security schemes come from teams.authentication (OpenApiAuthenticationExtension).
    # Views declare their shapes with extend_schema; helpers are in tessera/openapi.py.
    # Public text comes from the annotations only: docstrings are for developers.
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "PREPROCESSING_HOOKS": ["tessera.openapi.add_health_endpoints"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tessera.openapi.require_marked_bodies",
    ],
    # One name per choice set (the sets are compared with their labels).
    "ENUM_NAME_OVERRIDES": {
        "ErrorCodeEnum": "tessera.errors.ErrorCode",
        "ContractStatusEnum": "contracts.models.Contract.Status",
        "RegistrationStatusEnum": "contracts.models.Registration.Status",
        "ProposalStatusEnum": "contracts.models.Proposal.Status",
        "DeliveryStatusEnum": "webhooks.models.WebhookDelivery.Status",
        "AcknowledgmentResponseEnum": "contracts.models.Acknowledgment.Response",
        "ChangeTypeEnum": "contracts.models.ChangeType",
        "ChangeKindEnum": "contracts.api.serializers.contracts.CHANGE_KINDS",
        "PublishedActionEnum": ["published"],
        "ForcePublishedActionEnum": ["force_published"],
        "ProposalCreatedActionEnum": ["proposal_created"],
    },
    "TAGS": [
        {"name": "teams", "description": "Teams own assets and consume contracts."},
        {"name": "api-keys", "description": "API keys; the secret is shown once."},
        {
            "name": "assets",
            "description": "Assets, their contracts (publish, history, diff), impact "
            "analysis, dependencies and lineage.",
        },
        {"name": "contracts", "description": "Published contracts."},
        {"name": "registrations", "description": "Consumer registrations."},
        {
            "name": "proposals",
            "description": "Breaking changes awaiting consumer acknowledgment.",
        },
        {"name": "schemas", "description": "JSON Schema validation."},
        {"name": "webhooks", "description": "Webhook deliveries."},
        {"name": "audit", "description": "The audit trail."},
        {"name": "health", "description": "Probes; no credentials."},
    ],
}

# --- Logging: stdout, LOG_LEVEL, with the request id on every line ---------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "tessera.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        }
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        # 4xx answers are normal API traffic, not warnings.
        "django.request": {
            "handlers": ["stdout"],
            "level": "ERROR",
            "propagate": False,
        },
    },
}
