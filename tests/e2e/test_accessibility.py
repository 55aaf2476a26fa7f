"""Every public, teacher and judge page (and the organizer's main ones) of the seeded demo passes
axe-core in Chromium with no serious or critical violation, after its main content (and its video,
played to 2 s) is shown; the main public pages fit a phone and a desktop screen with a working
menu; the skip link and focus outline work from the keyboard.

One live server over the demo and one browser serve the whole module. Chromium must be at
/usr/bin/chromium (`scripts/ensure-chromium` installs it; `make test` runs it). Without it these
tests fail: they never skip.
"""

import re
from dataclasses import dataclass

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect, sync_playwright

from contest.core.extensions import limiter
from contest.web.errors import page_title
from tests.e2e import pages
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.helpers import LiveServer, fresh_test_database, outbox_messages


@pytest.fixture(scope="module")
def live(make_app, tmp_path_factory, worker_id):
    """The demo on its own database (the per-test clean-up leaves it alone), served live."""
    from contest.core import jobs

    url = fresh_test_database(tmp_path_factory.mktemp("a11y"), worker_id, purpose="a11y")
    previous_queue_app = jobs.huey.flask_app
    app = make_app(SQLALCHEMY_DATABASE_URI=url, SERVER_NAME=None, DEMO_VIDEO_SECONDS=3)
    with app.app_context():
        upgrade()
    server = LiveServer(app)
    server.site = pages.seed_demo_site(app)
    server.start()
    limiter.reset()
    yield server
    server.stop()
    if previous_queue_app is not None:
        jobs.huey.configure(previous_queue_app)


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run scripts/ensure-chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def contexts(chromium, live):
    """A browser context per role, signed in once; None is the public."""
    made = {None: chromium.new_context(viewport=pages.DESKTOP)}
    for role, email in pages.ROLE_EMAILS.items():
        made[role] = pages.signed_in_context(chromium, live.url, email, viewport=pages.DESKTOP)
    yield made
    for context in made.values():
        context.close()


@pytest.fixture(scope="module")
def report():
    """Moderate and minor findings by page, written next to the screenshots at the end."""
    found = {}
    yield found
    pages.write_report(found)


@dataclass(frozen=True)
class Page:
    name: str
    role: str | None
    path: str  # formatted with the DemoSite's fields
    heading: str  # the level-1 heading's text, formatted likewise
    video: bool = False
    status: int = 200
    layout: bool = False  # a main public page: checked at phone and desktop widths too


PAGES = [
    Page("home", None, "/", "{contest_name}", layout=True),
    Page("vote-list", None, "/vote/", "People's Choice", layout=True),
    Page(
        "vote-entry",
        None,
        "/vote/entry/{vote_entry_id}",
        "{vote_entry_title}",
        video=True,
        layout=True,
    ),
    Page(
        "winners",
        None,
        "/contests/{past_slug}/winners",
        "Winners: {past_name}",
        video=True,
        layout=True,
    ),
    Page("video", None, "/videos/{winner_id}", "{winner_title}", video=True, layout=True),
    Page("report-video", None, "/report/{winner_id}", "Report", layout=True),
    Page("sign-in", None, "/auth/login", "Sign in", layout=True),
    Page("forgot-password", None, "/auth/forgot", "Forgot your password?", layout=True),
    Page(
        "reset-link-problem", None, "/auth/reset/not-a-token", "We can't use this link", status=400
    ),
    Page("register-school", None, "/school/register", "Register your school", layout=True),
    Page("registered", None, "/school/register/sent", "Check your email"),
    Page("resend-confirmation", None, "/auth/confirm", "Get a new confirmation link"),
    Page("not-found", None, "/no-such-page", page_title(404), status=404, layout=True),
    Page("school-home", "teacher", "/school/", "Entries of {school_name}"),
    Page("entry-new", "teacher", "/school/entries/new", "New entry for {contest_name}"),
    Page(
        "entry-show",
        "teacher",
        "/school/entries/{teacher_entry_id}",
        "{teacher_entry_title}",
        video=True,
    ),
    Page("entry-edit", "teacher", "/school/entries/{teacher_entry_id}/edit", "Edit"),
    Page("entry-upload", "teacher", "/uploads/entry/{teacher_entry_id}", "Upload the video for"),
    Page(
        "certificates",
        "teacher",
        "/school/{school_id}/certificates/{past_contest_id}",
        "Certificates for {school_name}",
    ),
    Page(
        "school-results",
        "teacher",
        "/school/{school_id}/results/{past_contest_id}",
        "Results for {school_name}",
    ),
    Page("account", "teacher", "/auth/account", "Your account"),
    Page("change-password", "teacher", "/auth/password", "Change your password"),
    Page("forbidden", "teacher", "/admin/", page_title(403), status=403),
    Page("judge-list", "judge", "/judging/", "Your judging"),
    Page(
        "score-sheet",
        "judge",
        "/judging/sheets/{assignment_id}",
        "{assignment_title}",
        video=True,
    ),
    Page("judge-calibration", "judge", "/judging/calibration/mine", "Your scores and the panel's"),
    Page("organizer-home", "organizer", "/admin/", "Organizer dashboard"),
    Page("people", "organizer", "/admin/people", "People and invitations"),
    Page("contests", "organizer", "/admin/contests/", "Contests"),
    Page("contest", "organizer", "/admin/contests/{contest_id}", "{contest_name}"),
    Page("contest-edit", "organizer", "/admin/contests/{contest_id}/edit", "Edit {contest_name}"),
    Page("review-list", "organizer", "/admin/review/", "Review entries"),
    Page(
        "review-entry",
        "organizer",
        "/admin/review/entries/{teacher_entry_id}",
        "{teacher_entry_title}",
        video=True,
    ),
    Page("extensions", "organizer", "/admin/review/extensions", "Deadline extensions"),
    Page("judging-progress", "organizer", "/judging/manage/{contest_id}/", "Judging: "),
    Page("judges", "organizer", "/judging/manage/{contest_id}/judges", "Judges: "),
    Page("conflicts", "organizer", "/judging/manage/conflicts", "Conflicts of interest"),
    Page("rubrics", "organizer", "/judging/rubrics/{contest_id}", "Rubrics for"),
    Page("calibration", "organizer", "/judging/calibration/{contest_id}", "Calibration for"),
    Page(
        "published-results",
        "organizer",
        "/admin/results/{past_contest_id}/published",
        "Published results: {past_name}",
    ),
    Page("takedown-queue", "organizer", "/admin/takedown/", "Takedown reports"),
    Page("votes", "organizer", "/vote/manage/{contest_id}", "People's Choice: {contest_name}"),
]


def _fill(template, site):
    return template.format(**vars(site))


def open_page(context, live, path, status=200):
    page = context.new_page()
    response = page.goto(live.url + path)
    assert response.status == status, f"{path} gave {response.status}"
    return page


@pytest.mark.parametrize("spec", PAGES, ids=[spec.name for spec in PAGES])
def test_page_passes_axe(spec, live, contexts, report):
    page = open_page(contexts[spec.role], live, _fill(spec.path, live.site), spec.status)
    try:
        heading = page.get_by_role("heading", level=1, name=_fill(spec.heading, live.site))
        expect(heading).to_be_visible()
        if spec.video:
            video = page.locator("main video").first
            expect(video).to_be_visible()
            expect(video.locator("track[kind=captions]")).to_have_count(1)
            assert pages.play_video(page) >= 2
        pages.check_accessible(page, spec.name, report)
    finally:
        page.close()


def test_voting_steps_pass_axe(live, contexts, report):
    """The code page, its error state and the receipt: reachable only by voting."""
    page = open_page(contexts[None], live, f"/vote/entry/{live.site.vote_entry_id}")
    try:
        page.fill("#email", "a11y.voter@example.org")
        page.press("#email", "Enter")
        expect(page.get_by_role("heading", level=1, name="Check your email")).to_be_visible()
        pages.check_accessible(page, "vote-code", report)

        code = re.search(r"Your code: (\d{6})", outbox_messages(live.app)[-1].get_content())[1]
        page.fill("#code", "111111" if code == "000000" else "000000")
        page.press("#code", "Enter")
        expect(page.locator("#code-error")).to_be_visible()
        expect(page.locator("#code")).to_have_attribute(
            "aria-describedby", re.compile("code-error")
        )
        pages.check_accessible(page, "vote-code-error", report)

        page.fill("#code", code)
        page.press("#code", "Enter")
        expect(page.get_by_role("heading", level=1, name="Thank you")).to_be_visible()
        pages.check_accessible(page, "vote-receipt", report)
    finally:
        page.close()


def test_sign_in_errors_are_tied_to_their_fields(live, contexts, report):
    page = open_page(contexts[None], live, "/auth/forgot")
    try:
        page.fill("#email", "not an address")
        page.click("main input[type=submit]")
        expect(page.get_by_role("alert")).to_be_visible()
        expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
        pages.check_accessible(page, "forgot-password-error", report)
    finally:
        page.close()


def test_axe_finds_what_it_should(live, contexts):
    """The check can fail: a field stripped of its label is critical, faint text serious."""
    page = open_page(contexts[None], live, "/auth/login")
    try:
        page.evaluate(
            """() => {
                document.querySelector('label[for=email]').remove();
                document.querySelector('main h1').style.color = '#bbbbbb';
            }"""
        )
        with pytest.raises(AssertionError) as failure:
            pages.check_accessible(page, "sign-in-broken", {})
        assert "[critical] label:" in str(failure.value)
        assert "[serious] color-contrast:" in str(failure.value)
    finally:
        page.close()


def test_skip_link_comes_first_and_focus_shows(live, contexts):
    page = open_page(contexts[None], live, "/")
    try:
        page.keyboard.press("Tab")
        skip = page.locator(".skip-link")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        assert outline_width(page) >= 2
        page.keyboard.press("Tab")  # the next control shows its focus too
        assert outline_width(page) >= 2
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")
        expect(page.locator("#main")).to_be_focused()
        page.keyboard.press("Tab")  # and the next Tab lands inside the main content
        assert page.evaluate("document.querySelector('main').contains(document.activeElement)")
    finally:
        page.close()


def outline_width(page):
    """The focused element's outline width in pixels (0 when its outline is none)."""
    return page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth);
        }"""
    )


PUBLIC_PAGES = [spec for spec in PAGES if spec.layout]
WIDTHS = [pages.PHONE, pages.DESKTOP]


@pytest.mark.parametrize("size", WIDTHS, ids=lambda size: str(size["width"]))
@pytest.mark.parametrize("spec", PUBLIC_PAGES, ids=[spec.name for spec in PUBLIC_PAGES])
def test_public_page_fits_and_its_menu_works(spec, size, live, chromium):
    page = chromium.new_page(viewport=size)
    try:
        response = page.goto(live.url + _fill(spec.path, live.site))
        assert response.status == spec.status
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert pages.fits_width(page), f"{spec.name} scrolls sideways at {size['width']} px"
        toggle = page.get_by_role("button", name="Menu")
        nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Vote")
        if size is pages.PHONE:
            expect(nav_link).to_be_hidden()
            tab_to(page, toggle)
            expect(toggle).to_have_attribute("aria-expanded", "false")
            page.keyboard.press("Enter")
            expect(toggle).to_have_attribute("aria-expanded", "true")
            expect(nav_link).to_be_visible()
            assert pages.fits_width(page)
            page.keyboard.press("Tab")  # into the open menu; Escape closes it
            page.keyboard.press("Escape")
            expect(toggle).to_be_focused()
            expect(nav_link).to_be_hidden()
            page.keyboard.press("Enter")  # opened again for the screenshot
        else:
            expect(toggle).to_be_hidden()
            expect(nav_link).to_be_visible()
        assert pages.screenshot(page, spec.name, size["width"]).stat().st_size > 0
    finally:
        page.close()


def tab_to(page, locator, presses=10):
    """Press Tab until `locator` has the focus."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError("Tab never reached the element")
