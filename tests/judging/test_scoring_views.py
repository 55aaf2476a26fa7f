"""The judge's list and scoring screen over HTTP: blind pages, only one's own assignments, the
scale and the lock enforced, CSRF on the form and the JSON autosave, the no-JS form."""

import re

import pytest
from sqlalchemy import select

from contest.core.extensions import db
from contest.core.models.entries import Entry
from contest.core.models.judging import Assignment, Conflict, Criterion, Score, ScoreSheet
from contest.judging import sheets
from tests import factories
from tests.helpers import csrf_token, page_text, submit

SCHOOL = "Lincoln Heights Academy"
DISTRICT = "Riverside Unified"
TEACHER = "Margaret Okafor"
CREDITS = "Filmed by Jamal and Priya"
OTHER_JUDGES_WORDS = "Other judge thinks the sound is muddy"


class Judging:
    """A contest with entries from an identifiable school, assigned to the matrix's judge (one
    a calibration anchor) and to a second judge who has already scored the first entry."""

    def __init__(self, app, people):
        self.app = app
        self.judge = people["judge"]
        self.contest = factories.make_contest(app)
        school = factories.make_school(app, name=SCHOOL, district=DISTRICT)
        teacher = factories.make_user(
            app, roles=[("teacher", school)], name=TEACHER, email="okafor@example.org"
        )
        self.other_judge = factories.make_user(app, roles=["judge"], name="Second Judge")
        category = self.contest.categories[0]
        make = factories.make_entry
        self.entries = [
            make(app, category, school, title="Think Before You Post", status="ready",
                 credit_line=CREDITS, description=f"Made at {SCHOOL}",
                 submitted_by_id=teacher.id, duration_seconds=30.0),
            make(app, self.contest.categories[1], school, title="Passwords Matter",
                 status="ready", credit_line=CREDITS, submitted_by_id=teacher.id),
            make(app, category, school, title="Anchor Video", status="ready",
                 calibration_anchor=True),
        ]  # fmt: skip
        self.unassigned = make(app, category, school, title="Not Yours", status="ready")
        with app.app_context():
            rows = [
                factories.assignment_row(db.session, self.judge.id, self.entries[0].id),
                factories.assignment_row(db.session, self.judge.id, self.entries[1].id),
                factories.assignment_row(
                    db.session, self.judge.id, self.entries[2].id, calibration=True
                ),
                factories.assignment_row(db.session, self.other_judge.id, self.entries[0].id),
                factories.assignment_row(db.session, self.other_judge.id, self.unassigned.id),
            ]
            db.session.add_all(rows)
            db.session.commit()
            self.assignments = [row.id for row in rows[:3]]
            self.others = [row.id for row in rows[3:]]
            other = db.session.get(Assignment, self.others[0])
            judge = db.session.get(type(self.other_judge), self.other_judge.id)
            sheet = sheets.sheet_for(db.session, judge, other)
            points = {c.id: 1 for c in sheets.criteria_of(db.session, sheet)}
            sheets.save_draft(db.session, judge, sheet, points, OTHER_JUDGES_WORDS, "Muddy")
            db.session.commit()
            self.criteria = [
                (c.id, c.name) for c in sheets.criteria_of(db.session, sheet)
            ]  # the same rubric for every entry of the category

    def url(self, index=0, action=""):
        return f"/judging/sheets/{self.assignments[index]}{action}"

    def sheet(self, index=0):
        """(status, {criterion id: points}, comment, feedback) of the judge's sheet, or None."""
        with self.app.app_context():
            row = db.session.scalar(
                select(ScoreSheet).where(ScoreSheet.assignment_id == self.assignments[index])
            )
            if row is None:
                return None
            return row.status, sheets.points_of(row), row.comment, row.feedback

    def submit_first(self, points=3):
        with self.app.app_context():
            judge = db.session.get(type(self.judge), self.judge.id)
            sheet = sheets.sheet_for(
                db.session, judge, db.session.get(Assignment, self.assignments[0])
            )
            sheets.save_draft(
                db.session, judge, sheet, {cid: points for cid, _ in self.criteria}, "", ""
            )
            sheets.submit_sheet(db.session, judge, sheet, sheet.updated_at)
            db.session.commit()

    def form(self, points=4, **extra):
        return {**{f"criterion-{cid}": str(points) for cid, _ in self.criteria}, **extra}


@pytest.fixture
def judging(app, people):
    return Judging(app, people)


@pytest.fixture
def judge(login_as):
    return login_as("judge")


def meta_token(client, url):
    match = re.search(r'name="csrf-token" content="([^"]+)"', page_text(client.get(url)))
    assert match, f"no CSRF meta tag on {url}"
    return match.group(1)


def post_json(client, url, body, token):
    return client.post(url, json=body, headers={"X-CSRFToken": token, "Accept": "application/json"})


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_progress_and_calibration_first(judging, judge):
    judging.submit_first()
    text = page_text(judge.get("/judging/"))
    assert "1 of 3 done" in text
    titles = re.findall(r'href="/judging/sheets/\d+">([^<]+)</a>', text)
    assert titles[0] == "Anchor Video"
    assert set(titles) == {"Anchor Video", "Think Before You Post", "Passwords Matter"}
    assert "Calibration" in text
    assert "Not Yours" not in text


def test_the_list_filters_to_do_and_done(judging, judge):
    judging.submit_first()
    todo = page_text(judge.get("/judging/?show=todo"))
    assert "Passwords Matter" in todo and "Anchor Video" in todo
    assert "Think Before You Post" not in todo
    done = page_text(judge.get("/judging/?show=done"))
    assert "Think Before You Post" in done
    assert "Passwords Matter" not in done
    assert "1 of 3 done" in done  # progress counts every assignment, whatever the filter


def test_a_judge_without_assignments_is_told_so(people, judge):
    assert "No entries are assigned to you yet" in page_text(judge.get("/judging/"))


# --- blind judging -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/judging/", "/judging/?show=todo", "sheet-0", "sheet-1"])
def test_pages_never_name_the_school_teacher_credits_or_other_scores(judging, judge, url):
    if url.startswith("sheet-"):
        url = judging.url(int(url[-1]))
    text = page_text(judge.get(url))
    assert judging.entries[0].title in text or judging.entries[1].title in text
    for secret in (SCHOOL, DISTRICT, TEACHER, "okafor@example.org", CREDITS, "Second Judge",
                   OTHER_JUDGES_WORDS, "Muddy"):  # fmt: skip
        assert secret not in text, f"{url} shows {secret!r}"


def test_the_sheet_shows_the_rubric_with_descriptors_weights_and_radio_groups(judging, judge):
    text = page_text(judge.get(judging.url()))
    assert text.count("<fieldset") == len(judging.criteria)
    assert "<legend>Message accuracy" in text
    assert "weight 3" in text
    assert "Correct, clear and precise" in text  # a level descriptor
    cid = judging.criteria[0][0]
    assert len(re.findall(rf'type="radio" name="criterion-{cid}"', text)) == 5
    assert 'name="csrf-token"' in text
    assert "js/scoring.js" in text
    assert 'id="save-status" class="save-status" role="status" aria-live="polite"' in text
    assert "I know this school" in text


def test_the_player_uses_the_media_route(app, judging, judge):
    with app.app_context():
        entry = db.session.get(Entry, judging.entries[0].id)
        video = factories.store_asset(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "video/mp4")
        poster = factories.store_asset(b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg")
        captions = factories.store_asset(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n", "text/vtt")
        entry.video_asset_id, entry.poster_asset_id = video.id, poster.id
        entry.captions_asset_id = captions.id
        db.session.commit()
        ids = video.id, poster.id, captions.id
    text = page_text(judge.get(judging.url()))
    assert f'<source src="/media/{ids[0]}" type="video/mp4">' in text
    assert f'poster="/media/{ids[1]}"' in text
    assert f'<track kind="captions" src="/media/{ids[2]}"' in text
    for asset_id in ids:
        response = judge.get(f"/media/{asset_id}")
        assert response.status_code == 200
        response.close()


# --- only one's own assignments ------------------------------------------------------------------


def test_a_judge_cannot_open_or_touch_another_judges_assignment(judging, judge):
    token = csrf_token(judge, judging.url())
    for other in judging.others:
        base = f"/judging/sheets/{other}"
        assert judge.get(base).status_code == 404
        assert judge.post(base, data={**judging.form(), "csrf_token": token}).status_code == 404
        assert judge.post(f"{base}/submit", data={"csrf_token": token}).status_code == 404
        conflict = {"csrf_token": token, "reason": "I do"}
        assert judge.post(f"{base}/conflict", data=conflict).status_code == 404
        body = {"points": {str(judging.criteria[0][0]): 5}}
        assert post_json(judge, f"{base}/draft", body, token).status_code == 404
        watch = {"ranges": [[0, 10]], "duration": 10}
        assert post_json(judge, f"{base}/watch", watch, token).status_code == 404
    assert judge.get("/judging/sheets/999999999").status_code == 404
    with judging.app.app_context():
        other_sheet = db.session.scalar(
            select(ScoreSheet).where(ScoreSheet.assignment_id == judging.others[0])
        )
        assert set(sheets.points_of(other_sheet).values()) == {1}
        assert other_sheet.watched_seconds == 0


# --- the no-JS form ------------------------------------------------------------------------------


def test_the_form_saves_a_draft_without_javascript(judging, judge):
    cid = judging.criteria[0][0]
    data = {f"criterion-{cid}": "4", "comment": "Strong opening", "feedback": "Great work!"}
    response = submit(judge, judging.url(), data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(judging.url())
    assert judging.sheet() == ("draft", {cid: 4}, "Strong opening", "Great work!")
    page = page_text(judge.get(judging.url()))
    assert "Draft saved." in page
    assert f'name="criterion-{cid}" value="4" checked' in page
    assert "Strong opening" in page


def test_the_form_submits_and_locks(judging, judge):
    response = submit(judge, judging.url(action="/submit"), judging.form(5), page=judging.url())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/judging/")
    status, points, _, _ = judging.sheet()
    assert status == "submitted"
    assert set(points.values()) == {5}
    page = page_text(judge.get(judging.url()))
    assert "They are locked" in page
    assert "Submit scores" not in page
    assert page.count("<fieldset") == page.count(" disabled>")
    assert "1 of 3 done" in page_text(judge.get("/judging/"))


def test_submitting_an_incomplete_sheet_keeps_the_draft_and_names_what_is_missing(judging, judge):
    (first, _), (_, second_name) = judging.criteria[:2]
    data = {f"criterion-{first}": "2"}
    response = submit(judge, judging.url(action="/submit"), data, page=judging.url())
    assert response.status_code == 400
    assert second_name in page_text(response)
    assert judging.sheet()[:2] == ("draft", {first: 2})


def test_full_play_is_required_when_the_contest_says_so(app, judging, judge):
    with app.app_context():
        from contest.core.models.contests import Contest

        db.session.get(Contest, judging.contest.id).require_full_play = True
        db.session.commit()
    response = submit(judge, judging.url(action="/submit"), judging.form(), page=judging.url())
    assert response.status_code == 400
    assert "watch the whole video" in page_text(response)
    token = meta_token(judge, judging.url())
    post_json(judge, judging.url(action="/watch"), {"ranges": [[0, 30]]}, token)
    response = submit(judge, judging.url(action="/submit"), judging.form(), page=judging.url())
    assert response.status_code == 302
    assert judging.sheet()[0] == "submitted"


# --- the scale and the lock ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9", "0", "-1", "2.5", "five"])
def test_the_form_refuses_points_off_the_scale(judging, judge, value):
    cid, name = judging.criteria[1]
    response = submit(judge, judging.url(), judging.form(3, **{f"criterion-{cid}": value}))
    assert response.status_code == 400
    text = page_text(response)
    assert f"{name}: choose a whole number from 1 to 5." in text
    assert judging.sheet()[1] == {}


@pytest.mark.parametrize("value", [9, 0, -1, 2.5, "3", True, [3]])
def test_the_autosave_refuses_points_off_the_scale(judging, judge, value):
    cid, name = judging.criteria[1]
    token = meta_token(judge, judging.url())
    response = post_json(judge, judging.url(action="/draft"), {"points": {str(cid): value}}, token)
    assert response.status_code == 400
    assert response.is_json
    assert response.json["message"] == f"{name}: choose a whole number from 1 to 5."
    assert judging.sheet()[1] == {}


@pytest.mark.parametrize("key", ["999999999", "abc", "-3"])
def test_the_autosave_refuses_tampered_criteria(app, judging, judge, key):
    token = meta_token(judge, judging.url())
    response = post_json(judge, judging.url(action="/draft"), {"points": {key: 3}}, token)
    assert response.status_code == 400
    assert "no criterion" in response.json["message"]


def test_a_criterion_of_another_rubric_is_refused(app, judging, judge):
    with app.app_context():
        foreign = db.session.scalar(
            select(Criterion.id).where(Criterion.id.not_in([cid for cid, _ in judging.criteria]))
        )
    token = meta_token(judge, judging.url())
    for send in (
        lambda: post_json(judge, judging.url(action="/draft"), {"points": {foreign: 3}}, token),
        lambda: judge.post(judging.url(), data={f"criterion-{foreign}": "3", "csrf_token": token}),
    ):
        response = send()
        assert response.status_code == 400
        assert "no criterion" in page_text(response)
    assert judging.sheet()[1] == {}


@pytest.mark.parametrize("body", [None, [], {"points": [1, 2]}, {"points": "x"}])
def test_the_autosave_refuses_malformed_bodies(judging, judge, body):
    token = meta_token(judge, judging.url())
    response = judge.post(
        judging.url(action="/draft"),
        data="not json" if body is None else None,
        json=body,
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert response.is_json


def test_a_submitted_sheet_cannot_be_edited(judging, judge):
    judging.submit_first(points=3)
    token = meta_token(judge, judging.url())
    form = judge.post(judging.url(), data={**judging.form(5), "csrf_token": token})
    assert form.status_code == 409
    assert "locked" in page_text(form)
    again = judge.post(judging.url(action="/submit"), data={**judging.form(5), "csrf_token": token})
    assert again.status_code == 409
    draft = post_json(
        judge, judging.url(action="/draft"), {"points": {str(judging.criteria[0][0]): 5}}, token
    )
    assert draft.status_code == 409
    assert "locked" in draft.json["message"]
    watch = post_json(judge, judging.url(action="/watch"), {"ranges": [[0, 5]]}, token)
    assert watch.status_code == 409
    status, points, _, _ = judging.sheet()
    assert status == "submitted" and set(points.values()) == {3}


# --- autosave and watch evidence -----------------------------------------------------------------


def test_the_autosave_saves_and_answers_with_the_sheet(judging, judge):
    (first, _), (second, _) = judging.criteria[:2]
    token = meta_token(judge, judging.url())
    body = {"points": {str(first): 2, str(second): 5}, "comment": "Clear", "feedback": "Well done"}
    response = post_json(judge, judging.url(action="/draft"), body, token)
    assert response.status_code == 200
    assert response.json["saved"] is True
    assert response.json["points"] == {str(first): 2, str(second): 5}
    assert judging.sheet() == ("draft", {first: 2, second: 5}, "Clear", "Well done")
    # null clears one; what is left out stays
    post_json(judge, judging.url(action="/draft"), {"points": {str(second): None}}, token)
    assert judging.sheet() == ("draft", {first: 2}, "Clear", "Well done")


def test_watch_evidence_is_recorded_against_the_entrys_own_duration(judging, judge):
    token = meta_token(judge, judging.url())
    url = judging.url(action="/watch")
    # The browser claims a 10 s video; the entry's file says 30 s, and that wins.
    response = post_json(judge, url, {"ranges": [[0, 6], [3, 9]], "duration": 10}, token)
    assert response.status_code == 200
    assert response.json["watched_seconds"] == 9
    assert response.json["watched_fraction"] == pytest.approx(0.3)
    response = post_json(judge, url, {"ranges": [[20, 99]], "duration": 10}, token)
    assert response.json["watched_seconds"] == 19  # clamped to the video's 30 s
    assert post_json(judge, url, {"ranges": [[5, 1]]}, token).status_code == 400
    assert post_json(judge, url, {"ranges": "all of it"}, token).status_code == 400


def test_watch_without_a_known_duration_uses_the_players(judging, judge):
    token = meta_token(judge, judging.url(1))
    url = judging.url(1, "/watch")
    response = post_json(judge, url, {"ranges": [[0, 4]], "duration": 8}, token)
    assert response.json["watched_fraction"] == 0.5
    assert post_json(judge, url, {"ranges": [[0, 4]]}, token).status_code == 400


# --- CSRF ----------------------------------------------------------------------------------------


def test_csrf_is_enforced_on_the_autosave_and_the_forms(judging, judge):
    cid = judging.criteria[0][0]
    body = {"points": {str(cid): 4}}
    assert judge.post(judging.url(action="/draft"), json=body).status_code == 400
    wrong = post_json(judge, judging.url(action="/draft"), body, "not-the-token")
    assert wrong.status_code == 400
    assert judge.post(judging.url(action="/watch"), json={"ranges": [[0, 3]]}).status_code == 400
    for action in ("", "/submit", "/conflict"):
        refused = judge.post(judging.url(action=action), data={**judging.form(), "reason": "x"})
        assert refused.status_code == 400, action
        assert "Your form expired or came from another site" in page_text(refused)
    assert judging.sheet() in (None, ("draft", {}, "", ""))
    # The same request with the page's token goes through.
    token = meta_token(judge, judging.url())
    assert post_json(judge, judging.url(action="/draft"), body, token).status_code == 200
    assert judging.sheet()[1] == {cid: 4}


def test_signed_out_autosave_gets_401_json(app, judging):
    client = app.test_client()
    token = csrf_token(client, "/auth/forgot")
    response = client.post(
        judging.url(action="/draft"), json={"points": {}}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 401
    assert "kept here" in response.json["message"]


# --- "I know this school" ------------------------------------------------------------------------


def test_declaring_a_conflict_records_it_and_takes_the_entry_away(app, judging, judge):
    refused = submit(judge, judging.url(action="/conflict"), {"reason": " "}, page=judging.url())
    assert refused.status_code == 400
    assert "how you know the school" in page_text(refused)
    response = submit(
        judge,
        judging.url(action="/conflict"),
        {"reason": "My niece goes there"},
        page=judging.url(),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/judging/")
    with app.app_context():
        conflict = db.session.scalar(select(Conflict).where(Conflict.judge_id == judging.judge.id))
        assert conflict.source == "declared"
        assert conflict.reason == "My niece goes there"
        assert db.session.get(Assignment, judging.assignments[0]) is None
    assert "another judge" in page_text(judge.get("/judging/"))
    assert judge.get(judging.url()).status_code == 404


def test_the_score_rows_hold_what_the_judge_chose(app, judging, judge):
    submit(judge, judging.url(), judging.form(2))
    with app.app_context():
        rows = db.session.scalars(select(Score.points)).all()
    assert rows.count(2) == len(judging.criteria)
