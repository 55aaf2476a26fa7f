"""roles: a site administrator; observers; an organizer's grant names its contest

Revision ID: 15a0roles01
Revises: 14a0digests01
Create Date: 2026-12-05 12:10:00

Organizer grants (and pending organizer invitations) without a contest opened every contest:
they become the site administrator's, so nothing changes for an instance until someone narrows
them. From here an organizer's grant always names its contest.
"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '15a0roles01'
down_revision = '14a0digests01'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('organizer', 'teacher', 'judge')"
NEW_ROLES = "role IN ('organizer', 'teacher', 'judge', 'admin', 'observer')"
ADDED = {
    'role_grants': (
        ("role_names_contest", "role NOT IN ('organizer', 'observer') OR contest_id IS NOT NULL"),
        ("admin_of_every_contest", "role <> 'admin' OR contest_id IS NULL"),
    ),
    'invitations': (
        ("role_names_contest", "role NOT IN ('organizer', 'observer') OR contest_id IS NOT NULL"),
    ),
}


def _sqlite_added(table):
    return ''.join(
        f', CONSTRAINT ck_{table}_{name} CHECK ({check})' for name, check in ADDED[table]
    )


def _rebuild_sqlite(table, change):
    """Rebuild SQLite's `table` with `change(create_sql)` as its definition, rows and indexes
    kept (SQLite alters a constraint only by rebuilding; no table points at these two)."""
    bind = op.get_bind()
    schema = f"SELECT sql FROM sqlite_master WHERE tbl_name = '{table}' AND sql IS NOT NULL"
    create = bind.scalar(sa.text(f"{schema} AND type = 'table'"))
    indexes = bind.scalars(sa.text(f"{schema} AND type = 'index'")).all()
    new = change(create)
    assert new != create, create
    op.execute(re.sub(rf'^CREATE TABLE "?{table}"?', f'CREATE TABLE _{table}_new', new))
    op.execute(f'INSERT INTO _{table}_new SELECT * FROM {table}')
    op.execute(f'DROP TABLE {table}')
    op.execute(f'ALTER TABLE _{table}_new RENAME TO {table}')
    for index in indexes:
        op.execute(index)


def _widen_roles(create):
    assert OLD_ROLES in create, create
    return create.replace(OLD_ROLES, NEW_ROLES)


def _narrow_roles(create):
    return create.replace(NEW_ROLES, OLD_ROLES)


def _add_checks(table):
    def change(create):
        create = create.rstrip()
        assert create.endswith(')'), create
        return create[:-1] + _sqlite_added(table) + ')'

    return change


def _drop_checks(table):
    return lambda create: create.replace(_sqlite_added(table), '')


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in ADDED:
        if sqlite:
            _rebuild_sqlite(table, _widen_roles)
        else:
            op.drop_constraint(op.f(f'ck_{table}_role_valid'), table, type_='check')
            op.create_check_constraint(op.f(f'ck_{table}_role_valid'), table, NEW_ROLES)
        op.execute(
            f"UPDATE {table} SET role = 'admin' WHERE role = 'organizer' AND contest_id IS NULL"
        )
        if sqlite:
            _rebuild_sqlite(table, _add_checks(table))
        else:
            for name, check in ADDED[table]:
                op.create_check_constraint(op.f(f'ck_{table}_{name}'), table, check)


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in ADDED:
        if sqlite:
            _rebuild_sqlite(table, _drop_checks(table))
        else:
            for name, _ in ADDED[table]:
                op.drop_constraint(op.f(f'ck_{table}_{name}'), table, type_='check')
        op.execute(f"UPDATE {table} SET role = 'organizer' WHERE role = 'admin'")
        if sqlite:
            _rebuild_sqlite(table, _narrow_roles)
        else:
            op.drop_constraint(op.f(f'ck_{table}_role_valid'), table, type_='check')
            op.create_check_constraint(op.f(f'ck_{table}_role_valid'), table, OLD_ROLES)
