"""The cached contest clocks: a public page looks its contest up without a query, and any
committed change to a contest row, through the ORM or a bulk UPDATE, is seen at once."""

from datetime import timedelta

from sqlalchemy import update

from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.web.clocks import clock_for_slug, current_clock
from tests.factories import make_contest
from tests.helpers import count_statements


def test_the_current_contest_is_read_once_then_served_from_the_cache(app):
    make_contest(app, name="Older")
    newest = make_contest(app, name="Newest")
    with app.app_context():
        assert current_clock().id == newest.id
        with count_statements(db.engine) as statements:
            assert current_clock().id == newest.id
            assert clock_for_slug(newest.slug).id == newest.id
            assert clock_for_slug("no-such-contest") is None
        assert list(statements) == []


def test_a_committed_change_is_seen_at_once(app):
    contest = make_contest(app)
    opens = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    with app.app_context():
        assert current_clock().voting_open_at is None
        db.session.get(Contest, contest.id).voting_open_at = opens
        db.session.commit()
        assert current_clock().voting_open_at == opens

        db.session.execute(
            update(Contest).where(Contest.id == contest.id).values(published_at=opens)
        )
        db.session.commit()
        assert clock_for_slug(contest.slug).published_at == opens

        newer = Contest(name="Next Year", slug="next-year", timezone="UTC")
        db.session.add(newer)
        db.session.commit()
        assert current_clock().slug == "next-year"


def test_a_change_rolled_back_leaves_the_cache_alone(app):
    contest = make_contest(app)
    with app.app_context():
        assert current_clock().published_at is None
        db.session.get(Contest, contest.id).published_at = utcnow()
        db.session.flush()
        db.session.rollback()
        with count_statements(db.engine) as statements:
            assert current_clock().published_at is None
        assert list(statements) == []
