"""Creating, editing and cloning contests. Plain values in; Contest rows or ValidationError out."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import select

from contest.core.errors import ValidationError, describe
from contest.core.models.contests import (
    DEFAULT_CATEGORIES,
    DEFAULT_LICENCE,
    Category,
    Contest,
    Round,
)
from contest.core.models.entries import Entry
from contest.core.models.judging import Criterion, Rubric
from contest.core.rules import utc_time
from contest.core.statuses import RoundMode
from contest.judging.rubrics import default_rubric
from contest.web.caching import invalidate_after_commit

PHASES = (
    ("submissions_open_at", "Submissions open"),
    ("submissions_close_at", "Submissions close"),
    ("judging_close_at", "Judging closes"),
    ("voting_open_at", "Voting opens"),
    ("voting_close_at", "Voting closes"),
)
# (earlier, later): every pair is checked, so leaving a middle phase empty skips no check.
PHASE_ORDER = (
    ("submissions_open_at", "submissions_close_at"),
    ("submissions_open_at", "judging_close_at"),
    ("submissions_close_at", "judging_close_at"),
    ("voting_open_at", "voting_close_at"),
    # The public votes on the finished field: no entry may still be arriving.
    ("submissions_close_at", "voting_open_at"),
    ("submissions_open_at", "voting_open_at"),
)
# Pairs that may fall at the same moment (voting may open as submissions close).
SAME_MOMENT_ALLOWED = {("submissions_close_at", "voting_open_at")}
MEGABYTE = 1024 * 1024
FIRST_ROUND = "Judging"  # the name of a contest's one round, until it has more
RULE_LIMITS = {
    "max_video_seconds": (5, 3600, "Maximum video length (seconds)"),
    "max_bytes": (MEGABYTE, 10 * 1024 * MEGABYTE, "Maximum file size"),
    "entries_per_school_per_category": (1, 50, "Entries per school per category"),
    "judges_per_entry": (1, 20, "Judges per entry"),
}
RETENTION_DAYS = (0, 3650)
RETENTION_MESSAGE = describe(
    "contests.retention_range", {"lowest": RETENTION_DAYS[0], "highest": RETENTION_DAYS[1]}
)
# Every setting a draft carries straight onto the contest (judges per entry is its final round's).
SETTINGS = (
    *(rule for rule in RULE_LIMITS if rule != "judges_per_entry"),
    "normalise_scores",
    "require_full_play",
    "show_live_tally",
    "licence",
    "retention_days",
)
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NAME_LENGTH = Contest.__table__.c.name.type.length
SLUG_LENGTH = Contest.__table__.c.slug.type.length
LICENCE_LENGTH = Contest.__table__.c.licence.type.length
CATEGORY_LENGTH = Category.__table__.c.name.type.length
# The words the forms show for the same rules the service checks.
NAME_TOO_LONG = describe("contests.name_too_long", {"limit": NAME_LENGTH})
SLUG_TOO_LONG = describe("contests.slug_too_long", {"limit": SLUG_LENGTH})
_DEFAULT_DESCRIPTIONS = dict(DEFAULT_CATEGORIES)


@dataclass
class ContestDraft:
    """What an organizer fills in. Phase times are naive, in the contest's own time zone."""

    name: str
    slug: str = ""
    timezone: str = "UTC"
    description: str = ""
    phases: dict[str, datetime | None] = field(default_factory=dict)
    max_video_seconds: int = 120
    max_bytes: int = 500 * MEGABYTE
    entries_per_school_per_category: int = 2
    judges_per_entry: int = 3
    normalise_scores: bool = True
    require_full_play: bool = False
    show_live_tally: bool = False
    licence: str = DEFAULT_LICENCE
    retention_days: int | None = None
    categories: list[str] = field(default_factory=lambda: [c[0] for c in DEFAULT_CATEGORIES])


@dataclass
class _Checked:
    name: str
    slug: str
    phases: dict[str, datetime | None]
    categories: list[str]


@cache
def time_zones():
    """The names of every time zone a contest may use (IANA names, as zoneinfo knows them)."""
    return frozenset(available_timezones())


def slugify(text):
    """A web address made from `text`: lower-case words joined by single hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower())[:SLUG_LENGTH].strip("-")


def _rule_error(rule):
    """The error code and parameters for a rule outside its range (file sizes in MB)."""
    low, high, label = RULE_LIMITS[rule]
    if rule == "max_bytes":
        return "contests.size_out_of_range", {
            "label": label,
            "low": low // MEGABYTE,
            "high": high // MEGABYTE,
        }
    return "contests.rule_out_of_range", {"label": label, "low": low, "high": high}


def rule_range(rule):
    """(lowest, highest, message) for a rule as an organizer enters it (file sizes in MB)."""
    code, params = _rule_error(rule)
    return params["low"], params["high"], describe(code, params)


def _whole_number(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _zone(name):
    if name not in time_zones():
        raise ValidationError("contests.time_zone_know", field="timezone", name=name)
    return ZoneInfo(name)


def _check_slug(session, draft, name, contest):
    slug = (draft.slug or "").strip() or slugify(name)
    if not slug:
        raise ValidationError(
            "contests.give_contest_web_address",
            field="slug",
        )
    if not SLUG_PATTERN.match(slug):
        raise ValidationError("contests.use_lower_case_letters", field="slug")
    if len(slug) > SLUG_LENGTH:
        raise ValidationError("contests.slug_too_long", field="slug", limit=SLUG_LENGTH)
    taken = session.scalar(select(Contest.id).where(Contest.slug == slug))
    if taken and (contest is None or taken != contest.id):
        raise ValidationError("contests.another_contest_already_uses", field="slug", slug=slug)
    return slug


def _check_rules(draft):
    for rule, (low, high, _) in RULE_LIMITS.items():
        value = getattr(draft, rule)
        if not _whole_number(value) or not low <= value <= high:
            code, params = _rule_error(rule)
            raise ValidationError(code, field=rule, **params)
    days, (fewest, most) = draft.retention_days, RETENTION_DAYS
    if days is not None and (not _whole_number(days) or not fewest <= days <= most):
        raise ValidationError(
            "contests.retention_range", field="retention_days", lowest=fewest, highest=most
        )
    licence = (draft.licence or "").strip()
    if not licence:
        raise ValidationError("contests.name_licence_published_videos", "licence")
    if len(licence) > LICENCE_LENGTH:
        raise ValidationError(
            "contests.keep_licence_characters_fewer", "licence", LICENCE_LENGTH=LICENCE_LENGTH
        )


def _check_phases(draft, zone):
    phases = {phase: utc_time(draft.phases.get(phase), zone, phase) for phase, _ in PHASES}
    labels = dict(PHASES)
    for earlier, later in PHASE_ORDER:
        first, second = phases[earlier], phases[later]
        if first is None or second is None:
            continue
        if first > second or (first == second and (earlier, later) not in SAME_MOMENT_ALLOWED):
            raise ValidationError(
                "contests.must_come_after",
                field=later,
                labels=labels[later],
                lower=labels[earlier].lower(),
            )
    return phases


def _check_categories(names):
    categories = [c.strip() for c in names if c.strip()]
    if not categories:
        raise ValidationError("contests.add_least_one_category", field="categories")
    lowered = [c.lower() for c in categories]
    duplicates = sorted({c for c in categories if lowered.count(c.lower()) > 1})
    if duplicates:
        raise ValidationError(
            "contests.categories_listed_twice", field="categories", join=", ".join(duplicates)
        )
    if any(len(c) > CATEGORY_LENGTH for c in categories):
        raise ValidationError(
            "contests.keep_each_category_name",
            field="categories",
            CATEGORY_LENGTH=CATEGORY_LENGTH,
        )
    return categories


def _check(session, draft, contest=None):
    name = (draft.name or "").strip()
    if not name:
        raise ValidationError("contests.give_contest_name", field="name")
    if len(name) > NAME_LENGTH:
        raise ValidationError("contests.name_too_long", field="name", limit=NAME_LENGTH)
    slug = _check_slug(session, draft, name, contest)
    zone = _zone(draft.timezone)
    _check_rules(draft)
    phases = _check_phases(draft, zone)
    return _Checked(name, slug, phases, _check_categories(draft.categories))


def _apply(contest, draft, checked):
    contest.name = checked.name
    contest.slug = checked.slug
    contest.timezone = draft.timezone
    contest.description = (draft.description or "").strip()
    if not contest.rounds:
        contest.rounds = [Round(position=1, name=FIRST_ROUND, mode=RoundMode.RUBRIC)]
    for phase, value in checked.phases.items():
        setattr(contest, phase, value)  # judging_close_at: the final round's close
    for setting in SETTINGS:
        setattr(contest, setting, getattr(draft, setting))
    contest.licence = draft.licence.strip()
    contest.final_round.judges_per_entry = draft.judges_per_entry


def _new_category(name, order):
    return Category(name=name, sort_order=order, description=_DEFAULT_DESCRIPTIONS.get(name, ""))


def create_contest(session, draft, with_default_rubric=True):
    """Make a contest with its categories and the default PSA rubric; ValidationError names the
    field at fault."""
    checked = _check(session, draft)
    contest = Contest()
    _apply(contest, draft, checked)
    contest.categories = [_new_category(c, i) for i, c in enumerate(checked.categories)]
    session.add(contest)
    session.flush()
    if with_default_rubric:
        session.add(default_rubric(contest.id))
        session.flush()
    return contest


def _match_categories(contest, names):
    """Pair each listed name with the category it keeps, and list the categories left over.

    A name keeps the category of the same name (in any case); the other names take over, in
    order, the categories no longer listed: that is a rename, which keeps the category's entries.
    """
    current = list(contest.categories)
    same_name = {c.name.lower(): c for c in current}
    kept = {name: same_name.get(name.lower()) for name in names}
    taken = {id(c) for c in kept.values() if c is not None}
    spare = iter([c for c in current if id(c) not in taken])
    pairs = [(name, kept[name] or next(spare, None)) for name in names]
    return pairs, list(spare)


def update_contest(session, contest, draft):
    """Change a contest's settings; categories are renamed, reordered, added or (if unused)
    removed. Nothing changes when the draft is refused."""
    checked = _check(session, draft, contest)
    invalidate_after_commit(session, contest.id)  # phases and the live-tally setting are public
    pairs, removed = _match_categories(contest, checked.categories)
    used = [
        c.name
        for c in removed
        if c.id and session.scalar(select(Entry.id).where(Entry.category_id == c.id).limit(1))
    ]
    if used:
        raise ValidationError(
            "contests.already_entries_t_removed",
            field="categories",
            join=", ".join(used),
            plural="has" if len(used) == 1 else "have",
        )
    _apply(contest, draft, checked)
    categories = []
    for order, (name, category) in enumerate(pairs):
        if category is None:
            category = _new_category(name, order)
        category.name, category.sort_order = name, order
        categories.append(category)
    contest.categories = categories
    session.flush()
    return contest


def draft_from(contest):
    """A contest's settings as a draft, phases in its own time zone (to edit or clone)."""
    zone = ZoneInfo(contest.timezone)
    # The planned close of the final round, not its end: an early close stays the round's own.
    planned = {p: getattr(contest, p) for p, _ in PHASES} | {
        "judging_close_at": contest.final_round.closes_at
    }
    phases = {
        phase: value.astimezone(zone).replace(tzinfo=None) if value else None
        for phase, value in planned.items()
    }
    return ContestDraft(
        name=contest.name,
        slug=contest.slug,
        timezone=contest.timezone,
        description=contest.description,
        phases=phases,
        **{setting: getattr(contest, setting) for setting in SETTINGS},
        judges_per_entry=contest.final_round.judges_per_entry,
        categories=[c.name for c in contest.categories],
    )


def clone_contest(session, source, name, slug=""):
    """A new contest with `source`'s categories, rules and latest rubrics, and no dates."""
    draft = draft_from(source)
    draft.name, draft.slug, draft.phases = name, slug, {}
    contest = create_contest(
        session, draft, with_default_rubric=not latest_rubrics(session, source)
    )
    contest.cloned_from_id = source.id
    for original, category in zip(source.categories, contest.categories, strict=True):
        category.description = original.description
    by_name = {c.name: c for c in contest.categories}
    source_names = {c.id: c.name for c in source.categories}
    for rubric in latest_rubrics(session, source):
        category = None
        if rubric.category_id is not None:
            category = by_name.get(source_names.get(rubric.category_id))
            if category is None:
                continue
        copy = Rubric(contest_id=contest.id, category_id=category.id if category else None)
        copy.criteria = [
            Criterion(
                name=c.name,
                guidance=c.guidance,
                weight=c.weight,
                min_points=c.min_points,
                max_points=c.max_points,
                level_descriptors=list(c.level_descriptors or []),
                sort_order=c.sort_order,
            )
            for c in rubric.criteria
        ]
        session.add(copy)
    session.flush()
    return contest


def latest_rubrics(session, contest):
    """The newest version of the contest's rubric and of each category override."""
    rubrics = session.scalars(
        select(Rubric).where(Rubric.contest_id == contest.id).order_by(Rubric.version)
    ).all()
    newest = {}
    for rubric in rubrics:
        newest[rubric.category_id] = rubric
    return list(newest.values())
