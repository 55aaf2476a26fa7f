"""Hostile form fields on every state-changing form: any value, a missing, extra or repeated
field gets an answer below 500, posted with a valid CSRF token by the role that may use the
route; and the rows no request should touch are as they were.

Each route starts from a valid submission (FormRoute.fields, read from contest/*/forms.py and
the views); hypothesis keeps, replaces, drops or repeats each field and adds strangers. The
valid starting point matters: hostile text in one field reaches the services and the database
only when the other fields pass.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from contest.core import districts
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.models.entries import Entry
from contest.core.models.judging import ScoreSheet
from tests import factories
from tests.factories import PASSWORD, contest_form
from tests.fuzz import ANY_CHAR, FUZZ, hostile_number, hostile_text, hostile_value
from tests.fuzz.conftest import all_ids, snapshot
from tests.helpers import csrf_token, role_client

MISSING = object()


def field_value(valid):
    """The valid value, a hostile one, the field repeated, or no field at all."""
    one = st.one_of(st.just(valid), hostile_value) if isinstance(valid, str) else hostile_value
    return st.one_of(
        st.just(valid),
        hostile_value,
        st.lists(one, min_size=2, max_size=3),
        st.just(MISSING),
    )


@st.composite
def submissions(draw, valid, extra_names=()):
    """A form body: each valid field kept, replaced, repeated or dropped, plus a few strangers."""
    data = {}
    for name, good in valid.items():
        value = draw(field_value(good))
        if value is not MISSING:
            data[name] = value
    names = st.text(ANY_CHAR, min_size=1, max_size=30)
    if extra_names:
        names = names | st.sampled_from(extra_names)
    for name, value in draw(st.dictionaries(names, hostile_value, max_size=3)).items():
        data.setdefault(name, value)
    return data


@dataclass(frozen=True)
class FormRoute:
    """One form: who posts it, where (from the world's values) and a valid body to start from.

    `prefix` (formatted with the world's values) names the form's prefix: its fields and CSRF
    token are posted under it. `fresh_client`: a new anonymous client per example, for forms
    whose success signs in (it would redirect every later example). `may_delete`: tables whose
    rows the form may rightly delete. `examples`: bodies that once gave a 500. `setup(app,
    world)` runs before the examples.
    """

    endpoint: str
    role: str
    url: Callable
    fields: Callable
    prefix: str = ""
    fresh_client: bool = False
    may_delete: tuple = ()
    extra_names: tuple = ()
    examples: tuple = ()
    case: str = ""
    setup: Callable | None = None

    @property
    def id(self):
        return f"{self.endpoint}-{self.role}" + (f"-{self.case}" if self.case else "")


def _invitation_url(app, world):
    """A fresh invitation per example: a successful acceptance uses one up."""
    email = f"invitee{len(world.values.setdefault('invited', []))}@example.org"
    world.values["invited"].append(email)
    return factories.make_invitation(app, email, role="judge")[1]


def _reset_url(app, world):
    """A fresh reset link per example, for a user of its own (a reset changes the password)."""
    email = "forgetful@example.org"
    if factories.fetch_user(app, email) is None:
        factories.make_user(app, roles=["judge"], email=email)
    return factories.reset_link_path(app, email)


def _confirmation_url(app, world):
    """A confirmation link per example, for an account of its own waiting for it."""
    number = len(world.values.setdefault("waiting", []))
    email = f"waiting{number}@example.org"
    world.values["waiting"].append(email)
    factories.make_user(app, email=email, email_confirmed_at=None)
    token = factories.signed_token(app.config["SECRET_KEY"], "confirmation", {"email": email})
    return f"/auth/confirm/{token}"


def _pending_school_url(app, world):
    """A pending school per example: rejecting one removes it."""
    school = factories.make_school(app, status="pending")
    return f"/admin/schools/{school.id}/reject"


def _entry_fields(world):
    return {
        "category": str(world.values["category_id"]),
        "title": "Think Before You Post",
        "description": "What a screenshot keeps.",
        "credit_line": "Maya and Leo",
        "full_names_allowed": "y",
    }


def _rubric_fields(world):
    rows = {}
    for row, name in enumerate(("Message", "Craft")):
        rows |= {
            f"criteria-{row}-name": name,
            f"criteria-{row}-guidance": "Is it right?",
            f"criteria-{row}-weight": "1.5",
            f"criteria-{row}-min_points": "1",
            f"criteria-{row}-max_points": "5",
            f"criteria-{row}-descriptors": "Poor\nFair\nGood\nGreat\nSuperb",
            f"criteria-{row}-order": str(row + 1),
        }
    return rows


RUBRIC_EXTRA = tuple(
    f"criteria-{row}-{name}"
    for row in ("0", "2", "7", "-1", "99999999999999999999", "²", "x")
    for name in ("name", "weight", "min_points", "max_points", "order", "remove")
)


def _sheet_fields(world):
    first, second = world.values["criterion_ids"]
    return {
        f"criterion-{first}": "3",
        f"criterion-{second}": "2",
        "comment": "Clear message.",
        "feedback": "Well done.",
    }


SHEET_EXTRA = ("criterion-²", "criterion-0", "criterion-99999999999999999999", "criterion-")


def _publish_fields(world):
    data = {}
    for category_id in world.values["category_ids"]:
        for place in (1, 2, 3):
            data[f"c{category_id}_place{place}"] = ""
        data[f"c{category_id}_reason"] = ""
    first = world.values["category_ids"][0]
    data[f"c{first}_place1"] = str(world.values["entry_id"])
    return data | {"pc_entry": "", "pc_reason": "", "captions_reason": "", "review": "y"}


def _contest_edit_fields(world):
    return contest_form(
        name="Fuzz Contest",
        categories="Cyberbullying\r\nPrivacy, Plagiarism & Copyright\r\nOnline Predators",
        submissions_open_at="2026-12-01T00:00",
        submissions_close_at="2027-01-01T00:00",
        timezone="America/New_York",
    )


def _in_new_york(app, world):
    """The world's contest in New York: its deadlines are converted, west of UTC."""
    with app.app_context():
        db.session.get(Contest, world.values["contest_id"]).timezone = "America/New_York"
        db.session.commit()


# Dates at the edges of the calendar: in a zone west of UTC the last minute of 9999 is in the
# year 10000 in UTC, and east of UTC the first minute of year 1 is before it.
CALENDAR_EDGES = (
    {"submissions_close_at": "9999-12-31T23:59"},
    {"timezone": "Asia/Tokyo", "submissions_open_at": "0001-01-01T00:00"},
)


def _misspelt_district_url(app, world):
    """A district of its own per example, to merge into the world's (a merge removes it)."""
    number = len(world.values.setdefault("misspelt", []))
    with app.app_context():
        district_id = districts.find_or_create(db.session, f"Misspelt {number}").id
        db.session.commit()
    world.values["misspelt"].append(district_id)
    return f"/admin/districts/{district_id}/merge"


def _v(template):
    """A URL from the world's values."""
    return lambda app, world: template.format(**world.values)


# fmt: off
FORM_ROUTES = [
    # --- accounts ---
    FormRoute("auth.login", "anonymous", _v("/auth/login"),
              lambda w: {"email": "teacher.a@example.org", "password": PASSWORD},
              fresh_client=True),
    FormRoute("auth.forgot_password", "anonymous", _v("/auth/forgot"),
              lambda w: {"email": "teacher.a@example.org"}, fresh_client=True),
    FormRoute("auth.accept_invitation", "anonymous", _invitation_url,
              lambda w: {"name": "New Judge", "password": PASSWORD, "confirm": PASSWORD},
              fresh_client=True),
    FormRoute("auth.reset_password", "anonymous", _reset_url,
              lambda w: {"password": "a brand new password", "confirm": "a brand new password"},
              fresh_client=True),
    FormRoute("auth.change_password", "teacher_a", _v("/auth/password"),
              lambda w: {"current_password": PASSWORD, "password": "a brand new password",
                         "confirm": "a brand new password"}),
    FormRoute("auth.confirm_email", "anonymous", _confirmation_url,
              lambda w: {"password": PASSWORD}, fresh_client=True),
    FormRoute("auth.resend_confirmation", "anonymous", _v("/auth/confirm"),
              lambda w: {"email": "teacher.a@example.org"}, fresh_client=True),
    FormRoute("admin.reject_school", "organizer", _pending_school_url,
              lambda w: {"reason": "Not a school we know."}),
    FormRoute("admin.people", "organizer", _v("/admin/people"),
              lambda w: {"email": "invitee@example.org", "role": "teacher",
                         "school": str(w.values["school_id"])}),
    FormRoute("admin.district_list", "organizer", _v("/admin/districts"),
              lambda w: {"name": "Fuzz District", "domains": "fuzz.k12.example"}),
    FormRoute("admin.edit_district", "organizer", _v("/admin/districts/{district_id}"),
              lambda w: {"name": "North", "domains": "north.k12.example"},
              may_delete=("district_domains",)),
    FormRoute("admin.merge_district", "organizer", _misspelt_district_url,
              lambda w: {"target": str(w.values["district_id"])}, may_delete=("districts",)),
    FormRoute("admin.send_invitation", "organizer", _v("/admin/invitations/{invitation_id}/send"),
              lambda w: {}),
    # --- rounds ---
    FormRoute("rounds.index", "organizer", _v("/admin/rounds/{contest_id}"),
              lambda w: {"name": "Finals", "mode": "rubric", "judges_per_entry": "2",
                         "rule": "top", "rule_top": "3", "at_the_cut": "chain"},
              may_delete=("rounds",)),
    FormRoute("rounds.edit", "organizer", _v("/admin/rounds/round/{round_id}"),
              lambda w: {"name": "Judging", "mode": "rubric", "judges_per_entry": "3",
                         "rule": "threshold", "rule_threshold": "60", "at_the_cut": "chain",
                         "closes_at": "2030-01-01T12:00"}),
    FormRoute("rounds.remove", "organizer", _v("/admin/rounds/round/{round_id}/remove"),
              lambda w: {}),
    FormRoute("rounds.close", "organizer", _v("/admin/rounds/round/{round_id}/close"),
              lambda w: {"reason": ""}),
    # --- schools and entries ---
    FormRoute("submissions.register", "anonymous", _v("/school/register"),
              lambda w: {"school_name": "Fuzz High", "district": "West", "name": "Pat Doe",
                         "email": "pat@fuzz.example.org", "password": PASSWORD,
                         "confirm": PASSWORD},
              fresh_client=True),
    FormRoute("submissions.create_entry", "teacher_a", _v("/school/entries/new"),
              _entry_fields),
    FormRoute("submissions.edit_entry", "teacher_a", _v("/school/entries/{entry_id}/edit"),
              _entry_fields, examples=({"title": "Be\x00Kind"}, {"description": "\x00"})),
    FormRoute("submissions.withdraw_entry", "teacher_a",
              _v("/school/entries/{entry_id}/withdraw"),
              lambda w: {"reason": "We made a new one.", "confirm": "y"}, prefix="withdraw"),
    FormRoute("school_results.share_feedback", "teacher_a",
              _v("/school/{school_id}/results/{contest_id}/entries/{entry_id}/feedback"),
              lambda w: {"share": "yes"}),
    # --- contests ---
    FormRoute("contests.create", "organizer", _v("/admin/contests/new"),
              lambda w: contest_form(name="Hostile Contest"), examples=CALENDAR_EDGES),
    FormRoute("contests.edit", "organizer", _v("/admin/contests/{contest_id}/edit"),
              _contest_edit_fields, may_delete=("categories",), examples=CALENDAR_EDGES),
    FormRoute("contests.clone", "organizer", _v("/admin/contests/clone"),
              lambda w: {"source": str(w.values["contest_id"]), "name": "Cloned", "slug": ""}),
    # --- judging: the organizer's screens ---
    FormRoute("judging.edit_rubric", "organizer", _v("/judging/rubrics/{contest_id}/edit"),
              _rubric_fields, may_delete=("criteria", "scores"), extra_names=RUBRIC_EXTRA,
              examples=({"criteria-1-guidance": "\x00"}, {"criteria0\u00b2": ""},
                        {"criteria-" + "1" * 5000 + "-name": "x"})),
    FormRoute("judging.edit_rubric", "organizer",
              _v("/judging/rubrics/{contest_id}/{category_id}"), _rubric_fields,
              may_delete=("criteria", "scores"), extra_names=RUBRIC_EXTRA, case="override"),
    FormRoute("judging.calibration_anchors", "organizer",
              _v("/judging/calibration/{contest_id}"),
              lambda w: {"anchors": [str(w.values["other_entry_id"])]}),
    FormRoute("judging.manage_assign", "organizer", _v("/judging/manage/{contest_id}/assign"),
              lambda w: {"seed": "0"}, examples=({"seed": "9" * 309},)),
    FormRoute("judging.manage_conflicts", "organizer", _v("/judging/manage/conflicts"),
              lambda w: {"judge": str(w.values["judge_id"]),
                         "school": str(w.people["school_b"].id), "district": "0",
                         "reason": "Neighbours."},
              may_delete=("assignments", "score_sheets", "scores")),
    FormRoute("judging.manage_remove_conflict", "organizer",
              _v("/judging/manage/conflicts/{conflict_id}/remove"),
              lambda w: {"reason": "Moved away."}, may_delete=("conflicts",)),
    FormRoute("judging.manage_reminders", "organizer",
              _v("/judging/manage/{contest_id}/reminders"),
              lambda w: {"judges": [str(w.values["judge_user_id"])]}),
    FormRoute("judging.manage_reassign", "organizer",
              _v("/judging/manage/assignments/{assignment_id}/reassign"),
              lambda w: {"judge": str(w.values["judge_id"])},
              may_delete=("assignments", "score_sheets", "scores")),
    FormRoute("judging.manage_reopen", "organizer",
              _v("/judging/manage/assignments/{assignment_id}/reopen"),
              lambda w: {"reason": "Look again."}),
    FormRoute("judging.manage_judge_categories", "organizer",
              _v("/judging/manage/{contest_id}/judges/{judge_user_id}/categories"),
              lambda w: {"scope": "chosen", "categories": [str(w.values["category_id"])]},
              may_delete=("judge_categories",)),
    FormRoute("judging.manage_remove_judge", "organizer",
              _v("/judging/manage/{contest_id}/judges/{judge_user_id}/remove"),
              lambda w: {"confirm": "y"},
              may_delete=("assignments", "score_sheets", "scores", "judge_categories",
                          "role_grants")),
    # --- judging: the judge's scoring screen ---
    FormRoute("judging.sheet", "judge", _v("/judging/sheets/{assignment_id}"),
              _sheet_fields, may_delete=("scores",), extra_names=SHEET_EXTRA,
              examples=({"criterion-²": "1"}, {"criterion-{first_criterion_id}": "²"},
                        {"criterion-{first_criterion_id}": "1" * 5000})),
    FormRoute("judging.sheet_submit", "judge", _v("/judging/sheets/{assignment_id}/submit"),
              _sheet_fields, may_delete=("scores",), extra_names=SHEET_EXTRA),
    FormRoute("judging.sheet_conflict", "judge",
              _v("/judging/sheets/{assignment_id}/conflict"),
              lambda w: {"reason": "I taught there."},
              may_delete=("assignments", "score_sheets", "scores")),
    # --- review, takedown, results, voting oversight ---
    FormRoute("review.return_consent", "organizer",
              _v("/admin/review/entries/{entry_id}/return"),
              lambda w: {"reason": "The form is not signed."}, prefix="return"),
    FormRoute("review.disqualify", "organizer",
              _v("/admin/review/entries/{entry_id}/disqualify"),
              lambda w: {"reason": "Over the time limit."}, prefix="disqualify"),
    FormRoute("review.extensions", "organizer", _v("/admin/review/extensions"),
              lambda w: {"school": str(w.values["school_id"]), "until": "2027-01-15T12:00",
                         "reason": "The school was flooded."},
              examples=({"school": "{school_id}", "until": "9999-12-31T23:59", "reason": "r"},
                        {"school": "{school_id}", "until": "0001-01-01T00:00", "reason": "r"}),
              setup=_in_new_york),
    FormRoute("takedown.queue", "organizer", _v("/admin/takedown/"),
              lambda w: {"entry": str(w.values["other_entry_id"]), "reason": "Privacy."},
              prefix="hideany"),
    FormRoute("takedown.hide", "organizer", _v("/admin/takedown/entries/{entry_id}/hide"),
              lambda w: {"reason": "A face is shown."}, prefix="hide-{entry_id}"),
    FormRoute("takedown.unhide", "organizer",
              _v("/admin/takedown/entries/{entry_id}/unhide"),
              lambda w: {"reason": "Blurred now."}, prefix="unhide-{entry_id}"),
    FormRoute("takedown.dismiss", "organizer",
              _v("/admin/takedown/reports/{report_id}/dismiss"),
              lambda w: {"note": "Nobody is named."}, prefix="dismiss-{report_id}"),
    FormRoute("results.publish", "organizer", _v("/admin/results/{contest_id}/publish"),
              _publish_fields),
    FormRoute("results.unpublish", "organizer", _v("/admin/results/{contest_id}/unpublish"),
              lambda w: {"reason": "A mistake."}, may_delete=("results",)),
    FormRoute("voting.manage_void", "organizer", _v("/vote/manage/{contest_id}/void"),
              lambda w: {"receipt": "R00000001", "reason": "Duplicate."}, prefix="void",
              examples=({"receipt": "\x00"},)),
    FormRoute("voting.manage_void_flag", "organizer",
              _v("/vote/manage/{contest_id}/void-flag"),
              lambda w: {"flag": "network:abc", "reason": "Duplicate."}, prefix="flagged"),
]

# The public's forms need the newest contest to be voting: a world of their own.
VOTING_ROUTES = [
    FormRoute("takedown.report", "anonymous", _v("/report/{voting_entry_id}"),
              lambda w: {"reason": "privacy", "details": "My little brother is in it.",
                         "contact_email": "parent@example.org"},
              fresh_client=True),
    FormRoute("voting.entry", "anonymous", _v("/vote/entry/{voting_entry_id}"),
              lambda w: {"email": "voter@example.org"}, fresh_client=True),
    FormRoute("voting.code", "anonymous", _v("/vote/code"), lambda w: {"code": "123456"}),
]
# fmt: on


def _prefixed(route, world, data):
    prefix = route.prefix.format(**world.values)
    return {f"{prefix}-{name}" if prefix else name: value for name, value in data.items()}


def _filled(world, body):
    """An explicit example's values with the world's ids filled in ("{school_id}")."""
    return {
        name.format(**world.values): value.format(**world.values) if "{" in value else value
        for name, value in body.items()
    }


def check_untouched(app, world, route, before, ids_before):
    """The bystander rows are as they were, and no row went from a table the form may not
    delete from."""
    assert snapshot(app, world.bystanders) == before, f"{route.id} changed a bystander row"
    after = all_ids(app)
    for table, ids in ids_before.items():
        if table not in route.may_delete:
            lost = ids - after[table]
            assert not lost, f"{route.id} deleted {table} rows {sorted(lost)}"


def post_hostile(app, login_as, world, route):
    """Post hypothesis's bodies to the route; every answer must be below 500."""
    if route.setup:
        route.setup(app, world)
    before, ids_before = snapshot(app, world.bystanders), all_ids(app)
    shared = None if route.fresh_client else role_client(app, login_as, route.role)
    if route.endpoint == "voting.code":  # a code waiting to be confirmed in this session
        url = f"/vote/entry/{world.values['voting_entry_id']}"
        token = csrf_token(shared, url)
        sent = shared.post(url, data={"email": "waiting@example.org", "csrf_token": token})
        assert sent.status_code == 302, sent.get_data(as_text=True)

    def send(data):
        client = shared or app.test_client()
        url = route.url(app, world)
        token = csrf_token(client, "/auth/forgot")
        body = _prefixed(route, world, {**data, "csrf_token": token})
        response = client.post(url, data=body)
        response.close()
        assert response.status_code < 500, f"{response.status_code} for {body!r}"
        return response

    @FUZZ
    @given(data=submissions(route.fields(world), route.extra_names))
    def fuzz(data):
        send(data)

    for body in route.examples:
        fuzz = example(data=_filled(world, {**route.fields(world), **body}))(fuzz)
    fuzz()
    check_untouched(app, world, route, before, ids_before)
    return send


@pytest.mark.parametrize("route", FORM_ROUTES, ids=lambda route: route.id)
def test_hostile_fields_never_get_a_500(app, login_as, world, route):
    post_hostile(app, login_as, world, route)


@pytest.fixture
def voting_world(app, world):
    """The world, with a newer contest whose vote is open and an entry the public may see."""
    _, entries = factories.make_voting_contest(app)
    world.values["voting_entry_id"] = entries[0].id
    return world


@pytest.mark.parametrize("route", VOTING_ROUTES, ids=lambda route: route.id)
def test_hostile_public_forms_never_get_a_500(app, login_as, voting_world, route):
    post_hostile(app, login_as, voting_world, route)


def test_a_saved_entry_is_what_was_sent(app, login_as, world):
    """Whatever the text, an accepted edit saves it as sent (trimmed), and a refused one leaves
    the entry as it was."""
    client = login_as("teacher_a")
    url = f"/school/entries/{world.values['entry_id']}/edit"
    category = str(world.values["category_id"])

    def saved():
        with app.app_context():
            entry = db.session.get(Entry, world.values["entry_id"])
            return entry.title, entry.description, entry.credit_line

    @FUZZ
    @given(title=hostile_text, description=hostile_text)
    def edit(title, description):
        earlier = saved()
        token = csrf_token(client, "/auth/forgot")
        response = client.post(
            url,
            data={"category": category, "title": title, "description": description,
                  "credit_line": "", "csrf_token": token},
        )  # fmt: skip
        assert response.status_code < 500
        if response.status_code == 302:
            assert saved() == (title.strip(), description.strip(), "")
        else:
            assert saved() == earlier

    edit()


# --- the scoring screen's JSON endpoints ----------------------------------------------------------

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def draft_bodies(draw, criterion_ids):
    """Autosave bodies: points keyed by real, unknown and non-numeric ids; any JSON at all."""
    keys = st.one_of(
        st.sampled_from([str(i) for i in criterion_ids]),
        hostile_number,
        hostile_text,
    )
    points = st.dictionaries(keys, json_value | st.integers(0, 6), max_size=4)
    body = st.fixed_dictionaries(
        {},
        optional={"points": points | json_value, "comment": json_value, "feedback": json_value},
    )
    return draw(st.one_of(body, body, json_value))


@st.composite
def watch_bodies(draw):
    seconds = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**30), 10**30), json_leaf
    )
    ranges = st.lists(st.lists(seconds, min_size=0, max_size=3) | json_value, max_size=6)
    body = st.fixed_dictionaries({}, optional={"ranges": ranges, "duration": seconds})
    return draw(st.one_of(body, body, json_value))


def _as_json(body):
    # NaN and Infinity as Python writes them: JavaScript never sends them, an attacker may.
    return json.dumps(body, allow_nan=True)


@pytest.mark.parametrize("action", ["draft", "watch"])
def test_hostile_json_never_gets_a_500(app, login_as, world, action):
    before, ids_before = snapshot(app, world.bystanders), all_ids(app)
    client = login_as("judge")
    token = csrf_token(client, f"/judging/sheets/{world.values['assignment_id']}")
    url = f"/judging/sheets/{world.values['assignment_id']}/{action}"
    bodies = draft_bodies(world.values["criterion_ids"]) if action == "draft" else watch_bodies()

    @FUZZ
    @given(body=bodies, content_type=st.sampled_from(["application/json", "text/plain", ""]))
    @example(body={"points": {"²": 1}}, content_type="application/json")
    @example(body={"points": {"1" * 5000: 1}}, content_type="application/json")
    @example(body={"comment": "\x00"}, content_type="application/json")
    @example(body={"ranges": [[0, 1e308]], "duration": 1e308}, content_type="application/json")
    def send(body, content_type):
        response = client.post(
            url,
            data=_as_json(body),
            headers={"X-CSRFToken": token, "Content-Type": content_type},
        )
        assert response.status_code < 500, f"{response.status_code} for {body!r}"
        if response.status_code == 200:
            assert response.is_json and response.json["saved"] is True

    send()
    check_untouched(
        app,
        world,
        FormRoute(f"judging.sheet_{action}", "judge", None, None, may_delete=("scores",)),
        before,
        ids_before,
    )
    with app.app_context():  # the sheet is still readable and in one piece
        sheet = db.session.scalar(
            select(ScoreSheet).where(ScoreSheet.assignment_id == world.values["assignment_id"])
        )
        assert sheet is not None and sheet.status == "draft"
        assert all(score.points is None or 1 <= score.points <= 5 for score in sheet.scores)


def test_every_route_a_form_posts_to_is_fuzzed(app):
    """A new form route shows up here until it gets a FormRoute (or is ruled out below)."""
    fuzzed = {route.endpoint for route in FORM_ROUTES + VOTING_ROUTES}
    fuzzed |= {"judging.sheet_draft", "judging.sheet_watch"}
    # Nothing but a CSRF token (or file uploads, fuzzed by their own tests): nothing to fuzz.
    no_fields = {
        "auth.logout", "auth.end_sessions", "admin.approve_school",
        "judging.remove_override", "review.approve", "submissions.dismiss_notice",
        "submissions.upload_consent", "submissions.upload_captions", "voting.confirm",
        "uploads.tus_files", "uploads.s3_start", "uploads.s3_complete",
    }  # fmt: skip
    posted = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posted - fuzzed - no_fields == set()


def test_a_nul_character_is_refused_and_nothing_is_saved(app, login_as, world):
    """PostgreSQL text cannot hold NUL: the app refuses it (400) on every database alike."""
    client = login_as("teacher_a")
    url = f"/school/entries/{world.values['entry_id']}/edit"
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={"category": str(world.values["category_id"]), "title": "Be\x00Kind",
              "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Entry, world.values["entry_id"]).title == "Mine"
