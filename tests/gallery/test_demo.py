"""The demo's archive: last year's contest, judged and published, shows on the home page and
on its winners page with every category's places and the People's Choice."""

import hashlib

from sqlalchemy import select

from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.core.models.results import Result
from devtools import demo, demo_judging
from tests.helpers import page_text


def test_the_demo_publishes_last_years_contest(app, runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        past = db.session.scalar(select(Contest).where(Contest.slug == demo.PAST_SLUG))
        current = db.session.scalar(select(Contest).where(Contest.slug == demo.DEMO_SLUG))
        assert past.published_at is not None and past.created_at < current.created_at
        results = db.session.scalars(select(Result).where(Result.contest_id == past.id)).all()
        places = sorted((r.category_id, r.place) for r in results if r.award == "place")
        assert places == [(c.id, p) for c in past.categories for p in (1, 2, 3)]
        [peoples_choice] = [r for r in results if r.award == "peoples_choice"]
        winners = [db.session.get(Entry, r.entry_id) for r in results]
        assert all(e.video_asset_id and e.poster_asset_id and e.captions_asset_id for e in winners)
        shared = {e.id for e in winners if e.feedback_public}
        assert shared == {r.entry_id for r in results if r.place == 1}
        first = next(r.entry_id for r in results if r.place == 1)
        assert current.published_at is None

    home = page_text(client.get("/"))
    assert f"<h1>{current.name}</h1>" in home
    assert f'href="/contests/{demo.PAST_SLUG}/winners">{past.name}: the winners</a>' in home
    page = page_text(client.get(f"/contests/{demo.PAST_SLUG}/winners"))
    assert page.count('<video class="player"') == 10
    assert f'href="/videos/{peoples_choice.entry_id}"' in page
    assert demo_judging.PAST_FEEDBACK[0] in page or demo_judging.PAST_FEEDBACK[1] in page
    assert client.get(f"/videos/{first}").status_code == 200
    # Judged to the end before it was published: nothing to explain, and the digest verifies.
    assert "Published before judging finished" not in page
    document = client.get(f"/contests/{demo.PAST_SLUG}/results.json")
    assert document.status_code == 200 and "judging_override" not in document.get_json()
    assert hashlib.sha256(document.data).hexdigest() == results[0].digest
    # Running the demo again changes nothing.
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert len(db.session.scalars(select(Result)).all()) == len(results)
