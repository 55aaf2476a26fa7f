"""One whole contest, start to finish, in a real browser (Chromium via Playwright) against a live
server that mails through a real local SMTP server.

The organizer creates the contest and invites three judges, who accept their emailed links; a
teacher registers a school and enters two videos (resumable upload, consent form, captions); the
organizer approves the consent forms and assigns the judges; each judge plays every assigned video
to the end (the contest requires it) and submits scores; a voter votes with an emailed code; the
organizer reviews the ranking and publishes it; a visitor plays a winner on the public page.

Done outside the browser, as nobody could do it there:
- the organizer's account is made the way `flask create-admin` makes it;
- time passes by moving the contest's phase times in the database (`time_passes`);
- the test waits on the database for the video processing to finish;
- on S3 storage (the scale run) the bucket gets the CORS rule docs/deploy.md has operators add.

The teacher is not invited: an invitation for a teacher names an existing school, and a new
teacher registers their school (and their account) themselves at /school/register, confirms the
address through the mailed link, and the organizer approves the school.

Chromium must be at /usr/bin/chromium (`scripts/ensure-chromium` installs it; `make test` runs
it). Without it this test fails: it never skips.
"""

import io
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from contest.core.extensions import db, limiter
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.core.models.judging import Assignment, ScoreSheet
from contest.core.models.results import Result
from contest.core.models.voting import Vote
from contest.core.storage import get_storage
from contest.judging.sheets import FULL_PLAY_FRACTION
from contest.web.caching import invalidate_contest
from devtools.clips import make_clip
from tests import factories
from tests.helpers import link_path

CONTEST_NAME = "Whole Contest 2026"
ORGANIZER = "organizer@district.example.org"
JUDGES = ("judge.ada@example.org", "judge.ben@example.org", "judge.cy@example.org")
TEACHER = "teacher@lincoln.example.org"
VOTER = "voter@example.org"
PASSWORD = "a long enough password"
CLIP_SECONDS = 4
TIMEOUT_MS = 10_000  # any one thing the browser waits for
PROCESSING_SECONDS = 60
PLAYBACK_RATE = 2  # the judges play each video to its end, twice as fast
CAPTIONS = "WEBVTT\n\n00:00:00.000 --> 00:00:03.500\nThink before you post.\n"


@dataclass
class Submission:
    """An entry as the test makes it: its title, category, and the points each judge gives."""

    title: str
    category: str
    points: int  # on every criterion of the 1-5 default rubric (a judge may give one less)
    id: int = 0


@dataclass
class Run:
    """What the steps share: the live server, the mail, the browser and the contest's rows."""

    live: object
    smtp: object
    browser: object
    contest_id: int = 0
    slug: str = ""
    entries: list[Submission] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    @property
    def app(self):
        return self.live.app

    def url(self, path):
        return f"{self.live.url}{path}"

    def new_page(self):
        """A page in a fresh browser context (its own cookies), recording console errors: a CSP
        violation or a failed script shows up there."""
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()

        def note(message):
            if message.type == "error":
                self.console_errors.append(f"{page.url}: {message.text}")

        page.on("console", note)
        return page

    def signed_in(self, email, password=PASSWORD):
        """A fresh page signed in through the sign-in form."""
        page = self.new_page()
        page.goto(self.url("/auth/login"))
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("main input[type=submit]")
        page.wait_for_url(lambda url: "/auth/login" not in url)
        expect_flash(page, "You are signed in.")
        return page

    def mail_to(self, address):
        """The newest message the SMTP server received for `address`."""
        for recipients, message in reversed(self.smtp.messages):
            if address in recipients:
                return message
        raise AssertionError(f"no mail reached {address}; mail went to {self.recipients()}")

    def recipients(self):
        return [recipients for recipients, _ in self.smtp.messages]


def time_passes(app, contest_id, **phases):
    """Move the contest's phase times (aware UTC datetimes) as if the calendar had moved on: real
    days cannot pass in a test. The CHECK constraints still hold every phase in order, and the
    public pages' cached copies are dropped, as the contest edit form does after saving."""
    with app.app_context():
        contest = db.session.get(Contest, contest_id)
        for phase, moment in phases.items():
            assert hasattr(contest, phase), f"contests have no {phase}"
            setattr(contest, phase, moment)
        db.session.commit()
        invalidate_contest(contest_id)


def allow_browser_uploads(app, origin):
    """On S3 storage (the scale run), give the bucket the CORS rule docs/deploy.md (3.3) has the
    operator add, so the browser may PUT parts to it and read their ETags."""
    with app.app_context():
        storage = get_storage()
        if not storage.direct:
            return
        rule = {
            "AllowedOrigins": [origin],
            "AllowedMethods": ["PUT", "GET", "HEAD"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 3600,
        }
        storage.client.put_bucket_cors(
            Bucket=storage.bucket, CORSConfiguration={"CORSRules": [rule]}
        )


def now():
    return datetime.now(UTC).replace(second=0, microsecond=0)


def local_input(moment):
    """A moment as a datetime-local field takes it (the contest's time zone is UTC)."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def expect_flash(page, text):
    expect(page.locator(".flashes")).to_contain_text(text)


def heading(page, name, level=1):
    return page.get_by_role("heading", name=name, level=level, exact=True)


def wait_until(condition, seconds, failure):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    assert condition(), failure()


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Two small real videos, one per entry, that look and sound different."""
    folder = tmp_path_factory.mktemp("whole-contest")
    return [
        make_clip(
            folder / f"psa-{number}.mp4", seconds=CLIP_SECONDS, width=320, height=180, fps=12,
            pattern=pattern, tone_hz=tone,
        )
        for number, (pattern, tone) in enumerate((("testsrc2", 440), ("smptebars", 660)))
    ]  # fmt: skip


@pytest.fixture(scope="module")
def consent_pdf(tmp_path_factory):
    """A small real PDF (one page), as a scanned, signed consent form would be."""
    path = tmp_path_factory.mktemp("consent") / "signed-consent.pdf"
    data = io.BytesIO()
    Image.new("RGB", (200, 260), (255, 255, 255)).save(data, "PDF")
    path.write_bytes(data.getvalue())
    assert path.read_bytes().startswith(b"%PDF")
    return path


@pytest.fixture(scope="module")
def captions(tmp_path_factory):
    path = tmp_path_factory.mktemp("captions") / "captions.vtt"
    path.write_text(CAPTIONS)
    return path


# --- the steps ------------------------------------------------------------------------------------


def create_the_contest(run, organizer):
    page = organizer
    expect(heading(page, "Organizer dashboard")).to_be_visible()
    page.get_by_role("link", name="New contest").click()
    expect(heading(page, "New contest")).to_be_visible()
    page.fill("#name", CONTEST_NAME)
    page.select_option("#timezone", "UTC")
    page.fill("#description", "Make a PSA about staying safe online.")
    page.fill("#submissions_open_at", local_input(now() - timedelta(hours=1)))
    page.fill("#submissions_close_at", local_input(now() + timedelta(days=1)))
    page.fill("#judges_per_entry", "3")
    page.check("#require_full_play")
    page.get_by_role("button", name="Save contest").click()
    page.wait_for_url(re.compile(r"/admin/contests/\d+$"))
    expect_flash(page, f"Contest '{CONTEST_NAME}' created.")
    expect(heading(page, CONTEST_NAME)).to_be_visible()
    expect(page.locator("main")).to_contain_text("judges must watch the whole video")
    for category in ("Cyberbullying", "Privacy, Plagiarism & Copyright", "Online Predators"):
        expect(page.get_by_role("listitem").filter(has_text=category)).to_have_count(1)
    run.contest_id = int(page.url.rsplit("/", 1)[1])
    with run.app.app_context():
        contest = db.session.get(Contest, run.contest_id)
        run.slug = contest.slug
        assert contest.timezone == "UTC" and contest.final_round.judges_per_entry == 3


def invite_the_judges(run, organizer):
    page = organizer
    for email in JUDGES:
        page.goto(run.url("/admin/people"))
        expect(heading(page, "People and invitations")).to_be_visible()
        page.fill("#email", email)
        page.select_option("#role", "judge")
        page.select_option("#school", label="(not a teacher)")
        page.get_by_role("button", name="Send invitation").click()
        expect_flash(page, f"Invitation on its way to {email}.")
    waiting = page.get_by_role("table", name="Invitations not yet accepted")
    for email in JUDGES:
        expect(waiting.get_by_role("row").filter(has_text=email)).to_contain_text("judge")

    for number, email in enumerate(JUDGES):
        message = run.mail_to(email)
        assert message["Subject"] == "You are invited to PSA Contest"
        judge = run.new_page()
        judge.goto(run.url(link_path(message.get_content(), "/auth/invitation/")))
        expect(heading(judge, "You are invited as a judge")).to_be_visible()
        judge.fill("#name", f"Judge {number + 1}")
        judge.fill("#password", PASSWORD)
        judge.fill("#confirm", PASSWORD)
        judge.get_by_role("button", name="Accept invitation").click()
        judge.wait_for_url(run.url("/judging/"))
        expect_flash(judge, "Welcome! You now have the judge role.")
        expect(heading(judge, "Your judging")).to_be_visible()
        expect(judge.locator("main")).to_contain_text("No entries are assigned to you yet.")
        judge.context.close()

    page.goto(run.url("/admin/people"))
    expect(page.locator("main")).to_contain_text("None.")  # no invitation waits any more
    accounts = page.get_by_role("table", name="Everyone with an account")
    for email in JUDGES:
        expect(accounts.get_by_role("row").filter(has_text=email)).to_contain_text("judge")


def register_the_school(run, organizer):
    """The teacher registers, confirms the address through the mailed link (with the password),
    and waits until the organizer approves the school."""
    page = run.new_page()
    page.goto(run.url("/school/register"))
    expect(heading(page, "Register your school")).to_be_visible()
    page.fill("#school_name", "Lincoln Middle School")
    page.fill("#district", "Riverside")
    page.fill("#name", "Terry Teacher")
    page.fill("#email", TEACHER)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.get_by_role("button", name="Register school").click()
    page.wait_for_url(run.url("/school/register/sent"))
    expect(heading(page, "Check your email")).to_be_visible()

    page.goto(run.url(link_path(run.mail_to(TEACHER).get_content(), "/auth/confirm/")))
    expect(heading(page, "Confirm your email address")).to_be_visible()
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Confirm my address").click()
    page.wait_for_url(run.url("/school/"))
    expect_flash(page, "Your email address is confirmed and you are signed in.")
    waiting = heading(page, "Lincoln Middle School is waiting for approval", level=2)
    expect(waiting).to_be_visible()
    expect(page.get_by_role("link", name="New entry")).to_have_count(0)

    organizer.goto(run.url("/admin/"))
    pending = organizer.get_by_role("table", name="Schools waiting for approval")
    expect(pending).to_contain_text(TEACHER)
    pending.get_by_role("button", name="Approve Lincoln Middle School").click()
    organizer.wait_for_url(run.url("/admin/"))
    expect_flash(organizer, "Lincoln Middle School is approved; its teachers are told.")
    approved = run.mail_to(TEACHER)["Subject"]
    assert approved == "Lincoln Middle School is approved for the PSA Contest"

    page.reload()
    expect(heading(page, "Entries of Lincoln Middle School")).to_be_visible()
    expect(waiting).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Your school has no entries yet.")
    return page


def enter(run, teacher, entry, clip, consent_pdf, captions):
    """The teacher creates `entry`, uploads its video, consent form and captions."""
    page = teacher
    page.goto(run.url("/school/"))
    page.get_by_role("link", name="New entry").click()
    expect(heading(page, f"New entry for {CONTEST_NAME}")).to_be_visible()
    page.select_option("#category", label=entry.category)
    page.fill("#title", entry.title)
    page.fill("#description", f"A PSA about {entry.category.lower()}.")
    page.fill("#credit_line", "Maya, Leo and Sam")
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_url(re.compile(r"/school/entries/\d+$"))
    expect_flash(page, "Entry saved. Now add the consent form and the video.")
    expect(heading(page, entry.title)).to_be_visible()
    entry.id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("dl.facts .status")).to_have_text("draft")

    page.get_by_role("link", name="Upload the video").click()
    page.wait_for_url(run.url(f"/uploads/entry/{entry.id}"))
    expect(heading(page, f"Upload the video for “{entry.title}”")).to_be_visible()
    page.set_input_files("#video-file", str(clip))
    expect(page.locator("#upload-start")).to_be_enabled()
    page.click("#upload-start")
    # Generous: in the tests the upload's last request also runs the processing job.
    page.wait_for_function(
        "() => !document.getElementById('upload-result').hidden"
        " || document.getElementById('upload-error').textContent.trim()",
        timeout=PROCESSING_SECONDS * 1000,
    )
    expect(page.locator("#upload-error")).to_have_text("")
    expect(page.locator("#upload-result")).to_be_visible()
    expect(page.locator("#upload-status")).to_contain_text("received and is being processed")
    page.get_by_role("link", name="Back to the entry").click()
    page.wait_for_url(run.url(f"/school/entries/{entry.id}"))

    page.set_input_files("#consent-consent", str(consent_pdf))
    page.get_by_role("button", name="Upload consent form").click()
    expect_flash(page, "Consent form received. The organizers will check it.")
    expect(page.locator("section[aria-labelledby=consent-heading] .status")).to_have_text("pending")
    page.set_input_files("#captions-captions", str(captions))
    page.get_by_role("button", name="Upload captions").click()
    expect_flash(page, "Captions saved.")
    expect(page.locator("main")).to_contain_text("Captions are attached.")


def entry_statuses(app, entries):
    with app.app_context():
        rows = db.session.execute(
            select(Entry.title, Entry.status, Entry.status_reason).where(
                Entry.id.in_([entry.id for entry in entries])
            )
        ).all()
        return {title: (status, reason) for title, status, reason in rows}


def processing_completes(run, teacher):
    wait_until(
        lambda: {s for s, _ in entry_statuses(run.app, run.entries).values()} == {"ready"},
        PROCESSING_SECONDS,
        lambda: (
            f"entries not ready in {PROCESSING_SECONDS} s: {entry_statuses(run.app, run.entries)}"
        ),
    )
    teacher.goto(run.url("/school/"))
    table = teacher.get_by_role("table", name="Your school's entries")
    for entry in run.entries:
        row = table.get_by_role("row").filter(has_text=entry.title)
        expect(row.locator(".status").first).to_have_text("ready")
        expect(row.locator(".status").last).to_have_text("pending")
    expect(teacher.locator(".notices")).to_contain_text("ready")
    teacher.get_by_role("link", name=run.entries[0].title).click()
    video = teacher.locator("video.player")
    expect(video).to_have_count(1)
    expect(video.locator("track[kind=captions]")).to_have_count(1)


def approve_the_consent_forms(run, organizer):
    page = organizer
    for entry in run.entries:
        page.goto(run.url("/admin/review/"))
        expect(heading(page, "Review entries")).to_be_visible()
        page.get_by_role("link", name=entry.title, exact=True).click()
        page.wait_for_url(run.url(f"/admin/review/entries/{entry.id}"))
        expect(heading(page, entry.title)).to_be_visible()
        expect(page.get_by_role("link", name="open the form")).to_be_visible()
        page.get_by_role("button", name="Approve consent form").click()
        page.wait_for_url(run.url("/admin/review/"))
        expect_flash(page, "Consent approved; the school is told.")
    expect(page.locator("main")).to_contain_text("Nothing waits for a check.")
    expect(page.locator(".stats")).to_contain_text("2 ready")


def the_deadline_has_passed(run, teacher):
    teacher.goto(run.url(f"/school/entries/{run.entries[0].id}"))
    expect(teacher.locator("main")).to_contain_text(
        f"The deadline for {CONTEST_NAME} has passed, so entries can no longer be changed."
    )
    expect(teacher.get_by_role("link", name="Replace the video")).to_have_count(0)


def assign_the_judges(run, organizer):
    page = organizer
    page.goto(run.url(f"/judging/manage/{run.contest_id}/"))
    page.get_by_role("link", name="Assign judges").click()
    page.wait_for_url(run.url(f"/judging/manage/{run.contest_id}/assign"))
    expect(heading(page, f"Assign judges: {CONTEST_NAME}")).to_be_visible()
    page.fill("#seed", "0")
    page.get_by_role("button", name="Assign judges").click()
    report = page.get_by_role("status").filter(has_text="Assignment report")
    expect(report).to_contain_text("Every entry has its judges.")
    with run.app.app_context():
        pairs = db.session.execute(select(Assignment.judge_id, Assignment.entry_id)).all()
    assert len(pairs) == 3 * len(run.entries), pairs


def judge_everything(run, email, number):
    """The judge plays each assigned video to the end, scores it and submits."""
    page = run.signed_in(email)
    page.wait_for_url(run.url("/judging/"))
    expect(page.locator(".judging-progress")).to_have_text("0 of 2 done")
    for done, entry in enumerate(run.entries, start=1):
        page.get_by_role("link", name=entry.title, exact=True).click()
        expect(heading(page, entry.title)).to_be_visible()
        watch = page.locator("#watch-status")
        expect(watch).to_contain_text("asks you to watch the whole video")
        page.locator("#entry-video").evaluate(
            "(video, rate) => { video.muted = true; video.playbackRate = rate;"
            " return video.play(); }",
            PLAYBACK_RATE,
        )
        page.wait_for_function(
            "() => document.getElementById('entry-video').ended",
            timeout=(CLIP_SECONDS / PLAYBACK_RATE + 10) * 1000,
        )
        # The server's answer to the player's report at the end: at least FULL_PLAY_FRACTION.
        expect(watch).to_contain_text(re.compile(r"Watched so far: (9[7-9]|100)%"))

        criteria = page.eval_on_selector_all(
            "fieldset[data-criterion-id]", "sets => sets.map(s => s.dataset.criterionId)"
        )
        assert len(criteria) == 5, criteria  # the default rubric
        for index, criterion in enumerate(criteria):
            # Judges differ a little on one criterion each; the entries differ a lot.
            points = entry.points - (1 if index == number else 0)
            page.check(f'input[name="criterion-{criterion}"][value="{points}"]')
        page.fill("#feedback", f"Judge {number + 1}: a clear message, well told.")
        expect(page.locator("#save-status")).to_have_text("Saved")
        page.get_by_role("button", name="Submit scores").click()
        page.wait_for_url(run.url("/judging/"))
        expect_flash(page, f"Your scores for “{entry.title}” are submitted.")
        expect(page.locator(".judging-progress")).to_have_text(f"{done} of 2 done")
    page.context.close()


def vote(run, entry):
    page = run.new_page()
    page.goto(run.url("/vote/"))
    expect(heading(page, "People's Choice")).to_be_visible()
    for each in run.entries:
        expect(page.get_by_role("heading", name=each.title, level=3)).to_be_visible()
    page.click(f'a[href="/vote/entry/{entry.id}"]')
    expect(heading(page, entry.title)).to_be_visible()
    page.get_by_label("Your email address").fill(VOTER)
    page.get_by_role("button", name="Send me a code").click()
    expect(heading(page, "Check your email")).to_be_visible()
    message = run.mail_to(VOTER)
    code = re.search(r"Your code: (\d{6})", message.get_content())
    assert code, message.get_content()
    assert message["Subject"] == f"Your People's Choice code: {code.group(1)}"
    page.fill("#code", code.group(1))
    page.get_by_role("button", name="Confirm my vote").click()
    expect(heading(page, "Thank you: your vote is counted")).to_be_visible()
    receipt = page.locator(".receipt").text_content()
    with run.app.app_context():
        assert db.session.scalar(select(Vote.receipt).where(Vote.entry_id == entry.id)) == receipt
    page.context.close()


def review_and_publish(run, organizer):
    page = organizer
    page.goto(run.url(f"/admin/results/{run.contest_id}"))
    expect(heading(page, f"Results: {CONTEST_NAME}")).to_be_visible()
    for entry in run.entries:
        ranking = page.get_by_role("table", name=f"Ranking in {entry.category}, by ")
        row = ranking.get_by_role("row").filter(has_text=entry.title)
        expect(row).to_have_count(1)
        expect(row.locator("td").first).to_have_text("1")
        expect(row.locator("td").nth(2)).to_have_text("3")  # sheets
    page.get_by_role("link", name="Confirm the winners and publish").click()
    expect(heading(page, f"Publish results: {CONTEST_NAME}")).to_be_visible()
    for entry in run.entries:
        first_place = page.get_by_role("group", name=entry.category).get_by_label("1st place")
        expect(first_place.locator("option:checked")).to_contain_text(entry.title)
    people = page.get_by_label("People's Choice", exact=True)
    expect(people.locator("option:checked")).to_contain_text(f"{run.entries[0].title} ")
    expect(page.locator("main")).to_contain_text("Every winning video chosen above has captions.")
    page.get_by_role("button", name="Review what will be published").click()

    expect(heading(page, f"Confirm publication: {CONTEST_NAME}")).to_be_visible()
    awards = page.get_by_role("table", name="The awards to publish")
    for entry in run.entries:
        expect(awards.get_by_role("row").filter(has_text=entry.title).first).to_be_visible()
    expect(awards.get_by_role("row").filter(has_text="People's Choice")).to_contain_text(
        run.entries[0].title
    )
    page.get_by_role("button", name="Publish these results").click()

    page.wait_for_url(run.url(f"/admin/results/{run.contest_id}/published"))
    expect(heading(page, f"Published results: {CONTEST_NAME}")).to_be_visible()
    flash = page.locator(".flash-success")
    expect(flash).to_contain_text(re.compile(r"Results published\. Their SHA-256 is [0-9a-f]{64}"))
    digest = re.search(r"[0-9a-f]{64}", flash.text_content()).group(0)
    expect(page.locator("main p code").first).to_have_text(digest)
    table = page.get_by_role("table", name="Awards")
    expect(table.get_by_role("row")).to_have_count(1 + 3)  # two first places, People's Choice
    return digest


def watch_a_winner(run, digest):
    page = run.new_page()
    page.goto(run.url("/vote/"))
    expect(page.get_by_role("status")).to_have_text("Voting has closed. The results are published.")
    page.goto(run.url(f"/contests/{run.slug}/winners"))
    expect(heading(page, f"Winners: {CONTEST_NAME}")).to_be_visible()
    for entry in run.entries:
        expect(page.get_by_role("heading", name=entry.category, level=2)).to_be_visible()
        expect(page.get_by_role("link", name=entry.title, exact=True).first).to_be_visible()
    expect(page.get_by_role("heading", name="People's Choice", level=2)).to_be_visible()
    expect(page.locator("code.digest").first).to_have_text(digest)

    winner = page.locator("article.winner").filter(has_text=run.entries[0].title).first
    video = winner.locator("video.player")
    expect(video.locator("track[kind=captions]")).to_have_count(1)
    # play() settles once playback starts or fails; the race keeps a stalled load from hanging.
    started = video.evaluate(
        "video => { video.muted = true; return Promise.race([video.play().then(() => 'playing'),"
        " new Promise(done => setTimeout(() => done('stalled'), 10000))]); }"
    )
    assert started == "playing"
    video.evaluate(
        "video => new Promise((done, fail) => {"
        " const check = () => video.currentTime >= 2 ? done() : setTimeout(check, 100);"
        " setTimeout(() => fail(new Error('stuck at ' + video.currentTime)), 10000); check(); })"
    )
    assert video.evaluate("video => video.currentTime") >= 2
    assert video.evaluate("video => video.textTracks[0].kind") == "captions"
    expect_cues = "video => video.textTracks[0].cues && video.textTracks[0].cues.length"
    wait_until(
        lambda: video.evaluate(expect_cues) == 1,
        5,
        lambda: f"the captions' cue never loaded; console: {run.console_errors}",
    )
    page.context.close()


def the_database_agrees(run):
    with run.app.app_context():
        for entry in run.entries:
            sheets = db.session.execute(
                select(ScoreSheet.status, ScoreSheet.watched_fraction)
                .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
                .where(Assignment.entry_id == entry.id)
            ).all()
            assert [status for status, _ in sheets] == ["submitted"] * 3, sheets
            assert all(watched >= FULL_PLAY_FRACTION for _, watched in sheets), sheets
        assert db.session.scalar(select(func.count(Vote.id))) == 1
        results = db.session.execute(select(Result.award, Result.place, Result.entry_id)).all()
        first, second = run.entries
        assert sorted(results, key=str) == sorted(
            [("peoples_choice", None, first.id), ("place", 1, first.id), ("place", 1, second.id)],
            key=str,
        )
        contest = db.session.get(Contest, run.contest_id)
        assert contest.published_at is not None


# --- the contest --------------------------------------------------------------------------------


def test_a_whole_contest_in_the_browser(
    browser, live_server, smtp_server, clips, consent_pdf, captions
):
    live = live_server(MAIL_URL=smtp_server.url)
    allow_browser_uploads(live.app, live.url)
    limiter.reset()
    run = Run(live, smtp_server, browser)
    factories.make_user(live.app, roles=["admin"], email=ORGANIZER, name="Olive Organizer")

    # 1. The organizer signs in and creates the contest.
    organizer = run.signed_in(ORGANIZER, factories.PASSWORD)
    expect(organizer).to_have_url(run.url("/admin/"))
    create_the_contest(run, organizer)

    # 2. Three judges are invited and accept.
    invite_the_judges(run, organizer)

    # 3. A teacher registers the school and enters two videos.
    teacher = register_the_school(run, organizer)
    run.entries = [
        Submission("Think Before You Post", "Cyberbullying", points=5),
        Submission("Your Password Is Yours", "Privacy, Plagiarism & Copyright", points=2),
    ]
    for entry, clip in zip(run.entries, clips, strict=True):
        enter(run, teacher, entry, clip, consent_pdf, captions)

    # 4. Processing completes.
    processing_completes(run, teacher)

    # 5. The organizer approves both consent forms.
    approve_the_consent_forms(run, organizer)

    # 6. Submissions close; the organizer assigns the judges.
    time_passes(
        live.app,
        run.contest_id,
        submissions_close_at=now() - timedelta(minutes=1),
        judging_close_at=now() + timedelta(days=1),
    )
    the_deadline_has_passed(run, teacher)
    assign_the_judges(run, organizer)

    # 7. Each judge watches and scores both entries.
    for number, email in enumerate(JUDGES):
        judge_everything(run, email, number)

    # 8. Judging is over and voting opens; a voter votes.
    time_passes(
        live.app,
        run.contest_id,
        judging_close_at=now() - timedelta(seconds=30),
        voting_open_at=now() - timedelta(seconds=30),
        voting_close_at=now() + timedelta(days=1),
    )
    vote(run, run.entries[0])

    # 9. Voting closes; the organizer reviews the results and publishes them.
    time_passes(live.app, run.contest_id, voting_close_at=datetime.now(UTC))
    digest = review_and_publish(run, organizer)

    # 10. A visitor watches a winner.
    watch_a_winner(run, digest)

    the_database_agrees(run)
    assert run.console_errors == []
