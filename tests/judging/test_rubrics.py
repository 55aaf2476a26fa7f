"""The rubric builder: validation, editing in place before scoring, new versions after, open
sheets following the rubric with the points that still fit, category overrides and the audit."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from contest.contests.editing import ContestDraft, create_contest
from contest.core.audit import AuditEvent
from contest.core.errors import ValidationError
from contest.core.models.entries import Entry, School
from contest.core.models.judging import Criterion, Rubric, Score, ScoreSheet
from contest.judging.rubrics import (
    CriterionDraft,
    newest_rubric,
    remove_override,
    rubric_for,
    save_rubric,
    scoring_started,
    submitted_sheets,
)
from tests import factories
from tests.factories import add_user

SUBMITTED_AT = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


def drafts(*names, low=1, high=5):
    return [CriterionDraft(name, weight=1.0, min_points=low, max_points=high) for name in names]


class Contest:
    """A contest with the default rubric, an entry per category and judges to score them."""

    def __init__(self, session):
        self.session = session
        self.contest = create_contest(session, ContestDraft(name="Safe Online 2026"))
        self.organizer = add_user(session, roles=["admin"])
        school = School(name="Adams Middle", district=factories.district_row("North"))
        session.add(school)
        session.flush()
        self.entries = [
            Entry(category_id=c.id, school_id=school.id, title=f"PSA {c.name}", status="ready")
            for c in self.contest.categories
        ]
        session.add_all(self.entries)
        session.flush()

    @property
    def rubric(self):
        return newest_rubric(self.session, self.contest)

    def sheet(self, entry=0, status="draft", points=None, rubric=None):
        """A sheet by a new judge on `entry`, with `points` by criterion name."""
        judge = add_user(self.session, roles=["judge"])
        entry = self.entries[entry]
        assignment = factories.assignment_row(self.session, judge.id, entry.id)
        self.session.add(assignment)
        self.session.flush()
        rubric = rubric or rubric_for(
            self.session, self.contest.categories[self.entries.index(entry)]
        )
        by_name = {c.name: c for c in rubric.criteria}
        sheet = ScoreSheet(
            assignment_id=assignment.id,
            rubric_id=rubric.id,
            status=status,
            submitted_at=SUBMITTED_AT if status != "draft" else None,
            reopen_reason="A typo" if status == "reopened" else None,
            scores=[
                Score(criterion_id=by_name[name].id, points=value)
                for name, value in (points or {}).items()
            ],
        )
        self.session.add(sheet)
        self.session.flush()
        return sheet

    def points(self, sheet):
        """{criterion name: points} of a sheet as stored now."""
        self.session.expire_all()
        rows = self.session.execute(
            select(Criterion.name, Score.points)
            .join(Score, Score.criterion_id == Criterion.id)
            .where(Score.sheet_id == sheet.id)
        ).all()
        return dict(rows)

    def save(self, criteria, category=None):
        return save_rubric(self.session, self.organizer, self.contest, category, criteria)

    def events(self, action):
        return self.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.fixture
def setting(session):
    return Contest(session)


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "field", "message"),
    [
        ([], "criteria", "Add at least one criterion."),
        ([CriterionDraft("  ")], "criteria-0-name", "Criterion 1: give it a name."),
        ([CriterionDraft("A" * 121)], "criteria-0-name", "120 characters or fewer"),
        (drafts("Impact", "impact"), "criteria-1-name", "another criterion already has this name"),
        ([CriterionDraft("Impact", weight=0)], "criteria-0-weight", "more than 0"),
        ([CriterionDraft("Impact", weight=-2)], "criteria-0-weight", "more than 0"),
        ([CriterionDraft("Impact", weight=float("nan"))], "criteria-0-weight", "more than 0"),
        ([CriterionDraft("Impact", weight=True)], "criteria-0-weight", "more than 0"),
        ([CriterionDraft("Impact", min_points=1.5)], "criteria-0-min_points", "whole numbers"),
        ([CriterionDraft("Impact", min_points=-1)], "criteria-0-min_points", "below 0"),
        (
            [CriterionDraft("Impact", min_points=3, max_points=3)],
            "criteria-0-max_points",
            "above the lowest",
        ),
        (
            [CriterionDraft("Impact", min_points=0, max_points=11)],
            "criteria-0-max_points",
            "at most 11 levels",
        ),
        (
            [CriterionDraft("Impact", level_descriptors=["Poor", "Good"])],
            "criteria-0-level_descriptors",
            "5 for 1 to 5",
        ),
    ],
)
def test_a_rubric_that_breaks_a_rule_is_refused_and_nothing_changes(
    setting, criteria, field, message
):
    before = [c.name for c in setting.rubric.criteria]

    with pytest.raises(ValidationError) as refused:
        setting.save(criteria)

    assert refused.value.field == field
    assert message in refused.value.message
    assert [c.name for c in setting.rubric.criteria] == before
    assert setting.rubric.version == 1


def test_the_widest_scale_and_no_descriptors_are_accepted(setting):
    change = setting.save(
        [
            CriterionDraft(" Impact ", " Does it land? ", 2.5, 0, 10),
            CriterionDraft("Craft", level_descriptors=["1", " ", "2", "3", "4", "5"]),
        ]
    )

    impact, craft = change.rubric.criteria
    assert (impact.name, impact.guidance, impact.weight) == ("Impact", "Does it land?", 2.5)
    assert (impact.min_points, impact.max_points, impact.level_descriptors) == (0, 10, [])
    assert craft.level_descriptors == ["1", "2", "3", "4", "5"]  # blank lines are not levels


# --- editing in place, before any sheet is submitted ---------------------------------------------


def test_before_scoring_the_rubric_is_edited_in_place(setting):
    rubric = setting.rubric
    rubric_id, kept_id = rubric.id, rubric.criteria[1].id  # Creativity
    setting.sheet(status="draft", points={"Creativity": 4})

    change = setting.save(
        [
            CriterionDraft("Creativity", "New guidance", 5.0),
            CriterionDraft("Humour", weight=1.0, min_points=0, max_points=3),
        ]
    )

    assert (change.new_version, change.changed) == (False, True)
    assert change.rubric.id == rubric_id and change.rubric.version == 1
    creativity, humour = change.rubric.criteria
    assert creativity.id == kept_id and creativity.weight == 5.0
    assert (creativity.guidance, creativity.sort_order, humour.sort_order) == ("New guidance", 0, 1)
    assert setting.session.scalar(select(func.count(Rubric.id))) == 1
    assert setting.session.scalar(select(func.count(Criterion.id))) == 2


def test_in_place_a_draft_keeps_points_only_where_name_and_scale_stay(setting):
    sheet = setting.sheet(
        status="draft", points={"Creativity": 4, "Message accuracy": 2, "Call to action": 5}
    )
    current = [
        CriterionDraft(c.name, c.guidance, c.weight, c.min_points, c.max_points)
        for c in setting.rubric.criteria
    ]
    current[0] = CriterionDraft("Message accuracy", min_points=0, max_points=10)  # new scale
    current[1] = CriterionDraft("creativity", weight=9)  # same name in another case
    del current[4]  # Call to action goes

    change = setting.save(current)

    assert change.dropped_points == 2
    assert setting.points(sheet) == {"creativity": 4}


def test_saving_the_same_rubric_changes_nothing(setting):
    criteria = [
        CriterionDraft(
            c.name, c.guidance, c.weight, c.min_points, c.max_points, list(c.level_descriptors)
        )
        for c in setting.rubric.criteria
    ]
    setting.sheet(status="submitted", points={})

    change = setting.save(criteria)

    assert (change.changed, change.new_version, change.rubric.version) == (False, False, 1)
    assert setting.events("rubric.versioned") == []


# --- a new version once scoring started ----------------------------------------------------------


def test_after_a_submitted_sheet_saving_makes_a_new_version(setting):
    first = setting.rubric
    submitted = setting.sheet(status="submitted", points={"Creativity": 5, "Audience impact": 3})
    assert scoring_started(setting.session, first)
    assert submitted_sheets(setting.session, first) == 1

    change = setting.save(drafts("Creativity", "Humour"))

    assert change.new_version and change.rubric.version == 2
    assert change.rubric.id != first.id
    assert [c.name for c in change.rubric.criteria] == ["Creativity", "Humour"]
    # The submitted sheet keeps the version it was scored on, with every point.
    setting.session.expire_all()
    assert setting.session.get(ScoreSheet, submitted.id).rubric_id == first.id
    assert setting.points(submitted) == {"Creativity": 5, "Audience impact": 3}
    assert len(setting.session.get(Rubric, first.id).criteria) == 5
    assert rubric_for(setting.session, setting.contest.categories[0]).id == change.rubric.id
    assert not scoring_started(setting.session, change.rubric)


def test_open_sheets_move_to_the_new_version_keeping_the_points_that_still_fit(setting):
    setting.sheet(status="submitted", points={"Creativity": 5})
    draft = setting.sheet(
        entry=1,
        status="draft",
        points={"Creativity": 2, "Message accuracy": 4, "Call to action": 1},
    )
    reopened = setting.sheet(entry=2, status="reopened", points={"Creativity": 3})

    change = setting.save(
        [
            CriterionDraft("Creativity", weight=4),  # same name and scale: kept
            CriterionDraft("Message accuracy", min_points=0, max_points=4),  # new scale: dropped
            CriterionDraft("Humour"),  # new: nothing to keep
        ]
    )  # Call to action is gone: dropped

    assert (change.moved_sheets, change.dropped_points) == (2, 2)
    setting.session.expire_all()
    for sheet in (draft, reopened):
        assert setting.session.get(ScoreSheet, sheet.id).rubric_id == change.rubric.id
    assert setting.points(draft) == {"Creativity": 2}
    assert setting.points(reopened) == {"Creativity": 3}


def test_a_third_version_follows_the_second(setting):
    setting.sheet(status="submitted")
    second = setting.save(drafts("Impact")).rubric
    setting.sheet(status="submitted", rubric=second)

    third = setting.save(drafts("Impact", "Craft"))

    assert third.new_version and third.rubric.version == 3


# --- category overrides --------------------------------------------------------------------------


def test_a_category_override_is_a_rubric_of_its_own(setting):
    category = setting.contest.categories[1]
    draft = setting.sheet(entry=1, status="draft", points={"Creativity": 4, "Call to action": 2})
    other = setting.sheet(entry=0, status="draft", points={"Creativity": 1})

    change = setting.save(drafts("Creativity", "Humour"), category=category)

    override = change.rubric
    assert (override.category_id, override.version, change.new_version) == (category.id, 1, True)
    assert rubric_for(setting.session, category).id == override.id
    assert rubric_for(setting.session, setting.contest.categories[0]).id == setting.rubric.id
    assert setting.rubric.version == 1  # the contest rubric is untouched
    # The category's open sheet follows its new rubric; the other category's stays.
    setting.session.expire_all()
    assert setting.session.get(ScoreSheet, draft.id).rubric_id == override.id
    assert setting.points(draft) == {"Creativity": 4}
    assert setting.session.get(ScoreSheet, other.id).rubric_id == setting.rubric.id
    [event] = setting.events("rubric.created")
    assert event.data["category_id"] == category.id


def test_an_override_for_another_contests_category_is_refused(setting, session):
    stranger = create_contest(session, ContestDraft(name="Another 2026")).categories[0]

    with pytest.raises(ValidationError, match="is not a category of"):
        setting.save(drafts("Impact"), category=stranger)


def test_removing_an_override_moves_its_open_sheets_back(setting):
    category = setting.contest.categories[2]
    override = setting.save(drafts("Creativity", "Humour"), category=category).rubric
    draft = setting.sheet(entry=2, status="draft", points={"Creativity": 3, "Humour": 2})

    moved, dropped = remove_override(setting.session, setting.organizer, setting.contest, category)

    assert (moved, dropped) == (1, 1)
    setting.session.expire_all()
    assert setting.session.get(Rubric, override.id) is None
    assert rubric_for(setting.session, category).id == setting.rubric.id
    assert setting.session.get(ScoreSheet, draft.id).rubric_id == setting.rubric.id
    assert setting.points(draft) == {"Creativity": 3}
    [event] = setting.events("rubric.override_removed")
    assert (event.subject_type, event.subject_id) == ("categories", category.id)
    assert event.data["moved_sheets"] == 1


def test_an_override_scored_on_stays(setting):
    category = setting.contest.categories[0]
    override = setting.save(drafts("Impact"), category=category).rubric
    setting.sheet(entry=0, status="submitted", rubric=override)

    with pytest.raises(ValidationError, match="1 sheet was submitted"):
        remove_override(setting.session, setting.organizer, setting.contest, category)

    assert rubric_for(setting.session, category).id == override.id


def test_removing_an_override_that_is_not_there_is_refused(setting):
    with pytest.raises(ValidationError, match="already uses the contest rubric"):
        remove_override(
            setting.session, setting.organizer, setting.contest, setting.contest.categories[0]
        )


# --- the audit trail -----------------------------------------------------------------------------


def test_every_save_is_audited_with_what_it_did(setting):
    setting.save(drafts("Impact", "Craft"))
    setting.sheet(status="submitted")
    setting.sheet(entry=1, status="draft", points={"Impact": 3})
    setting.save(drafts("Impact"))

    [edited] = setting.events("rubric.edited")
    [versioned] = setting.events("rubric.versioned")
    assert edited.actor_id == versioned.actor_id == setting.organizer.id
    assert edited.data["version"] == 1 and edited.data["criteria"] == ["Impact", "Craft"]
    assert versioned.data["version"] == 2 and versioned.data["moved_sheets"] == 1
    assert versioned.subject_type == "rubrics"
    assert versioned.subject_id == newest_rubric(setting.session, setting.contest).id
