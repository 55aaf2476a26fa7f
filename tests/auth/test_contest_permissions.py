"""Permissions per contest: the rule (contest.core.permissions) and the guard that asks it for
every contest a route's values name, so a page of contest A never reaches contest B's rows."""

from types import SimpleNamespace

import pytest

from contest.core import permissions
from contest.core.permissions import Action
from tests import factories
from tests.helpers import app_routes, csrf_token, route_url
from tests.test_permissions import csrf_fields

ANONYMOUS = SimpleNamespace(is_authenticated=False, grants=[])


def person(*grants):
    return SimpleNamespace(
        is_authenticated=True,
        grants=[SimpleNamespace(role=role, contest_id=contest) for role, contest in grants],
    )


@pytest.mark.parametrize(
    ("user", "administer", "manage_1", "manage_2", "managed"),
    [
        (person(("admin", None)), True, True, True, None),
        (person(("organizer", 1)), False, True, False, {1}),
        (person(("organizer", 1), ("organizer", 2)), False, True, True, {1, 2}),
        (person(("judge", 1), ("teacher", None)), False, False, False, set()),
        (ANONYMOUS, False, False, False, set()),
    ],
)
def test_the_rule(user, administer, manage_1, manage_2, managed):
    assert permissions.allowed(user, Action.ADMINISTER) is administer
    assert permissions.allowed(user, Action.MANAGE, 1) is manage_1
    assert permissions.allowed(user, Action.MANAGE, 2) is manage_2
    assert permissions.managed_contests(user) == managed
    assert permissions.manages_any(user) is (managed != set())


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
