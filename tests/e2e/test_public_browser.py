"""The public winners page and a winning video's page in Chromium: the players carry posters
and captions, a video plays past 2 seconds and seeks, and the download is offered as a file.

Chromium must be at /usr/bin/chromium (`scripts/ensure-chromium` installs it; `make test` runs
it). Without it these tests fail: they never skip.
"""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from contest.core.extensions import db
from contest.core.models.entries import Entry
from devtools.clips import make_clip
from tests import factories
from tests.gallery import conftest as gallery_fixtures
from tests.results.test_publication import make_ready, publish

CLIP_SECONDS = 4  # long enough to play past 2 s

small_contest = gallery_fixtures.small_contest


def poster_jpeg():
    image = Image.new("RGB", (320, 180), (11, 92, 173))
    data = io.BytesIO()
    image.save(data, "JPEG")
    return data.getvalue()


@pytest.fixture
def live(live_server):
    return live_server()


@pytest.fixture
def winners(live, small_contest, tmp_path):
    """small_contest published with E1-E3 placed, each with a real 4-second H.264 clip (stored
    where the live server reads its files)."""
    app = live.app
    contest, entries, *_ = make_ready(app, small_contest)
    clip = make_clip(tmp_path / "clip.mp4", seconds=CLIP_SECONDS, fps=12).read_bytes()
    with app.app_context():
        for title in ("E1", "E2", "E3"):
            entry = db.session.get(Entry, entries[title].id)
            entry.video_asset_id = factories.store_asset(clip, "video/mp4").id
            entry.poster_asset_id = factories.store_asset(poster_jpeg(), "image/jpeg").id
            entry.duration_seconds = CLIP_SECONDS
        db.session.commit()
    organizer = factories.make_user(app, roles=["admin"])
    with app.app_context():
        publish(db.session, contest, db.session.get(type(organizer), organizer.id))
    return contest, entries


def test_the_winners_page_and_a_video_page_play_seek_and_download(live, browser, winners):
    contest, entries = winners
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live.url}/contests/{contest.slug}/winners")
    expect(page.get_by_role("heading", name=f"Winners: {contest.name}")).to_be_visible()
    players = page.locator("video.player")
    expect(players).to_have_count(3)
    for number in range(3):
        player = players.nth(number)
        assert player.get_attribute("poster").startswith("/media/")
        assert player.locator("track[kind=captions]").count() == 1

    page.get_by_role("link", name="E1", exact=True).click()
    expect(page.get_by_role("heading", name="E1", level=1)).to_be_visible()
    og_image = page.locator('meta[property="og:image"]').get_attribute("content")
    assert og_image.startswith(f"{live.url}/media/")
    video = page.locator("video.player")
    # play() settles once playback starts or fails; the race keeps a stalled load from hanging.
    started = video.evaluate(
        "video => { video.muted = true; return Promise.race([video.play().then(() => 'playing'),"
        " new Promise(done => setTimeout(() => done('stalled'), 10000))]); }"
    )
    assert started == "playing"
    page.wait_for_function(
        "() => document.querySelector('video.player').currentTime >= 2", timeout=15_000
    )
    assert video.evaluate("video => video.textTracks.length") == 1
    assert video.evaluate("video => video.textTracks[0].cues.length") == 1
    # Seeking back works: the server answers range requests.
    video.evaluate("video => { video.pause(); video.currentTime = 0.5; }")
    page.wait_for_function(
        "() => { const v = document.querySelector('video.player');"
        " return !v.seeking && Math.abs(v.currentTime - 0.5) < 0.2; }",
        timeout=10_000,
    )

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the video").click()
    assert download.value.suggested_filename == f"{contest.slug} E1.mp4"
    page.close()
