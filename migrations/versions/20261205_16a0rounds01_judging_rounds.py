"""rounds: every contest judges in rounds; today's single judging window becomes round 1

Rounds also say who advances (a rule) and when the organizers closed them; `advancements`
records each entry's outcome of a closed round.

Each contest gets one rubric round carrying its judging close and judges per entry (which leave
the contests table), and every assignment belongs to its contest's round 1. Results and their
digests are untouched: the same sheets count.

Revision ID: 16a0rounds01
Revises: 15d0held01
Create Date: 2026-12-05 15:40:00

"""
from alembic import op
import sqlalchemy as sa

from contest.core.dbtypes import UTCDateTime


# revision identifiers, used by Alembic.
revision = '16a0rounds01'
down_revision = '15d0held01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rounds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('mode', sa.String(length=20), nullable=False),
        sa.Column('opens_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('closes_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('judges_per_entry', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=20), nullable=False),
        sa.Column('rule_top', sa.Integer(), nullable=True),
        sa.Column('rule_threshold', sa.Double(), nullable=True),
        sa.Column('at_the_cut', sa.String(length=20), nullable=False),
        sa.Column('closed_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('rubric')", name=op.f('ck_rounds_mode_valid')),
        sa.CheckConstraint("rule IN ('top', 'threshold', 'pick')", name=op.f('ck_rounds_rule_valid')),
        sa.CheckConstraint("at_the_cut IN ('chain', 'all_tied')",
                           name=op.f('ck_rounds_at_the_cut_valid')),
        sa.CheckConstraint("rule <> 'top' OR rule_top >= 1", name=op.f('ck_rounds_top_names_how_many')),
        sa.CheckConstraint("rule <> 'threshold' OR rule_threshold IS NOT NULL",
                           name=op.f('ck_rounds_threshold_set')),
        sa.CheckConstraint('closed_at IS NULL OR closed_by_id IS NOT NULL',
                           name=op.f('ck_rounds_closed_by_someone')),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'],
                                name=op.f('fk_rounds_closed_by_id_users'), ondelete='SET NULL'),
        sa.CheckConstraint('opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at',
                           name=op.f('ck_rounds_opens_at_before_closes_at')),
        sa.CheckConstraint('position >= 1', name=op.f('ck_rounds_position_min')),
        sa.CheckConstraint('judges_per_entry >= 1', name=op.f('ck_rounds_judges_per_entry_min')),
        sa.CheckConstraint("name <> ''", name=op.f('ck_rounds_name_not_empty')),
        sa.ForeignKeyConstraint(['contest_id'], ['contests.id'],
                                name=op.f('fk_rounds_contest_id_contests'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rounds')),
        sa.UniqueConstraint('contest_id', 'position', name=op.f('uq_rounds_contest_id_position')),
    )
    op.create_table(
        'advancements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('advances', sa.Boolean(), nullable=False),
        sa.Column('proposed', sa.String(length=200), nullable=False),
        sa.Column('changed', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("NOT changed OR reason <> ''", name=op.f('ck_advancements_change_has_reason')),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'],
                                name=op.f('fk_advancements_round_id_rounds'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['entry_id'], ['entries.id'],
                                name=op.f('fk_advancements_entry_id_entries'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_advancements_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_advancements')),
        sa.UniqueConstraint('round_id', 'entry_id', name=op.f('uq_advancements_round_id_entry_id')),
    )
    with op.batch_alter_table('advancements') as batch_op:
        batch_op.create_index(batch_op.f('ix_advancements_entry_id'), ['entry_id'], unique=False)
    op.execute(
        "INSERT INTO rounds (contest_id, position, name, mode, closes_at, judges_per_entry, "
        "rule, rule_top, at_the_cut, created_at) SELECT id, 1, 'Judging', 'rubric', "
        "judging_close_at, judges_per_entry, 'top', 3, 'chain', created_at FROM contests"
    )
    with op.batch_alter_table('assignments') as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE assignments SET round_id = (SELECT rounds.id FROM rounds "
        "JOIN categories ON categories.contest_id = rounds.contest_id "
        "JOIN entries ON entries.category_id = categories.id "
        "WHERE entries.id = assignments.entry_id AND rounds.position = 1)"
    )
    with op.batch_alter_table('assignments') as batch_op:
        batch_op.alter_column('round_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_assignments_round_id_rounds'), 'rounds',
                                    ['round_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint(batch_op.f('uq_assignments_judge_id_entry_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_assignments_round_id_entry_id_judge_id'),
                                          ['round_id', 'entry_id', 'judge_id'])
        batch_op.create_index(batch_op.f('ix_assignments_round_id'), ['round_id'], unique=False)
    with op.batch_alter_table('contests') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_contests_submissions_close_at_before_judging_close_at'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_contests_judges_per_entry_min'), type_='check')
        batch_op.drop_column('judging_close_at')
        batch_op.drop_column('judges_per_entry')


def downgrade():
    # The older schema has one round: later rounds' assignments (and their sheets) go.
    with op.batch_alter_table('contests') as batch_op:
        batch_op.add_column(sa.Column('judging_close_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('judges_per_entry', sa.Integer(), nullable=False,
                                      server_default='3'))
    op.execute(
        "UPDATE contests SET judging_close_at = (SELECT closes_at FROM rounds "
        "WHERE rounds.contest_id = contests.id ORDER BY position DESC LIMIT 1), "
        "judges_per_entry = COALESCE((SELECT judges_per_entry FROM rounds "
        "WHERE rounds.contest_id = contests.id ORDER BY position DESC LIMIT 1), 3)"
    )
    with op.batch_alter_table('contests') as batch_op:
        batch_op.alter_column('judges_per_entry', existing_type=sa.Integer(), server_default=None)
        batch_op.create_check_constraint(
            batch_op.f('ck_contests_submissions_close_at_before_judging_close_at'),
            'submissions_close_at IS NULL OR judging_close_at IS NULL '
            'OR submissions_close_at < judging_close_at')
        batch_op.create_check_constraint(batch_op.f('ck_contests_judges_per_entry_min'),
                                         'judges_per_entry >= 1')
    # Foreign keys are off during SQLite migrations: their sheets and scores go by hand.
    later = "SELECT id FROM assignments WHERE round_id IN (SELECT id FROM rounds WHERE position > 1)"
    op.execute("DELETE FROM scores WHERE sheet_id IN (SELECT id FROM score_sheets "
               f"WHERE assignment_id IN ({later}))")
    op.execute(f"DELETE FROM score_sheets WHERE assignment_id IN ({later})")
    op.execute(f"DELETE FROM assignments WHERE id IN ({later})")
    with op.batch_alter_table('assignments') as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_round_id'))
        batch_op.drop_constraint(batch_op.f('uq_assignments_round_id_entry_id_judge_id'),
                                 type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_assignments_judge_id_entry_id'),
                                          ['judge_id', 'entry_id'])
        batch_op.drop_constraint(batch_op.f('fk_assignments_round_id_rounds'), type_='foreignkey')
        batch_op.drop_column('round_id')
    op.drop_table('advancements')
    op.drop_table('rounds')
