"""roles: a site administrator; observers; an organizer's grant names its contest

Revision ID: 15a0roles01
Revises: 14a0digests01
Create Date: 2026-12-05 12:10:00

Organizer grants (and pending organizer invitations) without a contest opened every contest:
they become the site administrator's, so nothing changes for an instance until someone narrows
them. From here an organizer's grant always names its contest.
"""
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


def upgrade():
    for table in ADDED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_role_valid'), type_='check')
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_role_valid'), NEW_ROLES)
        op.execute(
            f"UPDATE {table} SET role = 'admin' WHERE role = 'organizer' AND contest_id IS NULL"
        )
        with op.batch_alter_table(table) as batch_op:
            for name, check in ADDED[table]:
                batch_op.create_check_constraint(batch_op.f(f'ck_{table}_{name}'), check)


def downgrade():
    for table in ADDED:
        with op.batch_alter_table(table) as batch_op:
            for name, _ in ADDED[table]:
                batch_op.drop_constraint(batch_op.f(f'ck_{table}_{name}'), type_='check')
        op.execute(f"UPDATE {table} SET role = 'organizer' WHERE role = 'admin'")
        op.execute(f"DELETE FROM {table} WHERE role = 'observer'")
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_role_valid'), type_='check')
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_role_valid'), OLD_ROLES)
