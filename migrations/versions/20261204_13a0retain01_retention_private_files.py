"""retention: private files owned by their entry and kind

Revision ID: 13a0retain01
Revises: dc914ed7c3e8
Create Date: 2026-12-04 22:40:00

"""
from alembic import op
import sqlalchemy as sa
import contest.dbtypes


# revision identifiers, used by Alembic.
revision = '13a0retain01'
down_revision = 'dc914ed7c3e8'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
