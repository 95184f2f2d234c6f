"""Django settings, all from environment variables (documented in example.env).

The defaults are the embedded mode: SQLite under ./var, no broker (tasks run in the calling
process), files on the local disk. Production sets DATABASE_URL, CELERY_BROKER_URL and a secret.
"""

from __future__ import annotations

from pathlib import Path

from core.env import (
    env_bool,
    env_choice,
    env_database,
    env_float,
    env_int,
    env_list,
    env_path,
    env_str,
    read_or_create_secret,
)

BASE_DIR = Path(__file__).resolve().parents[1]
VAR_DIR = env_path("ARENA_VAR_DIR", BASE_DIR / "var")
assert VAR_DIR is not None
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _embedded_secret() -> str:
    """A secret kept in var/ so the embedded mode needs no configuration and keeps sessions
    (created atomically, mode 0600: core.env.read_or_create_secret)."""
    return read_or_create_secret(VAR_DIR / "secret_key")


DEBUG = env_bool("ARENA_DEBUG", False)
SECRET_KEY = env_str("ARENA_SECRET_KEY") or _embedded_secret()
ALLOWED_HOSTS = env_list("ARENA_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("ARENA_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "core",
    "builder",
    "duel_runner",
    "tournament_manager",
    "web",
    "web.play",
    "publisher",
    # The maintainer's console: commands that drive several stages (the demo, a tournament
    # played again), above the stages so that core imports none of them.
    "console",
    # The JSON API (web/api/): Django REST framework, its OpenAPI schema and docs page, whose
    # Swagger UI files come from the sidecar package (no CDN: meetups run offline).
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "web.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files come from the app itself: no CDN, no separate server needed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"
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
            ]
        },
    }
]

DATABASES = {
    "default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'arena.sqlite3'}").django()
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Mail (password reset, notifications): printed on the console unless an SMTP server is given.
ARENA_SMTP_HOST = env_str("ARENA_SMTP_HOST")
if ARENA_SMTP_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = ARENA_SMTP_HOST
    EMAIL_PORT = env_int("ARENA_SMTP_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("ARENA_SMTP_USER")
    EMAIL_HOST_PASSWORD = env_str("ARENA_SMTP_PASSWORD")
    EMAIL_USE_TLS = env_bool("ARENA_SMTP_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("ARENA_FROM_EMAIL", "RL Arena <arena@localhost>")

# Notifications (web.notifications): mails to a competitor's owner, and their webhooks.
# Links in mails and webhooks are absolute: the address people reach the site at.
# Production sets ARENA_DOMAIN (the compose stack, behind TLS): the site is https on it.
_domain = env_str("ARENA_DOMAIN")
ARENA_SITE_URL = (
    env_str("ARENA_SITE_URL") or (f"https://{_domain}" if _domain else "http://127.0.0.1:8000")
).rstrip("/")
# A mail server or webhook out of reach is tried again this many times in all, with the
# pipeline's doubling delays (a minute, then two, four...).
ARENA_NOTIFY_MAX_ATTEMPTS = env_int("ARENA_NOTIFY_MAX_ATTEMPTS", 4, minimum=1)
# Seconds a webhook's server has to connect and answer; its answer is read up to a cap.
ARENA_WEBHOOK_TIMEOUT = env_float("ARENA_WEBHOOK_TIMEOUT", 5.0, minimum=0.1)
# Webhooks go to public addresses only, so that nobody probes the arena's own network through
# them; a development or test setup may allow loopback (127.0.0.1, ::1), never more.
ARENA_WEBHOOK_ALLOW_LOOPBACK = env_bool("ARENA_WEBHOOK_ALLOW_LOOPBACK", False)

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env_path("ARENA_STATIC_ROOT", VAR_DIR / "static")
assert STATIC_ROOT is not None
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise looks there even when empty
# Each game's renderer and images, under /static/games/<slug>/ (asked of the registry).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "web.game_static.GameStaticFinder",
]
# Serve straight from the source folders unless collectstatic ran (the app image runs it).
WHITENOISE_USE_FINDERS = env_bool("ARENA_STATIC_FROM_SOURCES", True)
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = env_path("ARENA_MEDIA_ROOT", VAR_DIR / "media")
# Behind nginx with the media folder mounted (the compose stack): downloads the app allowed are
# handed to nginx with X-Accel-Redirect to this internal prefix, so no app thread streams them.
MEDIA_ACCEL_PREFIX = env_str("ARENA_MEDIA_ACCEL_PREFIX")

ARENA_STORAGE = env_choice("ARENA_STORAGE", "filesystem", ("filesystem", "s3"))
if ARENA_STORAGE == "s3":  # DigitalOcean Spaces or any S3-compatible store
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("ARENA_S3_BUCKET"),
            "endpoint_url": env_str("ARENA_S3_ENDPOINT_URL"),
            "region_name": env_str("ARENA_S3_REGION"),
            "access_key": env_str("ARENA_S3_ACCESS_KEY"),
            "secret_key": env_str("ARENA_S3_SECRET_KEY"),
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("ARENA_LOG_LEVEL", "INFO").upper()},
}

# --- Celery -------------------------------------------------------------------------------
# Without a broker (the embedded mode) tasks run at once in the process that enqueues them.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Tasks keep no result (the API's move writes its outcome in its row: core.models.ApiMove).
CELERY_RESULT_BACKEND = CELERY_BROKER_URL or None
CELERY_RESULT_EXPIRES = 600
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when it ends, and given back when its worker dies: with the state
# checks in the tasks this makes every step at-least-once and its effect exactly-once.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # How long an unacknowledged task waits before Redis hands it to another worker.
    "visibility_timeout": env_int("ARENA_BROKER_VISIBILITY_TIMEOUT", 3600, minimum=10),
    # A worker takes from its queues in the order of its --queues, the first non-empty one
    # first (not in turn): the compose worker's "moves,arena,challenges" plays challenges only
    # when no tournament work waits (core.pipeline.CHALLENGES_QUEUE).
    "queue_order_strategy": "priority",
}
CELERY_TASK_DEFAULT_QUEUE = "arena"
_SWEEP_INTERVAL = env_float("ARENA_REQUEUE_INTERVAL", 30.0, minimum=1.0)
CELERY_BEAT_SCHEDULE = {
    "schedule-tournaments": {
        "task": "tournament_manager.tasks.schedule_tournaments",
        "schedule": env_float("ARENA_SCHEDULE_INTERVAL", 5.0, minimum=0.5),
    },
    # The pipeline's sweep (core/tasks.py): work whose worker died.
    "requeue-stuck-work": {
        "task": "core.tasks.requeue_stuck_work",
        "schedule": _SWEEP_INTERVAL,
    },
    # As often, on whichever worker takes it: the sandboxes its host's dead workers left.
    "clean-up-after-dead-workers": {
        "task": "duel_runner.tasks.clean_up_after_dead_workers",
        "schedule": _SWEEP_INTERVAL,
    },
    # Blunder analyses whose task was lost or whose worker died (duel_runner/coach.py).
    "resend-unfinished-analyses": {
        "task": "duel_runner.coach.resend_unfinished_analyses",
        "schedule": _SWEEP_INTERVAL,
    },
    # Superseded revisions' images go (builder/player_images.py).
    "prune-player-images": {
        "task": "builder.player_images.prune_player_images",
        "schedule": env_float("ARENA_PRUNE_INTERVAL", 3600.0, minimum=60.0),
    },
}
# The pruning task's module, which no app's tasks.py imports.
CELERY_IMPORTS = ["builder.player_images"]

# --- The arena ------------------------------------------------------------------------------
# Where players run: "docker", or "process" (no isolation: refused unless explicitly allowed),
# or "auto" (Docker when an engine answers, else process if allowed).
ARENA_SANDBOX = env_choice("ARENA_SANDBOX", "docker", ("docker", "process", "auto"))
ARENA_ALLOW_PROCESS_SANDBOX = env_bool("ARENA_ALLOW_PROCESS_SANDBOX", False)
ARENA_SOCKET_DIR = env_str("ARENA_SOCKET_DIR")

ARENA_PLAYER_BASE_IMAGE = env_str("ARENA_PLAYER_BASE_IMAGE", "arena-player-base:latest")
ARENA_PLAYER_IMAGE_REPOSITORY = env_str("ARENA_PLAYER_IMAGE_REPOSITORY", "arena-player")
# host:port of a Docker registry for player images (several worker machines): the builder
# pushes every image there, workers pull an image they lack before a duel. Empty: one host.
ARENA_REGISTRY = env_str("ARENA_REGISTRY").rstrip("/")
# The registry's basic-auth credentials (its htpasswd file is made
# from them), sent with each push and pull; workers run images by digest (run_duel/images.py).
ARENA_REGISTRY_USERNAME = env_str("ARENA_REGISTRY_USERNAME")
ARENA_REGISTRY_PASSWORD = env_str("ARENA_REGISTRY_PASSWORD")
ARENA_PIP_INDEX_URL = env_str("ARENA_PIP_INDEX_URL")
ARENA_PIP_EXTRA_INDEX_URL = env_str("ARENA_PIP_EXTRA_INDEX_URL")
ARENA_PIP_CA_BUNDLE = env_path("ARENA_PIP_CA_BUNDLE", None)
ARENA_WHEELHOUSE = env_path("ARENA_WHEELHOUSE", None)
ARENA_BUILD_TIMEOUT = env_float("ARENA_BUILD_TIMEOUT", 900.0, minimum=10)
# Sandboxed builds: each build step's limits (builder/image.py); a step's tmpfs
# is memory too, so a step holds at most ARENA_BUILD_MEMORY + ARENA_BUILD_DISK bytes. torch
# comes as its CPU build, from this extra index when set (else the index or the wheelhouse).
ARENA_BUILD_MEMORY = env_int("ARENA_BUILD_MEMORY", 2 * 1024**3, minimum=64 * 1024**2)
ARENA_BUILD_DISK = env_int("ARENA_BUILD_DISK", 2 * 1024**3, minimum=16 * 1024**2)
ARENA_BUILD_CPUS = env_float("ARENA_BUILD_CPUS", 1.0, minimum=0.1)
ARENA_BUILD_PIDS = env_int("ARENA_BUILD_PIDS", 256, minimum=16)
ARENA_TORCH_INDEX_URL = env_str("ARENA_TORCH_INDEX_URL")

ARENA_ZIP_MAX_BYTES = env_int("ARENA_ZIP_MAX_BYTES", 100 * 1024 * 1024, minimum=1024)
ARENA_ZIP_MAX_UNPACKED_BYTES = env_int(
    "ARENA_ZIP_MAX_UNPACKED_BYTES", 500 * 1024 * 1024, minimum=1024
)
ARENA_ZIP_MAX_FILES = env_int("ARENA_ZIP_MAX_FILES", 2000, minimum=1)

# Uploads a user may make per hour (new revisions), to keep the builders for everyone.
ARENA_SUBMISSIONS_PER_HOUR = env_int("ARENA_SUBMISSIONS_PER_HOUR", 20, minimum=1)

# Validation: the revision plays this many matches against itself.
ARENA_VALIDATION_MATCHES = env_int("ARENA_VALIDATION_MATCHES", 4, minimum=2)
# Tournament duels: 0 means each game's own duel length (info.yml).
ARENA_DUEL_MATCHES = env_int("ARENA_DUEL_MATCHES", 0, minimum=0)
# How sure the ranking must be that a competitor belongs above the next one down (their
# head-to-head likelihood of superiority, docs/rules.md) for the two not to be shown as tied;
# and how many extra duels an edition may spend on tied neighbours (0: none).
ARENA_CONFIDENCE_THRESHOLD = env_float("ARENA_CONFIDENCE_THRESHOLD", 0.95, minimum=0.51, below=1.0)
ARENA_EXTRA_DUELS_PER_EDITION = env_int("ARENA_EXTRA_DUELS_PER_EDITION", 6, minimum=0)
# The coach (duel_runner/coach.py): seconds of solving per completed duel, and at most per
# position (a position beyond it stays "unknown"); 0 turns the analysis off. Without a broker
# (the embedded demo) the analysis runs inline after each duel: 5 s by default there.
ARENA_COACH_SECONDS_PER_DUEL = env_float(
    "ARENA_COACH_SECONDS_PER_DUEL", 60.0 if env_str("CELERY_BROKER_URL") else 5.0, minimum=0
)
ARENA_COACH_SECONDS_PER_POSITION = env_float("ARENA_COACH_SECONDS_PER_POSITION", 2.0, minimum=0)
# The sequential test of the games whose early stop is "sprt" (run_duel/stopping.py; each
# game's mode is an organiser's choice in the admin, off by default): the chance of stopping
# for one player when the other is better by the Elo bound, each way, and the fewest matches.
ARENA_SPRT_ALPHA = env_float("ARENA_SPRT_ALPHA", 0.0005, minimum=1e-9)
ARENA_SPRT_BETA = env_float("ARENA_SPRT_BETA", 0.0005, minimum=1e-9)
ARENA_SPRT_ELO = env_float("ARENA_SPRT_ELO", 15.0, minimum=0.1)
ARENA_SPRT_MIN_MATCHES = env_int("ARENA_SPRT_MIN_MATCHES", 20, minimum=0)
# A RUNNING build, validation or duel whose worker sent no sign of life for this long is
# taken back and queued again.
ARENA_STUCK_AFTER = env_float("ARENA_STUCK_AFTER", 300.0, minimum=5)
ARENA_HEARTBEAT_INTERVAL = env_float("ARENA_HEARTBEAT_INTERVAL", 10.0, minimum=0.5)
# Arena errors (OTHER_ERROR, Docker down) are retried this many times before a duel fails.
ARENA_MAX_DUEL_ATTEMPTS = env_int("ARENA_MAX_DUEL_ATTEMPTS", 3, minimum=1)
# The same cap for a validation and for a build; a requeue after a dead worker is an attempt
# too, so nothing is tried forever.
ARENA_MAX_VALIDATION_ATTEMPTS = env_int("ARENA_MAX_VALIDATION_ATTEMPTS", 3, minimum=1)
ARENA_MAX_BUILD_ATTEMPTS = env_int("ARENA_MAX_BUILD_ATTEMPTS", 6, minimum=1)
# The longest line a player may write on the protocol stream; longer is its fatal error.
ARENA_PROTOCOL_LINE_BYTES = env_int("ARENA_PROTOCOL_LINE_BYTES", 1 << 20, minimum=64 << 10)

# Watching duels live (duel_runner/live.py): a running duel's events, kept this many (about)
# and for this long after the duel ends.
ARENA_LIVE_MAXLEN = env_int("ARENA_LIVE_MAXLEN", 5000, minimum=100)
ARENA_LIVE_KEEP_SECONDS = env_int("ARENA_LIVE_KEEP_SECONDS", 600, minimum=10)
# A spectator's event stream (a coroutine of the web process's event loop under ASGI) ends
# after this many seconds (the browser reconnects at once where it left off), and a web process
# serves at most this many at a time. A stream costs a socket, a few KB and its share of the
# writes of the duel's events (read once per process): two processes held 2000 spectators with
# pages p95 under 200 ms (bench/bench_spectators.py), so 5000 a process stops a flood (the
# others wait and retry) well before memory or file descriptors (see the web's ulimits) run out.
ARENA_LIVE_STREAM_SECONDS = env_float("ARENA_LIVE_STREAM_SECONDS", 60.0, minimum=1)
ARENA_LIVE_STREAMS_PER_PROCESS = env_int("ARENA_LIVE_STREAMS_PER_PROCESS", 5000, minimum=1)

# --- Playing against an agent in the browser ---------------------------------------------------
# Human matches running at once, over the whole arena: each holds a sandbox (and, with a broker,
# a process of a worker consuming the "play" queue).
ARENA_PLAY_MAX_MATCHES = env_int("ARENA_PLAY_MAX_MATCHES", 4, minimum=1)
# Seconds a human match waits for the human's next move before it is abandoned and its sandbox
# released.
ARENA_PLAY_IDLE_TIMEOUT = env_float("ARENA_PLAY_IDLE_TIMEOUT", 300.0, minimum=1)

# --- Publishing: the source of public revisions, in a git repository --------------------------
# Empty: publishing is off. Validated public revisions then wait (PUBLISH_SCHEDULED) until it is
# turned on and `manage.py publish_pending` sends them.
ARENA_PUBLISH_REPOSITORY = env_str("ARENA_PUBLISH_REPOSITORY")
ARENA_PUBLISH_BRANCH = env_str("ARENA_PUBLISH_BRANCH") or "main"
# A private key allowed to push (a deploy key), on every worker; used for ssh URLs.
ARENA_PUBLISH_SSH_KEY = env_path("ARENA_PUBLISH_SSH_KEY", None)
# How to link a commit, with {sha} (and {path}, the published folder); empty: <repository>@<sha>.
ARENA_PUBLISH_URL_TEMPLATE = env_str("ARENA_PUBLISH_URL_TEMPLATE")
ARENA_PUBLISH_AUTHOR_NAME = env_str("ARENA_PUBLISH_AUTHOR_NAME", "RL Arena")
ARENA_PUBLISH_AUTHOR_EMAIL = env_str("ARENA_PUBLISH_AUTHOR_EMAIL", "arena@localhost")
# An unreachable repository is tried again this many times, with a growing delay, then failed.
ARENA_PUBLISH_RETRIES = env_int("ARENA_PUBLISH_RETRIES", 4, minimum=0)
ARENA_PUBLISH_TIMEOUT = env_float("ARENA_PUBLISH_TIMEOUT", 300.0, minimum=5)

# --- The JSON API (/api/v1/) and its move endpoint ------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["web.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "web.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "web.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RL Arena API",
    "DESCRIPTION": (
        "Games, competitors, revisions, tournaments, duels and match replays; with a personal "
        "API token (created on your profile page), create competitors, upload revisions and "
        "ask a validated agent for its move."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DuelStateEnum": "core.models.Duel.STATES",
        "TournamentStateEnum": "core.models.Tournament.STATES",
        "RemoteSideEnum": "web.api.serializers.REMOTE_SIDES",  # a remote match's two sides
    },
}
# Moves one API token may ask for per minute (each one starts the agent in its sandbox).
ARENA_API_MOVES_PER_MINUTE = env_int("ARENA_API_MOVES_PER_MINUTE", 10, minimum=1)
# Web and API hardening: moves, cookies behind TLS, throttles, per-user caps.
# How long a move request waits for its answer (at most 10 s: a waiting request holds a web
# thread) before it answers 202 with the move's address to poll.
ARENA_API_MOVE_WAIT = env_float("ARENA_API_MOVE_WAIT", 3.0, minimum=0)
# A move no worker took within this many seconds is dropped (its poll then says so).
ARENA_API_MOVE_EXPIRES = env_float("ARENA_API_MOVE_EXPIRES", 60.0, minimum=5)
# Moves asked for and not answered yet: per token, and over the whole arena.
ARENA_API_MOVES_IN_FLIGHT_PER_TOKEN = env_int("ARENA_API_MOVES_IN_FLIGHT_PER_TOKEN", 2, minimum=1)
ARENA_API_MOVES_IN_FLIGHT = env_int("ARENA_API_MOVES_IN_FLIGHT", 16, minimum=1)

# Behind the compose stack's nginx, which sets X-Forwarded-Proto and X-Forwarded-For itself
# (nginx/templates/arena-proxy.conf): only then may the app believe those headers.
ARENA_BEHIND_PROXY = env_bool("ARENA_BEHIND_PROXY", False)
if ARENA_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Session and CSRF cookies: "auto" marks them Secure on responses to requests that came over
# TLS (web.middleware.SecureCookiesMiddleware), "true" always, "false" never.
ARENA_SECURE_COOKIES = env_choice("ARENA_SECURE_COOKIES", "auto", ("auto", "true", "false"))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = ARENA_SECURE_COOKIES == "true"
if ARENA_SECURE_COOKIES == "auto":
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "web.middleware.SecureCookiesMiddleware",
    )
SESSION_COOKIE_HTTPONLY = True
# Failed logins and password-reset requests allowed per 15 minutes, per account (email) and
# per client address (high: a meetup's attendees may share one address).
ARENA_LOGIN_ATTEMPTS_PER_ACCOUNT = env_int("ARENA_LOGIN_ATTEMPTS_PER_ACCOUNT", 10, minimum=1)
ARENA_LOGIN_ATTEMPTS_PER_IP = env_int("ARENA_LOGIN_ATTEMPTS_PER_IP", 100, minimum=1)
# The throttles' counters: in Redis with a broker (shared by every web process), else in the
# process's memory (the embedded mode serves from one process).
if CELERY_BROKER_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CELERY_BROKER_URL,
            "KEY_PREFIX": "arena:cache",
        }
    }
# Human matches (web/play) one user may play at once, and live streams one viewer (a user, or
# an address when logged out) may hold at once in a web process.
ARENA_PLAY_MATCHES_PER_USER = env_int("ARENA_PLAY_MATCHES_PER_USER", 1, minimum=1)
ARENA_LIVE_STREAMS_PER_VIEWER = env_int("ARENA_LIVE_STREAMS_PER_VIEWER", 1, minimum=1)
# Challenges (unranked duels a participant asks for, web.services.start_challenge): how many a
# user may ask for in 24 hours, and how many of theirs may wait or play at once.
ARENA_CHALLENGES_PER_DAY = env_int("ARENA_CHALLENGES_PER_DAY", 10, minimum=0)
ARENA_CHALLENGES_AT_ONCE = env_int("ARENA_CHALLENGES_AT_ONCE", 2, minimum=1)
