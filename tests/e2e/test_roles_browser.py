"""Roles in Chromium (issue 15): an observer opens the contest's results before publication,
sees no judge's name and no form, and every form of the contest answers 403 when sent anyway;
a district coordinator approves a school that registered with the district's email domain.

Chromium must be at /usr/bin/chromium (`scripts/ensure-chromium` installs it; `make test` runs
it). Without it these tests fail: they never skip.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from contest.core import districts
from contest.core.extensions import db
from contest.core.models.entries import School
from contest.core.models.judging import Assignment
from tests import factories
from tests.helpers import app_routes, outbox_messages, route_url
from tests.results import conftest as results_fixtures

small_contest = results_fixtures.small_contest
# Where the organizer's forms live; every POST route under these is the contest's or the site's.
ORGANIZER_PATHS = ("/admin/", "/judging/manage", "/judging/rubrics", "/judging/calibration",
                   "/vote/manage")  # fmt: skip


@pytest.fixture
def live(live_server):
    return live_server()


def _values(app, contest, entries, judges):
    """Route values naming the contest's own rows."""
    entry = entries["E1"]
    with app.app_context():
        assignment = db.session.scalar(select(Assignment.id).where(Assignment.entry_id == entry.id))
        district = db.session.get(School, entry.school_id).district_id
    return {
        "contest_id": contest.id,
        "category_id": contest.categories[0].id,
        "entry_id": entry.id,
        "school_id": entry.school_id,
        "district_id": district,
        "assignment_id": assignment,
        "report_id": factories.make_takedown_report(app, entries["E1"]).id,
        "judge_id": judges["a"].id,
        "conflict_id": 1,
        "invitation_id": factories.make_invitation(app, "invited@example.org", "judge")[0].id,
        "round_id": contest.rounds[0].id,
    }


def test_an_observer_sees_the_results_and_every_form_answers_403(live, browser, small_contest):
    app = live.app
    contest, entries, judges, _ = small_contest
    observer = factories.make_user(
        app, roles=[("observer", contest.id)], email="board.member@example.org"
    )
    page = browser.new_page()
    page.goto(f"{live.url}/auth/login")
    page.fill("#email", observer.email)
    page.fill("#password", factories.PASSWORD)
    page.click("main input[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)

    page.goto(f"{live.url}/admin/results/{contest.id}")
    expect(page.get_by_role("heading", name=contest.name, level=1)).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="E1").first).to_be_visible()
    main = page.locator("main")
    text = main.inner_text()
    expect(main.get_by_role("rowheader", name="J01", exact=True).first).to_be_visible()
    assert not any(judge.name in text for judge in judges.values())  # no judge's identity
    expect(main.locator("form")).to_have_count(0)
    expect(main.get_by_role("link", name="Confirm the winners and publish")).to_have_count(0)

    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    values = _values(app, contest, entries, judges)
    answers = {}
    for endpoint, method, rule in app_routes(app):
        if method != "POST" or not rule.rule.startswith(ORGANIZER_PATHS):
            continue
        url = route_url(app, rule, values)
        answers[endpoint] = page.evaluate(
            """([url, token]) => fetch(url, {method: "POST", body: new URLSearchParams(
                {csrf_token: token}), redirect: "manual"}).then(response => response.status)""",
            [f"{live.url}{url}", token],
        )
    assert len(answers) > 20
    assert {endpoint for endpoint, status in answers.items() if status != 403} == set()


def sign_in(page, url, email):
    page.goto(f"{url}/auth/login")
    page.fill("#email", email)
    page.fill("#password", factories.PASSWORD)
    page.click("main input[type=submit]")
    page.wait_for_url(lambda address: "/auth/login" not in address)


def test_a_coordinator_approves_a_school_of_the_districts_domain(live, browser):
    app = live.app
    with app.app_context():
        leeward = districts.save(db.session, None, "Leeward", "leeward.k12.example")
        db.session.commit()
        district_id = leeward.id
    coordinator = factories.make_user(
        app, roles=[("coordinator", district_id)], email="coordinator@leeward.k12.example"
    )

    teacher = browser.new_page()
    teacher.goto(f"{live.url}/school/register")
    teacher.fill("#school_name", "Kapolei Middle")
    teacher.fill("#name", "Kai Teacher")
    teacher.fill("#email", "kai@leeward.k12.example")  # no district typed: the domain says
    teacher.fill("#password", factories.PASSWORD)
    teacher.fill("#confirm", factories.PASSWORD)
    teacher.click("main input[type=submit]")
    teacher.wait_for_url(lambda address: "/school/register" not in address or "sent" in address)
    told = [m for m in outbox_messages(app) if m["To"] == coordinator.email]
    assert told and "Kapolei Middle registered in Leeward" in told[-1]["Subject"]

    page = browser.new_page()
    sign_in(page, live.url, coordinator.email)
    assert page.url.endswith("/admin/district")
    row = page.get_by_role("row").filter(has_text="Kapolei Middle")
    expect(row).to_contain_text("kai@leeward.k12.example")
    row.get_by_role("button", name="Approve Kapolei Middle").click()
    expect(page.locator("p.flash-success")).to_contain_text("Kapolei Middle is approved")
    with app.app_context():
        school = db.session.scalar(select(School).where(School.name == "Kapolei Middle"))
        assert school.approved and school.district_id == district_id
