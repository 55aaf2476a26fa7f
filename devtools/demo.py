"""The demo contest: the Internet Safety Awards at the scale of the real thing."""

import hashlib
import random
from datetime import timedelta

from sqlalchemy import select

from contest.auth.accounts import create_user, grant_role, hash_password
from contest.contests.editing import ContestDraft, create_contest
from contest.core import districts
from contest.core.dbtypes import utcnow
from contest.core.models.accounts import User
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry, School
from contest.core.models.voting import Vote, Voter
from contest.core.statuses import ConsentStatus, EntryStatus
from contest.core.storage import get_storage
from contest.submissions.attachments import attach_captions, attach_consent
from contest.submissions.decisions import grant_extension
from contest.voting.casting import new_receipt

DEMO_SLUG = "internet-safety-awards"
# Last year's contest, judged and published: the home page's archive and a winners page.
PAST_SLUG = "internet-safety-awards-2025"
PAST_ENTRIES_PER_CATEGORY = 4
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
        ("admin (site administrator)", ORGANIZER),
        (f"teacher ({SCHOOL_NAMES[0]} Middle School)", "teacher1@demo.psa-contest.org"),
        ("judge", JUDGES[0]),
        (f"judge who also teaches ({SCHOOL_NAMES[-1]})", JUDGES[-1]),
    ]


def _person(session, email, name, password_hash):
    """The demo account for `email`; an account already there is kept as it is."""
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = create_user(session, email, name=name, confirmed=True)
        user.password_hash = password_hash
    return user


def _school(session, name, district_name, contact_name, contact_email):
    district = districts.find_or_create(session, district_name)
    school = session.scalar(
        select(School).where(School.name == name, School.district_id == district.id)
    )
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
    contest.final_round.closes_at = now + timedelta(days=10)
    contest.voting_open_at = now - timedelta(days=1)
    contest.voting_close_at = now + timedelta(days=14)

    password_hash = hash_password(DEMO_PASSWORD)  # hashed once: scrypt is slow by design
    organizer = _person(session, ORGANIZER, "Olivia Organizer", password_hash)
    grant_role(organizer, "admin")

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

    used_titles = {}
    for number in range(ENTRY_COUNT):
        # Round-robin over schools, each round shifting the category, so every school enters
        # several categories and none exceeds the contest's two entries per category.
        school_number, round_number = number % SCHOOL_COUNT, number // SCHOOL_COUNT
        category = contest.categories[(school_number + round_number) % len(contest.categories)]
        school, teacher = schools[school_number]
        title = _numbered(rng.choice(TITLE_WORDS[category.name]), used_titles)
        session.add(
            Entry(
                category_id=category.id,
                school_id=school.id,
                submitted_by_id=teacher.id,
                title=title,
                description=f"A {category.name.lower()} PSA made by students at {school.name}.",
                credit_line=rng.choice(("Team Pixel", "Maya, Leo and Sam", "Room 12 Media Club")),
                status=EntryStatus.SUBMITTED,
                submitted_at=contest.submissions_close_at - timedelta(days=rng.randint(1, 30)),
            )
        )
    session.flush()
    _seed_paperwork(session, contest, organizer)
    _seed_votes(session, contest, rng, now)
    _seed_past_contest(session, rng, now, schools, judges=JUDGES)
    # Adams may still submit, so the demo teacher can try the whole entry and upload flow.
    extension_until = now + timedelta(days=14)
    grant_extension(
        session, organizer, contest, schools[0][0], extension_until,
        "Demo: lets Adams Middle School try creating entries and uploading videos.",
    )  # fmt: skip
    return True


def _seed_past_contest(session, rng, now, schools, judges):
    """Last year's contest: four entries per category from schools across the districts, every
    consent form approved and captioned, a day of People's Choice votes; the same judges. Its
    videos come with the current contest's; `seed_demo_judging` judges and publishes it."""
    year_ago = now - timedelta(days=365)
    contest = create_contest(
        session,
        ContestDraft(
            name="Internet Safety Awards 2025",
            slug=PAST_SLUG,
            timezone="America/New_York",
            description="Last year's contest: the winning PSAs about staying safe online.",
        ),
    )
    contest.created_at = year_ago - timedelta(days=60)  # older than this year's: the archive
    contest.submissions_open_at = year_ago - timedelta(days=40)
    contest.submissions_close_at = year_ago - timedelta(days=5)
    contest.final_round.closes_at = year_ago + timedelta(days=10)
    contest.voting_open_at = year_ago - timedelta(days=1)
    contest.voting_close_at = year_ago + timedelta(days=14)
    for email in judges:
        judge = session.scalar(select(User).where(User.email == email))
        grant_role(judge, "judge", contest_id=contest.id)
    used_titles, number = {}, 0
    for category in contest.categories:
        for _ in range(PAST_ENTRIES_PER_CATEGORY):
            # Every fifth school: twelve different schools, across the three districts.
            school, teacher = schools[number * 5 % len(schools)]
            number += 1
            session.add(
                Entry(
                    category_id=category.id,
                    school_id=school.id,
                    submitted_by_id=teacher.id,
                    title=_numbered(rng.choice(TITLE_WORDS[category.name]), used_titles),
                    description=f"A {category.name.lower()} PSA by students at {school.name}.",
                    credit_line=rng.choice(("Team Pixel", "Ava, Noah and Mia", "The AV Club")),
                    status=EntryStatus.SUBMITTED,
                    submitted_at=contest.submissions_close_at - timedelta(days=rng.randint(1, 30)),
                )
            )
    session.flush()
    organizer = session.scalar(select(User).where(User.email == ORGANIZER))
    _seed_paperwork(session, contest, organizer, pending=0)
    _seed_votes(session, contest, rng, contest.voting_close_at - timedelta(days=2), votes=90)
    return contest


def _numbered(title, used):
    """ "Words Hurt", then "Words Hurt (2)"...: titles stay distinct and, since judges are blind to
    schools, never carry a school's name."""
    used[title] = used.get(title, 0) + 1
    return title if used[title] == 1 else f"{title} ({used[title]})"


PENDING_CONSENT = 6  # entries whose consent form still waits in the organizers' review queue


def _demo_pdf(title):
    """A one-page PDF standing in for a signed consent form."""
    text = f"Demo consent and media release form: {title}".replace("(", "[").replace(")", "]")
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _seed_paperwork(session, contest, organizer, pending=PENDING_CONSENT):
    """A consent form and captions for every demo entry; all but `pending` forms approved."""
    storage = get_storage()
    entries = session.scalars(
        select(Entry).join(Category).where(Category.contest_id == contest.id).order_by(Entry.id)
    ).all()
    for number, entry in enumerate(entries):
        teacher = session.get(User, entry.submitted_by_id)
        attach_consent(session, storage, teacher, entry, _demo_pdf(entry.title), "consent.pdf")
        captions = (
            f"WEBVTT\n\n00:00:00.000 --> 00:00:04.000\n{entry.title}\n"
            "A PSA about staying safe online.\n"
        )
        attach_captions(session, storage, teacher, entry, captions.encode(), "captions.vtt")
        if number >= pending:
            entry.consent_status = ConsentStatus.APPROVED
    session.flush()


DEMO_VOTES = 240  # spread over the first day of voting
DEMO_BURST = 24  # votes from one network within four minutes: a flag for the organizer
DEMO_VOIDED = ("Demo: the same person with two addresses", "Demo: a test vote by the organizers")
VOTER_DOMAINS = (
    ("gmail.com", 45), ("outlook.com", 15), ("yahoo.com", 10), ("icloud.com", 10),
    ("hotmail.com", 5), ("students.northside.k12.example", 8),
    ("students.riverside.k12.example", 7),
)  # fmt: skip


def _demo_hash(text):
    return hashlib.sha256(f"psa-contest demo:{text}".encode()).hexdigest()


def _seed_votes(session, contest, rng, now, votes=DEMO_VOTES):
    """People's Choice votes for the entries with consent approved: a steady day of voting (up
    to `now`) from many networks and webmail providers, one burst from a single network, two
    voided votes."""
    entries = session.scalars(
        select(Entry.id)
        .join(Category)
        .where(Category.contest_id == contest.id, Entry.consent_status == ConsentStatus.APPROVED)
        .order_by(Entry.id)
    ).all()
    domains = [domain for domain, weight in VOTER_DOMAINS for _ in range(weight)]
    burst_at = now - timedelta(hours=5)
    casts = [
        (now - timedelta(seconds=rng.uniform(60, 86000)), _demo_hash(f"net{rng.randrange(120)}"))
        for _ in range(votes)
    ] + [
        (burst_at + timedelta(seconds=10 * n), _demo_hash("burst-network"))
        for n in range(DEMO_BURST)
    ]
    voters = [
        Voter(
            contest_id=contest.id,
            email_hash=_demo_hash(f"voter{number}"),
            email_domain=rng.choice(domains),
            verified_at=cast_at,
            created_at=cast_at,
        )
        for number, (cast_at, _) in enumerate(casts)
    ]
    session.add_all(voters)
    session.flush()
    votes = [
        Vote(
            contest_id=contest.id,
            voter_id=voter.id,
            entry_id=rng.choice(entries),
            receipt=new_receipt(),
            network_hash=network,
            cast_at=cast_at,
        )
        for voter, (cast_at, network) in zip(voters, casts, strict=True)
    ]
    for vote, reason in zip(votes, DEMO_VOIDED, strict=False):
        vote.voided_at, vote.void_reason = now, reason
    session.add_all(votes)
    session.flush()
