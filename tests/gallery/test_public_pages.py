"""The public pages: the contest home and its archive, a published contest's winners, a winning
video's own page with its share tags and download, and what the public never reaches."""

import hashlib
import re
from datetime import timedelta
from html import unescape
from zoneinfo import ZoneInfo

from flask import url_for
from markupsafe import escape
from sqlalchemy import select

from contest.core.audit import AuditEvent
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.results import publication
from contest.voting.manage_views import DIGEST_HEADER
from contest.web.caching import invalidate_contest
from tests import factories
from tests.gallery.conftest import FEEDBACK, PRIVATE, VIDEO, close_voting, give_media
from tests.helpers import page_text
from tests.test_security import inline_code


def set_contest(app, contest, **fields):
    with app.app_context():
        row = db.session.get(Contest, contest.id)
        for name, value in fields.items():
            setattr(row, name, value)
        db.session.commit()


def status(client, url):
    """The status of GET `url`, its body closed (a served file stays open until then)."""
    response = client.get(url)
    response.close()
    return response.status_code


def meta(page, key):
    """The content of the page's <meta property|name="key">."""
    match = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', page)
    assert match, f"no {key} meta tag"
    return unescape(match.group(1))


# --- the home page -------------------------------------------------------------------------------


def test_home_shows_the_call_for_entries_with_its_deadline_in_the_contests_time_zone(app, client):
    contest = factories.make_contest(app, name="PSA 2027", timezone="America/New_York")
    close = utcnow().replace(microsecond=0) + timedelta(days=3)
    set_contest(app, contest, submissions_open_at=utcnow() - timedelta(days=1),
                submissions_close_at=close)  # fmt: skip
    page = page_text(client.get("/"))
    assert inline_code(page) == []
    assert "Call for entries open" in page
    local = close.astimezone(ZoneInfo("America/New_York"))
    assert f"Entries close {local:%a %d %b %Y, %H:%M %Z}" in page
    for category in contest.categories:
        assert str(escape(category.name)) in page
    assert "Up to 2 entries per school in each category" in page
    assert "CC BY-NC-ND 4.0" in page


def test_home_during_voting_links_to_the_vote_and_after_closing_says_judging(app, client):
    contest, _ = factories.make_voting_contest(app)
    set_contest(app, contest, submissions_open_at=utcnow() - timedelta(days=9),
                submissions_close_at=utcnow() - timedelta(days=2))  # fmt: skip
    page = page_text(client.get("/"))
    assert "People&#39;s Choice voting is open" in page and 'href="/vote/"' in page
    close_voting(app, contest)
    page = page_text(client.get("/"))
    assert "Judging under way" in page and 'href="/vote/"' not in page.split("<main")[1]


def test_the_archive_links_each_past_contest_to_its_winners_once_published(app, client, published):
    contest, *_ = published
    unpublished = factories.make_contest(app, name="Older, never published", slug="older")
    current = factories.make_contest(app, name="Next Year's Contest")
    page = page_text(client.get("/"))
    assert "<h1>Next Year&#39;s Contest</h1>" in page
    archive = page.split('id="archive-heading"')[1]
    assert f'href="/contests/{contest.slug}/winners">{contest.name}: the winners</a>' in archive
    assert unpublished.name in archive and "/contests/older/winners" not in archive
    assert current.name not in archive


# --- the winners page ----------------------------------------------------------------------------


def test_winners_page_is_a_404_until_published(app, client, small_contest):
    contest = small_contest[0]
    assert client.get(f"/contests/{contest.slug}/winners").status_code == 404
    assert client.get(f"/contests/{contest.slug}/results.json").status_code == 404
    assert client.get("/contests/no-such-contest/winners").status_code == 404
    # Result rows frozen for a publication time still to come are not public either.
    factories.publish_results(
        app, contest, [(small_contest[1]["E1"], "place", 1)], utcnow() + timedelta(hours=1)
    )
    assert client.get(f"/contests/{contest.slug}/winners").status_code == 404
    assert client.get(f"/videos/{small_contest[1]['E1'].id}").status_code == 404


def test_winners_page_shows_each_place_and_the_peoples_choice(app, client, published):
    contest, entries, *_ = published
    response = client.get(f"/contests/{contest.slug}/winners")
    page = page_text(response)
    assert response.status_code == 200 and inline_code(page) == []
    category = escape(contest.categories[0].name)
    assert f'<h2 id="category-1">{category}</h2>' in page
    for place, title in (("1st", "E1"), ("2nd", "E2"), ("3rd", "E3")):
        card = page.split(f'id="winner-{entries[title].id}"')[0].rsplit('<p class="award">', 1)[1]
        assert card.startswith(f"{place} place</p>")
    peoples_choice = page.split('id="peoples-choice"')[1].split("</section>")[0]
    assert f'href="/videos/{entries["E2"].id}">E2</a>' in peoples_choice
    with app.app_context():
        e1 = db.session.get(Entry, entries["E1"].id)
        player = page.split(f'id="winner-{e1.id}"')[1].split("</video>")[0]
        assert f'poster="/media/{e1.poster_asset_id}"' in player
        assert f'<source src="/media/{e1.video_asset_id}" type="video/mp4">' in player
        assert f'<track kind="captions" src="/media/{e1.captions_asset_id}"' in player
    assert "Lincoln High · by Maya, Leo and Sam" in page
    # E2's credit names students in full without consent for it: left off, as on certificates.
    assert "Maya Lopez" not in page


def test_winners_page_lets_anyone_check_the_published_results_and_the_ballots(
    app, client, published
):
    contest, *_ = published
    page = page_text(client.get(f"/contests/{contest.slug}/winners"))
    with app.app_context():
        digest = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "contest.published")
        ).data["digest"]
    assert f'<code class="digest">{digest}</code>' in page
    document = client.get(f"/contests/{contest.slug}/results.json")
    assert document.headers["Content-Type"] == "application/json"
    assert hashlib.sha256(document.data).hexdigest() == digest
    assert f'href="/contests/{contest.slug}/results.json"' in page
    ballots = client.get(f"/vote/{contest.id}/ballots.csv")
    assert ballots.status_code == 200
    sha = hashlib.sha256(ballots.data).hexdigest()
    assert ballots.headers[DIGEST_HEADER] == sha
    assert f'href="/vote/{contest.id}/ballots.csv"' in page
    assert f'<code class="digest">{sha}</code>' in page


def test_feedback_shows_only_when_the_school_shares_it_and_never_judges_or_comments(
    app, client, published
):
    contest, entries, *_ = published
    url = f"/contests/{contest.slug}/winners"
    page = page_text(client.get(url))
    assert FEEDBACK[0] not in page and "What the judges said" not in page
    with app.app_context():
        db.session.get(Entry, entries["E1"].id).feedback_public = True
        db.session.commit()
    with app.app_context():
        invalidate_contest(contest.id)
    page = page_text(client.get(url))
    video = page_text(client.get(f"/videos/{entries['E1'].id}"))
    for shown in (page, video):
        assert FEEDBACK[0] in shown and FEEDBACK[1] in shown
        assert PRIVATE not in shown and "Judge A" not in shown and "Judge B" not in shown


def test_a_hidden_winner_leaves_the_public_pages(app, client, published):
    contest, entries, *_ = published
    with app.app_context():
        entry = db.session.get(Entry, entries["E3"].id)
        entry.hidden_at, entry.hidden_reason = utcnow(), "A parent withdrew consent."
        db.session.commit()
        video_id = entry.video_asset_id
        invalidate_contest(contest.id)
    page = page_text(client.get(f"/contests/{contest.slug}/winners"))
    assert f"/videos/{entries['E3'].id}" not in page
    assert client.get(f"/videos/{entries['E3'].id}").status_code == 404
    assert status(client, f"/videos/{entries['E3'].id}/download") == 404
    assert status(client, f"/media/{video_id}") == 404


def test_un_publishing_takes_the_winners_page_down_at_once(app, client, published):
    contest, _, _, organizer = published
    url = f"/contests/{contest.slug}/winners"
    assert client.get(url).status_code == 200
    with app.app_context():
        row = db.session.get(Contest, contest.id)
        publication.unpublish_results(db.session, organizer, row, "A sheet was mis-keyed.")
        db.session.commit()
    assert client.get(url).status_code == 404
    assert client.get(f"/contests/{contest.slug}/results.json").status_code == 404


# --- a winning video's page ----------------------------------------------------------------------


def test_video_page_has_a_share_link_and_card_tags_with_absolute_urls(app, client, published):
    contest, entries, *_ = published
    e2 = entries["E2"].id
    response = client.get(f"/videos/{e2}")
    page = page_text(response)
    assert response.status_code == 200 and inline_code(page) == []
    with app.app_context():
        entry = db.session.get(Entry, e2)
        poster, video = entry.poster_asset_id, entry.video_asset_id
    share = f"http://localhost/videos/{e2}"
    assert meta(page, "og:title") == "E2"
    assert meta(page, "og:url") == share
    assert meta(page, "og:image") == f"http://localhost/media/{poster}"
    assert meta(page, "og:video") == f"http://localhost/media/{video}"
    assert meta(page, "og:video:type") == "video/mp4"
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "twitter:image") == f"http://localhost/media/{poster}"
    assert "2nd place" in meta(page, "og:description")
    assert "People&#39;s Choice" in page.split("<h1>")[1].split("</ul>")[0]
    assert f'value="{share}" readonly' in page
    # The tags point at files the public may fetch.
    assert status(client, f"/media/{poster}") == 200


def test_video_download_is_an_attachment_under_the_contests_licence(app, client, published):
    contest, entries, *_ = published
    set_contest(app, contest, licence="CC BY-NC 4.0")
    page = page_text(client.get(f"/videos/{entries['E1'].id}"))
    assert f'href="/videos/{entries["E1"].id}/download" download>' in page
    assert (
        'Licence: <a href="https://creativecommons.org/licenses/by-nc/4.0/" rel="license">'
        "CC BY-NC 4.0</a>" in page
    )
    response = client.get(f"/videos/{entries['E1'].id}/download")
    assert response.status_code == 200
    assert response.data == VIDEO
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{contest.slug} E1.mp4"'
    )
    response.close()


def test_the_report_link_goes_to_the_takedown_form(app, client, published):
    _, entries, *_ = published
    page = page_text(client.get(f"/videos/{entries['E1'].id}"))
    with app.test_request_context():
        report = url_for("takedown.report", entry_id=entries["E1"].id)
    assert f'<a href="{report}">Report this video</a>' in page


def test_pages_of_unknown_and_non_winning_entries_are_404(app, client, published):
    contest, entries, *_ = published
    for entry_id in (entries["Anchor"].id, entries["Gone"].id, 0):
        assert client.get(f"/videos/{entry_id}").status_code == 404
        assert client.get(f"/videos/{entry_id}/download").status_code == 404


def test_only_winners_media_stay_public_after_voting(app, client, small_contest):
    """While the vote is open every eligible entry plays; once it closes nothing does until the
    results are out; then only the winners."""
    contest, entries, *_ = small_contest
    for title in ("E1", "E2"):
        with app.app_context():
            db.session.get(Entry, entries[title].id).consent_status = "approved"
            db.session.commit()
    e1_video, e1_poster = give_media(app, entries["E1"].id)
    e2_video, e2_poster = give_media(app, entries["E2"].id)
    now = utcnow()
    set_contest(app, contest, voting_open_at=now - timedelta(days=1),
                voting_close_at=now + timedelta(hours=1))  # fmt: skip
    assert [status(client, f"/media/{a}") for a in (e1_video, e2_poster)] == [200, 200]
    close_voting(app, contest)
    assert [status(client, f"/media/{a}") for a in (e1_video, e2_poster)] == [404, 404]
    factories.publish_results(app, contest, [(entries["E1"], "place", 1)])
    statuses = [status(client, f"/media/{a}") for a in (e1_video, e1_poster, e2_video)]
    assert statuses == [200, 200, 404]
    # The school and the organizers still see their non-winning entry.
    teacher = factories.make_user(app, roles=[("teacher", entries["E2"].school_id)])
    signed_in = app.test_client()
    factories.sign_in(signed_in, teacher.email)
    assert status(signed_in, f"/media/{e2_video}") == 200
