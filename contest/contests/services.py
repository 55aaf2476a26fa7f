"""Creating, editing and cloning contests. Plain values in; Contest rows or ValidationError out."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select

from contest.contests.models import DEFAULT_CATEGORIES, Category, Contest
from contest.errors import ValidationError
from contest.judging.models import Criterion, Rubric
from contest.submissions.models import Entry

PHASES = (
    ("submissions_open_at", "Submissions open"),
    ("submissions_close_at", "Submissions close"),
    ("judging_close_at", "Judging closes"),
    ("voting_open_at", "Voting opens"),
    ("voting_close_at", "Voting closes"),
)
PHASE_ORDER = (
    ("submissions_open_at", "submissions_close_at"),
    ("submissions_close_at", "judging_close_at"),
    ("voting_open_at", "voting_close_at"),
)
RULE_LIMITS = {
    "max_video_seconds": (5, 3600, "Maximum video length (seconds)"),
    "max_bytes": (1024 * 1024, 10 * 1024**3, "Maximum file size"),
    "entries_per_school_per_category": (1, 50, "Entries per school per category"),
    "judges_per_entry": (1, 20, "Judges per entry"),
}
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class ContestDraft:
    """What an organizer fills in. Phase times are naive, in the contest's own time zone."""

    name: str
    slug: str = ""
    timezone: str = "UTC"
    description: str = ""
    phases: dict[str, datetime | None] = field(default_factory=dict)
    max_video_seconds: int = 120
    max_bytes: int = 500 * 1024 * 1024
    entries_per_school_per_category: int = 2
    judges_per_entry: int = 3
    normalise_scores: bool = True
    licence: str = "CC BY-NC-ND 4.0"
    retention_days: int | None = None
    categories: list[str] = field(default_factory=lambda: [c[0] for c in DEFAULT_CATEGORIES])


def slugify(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100]


def _zone(name):
    if name not in available_timezones():
        raise ValidationError(f"{name!r} is not a time zone we know.", field="timezone")
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError as exc:
        raise ValidationError(f"{name!r} is not a time zone we know.", field="timezone") from exc


def _to_utc(local, zone):
    return None if local is None else local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))


def _check(session, draft, contest=None):
    name = draft.name.strip()
    if not name:
        raise ValidationError("Give the contest a name.", field="name")
    slug = (draft.slug or slugify(name)).strip()
    if not SLUG_PATTERN.match(slug):
        raise ValidationError(
            "Use lower-case letters, digits and single hyphens for the web address.", field="slug"
        )
    taken = session.scalar(select(Contest.id).where(Contest.slug == slug))
    if taken and (contest is None or taken != contest.id):
        raise ValidationError(f"Another contest already uses the address {slug!r}.", field="slug")
    zone = _zone(draft.timezone)
    for rule, (low, high, label) in RULE_LIMITS.items():
        value = getattr(draft, rule)
        if value is None or not low <= value <= high:
            raise ValidationError(f"{label} must be between {low} and {high}.", field=rule)
    if draft.retention_days is not None and not 0 <= draft.retention_days <= 3650:
        raise ValidationError(
            "Keep originals for 0 to 3650 days after publication.", field="retention_days"
        )
    labels = dict(PHASES)
    for earlier, later in PHASE_ORDER:
        first, second = draft.phases.get(earlier), draft.phases.get(later)
        if first and second and first >= second:
            raise ValidationError(f"{labels[later]} must come after {labels[earlier]}.", later)
    categories = [c.strip() for c in draft.categories if c.strip()]
    if not categories:
        raise ValidationError("Add at least one category.", field="categories")
    lowered = [c.lower() for c in categories]
    duplicates = sorted({c for c in categories if lowered.count(c.lower()) > 1})
    if duplicates:
        raise ValidationError(
            f"Categories are listed twice: {', '.join(duplicates)}.", "categories"
        )
    if any(len(c) > 120 for c in categories):
        raise ValidationError("Keep each category name under 120 characters.", "categories")
    return name, slug, zone, categories


def _apply(contest, draft, name, slug, zone):
    contest.name = name
    contest.slug = slug
    contest.timezone = draft.timezone
    contest.description = draft.description.strip()
    for phase, _ in PHASES:
        setattr(contest, phase, _to_utc(draft.phases.get(phase), zone))
    for rule in (*RULE_LIMITS, "normalise_scores", "licence", "retention_days"):
        setattr(contest, rule, getattr(draft, rule))


def create_contest(session, draft):
    """Make a contest with its categories; ValidationError names the field at fault."""
    name, slug, zone, categories = _check(session, draft)
    contest = Contest()
    _apply(contest, draft, name, slug, zone)
    contest.categories = [Category(name=c, sort_order=i) for i, c in enumerate(categories)]
    session.add(contest)
    session.flush()
    return contest


def update_contest(session, contest, draft):
    """Change a contest's settings; categories are renamed, added or (if unused) removed."""
    name, slug, zone, categories = _check(session, draft, contest)
    _apply(contest, draft, name, slug, zone)
    existing = {c.name.lower(): c for c in contest.categories}
    kept = []
    for order, category_name in enumerate(categories):
        category = existing.pop(category_name.lower(), None) or Category(name=category_name)
        category.name, category.sort_order = category_name, order
        kept.append(category)
    for removed in existing.values():
        if removed.id and session.scalar(select(Entry.id).where(Entry.category_id == removed.id)):
            raise ValidationError(
                f"{removed.name!r} already has entries and can't be removed.", field="categories"
            )
    contest.categories = kept
    session.flush()
    return contest


def draft_from(contest):
    """A contest's settings as a draft, phases in its own time zone (to edit or clone)."""
    zone = ZoneInfo(contest.timezone)
    phases = {
        phase: value.astimezone(zone).replace(tzinfo=None) if value else None
        for phase, value in ((p, getattr(contest, p)) for p, _ in PHASES)
    }
    return ContestDraft(
        name=contest.name,
        slug=contest.slug,
        timezone=contest.timezone,
        description=contest.description,
        phases=phases,
        **{
            rule: getattr(contest, rule)
            for rule in (*RULE_LIMITS, "normalise_scores", "licence", "retention_days")
        },
        categories=[c.name for c in contest.categories],
    )


def clone_contest(session, source, name, slug=""):
    """A new contest with `source`'s categories, rules and latest rubrics, and no dates."""
    draft = draft_from(source)
    draft.name, draft.slug, draft.phases = name, slug, {}
    contest = create_contest(session, draft)
    contest.cloned_from_id = source.id
    by_name = {c.name: c for c in contest.categories}
    source_names = {c.id: c.name for c in source.categories}
    for rubric in latest_rubrics(session, source):
        category = by_name.get(source_names.get(rubric.category_id)) if rubric.category_id else None
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
