"""PSA Contest: run a student PSA video contest from call for entries to published winners."""

import logging
from pathlib import Path

from flask import Flask

from config import config_from_env
from contest.core.extensions import csrf, db, limiter, login_manager, migrate

FEATURES = (
    "auth",
    "admin",
    "contests",
    "submissions",
    "uploads",
    "media",
    "review",
    "judging",
    "voting",
    "results",
    "gallery",
    "health",
    "archive",
    "takedown",
    "rounds",
)
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config_class=None, **settings):
    """Build the application from a config class (CONTEST_ENV's by default) plus overrides."""
    config_class = config_class or config_from_env()
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config.from_object(config_class)
    app.config.update(settings)
    config_class.init_app(app)
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)

    configure_proxy(app)
    configure_extensions(app)
    configure_blueprints(app)
    configure_hooks(app)
    configure_logging(app)
    return app


def configure_proxy(app):
    """Behind PROXY_HOPS proxies, take the client's address and scheme from their headers."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def configure_extensions(app):
    from contest.core import models  # noqa: F401  (every table, for the metadata and Alembic)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)


def configure_blueprints(app):
    from importlib import import_module

    for feature in FEATURES:
        module = import_module(f"contest.{feature}")
        for blueprint in getattr(module, "blueprints", (module.bp,)):
            app.register_blueprint(blueprint)


def configure_hooks(app):
    from contest import cli
    from contest.core import jobs, mail, storage
    from contest.web import caching, errors, security, templating

    caching.init_app(app)
    mail.init_app(app)
    storage.init_app(app)
    jobs.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)


def configure_logging(app):
    if not app.debug and not app.testing:
        app.logger.setLevel(logging.INFO)
