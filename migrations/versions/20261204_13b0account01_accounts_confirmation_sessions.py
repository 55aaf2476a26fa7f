"""accounts: confirmed addresses, pending schools, session generations

Revision ID: 13b0account01
Revises: 13a0retain01
Create Date: 2026-12-04 22:40:00

"""
from alembic import op
import sqlalchemy as sa
import contest.dbtypes


# revision identifiers, used by Alembic.
revision = '13b0account01'
down_revision = '13a0retain01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
