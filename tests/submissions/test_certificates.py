"""A teacher's certificates: their own school's, once the results are published; never another
school's, and none again after un-publishing."""

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from tests import factories
from tests.helpers import page_text
from tests.test_security import inline_code

TITLE = "Ünïcödé — 安全 ✓"


@pytest.fixture
def awarded(app, people):
    """A contest (the newest, so the teacher's home shows it) where School A's entry won 1st
    place and School B's 2nd; unpublished until a test publishes it."""
    contest = factories.make_contest(app, name="Safety Awards 2026", timezone="America/Chicago")
    category = contest.categories[0]
    winner = factories.make_entry(
        app, category, people["school_a"], title=TITLE, status="ready", credit_line="Maya & Leo"
    )
    also = factories.make_entry(app, category, people["school_a"], title="Also", status="ready")
    other = factories.make_entry(app, category, people["school_b"], title="B's", status="ready")
    return contest, {"winner": winner, "also": also, "other": other}


def publish(app, contest, entries):
    factories.publish_results(
        app,
        contest,
        [(entries["winner"], "place", 1), (entries["other"], "place", 2)],
        published_at=datetime(2026, 6, 2, 3, 0, tzinfo=UTC),  # 1 June in Chicago
    )


def paths(people, contest, entries, school="school_a"):
    base = f"/school/{people[school].id}/certificates/{contest.id}"
    return {
        "list": base,
        "participation": f"{base}/participation.pdf",
        "winner": f"{base}/entries/{entries['winner'].id}.pdf",
        "other": f"{base}/entries/{entries['other'].id}.pdf",
        "also": f"{base}/entries/{entries['also'].id}.pdf",
    }


def pdf_text(response):
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages]


def test_a_teacher_downloads_their_schools_certificates(app, login_as, people, awarded):
    contest, entries = awarded
    publish(app, contest, entries)
    teacher = login_as("teacher_a")
    url = paths(people, contest, entries)
    home = page_text(teacher.get("/school/"))
    assert f'href="{url["list"]}"' in home
    assert f'href="/school/{people["school_a"].id}/results/{contest.id}"' in home

    response = teacher.get(url["list"])
    page = page_text(response)
    assert response.status_code == 200 and inline_code(page) == []
    assert f'href="{url["participation"]}"' in page
    assert f'href="{url["winner"]}"' in page
    assert url["also"] not in page and url["other"] not in page

    [text] = pdf_text(teacher.get(url["winner"]))
    for part in ("Safety Awards 2026", "First place", f"in {contest.categories[0].name}",
                 "“Ünïcödé — □□ ✓”", "by Maya & Leo", "School A", "1 June 2026"):  # fmt: skip
        assert part in text
    [text] = pdf_text(teacher.get(url["participation"]))
    assert "Certificate of participation" in text and "School A" in text
    assert "for entering 2 public-service announcements" in text


def test_another_schools_certificates_are_not_found(app, login_as, people, awarded):
    contest, entries = awarded
    publish(app, contest, entries)
    teacher = login_as("teacher_b")
    for path in paths(people, contest, entries).values():  # School A's, as School B's teacher
        assert teacher.get(path).status_code == 404, path
    mine = paths(people, contest, entries, school="school_b")
    assert teacher.get(mine["winner"]).status_code == 404  # A's entry under B's own path
    assert teacher.get(mine["also"]).status_code == 404
    [text] = pdf_text(teacher.get(mine["other"]))
    assert "Second place" in text and "School B" in text
    assert teacher.get(f"/school/{people['school_a'].id}/certificates/0").status_code == 404


def test_an_entry_that_won_nothing_has_no_certificate(app, login_as, people, awarded):
    contest, entries = awarded
    publish(app, contest, entries)
    url = paths(people, contest, entries)
    assert login_as("teacher_a").get(url["also"]).status_code == 404


def test_before_publication_there_is_nothing_to_download(login_as, people, awarded):
    contest, entries = awarded
    teacher = login_as("teacher_a")
    url = paths(people, contest, entries)
    assert url["list"] not in page_text(teacher.get("/school/"))
    response = teacher.get(url["list"])
    assert response.status_code == 200
    assert "ready once the organizers publish the results" in page_text(response)
    assert ".pdf" not in page_text(response)
    for name in ("participation", "winner"):
        assert teacher.get(url[name]).status_code == 404


def test_after_unpublishing_the_certificates_are_gone(app, login_as, people, awarded):
    contest, entries = awarded
    publish(app, contest, entries)
    teacher = login_as("teacher_a")
    url = paths(people, contest, entries)
    assert teacher.get(url["winner"]).status_code == 200
    with app.app_context():
        db.session.get(Contest, contest.id).published_at = None
        db.session.commit()
    for name in ("participation", "winner"):
        assert teacher.get(url[name]).status_code == 404
    assert "ready once the organizers publish" in page_text(teacher.get(url["list"]))


def test_a_school_without_an_eligible_entry_is_told_so(app, login_as, people, awarded):
    contest, entries = awarded
    with app.app_context():
        db.session.get(Entry, entries["other"].id).status = "withdrawn"
        db.session.commit()
    factories.publish_results(app, contest, [(entries["winner"], "place", 1)])
    teacher = login_as("teacher_b")
    url = paths(people, contest, entries, school="school_b")
    assert "had no eligible entry" in page_text(teacher.get(url["list"]))
    assert teacher.get(url["participation"]).status_code == 404
