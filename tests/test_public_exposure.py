"""Nothing the public may not see is reachable: an anonymous client sweeps every GET route of
the app (whatever routes exist when it runs) with route values pointing at an unpublished
contest's entries, draft score sheets and votes, and at a hidden entry of a contest whose vote
is open, and never sees a title, a score, a tally or a voter's data; their files are refused."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.core.models.voting import Vote, Voter
from tests import factories
from tests.helpers import app_routes, page_text, route_url

TALLY = re.compile(r"\b\d+\s+votes?\b|vote-count", re.IGNORECASE)
FILE_COLUMNS = (
    "video_asset_id", "poster_asset_id", "captions_asset_id", "original_video_asset_id",
    "consent_asset_id",
)  # fmt: skip


def _with_files(app, entry_id):
    """Give the entry a stored file of every kind; returns their asset ids."""
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        for column in FILE_COLUMNS:
            setattr(
                entry, column, factories.store_asset(b"bytes " + column.encode(), "video/mp4").id
            )
        db.session.commit()
        return [getattr(entry, column) for column in FILE_COLUMNS]


def unpublished_contest(app, judge):
    """Voting closed, results not published: entries scored in sheets (one still a draft), votes
    cast. Returns (contest, entries, secrets that must never show)."""
    contest, entries = factories.make_voting_contest(
        app, opens=-7200, closes=-3600, show_live_tally=True
    )
    rubric = factories.make_rubric(app, contest, version=2)  # the contest made version 1
    secrets = []
    for number, entry in enumerate(entries):
        secrets.append(entry.title)
        factories.make_sheet(
            app, judge, entry, rubric, [4, 2],
            status="draft" if number == 0 else "submitted",
            comment=f"Judge-only comment {number} zq",
            feedback=f"Feedback for the school {number} zq",
        )  # fmt: skip
        secrets += [f"Judge-only comment {number} zq", f"Feedback for the school {number} zq"]
    votes = factories.seed_votes(
        app, contest, [{"entry": entries[0], "domain": "voter-domain-zq.example"}] * 3
    )
    secrets += [receipt for _, receipt in votes]
    return contest, entries, secrets


def voter_hashes(app):
    with app.app_context():
        return list(db.session.scalars(select(Voter.email_hash)))


def voting_contest_with_hidden_entry(app):
    """A contest whose vote is open, tally not shown: one public entry, one hidden."""
    contest, [shown, hidden, *_] = factories.make_voting_contest(app)
    with app.app_context():
        row = db.session.get(Entry, hidden.id)
        row.hidden_at, row.hidden_reason = utcnow(), "A parent withdrew consent."
        row.title = "Hidden Takedown Entry zq"
        db.session.commit()
    factories.seed_votes(app, contest, [{"entry": shown}] * 3)
    return contest, shown, hidden


def sweep(app, values_list):
    """GET every route as the public with each set of values; {url: text} of what it saw."""
    client = app.test_client()
    seen = {}
    for values in values_list:
        for endpoint, method, rule in app_routes(app):
            if method != "GET":
                continue
            url = route_url(app, rule, values)
            response = client.get(url)
            assert response.status_code < 500, f"{url} ({endpoint}): {response.status_code}"
            if response.mimetype.startswith(("text/", "application/json")):
                seen[url] = page_text(response)
            response.close()
    return seen


def values_for(app, base, contest, entry, asset_id):
    return {
        **base,
        "contest_id": contest.id,
        "slug": contest.slug,
        "entry_id": entry.id,
        "school_id": entry.school_id,
        "asset_id": asset_id,
    }


@pytest.mark.parametrize("newest", ["unpublished", "voting"])
def test_the_public_never_sees_unpublished_or_hidden_entries(app, people, newest):
    base = factories.make_route_values(app)  # first: the contests below are newer
    with app.app_context():
        route_entry = db.session.get(Entry, base["entry_id"])
        base.setdefault("slug", db.session.get(Contest, base["contest_id"]).slug)
    # Whichever is newest is the contest the home and voting pages are about.
    if newest == "voting":
        secret_contest, secret_entries, secrets = unpublished_contest(app, people["judge"])
        voting, shown, hidden = voting_contest_with_hidden_entry(app)
    else:
        voting, shown, hidden = voting_contest_with_hidden_entry(app)
        secret_contest, secret_entries, secrets = unpublished_contest(app, people["judge"])
    secrets += [route_entry.title, hidden.title, "voter-domain-zq.example", *voter_hashes(app)]
    private_assets = [asset for entry in secret_entries for asset in _with_files(app, entry.id)]
    private_assets += _with_files(app, hidden.id)
    shown_assets = _with_files(app, shown.id)
    private_assets += shown_assets[3:]  # the public entry's original upload and consent form

    seen = sweep(
        app,
        [
            base,
            *(values_for(app, base, secret_contest, e, private_assets[0]) for e in secret_entries),
            values_for(app, base, voting, hidden, private_assets[-3]),
        ],
    )
    leaks = [
        f"{url}: {secret!r}" for url, text in seen.items() for secret in secrets if secret in text
    ]
    assert not leaks, "the public saw:\n" + "\n".join(leaks)
    tallies = [f"{url}: {m.group(0)!r}" for url, text in seen.items() if (m := TALLY.search(text))]
    assert not tallies, "the public saw a tally:\n" + "\n".join(tallies)

    client = app.test_client()
    for asset_id in private_assets:
        response = client.get(f"/media/{asset_id}")
        assert response.status_code == 404, f"/media/{asset_id}: {response.status_code}"
    # The sweep can see what is public: the open vote's shown entry and its video.
    if newest == "voting":
        assert shown.title in page_text(client.get("/vote/"))
    video = client.get(f"/media/{shown_assets[0]}")
    assert video.status_code == 200
    video.close()


def test_the_tally_check_catches_a_live_tally(app):
    """The sweep's tally pattern does match a tally when one is shown (it can fail)."""
    contest, shown, _ = voting_contest_with_hidden_entry(app)
    with app.app_context():
        db.session.get(Contest, contest.id).show_live_tally = True
        db.session.commit()
        assert db.session.scalar(select(Vote.id).where(Vote.entry_id == shown.id))
    text = page_text(app.test_client().get("/vote/"))
    assert TALLY.search(text), text


def test_a_published_contest_shows_its_titles_once_published(app):
    """Publishing is what reveals a closed contest's entries (a contrast for the sweep)."""
    contest, entries = factories.make_voting_contest(app, opens=-7200, closes=-3600)
    assert entries[0].title not in page_text(app.test_client().get("/vote/"))
    factories.publish_results(app, contest, [(entries[0], "place", 1)])
    with app.app_context():
        assert db.session.get(Contest, contest.id).published_at <= utcnow() + timedelta(seconds=1)
    text = page_text(app.test_client().get(f"/report/{entries[0].id}"))
    assert entries[0].title in text
