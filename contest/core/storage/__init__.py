"""Stored files: the Asset model, the storage contract (base.py) and its backends (local, S3).

STORAGE_URL picks the backend new files go to (`get_storage`). Each Asset row names the backend
that holds it, so files stay readable after a backend switch (`storage_for`).
"""

from pathlib import Path
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError
from flask import current_app

from config import ConfigError
from contest.core.storage.base import StorageError
from contest.core.storage.local import LocalStorage
from contest.core.storage.s3 import S3Storage

# The STORAGE_URL scheme -> the backend class; each builds itself with `from_url(url, config)`.
BACKENDS = {"file": LocalStorage, "s3": S3Storage}


def build_storage(url, config):
    """The backend `url` names, with settings from `config` (a mapping); ValueError if malformed."""
    scheme = urlsplit(url).scheme
    if scheme not in BACKENDS:
        raise ValueError(
            f"STORAGE_URL must look like file:///absolute/folder or s3://bucket/prefix, got {url!r}"
        )
    return BACKENDS[scheme].from_url(url, config)


def init_app(app):
    """Build the storage backends from the config; ConfigError at start-up if they can't be.

    `app.extensions["storage"]` is where new files go; `app.extensions["storage_backends"]`
    maps each backend name to a backend (a local one always, for files stored before a switch).
    """
    config = app.config
    media = Path(config["INSTANCE_DIR"]) / "media"
    if not config.get("STORAGE_URL"):
        config["STORAGE_URL"] = media.resolve().as_uri()
    try:
        storage = build_storage(config["STORAGE_URL"], config)
    except (ValueError, BotoCoreError) as exc:
        raise ConfigError(str(exc)) from exc
    if isinstance(storage, LocalStorage):
        local = storage
        _check_local_root(app, local.root)
    else:
        local = LocalStorage(config.get("STORAGE_LOCAL_ROOT") or media)
    app.extensions["storage"] = storage
    app.extensions["storage_backends"] = {local.name: local, storage.name: storage}


def _check_local_root(app, root):
    static = Path(app.static_folder).resolve() if app.static_folder else None
    if static and (root == static or static in root.parents):
        raise ConfigError(f"STORAGE_URL must be outside the web root ({static}), got {root}")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"the storage folder {root} cannot be created: {exc}") from exc


def get_storage():
    """The current app's backend for new files (STORAGE_URL's)."""
    return current_app.extensions["storage"]


def storage_for(stored):
    """The backend holding `stored`: an Asset, or anything with a `backend` name ("local", "s3").

    StorageError if this app has no such backend (an S3 asset when STORAGE_URL is local).
    """
    backends = current_app.extensions["storage_backends"]
    try:
        return backends[stored.backend]
    except KeyError:
        raise StorageError(
            f"{stored!r} is in {stored.backend!r} storage, which this app does not use "
            f"(STORAGE_URL={current_app.config['STORAGE_URL']})"
        ) from None
