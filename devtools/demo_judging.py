"""The demo's judging: judges assigned, sheets started or submitted with believable scores,
and last year's contest judged and published through the results services."""

import random
from datetime import timedelta

from sqlalchemy import select

from contest.core.dbtypes import utcnow
from contest.core.models.accounts import User
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry, School
from contest.core.models.judging import Assignment
from contest.core.statuses import EntryStatus
from contest.judging import sheets
from contest.judging.calibration import set_anchors
from contest.judging.panel import assign_judges, judgeable_entries
from contest.results import choices as award_choices
from contest.results import plan as awards_plan
from contest.results import publication
from contest.results import ranking as results
from contest.voting import counting
from devtools.demo import DEMO_SLUG, JUDGES, ORGANIZER, PAST_SLUG

# Per demo judge: the share of their regular assignments submitted, and their leniency (levels
# added to what an entry deserves), so normalisation has something to correct.
JUDGE_PROGRESS = (0.5, 0.92, 0.85, 0.04, 0.45)
JUDGE_LENIENCY = (0.6, -0.5, 0.0, 0.9, -0.8)
DEMO_COMMENTS = (
    ("The music drowns out the narration in the middle.", ""),
    ("", "A strong idea. Slow the ending down so the message sinks in."),
    ("Check the consent form: a face appears that is not in the credits.", ""),
    ("", "Great call to action; the opening could grab attention faster."),
)


def _demo_anchors(session, contest, organizer, teaching_judge_school):
    """Two ready entries from different categories, from outside the district of the judge who
    teaches, so every judge may score them."""
    chosen, categories = [], set()
    for entry in session.scalars(
        select(Entry)
        .join(Category, Category.id == Entry.category_id)
        .where(Category.contest_id == contest.id, Entry.status == EntryStatus.READY)
        .order_by(Entry.id)
    ):
        school = session.get(School, entry.school_id)
        if school.district_id == teaching_judge_school.district_id or (
            entry.category_id in categories
        ):
            continue
        chosen.append(entry.id)
        categories.add(entry.category_id)
        if len(chosen) == 2:
            break
    return set_anchors(session, organizer, contest, chosen)


def _points(rng, criteria, quality, leniency, how_many=None):
    """Points for the first `how_many` criteria (all by default): what the entry deserves on
    each scale (quality 0-1), moved by the judge's leniency and a little noise."""
    points = {}
    for criterion in criteria[:how_many]:
        span = criterion.max_points - criterion.min_points
        level = quality * span + (leniency + rng.gauss(0, 0.6)) * span / 4
        points[criterion.id] = min(
            criterion.max_points, max(criterion.min_points, round(criterion.min_points + level))
        )
    return points


def seed_demo_judging(session, seed=2026):
    """This year's judging under way, last year's judged and published (once their entries
    have videos). Returns the score sheets made."""
    return _seed_current_judging(session, seed) + _seed_past_results(session, seed)


def _seed_current_judging(session, seed):
    """Anchors, the judge assignment and score sheets in a realistic partly finished state: some
    judges nearly done, some halfway, one barely started; a few drafts, a few comments; watch
    evidence on each. Seeded, so every run makes the same state. Returns the sheets made, or 0
    when the demo has no ready entries (no videos) or already has sheets."""
    contest = session.scalar(select(Contest).where(Contest.slug == DEMO_SLUG))
    if contest is None or session.scalar(
        select(Assignment.id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .join(Category, Category.id == Entry.category_id)
        .where(Category.contest_id == contest.id)
        .limit(1)
    ):
        return 0
    organizer = session.scalar(select(User).where(User.email == ORGANIZER))
    judges = [session.scalar(select(User).where(User.email == email)) for email in JUDGES]
    teaching = next(g.school_id for g in judges[-1].grants if g.role == "teacher")
    if not _demo_anchors(session, contest, organizer, session.get(School, teaching)):
        return 0
    assign_judges(session, contest, seed=seed, actor=organizer)
    rng = random.Random(seed)
    entries = {
        e.id: e
        for e in session.scalars(
            select(Entry).join(Category).where(Category.contest_id == contest.id)
        )
    }
    quality = {entry_id: rng.uniform(0.2, 0.9) for entry_id in sorted(entries)}
    now = utcnow().replace(microsecond=0)
    made = comments = 0
    for judge, share, leniency in zip(judges, JUDGE_PROGRESS, JUDGE_LENIENCY, strict=True):
        mine = session.scalars(
            select(Assignment).where(Assignment.judge_id == judge.id).order_by(Assignment.id)
        ).all()
        anchors = [a for a in mine if a.calibration]
        regular = [a for a in mine if not a.calibration]
        rng.shuffle(regular)
        if share < 0.1:  # barely started: the first anchor scored, the second begun
            work, finished = anchors, 1
        else:
            done = round(share * len(regular))
            work, finished = anchors + regular[: done + rng.randint(1, 2)], len(anchors) + done
        for number, assignment in enumerate(work):
            entry = entries[assignment.entry_id]
            sheet = sheets.sheet_for(session, judge, assignment)
            criteria = sheets.criteria_of(session, sheet)
            duration = entry.duration_seconds or 1.0
            finishing = number < finished
            partial = None if finishing else rng.randint(1, len(criteria) - 1)
            comment = feedback = None
            if finishing and number % 7 == 3 and comments < len(DEMO_COMMENTS):
                comment, feedback = DEMO_COMMENTS[comments]
                comments += 1
            sheets.record_watch(
                session, judge, sheet,
                [[0.0, duration if finishing else duration * rng.uniform(0.3, 0.8)]], duration,
            )  # fmt: skip
            sheets.save_draft(
                session, judge, sheet,
                _points(rng, criteria, quality[entry.id], leniency, partial), comment, feedback,
            )  # fmt: skip
            if finishing:
                submitted_at = now - timedelta(hours=rng.randint(1, 96), minutes=rng.randint(0, 59))
                sheets.submit_sheet(session, judge, sheet, submitted_at)
            made += 1
    session.flush()
    return made


PAST_FEEDBACK = (
    "A clear message from the first second; the captions make it work with the sound off.",
    "Great pacing. A closing card with where to get help would make it even stronger.",
    "The acting sells it. Try a tighter edit in the middle section.",
)


def _seed_past_results(session, seed):
    """Last year's contest judged (every sheet submitted, with feedback for the schools) and
    published the way an organizer publishes: the ranking's defaults, the vote's winner. Returns
    the sheets made, or 0 when it has no ready entries yet or is published already."""
    contest = session.scalar(select(Contest).where(Contest.slug == PAST_SLUG))
    if contest is None or contest.published_at is not None:
        return 0
    entries = {e.id: e for e in judgeable_entries(session, contest)}
    if not entries:
        return 0
    organizer = session.scalar(select(User).where(User.email == ORGANIZER))
    assign_judges(session, contest, seed=seed, actor=organizer)
    rng = random.Random(seed + 1)
    quality = {entry_id: rng.uniform(0.2, 0.9) for entry_id in sorted(entries)}
    assignments = session.scalars(
        select(Assignment).where(Assignment.entry_id.in_(entries)).order_by(Assignment.id)
    ).all()
    for number, assignment in enumerate(assignments):
        judge = session.get(User, assignment.judge_id)
        entry = entries[assignment.entry_id]
        sheet = sheets.sheet_for(session, judge, assignment)
        duration = entry.duration_seconds or 1.0
        sheets.record_watch(session, judge, sheet, [[0.0, duration]], duration)
        points = _points(rng, sheets.criteria_of(session, sheet), quality[entry.id], 0.0)
        feedback = PAST_FEEDBACK[number % len(PAST_FEEDBACK)]
        sheets.save_draft(session, judge, sheet, points, None, feedback)
        sheets.submit_sheet(session, judge, sheet, contest.judging_close_at - timedelta(days=2))
    session.flush()
    tally, _, ballot_sha256 = counting.contest_tally(session, contest)
    published_at = contest.voting_close_at + timedelta(days=7)
    plan = awards_plan.plan(
        results.category_results(session, contest),
        tally,
        ballot_sha256,
        awards_plan.entry_facts(session, contest),
        awards_plan.judging_state(session, contest, published_at),  # finished: every sheet is in
    )
    awards = award_choices.check_choices(contest, plan, _resolved(plan), now=published_at)
    publication.publish_results(
        session, organizer, contest, awards, now=published_at, judging=plan.judging
    )
    for award in awards:  # the winning schools chose to share the judges' feedback
        if award.place == 1:
            session.get(Entry, award.entry.id).feedback_public = True
    session.flush()
    return len(assignments)


def _resolved(plan):
    """The default choices with any declared tie ordered as listed, and the reason given."""
    choices = awards_plan.default_choices(plan)
    for category in plan.categories:
        for slot in category.slots:
            key = awards_plan.place_field(category.category_id, slot.place)
            if choices[key] is None:
                taken = set(choices.values())
                choices[key] = next(e for e in slot.tied_with if e not in taken)
                choices[awards_plan.reason_field(category.category_id)] = "Demo: tie drawn."
    pc = plan.peoples_choice
    if choices[awards_plan.PC_ENTRY] is None and pc.tied_with:
        choices[awards_plan.PC_ENTRY] = pc.tied_with[0]
        choices[awards_plan.PC_REASON] = "Demo: tie drawn."
    return choices
