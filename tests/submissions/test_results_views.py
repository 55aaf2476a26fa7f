"""A teacher's results page: their school's places and the judges' feedback once published, and
the school's choice to share that feedback on the public winners page (audited)."""

from sqlalchemy import select

from contest.core.audit import AuditEvent
from contest.core.extensions import db
from contest.core.models.entries import Entry
from tests import factories
from tests.gallery import conftest as gallery_fixtures
from tests.gallery.conftest import FEEDBACK, PRIVATE
from tests.helpers import csrf_token, page_text
from tests.test_security import inline_code

small_contest = gallery_fixtures.small_contest
published = gallery_fixtures.published


def results_url(contest, entries):
    return f"/school/{entries['E1'].school_id}/results/{contest.id}"


def share_url(contest, entries, title="E1"):
    return f"{results_url(contest, entries)}/entries/{entries[title].id}/feedback"


def teacher_client(app, teacher):
    client = app.test_client()
    factories.sign_in(client, teacher.email)
    return client


def test_the_teacher_sees_places_and_feedback_but_no_judge_or_private_comment(app, published):
    contest, entries, teacher, _ = published
    response = teacher_client(app, teacher).get(results_url(contest, entries))
    page = page_text(response)
    assert response.status_code == 200 and inline_code(page) == []
    e1 = page.split('id="entry-' + str(entries["E1"].id))[1].split("</section>")[0]
    assert "1st place, Cyberbullying" in e1
    assert FEEDBACK[0] in e1 and FEEDBACK[1] in e1
    e2 = page.split('id="entry-' + str(entries["E2"].id))[1].split("</section>")[0]
    assert "2nd place, Cyberbullying; People&#39;s Choice" in e2
    assert "The judges left no feedback on this entry." in e2
    assert PRIVATE not in page and "Judge A" not in page
    # The withdrawn entry is listed without an award; its sheets' feedback does not count.
    assert "Gone" in page
    assert f"/school/{entries['E1'].school_id}/certificates/{contest.id}" in page
    assert f"/contests/{contest.slug}/winners" in page


def test_before_publication_the_page_says_to_wait(app, small_contest):
    contest, entries, *_ = small_contest
    teacher = factories.make_user(app, roles=[("teacher", entries["E1"].school_id)])
    page = page_text(teacher_client(app, teacher).get(results_url(contest, entries)))
    assert "The results are not published yet." in page
    assert "E1" not in page.split("<main")[1]


def test_another_schools_teacher_finds_nothing(app, published):
    contest, entries, *_ = published
    other = factories.make_school(app, name="Elsewhere High")
    stranger = factories.make_user(app, roles=[("teacher", other)])
    client = teacher_client(app, stranger)
    assert client.get(results_url(contest, entries)).status_code == 404
    token = csrf_token(client, "/school/")
    response = client.post(share_url(contest, entries), data={"csrf_token": token, "share": "yes"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Entry, entries["E1"].id).feedback_public is False


def test_sharing_the_feedback_shows_it_publicly_and_is_audited(app, published):
    contest, entries, teacher, _ = published
    client = teacher_client(app, teacher)
    public = app.test_client()
    winners = f"/contests/{contest.slug}/winners"
    assert FEEDBACK[0] not in page_text(public.get(winners))  # cached now

    token = csrf_token(client, results_url(contest, entries))
    response = client.post(share_url(contest, entries), data={"csrf_token": token, "share": "yes"})
    assert response.status_code == 302
    assert response.headers["Location"] == results_url(contest, entries)
    page = page_text(client.get(results_url(contest, entries)))
    assert "is shown on the public winners page." in page
    assert "Stop sharing the judges' feedback" in page
    shown = page_text(public.get(winners))  # the cached page was invalidated
    assert FEEDBACK[0] in shown and PRIVATE not in shown

    response = client.post(share_url(contest, entries), data={"csrf_token": token, "share": "no"})
    assert response.status_code == 302
    assert FEEDBACK[0] not in page_text(public.get(winners))
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "entries").order_by(AuditEvent.id)
        ).all()
        assert [(e.action, e.subject_id, e.actor_id) for e in events] == [
            ("entry.feedback_shared", entries["E1"].id, teacher.id),
            ("entry.feedback_unshared", entries["E1"].id, teacher.id),
        ]


def test_feedback_cannot_be_shared_before_publication(app, small_contest):
    contest, entries, *_ = small_contest
    teacher = factories.make_user(app, roles=[("teacher", entries["E1"].school_id)])
    client = teacher_client(app, teacher)
    token = csrf_token(client, results_url(contest, entries))
    response = client.post(
        share_url(contest, entries), data={"csrf_token": token, "share": "yes"},
        follow_redirects=True,
    )  # fmt: skip
    assert "The results are not published yet: feedback can be shared after." in page_text(response)
    with app.app_context():
        assert db.session.get(Entry, entries["E1"].id).feedback_public is False
