"""uploads: quotas on unfinished uploads

Revision ID: 13c0uploads01
Revises: 13b0account01
Create Date: 2026-12-04 22:40:00

"""
from alembic import op
import sqlalchemy as sa
import contest.dbtypes


# revision identifiers, used by Alembic.
revision = '13c0uploads01'
down_revision = '13b0account01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
