"""Data factories: functions with overridable defaults that commit and return detached rows."""

from itertools import count

from contest.auth.models import RoleGrant, User
from contest.auth.services import hash_password
from contest.contests.services import ContestDraft, create_contest
from contest.extensions import db
from contest.submissions.models import Entry, School
from tests.helpers import submit

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # once: scrypt is slow on purpose
_numbers = count(1)


def _saved(*rows):
    for row in rows:
        db.session.add(row)
    db.session.commit()
    for row in rows:
        db.session.refresh(row)
        db.session.expunge(row)
    return rows[0] if len(rows) == 1 else rows


def make_school(app, **fields):
    number = next(_numbers)
    fields.setdefault("name", f"School {number}")
    fields.setdefault("district", f"District {number}")
    with app.app_context():
        return _saved(School(**fields))


def make_user(app, roles=(), **fields):
    """A user with a known password; `roles` holds role names or (role, school) pairs."""
    number = next(_numbers)
    fields.setdefault("email", f"person{number}@example.org")
    fields.setdefault("name", f"Person {number}")
    fields.setdefault("password_hash", _PASSWORD_HASH)
    with app.app_context():
        user = User(**fields)
        for role in roles:
            name, school = role if isinstance(role, tuple) else (role, None)
            user.grants.append(RoleGrant(role=name, school_id=getattr(school, "id", school)))
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
        for category in contest.categories:
            db.session.refresh(category)
        db.session.expunge_all()
        return contest


def make_entry(app, category, school, **fields):
    fields.setdefault("title", f"Entry {next(_numbers)}")
    with app.app_context():
        return _saved(Entry(category_id=category.id, school_id=school.id, **fields))


def make_people(app):
    """Anonymous is the absence of a user; these are the other four roles of the matrix."""
    school_a = make_school(app, name="School A", district="North")
    school_b = make_school(app, name="School B", district="South")
    return {
        "school_a": school_a,
        "school_b": school_b,
        "organizer": make_user(app, roles=["organizer"], email="organizer@example.org"),
        "teacher_a": make_user(app, roles=[("teacher", school_a)], email="teacher.a@example.org"),
        "teacher_b": make_user(app, roles=[("teacher", school_b)], email="teacher.b@example.org"),
        "judge": make_user(app, roles=["judge"], email="judge@example.org"),
    }


def sign_in(client, email, password=PASSWORD):
    response = submit(client, "/auth/login", {"email": email, "password": password})
    assert response.status_code == 302, f"sign-in as {email} failed: {response.status_code}"
    return response
