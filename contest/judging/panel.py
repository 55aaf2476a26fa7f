"""Judge assignment, conflicts of interest, progress and reminders, over the database.

Plain functions: a session and values in, results or contest.core.errors out; the caller commits.
The planning itself is `contest.judging.assignment.plan_assignments` (no database); these
functions gather its input from the rows, store its output and audit every change.
"""

from sqlalchemy import or_, select, true

from contest.core.audit import record
from contest.core.errors import NotAllowed, ValidationError
from contest.core.models.accounts import RoleGrant, User
from contest.core.models.contests import Category
from contest.core.models.entries import Entry, School
from contest.core.models.judging import Assignment, Conflict, JudgeCategory
from contest.core.rules import current_round
from contest.core.statuses import SheetStatus
from contest.judging.assignment import (
    ConflictInfo,
    Conflicts,
    EntryInfo,
    JudgeInfo,
    Pair,
    plan_assignments,
)
from contest.judging.in_round import judgeable_entries

# --- who judges what ---------------------------------------------------------------------------


def contest_judges(session, contest):
    """Active users holding the judge role for `contest` or for every contest, by name."""
    return session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            RoleGrant.role == "judge",
            or_(RoleGrant.contest_id == contest.id, RoleGrant.contest_id.is_(None)),
            User.active.is_(True),
        )
        .distinct()
        .order_by(User.name, User.email)
    ).all()


def is_contest_judge(session, contest, user):
    return any(judge.id == user.id for judge in contest_judges(session, contest))


def judge_categories(session, contest):
    """{judge id: set of this contest's category ids they may judge}; absent or empty: all."""
    rows = session.execute(
        select(JudgeCategory.judge_id, JudgeCategory.category_id)
        .join(Category, Category.id == JudgeCategory.category_id)
        .where(Category.contest_id == contest.id)
    ).all()
    chosen = {}
    for judge_id, category_id in rows:
        chosen.setdefault(judge_id, set()).add(category_id)
    return chosen


def set_judge_categories(session, organizer, contest, judge, category_ids):
    """Limit `judge` to `category_ids` of `contest` (empty: every category); audited."""
    own = {category.id for category in contest.categories}
    wanted = set(category_ids)
    if not wanted <= own:
        raise ValidationError("judging.choose_categories_contest", field="categories")
    for row in session.scalars(
        select(JudgeCategory).where(
            JudgeCategory.judge_id == judge.id, JudgeCategory.category_id.in_(own)
        )
    ):
        if row.category_id in wanted:
            wanted.discard(row.category_id)
        else:
            session.delete(row)
    for category_id in sorted(wanted):
        session.add(JudgeCategory(judge_id=judge.id, category_id=category_id))
    session.flush()
    record(
        session,
        organizer,
        "judge.categories_set",
        judge,
        contest_id=contest.id,
        category_ids=sorted(category_ids),
    )


def automatic_conflicts(session, contest):
    """ConflictInfo for every judge of `contest` who teaches at a school: that school and its
    district (computed from the teacher grants, so they follow the roles as they change)."""
    judge_ids = [judge.id for judge in contest_judges(session, contest)]
    rows = session.execute(
        select(RoleGrant.user_id, School.id, School.district_id)
        .join(School, School.id == RoleGrant.school_id)
        .where(RoleGrant.role == "teacher", RoleGrant.user_id.in_(judge_ids))
        .order_by(RoleGrant.user_id, School.id)
    ).all()
    return [
        ConflictInfo(judge_id=user_id, school_id=school_id, district=district_id)
        for user_id, school_id, district_id in rows
    ]


def recorded_conflicts(session, judge_ids=None):
    """Conflict rows (declared by judges or added by organizers), newest first."""
    query = select(Conflict).order_by(Conflict.created_at.desc(), Conflict.id.desc())
    if judge_ids is not None:
        query = query.where(Conflict.judge_id.in_(list(judge_ids)))
    return session.scalars(query).all()


def all_conflicts(session, contest):
    """Every conflict that binds a judge of `contest`, automatic and recorded, as ConflictInfo."""
    judge_ids = [judge.id for judge in contest_judges(session, contest)]
    recorded = [
        ConflictInfo(judge_id=row.judge_id, school_id=row.school_id, district=row.district_id)
        for row in recorded_conflicts(session, judge_ids)
    ]
    return automatic_conflicts(session, contest) + recorded


def _entry_info(entry, category_names):
    return EntryInfo(
        id=entry.id,
        category_id=entry.category_id,
        school_id=entry.school_id,
        district=entry.school.district_id,
        calibration_anchor=entry.calibration_anchor,
        category_name=category_names.get(entry.category_id, ""),
    )


def contest_assignments(session, contest, round_=None):
    """The contest's assignments (only `round_`'s when given), oldest first."""
    return session.scalars(
        select(Assignment)
        .join(Entry, Entry.id == Assignment.entry_id)
        .join(Category, Category.id == Entry.category_id)
        .where(
            Category.contest_id == contest.id,
            true() if round_ is None else Assignment.round_id == round_.id,
        )
        .order_by(Assignment.id)
    ).all()


def assign_judges(session, contest, seed=0, actor=None):
    """Give every ready entry of `contest` its missing judges in the current round (and every
    judge the calibration anchors); existing assignments stay. Returns the AssignmentReport;
    audited on the contest."""
    round_ = current_round(contest)
    names = {category.id: category.name for category in contest.categories}
    entries = judgeable_entries(session, contest, round_)
    in_scope = {entry.id for entry in entries}
    chosen = judge_categories(session, contest)
    judges = [
        JudgeInfo(id=judge.id, category_ids=frozenset(chosen.get(judge.id, ())))
        for judge in contest_judges(session, contest)
    ]
    existing = [
        Pair(row.judge_id, row.entry_id, row.calibration)
        for row in contest_assignments(session, contest, round_)
        if row.entry_id in in_scope
    ]
    plan = plan_assignments(
        [_entry_info(entry, names) for entry in entries],
        judges,
        existing,
        all_conflicts(session, contest),
        round_.judges_per_entry,
        seed,
    )
    for pair in plan.new_pairs:
        session.add(
            Assignment(
                round_id=round_.id,
                judge_id=pair.judge_id,
                entry_id=pair.entry_id,
                calibration=pair.calibration,
            )
        )
    session.flush()
    record(
        session,
        actor,
        "judging.assigned",
        contest,
        seed=seed,
        added=[[pair.judge_id, pair.entry_id] for pair in plan.new_pairs],
        shortfalls=plan.report.lines,
    )
    return plan.report


def _drop_unsubmitted(session, assignments):
    """Delete the assignments whose sheet is not submitted (with their drafts); the dropped ones."""
    dropped = []
    for assignment in assignments:
        if assignment.sheet is not None and assignment.sheet.status == SheetStatus.SUBMITTED:
            continue
        if assignment.sheet is not None:
            session.delete(assignment.sheet)
        session.delete(assignment)
        dropped.append(assignment)
    session.flush()
    return dropped


def remove_judge(session, contest, judge, actor, seed=0):
    """Take `judge` off `contest`: their judge grants that reach it go, their unsubmitted
    assignments move to other judges, their submitted sheets stay. Returns the report.

    A judge for every contest loses that grant too: a grant cannot except one contest.
    """
    grants = [
        grant
        for grant in judge.grants
        if grant.role == "judge" and grant.contest_id in (None, contest.id)
    ]
    if not grants:
        raise ValidationError("judging.judge_contest", email=judge.email)
    for grant in grants:
        judge.grants.remove(grant)
    current = contest_assignments(session, contest, current_round(contest))
    dropped = _drop_unsubmitted(session, [row for row in current if row.judge_id == judge.id])
    record(
        session,
        actor,
        "judge.removed",
        judge,
        contest_id=contest.id,
        moved_entries=sorted(row.entry_id for row in dropped),
        global_grant=any(grant.contest_id is None for grant in grants),
    )
    return assign_judges(session, contest, seed=seed, actor=actor)


def contest_of_entry(session, entry):
    return session.get(Category, entry.category_id).contest


def add_conflict(session, actor, judge, reason, school=None, district=None, source="declared"):
    """Record that `judge` must not score `school`'s entries (or any from `district`, a
    District)."""
    if school is None and district is None:
        raise ValidationError("judging.choose_school_name_district", field="school")
    conflict = Conflict(
        judge_id=judge.id,
        school_id=getattr(school, "id", None),
        district_id=getattr(district, "id", None),
        source=source,
        reason=(reason or "").strip(),
    )
    session.add(conflict)
    session.flush()
    record(
        session,
        actor,
        "conflict.added",
        conflict,
        judge_id=judge.id,
        school_id=conflict.school_id,
        district_id=conflict.district_id,
        source=source,
    )
    return conflict


def _conflicted_assignments(session, contest, judge):
    """`judge`'s assignments in `contest` that their conflicts now forbid."""
    conflicts = Conflicts(all_conflicts(session, contest))
    names = {}
    return [
        row
        for row in contest_assignments(session, contest, current_round(contest))
        if row.judge_id == judge.id
        and conflicts.between(judge.id, _entry_info(session.get(Entry, row.entry_id), names))
    ]


def release_conflicted(session, contest, judge, actor, seed=0):
    """Move `judge`'s unsubmitted assignments their conflicts forbid to other judges."""
    dropped = _drop_unsubmitted(session, _conflicted_assignments(session, contest, judge))
    report = assign_judges(session, contest, seed=seed, actor=actor)
    return dropped, report


def declare_conflict(session, judge, entry, reason, seed=0):
    """The judge knows the entry's school ("I know this school"): record a declared conflict,
    drop their unsubmitted assignments for that school's entries and assign replacements.

    Returns the AssignmentReport. Only a judge assigned to `entry` may declare on it.
    """
    assigned = session.scalar(
        select(Assignment).where(Assignment.judge_id == judge.id, Assignment.entry_id == entry.id)
    )
    if assigned is None:
        raise NotAllowed("judging.entry_assigned")
    contest = contest_of_entry(session, entry)
    exists = session.scalar(
        select(Conflict).where(Conflict.judge_id == judge.id, Conflict.school_id == entry.school_id)
    )
    conflict = exists or add_conflict(session, judge, judge, reason, school=entry.school)
    dropped, report = release_conflicted(session, contest, judge, judge, seed)
    record(
        session,
        judge,
        "conflict.declared",
        conflict,
        entry_id=entry.id,
        released_entries=sorted(row.entry_id for row in dropped),
    )
    return report


def remove_conflict(session, organizer, conflict, reason):
    """Delete a recorded conflict (the judge may then be assigned that school); audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("judging.say_why_conflict_longer", field="reason")
    record(
        session,
        organizer,
        "conflict.removed",
        conflict,
        judge_id=conflict.judge_id,
        school_id=conflict.school_id,
        district_id=conflict.district_id,
        reason=reason,
    )
    session.delete(conflict)
    session.flush()


def reassign(session, organizer, assignment, new_judge):
    """Give `assignment` to `new_judge` (its draft, if any, is discarded); audited.

    The new judge must judge this contest and its category, have no conflict with the entry and
    not hold it already; a submitted sheet stays with its judge (reopen it first).
    """
    entry = session.get(Entry, assignment.entry_id)
    contest = contest_of_entry(session, entry)
    if assignment.sheet is not None and assignment.sheet.status == SheetStatus.SUBMITTED:
        raise ValidationError("judging.sheet_submitted_stays_judge", field="judge")
    if new_judge.id == assignment.judge_id:
        raise ValidationError("judging.choose_another_judge", field="judge")
    if not is_contest_judge(session, contest, new_judge):
        raise ValidationError("judging.does_judge_contest", field="judge", email=new_judge.email)
    chosen = judge_categories(session, contest).get(new_judge.id)
    if chosen and entry.category_id not in chosen:
        raise ValidationError("judging.does_judge_category", field="judge", email=new_judge.email)
    info = _entry_info(entry, {})
    if Conflicts(all_conflicts(session, contest)).between(new_judge.id, info):
        raise ValidationError("judging.conflict_entry", field="judge", email=new_judge.email)
    held = session.scalar(
        select(Assignment).where(
            Assignment.judge_id == new_judge.id,
            Assignment.entry_id == entry.id,
            Assignment.round_id == assignment.round_id,
        )
    )
    if held is not None:
        raise ValidationError("judging.already_entry", field="judge", email=new_judge.email)
    previous = assignment.judge_id
    if assignment.sheet is not None:
        session.delete(assignment.sheet)
        session.flush()
    assignment.judge_id = new_judge.id
    session.flush()
    record(
        session,
        organizer,
        "assignment.reassigned",
        assignment,
        entry_id=entry.id,
        from_judge_id=previous,
        to_judge_id=new_judge.id,
    )
    return assignment
