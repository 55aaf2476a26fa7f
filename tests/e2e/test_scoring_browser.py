"""A judge scores in a real browser (Chromium via Playwright) against a live server: a score
typed online survives a reload; a score typed offline is kept on the device and reaches the server
once the browser is back online; playing the video records watch evidence.

Chromium must be at /usr/bin/chromium (`scripts/ensure-chromium` installs it; `make test` runs
it). Without it these tests fail: they never skip.
"""

import json
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from contest.core.extensions import db
from contest.core.models.entries import Entry
from contest.core.models.judging import ScoreSheet
from contest.judging import sheets
from devtools.clips import make_clip
from tests import factories


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("scoring-videos") / "psa.mp4"
    make_clip(path, seconds=6, width=320, height=180)
    return path


@pytest.fixture
def live(live_server):
    return live_server()


@pytest.fixture
def assignment(live, people, clip):
    """The matrix judge's assignment to a ready entry with a real video (stored where the live
    server reads its files); its id."""
    contest = factories.make_contest(live.app)
    entry = factories.make_entry(
        live.app, contest.categories[0], people["school_a"], title="Stop, Think, Click",
        status="ready",
    )  # fmt: skip
    with live.app.app_context():
        video = factories.store_asset(clip.read_bytes(), "video/mp4")
        row = db.session.get(Entry, entry.id)
        row.video_asset_id, row.duration_seconds = video.id, 6.0
        assignment = factories.assignment_row(db.session, people["judge"].id, entry.id)
        db.session.add(assignment)
        db.session.commit()
        return assignment.id


class Judge:
    """A signed-in judge's browser context and page, recording console errors (CSP violations
    show up there)."""

    def __init__(self, browser, live, email):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.errors = []
        self.page.on(
            "console", lambda message: message.type == "error" and self.errors.append(message.text)
        )
        self.page.goto(f"{live.url}/auth/login")
        self.page.fill("#email", email)
        self.page.fill("#password", factories.PASSWORD)
        self.page.click("input[type=submit]")
        self.page.wait_for_url(f"{live.url}/judging/")

    def open(self, live, assignment_id):
        self.page.goto(f"{live.url}/judging/sheets/{assignment_id}")
        self.sheet_id = int(self.page.get_attribute("#score-form", "data-sheet-id"))
        ids = self.page.eval_on_selector_all(
            "fieldset[data-criterion-id]", "sets => sets.map(s => Number(s.dataset.criterionId))"
        )
        self.criteria = ids

    def choose(self, criterion_id, points):
        self.page.check(f'input[name="criterion-{criterion_id}"][value="{points}"]')

    def chosen(self, criterion_id):
        return self.page.eval_on_selector(
            f'input[name="criterion-{criterion_id}"]:checked', "radio => Number(radio.value)"
        )

    def status(self):
        return expect(self.page.locator("#save-status"))

    def kept_draft(self):
        raw = self.page.evaluate(
            "key => window.localStorage.getItem(key)", f"psa-score-sheet|{self.sheet_id}"
        )
        return json.loads(raw) if raw else None


def server_points(app, sheet_id):
    with app.app_context():
        sheet = db.session.get(ScoreSheet, sheet_id)
        return sheets.points_of(sheet)


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_score_typed_online_survives_a_reload(app, browser, live, people, assignment):
    judge = Judge(browser, live, people["judge"].email)
    judge.open(live, assignment)
    first, second = judge.criteria[:2]
    judge.choose(first, 4)
    judge.page.keyboard.press("ArrowRight")  # arrow keys move within the radio group: now 5
    judge.choose(second, 2)
    judge.page.fill("#feedback", "Loved the ending.")
    judge.status().to_have_text("Saved", timeout=10_000)
    assert wait_for(lambda: server_points(app, judge.sheet_id) == {first: 5, second: 2})
    assert judge.kept_draft() is None

    judge.page.reload()
    assert judge.chosen(first) == 5
    assert judge.chosen(second) == 2
    assert judge.page.input_value("#feedback") == "Loved the ending."
    with app.app_context():
        assert db.session.get(ScoreSheet, judge.sheet_id).feedback == "Loved the ending."
    assert judge.errors == []


def test_a_score_typed_offline_is_kept_and_sent_when_back_online(
    app, browser, live, people, assignment
):
    judge = Judge(browser, live, people["judge"].email)
    judge.open(live, assignment)
    first = judge.criteria[0]

    judge.context.set_offline(True)
    judge.choose(first, 3)
    judge.status().to_contain_text("Offline: kept on this device", timeout=10_000)
    kept = judge.kept_draft()
    assert kept["points"][str(first)] == 3
    time.sleep(1.0)  # past the autosave's pause: nothing can have reached the server
    assert server_points(app, judge.sheet_id) == {}

    judge.context.set_offline(False)
    judge.status().to_have_text("Saved", timeout=10_000)
    assert wait_for(lambda: server_points(app, judge.sheet_id) == {first: 3})
    assert judge.kept_draft() is None

    judge.page.reload()
    assert judge.chosen(first) == 3
    assert server_points(app, judge.sheet_id) == {first: 3}
    assert [e for e in judge.errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


def test_a_draft_kept_on_the_device_is_sent_on_the_next_load(
    app, browser, live, people, assignment
):
    judge = Judge(browser, live, people["judge"].email)
    judge.open(live, assignment)
    first = judge.criteria[0]
    # What an earlier visit left when it could not reach the server (the tab closed offline).
    judge.page.evaluate(
        """([key, criterion]) => window.localStorage.setItem(key, JSON.stringify({
            points: {[criterion]: 2}, comment: "Kept offline", feedback: "",
            editedAt: Date.now() + 1000}))""",
        [f"psa-score-sheet|{judge.sheet_id}", str(first)],
    )
    assert server_points(app, judge.sheet_id) == {}
    judge.page.reload()
    assert judge.chosen(first) == 2  # merged into the form from the device
    assert judge.page.input_value("#comment") == "Kept offline"
    judge.status().to_have_text("Saved", timeout=10_000)
    assert wait_for(lambda: server_points(app, judge.sheet_id) == {first: 2})
    assert judge.kept_draft() is None


def test_playing_the_video_records_watch_evidence(app, browser, live, people, assignment):
    judge = Judge(browser, live, people["judge"].email)
    judge.open(live, assignment)
    judge.page.evaluate(
        "() => { const v = document.getElementById('entry-video');"
        " v.muted = true; return v.play(); }"
    )
    judge.page.wait_for_function(
        "() => document.getElementById('entry-video').currentTime > 1.5", timeout=15_000
    )
    judge.page.evaluate("() => document.getElementById('entry-video').pause()")

    def watched():
        with app.app_context():
            return db.session.scalar(
                select(ScoreSheet.watched_seconds).where(ScoreSheet.id == judge.sheet_id)
            )

    assert wait_for(lambda: watched() > 1.0)
    with app.app_context():
        sheet = db.session.get(ScoreSheet, judge.sheet_id)
        assert 0 < sheet.watched_fraction < 1
        assert sheet.watched_ranges[0][0] == 0
    expect(judge.page.locator("#watch-status")).not_to_contain_text("so far: 0%")
    assert judge.errors == []
