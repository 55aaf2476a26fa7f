"""Permissions per contest: the rule (contest.core.permissions) and the guard that asks it for
every contest a route's values name, so a page of contest A never reaches contest B's rows."""

from types import SimpleNamespace

import pytest

from contest.core import permissions
from contest.core.permissions import Action
from tests import factories
from tests.helpers import app_routes, csrf_token, route_url
from tests.results import conftest as results_fixtures
from tests.test_permissions import csrf_fields

small_contest = results_fixtures.small_contest

ANONYMOUS = SimpleNamespace(is_authenticated=False, grants=[])


def person(*grants):
    return SimpleNamespace(
        is_authenticated=True,
        grants=[SimpleNamespace(role=role, contest_id=contest) for role, contest in grants],
    )


@pytest.mark.parametrize(
    ("user", "administer", "manage_1", "manage_2", "view_1", "managed", "seen"),
    [
        (person(("admin", None)), True, True, True, True, None, None),
        (person(("organizer", 1)), False, True, False, True, {1}, {1}),
        (person(("organizer", 1), ("organizer", 2)), False, True, True, True, {1, 2}, {1, 2}),
        (person(("observer", 1)), False, False, False, True, set(), {1}),
        (person(("observer", 2), ("organizer", 3)), False, False, False, False, {3}, {2, 3}),
        (person(("judge", 1), ("teacher", None)), False, False, False, False, set(), set()),
        (ANONYMOUS, False, False, False, False, set(), set()),
    ],
)
def test_the_rule(user, administer, manage_1, manage_2, view_1, managed, seen):
    assert permissions.allowed(user, Action.ADMINISTER) is administer
    assert permissions.allowed(user, Action.MANAGE, 1) is manage_1
    assert permissions.allowed(user, Action.MANAGE, 2) is manage_2
    assert permissions.allowed(user, Action.VIEW, 1) is view_1
    assert permissions.managed_contests(user) == managed
    assert permissions.contests_for(user, Action.VIEW) == seen
    assert permissions.manages_any(user) is (managed != set())
    assert permissions.sees_any(user) is (seen != set())


def test_a_route_of_my_contest_cannot_reach_another_contests_rows(app, people):
    """Every organizer route that names a contest and another of its rows (an entry, a
    category) is refused when the row is another contest's."""
    mine = factories.make_route_values(app)
    theirs = factories.make_route_values(app)
    organizer = factories.make_user(
        app, roles=[("organizer", mine["contest_id"])], email="mine@example.org"
    )
    client = app.test_client()
    factories.sign_in(client, organizer.email)
    token = csrf_fields(csrf_token(client, "/auth/forgot"))
    scoped = ("category_id", "entry_id", "assignment_id", "report_id")
    tried = []
    for endpoint, method, rule in app_routes(app):
        if "contest_id" not in rule.arguments or not set(scoped) & set(rule.arguments):
            continue
        if endpoint.startswith("school_results."):  # a teacher's pages, not an organizer's
            continue
        mixed = {**mine, **{name: theirs[name] for name in scoped}}
        url = route_url(app, rule, mixed)
        response = client.get(url) if method == "GET" else client.post(url, data=token)
        tried.append(endpoint)
        assert response.status_code in (403, 404), f"{method} {url} ({endpoint})"
        response.close()
        own = client.get(route_url(app, rule, mine)) if method == "GET" else None
        if own is not None:  # the same route with my own rows is not refused
            assert own.status_code not in (401, 403), f"GET {endpoint} on my own contest"
            own.close()
    assert {"results.entry_certificate", "judging.edit_rubric"} <= set(tried)


def test_an_observer_reads_the_results_with_judges_by_pseudonym(app, small_contest, login_as):
    contest, _, judges, _ = small_contest
    observer = factories.make_user(app, roles=[("observer", contest.id)], email="o@example.org")
    as_admin = login_as("organizer").get(f"/admin/results/{contest.id}").get_data(as_text=True)
    client = app.test_client()
    factories.sign_in(client, observer.email)
    as_observer = client.get(f"/admin/results/{contest.id}").get_data(as_text=True)
    names = [judge.name for judge in judges.values()]
    assert all(name in as_admin for name in names)
    assert not any(name in as_observer for name in names)
    row = '<th scope="row">J01</th>'
    assert row in as_observer and row not in as_admin
