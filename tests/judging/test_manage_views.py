"""The organizer's judging screens and the services behind them, through the database."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from contest.core.audit import AuditEvent
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.accounts import User
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.core.models.judging import Assignment, Conflict, JudgeCategory, Rubric, ScoreSheet
from contest.judging import panel as judging
from contest.judging import progress as judging_progress
from contest.results import exports, ranking
from tests import factories
from tests.helpers import csrf_token, link_path, outbox_messages, page_text, role_client, submit


@pytest.fixture
def field(app, people):
    """A contest (2 judges per entry) with 4 ready entries in its first category from two schools
    in two districts, and three judges besides the matrix judge (who judges every contest)."""
    contest = factories.make_contest(app, judges_per_entry=2)
    north = factories.make_school(app, name="North High", district="North")
    south = factories.make_school(app, name="South High", district="South")
    category = contest.categories[0]
    entries = [
        factories.make_entry(app, category, school, status="ready", title=f"Ready {number}")
        for number, school in enumerate([north, north, south, south])
    ]
    judges = [
        factories.make_user(app, roles=["judge"], email=f"judge{number}@example.org")
        for number in range(3)
    ]
    return SimpleNamespace(
        contest=contest, category=category, north=north, south=south, entries=entries,
        judges=[people["judge"], *judges],
    )  # fmt: skip


def assigned(app, entry_id=None, calibration=False):
    """{entry id: set of judge ids} (or the set for one entry)."""
    with app.app_context():
        rows = db.session.scalars(select(Assignment).where(Assignment.calibration == calibration))
        found = {}
        for row in rows:
            found.setdefault(row.entry_id, set()).add(row.judge_id)
    return found.get(entry_id, set()) if entry_id is not None else found


def audit_actions(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def run_assignment(app, contest, seed=0):
    with app.app_context():
        report = judging.assign_judges(db.session, db.session.get(Contest, contest.id), seed)
        db.session.commit()
        return report


# --- screens -----------------------------------------------------------------------------------


def test_running_assignment_shows_the_report_and_assigns_k_judges(app, login_as, field):
    client = login_as("organizer")
    url = f"/judging/manage/{field.contest.id}/assign"
    response = submit(client, url, {"seed": "5"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Assignment report" in text
    assert "8 new assignments for 4 entries and 4 judges (2 judges per entry)." in text
    assert "Every entry has its judges." in text
    found = assigned(app)
    assert {entry.id: len(found[entry.id]) for entry in field.entries} == {
        entry.id: 2 for entry in field.entries
    }
    loads = [sum(judge.id in ids for ids in found.values()) for judge in field.judges]
    assert sorted(loads) == [2, 2, 2, 2]
    (event,) = audit_actions(app, "judging.assigned")
    assert event.data["seed"] == 5 and len(event.data["added"]) == 8
    # Running again adds nothing: assignment is incremental.
    again = page_text(submit(client, url, {"seed": "9"}))
    assert "0 new assignments" in again
    assert assigned(app) == found


def test_the_report_names_entries_short_of_judges(app, login_as, field):
    with app.app_context():
        contest = db.session.get(Contest, field.contest.id)
        contest.final_round.judges_per_entry = 5
        db.session.commit()
    text = page_text(
        submit(login_as("organizer"), f"/judging/manage/{field.contest.id}/assign", {"seed": "0"})
    )
    name = field.category.name
    for entry in field.entries:
        assert f"Entry {entry.id}: 4 of 5 judges — only 4 judges may judge {name}" in text


def test_an_empty_seed_is_refused(login_as, field):
    client = login_as("organizer")
    response = submit(client, f"/judging/manage/{field.contest.id}/assign", {"seed": ""})
    assert response.status_code == 400
    assert "Give a seed" in page_text(response)


def test_reassigning_moves_the_entry_and_discards_the_draft(app, login_as, field):
    run_assignment(app, field.contest)
    entry = field.entries[0]
    holders = assigned(app, entry.id)
    spare = next(judge for judge in field.judges if judge.id not in holders)
    with app.app_context():
        assignment = db.session.scalar(select(Assignment).where(Assignment.entry_id == entry.id))
        rubric = db.session.scalar(select(Rubric).where(Rubric.contest_id == field.contest.id))
        db.session.add(ScoreSheet(assignment_id=assignment.id, rubric_id=rubric.id))
        db.session.commit()
        assignment_id, previous = assignment.id, assignment.judge_id
    client = login_as("organizer")
    url = f"/judging/manage/assignments/{assignment_id}/reassign"
    response = submit(client, url, {"judge": str(spare.id)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/judging/manage/entries/{entry.id}")
    assert assigned(app, entry.id) == holders - {previous} | {spare.id}
    with app.app_context():
        assert db.session.scalar(select(func.count(ScoreSheet.id))) == 0
    (event,) = audit_actions(app, "assignment.reassigned")
    assert event.data == {"entry_id": entry.id, "from_judge_id": previous, "to_judge_id": spare.id}


def test_reassigning_to_a_conflicted_judge_is_refused(app, login_as, field):
    run_assignment(app, field.contest)
    entry = field.entries[0]
    spare = next(judge for judge in field.judges if judge.id not in assigned(app, entry.id))
    with app.app_context():
        north = field.north.district_id
        db.session.add(Conflict(judge_id=spare.id, district_id=north, source="declared"))
        assignment_id = db.session.scalar(
            select(Assignment.id).where(Assignment.entry_id == entry.id).limit(1)
        )
        db.session.commit()
    client = login_as("organizer")
    url = f"/judging/manage/assignments/{assignment_id}/reassign"
    response = submit(client, url, {"judge": str(spare.id)})
    assert response.status_code == 400
    assert "has a conflict with this entry" in page_text(response)
    assert spare.id not in assigned(app, entry.id)


def test_recording_a_conflict_moves_that_judges_entries_of_the_school(app, login_as, field):
    run_assignment(app, field.contest)
    judge = next(j for j in field.judges if assigned(app, field.entries[0].id) & {j.id})
    client = login_as("organizer")
    response = submit(
        client,
        "/judging/manage/conflicts",
        {"judge": str(judge.id), "school": str(field.north.id), "district": "0", "reason": "Aunt"},
    )
    assert response.status_code == 302
    for entry in field.entries[:2]:  # North High's
        assert judge.id not in assigned(app, entry.id)
        assert len(assigned(app, entry.id)) == 2
    page = page_text(client.get("/judging/manage/conflicts"))
    assert "North High" in page and "Aunt" in page
    (added,) = audit_actions(app, "conflict.added")
    assert added.actor_id == factories.fetch_user(app, "organizer@example.org").id

    with app.app_context():
        conflict_id = db.session.scalar(select(Conflict.id))
    url = f"/judging/manage/conflicts/{conflict_id}/remove"
    refused = submit(client, url, {"reason": ""}, page="/judging/manage/conflicts")
    assert refused.status_code == 400
    removed = submit(
        client, url, {"reason": "Entered by mistake"}, page="/judging/manage/conflicts"
    )
    assert removed.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Conflict.id))) == 0
    (event,) = audit_actions(app, "conflict.removed")
    assert event.data["reason"] == "Entered by mistake"


def test_a_judge_who_teaches_is_listed_and_never_gets_their_schools(app, login_as, field):
    teaching = factories.make_user(
        app, roles=["judge", ("teacher", field.north)], email="teaching.judge@example.org"
    )
    other = factories.make_school(app, name="North Middle", district="North")
    neighbour = factories.make_entry(app, field.category, other, status="ready")
    run_assignment(app, field.contest)
    for entry_id in [field.entries[0].id, field.entries[1].id, neighbour.id]:
        assert teaching.id not in assigned(app, entry_id)
    page = page_text(login_as("organizer").get("/judging/manage/conflicts"))
    assert "teaching.judge@example.org: North High and the North district" in page


def test_judge_categories_limit_what_a_judge_is_given(app, login_as, field):
    judge = field.judges[1]
    other_category = field.contest.categories[1]
    client = login_as("organizer")
    url = f"/judging/manage/{field.contest.id}/judges/{judge.id}/categories"
    page = f"/judging/manage/{field.contest.id}/judges"
    response = submit(
        client, url, {"scope": "chosen", "categories": [str(other_category.id)]}, page
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(
            select(JudgeCategory.category_id).where(JudgeCategory.judge_id == judge.id)
        ).all() == [other_category.id]
    run_assignment(app, field.contest)
    assert all(judge.id not in ids for ids in assigned(app).values())
    assert audit_actions(app, "judge.categories_set")
    # Every category again.
    assert submit(client, url, {"scope": "all"}, page).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(JudgeCategory.id))) == 0
    empty = submit(client, url, {"scope": "chosen"}, page)
    assert empty.status_code == 400
    assert "Tick at least one category" in page_text(empty)


def test_removing_a_judge_moves_only_their_unsubmitted_assignments(app, login_as, field):
    run_assignment(app, field.contest)
    before = assigned(app)
    gone = field.judges[2]
    with app.app_context():
        rows = db.session.scalars(select(Assignment).where(Assignment.judge_id == gone.id)).all()
        rubric = db.session.scalar(select(Rubric).where(Rubric.contest_id == field.contest.id))
        done = rows[0]
        db.session.add(
            ScoreSheet(
                assignment_id=done.id, rubric_id=rubric.id, status="submitted",
                submitted_at=utcnow(),
            )
        )  # fmt: skip
        db.session.commit()
        kept_entry = done.entry_id
    client = login_as("organizer")
    url = f"/judging/manage/{field.contest.id}/judges/{gone.id}/remove"
    page = f"/judging/manage/{field.contest.id}/judges"
    assert submit(client, url, {}, page).status_code == 400
    assert submit(client, url, {"confirm": "y"}, page).status_code == 302
    after = assigned(app)
    for entry in field.entries:
        unchanged = before[entry.id] - {gone.id}
        assert unchanged <= after[entry.id]
        assert len(after[entry.id]) == 2
        assert (gone.id in after[entry.id]) == (entry.id == kept_entry)
    assert factories.fetch_user(app, gone.email).has_role("judge") is False
    (event,) = audit_actions(app, "judge.removed")
    assert kept_entry not in event.data["moved_entries"]


def test_overdue_judges_get_reminders_with_their_link(app, login_as, field):
    run_assignment(app, field.contest)
    with app.app_context():
        contest = db.session.get(Contest, field.contest.id)
        contest.judging_close_at = utcnow() + timedelta(days=1)
        db.session.commit()
    client = login_as("organizer")
    progress = f"/judging/manage/{field.contest.id}/"
    text = page_text(client.get(progress))
    assert "4 judges are overdue" in text and "Overdue" in text
    chosen = [str(field.judges[1].id), str(field.judges[2].id)]
    response = submit(client, f"/judging/manage/{field.contest.id}/reminders", {"judges": chosen},
                      page=progress)  # fmt: skip
    assert response.status_code == 302
    messages = outbox_messages(app)
    assert sorted(message["To"] for message in messages) == sorted(
        [field.judges[1].email, field.judges[2].email]
    )
    body = messages[0].get_content()
    assert "2 score sheets still to submit" in body
    assert link_path(body, "/judging/") == "/judging/"
    assert len(audit_actions(app, "judge.reminded")) == 2
    assert submit(client, f"/judging/manage/{field.contest.id}/reminders", {},
                  page=progress).status_code == 400  # fmt: skip


def test_no_judge_is_overdue_while_judging_closes_far_away(app, field):
    run_assignment(app, field.contest)
    with app.app_context():
        contest = db.session.get(Contest, field.contest.id)
        assert judging_progress.overdue_judges(db.session, contest, utcnow()) == []
        contest.judging_close_at = utcnow() + timedelta(days=10)
        assert judging_progress.overdue_judges(db.session, contest, utcnow()) == []
        later = utcnow() + timedelta(days=8)
        assert len(judging_progress.overdue_judges(db.session, contest, later)) == 4


def test_the_entry_page_shows_sheets_with_watch_evidence_and_reopens(app, login_as, field):
    run_assignment(app, field.contest)
    entry = field.entries[0]
    with app.app_context():
        assignment = db.session.scalar(select(Assignment).where(Assignment.entry_id == entry.id))
        rubric = db.session.scalar(select(Rubric).where(Rubric.contest_id == field.contest.id))
        db.session.add(
            ScoreSheet(
                assignment_id=assignment.id, rubric_id=rubric.id, status="submitted",
                submitted_at=utcnow(), watched_seconds=30.0, watched_fraction=0.75,
                watched_ranges=[[0, 20], [30, 40]], comment="Strong message",
            )
        )  # fmt: skip
        db.session.commit()
        assignment_id = assignment.id
    client = login_as("organizer")
    url = f"/judging/manage/entries/{entry.id}"
    text = page_text(client.get(url))
    assert "North High" in text and "submitted" in text
    assert "watched 75%" in text and "0–20 s" in text and "Strong message" in text
    reopen = f"/judging/manage/assignments/{assignment_id}/reopen"
    assert submit(client, reopen, {"reason": ""}, page=url).status_code == 400
    response = submit(client, reopen, {"reason": "Scores swapped"}, page=url)
    assert response.status_code == 302
    with app.app_context():
        sheet = db.session.scalar(select(ScoreSheet))
        assert (sheet.status, sheet.reopen_reason) == ("reopened", "Scores swapped")
    assert audit_actions(app, "score_sheet.reopened")


def test_the_dashboard_and_navigation_link_the_judging_screens(login_as, field):
    client = login_as("organizer")
    assert "/judging/manage/" in page_text(client.get("/admin/"))
    index = page_text(client.get("/judging/manage/"))
    assert f"Judging: {field.contest.name}" in index
    assert f"/judging/manage/{field.contest.id}/assign" in index


@pytest.mark.parametrize("role", ["judge", "teacher_a"])
def test_non_organizers_are_refused(app, login_as, field, role):
    client = login_as(role)
    for url in ("/judging/manage/", f"/judging/manage/{field.contest.id}/assign"):
        assert client.get(url).status_code == 403
    token = csrf_token(client, "/auth/forgot")
    url = f"/judging/manage/{field.contest.id}/assign"
    assert client.post(url, data={"seed": "0", "csrf_token": token}).status_code == 403
    assert assigned(app) == {}


# --- services ----------------------------------------------------------------------------------


def test_declaring_a_conflict_replaces_the_judge_on_that_schools_entries(app, field):
    run_assignment(app, field.contest)
    entry = field.entries[2]  # South High
    with app.app_context():
        judge = db.session.get(User, sorted(assigned(app, entry.id))[0])
        report = judging.declare_conflict(
            db.session, judge, db.session.get(Entry, entry.id), "My niece's school"
        )
        db.session.commit()
        conflict = db.session.scalar(select(Conflict))
        assert (conflict.school_id, conflict.source) == (field.south.id, "declared")
        judge_id = judge.id
    assert report.complete
    for south_entry in field.entries[2:]:
        assert judge_id not in assigned(app, south_entry.id)
        assert len(assigned(app, south_entry.id)) == 2
    (event,) = audit_actions(app, "conflict.declared")
    assert event.actor_id == judge_id and event.data["entry_id"] == entry.id


def test_only_an_assigned_judge_may_declare_a_conflict(app, field):
    from contest.core.errors import NotAllowed

    with app.app_context():
        judge = db.session.get(User, field.judges[1].id)
        with pytest.raises(NotAllowed):
            judging.declare_conflict(
                db.session, judge, db.session.get(Entry, field.entries[0].id), ""
            )


def test_calibration_anchors_go_to_every_judge(app, field):
    anchor = factories.make_entry(
        app, field.category, field.south, status="ready", calibration_anchor=True
    )
    run_assignment(app, field.contest)
    assert assigned(app, anchor.id, calibration=True) == {judge.id for judge in field.judges}
    assert anchor.id not in assigned(app)


def test_progress_counts_submitted_and_drafts_per_judge_and_category(app, field):
    run_assignment(app, field.contest)
    with app.app_context():
        rubric = db.session.scalar(select(Rubric).where(Rubric.contest_id == field.contest.id))
        rows = db.session.scalars(
            select(Assignment).where(Assignment.judge_id == field.judges[0].id)
        ).all()
        db.session.add(
            ScoreSheet(
                assignment_id=rows[0].id, rubric_id=rubric.id, status="submitted",
                submitted_at=utcnow(),
            )
        )  # fmt: skip
        db.session.add(ScoreSheet(assignment_id=rows[1].id, rubric_id=rubric.id))
        db.session.commit()
        progress, per_category = judging_progress.judge_progress(
            db.session, db.session.get(Contest, field.contest.id)
        )
    mine = next(row for row in progress if row.judge.id == field.judges[0].id)
    assert (mine.total.assigned, mine.total.submitted, mine.total.drafts) == (2, 1, 1)
    assert mine.categories[field.category.id].submitted == 1
    assert per_category[field.category.id].assigned == 8
    assert per_category[field.category.id].submitted == 1


def test_the_progress_page_never_says_no_judge_is_overdue_while_sheets_are_open(
    app, login_as, field
):
    """The demo's "No judge is overdue" beside a judge with 36 of 37 sheets open: while the close
    is far, the page says how much is open and when judging closes (in the contest's zone)."""
    run_assignment(app, field.contest)
    with app.app_context():
        contest = db.session.get(Contest, field.contest.id)
        contest.timezone = "Pacific/Honolulu"
        contest.judging_close_at = utcnow().replace(microsecond=0) + timedelta(days=10)
        db.session.commit()
    client = login_as("organizer")
    text = page_text(client.get(f"/judging/manage/{field.contest.id}/"))
    assert "No judge is overdue" not in text
    # 4 entries x 2 judges: 8 sheets open, held by the 4 judges (calibration aside).
    assert "4 judges have 8 sheets still open; none is overdue yet" in text
    assert "HST" in text.split("none is overdue yet", 1)[1].split(".")[0]


def test_the_progress_page_says_when_every_sheet_is_in(app, login_as, field):
    with app.app_context():
        contest = db.session.get(Contest, field.contest.id)
        contest.judging_close_at = utcnow() + timedelta(days=10)
        db.session.commit()
    client = login_as("organizer")
    text = page_text(client.get(f"/judging/manage/{field.contest.id}/"))
    assert "No sheet is open" in text and "overdue" not in text.lower()


def test_an_observer_follows_progress_with_judges_by_pseudonym_and_changes_nothing(
    app, login_as, field
):
    run_assignment(app, field.contest)
    late = factories.make_user(app, roles=[("judge", field.contest)], email="late@example.org")
    with app.app_context():
        contest = db.session.get(Contest, field.contest.id)
        contest.judging_close_at = utcnow() + timedelta(days=1)
        db.session.commit()
        names = judging_progress.judge_pseudonyms(db.session, contest)
    observer = role_client(app, login_as, "observer", field.contest.id)

    response = observer.get(f"/judging/manage/{field.contest.id}/")

    assert response.status_code == 200
    text = page_text(response)
    assert sorted(names) == sorted(judge.id for judge in field.judges)
    for judge in [*field.judges, late]:
        assert judge.email not in text
        assert not judge.name or judge.name not in text
    for pseudonym in names.values():
        assert pseudonym in text
    assert "1 more judge has no entries to judge yet." in text
    assert "4 judges are overdue" in text and "ticked below" not in text
    body = response.get_data(as_text=True)
    assert "/reminders" not in body and "/assign" not in body
    assert f"/review/entries/{field.entries[0].id}" in body
    assert f"/judging/manage/entries/{field.entries[0].id}" not in body
    # The observer's dashboard and menu lead there; their own contest opens first.
    assert "/judging/manage/" in observer.get("/admin/").get_data(as_text=True)
    assert field.contest.name in page_text(observer.get("/judging/manage/"))


def test_the_pseudonyms_are_the_results_and_the_score_sheet_files(app, field):
    """J04 is one judge wherever an observer meets them: progress, results, the sheets file."""
    rubric = factories.make_rubric(app, field.contest, version=2)
    *others, last = sorted(field.judges, key=lambda judge: judge.id)
    # Only the last judge has submitted: numbered over the sheets alone, they would be J01.
    factories.make_sheet(app, last, field.entries[0], rubric, (4, 2))
    with app.app_context():
        db.session.add_all(factories.assignment_row(db.session, judge.id, field.entries[1].id)
                           for judge in others)  # fmt: skip
        db.session.commit()
        contest = db.session.get(Contest, field.contest.id)
        names = judging_progress.judge_pseudonyms(db.session, contest)
        sheets_file = exports.sheets_csv(db.session, contest)
        [category] = [c for c in ranking.category_results(db.session, contest) if c.judges]
        observed = exports.without_judge_names([category], names)
    assert names[last.id] == "J04"
    assert "J04" in sheets_file and "J01" not in sheets_file
    assert [judge.name for judge in observed[0].judges] == ["J04"]
