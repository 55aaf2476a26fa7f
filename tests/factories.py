"""Data factories: functions with overridable defaults that commit and return detached rows."""

import hashlib
import io
from datetime import timedelta
from itertools import count

from sqlalchemy import select

from contest.auth import accounts, invitations, tokens
from contest.contests.editing import ContestDraft, create_contest
from contest.core import districts
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.accounts import RoleGrant, User
from contest.core.models.assets import Asset
from contest.core.models.contests import Category, Contest, Round
from contest.core.models.entries import District, Entry, School
from contest.core.models.judging import Assignment, Conflict, Criterion, Rubric, Score, ScoreSheet
from contest.core.models.results import Result
from contest.core.notices import notify
from contest.core.storage import get_storage
from tests.helpers import submit

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = accounts.hash_password(PASSWORD)  # once: scrypt is slow on purpose
_numbers = count(1)


def _saved(*rows):
    for row in rows:
        db.session.add(row)
    db.session.commit()
    for row in rows:
        db.session.refresh(row)
        db.session.expunge(row)
    return rows[0] if len(rows) == 1 else rows


def district_row(name):
    """An unsaved District called `name`."""
    return District(name=name, name_key=districts.name_key(name))


def make_school(app, district=None, **fields):
    """A saved school; `district` names its district (made if need be; "" for none)."""
    number = next(_numbers)
    fields.setdefault("name", f"School {number}")
    district = f"District {number}" if district is None else district
    with app.app_context():
        found = districts.find_or_create(db.session, district)
        return _saved(School(district_id=getattr(found, "id", None), **fields))


def add_school(session, name, district, **fields):
    """A school of `district` added to `session` and flushed, not committed."""
    school = School(name=name, district_id=district.id, **fields)
    session.add(school)
    session.flush()
    return school


def user_row(roles=(), **fields):
    """An unsaved user with a known password; `roles` holds role names, (role, school) pairs and
    (organizer or observer, contest or its id) and (coordinator, district or its id) pairs."""
    number = next(_numbers)
    fields.setdefault("email", f"person{number}@example.org")
    fields.setdefault("name", f"Person {number}")
    fields.setdefault("password_hash", _PASSWORD_HASH)
    fields.setdefault("email_confirmed_at", utcnow())
    user = User(**fields)
    for role in roles:
        name, scope = role if isinstance(role, tuple) else (role, None)
        if name == "coordinator":
            user.grants.append(RoleGrant(role=name, district_id=getattr(scope, "id", scope)))
        elif name in ("organizer", "observer") or isinstance(scope, Contest):
            user.grants.append(RoleGrant(role=name, contest_id=getattr(scope, "id", scope)))
        else:
            user.grants.append(RoleGrant(role=name, school_id=getattr(scope, "id", scope)))
    return user


def add_user(session, roles=(), **fields):
    """A user added to `session` and flushed, not committed (for service tests)."""
    user = user_row(roles, **fields)
    session.add(user)
    session.flush()
    return user


def make_user(app, roles=(), **fields):
    """A saved user with a known password; `roles` holds role names or (role, school) pairs."""
    with app.app_context():
        user = user_row(roles, **fields)
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        for grant in user.grants:
            db.session.refresh(grant)
        db.session.expunge_all()
        return user


def make_contest(app, **fields):
    """A contest made through the service (default categories unless given)."""
    fields.setdefault("name", f"Contest {next(_numbers)}")
    with app.app_context():
        contest = create_contest(db.session, ContestDraft(**fields))
        db.session.commit()
        db.session.refresh(contest)
        for row in (*contest.categories, *contest.rounds):
            db.session.refresh(row)
        db.session.expunge_all()
        return contest


def make_entry(app, category, school, **fields):
    fields.setdefault("title", f"Entry {next(_numbers)}")
    with app.app_context():
        return _saved(Entry(category_id=category.id, school_id=school.id, **fields))


def make_people(app):
    """Anonymous is the absence of a user; these are four other roles of the matrix (the
    fifth, judge_conflict, is `make_conflicted_judge`)."""
    school_a = make_school(app, name="School A", district="North")
    school_b = make_school(app, name="School B", district="South")
    return {
        "school_a": school_a,
        "school_b": school_b,
        "organizer": make_user(app, roles=["admin"], email="organizer@example.org"),
        "teacher_a": make_user(app, roles=[("teacher", school_a)], email="teacher.a@example.org"),
        "teacher_b": make_user(app, roles=[("teacher", school_b)], email="teacher.b@example.org"),
        "judge": make_user(app, roles=["judge"], email="judge@example.org"),
    }


def make_conflicted_judge(app):
    """The matrix's judge_conflict: a judge with a declared conflict with School A's district,
    made only for the matrix (other tests count the judges of `make_people`)."""
    judge = make_user(app, roles=["judge"], email="judge.conflict@example.org")
    with app.app_context():
        school = db.session.scalar(select(School).where(School.name == "School A"))
        db.session.add(
            Conflict(judge_id=judge.id, district_id=school.district_id, source="declared")
        )
        db.session.commit()
    return judge


def sign_in(client, email, password=PASSWORD):
    response = submit(client, "/auth/login", {"email": email, "password": password})
    assert response.status_code == 302, f"sign-in as {email} failed: {response.status_code}"
    return response


def sign_out(client):
    """Sign out the way the page does: POST with the CSRF token of the layout's form."""
    response = submit(client, "/auth/logout", {}, page="/auth/account")
    assert response.status_code == 302, f"sign-out failed: {response.status_code}"
    return response


def fetch_user(app, email):
    """The saved user with `email` and their role grants, detached (None if there is none)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge_all()
        return user


def make_invitation(app, email, role="teacher", school=None, invited_by=None, now=None):
    """An invitation made through the service; returns (invitation, the path of its link)."""
    with app.app_context():
        invitation, token = invitations.invite(
            db.session,
            app.config["SECRET_KEY"],
            email,
            role,
            invited_by=invited_by,
            max_age_seconds=app.config["INVITATION_MAX_AGE_SECONDS"],
            school_id=getattr(school, "id", school),
            now=now,
        )
        db.session.commit()
        db.session.refresh(invitation)
        db.session.expunge(invitation)
        return invitation, f"/auth/invitation/{token}"


def signed_token(secret_key, purpose, payload, now=None):
    """A token signed the way the app signs its links ("invitation" or "reset"), for forgeries,
    at `now` (default: the clock)."""
    return tokens.serializer(secret_key, purpose, now).dumps(payload)


def reset_link_path(app, email, now=None):
    """The path of a password reset link for the user with `email`, issued at `now`."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        token = accounts.password_reset_token(app.config["SECRET_KEY"], user, now=now)
    return f"/auth/reset/{token}"


INVALID_TOKEN = "not-a-valid-token"


def store_asset(data, content_type, folder="test"):
    """Bytes saved in the app's storage with their Asset row (inside an app context)."""
    storage = get_storage()
    key = f"{folder}/{next(_numbers)}-{len(data)}"
    storage.save(key, io.BytesIO(data), content_type)
    asset = Asset(
        backend=storage.name, key=key, content_type=content_type, size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )  # fmt: skip
    db.session.add(asset)
    db.session.flush()
    return asset


def make_route_values(app):
    """A value for every URL argument the routes take, from real rows (tokens are invalid).
    The category is the contest's first; it has no rubric of its own.

    The entry belongs to School A (teacher_a's) when the matrix's people exist, and holds a real
    stored video (the asset) and a notice for its school; no upload has the upload id.
    """
    contest = make_contest(app)
    with app.app_context():
        school = db.session.scalar(select(School).where(School.name == "School A"))
    entry = make_entry(app, contest.categories[0], school or make_school(app))
    with app.app_context():
        asset = store_asset(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "video/mp4")
        row = db.session.get(Entry, entry.id)
        row.video_asset_id = asset.id
        notice = notify(db.session, "Your entry is ready.", "entry.ready", school_id=row.school_id)
        db.session.commit()
        asset_id, notice_id = asset.id, notice.id
    assignment_id = _judge_assignment(app, contest)
    return {
        "contest_id": contest.id,
        "round_id": contest.rounds[0].id,
        "slug": contest.slug,
        "category_id": contest.categories[0].id,
        "token": INVALID_TOKEN,
        "entry_id": entry.id,
        "school_id": entry.school_id,
        "district_id": _district_of(app, entry.school_id),
        "upload_id": "0" * 32,
        "asset_id": asset_id,
        "notice_id": notice_id,
        "assignment_id": assignment_id,
        "report_id": make_takedown_report(app, entry).id,
        "invitation_id": make_invitation(app, "invited.somebody@example.org", "judge")[0].id,
        **_judge_and_conflict(app),
    }


def district_of_school_a(app):
    with app.app_context():
        return db.session.scalar(select(School.district_id).where(School.name == "School A"))


def _district_of(app, school_id):
    with app.app_context():
        return db.session.get(School, school_id).district_id


def make_takedown_report(app, entry, **fields):
    """An open "report this video" on `entry`."""
    from contest.core.models.takedowns import TakedownReport

    fields.setdefault("reason", "privacy")
    fields.setdefault("details", "My little brother is in this video.")
    with app.app_context():
        return _saved(TakedownReport(entry_id=entry.id, **fields))


def _judge_and_conflict(app):
    """judge_id and conflict_id for the organizer's judging routes: a judge of their own with a
    recorded conflict, so the matrix judge's pages stay as they are."""
    judge = make_user(app, roles=["judge"], email=f"route.judge{next(_numbers)}@example.org")
    with app.app_context():
        elsewhere = districts.find_or_create(db.session, "Elsewhere")
        conflict = Conflict(judge_id=judge.id, district_id=elsewhere.id, source="declared")
        db.session.add(conflict)
        db.session.commit()
        return {"judge_id": judge.id, "conflict_id": conflict.id}


def assignment_row(session, judge_id, entry_id, **fields):
    """An unsaved assignment of the judge to the entry in its contest's first round."""
    round_id = session.scalar(
        select(Round.id)
        .join(Category, Category.contest_id == Round.contest_id)
        .join(Entry, Entry.category_id == Category.id)
        .where(Entry.id == entry_id)
        .order_by(Round.position)
        .limit(1)
    )
    return Assignment(round_id=round_id, judge_id=judge_id, entry_id=entry_id, **fields)


def _judge_assignment(app, contest):
    """An assignment of the matrix's judge (judge@example.org, made if missing) to an entry of its
    own, so the judge gains no access to the route values' entry and its files."""
    judge = fetch_user(app, "judge@example.org") or make_user(
        app, roles=["judge"], email="judge@example.org"
    )
    entry = make_entry(app, contest.categories[-1], make_school(app), title="Assigned Entry")
    with app.app_context():
        assignment = assignment_row(db.session, judge.id, entry.id)
        db.session.add(assignment)
        db.session.commit()
        return assignment.id


def make_rubric(app, contest, category=None, version=1, criteria=None):
    """A rubric for `contest` (or a `category` override) with its criteria.

    `criteria` holds dicts of Criterion fields; by default two criteria on a 1-5 scale whose names
    carry the version, so tests can tell versions apart.
    """
    if criteria is None:
        criteria = [
            {
                "name": f"Message v{version}",
                "guidance": "Is the advice right?",
                "weight": 3.0,
                "level_descriptors": ["Poor", "Weak", "Adequate", "Strong", "Outstanding"],
            },
            {"name": f"Craft v{version}", "weight": 1.5, "min_points": 0, "max_points": 3},
        ]
    with app.app_context():
        rubric = Rubric(
            contest_id=contest.id,
            category_id=getattr(category, "id", None),
            version=version,
            criteria=[
                Criterion(sort_order=order, **fields) for order, fields in enumerate(criteria)
            ],
        )
        db.session.add(rubric)
        db.session.commit()
        db.session.refresh(rubric)
        for criterion in rubric.criteria:
            db.session.refresh(criterion)
        db.session.expunge_all()
        return rubric


def make_sheet(app, judge, entry, rubric, points, status="submitted", calibration=False, **fields):
    """An assignment of `judge` to `entry` with a sheet on `rubric`: `points` holds one value per
    criterion in rubric order. Returns the sheet's id."""
    with app.app_context():
        assignment = assignment_row(db.session, judge.id, entry.id, calibration=calibration)
        db.session.add(assignment)
        db.session.flush()
        fields.setdefault("submitted_at", utcnow() if status == "submitted" else None)
        if status == "reopened":
            fields.setdefault("reopen_reason", "A second look.")
        sheet = ScoreSheet(
            assignment_id=assignment.id,
            rubric_id=rubric.id,
            status=status,
            scores=[
                Score(criterion_id=criterion.id, points=value)
                for criterion, value in zip(rubric.criteria, points, strict=True)
            ],
            **fields,
        )
        db.session.add(sheet)
        db.session.commit()
        return sheet.id


def publish_results(app, contest, awards, published_at=None):
    """Freeze `awards`, (entry, award, place) triples, as Result rows the way publication does
    (places and mentions in the entry's category, People's Choice overall) and mark `contest`
    published at `published_at` (now by default). Returns the publication time."""
    published_at = published_at or utcnow()
    digest = hashlib.sha256(repr(awards).encode()).hexdigest()
    with app.app_context():
        for entry, award, place in awards:
            db.session.add(
                Result(
                    contest_id=contest.id,
                    category_id=None if award == "peoples_choice" else entry.category_id,
                    award=award,
                    place=place,
                    entry_id=entry.id,
                    digest=digest,
                    published_at=published_at,
                )
            )
        db.session.get(Contest, contest.id).published_at = published_at
        db.session.commit()
    return published_at


def contest_form(**changes):
    """The create/edit form as a browser posts it, with `changes`."""
    data = {
        "name": "Internet Safety Awards 2026",
        "slug": "",
        "timezone": "America/New_York",
        "description": "Make a PSA about staying safe online.",
        "categories": "Cyberbullying\r\nPrivacy, Plagiarism & Copyright\r\nOnline Predators",
        "submissions_open_at": "2026-03-01T17:00",
        "submissions_close_at": "2026-04-01T17:00",
        "judging_close_at": "",
        "voting_open_at": "",
        "voting_close_at": "",
        "max_video_seconds": "120",
        "max_megabytes": "500",
        "entries_per_school_per_category": "2",
        "judges_per_entry": "3",
        "normalise_scores": "y",
        "licence": "CC BY-NC-ND 4.0",
        "retention_days": "",
    }
    data.update(changes)
    return data


def seed_votes(app, contest, votes):
    """People's Choice votes, each by a new verified voter. `votes` holds dicts: entry (a row),
    and optionally cast_at, network, domain, void_reason. Returns [(vote id, receipt)]."""
    from contest.core.models.voting import Vote, Voter

    with app.app_context():
        now = utcnow()
        voters = [
            Voter(
                contest_id=contest.id,
                email_hash=hashlib.sha256(f"voter{next(_numbers)}".encode()).hexdigest(),
                email_domain=spec.get("domain", "example.org"),
                verified_at=now,
            )
            for spec in votes
        ]
        db.session.add_all(voters)
        db.session.flush()
        rows = [
            Vote(
                contest_id=contest.id,
                voter_id=voter.id,
                entry_id=spec["entry"].id,
                receipt=f"R{voter.id:08d}",
                network_hash=spec.get("network", ""),
                cast_at=spec.get("cast_at", now),
                voided_at=now if spec.get("void_reason") else None,
                void_reason=spec.get("void_reason"),
            )
            for voter, spec in zip(voters, votes, strict=True)
        ]
        db.session.add_all(rows)
        db.session.commit()
        return [(vote.id, vote.receipt) for vote in rows]


def make_voting_contest(app, entries_per_category=1, opens=-3600, closes=3600, **fields):
    """A contest whose People's Choice vote runs from `opens` to `closes` seconds from now
    (open by default), with `entries_per_category` eligible entries in each category.
    Returns (contest, entries); `fields` set other Contest columns (show_live_tally, say)."""
    contest = make_contest(app)
    school = make_school(app)
    fields["voting_open_at"] = utcnow() + timedelta(seconds=opens)
    fields["voting_close_at"] = utcnow() + timedelta(seconds=closes)
    with app.app_context():
        row = db.session.get(Contest, contest.id)
        for name, value in fields.items():
            setattr(row, name, value)
            setattr(contest, name, value)
        db.session.commit()
    entries = [
        make_entry(app, category, school, status="ready", consent_status="approved")
        for category in contest.categories
        for _ in range(entries_per_category)
    ]
    return contest, entries
