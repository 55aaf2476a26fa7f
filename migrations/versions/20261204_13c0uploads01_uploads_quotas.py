"""uploads: the stored asset of an upload, before the entry is told

Revision ID: 13c0uploads01
Revises: 13b0account01
Create Date: 2026-12-04 22:40:00

"""
from alembic import op
import sqlalchemy as sa
import contest.core.dbtypes


# revision identifiers, used by Alembic.
revision = '13c0uploads01'
down_revision = '13b0account01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asset_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_uploads_asset_id_assets'), 'assets', ['asset_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_uploads_asset_id_assets'), type_='foreignkey')
        batch_op.drop_column('asset_id')
