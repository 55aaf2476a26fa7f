"""roles: district coordinators, whose grants (and invitations) name a district

Revision ID: 15c0coord01
Revises: 15b0district01
Create Date: 2026-12-05 13:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '15c0coord01'
down_revision = '15b0district01'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('organizer', 'teacher', 'judge', 'admin', 'observer')"
NEW_ROLES = "role IN ('organizer', 'teacher', 'judge', 'admin', 'observer', 'coordinator')"
COORDINATOR = "(role = 'coordinator') = (district_id IS NOT NULL)"
EVERYWHERE = 'uq_role_grants_everywhere'


def _everywhere(where):
    op.create_index(EVERYWHERE, 'role_grants', ['user_id', 'role'], unique=True,
                    sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade():
    for table in ('role_grants', 'invitations'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('district_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_district_id_districts'),
                                        'districts', ['district_id'], ['id'], ondelete='CASCADE')
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_role_valid'), type_='check')
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_role_valid'), NEW_ROLES)
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_coordinator_of_district'),
                                             COORDINATOR)
    op.drop_index(EVERYWHERE, table_name='role_grants')
    _everywhere('contest_id IS NULL AND school_id IS NULL AND district_id IS NULL')
    op.create_index('uq_role_grants_district', 'role_grants', ['user_id', 'role', 'district_id'],
                    unique=True, sqlite_where=sa.text('district_id IS NOT NULL'),
                    postgresql_where=sa.text('district_id IS NOT NULL'))


def downgrade():
    op.drop_index('uq_role_grants_district', table_name='role_grants')
    op.drop_index(EVERYWHERE, table_name='role_grants')
    for table in ('role_grants', 'invitations'):
        op.execute(f"DELETE FROM {table} WHERE role = 'coordinator'")
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_coordinator_of_district'),
                                     type_='check')
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_role_valid'), type_='check')
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_role_valid'), OLD_ROLES)
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_district_id_districts'),
                                     type_='foreignkey')
            batch_op.drop_column('district_id')
    _everywhere('contest_id IS NULL AND school_id IS NULL')
