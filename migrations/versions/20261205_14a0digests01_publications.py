"""publications: each published document and its digest in a table of its own

The documents were kept only in the audit log (`contest.published` events carry the document
and its digest; `contest.unpublished` events name the digest withdrawn). They are copied here,
byte for byte in canonical JSON, so every digest ever published still verifies.

Revision ID: 14a0digests01
Revises: 13c0uploads01
Create Date: 2026-12-05 07:45:00

"""
import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import contest.core.dbtypes


# revision identifiers, used by Alembic.
revision = '14a0digests01'
down_revision = '13c0uploads01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('published_at', contest.core.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', contest.core.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdraw_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('length(digest) = 64', name=op.f('ck_publications_digest_length')),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_publications_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_publications_published_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_publications_withdrawn_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publications'))
    )
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publications_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index('uq_publications_in_force', ['contest_id'], unique=True, sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))
    copy_published_documents(op.get_bind())


def canonical_json(document):
    """The published bytes, as contest.results.publication made them (frozen here: a migration
    must not change with the code)."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _when(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def copy_published_documents(connection):
    """One publications row per `contest.published` event, withdrawn by the `contest.unpublished`
    event that names its digest; in event order, as they happened."""
    events = sa.table(
        'audit_events', sa.column('id', sa.Integer()), sa.column('action', sa.String()),
        sa.column('subject_type', sa.String()), sa.column('subject_id', sa.Integer()),
        sa.column('actor_id', sa.Integer()), sa.column('data', sa.JSON()),
        sa.column('at', contest.core.dbtypes.UTCDateTime()),
    )
    publications = sa.table(
        'publications', sa.column('contest_id', sa.Integer()), sa.column('document', sa.Text()),
        sa.column('digest', sa.String()),
        sa.column('published_at', contest.core.dbtypes.UTCDateTime()),
        sa.column('published_by_id', sa.Integer()),
        sa.column('withdrawn_at', contest.core.dbtypes.UTCDateTime()),
        sa.column('withdrawn_by_id', sa.Integer()), sa.column('withdraw_reason', sa.Text()),
    )
    rows = connection.execute(
        sa.select(events.c.action, events.c.subject_id, events.c.actor_id, events.c.data,
                  events.c.at)
        .where(events.c.subject_type == 'contests',
               events.c.action.in_(('contest.published', 'contest.unpublished')))
        .order_by(events.c.id)
    ).all()
    for action, contest_id, actor_id, data, at in rows:
        data = json.loads(data) if isinstance(data, str) else (data or {})
        if action == 'contest.published' and data.get('payload') is not None:
            payload = data['payload']
            connection.execute(publications.insert().values(
                contest_id=contest_id,
                document=canonical_json(payload).decode('utf-8'),
                digest=data.get('digest') or '',
                published_at=_when(payload.get('published_at') or at),
                published_by_id=actor_id,
            ))
        elif action == 'contest.unpublished':
            connection.execute(
                publications.update()
                .where(publications.c.contest_id == contest_id,
                       publications.c.digest == data.get('digest'),
                       publications.c.withdrawn_at.is_(None))
                .values(withdrawn_at=_when(at), withdrawn_by_id=actor_id,
                        withdraw_reason=data.get('reason'))
            )


def downgrade():
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_index('uq_publications_in_force', sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_publications_contest_id'))

    op.drop_table('publications')
