"""The scale run really puts the tests' apps on the production services (and only then)."""

from contest.core.storage import get_storage
from contest.web.caching import cache
from tests import scale


def test_apps_use_s3_and_redis_in_the_scale_run_and_local_parts_otherwise(app):
    with app.app_context():
        backend = get_storage().name
        cache_type = type(cache.cache).__name__
    if scale.enabled():
        assert app.config["STORAGE_URL"].startswith("s3://") and backend == "s3"
        assert app.config["REDIS_URL"] and cache_type == "RedisCache"
        assert app.config["RATELIMIT_STORAGE_URI"] == app.config["REDIS_URL"]
    else:
        assert backend == "local" and cache_type == "SimpleCache"
        assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_each_worker_gets_its_own_redis_database(monkeypatch):
    monkeypatch.setenv("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert scale.redis_url("gw0") == "redis://127.0.0.1:6379/1"
    assert scale.redis_url("gw3") == "redis://127.0.0.1:6379/4"
    assert scale.redis_url("master") == "redis://127.0.0.1:6379/1"
