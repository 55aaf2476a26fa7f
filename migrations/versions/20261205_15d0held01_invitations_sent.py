"""invitations: when each was last sent (none yet: a role an archive held for the administrator)

Revision ID: 15d0held01
Revises: 15c0coord01
Create Date: 2026-12-05 15:10:00

"""
from alembic import op
import sqlalchemy as sa

from contest.core.dbtypes import UTCDateTime


# revision identifiers, used by Alembic.
revision = '15d0held01'
down_revision = '15c0coord01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitations') as batch_op:
        batch_op.add_column(sa.Column('sent_at', UTCDateTime(timezone=True), nullable=True))
    # Every invitation so far was mailed when it was made.
    op.execute('UPDATE invitations SET sent_at = created_at')


def downgrade():
    # An invitation never sent was never part of the older schema's meaning: it goes.
    op.execute('DELETE FROM invitations WHERE sent_at IS NULL')
    with op.batch_alter_table('invitations') as batch_op:
        batch_op.drop_column('sent_at')
