"""CSV exports of a contest's results and of its anonymised score sheets.

The tables are built by plain functions over plain data (the results service's dataclasses, or
`ExportedSheet`); `results_csv` and `sheets_csv` are the thin loaders the views call.

Both files are UTF-8 with a byte-order mark (so spreadsheet programs read accents correctly),
a header row, and every text cell that a spreadsheet would run as a formula (one starting with
= + - @, a tab or a carriage return) prefixed with an apostrophe.

The score-sheet export names judges only by pseudonym (J01, J02 ... in the order of the account
ids of the judges holding work in the contest, so the same data gives the same names, and an
observer knows a judge by one name on every page: `judging.progress.judge_pseudonyms`).
Left out, because they could identify a
judge: names and email addresses, the organizer-only comment and the feedback for the school
(free text, which may be signed or recognisable by style), the submission time (matchable
against a judge's known sessions) and the watch evidence (a player's viewing pattern). The
school is left out too: the entry id joins the sheets to the results file when needed.
"""

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select

from contest.core.models.contests import Category
from contest.core.models.entries import Entry, School
from contest.core.models.judging import Assignment, Criterion, Rubric, Score, ScoreSheet
from contest.core.models.results import Result
from contest.judging.progress import judge_pseudonyms, pseudonyms
from contest.results import ranking
from contest.results.plan import ORDINALS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

RESULTS_HEADER = (
    "category",
    "place",
    "place settled by",
    "entry id",
    "title",
    "school",
    "raw score",
    "normalised score",
    "ranked by",
    "90% interval low",
    "90% interval high",
    "sheets",
    "flags",
    "award",
)

AWARD_NAMES = {"peoples_choice": "People's Choice", "honourable_mention": "Honourable mention"}


def neutralise(value):
    """A cell value a spreadsheet shows as text: strings that would start a formula get a
    leading apostrophe; numbers and other strings are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header, rows):
    """CSV text (with a byte-order mark) of `header` and `rows`, every cell neutralised."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return out.getvalue()


def figure(value):
    """A score with two decimals, or an empty cell."""
    return "" if value is None else f"{value:.2f}"


def award_name(result):
    """What a Result row awards, in words ("1st place", "People's Choice" ...)."""
    if result.award == "place":
        return f"{ORDINALS[result.place]} place"
    return AWARD_NAMES[result.award]


@dataclass
class AwardedEntry:
    """An award from the published results, with what the file shows of its entry."""

    entry_id: int
    award: str
    category: str
    title: str
    school: str


def results_table(categories, awards=()):
    """Rows of the results file: every ranked entry of every category (in category and place
    order), each with its awards; then awarded entries that have no ranking row (a People's
    Choice winner no judge scored), with only what is known of them."""
    by_entry = {}
    for awarded in awards:
        by_entry.setdefault(awarded.entry_id, []).append(awarded.award)
    rows, ranked = [], set()
    for category in categories:
        for row in category.rows:
            ranked.add(row.entry_id)
            rows.append(
                (
                    category.name,
                    row.place,
                    row.decided_by,
                    row.entry_id,
                    row.title,
                    row.school,
                    figure(row.raw),
                    figure(row.normalised),
                    category.ranked_by,
                    figure(row.interval[0]),
                    figure(row.interval[1]),
                    row.sheets,
                    "; ".join(row.flags),
                    "; ".join(by_entry.get(row.entry_id, [])),
                )
            )
    for awarded in awards:
        if awarded.entry_id not in ranked:
            ranked.add(awarded.entry_id)
            rows.append(
                (awarded.category, "", "", awarded.entry_id, awarded.title, awarded.school)
                + ("",) * 7
                + ("; ".join(by_entry[awarded.entry_id]),)
            )
    return rows


def published_awards(session, contest):
    """The awards frozen at publication (none while the contest is unpublished), in the order
    places, then the People's Choice, then honourable mentions."""
    if contest.published_at is None:
        return []
    found = session.execute(
        select(Result, Entry.title, School.name, Category.name)
        .join(Entry, Entry.id == Result.entry_id)
        .join(School, School.id == Entry.school_id)
        .join(Category, Category.id == Entry.category_id)
        .where(Result.contest_id == contest.id)
        .order_by(Result.award != "place", Result.award, Result.category_id, Result.place)
    ).all()
    return [
        AwardedEntry(result.entry_id, award_name(result), category, title, school)
        for result, title, school, category in found
    ]


def results_csv(session, contest, round_=None):
    """The results file of a round of `contest` (by default the final one): the organizer's
    ranking, with the published awards for the final round, whose results give them."""
    round_ = round_ or contest.final_round
    awards = published_awards(session, contest) if round_ is contest.final_round else ()
    categories = ranking.category_results(session, contest, round_id=round_.id)
    return to_csv(RESULTS_HEADER, results_table(categories, awards))


@dataclass
class ExportedSheet:
    """A counted score sheet as the anonymised export sees it."""

    judge_id: int
    entry_id: int
    category: str
    category_order: int
    rubric_version: int
    points: dict  # criterion name -> points
    score: float


def without_judge_names(categories, names):
    """The categories' judges named by their pseudonyms (`names`: judge id -> pseudonym, as
    `judge_pseudonyms` gives), for a reader who may not know who judged (an observer)."""
    for category in categories:
        for judge in category.judges:
            judge.name = names[judge.judge_id]
    return categories


def sheets_table(sheets, criteria, names=None):
    """(header, rows) of the anonymised score sheets; `criteria` names the criterion columns in
    order; `names`: judge id -> pseudonym (default: numbered over these sheets' judges). A
    criterion not on a sheet's rubric gives an empty cell."""
    names = names or pseudonyms(sheet.judge_id for sheet in sheets)
    header = ("judge", "entry id", "category", "rubric version", *criteria, "sheet score")
    ordered = sorted(
        sheets, key=lambda sheet: (sheet.category_order, sheet.entry_id, names[sheet.judge_id])
    )
    rows = [
        (
            names[sheet.judge_id],
            sheet.entry_id,
            sheet.category,
            sheet.rubric_version,
            *(sheet.points.get(name, "") for name in criteria),
            figure(sheet.score),
        )
        for sheet in ordered
    ]
    return header, rows


def counted_sheet_details(session, contest, round_=None):
    """(ExportedSheet list, criterion names in rubric order) for every sheet that counts toward
    the results of a round (by default the final one): the results service decides which count
    and scores them."""
    counted = ranking.counted_sheets(session, contest, (round_ or contest.final_round).id)
    if not counted:
        return [], []
    categories = {
        category.id: (category.name, index)
        for index, category in enumerate(
            session.scalars(
                select(Category)
                .where(Category.contest_id == contest.id)
                .order_by(Category.sort_order, Category.id)
            )
        )
    }
    # A judge has one assignment per entry in a round, so (judge, entry) names the counted sheet.
    wanted = {(item.sheet.judge, item.sheet.entry): item for item in counted}
    found = session.execute(
        select(ScoreSheet.id, Assignment.judge_id, Assignment.entry_id, Rubric.id, Rubric.version)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Rubric, Rubric.id == ScoreSheet.rubric_id)
        .where(
            Assignment.entry_id.in_({entry for _, entry in wanted}),
            Assignment.round_id == (round_ or contest.final_round).id,
        )
    ).all()
    sheets = {row[0]: row for row in found if (row[1], row[2]) in wanted}
    criteria = session.execute(
        select(Criterion.id, Criterion.name, Criterion.rubric_id)
        .where(Criterion.rubric_id.in_({row[3] for row in sheets.values()}))
        .order_by(Criterion.rubric_id, Criterion.sort_order, Criterion.id)
    ).all()
    criterion_names = {criterion_id: name for criterion_id, name, _ in criteria}
    points = {}
    for sheet_id, criterion_id, value in session.execute(
        select(Score.sheet_id, Score.criterion_id, Score.points).where(
            Score.sheet_id.in_(list(sheets))
        )
    ):
        points.setdefault(sheet_id, {})[criterion_names[criterion_id]] = value
    exported = []
    for sheet_id, judge_id, entry_id, _, version in sheets.values():
        item = wanted[(judge_id, entry_id)]
        name, order = categories[item.category_id]
        exported.append(
            ExportedSheet(
                judge_id, entry_id, name, order, version, points.get(sheet_id, {}), item.sheet.score
            )
        )
    return exported, list(dict.fromkeys(name for _, name, _ in criteria))


def sheets_csv(session, contest, round_=None):
    """The anonymised score-sheet file of a round of `contest` (by default the final one)."""
    sheets, criteria = counted_sheet_details(session, contest, round_)
    return to_csv(*sheets_table(sheets, criteria, judge_pseudonyms(session, contest)))
