"""/admin/people says which contest each role is for ("judge, judge" said nothing)."""

import re

from contest.core.extensions import db
from contest.core.models.accounts import RoleGrant
from tests import factories
from tests.helpers import page_text


def _row(text, email):
    """The text of the accounts table's row for `email`, tags stripped."""
    row = re.search(rf"<tr><td>{re.escape(email)}</td>(.*?)</tr>", text, re.S)
    assert row, f"no row for {email}"
    return " ".join(re.sub(r"<[^>]+>", " ", row.group(1)).split())


def test_each_grant_names_its_contest(app, people, login_as):
    older = factories.make_contest(app, name="Safety Awards 2025")
    newer = factories.make_contest(app, name="Safety Awards 2026")
    judge = factories.make_user(app, email="two.years@example.org")
    with app.app_context():
        db.session.add_all(
            RoleGrant(user_id=judge.id, role="judge", contest_id=contest.id)
            for contest in (newer, older)
        )
        db.session.commit()

    text = page_text(login_as("organizer").get("/admin/people"))

    assert _row(text, "two.years@example.org").endswith(
        "judge: Safety Awards 2025; judge: Safety Awards 2026"
    )
    assert _row(text, "organizer@example.org").endswith("site administrator")
    assert "judge: every contest" in _row(text, "judge@example.org")
    assert "teacher at School A" in _row(text, "teacher.a@example.org")
