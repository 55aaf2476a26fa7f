"""The publish screens: the prefilled form, the confirmation step, publishing, the frozen view
with its downloadable document, un-publishing, and every refusal as the organizer reads it."""

import hashlib
import json
import re
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from contest.core.audit import AuditEvent
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.core.models.results import Result
from contest.results import plan as awards_plan
from tests.helpers import csrf_token, outbox_messages, page_text
from tests.results.test_publication import make_ready
from tests.test_security import inline_code


def fields(contest, entries, **changes):
    """The publish form as the prefilled page posts it: E1, E2, E3 in order, no votes."""
    category = entries["E1"].category_id
    data = {
        awards_plan.place_field(category, 1): str(entries["E1"].id),
        awards_plan.place_field(category, 2): str(entries["E2"].id),
        awards_plan.place_field(category, 3): str(entries["E3"].id),
    }
    data.update(changes)
    return data


def post(client, contest, data, page=None):
    url = f"/admin/results/{contest.id}/publish"
    token = csrf_token(client, page or url)
    return client.post(url, data={**data, "csrf_token": token})


def publish(client, contest, data):
    """Review, then confirm: the two steps a browser takes."""
    review = post(client, contest, {**data, "review": "y"})
    assert review.status_code == 200, page_text(review)
    response = post(client, contest, {**data, "confirmed": "yes", "publish": "y"})
    assert response.status_code == 302, page_text(response)
    return response


@pytest.fixture
def ready_contest(app, small_contest):
    return make_ready(app, small_contest)


def results(app):
    with app.app_context():
        return [(r.award, r.place, r.entry_id) for r in db.session.scalars(select(Result))]


def test_the_publish_page_is_prefilled_from_the_ranking(login_as, ready_contest):
    contest, entries, *_ = ready_contest
    page = page_text(login_as("organizer").get(f"/admin/results/{contest.id}/publish"))
    assert inline_code(page) == []
    for place, title in ((1, "E1"), (2, "E2"), (3, "E3")):
        name = awards_plan.place_field(entries[title].category_id, place)
        selected = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
        assert re.search(rf'<option selected value="{entries[title].id}">{title} ', selected)
    assert "No vote was counted, so there is no People's Choice award." in page
    assert "Nothing becomes public until you confirm on the next page." in page
    results_page = page_text(login_as("organizer").get(f"/admin/results/{contest.id}"))
    assert f'href="/admin/results/{contest.id}/publish"' in results_page


def test_review_confirm_publish_then_download_the_document(app, login_as, ready_contest):
    contest, entries, *_ = ready_contest
    client = login_as("organizer")
    review = post(client, contest, {**fields(contest, entries), "review": "y"})
    page = page_text(review)
    assert review.status_code == 200 and inline_code(page) == []
    assert "Publishing makes this public:" in page
    assert '<th scope="row">1st place in Cyberbullying</th><td>E1</td><td>Lincoln High</td>' in page
    assert results(app) == []  # nothing public before the confirmation

    response = post(client, contest, {**fields(contest, entries), "confirmed": "yes",
                                      "publish": "y"})  # fmt: skip
    assert response.headers["Location"] == f"/admin/results/{contest.id}/published"
    assert results(app) == [("place", p, entries[t].id) for p, t in ((1, "E1"), (2, "E2"),
                                                                        (3, "E3"))]  # fmt: skip
    published = page_text(client.get(f"/admin/results/{contest.id}/published"))
    assert inline_code(published) == []
    digest = re.search(r"SHA-256 of the published document: <code>([0-9a-f]{64})</code>", published)
    download = client.get(f"/admin/results/{contest.id}/published.json")
    assert download.mimetype == "application/json"
    assert "attachment" in download.headers["Content-Disposition"]
    assert hashlib.sha256(download.data).hexdigest() == digest.group(1)
    document = json.loads(download.data)
    again = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert again.encode("utf-8") == download.data  # canonical, byte for byte
    assert [a["title"] for a in document["awards"]] == ["E1", "E2", "E3"]

    # The school is told, on its dashboard and by mail to its teachers.
    mail = [m for m in outbox_messages(app) if m["To"] == "lincoln.teacher@example.org"]
    assert [m["Subject"] for m in mail] == ["Small Contest: results"] * 3
    assert "“E1” won 1st place in Cyberbullying in Small Contest." in mail[0].get_content()

    # Publishing twice is refused while published.
    again = client.get(f"/admin/results/{contest.id}/publish")
    assert again.headers["Location"] == f"/admin/results/{contest.id}/published"
    refused = post(client, contest, {**fields(contest, entries), "review": "y"},
                   page=f"/admin/results/{contest.id}/published")  # fmt: skip
    assert refused.status_code == 400
    assert "These results are already published: un-publish them first." in page_text(refused)


def test_an_override_without_a_reason_is_refused_and_with_one_is_published(
    app, login_as, ready_contest
):
    contest, entries, *_ = ready_contest
    client = login_as("organizer")
    category = entries["E1"].category_id
    swapped = fields(contest, entries, **{
        awards_plan.place_field(category, 1): str(entries["E2"].id),
        awards_plan.place_field(category, 2): str(entries["E1"].id),
    })  # fmt: skip
    response = post(client, contest, {**swapped, "review": "y"})
    page = page_text(response)
    assert response.status_code == 400
    assert "1st: choosing “E2” instead of “E1”; 2nd: choosing “E1” instead of “E2”" in page
    assert results(app) == []
    # What the organizer chose is still on the page.
    assert re.search(rf'<option selected value="{entries["E2"].id}">E2 ', page)

    reason = {awards_plan.reason_field(category): "E1 used music without a licence."}
    publish(client, contest, {**swapped, **reason})
    assert results(app)[:2] == [("place", 1, entries["E2"].id), ("place", 2, entries["E1"].id)]
    published = page_text(client.get(f"/admin/results/{contest.id}/published"))
    assert "E1 used music without a licence." in published and "override" in published


def test_publication_waits_while_voting_is_open(app, login_as, ready_contest):
    contest, entries, *_ = ready_contest
    with app.app_context():
        row = db.session.get(Contest, contest.id)
        row.voting_open_at, row.voting_close_at = (
            utcnow() - timedelta(days=1),
            utcnow() + timedelta(days=1),
        )
        db.session.commit()
    response = post(login_as("organizer"), contest, {**fields(contest, entries), "review": "y"})
    assert response.status_code == 400
    assert "Voting is still open" in page_text(response)


def test_a_ranked_but_ineligible_entry_is_named_with_why(app, login_as, ready_contest):
    contest, entries, *_ = ready_contest
    with app.app_context():
        db.session.get(Entry, entries["E2"].id).consent_status = "returned"
        db.session.commit()
    page = page_text(login_as("organizer").get(f"/admin/results/{contest.id}/publish"))
    assert (
        "Not eligible: “E2”&#39;s consent form is not approved (it is returned). (ranked 2)" in page
    )
    assert "Only 2 eligible ranked entries: 2 places." in page
    name = awards_plan.place_field(entries["E3"].category_id, 2)
    selected = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
    assert re.search(rf'<option selected value="{entries["E3"].id}">E3 ', selected)


def test_go_back_and_change_keeps_the_choices(login_as, ready_contest):
    contest, entries, *_ = ready_contest
    response = post(login_as("organizer"), contest, {**fields(contest, entries), "change": "y"})
    page = page_text(response)
    assert response.status_code == 200 and "Review what will be published" in page
    assert re.search(rf'<option selected value="{entries["E3"].id}">E3 ', page)


def test_unpublish_needs_a_reason_then_publish_again(app, login_as, ready_contest):
    contest, entries, *_ = ready_contest
    client = login_as("organizer")
    publish(client, contest, fields(contest, entries))
    url = f"/admin/results/{contest.id}/unpublish"
    token = csrf_token(client, f"/admin/results/{contest.id}/published")
    refused = client.post(url, data={"csrf_token": token, "reason": " "})
    assert refused.status_code == 400
    assert "Give the reason for un-publishing: it is kept in the audit log." in page_text(refused)
    assert len(results(app)) == 3

    done = client.post(url, data={"csrf_token": token, "reason": "Wrong category for E3."})
    assert done.headers["Location"] == f"/admin/results/{contest.id}/publish"
    assert results(app) == []
    assert client.get(f"/admin/results/{contest.id}/published.json").status_code == 404
    not_again = client.post(url, data={"csrf_token": token, "reason": "Twice."})
    assert not_again.status_code == 400 and "These results are not published." in page_text(
        not_again
    )

    publish(client, contest, fields(contest, entries))
    page = page_text(client.get(f"/admin/results/{contest.id}/published"))
    history = page.split("Publication history", 1)[1]
    assert history.count("un-published") == 1 and history.count(": published") == 2
    assert "Wrong category for E3." in history
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_type == "contests", AuditEvent.subject_id == contest.id)
            .order_by(AuditEvent.id)
        ).all()
    assert actions[-3:] == ["contest.published", "contest.unpublished", "contest.published"]


@pytest.mark.parametrize("role", ["teacher_a", "teacher_b", "judge"])
def test_only_organizers_publish(login_as, ready_contest, role):
    contest, *_ = ready_contest
    client = login_as(role)
    for path in ("publish", "published", "published.json"):
        assert client.get(f"/admin/results/{contest.id}/{path}").status_code == 403
    token = csrf_token(client, "/auth/forgot")
    for path in ("publish", "unpublish"):
        response = client.post(f"/admin/results/{contest.id}/{path}", data={"csrf_token": token})
        assert response.status_code == 403


def test_a_select_value_that_is_no_entry_id_is_refused(app, login_as, ready_contest):
    contest, entries, *_ = ready_contest
    name = awards_plan.place_field(entries["E1"].category_id, 1)
    response = post(login_as("organizer"), contest, {**fields(contest, entries), name: "first"})
    page = page_text(response)
    assert response.status_code == 400 and "Check the highlighted fields." in page
    assert f'id="{name}-error"' in page
    assert results(app) == []


def test_publishing_while_judging_is_unfinished_needs_a_stated_reason(app, login_as, small_contest):
    """The demo published a 1st place scored on one sheet while a judge had 36 of 37 open:
    judging must have closed with every judged entry at its judges' number of sheets, or the
    organizer states why not; the reason is audited and published with the results."""
    contest, entries, *_ = make_ready(app, small_contest)
    with app.app_context():
        row = db.session.get(Contest, contest.id)
        row.judging_close_at, row.timezone = utcnow() + timedelta(days=2), "Pacific/Honolulu"
        db.session.get(Entry, entries["Anchor"].id).calibration_anchor = False  # 0 of 3 sheets
        db.session.commit()
    client = login_as("organizer")

    refused = post(client, contest, {**fields(contest, entries), "review": "y"})
    text = page_text(refused)
    assert refused.status_code == 400 and results(app) == []
    assert "Judging is still open (it closes" in text and "HST" in text
    assert "1 entry has fewer than 3 submitted score sheets" in text

    reason = "The finalists' assembly is tomorrow; the last judge is ill."
    publish(client, contest, {**fields(contest, entries), "judging_reason": reason})

    assert [place for _, place, _ in results(app)] == [1, 2, 3]
    document = json.loads(client.get(f"/admin/results/{contest.id}/published.json").data)
    assert document["judging_override"] == {
        "reason": reason, "judging_closed": False, "entries_short": 1, "judges_per_entry": 3,
    }  # fmt: skip
    with app.app_context():
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "contest.published")
        ).all()
        assert event.data["judging_override"]["reason"] == reason
    winners = page_text(app.test_client().get(f"/contests/{contest.slug}/winners"))
    assert "Published before judging finished" in winners and str(escape(reason)) in winners


def test_judging_closed_with_an_entry_short_of_sheets_still_needs_a_reason(
    app, login_as, small_contest
):
    contest, entries, *_ = make_ready(app, small_contest)
    with app.app_context():
        db.session.get(Contest, contest.id).final_round.judges_per_entry = 4
        db.session.commit()
    refused = post(login_as("organizer"), contest, {**fields(contest, entries), "review": "y"})
    assert refused.status_code == 400
    assert "3 entries have fewer than 4 submitted score sheets" in page_text(refused)
    assert "Judging is still open" not in page_text(refused)
