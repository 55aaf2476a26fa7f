"""Results for the organizer: every category's ranking, uncertainty and reliability, from a
handful of bulk queries whatever the number of entries. Plain dataclasses out; no Flask."""

from dataclasses import dataclass, field

from sqlalchemy import select

from contest.core.models.accounts import User
from contest.core.models.contests import Category, final_round_id
from contest.core.models.entries import Entry, School
from contest.core.models.judging import Assignment, Criterion, Score, ScoreSheet
from contest.core.statuses import SheetStatus

# A module import: judging.calibration imports results.scoring, which loads this package.
from contest.judging import calibration
from contest.judging.points import Scale, sheet_score
from contest.results import scoring

# Entries out of the running: their sheets are neither ranked nor counted in the figures.


@dataclass
class RankingRow:
    entry_id: int
    title: str
    school: str
    sheets: int
    raw: float
    normalised: float
    interval: tuple[float, float]  # 90% bootstrap interval of the figure that ranks
    place: int
    decided_by: str  # the tie-break rule that settled the place (scoring.TIE_BREAKS)
    tied: bool
    flip_with_next: float | None  # chance the entry below would swap places with this one
    distinct_resamples: int
    flags: list[str] = field(default_factory=list)


@dataclass
class JudgeRow:
    judge_id: int
    name: str
    sheets: int
    shared: int
    mean: float
    leniency: float | None
    agreement: float | None
    normalised: bool
    flags: list[str]
    scores: list[float]  # the judge's sheet scores in this category, for the chart
    bins: list = field(default_factory=list)
    bars: dict = field(default_factory=dict)


@dataclass
class CategoryResults:
    category_id: int
    name: str
    ranked_by: str  # "normalised" or "raw", the contest's setting
    rows: list[RankingRow]
    alpha: float | None
    judge_count: int
    entry_count: int
    sheet_count: int
    judges: list[JudgeRow]


@dataclass
class LoadedSheet:
    """A submitted, counted sheet with what the screen shows about its entry and judge."""

    sheet: scoring.Sheet
    category_id: int
    title: str
    school: str
    judge_name: str


def _criteria_by_rubric(session, rubric_ids):
    criteria = {}
    for criterion in session.scalars(
        select(Criterion)
        .where(Criterion.rubric_id.in_(rubric_ids))
        .order_by(Criterion.sort_order, Criterion.id)
    ):
        criteria.setdefault(criterion.rubric_id, []).append(criterion)
    return criteria


def _heaviest(rubric):
    """The rubric's heaviest criterion (the first in rubric order when several share the top)."""
    return max(rubric, key=lambda criterion: criterion.weight) if rubric else None


def _counted(query, contest, round_id):
    """Only submitted sheets of the round's non-calibration assignments on entries still in the
    running."""
    return query.where(
        calibration.contest_entries(contest),
        Assignment.round_id == round_id,
        ScoreSheet.status == SheetStatus.SUBMITTED,
        Assignment.calibration.is_(False),
        Entry.in_running,
    )


def counted_sheets(session, contest, round_id):
    """Every sheet that counts toward round `round_id`'s results (the final round's give the
    contest's places), scored: three queries in all."""
    rows = session.execute(
        _counted(
            select(
                ScoreSheet.id,
                ScoreSheet.rubric_id,
                Assignment.judge_id,
                Entry.id,
                Entry.category_id,
                Entry.title,
                School.name,
                User.name,
                User.email,
            )
            .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
            .join(Entry, Entry.id == Assignment.entry_id)
            .join(School, School.id == Entry.school_id)
            .join(User, User.id == Assignment.judge_id),
            contest,
            round_id,
        ).order_by(ScoreSheet.id)
    ).all()
    if not rows:
        return []
    criteria = _criteria_by_rubric(session, {row[1] for row in rows})
    points = {}
    for sheet_id, criterion_id, value in session.execute(
        _counted(
            select(Score.sheet_id, Score.criterion_id, Score.points)
            .join(ScoreSheet, ScoreSheet.id == Score.sheet_id)
            .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
            .join(Entry, Entry.id == Assignment.entry_id),
            contest,
            round_id,
        )
    ):
        points.setdefault(sheet_id, {})[criterion_id] = value
    scales = {
        rubric_id: [Scale(c.weight, c.min_points, c.max_points) for c in rubric]
        for rubric_id, rubric in criteria.items()
    }
    loaded = []
    for sheet_id, rubric_id, judge_id, entry_id, category_id, title, school, name, email in rows:
        rubric = criteria.get(rubric_id, [])
        given = points.get(sheet_id, {})
        try:
            score = sheet_score(scales[rubric_id], [given.get(c.id) for c in rubric])
        except (KeyError, ValueError):
            continue  # an incomplete sheet (submitted before a rule existed) has no score
        top = _heaviest(rubric)
        heaviest = (given[top.id] - top.min_points) / (top.max_points - top.min_points) * 100
        sheet = scoring.Sheet(judge_id, entry_id, score, heaviest)
        loaded.append(LoadedSheet(sheet, category_id, title, school, name or email))
    return loaded


def score_category(category, loaded, normalise_scores, resamples=scoring.BOOTSTRAP_RESAMPLES):
    """One category's figures from its counted sheets (no database)."""
    sheets = [item.sheet for item in loaded]
    normalisation = scoring.normalise(sheets)
    raw_by_entry, normalised_by_entry, heaviest_by_entry, by_judge = {}, {}, {}, {}
    about = {}
    for item, normalised in zip(loaded, normalisation.scores, strict=True):
        entry = item.sheet.entry
        raw_by_entry.setdefault(entry, []).append(item.sheet.score)
        normalised_by_entry.setdefault(entry, []).append(normalised)
        heaviest_by_entry.setdefault(entry, []).append(item.sheet.heaviest)
        by_judge.setdefault(entry, {})[item.sheet.judge] = item.sheet.score
        about[entry] = item
    ranking_scores = normalised_by_entry if normalise_scores else raw_by_entry
    raw = {entry: scoring.entry_score(scores) for entry, scores in raw_by_entry.items()}
    normalised = {entry: scoring.entry_score(s) for entry, s in normalised_by_entry.items()}
    ranks_by = normalised if normalise_scores else raw
    candidates = [
        scoring.Candidate(
            entry, ranks_by[entry], scoring.entry_score(heaviest_by_entry[entry]), by_judge[entry]
        )
        for entry in raw
    ]
    placed = scoring.rank(candidates)
    resampled = scoring.bootstrap(ranking_scores, resamples=resamples)
    flips = [
        resampled.flip_probability(above.entry, below.entry)
        for above, below in zip(placed, placed[1:], strict=False)
    ]
    unnormalised_entries = {
        item.sheet.entry for item in loaded if item.sheet.judge in normalisation.unnormalised
    }
    intervals = resampled.intervals()
    rows = []
    for index, place in enumerate(placed):
        entry, item = place.entry, about[place.entry]
        count = len(raw_by_entry[entry])
        neighbours = flips[max(index - 1, 0) : index + 1]
        flags = []
        if place.tied:
            flags.append("declared tie")
        if any(flip >= scoring.UNCLEAR_FLIP for flip in neighbours):
            flags.append("order not clear")
        if scoring.distinct_resamples(count) < scoring.FEW_RESAMPLES:
            flags.append("few sheets")
        if entry in unnormalised_entries:
            flags.append("judge not normalised")
        rows.append(
            RankingRow(
                entry_id=entry,
                title=item.title,
                school=item.school,
                sheets=count,
                raw=raw[entry],
                normalised=normalised[entry],
                interval=intervals[entry],
                place=place.place,
                decided_by=place.decided_by,
                tied=place.tied,
                flip_with_next=flips[index] if index < len(flips) else None,
                distinct_resamples=scoring.distinct_resamples(count),
                flags=flags,
            )
        )
    return CategoryResults(
        category_id=category.id,
        name=category.name,
        ranked_by="normalised" if normalise_scores else "raw",
        rows=rows,
        alpha=scoring.krippendorff_alpha(scoring.alpha_table(sheets)[2]),
        judge_count=len({sheet.judge for sheet in sheets}),
        entry_count=len(rows),
        sheet_count=len(sheets),
        judges=_judge_rows(loaded, normalisation),
    )


def _judge_rows(loaded, normalisation):
    names = {item.sheet.judge: item.judge_name for item in loaded}
    pool = [item.sheet.score for item in loaded]
    rows = []
    for figures in scoring.judge_figures([item.sheet for item in loaded]):
        scores = [item.sheet.score for item in loaded if item.sheet.judge == figures.judge]
        flags = list(figures.flags)
        if figures.judge in normalisation.unnormalised:
            flags.append("not normalised")
        bins = calibration.score_bins(scores, pool)
        rows.append(
            JudgeRow(
                judge_id=figures.judge,
                name=names[figures.judge],
                sheets=figures.sheets,
                shared=figures.shared,
                mean=sum(scores) / len(scores),
                leniency=figures.leniency,
                agreement=figures.agreement,
                normalised=figures.judge not in normalisation.unnormalised,
                flags=flags,
                scores=scores,
                bins=bins,
                bars=calibration.histogram_bars(bins),
            )
        )
    return sorted(rows, key=lambda row: (row.name, row.judge_id))


def category_results(session, contest, resamples=scoring.BOOTSTRAP_RESAMPLES, round_id=None):
    """Every category of `contest` with its ranking, intervals, flags, reliability and judges,
    in category order, from the sheets of round `round_id` (by default the final round's, which
    give the places): four queries whatever the number of entries (categories, sheets, criteria,
    scores; the contest is given). Only submitted sheets count, calibration assignments never."""
    # The final round's id comes with the categories.
    rows = session.execute(
        select(Category, final_round_id(contest.id))
        .where(Category.contest_id == contest.id)
        .order_by(Category.sort_order, Category.id)
    ).all()
    categories = [category for category, _ in rows]
    round_id = round_id or (rows[0][1] if rows else None)
    by_category = {}
    for item in counted_sheets(session, contest, round_id):
        by_category.setdefault(item.category_id, []).append(item)
    return [
        score_category(
            category, by_category.get(category.id, []), contest.normalise_scores, resamples
        )
        for category in categories
    ]


@dataclass
class PointsRow:
    criterion: str
    weight: float
    points: int | None
    min_points: int
    max_points: int


@dataclass
class SheetRow:
    """One sheet of an entry as the organizer's drill-down shows it."""

    sheet_id: int
    judge_name: str
    status: str
    calibration: bool  # a calibration anchor's sheet: shown, never counted
    counted: bool
    score: float | None
    points: list[PointsRow]
    watched_seconds: float
    watched_fraction: float
    submitted_at: object


def entry_sheets(session, entry):
    """Every score sheet of `entry` (any status and round, calibration ones included and
    marked), with its judge, score, points per criterion and watch evidence; only the final
    round's count toward the places: three queries."""
    final = final_round_id(entry.category.contest_id)
    rows = session.execute(
        select(
            ScoreSheet, Assignment.calibration, User.name, User.email, Assignment.round_id == final
        )
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(User, User.id == Assignment.judge_id)
        .where(Assignment.entry_id == entry.id)
        .order_by(User.name, User.email, ScoreSheet.id)
    ).all()
    if not rows:
        return []
    criteria = _criteria_by_rubric(session, {sheet.rubric_id for sheet, *_ in rows})
    points = {}
    for sheet_id, criterion_id, value in session.execute(
        select(Score.sheet_id, Score.criterion_id, Score.points).where(
            Score.sheet_id.in_([sheet.id for sheet, *_ in rows])
        )
    ):
        points.setdefault(sheet_id, {})[criterion_id] = value
    result = []
    for sheet, anchor, name, email, in_final in rows:
        rubric = criteria.get(sheet.rubric_id, [])
        given = points.get(sheet.id, {})
        try:
            score = sheet_score(rubric, [given.get(c.id) for c in rubric])
        except ValueError:
            score = None
        result.append(
            SheetRow(
                sheet_id=sheet.id,
                judge_name=name or email,
                status=sheet.status,
                calibration=anchor,
                counted=(
                    sheet.status == SheetStatus.SUBMITTED
                    and in_final
                    and not anchor
                    and entry.in_running
                    and score is not None
                ),
                score=score,
                points=[
                    PointsRow(c.name, c.weight, given.get(c.id), c.min_points, c.max_points)
                    for c in rubric
                ],
                watched_seconds=sheet.watched_seconds,
                watched_fraction=sheet.watched_fraction,
                submitted_at=sheet.submitted_at,
            )
        )
    return result
