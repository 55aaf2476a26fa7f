"""A voter on a phone-width screen votes with the keyboard alone (Chromium via Playwright).

Chromium must be at /usr/bin/chromium (`scripts/ensure-chromium` installs it; `make test` runs
it). Without it these tests fail: they never skip.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from contest.core.extensions import db, limiter
from contest.core.models.voting import Vote
from tests import factories
from tests.helpers import outbox_messages

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def live(live_server):
    started = live_server()
    limiter.reset()
    return started


def tab_to(page, selector, presses=80):
    """Press Tab until the element matching `selector` has the focus."""
    target = page.locator(selector)
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_phone_voter_votes_with_the_keyboard(live, browser):
    _, entries = factories.make_voting_contest(live.app, entries_per_category=2)
    chosen = entries[3]
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live.url}/vote/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    assert fits_the_screen(page)

    tab_to(page, f'a[href="/vote/entry/{chosen.id}"]')
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=chosen.title)).to_be_visible()
    assert fits_the_screen(page)
    tab_to(page, "#email")
    expect(page.get_by_label("Your email address")).to_be_focused()
    page.keyboard.type("phone.voter@example.org")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    code = re.search(r"Your code: (\d{6})", outbox_messages(live.app)[-1].get_content()).group(1)
    tab_to(page, "#code")
    page.keyboard.type("000000" if code != "000000" else "111111")
    page.keyboard.press("Enter")
    expect(page.locator("#code-error")).to_contain_text("That code is not right")
    tab_to(page, "#code")
    page.keyboard.press("Control+A")
    page.keyboard.type(code)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Thank you: your vote is counted")).to_be_visible()
    assert fits_the_screen(page)
    with live.app.app_context():
        vote = db.session.scalar(select(Vote))
        assert vote.entry_id == chosen.id
        expect(page.locator(".receipt")).to_have_text(vote.receipt)
