"""Contest services: creating, editing and cloning contests, with a session and no requests."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from contest.contests.editing import (
    PHASE_ORDER,
    PHASES,
    RULE_LIMITS,
    SAME_MOMENT_ALLOWED,
    SETTINGS,
    ContestDraft,
    clone_contest,
    create_contest,
    draft_from,
    latest_rubrics,
    update_contest,
)
from contest.core.errors import ValidationError
from contest.core.models.contests import DEFAULT_CATEGORIES, DEFAULT_LICENCE, Category, Contest
from contest.core.models.entries import Entry
from contest.core.models.judging import Rubric
from contest.judging.rubrics import DEFAULT_RUBRIC
from tests import factories

DEFAULT_NAMES = ["Cyberbullying", "Privacy, Plagiarism & Copyright", "Online Predators"]
LABELS = dict(PHASES)


def refused(call, field, *words):
    """Run `call`, which must raise ValidationError on `field` with `words` in its message."""
    with pytest.raises(ValidationError) as caught:
        call()
    assert caught.value.field == field, caught.value.message
    for word in words:
        assert word in caught.value.message
    return caught.value


def saved(session, draft):
    """Create a contest from `draft`, commit, and read it back from the database."""
    contest_id = create_contest(session, draft).id
    session.commit()
    session.expire_all()
    return session.get(Contest, contest_id)


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


# --- creating ------------------------------------------------------------------------------------


def test_create_gives_the_default_categories_in_order(session):
    contest = saved(session, ContestDraft(name="Internet Safety Awards 2026"))

    assert [name for name, _ in DEFAULT_CATEGORIES] == DEFAULT_NAMES
    assert [c.name for c in contest.categories] == DEFAULT_NAMES
    assert [c.sort_order for c in contest.categories] == [0, 1, 2]
    assert [c.description for c in contest.categories] == [d for _, d in DEFAULT_CATEGORIES]
    assert contest.timezone == "UTC"
    assert contest.max_video_seconds == 120
    assert contest.licence == DEFAULT_LICENCE
    assert contest.retention_days is None
    assert contest.cloned_from_id is None
    assert all(getattr(contest, phase) is None for phase, _ in PHASES)


def test_create_keeps_the_given_settings_trimmed(session):
    contest = saved(
        session,
        ContestDraft(
            name="  Safety Awards  ",
            description="  Make a PSA.  ",
            categories=["  Gaming  ", "", "   ", "Scams"],
            max_video_seconds=90,
            max_bytes=200 * 1024 * 1024,
            entries_per_school_per_category=1,
            judges_per_entry=5,
            normalise_scores=False,
            require_full_play=True,
            licence="  CC BY 4.0 ",
            retention_days=365,
        ),
    )

    assert contest.name == "Safety Awards"
    assert contest.description == "Make a PSA."
    assert [c.name for c in contest.categories] == ["Gaming", "Scams"]
    assert [c.description for c in contest.categories] == ["", ""]
    assert (contest.max_video_seconds, contest.max_bytes) == (90, 200 * 1024 * 1024)
    assert (contest.entries_per_school_per_category, contest.final_round.judges_per_entry) == (1, 5)
    assert contest.normalise_scores is False
    assert contest.require_full_play is True
    assert contest.licence == "CC BY 4.0"
    assert contest.retention_days == 365


@pytest.mark.parametrize(
    ("zone", "local", "utc"),
    [
        ("America/New_York", datetime(2026, 3, 1, 17, 0), datetime(2026, 3, 1, 22, 0, tzinfo=UTC)),
        # Daylight saving time: New York is UTC-4 in summer.
        ("America/New_York", datetime(2026, 7, 1, 17, 0), datetime(2026, 7, 1, 21, 0, tzinfo=UTC)),
        # The day the clocks go forward, after the change.
        ("America/New_York", datetime(2026, 3, 8, 12, 0), datetime(2026, 3, 8, 16, 0, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 7, 1, 9, 30), datetime(2026, 7, 1, 8, 30, tzinfo=UTC)),
        ("Australia/Sydney", datetime(2026, 1, 15, 8, 0), datetime(2026, 1, 14, 21, 0, tzinfo=UTC)),
        ("UTC", datetime(2026, 3, 1, 17, 0), datetime(2026, 3, 1, 17, 0, tzinfo=UTC)),
    ],
)
def test_phases_entered_in_the_contest_zone_are_stored_in_utc(session, zone, local, utc):
    contest = saved(
        session,
        ContestDraft(name="ISA", timezone=zone, phases={"submissions_close_at": local}),
    )

    assert contest.submissions_close_at == utc
    assert contest.submissions_close_at.utcoffset().total_seconds() == 0
    assert draft_from(contest).phases["submissions_close_at"] == local


def test_every_phase_round_trips_across_a_daylight_saving_change(session):
    phases = {
        "submissions_open_at": datetime(2026, 3, 1, 17, 0),  # EST, UTC-5
        "submissions_close_at": datetime(2026, 3, 20, 17, 0),  # EDT, UTC-4
        "judging_close_at": datetime(2026, 4, 10, 23, 59),
        "voting_open_at": datetime(2026, 4, 1, 8, 0),
        "voting_close_at": datetime(2026, 11, 2, 8, 0),  # EST again
    }
    contest = saved(session, ContestDraft(name="ISA", timezone="America/New_York", phases=phases))

    assert contest.submissions_open_at == datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
    assert contest.submissions_close_at == datetime(2026, 3, 20, 21, 0, tzinfo=UTC)
    assert contest.judging_close_at == datetime(2026, 4, 11, 3, 59, tzinfo=UTC)
    assert contest.voting_open_at == datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    assert contest.voting_close_at == datetime(2026, 11, 2, 13, 0, tzinfo=UTC)
    assert draft_from(contest).phases == phases


def test_a_local_time_the_clocks_skip_is_refused(session):
    # 02:30 does not exist in New York on 8 March 2026; 02:30 "EST" would be later than 03:15 EDT.
    draft = ContestDraft(
        name="ISA",
        timezone="America/New_York",
        phases={
            "submissions_open_at": datetime(2026, 3, 8, 2, 30),
            "submissions_close_at": datetime(2026, 3, 8, 3, 15),
        },
    )

    refused(lambda: create_contest(session, draft), "submissions_open_at", "02:30", "clocks")
    assert count(session, Contest) == 0


def test_slug_is_made_from_the_name(session):
    contest = saved(session, ContestDraft(name="Internet Safety Awards — 2026 (Spring)!"))

    assert contest.slug == "internet-safety-awards-2026-spring"


def test_a_given_slug_is_kept(session):
    contest = saved(session, ContestDraft(name="Internet Safety Awards", slug=" isa-2026 "))

    assert contest.slug == "isa-2026"


def test_slug_from_a_long_name_is_short_and_valid(session):
    name = "a" * 99 + " " + "b" * 100  # the cut at 100 characters falls on a hyphen
    contest = saved(session, ContestDraft(name=name))

    assert contest.slug == "a" * 99
    assert contest.name == name


def test_a_name_without_letters_or_digits_needs_a_slug(session):
    refused(lambda: create_contest(session, ContestDraft(name="!!!")), "slug", "web address")
    assert saved(session, ContestDraft(name="!!!", slug="bangs")).slug == "bangs"


def test_slug_must_be_unique(session):
    saved(session, ContestDraft(name="Internet Safety Awards"))

    refused(
        lambda: create_contest(session, ContestDraft(name="Internet Safety Awards")),
        "slug",
        "internet-safety-awards",
    )
    refused(
        lambda: create_contest(session, ContestDraft(name="Other", slug="internet-safety-awards")),
        "slug",
        "already uses",
    )
    assert count(session, Contest) == 1


@pytest.mark.parametrize(
    "slug",
    [
        "Has-Caps",
        "under_score",
        "-leading",
        "trailing-",
        "double--hyphen",
        "with space",
        "ünï",
        "a/b",
    ],
)
def test_bad_slug_is_refused(session, slug):
    refused(lambda: create_contest(session, ContestDraft(name="ISA", slug=slug)), "slug", "hyphens")
    assert count(session, Contest) == 0


def test_too_long_slug_is_refused(session):
    refused(
        lambda: create_contest(session, ContestDraft(name="ISA", slug="a" * 101)), "slug", "100"
    )
    assert saved(session, ContestDraft(name="ISA", slug="a" * 100)).slug == "a" * 100


@pytest.mark.parametrize("name", ["", "   "])
def test_name_is_required(session, name):
    refused(lambda: create_contest(session, ContestDraft(name=name)), "name", "name")


def test_too_long_name_is_refused(session):
    refused(lambda: create_contest(session, ContestDraft(name="n" * 201)), "name", "200")
    assert len(saved(session, ContestDraft(name="n" * 200)).name) == 200


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "america/new_york", "", "../../etc/passwd"])
def test_unknown_time_zone_is_refused(session, zone):
    refused(
        lambda: create_contest(session, ContestDraft(name="ISA", timezone=zone)),
        "timezone",
        "time zone",
    )
    assert count(session, Contest) == 0


@pytest.mark.parametrize("rule", sorted(RULE_LIMITS))
def test_rules_out_of_range_are_refused(session, rule):
    low, high, label = RULE_LIMITS[rule]
    for value in (low - 1, high + 1, None, "12", 0.5):
        refused(
            lambda value=value: create_contest(session, ContestDraft(name="ISA", **{rule: value})),
            rule,
            label,
        )
    assert count(session, Contest) == 0
    for value in (low, high):
        contest = saved(session, ContestDraft(name=f"ISA {value}", **{rule: value}))
        holder = contest.final_round if rule == "judges_per_entry" else contest
        assert getattr(holder, rule) == value


def test_max_bytes_error_speaks_in_megabytes(session):
    error = refused(
        lambda: create_contest(session, ContestDraft(name="ISA", max_bytes=1000)), "max_bytes"
    )
    assert "1 MB" in error.message
    assert "10240 MB" in error.message


@pytest.mark.parametrize("days", [-1, 3651, "30"])
def test_retention_out_of_range_is_refused(session, days):
    refused(
        lambda: create_contest(session, ContestDraft(name="ISA", retention_days=days)),
        "retention_days",
        "3650",
    )


@pytest.mark.parametrize("days", [None, 0, 3650])
def test_retention_in_range_is_kept(session, days):
    assert saved(session, ContestDraft(name="ISA", retention_days=days)).retention_days == days


@pytest.mark.parametrize("licence", ["", "   ", "x" * 101])
def test_licence_must_be_given_and_short(session, licence):
    refused(
        lambda: create_contest(session, ContestDraft(name="ISA", licence=licence)),
        "licence",
        "licence",
    )


@pytest.mark.parametrize(("earlier", "later"), PHASE_ORDER)
def test_phases_out_of_order_name_the_later_field(session, earlier, later):
    moment = datetime(2026, 3, 1, 12, 0)
    draft = ContestDraft(
        name="ISA",
        timezone="America/New_York",
        phases={earlier: datetime(2026, 3, 10), later: moment},
    )
    refused(lambda: create_contest(session, draft), later, LABELS[later], LABELS[earlier].lower())
    same = ContestDraft(
        name="ISA", timezone="America/New_York", phases={earlier: moment, later: moment}
    )
    if (earlier, later) in SAME_MOMENT_ALLOWED:
        contest = create_contest(session, same)
        assert getattr(contest, earlier) == getattr(contest, later)
        session.rollback()
    else:
        refused(lambda: create_contest(session, same), later, LABELS[later])
    assert count(session, Contest) == 0
    in_order = {earlier: moment, later: datetime(2026, 3, 1, 12, 1)}
    contest = saved(session, ContestDraft(name="ISA", phases=in_order))
    assert getattr(contest, earlier) < getattr(contest, later)


def test_a_middle_phase_left_empty_still_orders_the_others(session):
    phases = {
        "submissions_open_at": datetime(2026, 3, 10),
        "judging_close_at": datetime(2026, 3, 1),
    }
    draft = ContestDraft(name="ISA", phases=phases)
    refused(lambda: create_contest(session, draft), "judging_close_at", "Judging closes")


def test_new_contest_starts_with_the_default_rubric(session):
    contest = saved(session, ContestDraft(name="ISA"))
    rubrics = latest_rubrics(session, contest)
    assert len(rubrics) == 1 and rubrics[0].category_id is None
    assert [c.name for c in rubrics[0].criteria] == [row[0] for row in DEFAULT_RUBRIC]
    assert all(
        len(c.level_descriptors) == c.max_points - c.min_points + 1 for c in rubrics[0].criteria
    )


def test_categories_are_required(session):
    for categories in ([], ["", "  "]):
        refused(
            lambda categories=categories: create_contest(
                session, ContestDraft(name="ISA", categories=categories)
            ),
            "categories",
            "at least one",
        )
    assert count(session, Category) == 0


def test_duplicate_categories_are_refused_whatever_their_case(session):
    draft = ContestDraft(name="ISA", categories=["Cyberbullying", "Gaming", " cyberBULLYING "])

    error = refused(lambda: create_contest(session, draft), "categories", "twice")
    assert "Cyberbullying" in error.message
    assert "Gaming" not in error.message
    assert count(session, Contest) == 0


def test_too_long_category_is_refused(session):
    draft = ContestDraft(name="ISA", categories=["c" * 121])

    refused(lambda: create_contest(session, draft), "categories", "120")
    contest = saved(session, ContestDraft(name="OK", categories=["c" * 120]))
    assert [c.name for c in contest.categories] == ["c" * 120]


# --- editing -------------------------------------------------------------------------------------


def _ids(contest):
    return {c.name: c.id for c in contest.categories}


def updated(session, contest, **changes):
    """Update `contest` from its own draft with `changes`; commit and read it back."""
    draft = draft_from(contest)
    for name, value in changes.items():
        setattr(draft, name, value)
    update_contest(session, contest, draft)
    session.commit()
    session.expire_all()
    return session.get(Contest, contest.id)


def test_update_changes_settings_and_converts_phases(session):
    contest = saved(session, ContestDraft(name="ISA", timezone="America/New_York"))

    contest = updated(
        session,
        contest,
        name="ISA 2026",
        timezone="America/Los_Angeles",
        phases={"voting_open_at": datetime(2026, 5, 1, 9, 0)},
        judges_per_entry=4,
    )

    assert (contest.name, contest.slug) == ("ISA 2026", "isa")
    assert contest.voting_open_at == datetime(2026, 5, 1, 16, 0, tzinfo=UTC)
    assert contest.final_round.judges_per_entry == 4
    assert draft_from(contest).phases["voting_open_at"] == datetime(2026, 5, 1, 9, 0)


def test_update_refuses_another_contests_slug_and_allows_its_own(session):
    saved(session, ContestDraft(name="First"))
    second = saved(session, ContestDraft(name="Second"))

    draft = draft_from(second)
    draft.slug = "first"
    refused(lambda: update_contest(session, second, draft), "slug", "first")
    session.rollback()
    assert updated(session, second, description="Same slug").slug == "second"


def test_renaming_categories_keeps_their_ids(session):
    contest = saved(session, ContestDraft(name="ISA"))
    before = [c.id for c in contest.categories]

    contest = updated(
        session,
        contest,
        categories=["Cyberbullying & Harassment", "privacy, plagiarism & copyright", "Predators"],
    )

    assert [c.id for c in contest.categories] == before
    assert [c.name for c in contest.categories] == [
        "Cyberbullying & Harassment",
        "privacy, plagiarism & copyright",
        "Predators",
    ]


def test_reordering_categories_keeps_their_ids(session):
    contest = saved(session, ContestDraft(name="ISA"))
    ids = _ids(contest)

    contest = updated(session, contest, categories=list(reversed(DEFAULT_NAMES)))

    assert [c.name for c in contest.categories] == list(reversed(DEFAULT_NAMES))
    assert [c.id for c in contest.categories] == [ids[n] for n in reversed(DEFAULT_NAMES)]
    assert [c.sort_order for c in contest.categories] == [0, 1, 2]


def test_adding_a_category_keeps_the_others(session):
    contest = saved(session, ContestDraft(name="ISA"))
    ids = _ids(contest)

    contest = updated(session, contest, categories=["Gaming", *DEFAULT_NAMES])

    assert [c.name for c in contest.categories] == ["Gaming", *DEFAULT_NAMES]
    assert {n: i for n, i in _ids(contest).items() if n != "Gaming"} == ids
    assert _ids(contest)["Gaming"] not in ids.values()


def test_removing_a_category_without_entries_deletes_it(session):
    contest = saved(session, ContestDraft(name="ISA"))
    ids = _ids(contest)

    contest = updated(session, contest, categories=["Cyberbullying", "Online Predators"])

    assert _ids(contest) == {n: ids[n] for n in ("Cyberbullying", "Online Predators")}
    assert session.get(Category, ids["Privacy, Plagiarism & Copyright"]) is None


def test_removing_a_category_with_entries_is_refused(app, session):
    contest = saved(session, ContestDraft(name="ISA"))
    predators = contest.categories[2]
    entry = factories.make_entry(app, predators, factories.make_school(app))

    draft = draft_from(contest)
    draft.name = "Renamed"
    draft.categories = ["Cyberbullying", "Privacy, Plagiarism & Copyright"]
    refused(lambda: update_contest(session, contest, draft), "categories", "Online Predators")

    assert contest.name == "ISA"  # nothing changed before the refusal
    session.rollback()
    session.expire_all()
    assert [c.name for c in session.get(Contest, contest.id).categories] == DEFAULT_NAMES
    assert session.get(Entry, entry.id).category_id == predators.id


def test_renaming_a_category_with_entries_keeps_them(app, session):
    contest = saved(session, ContestDraft(name="ISA"))
    predators = contest.categories[2]
    entry = factories.make_entry(app, predators, factories.make_school(app))

    contest = updated(
        session, contest, categories=["Cyberbullying", "Privacy", "Online Predators & Grooming"]
    )

    assert contest.categories[2].id == predators.id
    assert session.get(Entry, entry.id).category.name == "Online Predators & Grooming"


def test_update_refuses_bad_input_like_create(session):
    contest = saved(session, ContestDraft(name="ISA"))
    before = draft_from(contest)
    for changes, field in (
        ({"name": ""}, "name"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"timezone": "Nowhere/Town"}, "timezone"),
        ({"max_video_seconds": 0}, "max_video_seconds"),
        ({"categories": ["A", "a"]}, "categories"),
        (
            {
                "phases": {
                    "voting_open_at": datetime(2026, 5, 2),
                    "voting_close_at": datetime(2026, 5, 1),
                }
            },
            "voting_close_at",
        ),
    ):
        draft = draft_from(contest)
        for name, value in changes.items():
            setattr(draft, name, value)
        refused(lambda draft=draft: update_contest(session, contest, draft), field)
        session.rollback()
    session.expire_all()
    assert draft_from(session.get(Contest, contest.id)) == before


# --- cloning -------------------------------------------------------------------------------------


@pytest.fixture
def source(app, session):
    """A contest with its own categories, rules, dates and two versions of each rubric."""
    contest = create_contest(
        session,
        ContestDraft(
            name="ISA 2026",
            timezone="America/Chicago",
            description="Last year's rules.",
            categories=["Cyberbullying", "Online Predators", "Gaming"],
            phases={
                "submissions_open_at": datetime(2026, 1, 5, 8, 0),
                "submissions_close_at": datetime(2026, 3, 1, 17, 0),
            },
            max_video_seconds=90,
            max_bytes=300 * 1024 * 1024,
            entries_per_school_per_category=3,
            judges_per_entry=2,
            normalise_scores=False,
            require_full_play=True,
            licence="CC BY 4.0",
            retention_days=365,
        ),
    )
    contest.categories[2].description = "Staying safe in online games."
    session.commit()
    predators = contest.categories[1]
    # Version 1 is the default rubric every contest starts with.
    factories.make_rubric(app, contest, version=2)
    factories.make_rubric(app, contest, category=predators, version=1)
    factories.make_rubric(
        app,
        contest,
        category=predators,
        version=2,
        criteria=[
            {
                "name": "Spots the red flags",
                "guidance": "Does it show the warning signs?",
                "weight": 2.5,
                "min_points": 0,
                "max_points": 4,
                "level_descriptors": ["None", "One", "Some", "Most", "All"],
            }
        ],
    )
    session.expire_all()
    return session.get(Contest, contest.id)


def _rubrics(session, contest):
    return session.scalars(
        select(Rubric).where(Rubric.contest_id == contest.id).order_by(Rubric.id)
    ).all()


def _criteria(rubric):
    return [
        (
            c.name,
            c.guidance,
            c.weight,
            c.min_points,
            c.max_points,
            c.level_descriptors,
            c.sort_order,
        )
        for c in rubric.criteria
    ]


def test_clone_copies_categories_and_rules_and_leaves_dates_empty(session, source):
    clone = clone_contest(session, source, "ISA 2027")
    session.commit()
    session.expire_all()
    clone = session.get(Contest, clone.id)

    assert (clone.name, clone.slug, clone.cloned_from_id) == ("ISA 2027", "isa-2027", source.id)
    assert [(c.name, c.description, c.sort_order) for c in clone.categories] == [
        (c.name, c.description, c.sort_order) for c in source.categories
    ]
    assert not {c.id for c in clone.categories} & {c.id for c in source.categories}
    assert clone.require_full_play is True
    for setting in SETTINGS:
        assert getattr(clone, setting) == getattr(source, setting), setting
    assert (clone.timezone, clone.description) == ("America/Chicago", "Last year's rules.")
    assert all(getattr(clone, phase) is None for phase, _ in PHASES)
    assert clone.published_at is None


def test_clone_copies_the_latest_rubrics_with_their_criteria(session, source):
    source_rubrics = _rubrics(session, source)
    latest = {r.category_id: r for r in sorted(source_rubrics, key=lambda r: r.version)}

    clone = clone_contest(session, source, "ISA 2027", "isa-next")
    session.commit()
    session.expire_all()
    clone = session.get(Contest, clone.id)
    rubrics = {r.category_id: r for r in _rubrics(session, clone)}

    new_predators = clone.categories[1]
    assert new_predators.name == "Online Predators"
    assert set(rubrics) == {None, new_predators.id}
    assert all(r.version == 1 for r in rubrics.values())
    assert _criteria(rubrics[None]) == _criteria(latest[None])
    assert [c[0] for c in _criteria(rubrics[None])] == ["Message v2", "Craft v2"]
    old_predators = source.categories[1]
    assert _criteria(rubrics[new_predators.id]) == _criteria(latest[old_predators.id])
    assert _criteria(rubrics[new_predators.id])[0][5] == ["None", "One", "Some", "Most", "All"]
    assert len(_rubrics(session, source)) == 4  # the source keeps its own


def test_clone_maps_an_override_by_name_after_a_reorder(session, source):
    draft = draft_from(source)
    draft.categories = ["Gaming", "Online Predators", "Cyberbullying"]
    update_contest(session, source, draft)
    session.commit()

    clone = clone_contest(session, source, "ISA 2027")
    session.commit()

    overrides = [r for r in _rubrics(session, clone) if r.category_id is not None]
    assert [session.get(Category, r.category_id).name for r in overrides] == ["Online Predators"]
    assert session.get(Category, overrides[0].category_id).contest_id == clone.id


def test_clone_of_a_contest_without_rubrics_gets_the_default(session):
    plain = create_contest(session, ContestDraft(name="Plain"), with_default_rubric=False)
    session.commit()
    assert _rubrics(session, plain) == []

    clone = clone_contest(session, plain, "Plain again")
    session.commit()

    [rubric] = _rubrics(session, clone)
    assert [c.name for c in rubric.criteria] == [row[0] for row in DEFAULT_RUBRIC]
    assert [c.name for c in clone.categories] == DEFAULT_NAMES


def test_clone_refuses_a_taken_slug_or_an_empty_name(session, source):
    refused(lambda: clone_contest(session, source, "Again", "isa-2026"), "slug", "isa-2026")
    session.rollback()
    refused(lambda: clone_contest(session, source, "ISA 2026"), "slug", "isa-2026")
    session.rollback()
    refused(lambda: clone_contest(session, source, "  "), "name")
    session.rollback()
    assert count(session, Contest) == 1
    assert count(session, Rubric) == 4
