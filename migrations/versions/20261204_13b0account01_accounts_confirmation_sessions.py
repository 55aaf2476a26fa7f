"""accounts: confirmed addresses, pending schools, session generations

Revision ID: 13b0account01
Revises: 13a0retain01
Create Date: 2026-12-04 22:40:00

"""
from alembic import op
import sqlalchemy as sa
import contest.core.dbtypes


# revision identifiers, used by Alembic.
revision = '13b0account01'
down_revision = '13a0retain01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('email_confirmed_at', contest.core.dbtypes.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), server_default=sa.text('0'),
                      nullable=False)
        )
    # Everyone with an account before confirmation existed keeps a working account.
    op.execute('UPDATE users SET email_confirmed_at = created_at')

    with op.batch_alter_table('schools', schema=None) as batch_op:
        # Schools that exist already were let in under the old rules: approved.
        batch_op.add_column(
            sa.Column('status', sa.String(length=20), server_default='approved', nullable=False)
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_schools_status_valid'), "status IN ('pending', 'approved')"
        )


def downgrade():
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_schools_status_valid'), type_='check')
        batch_op.drop_column('status')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
        batch_op.drop_column('email_confirmed_at')
