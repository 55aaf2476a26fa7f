"""The production web server as deployed: gunicorn with deploy/gunicorn.conf.py serving the app,
its access log free of query strings and link tokens, and forwarded headers trusted only when
the app trusts proxies."""

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"


def gunicorn_settings(**environment):
    """The settings deploy/gunicorn.conf.py gives under `environment` (read by gunicorn itself)."""
    code = (
        "from gunicorn.config import Config; from gunicorn.app.base import Application\n"
        "class A(Application):\n"
        "    def init(self, *args): return {}\n"
        "    def load(self): pass\n"
        "    def load_config(self):\n"
        f"        self.cfg = Config(); self.load_config_from_file({str(CONFIG)!r})\n"
        "c = A().cfg\n"
        "print(c.workers, c.bind, c.timeout, ','.join(c.forwarded_allow_ips),\n"
        "      c.logger_class.__name__)"
    )
    env = {**os.environ, **environment}
    answer = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return answer.stdout.split()


def test_workers_bind_and_timeout_come_from_the_environment():
    workers, bind, timeout, *_ = gunicorn_settings(
        WEB_CONCURRENCY="3", GUNICORN_BIND="127.0.0.1:9123", GUNICORN_TIMEOUT="45"
    )
    assert (workers, bind, timeout) == ("3", "['127.0.0.1:9123']", "45")


def test_forwarded_headers_are_trusted_only_from_the_proxies_the_app_trusts():
    assert gunicorn_settings(PROXY_HOPS="0")[3] == "RedactingLogger", "no proxy: trust nobody"
    trusted = gunicorn_settings(PROXY_HOPS="1", FORWARDED_ALLOW_IPS="10.0.0.5")
    assert trusted[3:] == ["10.0.0.5", "RedactingLogger"]


@pytest.fixture
def served(tmp_path):
    """gunicorn with the deploy config serving the app on a free port (SQLite, local files)."""
    port = free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "WEB_CONCURRENCY": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": str(log),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CONTEST_ENV": "development",
    }
    errors = (tmp_path / "error.log").open("w")
    process = subprocess.Popen(
        [str(GUNICORN), "--config", str(CONFIG), "contest:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/ping", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        process.communicate()
        errors.close()
        pytest.fail(f"gunicorn did not start: {(tmp_path / 'error.log').read_text()}")
    yield url, log
    process.terminate()
    process.communicate(timeout=30)
    errors.close()


def test_the_access_log_holds_no_query_strings_or_link_tokens(served):
    url, log = served
    token = "tok3n-" + "x" * 40
    for path in ("/ping?email=someone%40example.org", f"/vote/confirm/{token}"):
        with contextlib.suppress(urllib.error.HTTPError):  # a failing request is logged too
            urllib.request.urlopen(url + path, timeout=5)
    for _ in range(50):
        text = log.read_text()
        if "/vote/confirm/" in text:  # written once the answer is sent
            break
        time.sleep(0.1)
    assert '"GET /ping HTTP/1.1" 200' in text
    assert '"GET /vote/confirm/[redacted] HTTP/1.1"' in text  # 500 here: no tables made
    assert "someone" not in text and token not in text and "?" not in text
