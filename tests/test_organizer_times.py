"""Every organizer page shows its times in the contest's time zone: over the seeded demo (two
contests in America/New_York, one judged and published), no organizer page says "UTC"."""

import re

import pytest
from sqlalchemy import select

from contest.core.extensions import db
from contest.core.models import AuditEvent, Contest, Entry, School
from contest.core.models.judging import Assignment
from devtools.demo import DEMO_PASSWORD, ORGANIZER, seed_demo
from devtools.demo_judging import seed_demo_judging
from tests.factories import sign_in
from tests.helpers import route_url

# Organizer pages for people; files meant for programs (CSV, JSON, PDF, ZIP) keep ISO times.
ORGANIZER_PREFIXES = (
    "/admin",
    "/judging/manage",
    "/judging/rubrics",
    "/judging/calibration/<",
    "/vote/manage",
)
FILE_SUFFIXES = (".csv", ".json", ".pdf", ".zip")
ENTRIES_PER_CONTEST = 6  # one of each status among them, where the demo has it
# A time-zone picker may offer "UTC" as a zone to choose; that is not a time shown in UTC.
ZONE_CHOICES = re.compile(r"<option[^>]*>[^<]*</option>")


@pytest.fixture
def demo(app):
    with app.app_context():
        seed_demo(db.session)
        seed_demo_judging(db.session)
        db.session.commit()


def _values(session):
    """Route values for each demo contest: its entries of as many statuses as it has."""
    for contest in session.scalars(select(Contest).order_by(Contest.id)):
        entries = session.scalars(
            select(Entry).where(Entry.contest_id == contest.id).order_by(Entry.id)
        ).all()
        by_status = {}
        for entry in entries:
            by_status.setdefault(entry.status, entry)
        audited = session.scalars(
            select(AuditEvent.subject_id).where(AuditEvent.subject_type == "entries").distinct()
        ).all()
        picked = [*by_status.values(), *[e for e in entries if e.id in set(audited)]]
        assignment = session.scalar(
            select(Assignment).join(Entry).where(Entry.contest_id == contest.id).limit(1)
        )
        for entry in picked[:ENTRIES_PER_CONTEST]:
            yield {
                "contest_id": contest.id,
                "entry_id": entry.id,
                "school_id": entry.school_id,
                "district_id": entry.school.district_id,
                "category_id": entry.category_id,
                "assignment_id": assignment.id if assignment else 0,
                "round_id": contest.rounds[0].id,
            }


def test_no_organizer_page_says_utc(app, demo):
    client = app.test_client()
    sign_in(client, ORGANIZER, DEMO_PASSWORD)
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.rule.startswith(ORGANIZER_PREFIXES)
        and not rule.rule.endswith(FILE_SUFFIXES)
    ]
    with app.app_context():
        values = list(_values(db.session))
        assert db.session.scalar(select(School.id).limit(1)) is not None
    seen, shown, in_utc = set(), 0, {}
    for value in values:
        for rule in rules:
            path = route_url(app, rule, value)
            if path in seen:
                continue
            seen.add(path)
            response = client.get(path)
            assert response.status_code in (200, 404), (path, response.status_code)
            if response.status_code == 200:
                shown += 1
                text = ZONE_CHOICES.sub("", response.get_data(as_text=True))
                if "UTC" in text:
                    in_utc[path] = text[text.index("UTC") - 60 :][:80]
    assert not in_utc, "\n".join(f"{path}: {text}" for path, text in sorted(in_utc.items()))
    assert shown >= 40, f"only {shown} organizer pages rendered"
