"""The permission matrix: every route x method x role against a hand-written expectation.

EXPECTED is the contract. A new route fails `test_every_route_has_a_row` until someone decides,
cell by cell, who may use it; a removed route fails it until its row goes. The sweep signs each
role in once and sends GET, or POST with a valid CSRF token and an empty body: the question is
access (sign in first, not allowed, or let through to the view), not what the form makes of it.

The roles (tests/helpers.py ROLES): anonymous; teachers of School A (the route values' entry is
theirs) and of School B; the judge of the route values' assignment; a judge with a declared
conflict with School A's district, for whom that assignment is another judge's sheet; the site
administrator; the organizer of the route values' contest; the organizer of another contest,
who is refused every page of this one (and the site's own pages); an observer of the route
values' contest, who sees its read-only pages and is refused every form; the coordinator of
School A's district, who decides on its schools and sees their entries' status.

A cell is a status code, or (status, path) for a redirect: where it sends the person matters. A
path may name route values in braces ("/judging/rubrics/{contest_id}").
"""

from functools import partial
from urllib.parse import urlsplit

import pytest

from tests.factories import make_route_values
from tests.helpers import ROLES, SESSION_ENDING, app_routes, csrf_token, role_client, route_url

TO_LOGIN = (302, "/auth/login")
TO_HOME = (302, "/")

# fmt: off
EXPECTED = {
    ("admin.index", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 403,
    },
    ("admin.people", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("admin.people", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # Sending a waiting invitation (again): the site administrator's, like the people page.
    ("admin.send_invitation", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": (302, "/admin/people"),
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # Districts: the site administrator's. An empty form is refused on the page (400).
    ("admin.district_list", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("admin.district_list", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("admin.edit_district", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("admin.merge_district", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("admin.edit_district", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # A coordinator's districts: schools waiting for approval, their entries' status.
    ("admin.district_schools", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 200,
    },
    # School A is approved: only a pending school can be decided on (a flash says so).
    ("admin.approve_school", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": (302, "/admin/"),
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": (302, "/admin/district"),
    },
    ("admin.reject_school", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": (302, "/admin/"),
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": (302, "/admin/district"),
    },
    ("health.health", "GET"): {
        "anonymous": 200, "teacher_a": 200, "teacher_b": 200, "judge": 200, "judge_conflict": 200,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    ("health.ping", "GET"): {
        "anonymous": 200, "teacher_a": 200, "teacher_b": 200, "judge": 200, "judge_conflict": 200,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    ("auth.login", "GET"): {
        "anonymous": 200, "teacher_a": (302, "/school/"), "teacher_b": (302, "/school/"),
        "judge": (302, "/judging/"), "judge_conflict": (302, "/judging/"),
        "admin": (302, "/admin/"),
        "contest_organizer": (302, "/admin/"), "other_organizer": (302, "/admin/"),
        "observer": (302, "/admin/"), "coordinator": (302, "/admin/district"),
    },
    ("auth.login", "POST"): {
        "anonymous": 200, "teacher_a": (302, "/school/"), "teacher_b": (302, "/school/"),
        "judge": (302, "/judging/"), "judge_conflict": (302, "/judging/"),
        "admin": (302, "/admin/"),
        "contest_organizer": (302, "/admin/"), "other_organizer": (302, "/admin/"),
        "observer": (302, "/admin/"), "coordinator": (302, "/admin/district"),
    },
    ("auth.logout", "POST"): {
        "anonymous": TO_HOME, "teacher_a": TO_HOME, "teacher_b": TO_HOME, "judge": TO_HOME,
        "judge_conflict": TO_HOME, "admin": TO_HOME,
        "contest_organizer": TO_HOME, "other_organizer": TO_HOME,
        "observer": TO_HOME, "coordinator": TO_HOME,
    },
    ("auth.change_password", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 200, "teacher_b": 200, "judge": 200,
        "judge_conflict": 200, "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    ("auth.change_password", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 200, "teacher_b": 200, "judge": 200,
        "judge_conflict": 200, "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    ("auth.forgot_password", "GET"): {
        "anonymous": 200, "teacher_a": 200, "teacher_b": 200, "judge": 200, "judge_conflict": 200,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    ("auth.forgot_password", "POST"): {
        "anonymous": 200, "teacher_a": 200, "teacher_b": 200, "judge": 200, "judge_conflict": 200,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    ("auth.reset_password", "GET"): {
        "anonymous": 400, "teacher_a": 400, "teacher_b": 400, "judge": 400, "judge_conflict": 400,
        "admin": 400,
        "contest_organizer": 400, "other_organizer": 400,
        "observer": 400, "coordinator": 400,
    },
    ("auth.reset_password", "POST"): {
        "anonymous": 400, "teacher_a": 400, "teacher_b": 400, "judge": 400, "judge_conflict": 400,
        "admin": 400,
        "contest_organizer": 400, "other_organizer": 400,
        "observer": 400, "coordinator": 400,
    },
    ("auth.accept_invitation", "GET"): {
        "anonymous": 400, "teacher_a": 400, "teacher_b": 400, "judge": 400, "judge_conflict": 400,
        "admin": 400,
        "contest_organizer": 400, "other_organizer": 400,
        "observer": 400, "coordinator": 400,
    },
    ("auth.accept_invitation", "POST"): {
        "anonymous": 400, "teacher_a": 400, "teacher_b": 400, "judge": 400, "judge_conflict": 400,
        "admin": 400,
        "contest_organizer": 400, "other_organizer": 400,
        "observer": 400, "coordinator": 400,
    },
    ("auth.account", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 200, "teacher_b": 200, "judge": 200,
        "judge_conflict": 200, "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    ("auth.end_sessions", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": TO_LOGIN, "teacher_b": TO_LOGIN, "judge": TO_LOGIN,
        "judge_conflict": TO_LOGIN, "admin": TO_LOGIN,
        "contest_organizer": TO_LOGIN, "other_organizer": TO_LOGIN,
        "observer": TO_LOGIN, "coordinator": TO_LOGIN,
    },
    ("auth.confirm_email", "GET"): {
        "anonymous": 400, "teacher_a": 400, "teacher_b": 400, "judge": 400, "judge_conflict": 400,
        "admin": 400,
        "contest_organizer": 400, "other_organizer": 400,
        "observer": 400, "coordinator": 400,
    },
    ("auth.confirm_email", "POST"): {
        "anonymous": 400, "teacher_a": 400, "teacher_b": 400, "judge": 400, "judge_conflict": 400,
        "admin": 400,
        "contest_organizer": 400, "other_organizer": 400,
        "observer": 400, "coordinator": 400,
    },
    ("auth.resend_confirmation", "GET"): {
        "anonymous": 200, "teacher_a": 200, "teacher_b": 200, "judge": 200, "judge_conflict": 200,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    ("auth.resend_confirmation", "POST"): {
        "anonymous": 200, "teacher_a": 200, "teacher_b": 200, "judge": 200, "judge_conflict": 200,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    ("contests.index", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 403,
    },
    ("contests.create", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("contests.create", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("contests.show", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 200, "coordinator": 403,
    },
    ("contests.edit", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("contests.edit", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("contests.clone", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("contests.clone", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("gallery.index", "GET"): {
        "anonymous": 200, "teacher_a": 200, "teacher_b": 200, "judge": 200, "judge_conflict": 200,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    # The route values' contest is not published: its winners and videos are not found by anyone.
    ("gallery.winners_page", "GET"): {
        "anonymous": 404, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 404,
        "contest_organizer": 404, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    ("gallery.results_json", "GET"): {
        "anonymous": 404, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 404,
        "contest_organizer": 404, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    ("gallery.video", "GET"): {
        "anonymous": 404, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 404,
        "contest_organizer": 404, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    ("gallery.download", "GET"): {
        "anonymous": 404, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 404,
        "contest_organizer": 404, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    ("judging.index", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 200,
        "judge_conflict": 200, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # Rubrics and calibration anchors: organizers only. An empty rubric is refused on the page
    # (200); removing an override the category does not have, or saving no anchors, goes back
    # to the page ({contest_id} is filled in from the route values).
    ("judging.rubrics", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 200, "coordinator": 403,
    },
    ("judging.edit_rubric", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.edit_rubric", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.remove_override", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": (302, "/judging/rubrics/{contest_id}"),
        "contest_organizer": (302, "/judging/rubrics/{contest_id}"), "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.calibration_anchors", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.calibration_anchors", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": (302, "/judging/calibration/{contest_id}"),
        "contest_organizer": (302, "/judging/calibration/{contest_id}"), "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.my_calibration", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 200,
        "judge_conflict": 200, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # The judge's scoring screen, on an assignment of theirs ({assignment_id}).
    ("judging.sheet", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 200,
        "judge_conflict": 404, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # An empty form saves an empty draft, then shows the sheet again.
    ("judging.sheet", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403,
        "judge": (302, "/judging/sheets/{assignment_id}"), "judge_conflict": 404, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # Refused by the rules: nothing scored yet (submit), no reason given (conflict).
    ("judging.sheet_submit", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 400,
        "judge_conflict": 404, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.sheet_conflict", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 400,
        "judge_conflict": 404, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # JSON endpoints: 401 rather than a redirect when signed out; the sweep's form body is no JSON.
    ("judging.sheet_draft", "POST"): {
        "anonymous": 401, "teacher_a": 403, "teacher_b": 403, "judge": 400, "judge_conflict": 404,
        "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.sheet_watch", "POST"): {
        "anonymous": 401, "teacher_a": 403, "teacher_b": 403, "judge": 400, "judge_conflict": 404,
        "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # The organizer's judging screens; an empty form is refused by the form (400).
    # Judging progress: observers too, judges named by pseudonym.
    ("judging.manage_index", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 403,
    },
    ("judging.manage_progress", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 200, "coordinator": 403,
    },
    ("judging.manage_assign", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.manage_judges", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.manage_conflicts", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.manage_reassign", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.manage_entry", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # Rounds: the contest's organizers'. An empty form is refused on the page (400); removing
    # or closing the contest's only round is refused too.
    ("rounds.index", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("rounds.index", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("rounds.edit", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("rounds.edit", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("rounds.remove", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": (302, "/admin/rounds/{contest_id}"),
        "contest_organizer": (302, "/admin/rounds/{contest_id}"), "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("rounds.close", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("rounds.close", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.manage_assign", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.manage_judge_categories", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.manage_remove_judge", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.manage_conflicts", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.manage_remove_conflict", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.manage_reminders", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.manage_reassign", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("judging.manage_reopen", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("results.index", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 403,
    },
    ("results.contest", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 200, "coordinator": 403,
    },
    ("results.entry", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("results.export_results", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 200, "coordinator": 403,
    },
    ("results.export_sheets", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 200, "coordinator": 403,
    },
    ("archive.download", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # Publication: organizers only. The route values' contest has nothing to publish (an empty
    # form is refused, 400), is not published (no document, 404) and cannot be un-published.
    ("results.publish", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("results.publish", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("results.published", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 200, "coordinator": 403,
    },
    ("results.published_json", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 404,
        "contest_organizer": 404, "other_organizer": 403,
        "observer": 404, "coordinator": 403,
    },
    ("results.unpublish", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # Certificates: the route values' contest is unpublished, so the lists say so and PDFs 404.
    ("results.certificates_index", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 200, "coordinator": 403,
    },
    ("results.entry_certificate", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 404,
        "contest_organizer": 404, "other_organizer": 403,
        "observer": 404, "coordinator": 403,
    },
    ("results.school_certificate", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 404,
        "contest_organizer": 404, "other_organizer": 403,
        "observer": 404, "coordinator": 403,
    },
    ("results.certificates_zip", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 404,
        "contest_organizer": 404, "other_organizer": 403,
        "observer": 404, "coordinator": 403,
    },
    ("school_results.certificates_index", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 200, "teacher_b": 404, "judge": 403,
        "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("school_results.results", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 200, "teacher_b": 404, "judge": 403,
        "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # Not published yet: the school's teacher is sent back with the reason.
    ("school_results.share_feedback", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": (302, "/school/{school_id}/results/{contest_id}"),
        "teacher_b": 404, "judge": 403, "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("school_results.participation_certificate", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 404, "teacher_b": 404, "judge": 403,
        "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("school_results.entry_certificate", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 404, "teacher_b": 404, "judge": 403,
        "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("submissions.index", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 200, "teacher_b": 200, "judge": 403,
        "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("media.asset", "GET"): {
        "anonymous": 404, "teacher_a": 200, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 404,
        "observer": 200, "coordinator": 404,
    },
    ("review.index", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 403,
    },
    ("review.entry", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 200, "coordinator": 403,
    },
    # Decisions on an entry with no consent form waiting: refused by the rules (400).
    ("review.approve", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("review.return_consent", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("review.disqualify", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("review.extensions", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 403, "coordinator": 403,
    },
    ("review.extensions", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 403, "coordinator": 403,
    },
    ("submissions.register", "GET"): {
        "anonymous": 200, "teacher_a": (302, "/school/"), "teacher_b": (302, "/school/"),
        "judge": TO_HOME, "judge_conflict": TO_HOME, "admin": TO_HOME,
        "contest_organizer": TO_HOME, "other_organizer": TO_HOME,
        "observer": TO_HOME, "coordinator": (302, "/"),
    },
    ("submissions.register", "POST"): {
        "anonymous": 200, "teacher_a": (302, "/school/"), "teacher_b": (302, "/school/"),
        "judge": TO_HOME, "judge_conflict": TO_HOME, "admin": TO_HOME,
        "contest_organizer": TO_HOME, "other_organizer": TO_HOME,
        "observer": TO_HOME, "coordinator": (302, "/"),
    },
    ("submissions.registered", "GET"): {
        "anonymous": 200, "teacher_a": 200, "teacher_b": 200, "judge": 200, "judge_conflict": 200,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    # The matrix's contest has no phases, so it takes no entries: a teacher is sent back to the
    # school's page, which says so, before any form (the form is tested where entries are open).
    ("submissions.create_entry", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": (302, "/school/"), "teacher_b": (302, "/school/"),
        "judge": 403, "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("submissions.create_entry", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": (302, "/school/"), "teacher_b": (302, "/school/"),
        "judge": 403, "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # Another school's entry does not exist as far as a teacher can tell (404).
    ("submissions.show_entry", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 200, "teacher_b": 404, "judge": 403,
        "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("submissions.edit_entry", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 200, "teacher_b": 404, "judge": 403,
        "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("submissions.edit_entry", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 200, "teacher_b": 404, "judge": 403,
        "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("submissions.upload_consent", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 400, "teacher_b": 404, "judge": 403,
        "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("submissions.upload_captions", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 400, "teacher_b": 404, "judge": 403,
        "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("submissions.withdraw_entry", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 400, "teacher_b": 404, "judge": 403,
        "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("submissions.dismiss_notice", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": (302, "/school/"), "teacher_b": 404, "judge": 403,
        "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("uploads.entry_page", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 200, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 403,
        "contest_organizer": 403, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # tus: signed-in users get past the door, then 412 (the sweep sends no Tus-Resumable).
    ("uploads.tus_files", "POST"): {
        "anonymous": 401, "teacher_a": 412, "teacher_b": 412, "judge": 412, "judge_conflict": 412,
        "admin": 412,
        "contest_organizer": 412, "other_organizer": 412,
        "observer": 412, "coordinator": 412,
    },
    # S3 direct uploads: 404 for the signed-in, since the test storage is local.
    ("uploads.s3_start", "POST"): {
        "anonymous": 401, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 404,
        "contest_organizer": 404, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    ("uploads.s3_upload", "GET"): {
        "anonymous": 401, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 404,
        "contest_organizer": 404, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    ("uploads.s3_complete", "POST"): {
        "anonymous": 401, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 404,
        "contest_organizer": 404, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    ("voting.index", "GET"): {
        "anonymous": 200, "teacher_a": 200, "teacher_b": 200, "judge": 200, "judge_conflict": 200,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    # The organizer's People's Choice screen; the empty void forms are refused (400).
    ("voting.manage_index", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 403, "coordinator": 403,
    },
    ("voting.manage_contest", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("voting.manage_void", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("voting.manage_void_flag", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    # The ballot file: the route values' contest is unpublished, so only organizers see it.
    ("voting.ballots", "GET"): {
        "anonymous": 404, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    # Public voting: the route values' entry is a draft (not in the vote: 404) and the token is
    # no mailed link's (404); the code and receipt pages explain there is nothing to confirm.
    ("voting.entry", "GET"): {
        "anonymous": 404, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 404,
        "contest_organizer": 404, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    ("voting.entry", "POST"): {
        "anonymous": 404, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 404,
        "contest_organizer": 404, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    ("voting.code", "GET"): {
        "anonymous": 200, "teacher_a": 200, "teacher_b": 200, "judge": 200, "judge_conflict": 200,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    ("voting.code", "POST"): {
        "anonymous": 200, "teacher_a": 200, "teacher_b": 200, "judge": 200, "judge_conflict": 200,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    ("voting.confirm", "GET"): {
        "anonymous": 404, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 404,
        "contest_organizer": 404, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    ("voting.confirm", "POST"): {
        "anonymous": 404, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 404,
        "contest_organizer": 404, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    ("voting.receipt", "GET"): {
        "anonymous": 200, "teacher_a": 200, "teacher_b": 200, "judge": 200, "judge_conflict": 200,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    # Takedown: the route values' entry is a draft, not public, so it can't be reported (404).
    ("takedown.report", "GET"): {
        "anonymous": 404, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 404,
        "contest_organizer": 404, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    ("takedown.report", "POST"): {
        "anonymous": 404, "teacher_a": 404, "teacher_b": 404, "judge": 404, "judge_conflict": 404,
        "admin": 404,
        "contest_organizer": 404, "other_organizer": 404,
        "observer": 404, "coordinator": 404,
    },
    ("takedown.sent", "GET"): {
        "anonymous": 200, "teacher_a": 200, "teacher_b": 200, "judge": 200, "judge_conflict": 200,
        "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 200, "coordinator": 200,
    },
    ("takedown.queue", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 200,
        "observer": 403, "coordinator": 403,
    },
    # The organizer's decisions with empty forms: refused, with the form shown again (400).
    ("takedown.queue", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 400,
        "observer": 403, "coordinator": 403,
    },
    ("takedown.entry", "GET"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 200,
        "contest_organizer": 200, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("takedown.hide", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("takedown.unhide", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
    ("takedown.dismiss", "POST"): {
        "anonymous": TO_LOGIN, "teacher_a": 403, "teacher_b": 403, "judge": 403,
        "judge_conflict": 403, "admin": 400,
        "contest_organizer": 400, "other_organizer": 403,
        "observer": 403, "coordinator": 403,
    },
}
# fmt: on


# Pages with several forms prefix each one's fields ("consent-csrf_token"); the sweep sends the
# token under every prefix so that what it measures is access, not a missing token.
FORM_PREFIXES = (
    "consent", "captions", "withdraw", "approve", "return", "disqualify", "void", "flagged",
)  # fmt: skip


def csrf_fields(token):
    return {"csrf_token": token, **{f"{prefix}-csrf_token": token for prefix in FORM_PREFIXES}}


def outcome(response):
    """What a cell of EXPECTED records: the status, with the target path for a redirect."""
    if 300 <= response.status_code < 400:
        return response.status_code, urlsplit(response.headers["Location"]).path
    return response.status_code


def expected_outcome(cell, values):
    """A cell of EXPECTED with the route values filled into a redirect's path."""
    return (cell[0], cell[1].format(**values)) if isinstance(cell, tuple) else cell


def unmatched(app):
    """(routes the app serves with no row in EXPECTED, rows for routes it no longer serves)."""
    served = {(endpoint, method) for endpoint, method, _ in app_routes(app)}
    return sorted(served - EXPECTED.keys()), sorted(EXPECTED.keys() - served)


def test_every_route_has_a_row(app):
    missing, stale = unmatched(app)
    assert not missing, f"routes with no row in EXPECTED (decide who may use them): {missing}"
    assert not stale, f"rows in EXPECTED for routes that no longer exist: {stale}"


def test_a_new_route_without_a_row_is_caught(make_app):
    grown = make_app()
    grown.add_url_rule("/test-only/new", "test_only_new", lambda: "", methods=["GET", "POST"])
    missing, _ = unmatched(grown)
    assert {("test_only_new", "GET"), ("test_only_new", "POST")} <= set(missing)


def test_every_row_decides_for_every_role():
    undecided = {key: sorted(set(ROLES) ^ row.keys()) for key, row in EXPECTED.items()}
    assert not {key: roles for key, roles in undecided.items() if roles}, undecided


@pytest.mark.parametrize("role", ROLES)
def test_route_access(app, login_as, role):
    values = make_route_values(app)
    client = role_client(app, login_as, role, values["contest_id"])
    token = csrf_token(client, "/auth/forgot")
    wrong = []
    for endpoint, method, rule in app_routes(app):
        assert (endpoint, method) in EXPECTED, f"{method} {endpoint} ({rule.rule}) has no row"
        url = route_url(app, rule, values)
        if (endpoint, method) in SESSION_ENDING:  # each meets a session of its own
            client = role_client(app, login_as, role, values["contest_id"])
            token = csrf_token(client, "/auth/forgot")
        send = client.get if method == "GET" else partial(client.post, data=csrf_fields(token))
        response = send(url)
        expected, got = (
            expected_outcome(EXPECTED[(endpoint, method)][role], values),
            outcome(response),
        )
        response.close()  # file responses hold their file open until closed
        if got != expected:
            wrong.append(f"{method} {url} ({endpoint}): expected {expected}, got {got}")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_static_files_are_served_to_everyone(app, login_as, role):
    client = role_client(app, login_as, role)
    for path, mimetype in (("/static/css/site.css", "text/css"), ("/static/js/site.js", "text/")):
        response = client.get(path)
        assert response.status_code == 200, f"{path} as {role}: {response.status_code}"
        assert response.mimetype.startswith(mimetype), f"{path}: {response.mimetype}"
        response.close()
