"""A cache for public pages' data: Redis when REDIS_URL is set (shared by every app process and
host), else in the process. Each contest's public data carries a version number; changing
anything the public sees (publication, un-publication, a takedown, a vote when the live tally is
shown) bumps it, so every cached copy is stale at once, in every process.

A value cached under a version is never rewritten, so each process also keeps the values it
uses in a small cache of its own (`local_cache`): a hot page then costs one round trip to Redis,
for its contest's version, instead of one for each piece.
"""

from cachelib import SimpleCache
from flask import current_app, g, request, session
from flask_caching import Cache
from flask_login import current_user

from contest.core import jobs

cache = Cache()
LOCAL_ENTRIES = 1000
# A process's own copy lives at most this long, so data that changes without a version bump
# (an entry becoming ready) shows no later than PUBLIC_CACHE_SECONDS plus this.
LOCAL_SECONDS = 60


def init_app(app):
    config = {
        "CACHE_DEFAULT_TIMEOUT": app.config["PUBLIC_CACHE_SECONDS"],
        "CACHE_KEY_PREFIX": f"{app.config['JOBS_QUEUE_NAME']}:cache:",
    }
    if app.config.get("REDIS_URL"):
        config |= {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": app.config["REDIS_URL"]}
    else:
        config |= {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    cache.init_app(app, config=config)
    app.extensions["local_cache"] = SimpleCache(threshold=LOCAL_ENTRIES)


def local_cache():
    """This process's own cache for the app: never shared, so only for values that are the
    same in every process (versioned), or that may lag other processes for a moment."""
    return current_app.extensions["local_cache"]


def clear():
    """Forget everything cached, shared and in this process (a database emptied or restored
    hands out old ids again)."""
    cache.clear()
    local_cache().clear()


def _version_key(contest_id):
    return f"contest-version:{contest_id}"


def _versions():
    """The versions this request (app context) has read: one cache round trip per contest."""
    return g.setdefault("contest_versions", {})


def contest_version(contest_id):
    versions = _versions()
    if contest_id not in versions:
        versions[contest_id] = cache.get(_version_key(contest_id)) or 0
    return versions[contest_id]


def invalidate_contest(contest_id):
    """Make every cached public view of the contest stale (call it after the commit)."""
    # Atomic INCR on Redis. Should a version number expire and restart at 0, the copies cached
    # under the old numbers were made before it and have expired first.
    version = cache.cache.inc(_version_key(contest_id))
    if version is None:
        raise RuntimeError("the cache could not bump the contest's version")
    _versions()[contest_id] = version


def invalidate_after_commit(session, contest_id):
    """Make the contest's cached public views stale once `session` commits; nothing if it rolls
    back (a service calls this, so the views need not remember to)."""
    jobs.after_commit(session, invalidate_contest, contest_id)


def cached(contest_id, name, build):
    """`build()`'s result (plain, picklable data, never ORM rows) for the contest's public page
    `name`, from the cache while the contest's public data has not changed."""
    seconds = current_app.config["PUBLIC_CACHE_SECONDS"]
    if seconds == 0:
        return build()
    key = f"{name}:{contest_id}:{contest_version(contest_id)}"
    value = local_cache().get(key)
    if value is None:
        value = cache.get(key)
        if value is None:
            value = build()
            cache.set(key, value)
        local_cache().set(key, value, timeout=min(seconds, LOCAL_SECONDS))
    return value


def cached_page(contest_id, name, render):
    """The whole page `render()` makes (its HTML), from the cache for a visitor who is not signed
    in and has no message waiting: every such visitor sees the same page, so a rush of them
    costs no rendering. Anyone else gets it rendered. `name` says everything the page depends
    on besides the contest's public data (page number, visitor order, phase)."""
    if current_user.is_authenticated or session.get("_flashes"):
        return render()
    # Absolute links (share URLs, card tags) carry the host the visitor asked for.
    return cached(contest_id, f"page:{request.host}:{name}", render)
