"""What the accessibility and layout browser tests share: the demo site they visit (seeded the way
`flask demo` seeds it), axe-core run in the page, video playback, signed-in browser contexts and
screenshots (written to test-screenshots/, which git ignores)."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import axe_playwright_python
from sqlalchemy import select

from contest.core.extensions import db
from contest.core.models.accounts import User
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry, School
from contest.core.models.judging import Assignment
from contest.core.models.results import Result
from devtools.demo import DEMO_PASSWORD, DEMO_SLUG, JUDGES, ORGANIZER, PAST_SLUG, seed_demo
from devtools.demo_judging import seed_demo_judging
from devtools.demo_videos import seed_demo_videos

AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-screenshots"
BLOCKING = ("serious", "critical")
TEACHER = "teacher1@demo.psa-contest.org"  # Adams Middle School: its extension keeps entry open
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class DemoSite:
    """The ids of the demo rows the pages show."""

    contest_id: int
    contest_name: str
    slug: str
    school_id: int
    school_name: str
    teacher_entry_id: int
    teacher_entry_title: str
    vote_entry_id: int
    vote_entry_title: str
    assignment_id: int
    assignment_title: str
    past_contest_id: int
    past_slug: str
    past_name: str
    winner_id: int
    winner_title: str


def seed_demo_site(app):
    """Seed the demo as `flask demo` does (videos DEMO_VIDEO_SECONDS long) and name its rows."""
    with app.app_context():
        seed_demo(db.session)
        db.session.commit()
    seed_demo_videos(
        app, seconds=app.config["DEMO_VIDEO_SECONDS"], height=app.config["DEMO_VIDEO_HEIGHT"]
    )
    with app.app_context():
        seed_demo_judging(db.session)
        db.session.commit()
        return DemoSite(**_name_rows(db.session), **_name_past_rows(db.session))


def _name_past_rows(session):
    """Last year's demo contest, published by the demo, and its first winner."""
    past = session.scalar(select(Contest).where(Contest.slug == PAST_SLUG))
    winner = session.scalar(
        select(Entry)
        .join(Result, Result.entry_id == Entry.id)
        .where(Result.contest_id == past.id, Result.award == "place")
        .order_by(Result.place, Result.id)
    )
    return {
        "past_contest_id": past.id,
        "past_slug": past.slug,
        "past_name": past.name,
        "winner_id": winner.id,
        "winner_title": winner.title,
    }


def _name_rows(session):
    contest = session.scalar(select(Contest).where(Contest.slug == DEMO_SLUG))
    ready = (
        select(Entry)
        .join(Category, Category.id == Entry.category_id)
        .where(Category.contest_id == contest.id, Entry.status == "ready")
        .order_by(Entry.id)
    )
    teacher = session.scalar(select(User).where(User.email == TEACHER))
    school = session.get(School, teacher.grants[0].school_id)
    teacher_entry = session.scalar(ready.where(Entry.school_id == school.id))
    vote_entry = session.scalar(ready.where(Entry.consent_status == "approved"))
    judge = session.scalar(select(User).where(User.email == JUDGES[0]))
    assignment = session.scalar(
        select(Assignment)
        .where(
            Assignment.judge_id == judge.id,
            Assignment.entry_id.in_(ready.with_only_columns(Entry.id)),
        )
        .order_by(Assignment.id)
    )
    return {
        "contest_id": contest.id,
        "contest_name": contest.name,
        "slug": contest.slug,
        "school_id": school.id,
        "school_name": school.name,
        "teacher_entry_id": teacher_entry.id,
        "teacher_entry_title": teacher_entry.title,
        "vote_entry_id": vote_entry.id,
        "vote_entry_title": vote_entry.title,
        "assignment_id": assignment.id,
        "assignment_title": session.get(Entry, assignment.entry_id).title,
    }


ROLE_EMAILS = {"teacher": TEACHER, "judge": JUDGES[0], "organizer": ORGANIZER}


def signed_in_context(browser, base_url, email, **options):
    """A browser context signed in as `email` through the sign-in form."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.goto(f"{base_url}/auth/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main input[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)
    page.close()
    return context


@cache
def _axe_source():
    return AXE_JS.read_text()


def axe_violations(page):
    """axe-core's violations on the page as it stands: every rule axe runs by default (WCAG 2.0
    and 2.1 A and AA, best practices), none disabled, no element excluded."""
    # Evaluated through the DevTools protocol: a <script> tag would break the page's CSP.
    page.evaluate(_axe_source())
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )


def describe(violations):
    return "\n".join(
        f"  [{v['impact']}] {v['id']}: {v['help']}\n"
        + "\n".join(f"      {node['target']} {node['failureSummary']}" for node in v["nodes"][:5])
        for v in violations
    )


def check_accessible(page, name, report):
    """Fail on serious or critical violations; note the rest in `report` (and the output)."""
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    lesser = [v for v in violations if v["impact"] not in BLOCKING]
    if lesser:
        print(f"axe, {name}: moderate or minor\n{describe(lesser)}")
        report[name] = [{"id": v["id"], "impact": v["impact"]} for v in lesser]
    assert not blocking, f"axe, {name}: serious or critical\n{describe(blocking)}"


def write_report(report):
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "axe-minor-findings.json").write_text(json.dumps(report, indent=2))


def play_video(page, selector="main video", seconds=2):
    """Play the page's (first) video muted until it reaches `seconds`; its currentTime then."""
    video = page.locator(selector).first
    video.evaluate("video => { video.muted = true; return video.play(); }")
    page.wait_for_function(
        "([selector, seconds]) => document.querySelector(selector).currentTime >= seconds",
        arg=[selector, seconds],
        timeout=10_000,
    )
    return video.evaluate("video => video.currentTime")


def fits_width(page):
    """No horizontal scrolling: the page is no wider than the viewport."""
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def screenshot(page, name, width):
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
