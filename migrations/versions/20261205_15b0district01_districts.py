"""districts: a row per district, schools and conflicts point at it

Revision ID: 15b0district01
Revises: 15a0roles01
Create Date: 2026-12-05 12:40:00

A school's district and a conflict's district were free text, so "North Shore" and "north
shore " were two districts and automatic conflicts depended on spelling. Every name becomes one
District row per name case-folded with its spaces collapsed (the spelling most rows used names
it); the migration logs each merge.
"""
import logging
from collections import Counter, defaultdict

from alembic import op
import sqlalchemy as sa
import contest.core.dbtypes


# revision identifiers, used by Alembic.
revision = '15b0district01'
down_revision = '15a0roles01'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')


def _key(name):
    return ' '.join(name.casefold().split())


def _districts_from_text(bind):
    """Make the District rows the texts name; {text as stored: district id}."""
    used = Counter()
    for table in ('schools', 'conflicts'):
        for text, count in bind.execute(sa.text(
            f"SELECT district, COUNT(*) FROM {table} WHERE district IS NOT NULL "
            f"AND district <> '' GROUP BY district"
        )):
            used[text] += count
    spellings = defaultdict(list)
    for text in used:
        if _key(text):
            spellings[_key(text)].append(text)
    ids = {}
    for key, texts in sorted(spellings.items()):
        # The spelling most rows use names the district; ties go to the first in sort order.
        name = ' '.join(sorted(texts, key=lambda text: (-used[text], text))[0].split())
        district_id = bind.execute(
            sa.text('INSERT INTO districts (name, name_key, created_at) '
                    'VALUES (:name, :key, CURRENT_TIMESTAMP) RETURNING id'),
            {'name': name, 'key': key},
        ).scalar_one()
        if len(texts) > 1:
            merged = ', '.join(repr(text) for text in sorted(texts))
            log.warning('districts: %s are one district now: %s', merged, name)
        for text in texts:
            ids[text] = district_id
    return ids


def upgrade():
    op.create_table('districts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', contest.core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("name <> ''", name=op.f('ck_districts_name_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_districts')),
    sa.UniqueConstraint('name_key', name=op.f('uq_districts_name_key'))
    )
    op.create_table('district_domains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.CheckConstraint('domain = lower(domain)', name=op.f('ck_district_domains_domain_lowercase')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_district_domains_district_id_districts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district_domains')),
    sa.UniqueConstraint('domain', name=op.f('uq_district_domains_domain'))
    )
    op.create_index(op.f('ix_district_domains_district_id'), 'district_domains', ['district_id'], unique=False)

    for table in ('schools', 'conflicts'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('district_id', sa.Integer(), nullable=True))
    bind = op.get_bind()
    for text, district_id in _districts_from_text(bind).items():
        for table in ('schools', 'conflicts'):
            bind.execute(
                sa.text(f'UPDATE {table} SET district_id = :id WHERE district = :text'),
                {'id': district_id, 'text': text},
            )

    with op.batch_alter_table('schools') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_schools_name_district'), type_='unique')
        batch_op.drop_column('district')
        batch_op.create_foreign_key(batch_op.f('fk_schools_district_id_districts'), 'districts',
                                    ['district_id'], ['id'], ondelete='SET NULL')
        batch_op.create_unique_constraint(batch_op.f('uq_schools_name_district_id'),
                                          ['name', 'district_id'])
        batch_op.create_index(batch_op.f('ix_schools_district_id'), ['district_id'], unique=False)
    op.create_index('uq_schools_name_no_district', 'schools', ['name'], unique=True,
                    sqlite_where=sa.text('district_id IS NULL'),
                    postgresql_where=sa.text('district_id IS NULL'))
    with op.batch_alter_table('conflicts') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_conflicts_names_school_or_district'), type_='check')
        batch_op.drop_column('district')
        batch_op.create_foreign_key(batch_op.f('fk_conflicts_district_id_districts'), 'districts',
                                    ['district_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(batch_op.f('ck_conflicts_names_school_or_district'),
                                         'school_id IS NOT NULL OR district_id IS NOT NULL')
        batch_op.create_index(batch_op.f('ix_conflicts_district_id'), ['district_id'],
                              unique=False)


def downgrade():
    for table, default in (('schools', "''"), ('conflicts', 'NULL')):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('district', sa.String(length=200), nullable=True))
        op.execute(f'UPDATE {table} SET district = COALESCE((SELECT name FROM districts '
                   f'WHERE districts.id = {table}.district_id), {default})')
    op.drop_index('uq_schools_name_no_district', table_name='schools')
    with op.batch_alter_table('schools') as batch_op:
        batch_op.drop_index(batch_op.f('ix_schools_district_id'))
        batch_op.drop_constraint(batch_op.f('uq_schools_name_district_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_schools_district_id_districts'), type_='foreignkey')
        batch_op.drop_column('district_id')
        batch_op.alter_column('district', existing_type=sa.String(length=200), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_schools_name_district'),
                                          ['name', 'district'])
    with op.batch_alter_table('conflicts') as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflicts_district_id'))
        batch_op.drop_constraint(batch_op.f('ck_conflicts_names_school_or_district'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_conflicts_district_id_districts'), type_='foreignkey')
        batch_op.drop_column('district_id')
        batch_op.create_check_constraint(batch_op.f('ck_conflicts_names_school_or_district'),
                                         'school_id IS NOT NULL OR district IS NOT NULL')
    op.drop_index(op.f('ix_district_domains_district_id'), table_name='district_domains')
    op.drop_table('district_domains')
    op.drop_table('districts')
