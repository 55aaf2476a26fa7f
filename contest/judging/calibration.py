"""Calibration: anchor entries every judge scores first, and each judge's score distribution
against the panel's. Plain values in and out; the caller commits."""

from dataclasses import dataclass, field

from sqlalchemy import select

from contest.core.audit import record
from contest.core.errors import ValidationError
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry
from contest.core.models.judging import Assignment, Criterion, Score, ScoreSheet
from contest.core.statuses import SheetStatus
from contest.judging.points import sheet_score

MAX_ANCHORS = 2
BIN_WIDTH = 10  # points on the 0-100 scale per histogram bar


def contest_entries(contest):
    """Entries of `contest`, as a condition for queries."""
    return Entry.category_id.in_(select(Category.id).where(Category.contest_id == contest.id))


def anchor_choices(session, contest):
    """The entries that may be anchors: those the judges score, by category then title."""
    return session.scalars(
        select(Entry)
        .join(Category, Category.id == Entry.category_id)
        .where(Category.contest_id == contest.id, Entry.judgeable)
        .order_by(Category.sort_order, Entry.title, Entry.id)
    ).all()


def anchors(session, contest):
    """The contest's calibration anchors."""
    return session.scalars(
        select(Entry).where(contest_entries(contest), Entry.calibration_anchor).order_by(Entry.id)
    ).all()


def set_anchors(session, organizer, contest, entry_ids):
    """Make exactly `entry_ids` the contest's anchors (none turns calibration off), audited.

    At most MAX_ANCHORS, each a ready entry of this contest; ValidationError otherwise.
    """
    wanted = sorted(set(entry_ids))
    if len(wanted) > MAX_ANCHORS:
        raise ValidationError(
            "judging.choose_most_anchor_entries",
            field="anchors",
            MAX_ANCHORS=MAX_ANCHORS,
            wanted_count=len(wanted),
        )
    ready = {entry.id: entry for entry in anchor_choices(session, contest)}
    unfit = [entry_id for entry_id in wanted if entry_id not in ready]
    if unfit:
        raise ValidationError(
            "judging.only_contest_s_ready",
            field="anchors",
        )
    before = [entry.id for entry in anchors(session, contest)]
    if before == wanted:
        return [ready[entry_id] for entry_id in wanted]
    for entry in session.scalars(select(Entry).where(contest_entries(contest))):
        entry.calibration_anchor = entry.id in wanted
    session.flush()
    record(session, organizer, "calibration.anchors_set", contest, before=before, after=wanted)
    return [ready[entry_id] for entry_id in wanted]


def contests_judged(session, judge):
    """The contests in which `judge` has assignments, newest first."""
    return session.scalars(
        select(Contest)
        .where(
            Contest.id.in_(
                select(Category.contest_id)
                .join(Entry, Entry.category_id == Category.id)
                .join(Assignment, Assignment.entry_id == Entry.id)
                .where(Assignment.judge_id == judge.id)
            )
        )
        .order_by(Contest.created_at.desc(), Contest.id.desc())
    ).all()


def submitted_scores(session, contest):
    """(judge id, sheet score on 0-100) of every submitted sheet in the contest: three queries
    whatever the number of sheets."""
    sheets = session.execute(
        select(ScoreSheet.id, ScoreSheet.rubric_id, Assignment.judge_id)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(contest_entries(contest), ScoreSheet.status == SheetStatus.SUBMITTED)
        .order_by(ScoreSheet.id)
    ).all()
    if not sheets:
        return []
    criteria = {}
    for criterion in session.scalars(
        select(Criterion)
        .where(Criterion.rubric_id.in_({rubric_id for _, rubric_id, _ in sheets}))
        .order_by(Criterion.sort_order, Criterion.id)
    ):
        criteria.setdefault(criterion.rubric_id, []).append(criterion)
    points = {}
    for sheet_id, criterion_id, value in session.execute(
        select(Score.sheet_id, Score.criterion_id, Score.points)
        .join(ScoreSheet, ScoreSheet.id == Score.sheet_id)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(contest_entries(contest), ScoreSheet.status == SheetStatus.SUBMITTED)
    ):
        points.setdefault(sheet_id, {})[criterion_id] = value
    scores = []
    for sheet_id, rubric_id, judge_id in sheets:
        rubric = criteria.get(rubric_id, [])
        given = points.get(sheet_id, {})
        try:
            scores.append((judge_id, sheet_score(rubric, [given.get(c.id) for c in rubric])))
        except ValueError:
            continue  # an incomplete sheet (submitted before a rule existed) has no score
    return scores


@dataclass
class Bin:
    low: int
    high: int
    mine: int = 0
    panel: int = 0
    mine_share: float = 0.0  # of the judge's sheets, in percent
    panel_share: float = 0.0  # of the panel's sheets, in percent

    @property
    def label(self):
        return f"{self.low}-{self.high}"


@dataclass
class Distribution:
    """A judge's submitted sheet scores against the whole panel's, never naming anyone."""

    mine: list[float]
    panel: list[float]
    panel_judges: int
    bins: list[Bin] = field(default_factory=list)

    @property
    def mine_mean(self):
        return sum(self.mine) / len(self.mine) if self.mine else None

    @property
    def panel_mean(self):
        return sum(self.panel) / len(self.panel) if self.panel else None

    @property
    def comparable(self):
        return bool(self.mine) and self.panel_judges > 1

    def summary(self):
        """The comparison in plain words."""
        if not self.mine:
            return (
                "You have not submitted a score sheet in this contest yet: the comparison "
                "appears once you have."
            )
        if not self.comparable:
            return (
                "No other judge has submitted a score sheet yet, so there is no panel to "
                "compare with."
            )
        difference = round(self.mine_mean - self.panel_mean)
        if difference == 0:
            return "You score in line with the panel on average."
        points = f"{abs(difference)} point{'s' if abs(difference) != 1 else ''}"
        side = "above" if difference > 0 else "below"
        return f"You score {points} {side} the panel on average."


def score_bins(mine, panel):
    """Two lists of 0-100 scores counted into 10-point bands (100 joins 90-100), with each band's
    share of its own list in percent: the data of a histogram."""
    bins = [Bin(low, min(low + BIN_WIDTH, 100)) for low in range(0, 100, BIN_WIDTH)]
    for scores, name in ((mine, "mine"), (panel, "panel")):
        for score in scores:
            target = bins[min(int(score // BIN_WIDTH), len(bins) - 1)]  # 100 joins 90-100
            setattr(target, name, getattr(target, name) + 1)
    for target in bins:
        target.mine_share = 100 * target.mine / len(mine) if mine else 0.0
        target.panel_share = 100 * target.panel / len(panel) if panel else 0.0
    return bins


def score_distribution(session, judge, contest):
    """`judge`'s submitted sheet scores and the panel's (every submitted sheet in the contest,
    the judge's own included), binned for a histogram."""
    scores = submitted_scores(session, contest)
    mine = [score for judge_id, score in scores if judge_id == judge.id]
    panel = [score for _, score in scores]
    judges = len({judge_id for judge_id, _ in scores})
    return Distribution(mine, panel, judges, score_bins(mine, panel))


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    share: float


def histogram_bars(bins, width=600, height=240, margin=36):
    """Bar geometry for an SVG histogram of two series side by side in each bin, scaled to the
    tallest share: {"mine": [Bar], "panel": [Bar], "top": share of the top gridline}."""
    top = max([10.0] + [max(b.mine_share, b.panel_share) for b in bins])
    top = float(-(-top // 10) * 10)  # up to the next 10%
    plot_width, plot_height = width - 2 * margin, height - 2 * margin
    slot = plot_width / len(bins)
    bars = {"mine": [], "panel": [], "top": top}
    for index, target in enumerate(bins):
        for offset, name in enumerate(("panel", "mine")):
            share = getattr(target, f"{name}_share")
            tall = plot_height * share / top
            bars[name].append(
                Bar(
                    x=round(margin + index * slot + slot * (0.1 + 0.4 * offset), 1),
                    y=round(margin + plot_height - tall, 1),
                    width=round(slot * 0.4, 1),
                    height=round(tall, 1),
                    share=share,
                )
            )
    return bars
