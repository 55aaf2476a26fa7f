"""The demo contest: the Internet Safety Awards at the scale of the real thing."""

import random
from datetime import timedelta

from sqlalchemy import select

from contest.auth.models import User
from contest.auth.services import create_user, grant_role, hash_password
from contest.contests.models import Contest
from contest.contests.services import ContestDraft, create_contest
from contest.dbtypes import utcnow
from contest.submissions.models import Entry, School

DEMO_SLUG = "internet-safety-awards"
DEMO_PASSWORD = "demo-password-2026"
ORGANIZER = "organizer@demo.psa-contest.org"
JUDGES = [f"judge{n}@demo.psa-contest.org" for n in range(1, 6)]
SCHOOL_COUNT = 18
ENTRY_COUNT = 60

DISTRICTS = ("Northside", "Riverside", "Lakeshore")
SCHOOL_NAMES = (
    "Adams", "Baker", "Carver", "Dewey", "Edison", "Franklin", "Garfield", "Hamilton",
    "Irving", "Jefferson", "Kennedy", "Lincoln", "Madison", "Nightingale", "Oakwood",
    "Parks", "Quincy", "Roosevelt",
)  # fmt: skip
TITLE_WORDS = {
    "Cyberbullying": ("Words Hurt", "Stand Up", "Screenshot It", "Block and Tell", "Be Kind"),
    "Privacy, Plagiarism & Copyright": (
        "Think Before You Post", "Credit the Creator", "Your Data, Your Call", "Copy Wrong",
        "Lock It Down",
    ),
    "Online Predators": (
        "Stranger Danger 2.0", "Not Who They Say", "Tell a Trusted Adult", "Red Flags",
        "The Fake Friend",
    ),
}  # fmt: skip


def demo_logins():
    """(role, email) of the accounts worth trying, as the demo command prints them."""
    return [
        ("organizer", ORGANIZER),
        (f"teacher ({SCHOOL_NAMES[0]} Middle School)", "teacher1@demo.psa-contest.org"),
        ("judge", JUDGES[0]),
        (f"judge who also teaches ({SCHOOL_NAMES[-1]})", JUDGES[-1]),
    ]


def _person(session, email, name, password_hash):
    """The demo account for `email`; an account already there is kept as it is."""
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = create_user(session, email, name=name)
        user.password_hash = password_hash
    return user


def _school(session, name, district, contact_name, contact_email):
    school = session.scalar(select(School).where(School.name == name, School.district == district))
    if school is None:
        school = School(
            name=name, district=district, contact_name=contact_name, contact_email=contact_email
        )
        session.add(school)
        session.flush()
    return school


def seed_demo(session, seed=2026):
    """Create the demo contest and its people; return False if it already exists."""
    if session.scalar(select(Contest.id).where(Contest.slug == DEMO_SLUG)):
        return False
    rng = random.Random(seed)
    now = utcnow().replace(second=0, microsecond=0)
    contest = create_contest(
        session,
        ContestDraft(
            name="Internet Safety Awards 2026",
            slug=DEMO_SLUG,
            timezone="America/New_York",
            description=(
                "Students make a short public-service announcement about staying safe online. "
                "Judges pick 1st, 2nd and 3rd in each category; the public picks People's Choice."
            ),
        ),
    )
    contest.submissions_open_at = now - timedelta(days=40)
    contest.submissions_close_at = now - timedelta(days=5)
    contest.judging_close_at = now + timedelta(days=10)
    contest.voting_open_at = now - timedelta(days=1)
    contest.voting_close_at = now + timedelta(days=14)

    password_hash = hash_password(DEMO_PASSWORD)  # hashed once: scrypt is slow by design
    organizer = _person(session, ORGANIZER, "Olivia Organizer", password_hash)
    grant_role(organizer, "organizer")

    schools = []
    for number, name in enumerate(SCHOOL_NAMES, start=1):
        email = f"teacher{number}@demo.psa-contest.org"
        school = _school(
            session,
            f"{name} Middle School",
            DISTRICTS[number % len(DISTRICTS)],
            f"Teacher {number}",
            email,
        )
        teacher = _person(session, email, f"Teacher {number}", password_hash)
        grant_role(teacher, "teacher", school_id=school.id)
        schools.append((school, teacher))

    for number, email in enumerate(JUDGES, start=1):
        judge = _person(session, email, f"Judge {number}", password_hash)
        grant_role(judge, "judge", contest_id=contest.id)
        if number == len(JUDGES):
            grant_role(judge, "teacher", school_id=schools[-1][0].id)
    session.flush()  # every account has its id before the entries name them

    for number in range(ENTRY_COUNT):
        # Round-robin over schools, each round shifting the category, so every school enters
        # several categories and none exceeds the contest's two entries per category.
        school_number, round_number = number % SCHOOL_COUNT, number // SCHOOL_COUNT
        category = contest.categories[(school_number + round_number) % len(contest.categories)]
        school, teacher = schools[school_number]
        title = rng.choice(TITLE_WORDS[category.name])
        session.add(
            Entry(
                category_id=category.id,
                school_id=school.id,
                submitted_by_id=teacher.id,
                title=f"{title} ({school.name.split()[0]} #{number // SCHOOL_COUNT + 1})",
                description=f"A {category.name.lower()} PSA made by students at {school.name}.",
                credit_line=rng.choice(("Team Pixel", "Maya, Leo and Sam", "Room 12 Media Club")),
                status="submitted",
                consent_status="pending",
                submitted_at=contest.submissions_close_at - timedelta(days=rng.randint(1, 30)),
            )
        )
    session.flush()
    return True
