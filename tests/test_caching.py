"""The public-data cache: served until the contest's public data changes, in every process."""

import itertools

import redis

from contest.web.caching import cache, cached, contest_version, invalidate_contest

REDIS_URL = "redis://127.0.0.1:6379/15"


def counter():
    numbers = itertools.count(1)
    return lambda: {"built": next(numbers)}


def test_cached_data_is_served_until_the_contest_changes(app):
    build = counter()
    with app.app_context():
        assert cached(7, "gallery", build) == {"built": 1}
        assert cached(7, "gallery", build) == {"built": 1}
        assert cached(8, "gallery", build) == {"built": 2}  # each contest apart
        invalidate_contest(7)
        assert cached(7, "gallery", build) == {"built": 3}
        assert cached(8, "gallery", build) == {"built": 2}


def test_no_caching_when_the_lifetime_is_zero(make_app, restore_job_queue):
    app = make_app(PUBLIC_CACHE_SECONDS=0)
    build = counter()
    with app.app_context():
        assert [cached(1, "x", build)["built"] for _ in range(2)] == [1, 2]


def test_redis_cache_is_shared_and_invalidated_across_app_processes(make_app, restore_job_queue):
    redis.Redis.from_url(REDIS_URL).flushdb()
    one = make_app(REDIS_URL=REDIS_URL, JOBS_QUEUE_NAME="cache-test")
    two = make_app(REDIS_URL=REDIS_URL, JOBS_QUEUE_NAME="cache-test")
    build = counter()
    try:
        with one.app_context():
            assert cached(3, "winners", build) == {"built": 1}
        with two.app_context():
            assert cached(3, "winners", build) == {"built": 1}  # built once, seen by both
            invalidate_contest(3)
            assert contest_version(3) == 1
        with one.app_context():
            assert cached(3, "winners", build) == {"built": 2}
    finally:
        with one.app_context():
            cache.clear()
