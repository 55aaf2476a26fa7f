"""Configuration classes: every setting comes from an environment variable with an embedded default.

The embedded default needs nothing installed beyond pip: a SQLite file and local storage under
`instance/`, mail written to an outbox folder. Production (`CONTEST_ENV=production`) must be told
its secret key and should be given PostgreSQL, S3 and Redis.
"""

import hmac
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """The configuration cannot run the application; the message says what to set."""


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name, default, minimum=None):
    """The whole number in environment variable `name` (`default` if unset); ConfigError if not."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from exc
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {number}")
    return number


def _local_secret_key(instance_dir):
    """Return the demo's secret key, generating it once and keeping it in the instance folder."""
    path = Path(instance_dir) / "secret_key"
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Created readable by the owner only: never, even for a moment, by everyone.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    path.chmod(0o600)  # a file left from before keeps its mode through O_TRUNC
    return key


class Config:
    """Embedded defaults, each overridable by the environment variable of the same name."""

    INSTANCE_DIR = INSTANCE_DIR
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'contest.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # file:///absolute/folder or s3://bucket/prefix; unset: the app's INSTANCE_DIR/media, filled
    # in at start-up (contest/storage). A malformed one stops the app at start-up.
    STORAGE_URL = os.environ.get("STORAGE_URL")
    # Where files stored locally before a switch to S3 stay readable (default INSTANCE_DIR/media).
    STORAGE_LOCAL_ROOT = os.environ.get("STORAGE_LOCAL_ROOT")
    # For s3:// storage: an S3-compatible endpoint (unset: AWS) and keys (unset: boto3's own
    # credential chain, e.g. AWS_* variables or an instance role).
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL")
    S3_REGION = os.environ.get("S3_REGION", "us-east-1")
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY")
    REDIS_URL = os.environ.get("REDIS_URL")
    # Background jobs (contest/jobs.py): a Redis queue when REDIS_URL is set, else a SQLite file
    # (JOBS_SQLITE_PATH, default INSTANCE_DIR/jobs.sqlite3). JOBS_IMMEDIATE runs each job in the
    # process that queues it. A failing job is retried JOB_RETRIES times, the delay apart.
    JOBS_IMMEDIATE = _env_bool("JOBS_IMMEDIATE", False)
    JOBS_QUEUE_NAME = os.environ.get("JOBS_QUEUE_NAME", "psa-contest")
    JOBS_SQLITE_PATH = os.environ.get("JOBS_SQLITE_PATH")
    JOB_RETRIES = _env_int("JOB_RETRIES", 3, minimum=0)
    JOB_RETRY_DELAY_SECONDS = _env_int("JOB_RETRY_DELAY_SECONDS", 60, minimum=0)
    # What one video may cost the worker (contest/submissions/media.py, Limits; the defaults pass
    # phone videos up to 4K at 30 fps and 1080p at 120 fps, and refuse more at the probe).
    VIDEO_MAX_FRAME_RATE = _env_int("VIDEO_MAX_FRAME_RATE", 120, minimum=1)
    VIDEO_MAX_FRAME_PIXELS = _env_int("VIDEO_MAX_FRAME_PIXELS", 4096 * 2304, minimum=256)
    VIDEO_MAX_PIXEL_RATE = _env_int("VIDEO_MAX_PIXEL_RATE", 4096 * 2160 * 30, minimum=1)
    # Pixels decoded in all: ten minutes of 4K at 30 fps (forty of 1080p at 30 fps).
    VIDEO_MAX_DECODED_PIXELS = _env_int("VIDEO_MAX_DECODED_PIXELS", 3840 * 2160 * 30 * 600)
    # ffmpeg's writable memory (a 4K HEVC video needs 0.63 GB) and threads, per video.
    FFMPEG_MEMORY_MB = _env_int("FFMPEG_MEMORY_MB", 768, minimum=64)
    FFMPEG_THREADS = _env_int("FFMPEG_THREADS", 2, minimum=1)
    # A transcode may take 30 s plus this many seconds per second of video, at most the timeout.
    TRANSCODE_SECONDS_PER_VIDEO_SECOND = _env_int(
        "TRANSCODE_SECONDS_PER_VIDEO_SECOND", 4, minimum=1
    )
    # (Raise it for contests that allow videos over 3 minutes: see docs/deploy.md.)
    TRANSCODE_TIMEOUT_SECONDS = _env_int("TRANSCODE_TIMEOUT_SECONDS", 900, minimum=1)
    # A heavy video (over a minute of 1080p at 30 fps in pixels): each worker process transcodes
    # VIDEO_HEAVY_JOBS at once, keeping its other threads for ordinary clips; the next heavy one
    # waits in the queue, tried again every VIDEO_HEAVY_RETRY_SECONDS.
    VIDEO_HEAVY_PIXELS = _env_int("VIDEO_HEAVY_PIXELS", 1920 * 1080 * 30 * 60, minimum=0)
    VIDEO_HEAVY_JOBS = _env_int("VIDEO_HEAVY_JOBS", 1, minimum=1)
    VIDEO_HEAVY_RETRY_SECONDS = _env_int("VIDEO_HEAVY_RETRY_SECONDS", 15, minimum=1)
    # The clips `flask demo` generates for its 60 entries (16:9 at this height; 0 s: no videos).
    DEMO_VIDEO_SECONDS = _env_int("DEMO_VIDEO_SECONDS", 4, minimum=0)
    DEMO_VIDEO_HEIGHT = _env_int("DEMO_VIDEO_HEIGHT", 360, minimum=90)
    # "outbox" writes each message to INSTANCE_DIR/outbox and the log; otherwise
    # smtp://user:password@host:port, smtp+starttls://... or smtps://...
    MAIL_URL = os.environ.get("MAIL_URL", "outbox")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "PSA Contest <no-reply@psa-contest.local>")
    SERVER_NAME = os.environ.get("SERVER_NAME")
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = (
        None  # tied to the session instead: long judging sessions must not lose work
    )

    # Request bodies through the app (forms, consent files); video goes by chunked upload.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 25 * 1024 * 1024, minimum=1)

    # Resumable video uploads (contest/uploads). Staged files live in UPLOAD_STAGING_DIR (default
    # INSTANCE_DIR/uploads, never web-served) until complete; an upload untouched for
    # UPLOAD_EXPIRY_SECONDS is abandoned and `flask uploads-cleanup` removes it. One tus PATCH may
    # carry up to UPLOAD_CHUNK_MAX_BYTES (streamed to disk, never held in memory); the page sends
    # UPLOAD_BROWSER_CHUNK_BYTES per PATCH, or per S3 part (at least 5 MiB) in direct mode.
    UPLOAD_STAGING_DIR = os.environ.get("UPLOAD_STAGING_DIR")
    UPLOAD_EXPIRY_SECONDS = _env_int("UPLOAD_EXPIRY_SECONDS", 24 * 3600, minimum=60)
    UPLOAD_CHUNK_MAX_BYTES = _env_int("UPLOAD_CHUNK_MAX_BYTES", 64 * 1024 * 1024, minimum=1024)
    UPLOAD_BROWSER_CHUNK_BYTES = _env_int("UPLOAD_BROWSER_CHUNK_BYTES", 8 * 1024 * 1024, minimum=1)
    # Bounds on a school's unfinished uploads (each entry has at most one: a new upload
    # supersedes the older, whose bytes go at once): how many at a time, and how many bytes
    # they may reserve together (what they announced), so no school can fill the disk.
    UPLOAD_SCHOOL_MAX_UNFINISHED = _env_int("UPLOAD_SCHOOL_MAX_UNFINISHED", 10, minimum=1)
    UPLOAD_SCHOOL_MAX_STAGED_BYTES = _env_int(
        "UPLOAD_SCHOOL_MAX_STAGED_BYTES", 4 * 1024 * 1024 * 1024, minimum=1024 * 1024
    )
    UPLOAD_S3_PART_BYTES = _env_int(
        "UPLOAD_S3_PART_BYTES", 8 * 1024 * 1024, minimum=5 * 1024 * 1024
    )

    # Failed sign-ins per email address within the window before even the right password waits.
    LOGIN_FAILURE_LIMIT = _env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
    LOGIN_FAILURE_WINDOW_SECONDS = _env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60, minimum=1)
    INVITATION_MAX_AGE_SECONDS = _env_int("INVITATION_MAX_AGE_SECONDS", 14 * 24 * 3600, minimum=1)
    PASSWORD_RESET_MAX_AGE_SECONDS = _env_int("PASSWORD_RESET_MAX_AGE_SECONDS", 3600, minimum=1)
    # How long the link that confirms a self-registered teacher's address works.
    CONFIRMATION_MAX_AGE_SECONDS = _env_int(
        "CONFIRMATION_MAX_AGE_SECONDS", 2 * 24 * 3600, minimum=60
    )
    # A signed-in session ends after this many minutes without a request (shared computers).
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 60, minimum=1)

    # How long public pages' data may be served from the cache (0: never cached). Changes the
    # public sees invalidate it at once (contest/caching.py); this bounds anything missed.
    PUBLIC_CACHE_SECONDS = _env_int("PUBLIC_CACHE_SECONDS", 300, minimum=0)
    # Keys the hashes of voters' email addresses and their ballot pseudonyms (unset: derived from
    # SECRET_KEY). Changing it mid-vote lets everyone vote again: keep it for a contest's life.
    VOTER_KEY = os.environ.get("VOTER_KEY")
    # People's Choice codes: valid this long, dead after this many wrong tries.
    VOTE_CODE_LIFETIME_SECONDS = _env_int("VOTE_CODE_LIFETIME_SECONDS", 15 * 60, minimum=60)
    VOTE_CODE_MAX_ATTEMPTS = _env_int("VOTE_CODE_MAX_ATTEMPTS", 5, minimum=1)
    # Extra throwaway-mail domains (one a line) on top of the disposable-email-domains package's.
    DISPOSABLE_DOMAINS_FILE = os.environ.get("DISPOSABLE_DOMAINS_FILE")
    # Rate limits (Flask-Limiter notation). A whole school votes from one address, so per-IP
    # limits are generous: the IP is an anomaly signal, not a ban. Per email they are tight.
    VOTE_CODE_REQUESTS_PER_IP = os.environ.get("VOTE_CODE_REQUESTS_PER_IP", "2000 per hour")
    VOTE_CODE_REQUESTS_PER_EMAIL = os.environ.get("VOTE_CODE_REQUESTS_PER_EMAIL", "5 per hour")
    VOTE_ATTEMPTS_PER_IP = os.environ.get("VOTE_ATTEMPTS_PER_IP", "5000 per hour")
    VOTE_ATTEMPTS_PER_CODE = os.environ.get("VOTE_ATTEMPTS_PER_CODE", "10 per hour")
    # "Report this video" forms sent per client address.
    TAKEDOWN_REPORTS_PER_IP = os.environ.get("TAKEDOWN_REPORTS_PER_IP", "10 per hour")
    # Limit counters: memory:// (one process), or Redis when REDIS_URL is set (shared by every
    # app process); RATELIMIT_STORAGE_URI names another storage explicitly.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI")
    RATELIMIT_HEADERS_ENABLED = True
    # Proxies in front of the app that append to X-Forwarded-For (0: none, the socket's address
    # is the client's). Set it to exactly the number you run, or clients can forge their address.
    PROXY_HOPS = _env_int("PROXY_HOPS", 0, minimum=0)

    @classmethod
    def init_app(cls, app):
        """Finish settings that depend on the filesystem; raise ConfigError when unusable."""
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _local_secret_key(app.config["INSTANCE_DIR"])
        _derive_voter_key(app)
        _choose_limiter_storage(app)


def _choose_limiter_storage(app):
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"


def _derive_voter_key(app):
    if not app.config.get("VOTER_KEY"):
        secret = app.config["SECRET_KEY"].encode()
        app.config["VOTER_KEY"] = hmac.new(secret, b"psa-contest voter key", "sha256").hexdigest()


class ProductionConfig(Config):
    """Shared-nothing app processes: the secret key must come from the environment."""

    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    @classmethod
    def init_app(cls, app):
        key = app.config.get("SECRET_KEY")
        if not key:
            raise ConfigError(
                "SECRET_KEY is not set. In production every app process must share one secret "
                "key: set the SECRET_KEY environment variable (e.g. `python -c 'import secrets; "
                "print(secrets.token_hex(32))'`)."
            )
        if len(key) < 32:
            raise ConfigError("SECRET_KEY is too short: use at least 32 random characters.")
        _derive_voter_key(app)
        _choose_limiter_storage(app)


class TestingConfig(Config):
    """The test suite: a throwaway database (TEST_DATABASE_URL, SQLite by default)."""

    TESTING = True
    SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    MAIL_URL = "outbox"
    SERVER_NAME = "localhost"
    JOBS_IMMEDIATE = True  # jobs run in the test's own process, as soon as they are queued
    JOB_RETRIES = 2
    DEMO_VIDEO_SECONDS = 1
    DEMO_VIDEO_HEIGHT = 90


CONFIGS = {"development": Config, "production": ProductionConfig, "testing": TestingConfig}


def config_from_env():
    """Pick the configuration class named by CONTEST_ENV (development by default)."""
    name = os.environ.get("CONTEST_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError as exc:
        raise ConfigError(
            f"CONTEST_ENV={name!r} is not one of {', '.join(sorted(CONFIGS))}"
        ) from exc
