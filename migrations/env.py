"""Alembic environment: runs inside the Flask app, so it uses the app's database and models."""

import logging

from alembic import context
from flask import current_app

logger = logging.getLogger("alembic.env")
config = context.config
migrate_extension = current_app.extensions["migrate"]
engine = migrate_extension.db.engine
target_metadata = migrate_extension.db.metadata
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)
options = {
    **migrate_extension.configure_args,
    "target_metadata": target_metadata,
    "compare_type": True,
}


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **options)
    with context.begin_transaction():
        context.run_migrations()


def _check_foreign_keys(connection):
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"the migrations left rows pointing at nothing: {broken[:10]}")


def run_migrations_online():
    def skip_empty(context_, revision, directives):
        # `flask db migrate` with no model change writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table's constraints only by rebuilding it (Alembic's batch mode),
            # and dropping the old table with foreign keys on would run their ON DELETE actions
            # on every row pointing at it. Off for the migrations (it cannot change inside a
            # transaction), the links checked at the end, on again for the pooled connection.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            context.configure(
                connection=connection, process_revision_directives=skip_empty, **options
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
