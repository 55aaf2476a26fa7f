"""Districts as rows (issue 15): one district however its name is typed, email domains that
route a registering teacher's school to its district, and the site administrator's screens."""

import pytest
from sqlalchemy import select

from contest.core import districts
from contest.core.errors import ValidationError, describe
from contest.core.extensions import db
from contest.core.models.accounts import RoleGrant
from contest.core.models.entries import District, School
from contest.core.models.judging import Conflict
from tests import factories
from tests.helpers import page_text, submit
from tests.submissions.test_registration import register


def test_a_name_is_one_district_in_any_case_and_spacing(session):
    north = districts.find_or_create(session, "North  Shore ")
    assert north.name == "North Shore"
    assert districts.find_or_create(session, "north shore") is north
    assert districts.find(session, " NORTH SHORE") is north
    assert districts.find_or_create(session, "  ") is None


def test_saving_a_district_checks_its_name_and_domains(session):
    north = districts.save(session, None, "North", "North.k12.example\n@north.example.org, ")
    assert [row.domain for row in north.domains] == ["north.example.org", "north.k12.example"]
    south = districts.save(session, None, "South", "")
    refusals = {
        "taken name": (lambda: districts.save(session, south, " north ", ""), "name",
                       "There is already a district called North."),
        "taken domain": (lambda: districts.save(session, south, "South", "north.k12.example"),
                         "domains", "north.k12.example already belongs to North."),
        "not a domain": (lambda: districts.save(session, south, "South", "not a domain!"),
                         "domains", "“not” is not an email domain"),
        "no name": (lambda: districts.save(session, None, "  ", ""), "name",
                    "Give the district a name."),
    }  # fmt: skip
    for case, (attempt, field, words) in refusals.items():
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.field == field, case
        assert words in describe(refused.value.code, refused.value.params), case
    districts.save(session, north, "North", "north.k12.example")  # a domain dropped, one kept
    assert [row.domain for row in north.domains] == ["north.k12.example"]


def test_a_teacher_with_a_district_address_is_routed_to_its_district(session):
    districts.save(session, None, "Lakeshore Unified", "lakeshore.k12.example")
    routed = register(session, email="casey@lakeshore.k12.example", district="")
    assert routed.school.district_name == "Lakeshore Unified"
    typed = register(
        session, email="dee@example.org", school="Dewey", district="lakeshore  unified"
    )
    assert typed.school.district_name == "Lakeshore Unified"  # the same district, typed otherwise
    assert session.scalar(select(District.id).where(District.name == "lakeshore  unified")) is None
    none = register(session, email="eve@example.org", school="Evergreen", district="")
    assert none.school.district is None


def test_the_site_administrator_keeps_the_districts(app, people, login_as):
    client = login_as("organizer")
    made = submit(client, "/admin/districts", {"name": "Leeward", "domains": "leeward.k12.example"})
    assert made.status_code == 302
    page = page_text(client.get("/admin/districts"))
    assert "Leeward" in page and "leeward.k12.example" in page
    with app.app_context():
        leeward = db.session.scalar(select(District).where(District.name == "Leeward"))
    refused = submit(client, "/admin/districts", {"name": "LEEWARD", "domains": ""})
    assert refused.status_code == 400
    assert "There is already a district called Leeward." in page_text(refused)
    url = f"/admin/districts/{leeward.id}"
    assert "leeward.k12.example" in page_text(client.get(url))
    changed = submit(client, url, {"name": "Leeward", "domains": "leeward.k12.example\nl.example"})
    assert changed.status_code == 302
    with app.app_context():
        domains = [row.domain for row in db.session.get(District, leeward.id).domains]
    assert domains == ["l.example", "leeward.k12.example"]


def test_schools_of_one_district_typed_two_ways_share_its_conflicts(app):
    first = factories.make_school(app, name="Kailua High", district="Windward")
    second = factories.make_school(app, name="Kaneohe High", district="  windward")
    assert first.district_id == second.district_id is not None
    with app.app_context():
        assert db.session.get(School, second.id).district_name == "Windward"


def test_a_coordinator_decides_on_their_districts_schools_only(app, people, login_as):
    """School A is in North; a coordinator of South sees none of it and may not decide on it."""
    north = factories.district_of_school_a(app)
    pending = factories.make_school(app, name="North Pending", district="North", status="pending")
    elsewhere = factories.make_school(app, name="Far Pending", district="Far", status="pending")
    contest = factories.make_contest(app)
    factories.make_entry(app, contest.categories[0], people["school_a"], title="North Clip")
    factories.make_entry(app, contest.categories[0], people["school_b"], title="South Clip")
    ours = factories.make_user(app, roles=[("coordinator", north)], email="n@example.org")
    client = app.test_client()
    factories.sign_in(client, ours.email)

    page = page_text(client.get("/admin/district"))
    assert "North Pending" in page and "North Clip" in page
    assert "Far Pending" not in page and "South Clip" not in page
    refused = submit(client, f"/admin/schools/{elsewhere.id}/approve", {}, page="/admin/district")
    assert refused.status_code == 403
    done = submit(client, f"/admin/schools/{pending.id}/approve", {}, page="/admin/district")
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/district")
    with app.app_context():
        assert db.session.get(School, pending.id).approved
        assert not db.session.get(School, elsewhere.id).approved
    assert client.get("/admin/").status_code == 403  # no contest of theirs: no dashboard
    people_page = page_text(login_as("organizer").get("/admin/people"))
    assert "district coordinator: North" in people_page


def test_a_coordinators_invitation_names_a_district(app, people, login_as):
    client = login_as("organizer")
    form = {"email": "coord@example.org", "role": "coordinator", "school": "0", "contest": "0",
            "district": "0"}  # fmt: skip
    refused = submit(client, "/admin/people", form)
    assert "Choose the district this coordinator looks after." in page_text(refused)
    north = factories.district_of_school_a(app)
    assert submit(client, "/admin/people", {**form, "district": str(north)}).status_code == 302


def test_a_misspelt_district_is_merged_with_everything_that_pointed_at_it(session):
    right = districts.save(session, None, "Windward", "windward.k12.example")
    wrong = districts.save(session, None, "Windwrd", "windwrd.example")
    kailua = factories.add_school(session, "Kailua High", right)
    typo = factories.add_school(session, "Kaneohe High", wrong)
    both = factories.add_user(session, roles=[("coordinator", right), ("coordinator", wrong)])
    only = factories.add_user(session, roles=[("coordinator", wrong)])
    judge = factories.add_user(session, roles=["judge"])
    session.add(Conflict(judge_id=judge.id, district_id=wrong.id, source="declared"))
    session.flush()

    moved = districts.merge(session, wrong, right)

    assert moved == 1
    assert session.get(District, wrong.id) is None
    assert {session.get(School, s.id).district_id for s in (kailua, typo)} == {right.id}
    assert [row.domain for row in right.domains] == ["windward.k12.example", "windwrd.example"]
    assert [c.district_id for c in session.scalars(select(Conflict))] == [right.id]
    coordinators = {(g.user_id, g.district_id) for g in session.scalars(
        select(RoleGrant).where(RoleGrant.role == "coordinator"))}  # fmt: skip
    assert coordinators == {(both.id, right.id), (only.id, right.id)}


def test_a_merge_that_would_lose_a_school_or_itself_is_refused(session):
    right = districts.save(session, None, "Leeward", "")
    wrong = districts.save(session, None, "Leward", "")
    factories.add_school(session, "Waianae High", right)
    factories.add_school(session, "Waianae High", wrong)
    for target, words in [
        (right, "Both districts have a school called Waianae High: rename one first"),
        (wrong, "Choose another district to merge this one into."),
        (None, "That district is gone"),
    ]:
        with pytest.raises(ValidationError) as refused:
            districts.merge(session, wrong, target)
        assert refused.value.field == "target"
        assert words in describe(refused.value.code, refused.value.params)
    assert session.get(District, wrong.id) is not None


def test_the_site_administrator_merges_a_district_on_its_page(app, people, login_as):
    right = factories.make_school(app, name="Kailua High", district="Windward").district_id
    school = factories.make_school(app, name="Kaneohe High", district="Windwrd")
    client = login_as("organizer")
    url = f"/admin/districts/{school.district_id}"
    page = page_text(client.get(url))
    assert "Kaneohe High" in page and "Merge into another district" in page
    merged = submit(client, f"{url}/merge", {"target": right}, page=url)
    assert (merged.status_code, merged.headers["Location"]) == (302, f"/admin/districts/{right}")
    assert "Windwrd is merged into Windward: 1 school moved." in page_text(
        client.get(merged.headers["Location"])
    )
    assert client.get(url).status_code == 404
    with app.app_context():
        assert db.session.get(School, school.id).district_id == right
    lone = factories.make_school(app, name="Lone School", district="Lonely").district_id
    refused = submit(client, f"/admin/districts/{lone}/merge", {"target": lone},
                     page=f"/admin/districts/{lone}")  # fmt: skip
    assert refused.status_code == 400
