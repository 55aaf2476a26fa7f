"""The scale run (`make test-scale`): the integration and browser tests with the production
services behind every app the tests make: PostgreSQL (TEST_DATABASE_URL), S3 storage on the local
S3 server, and Redis (TEST_REDIS_URL) for rate limits, the cache and the job queue's settings.

Tests that give their own storage or Redis settings keep them; the rest get these.
"""

import os
import re

# Each xdist worker its own Redis database, so limits and cache never leak between workers
# (database 0 is left to whatever else uses the server).
REDIS_DATABASES = 15


def enabled():
    return bool(os.environ.get("TEST_REDIS_URL"))


def redis_url(worker_id):
    """TEST_REDIS_URL with this worker's own database number."""
    number = int(re.sub(r"\D", "", worker_id) or 0) % REDIS_DATABASES + 1
    return f"{os.environ['TEST_REDIS_URL'].rstrip('/').rsplit('/', 1)[0]}/{number}"


def settings(bucket, worker_id):
    """The settings that put an app on the S3 `bucket` and this worker's Redis database."""
    import redis

    url = redis_url(worker_id)
    redis.Redis.from_url(url).flushdb()  # what an earlier run left
    return {**bucket.settings, "REDIS_URL": url}
