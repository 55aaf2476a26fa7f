"""The score sheet service: scales, unknown criteria, locking, full play, watch ranges, reopening
and the audit trail."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from contest.contests.editing import ContestDraft, create_contest
from contest.core.audit import AuditEvent
from contest.core.errors import NotAllowed, ValidationError
from contest.core.models.entries import Entry, School
from contest.core.models.judging import Criterion, Rubric
from contest.judging import sheets
from contest.judging.sheets import (
    SheetLocked,
    merge_ranges,
    record_watch,
    reopen_sheet,
    save_draft,
    sheet_for,
    submit_sheet,
)
from tests import factories
from tests.factories import add_user

NOW = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


class Setting:
    """A contest with the default rubric, one entry, a judge assigned to it and an organizer."""

    def __init__(self, session, require_full_play=False):
        self.session = session
        self.contest = create_contest(session, ContestDraft(name="Safe Online 2026"))
        self.contest.require_full_play = require_full_play
        school = School(name="Adams Middle", district=factories.district_row("North"))
        session.add(school)
        session.flush()
        self.entry = Entry(
            category_id=self.contest.categories[0].id,
            school_id=school.id,
            title="Think Before You Post",
            status="ready",
            duration_seconds=40.0,
        )
        session.add(self.entry)
        self.judge = add_user(session, roles=["judge"])
        self.other_judge = add_user(session, roles=["judge"])
        self.organizer = add_user(session, roles=["admin"])
        session.flush()
        self.assignment = factories.assignment_row(session, self.judge.id, self.entry.id)
        session.add(self.assignment)
        session.flush()
        self.sheet = sheet_for(session, self.judge, self.assignment)
        self.criteria = sheets.criteria_of(session, self.sheet)

    def all_points(self, value=4):
        return {criterion.id: value for criterion in self.criteria}

    def events(self, action):
        return self.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.subject_id == self.sheet.id
            )
        ).all()


@pytest.fixture
def setting(session):
    return Setting(session)


def test_first_open_makes_a_draft_on_the_entrys_rubric(session, setting):
    rubric = session.scalar(select(Rubric).where(Rubric.contest_id == setting.contest.id))
    assert setting.sheet.status == "draft"
    assert setting.sheet.rubric_id == rubric.id
    assert [c.name for c in setting.criteria][0] == "Message accuracy"
    # Opening again finds the same sheet.
    assert sheet_for(session, setting.judge, setting.assignment) is setting.sheet
    assert len(setting.events("score_sheet.opened")) == 1


def test_another_judge_cannot_open_or_change_the_sheet(session, setting):
    with pytest.raises(NotAllowed):
        sheet_for(session, setting.other_judge, setting.assignment)
    with pytest.raises(NotAllowed):
        save_draft(session, setting.other_judge, setting.sheet, setting.all_points())
    with pytest.raises(NotAllowed):
        record_watch(session, setting.other_judge, setting.sheet, [[0, 5]], 40)
    with pytest.raises(NotAllowed):
        submit_sheet(session, setting.other_judge, setting.sheet, NOW)
    assert setting.sheet.scores == []


def test_a_draft_saves_points_comment_and_feedback(session, setting):
    first, second = setting.criteria[:2]
    save_draft(session, setting.judge, setting.sheet, {first.id: 5, second.id: 1}, "ok", "Nice!")
    assert sheets.points_of(setting.sheet) == {first.id: 5, second.id: 1}
    assert (setting.sheet.comment, setting.sheet.feedback) == ("ok", "Nice!")
    # Left-out criteria keep their points, None clears one, None text keeps the text.
    save_draft(session, setting.judge, setting.sheet, {second.id: None})
    assert sheets.points_of(setting.sheet) == {first.id: 5}
    assert (setting.sheet.comment, setting.sheet.feedback) == ("ok", "Nice!")


@pytest.mark.parametrize("value", [0, 6, -1, 2.5, "3", True, 100])
def test_points_off_the_scale_are_refused_naming_the_criterion(session, setting, value):
    criterion = setting.criteria[1]
    with pytest.raises(ValidationError) as refused:
        save_draft(session, setting.judge, setting.sheet, {criterion.id: value})
    assert criterion.name in refused.value.message
    assert "from 1 to 5" in refused.value.message
    assert refused.value.field == f"criterion-{criterion.id}"
    assert setting.sheet.scores == []


def test_a_refused_save_changes_nothing(session, setting):
    good, bad = setting.criteria[:2]
    with pytest.raises(ValidationError):
        save_draft(session, setting.judge, setting.sheet, {good.id: 3, bad.id: 9}, "text")
    assert setting.sheet.scores == []
    assert setting.sheet.comment == ""


def test_a_criterion_of_another_rubric_is_refused(session, setting):
    foreign = Rubric(contest_id=setting.contest.id, version=2)
    foreign.criteria = [Criterion(name="Elsewhere", level_descriptors=[])]
    session.add(foreign)
    session.flush()
    for unknown in (foreign.criteria[0].id, 999_999, "1"):
        with pytest.raises(ValidationError, match="no criterion"):
            save_draft(session, setting.judge, setting.sheet, {unknown: 3})


def test_scales_other_than_one_to_five(session, setting):
    rubric = Rubric(contest_id=setting.contest.id, version=2)
    rubric.criteria = [Criterion(name="Craft", min_points=0, max_points=10, level_descriptors=[])]
    session.add(rubric)
    session.flush()
    sheet = setting.sheet
    sheet.rubric_id = rubric.id
    session.flush()
    craft = rubric.criteria[0].id
    save_draft(session, setting.judge, sheet, {craft: 0})
    save_draft(session, setting.judge, sheet, {craft: 10})
    with pytest.raises(ValidationError, match="from 0 to 10"):
        save_draft(session, setting.judge, sheet, {craft: 11})
    assert sheets.points_of(sheet) == {craft: 10}


def test_text_too_long_is_refused(session, setting):
    with pytest.raises(ValidationError, match="too long"):
        save_draft(session, setting.judge, setting.sheet, {}, "x" * 5001)


def test_submit_needs_every_criterion(session, setting):
    points = setting.all_points()
    left_out = setting.criteria[-1]
    del points[left_out.id]
    save_draft(session, setting.judge, setting.sheet, points)
    with pytest.raises(ValidationError) as refused:
        submit_sheet(session, setting.judge, setting.sheet, NOW)
    assert left_out.name in refused.value.message
    assert setting.sheet.status == "draft"


def test_a_submitted_sheet_is_locked(session, setting):
    save_draft(session, setting.judge, setting.sheet, setting.all_points(3), "fine")
    submit_sheet(session, setting.judge, setting.sheet, NOW)
    assert setting.sheet.status == "submitted"
    assert setting.sheet.submitted_at == NOW
    with pytest.raises(SheetLocked, match="locked"):
        save_draft(session, setting.judge, setting.sheet, setting.all_points(5))
    with pytest.raises(SheetLocked):
        submit_sheet(session, setting.judge, setting.sheet, NOW)
    with pytest.raises(SheetLocked):
        record_watch(session, setting.judge, setting.sheet, [[0, 40]], 40)
    assert set(sheets.points_of(setting.sheet).values()) == {3}
    (event,) = setting.events("score_sheet.submitted")
    assert event.actor_id == setting.judge.id
    assert set(event.data["points"].values()) == {3}


def test_full_play_rule(session):
    setting = Setting(session, require_full_play=True)
    save_draft(session, setting.judge, setting.sheet, setting.all_points())
    record_watch(session, setting.judge, setting.sheet, [[0, 20]], 40)
    with pytest.raises(ValidationError) as refused:
        submit_sheet(session, setting.judge, setting.sheet, NOW)
    assert "watch the whole video" in refused.value.message
    assert "50%" in refused.value.message
    assert setting.sheet.status == "draft"
    # Players stop a hair before the end: 97% is the whole video.
    record_watch(session, setting.judge, setting.sheet, [[20, 39]], 40)
    submit_sheet(session, setting.judge, setting.sheet, NOW)
    assert setting.sheet.status == "submitted"


def test_without_the_rule_an_unwatched_sheet_can_be_submitted(session, setting):
    save_draft(session, setting.judge, setting.sheet, setting.all_points())
    submit_sheet(session, setting.judge, setting.sheet, NOW)
    assert setting.sheet.watched_fraction == 0


def test_watch_ranges_merge_and_count_once(session, setting):
    sheet = setting.sheet
    record_watch(session, setting.judge, sheet, [[0, 10], [5, 12]], 40)
    assert sheet.watched_ranges == [[0, 12]]
    assert sheet.watched_seconds == 12
    # Replaying a part adds nothing; a separate part is kept apart; later reports merge.
    record_watch(session, setting.judge, sheet, [[2, 8], [20, 25]], 40)
    assert sheet.watched_ranges == [[0, 12], [20, 25]]
    assert sheet.watched_seconds == 17
    record_watch(session, setting.judge, sheet, [[11.5, 20.5]], 40)
    assert sheet.watched_ranges == [[0, 25]]
    assert sheet.watched_seconds == 25
    assert sheet.watched_fraction == pytest.approx(25 / 40)


def test_watch_ranges_are_clamped_to_the_video(session, setting):
    record_watch(session, setting.judge, setting.sheet, [[-5, 3], [30, 400]], 40)
    assert setting.sheet.watched_ranges == [[0, 3], [30, 40]]
    assert setting.sheet.watched_seconds == 13
    record_watch(session, setting.judge, setting.sheet, [[0, 1000]], 40)
    assert setting.sheet.watched_fraction == 1


@pytest.mark.parametrize(
    "ranges",
    [[[5, 1]], [[0]], [["0", "4"]], [[0, float("nan")]], "0-4", [[0, float("inf")]]],
)
def test_malformed_watch_ranges_are_refused(session, setting, ranges):
    with pytest.raises(ValidationError):
        record_watch(session, setting.judge, setting.sheet, ranges, 40)
    assert setting.sheet.watched_seconds == 0


def test_watch_needs_a_known_duration(session, setting):
    for duration in (0, None, -3):
        with pytest.raises(ValidationError, match="length"):
            record_watch(session, setting.judge, setting.sheet, [[0, 4]], duration)


def test_merge_ranges():
    assert merge_ranges([[5, 6], [0, 1], [1, 2], [0.5, 1.5]]) == [[0, 2], [5, 6]]
    assert merge_ranges([]) == []


def test_reopen_needs_an_organizer_and_a_reason(session, setting):
    save_draft(session, setting.judge, setting.sheet, setting.all_points())
    with pytest.raises(ValidationError, match="submitted"):
        reopen_sheet(session, setting.organizer, setting.sheet, "Typo")
    submit_sheet(session, setting.judge, setting.sheet, NOW)
    with pytest.raises(NotAllowed):
        reopen_sheet(session, setting.judge, setting.sheet, "I changed my mind")
    with pytest.raises(NotAllowed):
        reopen_sheet(session, None, setting.sheet, "no one")
    for blank in ("", "   ", None):
        with pytest.raises(ValidationError, match="why"):
            reopen_sheet(session, setting.organizer, setting.sheet, blank)
    assert setting.sheet.status == "submitted"

    reopen_sheet(session, setting.organizer, setting.sheet, "  Scored the wrong video  ")
    assert setting.sheet.status == "reopened"
    assert setting.sheet.reopen_reason == "Scored the wrong video"
    (event,) = setting.events("score_sheet.reopened")
    assert event.actor_id == setting.organizer.id
    assert event.data == {"reason": "Scored the wrong video", "judge_id": setting.judge.id}

    # The judge changes a score (audited while reopened) and submits again.
    first = setting.criteria[0]
    save_draft(session, setting.judge, setting.sheet, {first.id: 1})
    (change,) = setting.events("score_sheet.draft_saved")[-1:]
    assert change.data["points"] == {str(first.id): 1}
    assert change.data["status"] == "reopened"
    submit_sheet(session, setting.judge, setting.sheet, NOW)
    assert setting.sheet.status == "submitted"
    assert len(setting.events("score_sheet.submitted")) == 2


def test_autosaves_are_audited_compactly(session, setting):
    first = setting.criteria[0]
    for value in (1, 2, 3, 4):
        save_draft(session, setting.judge, setting.sheet, {first.id: value})
    (event,) = setting.events("score_sheet.draft_saved")
    assert event.data["points"] == {str(first.id): 1}
    assert event.actor_id == setting.judge.id
