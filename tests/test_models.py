"""Every model constraint lives in the database: a bad row is refused there, not only by code.

Each case names a model, a good row and the change that makes it bad. The good row must go in
(inside a savepoint, then rolled back), which proves the refusal is about that change alone.
"@name" stands for the id of a row made by the `ids` fixture.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from contest.core.models import (
    Advancement,
    Asset,
    Assignment,
    Category,
    Conflict,
    Contest,
    Criterion,
    District,
    DistrictDomain,
    Entry,
    Invitation,
    JudgeCategory,
    Notice,
    Publication,
    Result,
    RoleGrant,
    Round,
    Rubric,
    School,
    SchoolExtension,
    Score,
    ScoreSheet,
    TakedownReport,
    Upload,
    User,
    Vote,
    VoteCode,
    Voter,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)
HASH = "a" * 64


@pytest.fixture
def ids(session):
    """One valid row of each table (two where uniqueness needs a second), by name."""
    rows = {}

    def add(name, row):
        session.add(row)
        session.flush()
        rows[name] = row.id
        return row

    add("district", District(name="North", name_key="north"))
    add("district2", District(name="South", name_key="south"))
    add("school", School(name="Adams", district_id=rows["district"]))
    add("school_alone", School(name="Alone"))
    add("domain", DistrictDomain(district_id=rows["district"], domain="north.k12.example"))
    add("judge", User(email="judge@example.org"))
    add("judge2", User(email="judge2@example.org"))
    add("contest", Contest(name="ISA", slug="isa"))
    add("contest2", Contest(name="ISA 2027", slug="isa-2027"))
    add("category", Category(contest_id=rows["contest"], name="Cyberbullying"))
    add("round", Round(contest_id=rows["contest"], position=1, name="Judging"))
    add("rubric", Rubric(contest_id=rows["contest"], version=1))
    add("asset", Asset(backend="local", key="videos/1.mp4", content_type="video/mp4", size_bytes=1))
    add("entry", Entry(category_id=rows["category"], school_id=rows["school"], title="Words Hurt"))
    add("entry2", Entry(category_id=rows["category"], school_id=rows["school"], title="Be Kind"))
    add("advancement", Advancement(round_id=rows["round"], entry_id=rows["entry"], advances=True))
    add("criterion", Criterion(rubric_id=rows["rubric"], name="Creativity"))
    add("criterion2", Criterion(rubric_id=rows["rubric"], name="Impact"))
    add("voter", Voter(contest_id=rows["contest"], email_hash=HASH))
    add("voter2", Voter(contest_id=rows["contest"], email_hash="b" * 64))
    add("assignment", Assignment(round_id=rows["round"], judge_id=rows["judge"],
                                 entry_id=rows["entry"]))  # fmt: skip
    add("assignment2", Assignment(round_id=rows["round"], judge_id=rows["judge2"],
                                  entry_id=rows["entry"]))  # fmt: skip
    add("sheet", ScoreSheet(assignment_id=rows["assignment"], rubric_id=rows["rubric"]))
    add("score", Score(sheet_id=rows["sheet"], criterion_id=rows["criterion"], points=3))
    add("vote", Vote(contest_id=rows["contest"], voter_id=rows["voter"], entry_id=rows["entry"],
                     receipt="r1"))  # fmt: skip
    add("grant", RoleGrant(user_id=rows["judge"], role="judge"))
    add("judge_category", JudgeCategory(judge_id=rows["judge"], category_id=rows["category"]))
    add("extension", SchoolExtension(**_resolve(EXTENSION, rows)))
    add("place", Result(**_resolve(PLACE, rows)))
    add("choice", Result(**_resolve(CHOICE, rows)))
    add("publication", Publication(**_resolve(PUBLICATION, rows)))
    session.commit()
    return rows


ENTRY = {"category_id": "@category", "school_id": "@school", "title": "T"}
ROUND = {"contest_id": "@contest", "position": 2, "name": "Finals", "mode": "rubric",
         "judges_per_entry": 3, "rule": "top", "rule_top": 3, "at_the_cut": "chain",
         "created_at": NOW}  # fmt: skip
ADVANCED = {"round_id": "@round", "entry_id": "@entry2", "advances": True, "proposed": "",
            "changed": False, "reason": "", "decided_at": NOW}  # fmt: skip
SHEET = {"assignment_id": "@assignment2", "rubric_id": "@rubric"}
INVITATION = {"email": "a@b.org", "role": "judge", "created_at": NOW, "expires_at": LATER}
ASSET = {"backend": "s3", "key": "k", "content_type": "video/mp4", "size_bytes": 1}
CODE = {"voter_id": "@voter", "entry_id": "@entry", "code_hash": HASH, "link_hash": HASH,
        "created_at": NOW, "expires_at": NOW + timedelta(minutes=15)}  # fmt: skip
PLACE = {"contest_id": "@contest", "category_id": "@category", "award": "place", "place": 1,
         "entry_id": "@entry", "digest": HASH}  # fmt: skip
CHOICE = {"contest_id": "@contest", "award": "peoples_choice", "entry_id": "@entry", "digest": HASH}
PLACE2 = {**PLACE, "entry_id": "@entry2", "place": 2}
CHOICE2 = {**CHOICE, "contest_id": "@contest2"}
PUBLICATION = {"contest_id": "@contest", "document": "{}", "digest": HASH, "published_at": NOW}
PUBLICATION2 = {**PUBLICATION, "contest_id": "@contest2"}
CONTEST = {"name": "X", "slug": "x2"}
REPORT = {"entry_id": "@entry", "reason": "privacy"}
RESOLVED = {**REPORT, "resolved_at": NOW, "outcome": "dismissed"}
UPLOAD = {"id": "u1", "user_id": "@judge", "entry_id": "@entry", "length": 10,
          "staging_key": "s/u1",
          "created_at": NOW, "expires_at": LATER}  # fmt: skip
EXTENSION = {"contest_id": "@contest", "school_id": "@school", "until": LATER, "reason": "flood"}
NOTICE = {"user_id": "@judge", "kind": "entry.ready", "message": "Your entry is ready."}

CASES = {
    "user email unique": (User, {"email": "new@example.org"}, {"email": "judge@example.org"}),
    "user email lower-case": (User, {"email": "new@example.org"}, {"email": "New@example.org"}),
    "role known": (RoleGrant, {"user_id": "@judge2", "role": "judge"}, {"role": "superuser"}),
    "role grant unique": (
        RoleGrant,
        {"user_id": "@judge2", "role": "judge"},
        {"user_id": "@judge"},
    ),
    "teacher has a school": (
        RoleGrant,
        {"user_id": "@judge", "role": "teacher", "school_id": "@school"},
        {"school_id": None},
    ),
    "only a teacher has a school": (
        RoleGrant,
        {"user_id": "@judge", "role": "admin"},
        {"school_id": "@school"},
    ),
    "an organizer's grant names its contest": (
        RoleGrant,
        {"user_id": "@judge", "role": "organizer", "contest_id": "@contest"},
        {"contest_id": None},
    ),
    "a coordinator's grant names a district": (
        RoleGrant,
        {"user_id": "@judge", "role": "coordinator", "district_id": "@district"},
        {"district_id": None},
    ),
    "only a coordinator's grant names a district": (
        RoleGrant,
        {"user_id": "@judge2", "role": "admin"},
        {"district_id": "@district"},
    ),
    "the site administrator's grant names no contest": (
        RoleGrant,
        {"user_id": "@judge", "role": "admin"},
        {"contest_id": "@contest"},
    ),
    "grant names a real user": (
        RoleGrant,
        {"user_id": "@judge2", "role": "judge"},
        {"user_id": 99999},
    ),
    "invitation role known": (Invitation, INVITATION, {"role": "voter"}),
    "invitation expires after creation": (Invitation, INVITATION, {"expires_at": NOW}),
    "invitation email lower-case": (Invitation, INVITATION, {"email": "A@b.org"}),
    "teacher invitation names a school": (
        Invitation,
        {**INVITATION, "role": "teacher", "school_id": "@school"},
        {"school_id": None},
    ),
    "contest slug unique": (Contest, CONTEST, {"slug": "isa"}),
    "contest slug not empty": (Contest, CONTEST, {"slug": ""}),
    "submissions close after they open": (
        Contest,
        {**CONTEST, "submissions_open_at": NOW, "submissions_close_at": LATER},
        {"submissions_close_at": NOW - timedelta(days=1)},
    ),
    "voting closes after it opens": (
        Contest,
        {**CONTEST, "voting_open_at": NOW, "voting_close_at": LATER},
        {"voting_close_at": NOW - timedelta(hours=1)},
    ),
    "max video seconds positive": (Contest, CONTEST, {"max_video_seconds": 0}),
    "max bytes positive": (Contest, CONTEST, {"max_bytes": -1}),
    "entries per school at least one": (Contest, CONTEST, {"entries_per_school_per_category": 0}),
    "retention days not negative": (Contest, CONTEST, {"retention_days": -3}),
    "category name unique in a contest": (
        Category,
        {"contest_id": "@contest", "name": "Privacy"},
        {"name": "Cyberbullying"},
    ),
    "category name not empty": (
        Category,
        {"contest_id": "@contest", "name": "Privacy"},
        {"name": ""},
    ),
    "category names a real contest": (
        Category,
        {"contest_id": "@contest", "name": "Privacy"},
        {"contest_id": 99999},
    ),
    "school name unique in a district": (
        School,
        {"name": "Adams", "district_id": "@district2"},
        {"district_id": "@district"},
    ),
    "school name unique without a district": (
        School,
        {"name": "Alone", "district_id": "@district"},
        {"district_id": None},
    ),
    "district name unique however typed": (
        District,
        {"name": "East", "name_key": "east"},
        {"name_key": "north"},
    ),
    "district domain unique": (
        DistrictDomain,
        {"district_id": "@district2", "domain": "south.k12.example"},
        {"domain": "north.k12.example"},
    ),
    "district domain lower-case": (
        DistrictDomain,
        {"district_id": "@district", "domain": "east.k12.example"},
        {"domain": "East.k12.example"},
    ),
    "school name not empty": (School, {"name": "Baker"}, {"name": ""}),
    "asset backend known": (Asset, ASSET, {"backend": "ftp"}),
    "asset key unique per backend": (Asset, {**ASSET, "key": "videos/1.mp4"}, {"backend": "local"}),
    "asset size not negative": (Asset, ASSET, {"size_bytes": -5}),
    "asset sha256 length": (Asset, {**ASSET, "sha256": HASH}, {"sha256": "abc"}),
    "entry status known": (Entry, ENTRY, {"status": "lost"}),
    "entry consent status known": (Entry, ENTRY, {"consent_status": "maybe"}),
    "entry title not empty": (Entry, ENTRY, {"title": ""}),
    "hidden entry has a reason": (
        Entry,
        {**ENTRY, "hidden_at": NOW, "hidden_reason": "a parent asked"},
        {"hidden_reason": None},
    ),
    "disqualified entry has a reason": (
        Entry,
        {**ENTRY, "status": "disqualified", "status_reason": "too long"},
        {"status_reason": None},
    ),
    "rejected entry has a reason": (
        Entry,
        {**ENTRY, "status": "rejected", "status_reason": "no audio"},
        {"status_reason": None},
    ),
    "entry duration not negative": (Entry, ENTRY, {"duration_seconds": -1.0}),
    "entry names a real school": (Entry, ENTRY, {"school_id": 99999}),
    "entry names a real video": (Entry, ENTRY, {"video_asset_id": 99999}),
    "rubric version unique": (Rubric, {"contest_id": "@contest", "version": 2}, {"version": 1}),
    "rubric version positive": (Rubric, {"contest_id": "@contest", "version": 2}, {"version": 0}),
    "criterion weight positive": (
        Criterion,
        {"rubric_id": "@rubric", "name": "Reach"},
        {"weight": 0},
    ),
    "criterion scale ordered": (
        Criterion,
        {"rubric_id": "@rubric", "name": "Reach"},
        {"min_points": 5, "max_points": 5},
    ),
    "criterion minimum not negative": (
        Criterion,
        {"rubric_id": "@rubric", "name": "Reach", "min_points": 0},
        {"min_points": -1},
    ),
    "criterion name unique in a rubric": (
        Criterion,
        {"rubric_id": "@rubric", "name": "Reach"},
        {"name": "Creativity"},
    ),
    "assignment unique in its round": (
        Assignment,
        {"round_id": "@round", "judge_id": "@judge", "entry_id": "@entry2"},
        {"entry_id": "@entry"},
    ),
    "assignment names a real round": (
        Assignment,
        {"round_id": "@round", "judge_id": "@judge", "entry_id": "@entry2"},
        {"round_id": 99999},
    ),
    "round position unique in a contest": (Round, ROUND, {"position": 1}),
    "round position at least one": (Round, ROUND, {"position": 0}),
    "round mode known": (Round, ROUND, {"mode": "dance-off"}),
    "round name not empty": (Round, ROUND, {"name": ""}),
    "round judges per entry at least one": (Round, ROUND, {"judges_per_entry": 0}),
    "round rule known": (Round, ROUND, {"rule": "coin toss"}),
    "round at the cut known": (Round, ROUND, {"at_the_cut": "coin toss"}),
    "round top names how many": (Round, ROUND, {"rule": "top", "rule_top": 0}),
    "round threshold set": (Round, ROUND, {"rule": "threshold", "rule_threshold": None}),
    "round closed by someone": (
        Round,
        {**ROUND, "closed_at": NOW, "closed_by_id": "@judge"},
        {"closed_by_id": None},
    ),  # fmt: skip
    "advancement once per round and entry": (Advancement, ADVANCED, {"entry_id": "@entry"}),
    "advancement change has a reason": (Advancement, ADVANCED, {"changed": True}),
    "advancement names a real round": (Advancement, ADVANCED, {"round_id": 99999}),
    "round closes after it opens": (
        Round,
        {**ROUND, "opens_at": NOW, "closes_at": LATER},
        {"closes_at": NOW},
    ),  # fmt: skip
    "one sheet per assignment": (ScoreSheet, SHEET, {"assignment_id": "@assignment"}),
    "sheet status known": (ScoreSheet, SHEET, {"status": "final"}),
    "submitted sheet has a time": (
        ScoreSheet,
        {**SHEET, "status": "submitted", "submitted_at": NOW},
        {"submitted_at": None},
    ),
    "reopened sheet has a reason": (
        ScoreSheet,
        {**SHEET, "status": "reopened", "reopen_reason": "misclick"},
        {"reopen_reason": None},
    ),
    "watched fraction within 0 and 1": (ScoreSheet, SHEET, {"watched_fraction": 1.5}),
    "watched seconds not negative": (ScoreSheet, SHEET, {"watched_seconds": -1.0}),
    "score unique per criterion": (
        Score,
        {"sheet_id": "@sheet", "criterion_id": "@criterion2", "points": 3},
        {"criterion_id": "@criterion"},
    ),
    "score points not negative": (
        Score,
        {"sheet_id": "@sheet", "criterion_id": "@criterion2", "points": 3},
        {"points": -1},
    ),
    "conflict names a school or district": (
        Conflict,
        {"judge_id": "@judge", "school_id": "@school", "source": "declared"},
        {"school_id": None},
    ),
    "conflict source known": (
        Conflict,
        {"judge_id": "@judge", "district_id": "@district", "source": "declared"},
        {"source": "rumour"},
    ),
    "voter unique per contest": (
        Voter,
        {"contest_id": "@contest", "email_hash": "c" * 64},
        {"email_hash": HASH},
    ),
    "voter hash length": (
        Voter,
        {"contest_id": "@contest", "email_hash": "c" * 64},
        {"email_hash": "short"},
    ),
    "vote code expires after creation": (
        VoteCode,
        CODE,
        {"expires_at": NOW - timedelta(minutes=1)},
    ),
    "vote code attempts not negative": (VoteCode, CODE, {"attempts": -1}),
    "one vote per voter per contest": (
        Vote,
        {"contest_id": "@contest", "voter_id": "@voter2", "entry_id": "@entry", "receipt": "r2"},
        {"voter_id": "@voter"},
    ),
    "vote receipt unique": (
        Vote,
        {"contest_id": "@contest", "voter_id": "@voter2", "entry_id": "@entry", "receipt": "r2"},
        {"receipt": "r1"},
    ),
    "voided vote has a reason": (
        Vote,
        {
            "contest_id": "@contest",
            "voter_id": "@voter2",
            "entry_id": "@entry",
            "receipt": "r2",
            "voided_at": NOW,
            "void_reason": "burst",
        },
        {"void_reason": None},
    ),
    "upload length positive": (Upload, UPLOAD, {"length": 0}),
    "upload offset not past its length": (Upload, UPLOAD, {"upload_offset": 11}),
    "upload offset not negative": (Upload, UPLOAD, {"upload_offset": -1}),
    "upload purpose known": (Upload, UPLOAD, {"purpose": "virus"}),
    "upload backend known": (Upload, UPLOAD, {"backend": "ftp"}),
    "upload expires after creation": (Upload, UPLOAD, {"expires_at": NOW}),
    "upload names a real user": (Upload, UPLOAD, {"user_id": 99999}),
    "one extension per school per contest": (
        SchoolExtension,
        {**EXTENSION, "contest_id": "@contest2"},
        {"contest_id": "@contest"},
    ),
    "extension has a reason": (
        SchoolExtension,
        EXTENSION | {"contest_id": "@contest2"},
        {"reason": ""},
    ),
    "notice has a recipient": (Notice, NOTICE, {"user_id": None}),
    "notice has a message": (Notice, NOTICE, {"message": ""}),
    "judge category unique": (
        JudgeCategory,
        {"judge_id": "@judge2", "category_id": "@category"},
        {"judge_id": "@judge"},
    ),
    "judge category names a real category": (
        JudgeCategory,
        {"judge_id": "@judge2", "category_id": "@category"},
        {"category_id": 99999},
    ),
    "result place within 1 to 3": (Result, PLACE2, {"place": 4}),
    "place result has a category": (Result, PLACE2, {"category_id": None}),
    "one result per place": (Result, PLACE2, {"place": 1}),
    "people's choice has no category": (Result, CHOICE2, {"category_id": "@category"}),
    "result award known": (Result, CHOICE2, {"award": "gold"}),
    "result digest length": (Result, CHOICE2, {"digest": "abc"}),
    "one people's choice per contest": (Result, CHOICE2, {"contest_id": "@contest"}),
    "publication digest length": (Publication, PUBLICATION2, {"digest": "abc"}),
    "one publication in force per contest": (Publication, PUBLICATION2, {"contest_id": "@contest"}),
    "publication names a real contest": (Publication, PUBLICATION2, {"contest_id": 99999}),
    "report reason known": (TakedownReport, REPORT, {"reason": "dislike"}),
    "report outcome known": (TakedownReport, RESOLVED, {"outcome": "ignored"}),
    "resolved report has an outcome": (TakedownReport, RESOLVED, {"outcome": None}),
    "open report has no outcome": (TakedownReport, REPORT, {"outcome": "hidden"}),
    "report names a real entry": (TakedownReport, REPORT, {"entry_id": 99999}),
}


def _resolve(values, ids):
    return {
        key: ids[value[1:]] if isinstance(value, str) and value.startswith("@") else value
        for key, value in values.items()
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_database_refuses_bad_row(session, ids, case):
    model, good, change = CASES[case]
    with session.begin_nested() as savepoint:
        session.execute(insert(model).values(**_resolve(good, ids)))
        savepoint.rollback()
    with pytest.raises(IntegrityError):
        session.execute(insert(model).values(**_resolve({**good, **change}, ids)))


def test_every_table_has_a_case():
    tested = {model.__tablename__ for model, _, _ in CASES.values()}
    from contest.core.extensions import db

    untested = (
        set(db.metadata.tables) - tested - {"audit_events", "login_failures", "alembic_version"}
    )
    assert not untested, f"tables without a constraint test: {sorted(untested)}"
