"""Captions before publication: the publish screen warns of winning videos without captions, and
publishing them needs a reason, which is audited and published with the results."""

import json

import pytest
from sqlalchemy import select

from contest.core.audit import AuditEvent
from contest.core.errors import ValidationError
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.core.models.results import Result
from contest.results import choices as award_choices
from contest.results import plan as awards_plan
from contest.results import publication, ranking
from contest.voting import counting
from tests import factories
from tests.helpers import page_text
from tests.results.test_publication import make_ready, publish
from tests.results.test_publish_views import fields, post
from tests.test_security import inline_code

REASON = "The school is re-captioning E2; the captions follow within a week."


@pytest.fixture
def uncaptioned(app, small_contest):
    """The ready contest with E2's captions gone."""
    contest, entries, *rest = make_ready(app, small_contest)
    with app.app_context():
        db.session.get(Entry, entries["E2"].id).captions_asset_id = None
        db.session.commit()
    return contest, entries


def test_the_publish_screen_warns_of_winners_without_captions(login_as, uncaptioned):
    contest, _ = uncaptioned
    page = page_text(login_as("organizer").get(f"/admin/results/{contest.id}/publish"))
    assert inline_code(page) == []
    warning = page.split("Winning videos without captions:</strong>")[1].split("</p>")[0]
    assert "“E2” (Lincoln High)" in warning
    assert "E1" not in warning and "E3" not in warning
    assert 'name="captions_reason"' in page


def test_every_winner_captioned_needs_no_reason(app, login_as, small_contest):
    contest, entries, *_ = make_ready(app, small_contest)
    client = login_as("organizer")
    page = page_text(client.get(f"/admin/results/{contest.id}/publish"))
    assert "Every winning video chosen above has captions." in page
    review = post(client, contest, {**fields(contest, entries), "review": "y"})
    assert review.status_code == 200 and "Published without captions" not in page_text(review)


def test_publishing_without_captions_needs_a_reason(app, login_as, uncaptioned):
    contest, entries = uncaptioned
    client = login_as("organizer")
    for reason in ("", "   "):
        response = post(
            client, contest, {**fields(contest, entries), "review": "y", "captions_reason": reason}
        )
        page = page_text(response)
        assert response.status_code == 400
        assert (
            "“E2” has no captions. Add captions, or give the reason to publish without them: it "
            "is published with the results." in page
        )
        assert 'id="captions_reason-error"' in page
    # Even a forged confirmation without a reason publishes nothing.
    response = post(
        client, contest, {**fields(contest, entries), "confirmed": "yes", "publish": "y"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Result)).all() == []
        assert db.session.get(Contest, contest.id).published_at is None


def test_the_reason_is_confirmed_audited_and_published(app, login_as, uncaptioned):
    contest, entries = uncaptioned
    client = login_as("organizer")
    data = {**fields(contest, entries), "captions_reason": REASON}
    review = post(client, contest, {**data, "review": "y"})
    page = page_text(review)
    assert review.status_code == 200
    assert "Published without captions:</strong>\n  “E2”." in page
    assert f"Reason (published): {REASON}" in page
    assert f'name="captions_reason" value="{REASON}"' in page
    response = post(client, contest, {**data, "confirmed": "yes", "publish": "y"})
    assert response.status_code == 302
    document = json.loads(client.get(f"/admin/results/{contest.id}/published.json").data)
    assert document["captions_override"] == {"reason": REASON, "entry_ids": [entries["E2"].id]}
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "contest.published")
        )
        assert event.data["captions_override"] == document["captions_override"]
        assert event.data["payload"] == document


def test_the_service_refuses_uncaptioned_winners_without_a_reason(app, session, uncaptioned):
    contest, entries = uncaptioned
    organizer = factories.add_user(session, roles=["admin"])
    with pytest.raises(awards_plan.PublicationProblems) as refused:
        publish(session, contest, organizer)
    assert [(field, str(phrase)) for field, phrase in refused.value.problems] == [
        (
            awards_plan.CAPTIONS_REASON,
            "“E2” has no captions. Add captions, or give the reason to publish without them: it "
            "is published with the results.",
        )
    ]
    row = session.get(Contest, contest.id)
    awards = checked_awards(session, row, REASON)
    with pytest.raises(ValidationError):  # publishing checks again: the reason must reach it
        publication.publish_results(session, organizer, row, awards)
    data, _ = publication.publish_results(session, organizer, row, awards, captions_reason=REASON)
    assert json.loads(data)["captions_override"] == {
        "reason": REASON,
        "entry_ids": [entries["E2"].id],
    }


def checked_awards(session, contest, reason):
    """The default awards, checked with `reason` to publish without captions."""
    tally, _, ballot_sha = counting.contest_tally(session, contest)
    plan = awards_plan.plan(
        ranking.category_results(session, contest),
        tally,
        ballot_sha,
        awards_plan.entry_facts(session, contest),
    )
    choices = {**awards_plan.default_choices(plan), awards_plan.CAPTIONS_REASON: reason}
    return award_choices.check_choices(contest, plan, choices)
