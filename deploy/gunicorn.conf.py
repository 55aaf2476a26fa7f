"""gunicorn settings for PSA Contest:

    gunicorn --config deploy/gunicorn.conf.py "contest:create_app()"

Every value can be changed through the environment (docs/deploy.md lists them). The app processes
keep no state of their own: run as many as the host has cores for, on as many hosts as needed.
"""

import multiprocessing
import os
import re
import sys
from pathlib import Path

from gunicorn.glogging import Logger

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository's config.py
from config import Config  # noqa: E402

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: nginx buffers slow clients' requests and responses, so a worker is busy only
# while the app works. Videos go from the browser to S3 directly; the app only signs the parts.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request that takes longer is stuck (a tus chunk arrives whole from nginx's buffer).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak in a library never grows without bound; rarely:
# under a rush a worker answers ~1,000 requests a second, and each restart costs a second of
# start-up and the worker's own cache.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 100_000))
max_requests_jitter = max_requests // 10

# Which peers may set the scheme through X-Forwarded-Proto: the proxies the app trusts
# (PROXY_HOPS, applied by werkzeug's ProxyFix) and nobody when it trusts none, so gunicorn and
# the app agree about every request. FORWARDED_ALLOW_IPS names the proxy (default: this host).
forwarded_allow_ips = (
    os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if Config.PROXY_HOPS else ""
)

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Path segments this long are secrets (vote confirmation, invitation and reset links carry them).
_TOKEN = re.compile(r"/[^/]{32,}")


class RedactingLogger(Logger):
    """The access log without query strings or link tokens: both may hold secrets."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = _TOKEN.sub("/[redacted]", environ.get("PATH_INFO", ""))
        atoms["r"] = (
            f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
        )
        atoms["U"] = path
        atoms["q"] = ""
        atoms["f"] = "-"  # the referrer can hold a token-bearing page address too
        return atoms


logger_class = RedactingLogger
