"""The takedown rules as plain functions: a session and values in."""

import pytest

from contest.core.errors import ValidationError
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.core.models.takedowns import TakedownReport
from contest.takedown import reports
from tests import factories


@pytest.fixture
def entry(session, app):
    contest = factories.make_contest(app)
    school = factories.make_school(app)
    row = Entry(category_id=contest.categories[0].id, school_id=school.id, title="Be Kind")
    session.add(row)
    session.flush()
    return row


QUEUE = "http://localhost/admin/takedown/"


@pytest.mark.parametrize(
    "reason, details, email, field",
    [
        ("nonsense", "", "", "reason"),
        ("privacy", "x" * (reports.DETAILS_MAX + 1), "", "details"),
        ("privacy", "", "parent@", "contact_email"),
        ("privacy", "", "a@" + "b" * 260 + ".org", "contact_email"),
    ],
)
def test_file_report_refuses_bad_input(session, entry, reason, details, email, field):
    with pytest.raises(ValidationError) as refused:
        reports.file_report(session, entry, reason, details, email, QUEUE)
    assert refused.value.field == field


def test_file_report_trims_and_normalises(session, entry):
    report = reports.file_report(
        session, entry, "other", "  Shows my house.  ", " Me@Example.ORG ", QUEUE
    )
    assert (report.details, report.contact_email) == ("Shows my house.", "me@example.org")
    assert reports.open_reports(session, entry.id) == [(report, entry)]


def test_organizers_are_the_active_accounts_managing_the_contest(session, entry):
    admin = factories.add_user(session, roles=["admin"])
    ours = factories.add_user(session, roles=[("organizer", entry.contest), "judge"])
    other = Contest(name="Another", slug="another")
    session.add(other)
    session.flush()
    factories.add_user(session, roles=[("organizer", other)])
    factories.add_user(session, roles=["admin"], active=False)
    factories.add_user(session, roles=["judge"])
    assert reports.organizers(session, entry.contest_id) == [admin, ours]


def test_hide_and_unhide_guard_the_state(session, entry):
    organizer = factories.add_user(session, roles=["admin"])
    with pytest.raises(ValidationError, match="not hidden"):
        reports.unhide_entry(session, organizer, entry, "Why not.")
    with pytest.raises(ValidationError, match="Give the reason"):
        reports.hide_entry(session, organizer, entry, "   ")
    reports.hide_entry(session, organizer, entry, "Shows a face.")
    assert entry.hidden_reason == "Shows a face."
    with pytest.raises(ValidationError, match="already hidden"):
        reports.hide_entry(session, organizer, entry, "Again.")
    reports.unhide_entry(session, organizer, entry, "Blurred now.")
    assert (entry.hidden_at, entry.hidden_reason) == (None, None)


def test_hiding_resolves_only_that_entrys_reports(session, app, entry):
    organizer = factories.add_user(session, roles=["admin"])
    other = Entry(category_id=entry.category_id, school_id=entry.school_id, title="Other")
    session.add(other)
    session.flush()
    mine = reports.file_report(session, entry, "privacy", "", "a@example.org", QUEUE)
    theirs = reports.file_report(session, other, "privacy", "", "b@example.org", QUEUE)
    reports.hide_entry(session, organizer, entry, "Shows a face.")
    assert (mine.outcome, mine.contact_email, mine.resolved_by_id) == ("hidden", "", organizer.id)
    assert (theirs.outcome, theirs.contact_email) == (None, "b@example.org")


def test_dismissing_needs_a_note_and_an_open_report(session, entry):
    organizer = factories.add_user(session, roles=["admin"])
    report = TakedownReport(entry_id=entry.id, reason="other", contact_email="c@example.org")
    session.add(report)
    session.flush()
    with pytest.raises(ValidationError) as refused:
        reports.dismiss_report(session, organizer, report, " ")
    assert refused.value.field == "note"
    reports.dismiss_report(session, organizer, report, "Fine as it is.")
    assert (report.outcome, report.note, report.contact_email) == (
        "dismissed", "Fine as it is.", "",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="already been dealt with"):
        reports.dismiss_report(session, organizer, report, "Again.")
