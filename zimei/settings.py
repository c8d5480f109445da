"""Zimei's one settings module: every knob is an environment variable (ZIMEI_*).

Embedded default: SQLite (WAL) and media under ZIMEI_DATA_DIR, local-memory cache for
fragments, a file cache for whole pages (shared by all server workers, so a purge on
publish reaches every worker). Set ZIMEI_DATABASE_URL / ZIMEI_REDIS_URL to scale out.
"""

import os
import secrets
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("ZIMEI_DATA_DIR", "zimei-data")).resolve()
MEDIA_ROOT = DATA_DIR / "media"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it; collectstatic fills it


def _secret_key() -> str:
    key = os.environ.get("ZIMEI_SECRET_KEY")
    if key:
        return key
    # A laptop install keeps a generated key in its data folder so sessions survive restarts.
    path = DATA_DIR / "secret.key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("ZIMEI_DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ZIMEI_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h
]
SITE_URL = os.environ.get("ZIMEI_SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def _origin(url: str) -> str:
    """scheme://host[:port] of a URL (what a browser sends as Origin)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# The site's own origin is always trusted for forms: a browser on https://news.example.cn sends
# that Origin, and behind a proxy that ends TLS (and is not in ZIMEI_TRUSTED_PROXIES) the app
# would otherwise compare it with http://news.example.cn and refuse every form (403).
CSRF_TRUSTED_ORIGINS = list(
    dict.fromkeys(
        [
            *([_origin(SITE_URL)] if _origin(SITE_URL) else []),
            *(o.strip() for o in os.environ.get("ZIMEI_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()),
        ]
    )
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "zimei.core.apps.StaticFilesConfig",  # django.contrib.staticfiles, without ninja's source maps
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "ninja",  # the API docs' Swagger UI from ninja's own static files, not a CDN (docs/api.md)
    "zimei.core",
    "zimei.conversion",
    "zimei.channels",
    "zimei.accounts",
    "zimei.distribution",
    "zimei.search",  # the search index and its backends (docs/search.md)
    "zimei.articles",
    "zimei.moderation",
    "zimei.comments",  # 跟帖, 顶, 点赞, 收藏 (docs/comments.md)
    "zimei.reader",
    "zimei.studio",
    "zimei.desk",
    "zimei.api",
    "zimei.demo",  # the demo content and its commands (demo, seed)
]

MIDDLEWARE = [
    # Outside every middleware that adds headers: the page store keeps what a miss sends, and a
    # hit sends the same (core/pagecache.py).
    "zimei.core.pagecache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zimei.core.security.SecurityHeadersMiddleware",  # CSP etc.; inside the page cache (before a store)
    "zimei.api.middleware.ApiProblemMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zimei.conversion.middleware.VariantLocaleMiddleware",  # Django's, with Hong Kong read right
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "zimei.core.ratelimit.RateLimitMiddleware",  # a RateLimited error becomes the 429 page
    "zimei.core.outage.DatabaseUnavailableMiddleware",  # a lost database becomes the 503 page
    "zimei.core.views.UnstorableTextMiddleware",  # NUL refused by PostgreSQL becomes a 400 page
]

ROOT_URLCONF = "zimei.urls"
WSGI_APPLICATION = "zimei.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zimei.conversion.context_processors.variant",
                "zimei.articles.context_processors.statuses",
            ],
            "builtins": ["zimei.conversion.templatetags.zh"],
            # Cached loader always: templates are parsed once per process.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    ["django.template.loaders.app_directories.Loader"],
                )
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------
_db_url = os.environ.get("ZIMEI_DATABASE_URL")
SQLITE_BUSY_SECONDS = 20
if _db_url:
    # Connections are kept (CONN_MAX_AGE) and checked before each request's first query
    # (CONN_HEALTH_CHECKS): after a database restart a worker drops its dead connection and
    # connects again by itself; while the database is down, pages answer 503 (core/outage.py).
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=600, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No request waits long on a database that does not answer (docs/deploy.md, "Faults and outages"):
        # a connect gives up after ZIMEI_DB_CONNECT_TIMEOUT seconds, data sent and not
        # acknowledged within 10 s (a vanished host) breaks the connection, and idle kept
        # connections are probed. Options in ZIMEI_DATABASE_URL (?connect_timeout=…) win.
        _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
        _pg_options.setdefault("connect_timeout", int(os.environ.get("ZIMEI_DB_CONNECT_TIMEOUT", "3")))
        _pg_options.setdefault("tcp_user_timeout", 10_000)
        _pg_options.setdefault("keepalives_idle", 30)
        _pg_options.setdefault("keepalives_interval", 10)
        _pg_options.setdefault("keepalives_count", 3)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "zimei.sqlite3",
            # Kept open across requests (one per serving thread): opening one costs a connect and
            # the five PRAGMAs below, and closing it throws away its 64 MB page cache, about a
            # fifth of an uncached article page's time (bench/throughput.py).
            "CONN_MAX_AGE": None,
            # One writer at a time, and writers queue rather than fail: every transaction takes
            # the write lock at BEGIN (IMMEDIATE: no deadlocked read-to-write upgrade, and a
            # wait happens before anything was done), and waits up to 20 s for it (busy_timeout;
            # `timeout` says the same to Python's driver), far more than all the serving threads'
            # other writes take (docs/deploy.md, "Faults and outages": 16 writers for 60 s, none refused).
            # A lock still not had after that is a 503 page (core/outage.py), never a 500.
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}; PRAGMA cache_size=-64000; "
                    "PRAGMA mmap_size=268435456;"
                ),
                "timeout": SQLITE_BUSY_SECONDS,
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ----------------------------------------------------------------------------
_redis_url = os.environ.get("ZIMEI_REDIS_URL")
ZIMEI_REDIS_URL = _redis_url or ""  # also the view counters' store (zimei/distribution/counters.py)
# Redis caches never fail a request: an unreachable Redis is a miss (short socket timeouts,
# then left alone for a few seconds; zimei/core/rediscache.py).
REDIS_CACHE = "zimei.core.rediscache.ResilientRedisCache"
if _redis_url:
    CACHES = {
        "default": {"BACKEND": REDIS_CACHE, "LOCATION": _redis_url},
        "pages": {"BACKEND": REDIS_CACHE, "LOCATION": _redis_url, "KEY_PREFIX": "pages"},
    }
else:
    CACHES = {
        # Fragments (hot list, channel boxes, related and past articles per article page): room
        # for tens of thousands, or culling would turn every page into a miss.
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "zimei",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        },
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
    }
# Where whole pages are kept: "file" (plain files under the data folder, shared by every worker
# on one machine), "cache" (the "pages" cache above: Redis when scaled out), or a dotted path.
ZIMEI_PAGE_STORE = os.environ.get("ZIMEI_PAGE_STORE", "cache" if _redis_url else "file")
# Seconds a whole anonymous page may be served from cache (and by a CDN) before re-render.
ZIMEI_PAGE_CACHE_SECONDS = int(os.environ.get("ZIMEI_PAGE_CACHE_SECONDS", "60"))
# How often each `zimei serve` worker writes the views it holds, even when no new view comes
# (zimei/distribution/counters.py): the hot list and view counts are at most this far behind.
ZIMEI_VIEW_FLUSH_SECONDS = float(os.environ.get("ZIMEI_VIEW_FLUSH_SECONDS", "10"))
ZIMEI_PAGE_CACHE = _env_bool("ZIMEI_PAGE_CACHE", True)
# --- behind a proxy (zimei/core/proxies.py) ------------------------------------------------
# Addresses (or networks, CIDR) of the proxies in front of Zimei, comma-separated, e.g.
# "127.0.0.1,::1" for nginx on the same machine. Only a request whose direct peer is one of them
# has its X-Forwarded-For read (the last address in it that is not a trusted proxy is the
# reader's: view counting and rate limits use it) and its X-Forwarded-Proto believed. Empty =
# no proxy: the peer's address is the reader's and those headers are ignored.
ZIMEI_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("ZIMEI_TRUSTED_PROXIES", "").split(",") if p.strip()
]
if ZIMEI_TRUSTED_PROXIES:
    MIDDLEWARE.insert(0, "zimei.core.proxies.ProxyHeadersMiddleware")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# --- the front cache (zimei/core/frontcache.py, deploy/nginx/zimei.conf, docs/deploy.md) ----
# Publishing, editing, withdrawing and taking down purge every page that shows the article from
# the page store and from the front cache, which is one of:
# nginx on this machine (deploy/nginx/zimei.conf): its proxy_cache folder, e.g.
# /var/cache/nginx/zimei; Zimei deletes the pages' files there (run as nginx's workers' user).
ZIMEI_NGINX_CACHE_DIR = os.environ.get("ZIMEI_NGINX_CACHE_DIR", "").strip()
# A cache that accepts `PURGE <path>` (Varnish), e.g. http://127.0.0.1:6081; empty = none.
ZIMEI_FRONT_CACHE_PURGE_URL = os.environ.get("ZIMEI_FRONT_CACHE_PURGE_URL", "").strip().rstrip("/")
# Seconds a purge request may take before it is given up (logged; the publish goes on).
ZIMEI_FRONT_CACHE_PURGE_TIMEOUT = float(os.environ.get("ZIMEI_FRONT_CACHE_PURGE_TIMEOUT", "2"))
# Full control: the purge backends, as dotted paths (comma-separated in the environment) or,
# in a settings file, {"BACKEND": dotted path, **keyword arguments}.
ZIMEI_PURGE_BACKENDS = [
    b.strip() for b in os.environ.get("ZIMEI_PURGE_BACKENDS", "").split(",") if b.strip()
] or [
    "zimei.core.frontcache.PageStoreBackend",
    *(["zimei.core.frontcache.NginxCacheBackend"] if ZIMEI_NGINX_CACHE_DIR else []),
    *(["zimei.core.frontcache.HTTPPurgeBackend"] if ZIMEI_FRONT_CACHE_PURGE_URL else []),
]


# --- accounts -------------------------------------------------------------------------
# The checks that gate publishing (zimei/articles/checks.py), in order: each may refuse, hold or
# pass an article; the articles app knows them only from here.
ZIMEI_ARTICLE_CHECKS = [
    "zimei.moderation.checks.CreditCheck",  # 信用分 and earlier review decisions
    "zimei.moderation.checks.SpamCheck",  # the spam check (docs/spam.md)
]

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Sessions live in the database, never in Redis: a Redis outage signs nobody out (and while the
# database is down, signed-in pages answer 503 like every other page that needs it).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"

# --- language and script variants ----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
# The reader variants (zimei/conversion/variants.py): /zh-hant/ is Taiwan Traditional, /zh-hk/
# Hong Kong Traditional. Django only accepts a language with a message catalogue somewhere:
# zimei/locale/zh_HK holds an empty one, so that "zh-hk" is not read as its fallback zh-hant.
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文（台灣）"), ("zh-hk", "繁體中文（香港）")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "zimei_variant"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
USE_I18N = True
TIME_ZONE = os.environ.get("ZIMEI_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True
# OpenCC configurations (phrase-level) for Taiwan Traditional, Hong Kong Traditional (s2hkp where
# the installed OpenCC ships it, else s2hk) and Simplified; Hong Kong text goes back to
# Simplified with hk2sp / hk2s (variants.py).
ZIMEI_HANT_OPENCC = os.environ.get("ZIMEI_HANT_OPENCC", "s2twp")
ZIMEI_HK_OPENCC = os.environ.get("ZIMEI_HK_OPENCC", "") or (
    "s2hkp"
    if (Path(find_spec("opencc").origin).parent / "clib" / "share" / "opencc" / "s2hkp.json").exists()
    else "s2hk"
)
ZIMEI_HANS_OPENCC = os.environ.get("ZIMEI_HANS_OPENCC", "tw2sp")

# --- search (zimei/search, docs/search.md) ---------------------------------------------------
# The backend, a dotted path: empty = the database's own (SQLite FTS5 or PostgreSQL tsvector+GIN).
ZIMEI_SEARCH_BACKEND = os.environ.get("ZIMEI_SEARCH_BACKEND", "").strip()
# A query is cut at this many characters (after control characters are dropped), and at this
# many terms: a reader is told when it was cut.
ZIMEI_SEARCH_MAX_QUERY = int(os.environ.get("ZIMEI_SEARCH_MAX_QUERY", "64"))
ZIMEI_SEARCH_MAX_TERMS = int(os.environ.get("ZIMEI_SEARCH_MAX_TERMS", "12"))
# Rank = relevance × (1 + FRESHNESS / (1 + age in days / HALF_DAYS)): a new article's relevance
# counts up to (1 + FRESHNESS) times, half that boost after HALF_DAYS days. 0 = relevance only.
ZIMEI_SEARCH_FRESHNESS = float(os.environ.get("ZIMEI_SEARCH_FRESHNESS", "0.5"))
ZIMEI_SEARCH_HALF_DAYS = float(os.environ.get("ZIMEI_SEARCH_HALF_DAYS", "30"))
# ... × (1 + HOT · (hot score / the hot list's top score)^0.5): an article as hot as the top of
# the hot list counts up to (1 + HOT) times, a quarter as hot half that boost. 0 = no hot score.
ZIMEI_SEARCH_HOT = float(os.environ.get("ZIMEI_SEARCH_HOT", "0.5"))
# Relevance ranks at most this many matches, the most recent ones (a query matching most of the
# site would otherwise rank all of it); with more matches than this, SQLite ranks those by whole
# words × freshness, as PostgreSQL always does, not by bm25.
ZIMEI_SEARCH_RANK_WINDOW = int(os.environ.get("ZIMEI_SEARCH_RANK_WINDOW", "2000"))
# Matches are counted up to this many; beyond it the page says "1000+" (no more than 50 pages of
# 20 are served; counting every match of a common phrase reads every article's positions:
# docs/search.md). 0 = always exact.
ZIMEI_SEARCH_COUNT_MAX = int(os.environ.get("ZIMEI_SEARCH_COUNT_MAX", "1000"))
# The walk for a page (the rank window, or the newest matches a sort starts from) settles for
# what it has found once it has gone back this many article ids from the newest and holds at
# least SPAN_MIN matches and the page: the page then says "N+" (docs/search.md, "The walk's
# span"). On a site of up to SPAN_IDS articles nothing changes; 0 = always walk to the window.
ZIMEI_SEARCH_SPAN_IDS = int(os.environ.get("ZIMEI_SEARCH_SPAN_IDS", "100000"))
ZIMEI_SEARCH_SPAN_MIN = int(os.environ.get("ZIMEI_SEARCH_SPAN_MIN", "200"))
# PostgreSQL: a term's bigrams must stand next to each other (a phrase, exact) when its bigrams
# AND-ed find at most this many articles; above it they are AND-ed only (docs/search.md).
ZIMEI_SEARCH_PG_PHRASE_MAX = int(os.environ.get("ZIMEI_SEARCH_PG_PHRASE_MAX", "500"))
# How much a whole-word hit (rjieba's words) weighs against the character bigrams.
ZIMEI_SEARCH_WORD_WEIGHT = float(os.environ.get("ZIMEI_SEARCH_WORD_WEIGHT", "4"))

# --- static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_MAX_AGE = 3600
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Limits on what creators may submit; forms, the studio and the API all read these.
ZIMEI_MAX_IMAGE_BYTES = 20 * 1024 * 1024
# 24 million pixels (2400 万像素): a 24-MP camera photo (6000×4000), any 12-MP phone photo and a long
# phone screenshot (长截图, 1080×22,000) fit; a 48/50-MP full-resolution phone shot must be shrunk
# first. An article shows an image at most ~1,500 device pixels wide, so nothing a reader sees
# needs more; decoding is what costs: a 24-MP PNG takes ~0.9 s and ~160 MB in a worker (measured,
# RGB), where the 49-MP one of issue 10 took 3–5 s and ~1 GB. Checked from the header before decoding.
ZIMEI_MAX_IMAGE_PIXELS = 24_000_000
ZIMEI_MAX_TITLE_CHARS = 64
ZIMEI_MAX_BODY_CHARS = 100_000
# API rate limits: requests per minute per token (anonymous callers: per address); 0 = none.
ZIMEI_API_RATE_READ = int(os.environ.get("ZIMEI_API_RATE_READ", "120"))
ZIMEI_API_RATE_WRITE = int(os.environ.get("ZIMEI_API_RATE_WRITE", "30"))
# Django refuses multipart bodies bigger than this before any view sees them.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- rate limits (zimei/core/ratelimit.py, docs/security-roles.md) -------------------------
# Counters live in the "ratelimit" cache, shared by every worker: Redis when scaled out, else
# one small file per key under the data folder, locked while counted (atomic across workers).
CACHES["ratelimit"] = (
    {"BACKEND": REDIS_CACHE, "LOCATION": _redis_url, "KEY_PREFIX": "rl"}
    if _redis_url
    else {"BACKEND": "zimei.core.ratelimit.FileCounterCache", "LOCATION": str(DATA_DIR / "ratelimit")}
)


def _rate(action: str, default: str) -> tuple[int, int]:
    """ZIMEI_RATE_<ACTION>="N/SECONDS" (N 0 = no limit), else the default."""
    raw = os.environ.get("ZIMEI_RATE_" + action.upper().replace("-", "_"), default)
    count, _, seconds = raw.partition("/")
    return int(count), int(seconds or 60)


# (how many, per how many seconds). Sign-in: failures before the account / address is locked
# for the same time, even for the right password; a success clears the account's failures.
ZIMEI_RATE_LIMITS = {
    "signin-account": _rate("signin-account", "5/900"),
    "signin-address": _rate("signin-address", "20/900"),
    "register": _rate("register", "5/3600"),  # new accounts per address
    "apply": _rate("apply", "5/86400"),  # 申请入驻 submitted per user
    "publish": _rate("publish", "30/3600"),  # publishes per creator (studio and API)
    "report": _rate("report", "20/3600"),  # reports per reader
    "token": _rate("token", "10/3600"),  # API tokens made per user
    "share": _rate("share", "30/600"),  # share posts per address (counted or not: distribution/guard.py)
    "image-upload": _rate("image-upload", "60/3600"),  # images uploaded per creator (studio and API)
    "comment": _rate("comment", "10/600"),  # comments and replies posted per reader (docs/comments.md)
    "comment-address": _rate("comment-address", "30/600"),  # comments posted per address
    "react": _rate("react", "300/3600"),  # 顶, 点赞 and 收藏 per reader
}

# --- security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # the studio's script reads the token from the form, not the cookie
# Secure cookies whenever the site is served over https (ZIMEI_SITE_URL or ZIMEI_HTTPS), unless DEBUG.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _env_bool(
    "ZIMEI_SECURE_COOKIES", not DEBUG and (SITE_URL.startswith("https://") or _env_bool("ZIMEI_HTTPS"))
)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HSTS on https: browsers that saw the site over https use only https for it afterwards
# (Strict-Transport-Security, sent by Django's SecurityMiddleware on secure requests and by the
# page store on its hits; docs/deploy.md, "TLS"). ZIMEI_HSTS_SECONDS: a year when ZIMEI_SITE_URL
# is https, else 0 (off); ZIMEI_HSTS_INCLUDE_SUBDOMAINS and ZIMEI_HSTS_PRELOAD add those words.
SECURE_HSTS_SECONDS = int(
    os.environ.get(
        "ZIMEI_HSTS_SECONDS",
        str(365 * 24 * 3600 if SITE_URL.startswith("https://") or _env_bool("ZIMEI_HTTPS") else 0),
    )
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("ZIMEI_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _env_bool("ZIMEI_HSTS_PRELOAD")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "zimei.core.views.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZIMEI_LOG_LEVEL", "WARNING")},
}
