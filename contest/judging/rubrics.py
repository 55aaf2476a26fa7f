"""Rubrics: the default PSA rubric every new contest starts with, which rubric applies, and the
organizer's rubric builder (edit in place until scoring starts, then a new version)."""

import math
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select

from contest.core.audit import record
from contest.core.errors import ValidationError
from contest.core.models.judging import Assignment, Criterion, Rubric, Score, ScoreSheet
from contest.core.statuses import OPEN_SHEET_STATUSES, SheetStatus

# (name, weight, guidance, a descriptor per level from 1 to 5)
DEFAULT_RUBRIC = (
    (
        "Message accuracy",
        3,
        "Is the safety advice correct, clear and right for the audience's age?",
        ("Wrong or harmful", "Unclear or partly wrong", "Correct but vague", "Correct and clear",
         "Correct, clear and precise"),
    ),
    (
        "Creativity",
        2,
        "Is the idea original and memorable?",
        ("Copied or generic", "Familiar idea", "Some fresh touches", "Original",
         "Original and unforgettable"),
    ),
    (
        "Audience impact",
        3,
        "Would it change what a student does online?",
        ("No effect", "Little effect", "Might make some think", "Makes most think",
         "Likely to change behaviour"),
    ),
    (
        "Production quality",
        1,
        "Do sound, picture and editing serve the message?",
        ("Hard to watch or hear", "Distracting flaws", "Adequate", "Polished",
         "Professional standard"),
    ),
    (
        "Call to action",
        1,
        "Does it tell the viewer what to do next?",
        ("None", "Implied only", "Stated but weak", "Clear", "Clear, specific and compelling"),
    ),
)  # fmt: skip


def default_rubric(contest_id):
    """Five weighted criteria on a 1-5 scale with a descriptor for every level."""
    rubric = Rubric(contest_id=contest_id, version=1)
    rubric.criteria = [
        Criterion(
            name=name,
            weight=weight,
            guidance=guidance,
            min_points=1,
            max_points=5,
            level_descriptors=list(levels),
            sort_order=order,
        )
        for order, (name, weight, guidance, levels) in enumerate(DEFAULT_RUBRIC)
    ]
    return rubric


def rubric_for(session, category):
    """The rubric an entry of `category` is scored on now: the newest version of the category's
    override if it has one, else the newest version of the contest's rubric (None if neither)."""
    newest = (
        select(Rubric)
        .where(Rubric.contest_id == category.contest_id)
        .order_by(Rubric.version.desc())
        .limit(1)
    )
    override = session.scalar(newest.where(Rubric.category_id == category.id))
    return override or session.scalar(newest.where(Rubric.category_id.is_(None)))


# --- the rubric builder --------------------------------------------------------------------------

MAX_LEVELS = 11  # 0-10 is the widest scale a judge can hold in mind
NAME_LENGTH = Criterion.__table__.c.name.type.length


@dataclass
class CriterionDraft:
    """One criterion as an organizer enters it; its place in the list is its order."""

    name: str
    guidance: str = ""
    weight: float = 1.0
    min_points: int = 1
    max_points: int = 5
    level_descriptors: list[str] = field(default_factory=list)


@dataclass
class RubricChange:
    """What saving did: the rubric now in use, whether it is a new version, and what moved."""

    rubric: Rubric
    new_version: bool
    changed: bool = True
    moved_sheets: int = 0
    dropped_points: int = 0


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _checked(index, draft):
    """A draft criterion cleaned up, or a ValidationError naming its field."""
    name = (draft.name or "").strip()
    label = name or f"Criterion {index + 1}"

    def refuse(code, attribute, **params):
        raise ValidationError(code, field=f"criteria-{index}-{attribute}", label=label, **params)

    if not name:
        refuse("judging.criterion_unnamed", "name")
    if len(name) > NAME_LENGTH:
        refuse("judging.criterion_name_too_long", "name", limit=NAME_LENGTH)
    weight = draft.weight
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight > 0:
        refuse("judging.criterion_weight", "weight")
    if not math.isfinite(weight):
        refuse("judging.criterion_weight", "weight")
    low, high = draft.min_points, draft.max_points
    if not _whole(low) or not _whole(high):
        refuse("judging.criterion_scale_whole", "min_points")
    if low < 0:
        refuse("judging.criterion_scale_negative", "min_points")
    if high <= low:
        refuse("judging.criterion_scale_empty", "max_points")
    levels = high - low + 1
    if levels > MAX_LEVELS:
        refuse("judging.criterion_too_many_levels", "max_points", limit=MAX_LEVELS, levels=levels)
    descriptors = [str(d).strip() for d in draft.level_descriptors or () if str(d).strip()]
    if descriptors and len(descriptors) != levels:
        refuse(
            "judging.criterion_descriptors",
            "level_descriptors",
            levels=levels,
            low=low,
            high=high,
            given=len(descriptors),
        )
    return CriterionDraft(
        name=name,
        guidance=(draft.guidance or "").strip(),
        weight=float(weight),
        min_points=low,
        max_points=high,
        level_descriptors=descriptors,
    )


def check_criteria(criteria):
    """The criteria cleaned up and checked; ValidationError names the first one at fault."""
    if not criteria:
        raise ValidationError("judging.add_least_one_criterion", field="criteria")
    checked = [_checked(index, draft) for index, draft in enumerate(criteria)]
    seen = {}
    for index, draft in enumerate(checked):
        key = draft.name.casefold()
        if key in seen:
            raise ValidationError(
                "judging.another_criterion_already_name",
                field=f"criteria-{index}-name",
                name=draft.name,
            )
        seen[key] = index
    return checked


def submitted_sheets(session, rubric):
    """How many sheets were submitted on this rubric version."""
    return session.scalar(
        select(func.count(ScoreSheet.id)).where(
            ScoreSheet.rubric_id == rubric.id, ScoreSheet.status == SheetStatus.SUBMITTED
        )
    )


def scoring_started(session, rubric):
    """True once any sheet was submitted on this version: from then on it can't change."""
    return bool(submitted_sheets(session, rubric))


def newest_rubric(session, contest, category=None):
    """The newest version of the contest's own rubric, or of `category`'s override (or None)."""
    scope = Rubric.category_id.is_(None) if category is None else Rubric.category_id == category.id
    return session.scalar(
        select(Rubric)
        .where(Rubric.contest_id == contest.id, scope)
        .order_by(Rubric.version.desc())
        .limit(1)
    )


def _criterion(draft, order):
    return Criterion(
        name=draft.name,
        guidance=draft.guidance,
        weight=draft.weight,
        min_points=draft.min_points,
        max_points=draft.max_points,
        level_descriptors=list(draft.level_descriptors),
        sort_order=order,
    )


def _as_drafts(rubric):
    return [
        CriterionDraft(
            c.name, c.guidance, float(c.weight), c.min_points, c.max_points,
            list(c.level_descriptors or []),
        )
        for c in rubric.criteria
    ]  # fmt: skip


def _same_scale(old, new):
    return (old.min_points, old.max_points) == (new.min_points, new.max_points)


def _edit_in_place(session, rubric, criteria):
    """Rewrite an unscored rubric's criteria; a criterion keeps its row (and the points of open
    sheets) when its name stays and its scale does not change. Returns the points dropped."""
    current = {c.name.casefold(): c for c in rubric.criteria}
    wanted = {draft.name.casefold(): draft for draft in criteria}
    dropped = [
        row.id
        for key, row in current.items()
        if key not in wanted or not _same_scale(row, wanted[key])
    ]
    count = 0
    if dropped:
        count = session.execute(delete(Score).where(Score.criterion_id.in_(dropped))).rowcount
        for sheet in [o for o in session.identity_map.values() if isinstance(o, ScoreSheet)]:
            session.expire(sheet, ["scores"])
    kept = []
    for order, draft in enumerate(criteria):
        row = current.get(draft.name.casefold()) or Criterion()
        for name in ("name", "guidance", "weight", "min_points", "max_points"):
            setattr(row, name, getattr(draft, name))
        row.level_descriptors, row.sort_order = list(draft.level_descriptors), order
        kept.append(row)
    rubric.criteria = kept
    session.flush()
    return count


def move_open_sheets(session, contest, rubric_of=None):
    """Move every draft or reopened sheet of `contest` onto the rubric its category uses now
    (`rubric_of(category)`, by default `rubric_for`).

    A sheet keeps its points for criteria whose name (in any case) and scale are unchanged and
    drops the rest; submitted sheets stay on the version they were scored on. Returns (sheets
    moved, points dropped).
    """
    # Imported here: contests.editing imports this module for the default rubric.
    from contest.core.models.entries import Entry

    rubric_of = rubric_of or (lambda category: rubric_for(session, category))
    categories = {category.id: category for category in contest.categories}
    sheets = session.execute(
        select(ScoreSheet, Entry.category_id)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(Entry.category_id.in_(categories), ScoreSheet.status.in_(OPEN_SHEET_STATUSES))
    ).all()
    current, moved, dropped = {}, 0, 0
    for sheet, category_id in sheets:
        category = categories[category_id]
        if category.id not in current:
            current[category.id] = rubric_of(category)
        target = current[category.id]
        if target is None or sheet.rubric_id == target.id:
            continue
        by_name = {c.name.casefold(): c for c in target.criteria}
        old = {c.id: c for c in session.get(Rubric, sheet.rubric_id).criteria}
        for score in list(sheet.scores):
            was = old.get(score.criterion_id)
            now = by_name.get(was.name.casefold()) if was else None
            if now is not None and _same_scale(was, now):
                score.criterion_id = now.id
            else:
                sheet.scores.remove(score)
                dropped += 1
        sheet.rubric_id = target.id
        moved += 1
    session.flush()
    return moved, dropped


def _check_category(contest, category):
    if category is not None and category.contest_id != contest.id:
        raise ValidationError("judging.category", name=category.name, name2=contest.name)


def save_rubric(session, organizer, contest, category, criteria):
    """Save the contest's rubric (`category` None) or a category's override, audited.

    An unscored version is edited in place; once a sheet has been submitted on it, a new version
    is made instead. Open sheets follow onto the new rubric (see `move_open_sheets`). Saving what
    is already there changes nothing. ValidationError names the criterion field at fault.
    """
    _check_category(contest, category)
    checked = check_criteria(criteria)
    current = newest_rubric(session, contest, category)
    if current is not None and _as_drafts(current) == checked:
        return RubricChange(current, new_version=False, changed=False)
    if current is not None and not scoring_started(session, current):
        dropped = _edit_in_place(session, current, checked)
        rubric, new_version, action = current, False, "rubric.edited"
    else:
        rubric = Rubric(
            contest_id=contest.id,
            category_id=getattr(category, "id", None),
            version=current.version + 1 if current else 1,
            criteria=[_criterion(draft, order) for order, draft in enumerate(checked)],
        )
        session.add(rubric)
        session.flush()
        new_version, dropped = True, 0
        action = "rubric.versioned" if current else "rubric.created"
    moved, dropped_on_move = move_open_sheets(session, contest)
    record(
        session, organizer, action, rubric,
        contest_id=contest.id, category_id=rubric.category_id, version=rubric.version,
        criteria=[c.name for c in checked], moved_sheets=moved,
        dropped_points=dropped + dropped_on_move,
    )  # fmt: skip
    return RubricChange(rubric, new_version, True, moved, dropped + dropped_on_move)


def remove_override(session, organizer, contest, category):
    """Make `category` use the contest's rubric again, audited; its open sheets move over.

    Refused once a sheet has been submitted on any version of the override: that sheet must keep
    the rubric it was scored on.
    """
    _check_category(contest, category)
    overrides = session.scalars(
        select(Rubric).where(Rubric.contest_id == contest.id, Rubric.category_id == category.id)
    ).all()
    if not overrides:
        raise ValidationError("judging.already_uses_contest_rubric", name=category.name)
    submitted = sum(submitted_sheets(session, rubric) for rubric in overrides)
    if submitted:
        raise ValidationError(
            "judging.sheet_submitted_s_own",
            submitted=submitted,
            plural="s were" if submitted != 1 else " was",
            name=category.name,
        )
    contest_rubric = newest_rubric(session, contest)
    if contest_rubric is None:
        raise ValidationError("judging.rubric_own", name=contest.name, name2=category.name)
    moved, dropped = move_open_sheets(
        session,
        contest,
        lambda c: contest_rubric if c.id == category.id else rubric_for(session, c),
    )
    for rubric in overrides:
        session.delete(rubric)
    session.flush()
    record(
        session, organizer, "rubric.override_removed", category,
        contest_id=contest.id, moved_sheets=moved, dropped_points=dropped,
    )  # fmt: skip
    return moved, dropped
