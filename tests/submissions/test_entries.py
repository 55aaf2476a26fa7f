"""Entry rules: deadlines and extensions, limits, credit lines, consent, review decisions."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from contest.contests.editing import ContestDraft, create_contest
from contest.core.audit import AuditEvent
from contest.core.errors import NotAllowed, PhaseClosed, ValidationError
from contest.core.models.entries import Entry, School
from contest.core.notices import Notice
from contest.core.storage import get_storage
from contest.submissions import attachments, decisions, entries
from tests import factories
from tests.factories import add_user

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nStay safe online.\n"


@pytest.fixture
def world(session):
    """An open contest (15 days left), two schools, their teachers and an organizer."""
    contest = create_contest(
        session,
        ContestDraft(
            name="ISA",
            phases={
                "submissions_open_at": datetime(2026, 3, 1, 12),
                "submissions_close_at": datetime(2026, 3, 30, 12),
            },
        ),
    )
    school_a, school_b = (
        School(name="Adams", district=factories.district_row("North")),
        School(name="Baker"),
    )
    session.add_all([school_a, school_b])
    session.flush()
    teacher_a = add_user(session, roles=[("teacher", school_a)])
    teacher_b = add_user(session, roles=[("teacher", school_b)])
    organizer = add_user(session, roles=["admin"])
    session.commit()
    return {
        "contest": contest,
        "category": contest.categories[0],
        "school_a": school_a,
        "school_b": school_b,
        "teacher_a": teacher_a,
        "teacher_b": teacher_b,
        "organizer": organizer,
    }


def draft(world, **changes):
    values = {"category_id": world["category"].id, "title": "Words Hurt", "credit_line": "Maya"}
    return entries.EntryDraft(**{**values, **changes})


def new_entry(session, world, **changes):
    entry = entries.create_entry(
        session, world["teacher_a"], world["school_a"].id, draft(world, **changes), now=NOW
    )
    session.commit()
    return entry


def test_a_teacher_creates_a_draft_entry_for_their_school(session, world):
    entry = new_entry(session, world, description="  A PSA.  ")
    assert (entry.status, entry.school_id, entry.title) == (
        "draft",
        world["school_a"].id,
        "Words Hurt",
    )
    assert entry.description == "A PSA."
    assert entry.submitted_by_id == world["teacher_a"].id
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.subject_id == entry.id)) == (
        "entry.created"
    )


def test_another_school_cannot_enter_for_a_school(session, world):
    with pytest.raises(NotAllowed):
        entries.create_entry(
            session, world["teacher_b"], world["school_a"].id, draft(world), now=NOW
        )


@pytest.mark.parametrize(
    ("now", "words"),
    [
        (datetime(2026, 2, 1, tzinfo=UTC), "not open yet"),
        (datetime(2026, 4, 1, tzinfo=UTC), "passed"),
    ],
)
def test_entries_only_while_the_call_is_open(session, world, now, words):
    with pytest.raises(PhaseClosed, match=words):
        entries.create_entry(
            session, world["teacher_a"], world["school_a"].id, draft(world), now=now
        )


def test_the_deadline_is_enforced_to_the_minute(session, world):
    entry = new_entry(session, world)
    close = world["contest"].submissions_close_at
    entries.check_can_change_entry(
        session, world["teacher_a"], entry, now=close - timedelta(seconds=1)
    )
    with pytest.raises(PhaseClosed):
        entries.check_can_change_entry(session, world["teacher_a"], entry, now=close)


def test_an_extension_moves_one_schools_deadline(session, world):
    entry = new_entry(session, world)
    late = world["contest"].submissions_close_at + timedelta(days=2)
    with pytest.raises(ValidationError, match="after the contest's own deadline"):
        decisions.grant_extension(
            session, world["organizer"], world["contest"], world["school_a"],
            world["contest"].submissions_close_at, "flood",
        )  # fmt: skip
    with pytest.raises(ValidationError, match="reason"):
        decisions.grant_extension(
            session, world["organizer"], world["contest"], world["school_a"], late, "  "
        )
    decisions.grant_extension(
        session, world["organizer"], world["contest"], world["school_a"], late, "School flooded"
    )
    session.commit()
    assert entries.submission_deadline(session, world["contest"], world["school_a"].id) == late
    assert entries.submission_deadline(session, world["contest"], world["school_b"].id) == (
        world["contest"].submissions_close_at
    )
    entries.check_can_change_entry(
        session, world["teacher_a"], entry, now=late - timedelta(hours=1)
    )
    with pytest.raises(PhaseClosed):
        entries.create_entry(
            session, world["teacher_b"], world["school_b"].id, draft(world),
            now=late - timedelta(hours=1),
        )  # fmt: skip
    notice = session.scalar(select(Notice).where(Notice.school_id == world["school_a"].id))
    assert "extended" in notice.message


def test_entries_per_school_per_category_limit(session, world):
    new_entry(session, world, title="One")
    second = new_entry(session, world, title="Two")
    with pytest.raises(ValidationError, match="already has 2 entries") as caught:
        new_entry(session, world, title="Three")
    assert caught.value.field == "category"
    entries.withdraw_entry(session, world["teacher_a"], second, "changed our minds")
    session.commit()
    assert new_entry(session, world, title="Three").status == "draft"


@pytest.mark.parametrize(
    "credit",
    ["Maya Lopez", "Maya, Leo Smith", "Sam O'Neil and Maya", "Maya Lopez & Leo"],
)
def test_full_names_of_minors_are_refused_by_default(session, world, credit):
    with pytest.raises(ValidationError, match="looks like a full name") as caught:
        new_entry(session, world, credit_line=credit)
    assert caught.value.field == "credit_line"


@pytest.mark.parametrize(
    "credit",
    [
        "Maya",
        "Maya, Leo and Sam",
        "Team Pixel",
        "Room 12 Media Club",
        "the crew",
        "",
        "Grade 8 Film Club",
    ],
)
def test_first_names_and_team_names_are_fine(session, world, credit):
    assert new_entry(session, world, credit_line=credit).credit_line == credit


def test_full_names_when_the_consent_allows_them(session, world):
    entry = new_entry(session, world, credit_line="Maya Lopez", full_names_allowed=True)
    assert entry.credit_line == "Maya Lopez"


def test_editing_after_the_deadline_is_refused(session, world):
    entry = new_entry(session, world)
    with pytest.raises(PhaseClosed):
        entries.update_entry(
            session, world["teacher_a"], entry, draft(world, title="New"),
            now=world["contest"].submissions_close_at,
        )  # fmt: skip
    entries.update_entry(session, world["teacher_a"], entry, draft(world, title="New"), now=NOW)
    assert entry.title == "New"


def test_bad_entry_input(session, world):
    for changes, field in (
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"category_id": 99999}, "category"),
        ({"credit_line": "x" * 301}, "credit_line"),
    ):
        with pytest.raises(ValidationError) as caught:
            new_entry(session, world, **changes)
        assert caught.value.field == field
    session.rollback()
    assert session.scalar(select(func.count(Entry.id))) == 0


def test_withdrawn_entries_are_closed(session, world):
    entry = new_entry(session, world)
    with pytest.raises(NotAllowed):
        entries.withdraw_entry(session, world["teacher_b"], entry)
    entries.withdraw_entry(session, world["teacher_a"], entry, "A parent withdrew consent")
    assert (entry.status, entry.status_reason) == ("withdrawn", "A parent withdrew consent")
    with pytest.raises(NotAllowed):
        entries.check_can_change_entry(session, world["teacher_a"], entry, now=NOW)
    with pytest.raises(ValidationError):
        entries.withdraw_entry(session, world["teacher_a"], entry)


def test_video_size_limit(session, world):
    entry = new_entry(session, world)
    limit = world["contest"].max_bytes
    entries.check_can_upload_video(session, world["teacher_a"], entry, limit, now=NOW)
    with pytest.raises(ValidationError, match="up to 500 MB"):
        entries.check_can_upload_video(session, world["teacher_a"], entry, limit + 1, now=NOW)
    with pytest.raises(ValidationError, match="empty"):
        entries.check_can_upload_video(session, world["teacher_a"], entry, 0, now=NOW)


def test_consent_form_by_content_then_review(app, session, world):
    entry = new_entry(session, world)
    storage = get_storage()
    for data in (b"<html><script>x</script></html>", b"", b"GIF89a" + b"\x00" * 20, b"<svg/>"):
        with pytest.raises(ValidationError, match="PDF or a photo"):
            attachments.attach_consent(
                session, storage, world["teacher_a"], entry, data, "form.pdf"
            )
    assert entry.consent_asset_id is None
    with pytest.raises(NotAllowed):
        attachments.attach_consent(session, storage, world["teacher_b"], entry, PDF, "form.pdf")

    asset = attachments.attach_consent(
        session, storage, world["teacher_a"], entry, PNG, "../../etc/passwd\n.png"
    )
    session.commit()
    assert (asset.content_type, asset.original_name) == ("image/png", "passwd.png")
    assert "passwd" not in asset.key and ".." not in asset.key
    assert storage.stat(asset.key).size == len(PNG)
    assert entry.consent_status == "pending"
    assert decisions.review_queue(session) == [entry]

    with pytest.raises(ValidationError, match="reason"):
        decisions.return_consent(session, world["organizer"], entry, " ")
    decisions.return_consent(session, world["organizer"], entry, "The parent did not sign.")
    session.commit()
    assert (entry.consent_status, entry.consent_reason) == ("returned", "The parent did not sign.")
    assert decisions.review_queue(session) == []
    attachments.attach_consent(session, storage, world["teacher_a"], entry, PDF, "signed.pdf")
    decisions.approve_consent(session, world["organizer"], entry)
    session.commit()
    assert entry.consent_status == "approved"
    with pytest.raises(ValidationError):
        decisions.approve_consent(session, world["organizer"], entry)
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_id == entry.id).order_by(AuditEvent.id)
    ).all()
    assert actions[-3:] == [
        "entry.consent_returned",
        "entry.consent_attached",
        "entry.consent_approved",
    ]
    messages = session.scalars(select(Notice.message).where(Notice.entry_id == entry.id)).all()
    assert any("did not sign" in message for message in messages)


def test_captions_must_be_webvtt(session, world):
    entry = new_entry(session, world)
    storage = get_storage()
    for data in (b"1\n00:00:00,000 --> 00:00:02,000\nSRT, not VTT\n", b"", b"\xff\xfe\x00bad"):
        with pytest.raises(ValidationError) as caught:
            attachments.attach_captions(session, storage, world["teacher_a"], entry, data, "c.vtt")
        assert caught.value.field == "captions"
    asset = attachments.attach_captions(session, storage, world["teacher_a"], entry, VTT, "c.vtt")
    assert asset.content_type == "text/vtt"
    assert entry.captions_asset_id == asset.id


def test_disqualification_needs_a_reason_and_tells_the_school(session, world):
    entry = new_entry(session, world)
    with pytest.raises(ValidationError):
        decisions.disqualify(session, world["organizer"], entry, "")
    decisions.disqualify(session, world["organizer"], entry, "The video uses copyrighted music.")
    session.commit()
    assert (entry.status, entry.status_reason) == (
        "disqualified",
        "The video uses copyrighted music.",
    )
    with pytest.raises(NotAllowed):
        entries.check_can_change_entry(session, world["teacher_a"], entry, now=NOW)
    with pytest.raises(NotAllowed):
        entries.withdraw_entry(session, world["teacher_a"], entry)
    notice = session.scalar(select(Notice).where(Notice.entry_id == entry.id))
    assert "copyrighted music" in notice.message
