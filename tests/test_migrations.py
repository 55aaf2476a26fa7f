"""The migrations build exactly the schema the models describe, from one head, both ways."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from contest import MIGRATIONS_DIR
from contest.core.extensions import db
from tests.helpers import fresh_test_database


@pytest.fixture
def fresh_app(make_app, tmp_path, worker_id):
    """An app on an empty database of the backend under test."""
    return make_app(SQLALCHEMY_DATABASE_URI=fresh_test_database(tmp_path, worker_id, "migrations"))


def _script_directory(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def test_single_head(app):
    heads = _script_directory(app).get_heads()
    assert len(heads) == 1, f"several migration heads, merge them: {heads}"


def test_migrations_match_models(fresh_app):
    with fresh_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ: {differences}"


def test_downgrade_to_base_and_back(fresh_app):
    with fresh_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())
