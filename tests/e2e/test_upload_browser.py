"""A teacher uploads a video through the page in a real browser (Chromium via Playwright) against
a live server: the progress bar reaches 100%, a dropped connection is retried and resumed, and a
page reload resumes from what the server holds.

Chromium must be at /usr/bin/chromium (`scripts/ensure-chromium` installs it; `make test` runs
it). Without it these tests fail: they never skip.
"""

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest

from contest.core.extensions import db
from contest.core.models.assets import Asset
from contest.core.models.entries import Entry
from contest.core.storage import storage_for
from devtools.clips import make_clip
from tests import factories
from tests.uploads.helpers import naive_utc, sha256_of

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHUNK = 256 * 1024


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """A real MP4 of about 3 MB: a dozen chunks of CHUNK bytes."""
    path = tmp_path_factory.mktemp("browser-videos") / "our-psa.mp4"
    make_clip(path, seconds=4, width=1280, height=720, pattern="testsrc2")
    assert path.stat().st_size > 4 * CHUNK
    return path


@pytest.fixture
def entry(app, people):
    contest = factories.make_contest(
        app,
        phases={
            "submissions_open_at": naive_utc(timedelta(days=-1)),
            "submissions_close_at": naive_utc(timedelta(days=1)),
        },
    )
    return factories.make_entry(app, contest.categories[0], people["school_a"], title="Be Kind")


class Watched:
    """A page signed in as a teacher, recording its PATCHes and any console error (a CSP
    violation shows up there)."""

    def __init__(self, browser, live, email):
        self.page = browser.new_page()
        self.patches = []
        self.errors = []
        self.page.on(
            "request",
            lambda request: (
                request.method == "PATCH"
                and self.patches.append(int(request.headers["upload-offset"]))
            ),
        )
        self.page.on(
            "console", lambda message: message.type == "error" and self.errors.append(message.text)
        )
        self.page.goto(f"{live.url}/auth/login")
        self.page.fill("#email", email)
        self.page.fill("#password", factories.PASSWORD)
        self.page.click("input[type=submit]")
        self.page.wait_for_url(f"{live.url}/school/")

    def open_upload_page(self, live, entry, video):
        self.page.goto(f"{live.url}/uploads/entry/{entry.id}")
        self.page.set_input_files("#video-file", str(video))

    def wait_until_received(self):
        self.page.wait_for_selector("#upload-result", state="visible", timeout=60_000)

    def progress(self):
        return self.page.eval_on_selector("#upload-progress", "bar => [bar.value, bar.max]")


def stored_sha256(app, entry_id):
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        asset = db.session.get(Asset, entry.original_video_asset_id)
        with storage_for(asset).open(asset.key) as stream:
            return hashlib.sha256(stream.read()).hexdigest()


def test_the_progress_bar_reaches_100_and_the_video_is_received(
    browser, live_server, people, entry, video
):
    live = live_server(UPLOAD_BROWSER_CHUNK_BYTES=CHUNK)
    teacher = Watched(browser, live, people["teacher_a"].email)
    teacher.open_upload_page(live, entry, video)
    page = teacher.page
    assert page.is_disabled("#upload-pause")
    page.click("#upload-start")
    teacher.wait_until_received()

    value, maximum = teacher.progress()
    assert value == maximum == video.stat().st_size
    assert "100% uploaded" in page.text_content("#upload-detail")
    assert "received and is being processed" in page.text_content("#upload-status")
    assert page.get_attribute("#upload-status", "aria-live") == "polite"
    assert page.evaluate("document.activeElement.id") == "upload-result-heading"
    assert len(teacher.patches) >= 4
    assert teacher.patches == sorted(set(teacher.patches))  # each chunk once, in order
    assert teacher.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "upload-browser.png"), full_page=True)
    assert stored_sha256(live.app, entry.id) == sha256_of(video)
    page.click("text=Back to the entry")
    page.wait_for_url(f"{live.url}/school/entries/{entry.id}")


def test_a_dropped_connection_is_retried_from_the_servers_offset(
    browser, live_server, people, entry, video
):
    live = live_server(UPLOAD_BROWSER_CHUNK_BYTES=CHUNK)
    teacher = Watched(browser, live, people["teacher_a"].email)
    teacher.open_upload_page(live, entry, video)
    page = teacher.page
    dropped = []

    def drop_the_third_patch(route):
        if route.request.method == "PATCH" and len(dropped) == 0 and len(teacher.patches) == 3:
            dropped.append(route.request.headers["upload-offset"])
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/uploads/files/*", drop_the_third_patch)
    page.click("#upload-start")
    teacher.wait_until_received()
    assert dropped == [str(2 * CHUNK)]
    assert teacher.patches.count(2 * CHUNK) == 2  # sent again after the drop, nothing else twice
    value, maximum = teacher.progress()
    assert value == maximum
    assert stored_sha256(live.app, entry.id) == sha256_of(video)


def test_a_reloaded_page_resumes_the_upload_where_it_stopped(
    browser, live_server, people, entry, video
):
    live = live_server(UPLOAD_BROWSER_CHUNK_BYTES=CHUNK)
    teacher = Watched(browser, live, people["teacher_a"].email)
    teacher.open_upload_page(live, entry, video)
    page = teacher.page

    def offline_after_two_chunks(route):
        if (
            route.request.method == "PATCH"
            and int(route.request.headers["upload-offset"]) >= 2 * CHUNK
        ):
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/uploads/files/*", offline_after_two_chunks)
    page.click("#upload-start")
    page.wait_for_function(
        "() => document.getElementById('upload-status').textContent.includes('Trying again')"
    )
    page.unroute("**/uploads/files/*")

    teacher.patches.clear()
    teacher.open_upload_page(live, entry, video)  # a reload: the same file chosen again
    assert "partly uploaded before" in page.text_content("#upload-detail")
    page.click("#upload-start")
    teacher.wait_until_received()
    assert teacher.patches[0] == 2 * CHUNK  # carried on from what the server held
    assert stored_sha256(live.app, entry.id) == sha256_of(video)
    assert page.evaluate("Object.keys(localStorage).length") == 0  # forgotten once done


def test_pause_and_resume_from_the_keyboard(browser, live_server, people, entry, video):
    live = live_server(UPLOAD_BROWSER_CHUNK_BYTES=CHUNK)
    teacher = Watched(browser, live, people["teacher_a"].email)
    teacher.open_upload_page(live, entry, video)
    page = teacher.page

    def offline_after_three_chunks(route):
        if (
            route.request.method == "PATCH"
            and int(route.request.headers["upload-offset"]) >= 3 * CHUNK
        ):
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/uploads/files/*", offline_after_three_chunks)
    page.focus("#upload-start")
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.getElementById('upload-pause').disabled")
    page.wait_for_function(
        "() => document.getElementById('upload-status').textContent.includes('Trying again')"
    )
    page.focus("#upload-pause")
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.getElementById('upload-resume').disabled")
    assert page.is_disabled("#upload-pause")
    assert "Paused" in page.text_content("#upload-status")
    value, maximum = teacher.progress()
    assert value == 3 * CHUNK and maximum == video.stat().st_size

    page.unroute("**/uploads/files/*")
    page.focus("#upload-resume")
    page.keyboard.press("Space")
    teacher.wait_until_received()
    # Only the chunk that could not get through was sent more than once.
    assert teacher.patches.count(3 * CHUNK) >= 2
    assert all(teacher.patches.count(o) == 1 for o in set(teacher.patches) if o != 3 * CHUNK)
    value, maximum = teacher.progress()
    assert value == maximum
    assert stored_sha256(live.app, entry.id) == sha256_of(video)
    assert [error for error in teacher.errors if "ERR_INTERNET_DISCONNECTED" not in error] == []
