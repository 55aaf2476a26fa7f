"""retention: private files owned by their entry and kind

Revision ID: 13a0retain01
Revises: dc914ed7c3e8
Create Date: 2026-12-04 22:40:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '13a0retain01'
down_revision = 'dc914ed7c3e8'
branch_labels = None
depends_on = None

KINDS = "'original_video', 'video', 'poster', 'captions', 'consent'"
# The entry column naming each kind, the published ones first: a file named twice takes the
# kind retention keeps.
COLUMNS = (
    ('video_asset_id', 'video'),
    ('poster_asset_id', 'poster'),
    ('captions_asset_id', 'captions'),
    ('original_video_asset_id', 'original_video'),
    ('pending_video_asset_id', 'original_video'),
    ('consent_asset_id', 'consent'),
)
# Files no entry names any more (replaced before owners were recorded) are found by the key
# layout the app has always used: <folder>/<entry id>/<name>, and the demo's uploads.
KEY_LAYOUT = re.compile(
    r'(consent|captions|originals|videos|posters)/(\d+)/[^/]+|uploads/demo/(\d+)-[^/]+'
)
FOLDER_KINDS = {
    'consent': 'consent', 'captions': 'captions', 'originals': 'original_video',
    'videos': 'video', 'posters': 'poster', None: 'original_video',
}


# The constraints upgrade() adds to the assets table on SQLite, as written in its CREATE TABLE.
SQLITE_ADDED = (
    f', CONSTRAINT ck_assets_kind_valid CHECK (kind IN ({KINDS}))'
    ', CONSTRAINT ck_assets_owned_has_kind CHECK (entry_id IS NULL OR kind IS NOT NULL)'
    ', CONSTRAINT fk_assets_entry_id_entries FOREIGN KEY(entry_id) REFERENCES entries (id)'
    ' DEFERRABLE INITIALLY DEFERRED'
)


def _rebuild_sqlite_assets(change):
    """Rebuild SQLite's assets table with `change(create_sql)` as its definition, rows, indexes
    and the pointers to it kept. SQLite alters constraints only by rebuilding; and dropping the
    old table, with foreign keys on (they cannot be turned off inside the migration's
    transaction), nulls every column that points at it (ON DELETE SET NULL): saved, restored."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    pointers = [
        (table, key['constrained_columns'][0])
        for table in inspector.get_table_names()
        for key in inspector.get_foreign_keys(table)
        if key['referred_table'] == 'assets' and table != 'assets'
    ]
    saved = {
        (table, column): bind.execute(
            sa.text(f'SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL')
        ).all()
        for table, column in pointers
    }
    schema = "SELECT sql FROM sqlite_master WHERE tbl_name = 'assets' AND sql IS NOT NULL"
    create = bind.scalar(sa.text(f"{schema} AND type = 'table'"))
    indexes = bind.scalars(sa.text(f"{schema} AND type = 'index'")).all()
    op.execute(re.sub(r'^CREATE TABLE "?assets"?', 'CREATE TABLE _assets_new', change(create)))
    after = {row[1] for row in bind.execute(sa.text('PRAGMA table_info(_assets_new)'))}
    names = [column['name'] for column in inspector.get_columns('assets')]
    kept = ', '.join(f'"{name}"' for name in names if name in after)
    op.execute(f'INSERT INTO _assets_new ({kept}) SELECT {kept} FROM assets')
    op.execute('DROP TABLE assets')
    op.execute('ALTER TABLE _assets_new RENAME TO assets')
    for index in indexes:
        op.execute(index)
    for (table, column), rows in saved.items():
        if rows:
            bind.execute(
                sa.text(f'UPDATE {table} SET {column} = :asset WHERE id = :id'),
                [{'id': row_id, 'asset': asset_id} for row_id, asset_id in rows],
            )


def _with_owner(create):
    create = create.rstrip()
    assert create.endswith(')') and SQLITE_ADDED not in create, create
    return create[:-1] + SQLITE_ADDED + ')'


def _without_owner(create):
    assert SQLITE_ADDED in create, create
    return create.replace(SQLITE_ADDED, '')


def upgrade():
    op.add_column('assets', sa.Column('entry_id', sa.Integer(), nullable=True))
    op.add_column('assets', sa.Column('kind', sa.String(length=20), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild_sqlite_assets(_with_owner)
    else:
        op.create_foreign_key(
            op.f('fk_assets_entry_id_entries'), 'assets', 'entries', ['entry_id'], ['id'],
            deferrable=True, initially='DEFERRED',
        )
        op.create_check_constraint(op.f('ck_assets_kind_valid'), 'assets', f'kind IN ({KINDS})')
        op.create_check_constraint(
            op.f('ck_assets_owned_has_kind'), 'assets', 'entry_id IS NULL OR kind IS NOT NULL'
        )
    op.create_index(op.f('ix_assets_entry_id'), 'assets', ['entry_id'], unique=False)
    _backfill()


def _backfill():
    """Give existing files their owner: from the entries' pointers, then by key layout."""
    for column, kind in COLUMNS:
        op.execute(
            f"UPDATE assets SET kind = '{kind}', entry_id = (SELECT entries.id FROM entries "
            f"WHERE entries.{column} = assets.id ORDER BY entries.id LIMIT 1) "
            f"WHERE kind IS NULL AND id IN (SELECT {column} FROM entries)"
        )
    bind = op.get_bind()
    entries = set(bind.scalars(sa.text('SELECT id FROM entries')))
    orphans = bind.execute(sa.text('SELECT id, key FROM assets WHERE entry_id IS NULL')).all()
    for asset_id, key in orphans:
        found = KEY_LAYOUT.fullmatch(key)
        if found is None:
            continue
        folder, entry_id = found[1], int(found[2] or found[3])
        if entry_id in entries:
            bind.execute(
                sa.text('UPDATE assets SET entry_id = :entry, kind = :kind WHERE id = :id'),
                {'entry': entry_id, 'kind': FOLDER_KINDS[folder], 'id': asset_id},
            )


def downgrade():
    op.drop_index(op.f('ix_assets_entry_id'), table_name='assets')
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild_sqlite_assets(_without_owner)
    else:
        op.drop_constraint(op.f('ck_assets_owned_has_kind'), 'assets', type_='check')
        op.drop_constraint(op.f('ck_assets_kind_valid'), 'assets', type_='check')
        op.drop_constraint(op.f('fk_assets_entry_id_entries'), 'assets', type_='foreignkey')
    # In place on SQLite too (3.35+), now that no constraint names them.
    op.drop_column('assets', 'kind')
    op.drop_column('assets', 'entry_id')
