"""The flask commands: `init`, `create-admin` and `demo`, run through app.test_cli_runner()."""

import re
from collections import Counter

import pytest
from sqlalchemy import func, inspect, select

from contest.core.extensions import db
from contest.core.models.accounts import RoleGrant, User
from contest.core.models.assets import Asset
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry, School
from contest.core.models.judging import Assignment, Rubric, ScoreSheet
from contest.core.storage import get_storage
from contest.judging.rubrics import DEFAULT_RUBRIC
from contest.submissions.entries import submission_deadline
from devtools import demo
from tests import factories

HOMES = {"admin": "/admin/", "judge": "/judging/", "teacher": "/school/"}


def account(app, email):
    """(name, roles, password hash) of the account with `email`, or None."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            return None
        return user.name, sorted(g.role for g in user.grants), user.password_hash


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def clean_failure(result):
    """A command that failed the way a person should see it: a message, no traceback."""
    assert result.exit_code not in (0, None)
    # click turns a ClickException into SystemExit and "Error: ..."; anything else is a crash.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert "Error: " in result.output


# --- init ----------------------------------------------------------------------------------------


def test_init_creates_the_tables_on_an_empty_database(make_app, tmp_path):
    fresh = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with fresh.app_context():
        assert inspect(db.engine).get_table_names() == []
    runner = fresh.test_cli_runner()

    result = runner.invoke(args=["init"])

    assert result.exit_code == 0, result.output
    assert f"Database ready: sqlite:///{tmp_path / 'empty.sqlite3'}" in result.output
    with fresh.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables
    again = runner.invoke(args=["init"])  # an up-to-date database is left as it is
    assert again.exit_code == 0, again.output


# --- create-admin --------------------------------------------------------------------------------


def test_create_admin_makes_an_organizer_who_can_sign_in(app, runner):
    result = runner.invoke(
        args=[
            "create-admin",
            " Bea@Example.ORG ",
            "--name",
            "Bea Boss",
            "--password",
            "a-long-pass",
        ]
    )

    assert result.exit_code == 0, result.output
    assert "bea@example.org is a site administrator." in result.output
    name, roles, _ = account(app, "bea@example.org")
    assert (name, roles) == ("Bea Boss", ["admin"])
    client = app.test_client()
    response = factories.sign_in(client, "bea@example.org", "a-long-pass")
    assert response.headers["Location"].endswith(HOMES["admin"])
    assert client.get("/admin/contests/").status_code == 200


def test_create_admin_asks_for_the_password_twice(app, runner):
    result = runner.invoke(
        args=["create-admin", "bea@example.org"], input="a-long-pass\na-long-pass\n"
    )

    assert result.exit_code == 0, result.output
    assert account(app, "bea@example.org")[1] == ["admin"]
    factories.sign_in(app.test_client(), "bea@example.org", "a-long-pass")


def test_create_admin_makes_an_existing_account_a_site_administrator(app, runner):
    school = factories.make_school(app)
    factories.make_user(app, roles=[("teacher", school)], email="teacher@example.org")
    before = account(app, "teacher@example.org")

    result = runner.invoke(args=["create-admin", "Teacher@example.org"])  # asks no password

    assert result.exit_code == 0, result.output
    assert "teacher@example.org is a site administrator." in result.output
    name, roles, password_hash = account(app, "teacher@example.org")
    assert roles == ["admin", "teacher"]
    assert (name, password_hash) == (before[0], before[2])
    assert runner.invoke(args=["create-admin", "teacher@example.org"]).exit_code == 0
    assert account(app, "teacher@example.org")[1] == ["admin", "teacher"]  # once, not twice
    assert count(app, User) == 1
    response = factories.sign_in(app.test_client(), "teacher@example.org")
    assert response.headers["Location"].endswith(HOMES["admin"])


def test_create_admin_can_set_an_existing_accounts_password(app, runner):
    factories.make_user(app, roles=["judge"], email="judge@example.org")

    result = runner.invoke(
        args=["create-admin", "judge@example.org", "--password", "a-new-long-password"]
    )

    assert result.exit_code == 0, result.output
    assert "password" in result.output
    assert account(app, "judge@example.org")[1] == ["admin", "judge"]
    factories.sign_in(app.test_client(), "judge@example.org", "a-new-long-password")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["bea@example.org", "--password", "short"], "Use at least 10 characters"),
        (["bea@example.org", "--password", "bea@example.org"], "must not be your email"),
        (["not-an-email", "--password", "a-long-pass"], "not-an-email is not an email address"),
        (["", "--password", "a-long-pass"], "is not an email address"),
    ],
)
def test_create_admin_with_bad_input_fails_cleanly(app, runner, arguments, message):
    result = runner.invoke(args=["create-admin", *arguments])

    clean_failure(result)
    assert message in result.output
    assert count(app, User) == 0


def test_create_admin_with_a_short_password_leaves_an_existing_account_alone(app, runner):
    factories.make_user(app, roles=["judge"], email="judge@example.org")
    before = account(app, "judge@example.org")

    result = runner.invoke(args=["create-admin", "judge@example.org", "--password", "short"])

    clean_failure(result)
    assert "Use at least 10 characters" in result.output
    assert account(app, "judge@example.org") == before


# --- demo ----------------------------------------------------------------------------------------


# This year's contest and last year's, published (demo.PAST_SLUG: tested in tests/gallery).
PAST_ENTRIES = 3 * demo.PAST_ENTRIES_PER_CATEGORY
ALL_ENTRIES = 60 + PAST_ENTRIES


def this_years(query, contest):
    """`query` on entries narrowed to the demo's current contest."""
    return query.join(Category, Category.id == Entry.category_id).where(
        Category.contest_id == contest.id
    )


def printed_logins(output):
    """(role description, email) of each sign-in the demo prints."""
    return re.findall(r"^  (\S.*?)\s{2,}(\S+@\S+)$", output, re.M)


def demo_counts(app):
    with app.app_context():
        teachers = db.session.scalars(
            select(RoleGrant.school_id).where(RoleGrant.role == "teacher")
        ).all()
        judges = db.session.scalar(
            select(func.count(func.distinct(RoleGrant.user_id))).where(RoleGrant.role == "judge")
        )
        schools = db.session.scalars(select(School.id)).all()
    return {
        "contests": count(app, Contest),
        "categories": count(app, Category),
        "schools": len(schools),
        "schools with a teacher": len(set(schools) & set(teachers)),
        "judges": judges,
        "users": count(app, User),
        "grants": count(app, RoleGrant),
        "entries": count(app, Entry),
        "ready entries": count(app, Entry, Entry.status == "ready"),
        "assets": count(app, Asset),
        "rubrics": count(app, Rubric),
        "assignments": count(app, Assignment),
        "sheets": count(app, ScoreSheet),
    }


def test_demo_seeds_the_contest_and_prints_the_logins(app, runner):
    result = runner.invoke(args=["demo"])

    assert result.exit_code == 0, result.output
    assert "Demo contest seeded." in result.output
    assert repr(demo.DEMO_PASSWORD) in result.output
    counts = demo_counts(app)
    assert counts["contests"] == 2
    assert counts["categories"] == 6
    assert counts["schools"] == counts["schools with a teacher"] == 18
    assert counts["judges"] >= 4
    assert counts["entries"] == ALL_ENTRIES
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == demo.DEMO_SLUG))
        assert [c.name for c in contest.categories] == [
            "Cyberbullying",
            "Privacy, Plagiarism & Copyright",
            "Online Predators",
        ]
        assert contest.submissions_open_at < contest.submissions_close_at
        assert contest.submissions_close_at < contest.judging_close_at
        assert contest.voting_open_at < contest.voting_close_at
        [rubric] = db.session.scalars(select(Rubric).where(Rubric.contest_id == contest.id)).all()
        assert (rubric.contest_id, rubric.category_id, rubric.version) == (contest.id, None, 1)
        assert [c.name for c in rubric.criteria] == [row[0] for row in DEFAULT_RUBRIC]
        assert len(rubric.criteria) == 5
        assert all(
            len(c.level_descriptors) == c.max_points - c.min_points + 1 for c in rubric.criteria
        )
        entries = db.session.scalars(this_years(select(Entry), contest)).all()
        assert all(e.submitted_by_id is not None for e in entries)
        per_school_and_category = Counter((e.school_id, e.category_id) for e in entries)
        assert max(per_school_and_category.values()) <= contest.entries_per_school_per_category
        assert all(e.consent_asset_id and e.captions_asset_id for e in entries)
        consent = Counter(e.consent_status for e in entries)
        assert consent == {"approved": 60 - demo.PENDING_CONSENT, "pending": demo.PENDING_CONSENT}
        adams = db.session.scalar(select(School).where(School.name == "Adams Middle School"))
        deadline = submission_deadline(db.session, contest, adams.id)
        assert deadline > contest.submissions_close_at  # the demo teacher can still upload
        school_words = {s.name.split()[0] for s in db.session.scalars(select(School))}
        # Judges are blind to schools: no title may carry a school's name.
        assert not [e.title for e in entries if set(e.title.split()) & school_words]
        assert len({e.title for e in entries}) == len(entries)
        per_category = Counter(e.category_id for e in entries)
        assert sorted(per_category.values()) == [20, 20, 20]
        assert len({e.category_id for e in entries if e.school_id == entries[0].school_id}) > 1
        # Every entry has a playable video and a poster, made by the media pipeline.
        assert {e.status for e in entries} == {"ready"}
        storage = get_storage()
        for e in entries:
            video, poster = db.session.get(Asset, e.video_asset_id), e.poster
            assert video.content_type == "video/mp4" and video.details["video_codec"] == "h264"
            assert poster.content_type == "image/jpeg"
            assert storage.stat(video.key).size == video.size_bytes > 0
            assert e.duration_seconds == pytest.approx(app.config["DEMO_VIDEO_SECONDS"], abs=0.2)
        assert len({db.session.get(Asset, e.video_asset_id).sha256 for e in entries}) == 60
    assert f"{ALL_ENTRIES} demo videos made in" in result.output
    assert "score sheets started or submitted" in result.output
    check_demo_judging(app)
    logins = printed_logins(result.output)
    assert [email for _, email in logins] == [email for _, email in demo.demo_logins()]
    assert {role.split()[0] for role, _ in logins} == {"admin", "teacher", "judge"}


def check_demo_judging(app):
    """Two anchors, K judges on every ready entry, and judges part of the way through."""
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == demo.DEMO_SLUG))
        assignments = db.session.scalars(
            this_years(select(Assignment).join(Entry, Entry.id == Assignment.entry_id), contest)
        ).all()
        anchors = {e.id for e in db.session.scalars(select(Entry).where(Entry.calibration_anchor))}
        assert len(anchors) == 2
        judges = {a.judge_id for a in assignments}
        assert len(judges) == len(demo.JUDGES)
        regular = Counter(a.entry_id for a in assignments if not a.calibration)
        ready = db.session.scalars(
            this_years(select(Entry.id).where(Entry.status == "ready"), contest)
        ).all()
        for entry_id in ready:
            if entry_id in anchors:  # every judge scores the anchors, first
                assert {a.judge_id for a in assignments if a.entry_id == entry_id} == judges
            else:
                assert regular[entry_id] == contest.final_round.judges_per_entry, entry_id
        sheets = [a.sheet for a in assignments if a.sheet]
        status = Counter(s.status for s in sheets)
        assert status["submitted"] >= 60 and 3 <= status["draft"] <= 12
        assert len(sheets) < len(assignments)  # not all done
        assert all(s.watched_fraction > 0 and s.watched_ranges for s in sheets)
        assert all(s.watched_fraction == 1 for s in sheets if s.status == "submitted")
        assert any(s.comment for s in sheets) and any(s.feedback for s in sheets)
        by_judge = Counter(
            a.judge_id for a in assignments if a.sheet and a.sheet.status == "submitted"
        )
        assigned = Counter(a.judge_id for a in assignments)
        shares = sorted(by_judge[j] / assigned[j] for j in judges)
        assert shares[0] < 0.1 and 0.3 < shares[2] < 0.7 and shares[-1] > 0.8
        anchor_sheets = [a.sheet for a in assignments if a.calibration and a.sheet]
        assert {s.status for s in anchor_sheets} == {"submitted", "draft"}


def test_demo_twice_duplicates_nothing(app, runner):
    first = runner.invoke(args=["demo"])
    counts = demo_counts(app)

    second = runner.invoke(args=["demo"])

    assert second.exit_code == 0, second.output
    assert "Demo contest already there." in second.output
    assert "demo videos made" not in second.output
    # video, poster, original upload, consent form, captions
    assert counts["ready entries"] == ALL_ENTRIES and counts["assets"] == 5 * ALL_ENTRIES
    assert demo_counts(app) == counts
    assert printed_logins(second.output) == printed_logins(first.output)


def test_demo_keeps_an_account_that_is_already_there(app, runner):
    factories.make_user(app, roles=["judge"], email=demo.ORGANIZER, name="Early Bird")
    before = account(app, demo.ORGANIZER)

    result = runner.invoke(args=["demo", "--no-videos"])

    assert result.exit_code == 0, result.output
    assert "Demo contest seeded." in result.output
    name, roles, password_hash = account(app, demo.ORGANIZER)
    assert (name, password_hash) == (before[0], before[2])
    assert roles == ["admin", "judge"]
    assert demo_counts(app)["entries"] == ALL_ENTRIES
    assert demo_counts(app)["ready entries"] == 0  # --no-videos: none made


def test_every_printed_demo_login_signs_in_to_its_home_page(app, runner):
    result = runner.invoke(args=["demo", "--no-videos"])
    logins = printed_logins(result.output)
    assert len(logins) >= 4

    for role, email in logins:
        client = app.test_client()
        response = factories.sign_in(client, email, demo.DEMO_PASSWORD)
        home = HOMES[role.split()[0]]
        assert response.headers["Location"].endswith(home), (role, email)
        assert client.get(home).status_code == 200, (role, email)


def test_the_printed_roles_are_true(app, runner):
    """Each printed description matches the account: its roles and, for teachers, the school."""
    result = runner.invoke(args=["demo", "--no-videos"])

    with app.app_context():
        schools = {s.id: s.name for s in db.session.scalars(select(School))}
        for role, email in printed_logins(result.output):
            user = db.session.scalar(select(User).where(User.email == email))
            held = {g.role for g in user.grants}
            taught = {schools[g.school_id] for g in user.grants if g.role == "teacher"}
            assert role.split()[0] in held, (role, email)
            if "teach" in role:
                assert "teacher" in held, (role, email)
                school = re.search(r"\((.+)\)", role).group(1)
                assert any(name.startswith(school) for name in taught), (role, email, taught)
