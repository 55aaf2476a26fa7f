"""The assignment planner over plain data: unit tests, then properties over random contests."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from contest.judging.assignment import ConflictInfo, EntryInfo, JudgeInfo, Pair, plan_assignments

CYBERBULLYING, PRIVACY = 1, 2
NAMES = {CYBERBULLYING: "Cyberbullying", PRIVACY: "Privacy"}


def entry(entry_id, category=CYBERBULLYING, school=100, district="North", anchor=False):
    return EntryInfo(
        id=entry_id,
        category_id=category,
        school_id=school,
        district=district,
        calibration_anchor=anchor,
        category_name=NAMES.get(category, f"Category {category}"),
    )


def judges(*ids, categories=()):
    return [JudgeInfo(id=judge_id, category_ids=frozenset(categories)) for judge_id in ids]


def judges_of(pairs):
    found = {}
    for pair in pairs:
        found.setdefault(pair.entry_id, set()).add(pair.judge_id)
    return found


def loads(pairs, judge_ids):
    counted = Counter(dict.fromkeys(judge_ids, 0))
    counted.update(pair.judge_id for pair in pairs if not pair.calibration)
    return counted


def spread(counted):
    return max(counted.values()) - min(counted.values())


# --- unit tests --------------------------------------------------------------------------------


def test_every_entry_gets_k_distinct_judges_with_balanced_loads():
    entries = [entry(number, school=number) for number in range(1, 11)]
    plan = plan_assignments(entries, judges(1, 2, 3, 4), [], [], k=3, seed=7)
    counts = {key: len(found) for key, found in judges_of(plan.new_pairs).items()}
    assert counts == dict.fromkeys(range(1, 11), 3)
    assert len(plan.new_pairs) == len(set(plan.new_pairs)) == 30
    assert sorted(loads(plan.new_pairs, [1, 2, 3, 4]).values()) == [7, 7, 8, 8]
    assert plan.report.complete and plan.report.lines == []


def test_existing_assignments_count_in_loads_and_toward_k():
    existing = [Pair(1, 1), Pair(1, 2), Pair(1, 3), Pair(2, 1)]
    entries = [entry(number, school=number) for number in range(1, 5)]
    plan = plan_assignments(entries, judges(1, 2, 3), existing, [], k=2, seed=0)
    found = judges_of(existing + plan.new_pairs)
    assert all(len(found[number]) == 2 for number in range(1, 5))
    assert not any(pair.entry_id == 1 for pair in plan.new_pairs)  # it had its two
    assert spread(loads(existing + plan.new_pairs, [1, 2, 3])) <= 1


def test_a_judge_teaching_at_the_school_never_gets_its_entries():
    entries = [entry(1, school=10), entry(2, school=20)]
    conflicts = [ConflictInfo(judge_id=1, school_id=10)]
    plan = plan_assignments(entries, judges(1, 2, 3), [], conflicts, k=2, seed=0)
    found = judges_of(plan.new_pairs)
    assert found[1] == {2, 3}
    assert len(found[2]) == 2


def test_a_district_conflict_covers_every_school_of_the_district():
    entries = [
        entry(1, school=10, district="North"),
        entry(2, school=11, district="North"),
        entry(3, school=12, district="South"),
    ]
    conflicts = [ConflictInfo(judge_id=1, district="North")]
    plan = plan_assignments(entries, judges(1, 2, 3), [], conflicts, k=2, seed=3)
    found = judges_of(plan.new_pairs)
    assert 1 not in found[1] | found[2]
    assert 1 in found[3]


def test_schools_without_a_district_do_not_conflict_with_each_other():
    entries = [entry(1, school=10, district=""), entry(2, school=11, district="")]
    conflicts = [ConflictInfo(judge_id=1, school_id=10, district=None)]
    plan = plan_assignments(entries, judges(1, 2), [], conflicts, k=2, seed=0)
    found = judges_of(plan.new_pairs)
    assert found[1] == {2}
    assert found[2] == {1, 2}


def test_a_declared_conflict_is_honoured_and_reported_when_it_leaves_too_few():
    entries = [entry(12, school=10)]
    conflicts = [ConflictInfo(judge_id=3, school_id=10)]
    plan = plan_assignments(entries, judges(1, 2, 3), [], conflicts, k=3, seed=0)
    assert judges_of(plan.new_pairs)[12] == {1, 2}
    assert plan.report.lines == [
        "Entry 12: 2 of 3 judges — only 2 eligible judges without a conflict in Cyberbullying"
    ]


def test_judges_only_get_the_categories_they_may_judge():
    entries = [entry(1, CYBERBULLYING, school=1), entry(2, PRIVACY, school=2)]
    pool = judges(1, 2, categories=[CYBERBULLYING]) + judges(3, 4, categories=[PRIVACY])
    plan = plan_assignments(entries, pool, [], [], k=2, seed=0)
    found = judges_of(plan.new_pairs)
    assert found == {1: {1, 2}, 2: {3, 4}}


def test_too_few_judges_for_a_category_is_reported():
    entries = [entry(5, PRIVACY, school=1)]
    pool = judges(1, categories=[PRIVACY]) + judges(2, 3, categories=[CYBERBULLYING])
    plan = plan_assignments(entries, pool, [], [], k=3, seed=0)
    assert judges_of(plan.new_pairs) == {5: {1}}
    assert plan.report.lines == ["Entry 5: 1 of 3 judges — only 1 judge may judge Privacy"]
    assert not plan.report.complete


def test_no_judges_at_all_is_reported_for_every_entry():
    plan = plan_assignments([entry(1), entry(2, school=2)], [], [], [], k=3, seed=0)
    assert plan.new_pairs == []
    assert plan.report.lines == [
        "Entry 1: 0 of 3 judges — only 0 judges may judge Cyberbullying",
        "Entry 2: 0 of 3 judges — only 0 judges may judge Cyberbullying",
    ]


def test_the_same_seed_gives_the_same_plan_whatever_the_input_order():
    entries = [entry(number, school=number) for number in range(1, 8)]
    pool = judges(1, 2, 3, 4, 5)
    first = plan_assignments(entries, pool, [], [], k=2, seed=42)
    again = plan_assignments(list(reversed(entries)), list(reversed(pool)), [], [], k=2, seed=42)
    assert first.new_pairs == again.new_pairs
    others = {
        tuple(plan_assignments(entries, pool, [], [], k=2, seed=seed).new_pairs)
        for seed in range(10)
    }
    assert len(others) > 1  # the seed does choose


def test_calibration_anchors_go_to_every_judge_outside_k_and_loads():
    entries = [entry(1, anchor=True, school=50), entry(2, school=2), entry(3, school=3)]
    pool = judges(1, 2, 3, categories=[PRIVACY])
    pool.append(JudgeInfo(id=4, category_ids=frozenset([CYBERBULLYING])))
    conflicts = [ConflictInfo(judge_id=2, school_id=50)]
    plan = plan_assignments(entries, pool, [], conflicts, k=1, seed=0)
    calibration = {pair.judge_id for pair in plan.new_pairs if pair.calibration}
    assert calibration == {1, 3, 4}  # every judge, whatever their categories, but the conflicted
    assert all(pair.entry_id == 1 for pair in plan.new_pairs if pair.calibration)
    assert judges_of([pair for pair in plan.new_pairs if not pair.calibration]) == {
        2: {4},
        3: {4},
    }
    assert plan.report.skipped_calibration == [(2, 1)]
    assert plan.report.entries == 2  # anchors are not entries to fill


def test_calibration_is_not_repeated_for_judges_who_have_it():
    entries = [entry(1, anchor=True)]
    plan = plan_assignments(entries, judges(1, 2), [Pair(1, 1, calibration=True)], [], k=3)
    assert plan.new_pairs == [Pair(2, 1, calibration=True)]


def test_a_new_entry_changes_no_existing_assignment():
    entries = [entry(number, school=number) for number in range(1, 6)]
    pool = judges(1, 2, 3, 4)
    first = plan_assignments(entries, pool, [], [], k=2, seed=1).new_pairs
    second = plan_assignments(entries + [entry(6, school=6)], pool, first, [], k=2, seed=1)
    assert {pair.entry_id for pair in second.new_pairs} == {6}


def test_removing_a_judge_moves_only_their_assignments():
    entries = [entry(number, school=number) for number in range(1, 7)]
    first = plan_assignments(entries, judges(1, 2, 3, 4), [], [], k=2, seed=1).new_pairs
    kept = [pair for pair in first if pair.judge_id != 4]
    second = plan_assignments(entries, judges(1, 2, 3), kept, [], k=2, seed=1).new_pairs
    assert sorted(pair.entry_id for pair in second) == sorted(
        pair.entry_id for pair in first if pair.judge_id == 4
    )
    assert all(len(found) == 2 for found in judges_of(kept + second).values())


def test_balance_is_restored_around_a_constrained_judge_when_possible():
    # Judge 1 conflicts with half the entries; the planner still evens everyone out.
    entries = [entry(number, school=10 if number <= 6 else 20) for number in range(1, 13)]
    conflicts = [ConflictInfo(judge_id=1, school_id=10)]
    plan = plan_assignments(entries, judges(1, 2, 3, 4), [], conflicts, k=2, seed=5)
    assert spread(loads(plan.new_pairs, [1, 2, 3, 4])) <= 1


# --- properties over random contests -----------------------------------------------------------


@st.composite
def contests(draw):
    """A random contest: entries per category and school, judges with categories, conflicts."""
    category_ids = list(range(1, draw(st.integers(1, 3)) + 1))
    schools = {
        school_id: draw(st.sampled_from(["", "North", "South", "East"]))
        for school_id in range(1, draw(st.integers(1, 5)) + 1)
    }
    entry_count = draw(st.integers(0, 14))
    entries = []
    for entry_id in range(1, entry_count + 1):
        school_id = draw(st.sampled_from(sorted(schools)))
        entries.append(
            EntryInfo(
                id=entry_id,
                category_id=draw(st.sampled_from(category_ids)),
                school_id=school_id,
                district=schools[school_id],
                calibration_anchor=draw(st.booleans()) and draw(st.booleans()),
                category_name=f"Category {school_id}",
            )
        )
    pool = [
        JudgeInfo(
            id=judge_id,
            category_ids=frozenset(draw(st.lists(st.sampled_from(category_ids), max_size=2))),
        )
        for judge_id in range(1, draw(st.integers(0, 7)) + 1)
    ]
    conflicts = []
    for judge in pool:
        if draw(st.booleans()):
            conflicts.append(ConflictInfo(judge.id, school_id=draw(st.sampled_from(list(schools)))))
        if draw(st.integers(0, 3)) == 0:
            conflicts.append(ConflictInfo(judge.id, district=draw(st.sampled_from(["North", "X"]))))
    return entries, pool, conflicts, draw(st.integers(1, 4)), draw(st.integers(0, 2**16))


def conflicted(judge_id, item, conflicts):
    return any(
        c.judge_id == judge_id
        and (c.school_id == item.school_id or (c.district and c.district == item.district))
        for c in conflicts
    )


def free_judges(item, pool, conflicts):
    return {
        judge.id
        for judge in pool
        if judge.may_judge(item.category_id) and not conflicted(judge.id, item, conflicts)
    }


FAST = settings(max_examples=100, deadline=None)


@FAST
@given(contests())
def test_every_entry_gets_min_k_free_distinct_judges(contest):
    entries, pool, conflicts, k, seed = contest
    plan = plan_assignments(entries, pool, [], conflicts, k, seed)
    assert len(plan.new_pairs) == len(set(plan.new_pairs))
    found = judges_of(pair for pair in plan.new_pairs if not pair.calibration)
    for item in entries:
        assigned = found.get(item.id, set())
        if item.calibration_anchor:
            assert not assigned
            continue
        free = free_judges(item, pool, conflicts)
        assert assigned <= free
        assert len(assigned) == min(k, len(free))
        short = [s for s in plan.report.shortfalls if s.entry_id == item.id]
        assert bool(short) == (len(free) < k)
    anchors = {item.id: item for item in entries if item.calibration_anchor}
    calibration = {(p.judge_id, p.entry_id) for p in plan.new_pairs if p.calibration}
    assert calibration == {
        (judge.id, anchor.id)
        for anchor in anchors.values()
        for judge in pool
        if not conflicted(judge.id, anchor, conflicts)
    }


@FAST
@given(contests())
def test_the_same_seed_gives_the_same_plan(contest):
    entries, pool, conflicts, k, seed = contest
    first = plan_assignments(entries, pool, [], conflicts, k, seed)
    again = plan_assignments(entries[::-1], pool[::-1], [], conflicts[::-1], k, seed)
    assert first.new_pairs == again.new_pairs


@FAST
@given(contests(), st.booleans())
def test_loads_are_balanced_in_a_pool_when_nothing_stands_in_the_way(contest, one_each):
    """Without conflicts, with every judge judging every category or exactly one: max - min <= 1
    in every category pool."""
    entries, pool, _, k, seed = contest
    category_ids = sorted({item.category_id for item in entries}) or [1]
    if one_each:
        pool = [
            JudgeInfo(judge.id, frozenset([category_ids[judge.id % len(category_ids)]]))
            for judge in pool
        ]
    else:
        pool = [JudgeInfo(judge.id) for judge in pool]
    plan = plan_assignments(entries, pool, [], [], k, seed)
    counted = loads(plan.new_pairs, [judge.id for judge in pool])
    for category_id in category_ids:
        members = [judge.id for judge in pool if judge.may_judge(category_id)]
        if members:
            assert spread({judge_id: counted[judge_id] for judge_id in members}) <= 1


@FAST
@given(contests(), st.data())
def test_adding_one_entry_changes_no_existing_assignment(contest, data):
    entries, pool, conflicts, k, seed = contest
    first = plan_assignments(entries, pool, [], conflicts, k, seed).new_pairs
    school_id = data.draw(st.integers(1, 5))
    extra = EntryInfo(
        id=len(entries) + 1,
        category_id=data.draw(st.integers(1, 3)),
        school_id=school_id,
        district=data.draw(st.sampled_from(["", "North"])),
    )
    second = plan_assignments(entries + [extra], pool, first, conflicts, k, seed + 1).new_pairs
    assert {pair.entry_id for pair in second} <= {extra.id}
    free = free_judges(extra, pool, conflicts)
    assert {pair.judge_id for pair in second} <= free
    assert len(second) == min(k, len(free))


@FAST
@given(contests(), st.data())
def test_removing_a_judge_moves_only_that_judges_assignments(contest, data):
    entries, pool, conflicts, k, seed = contest
    if not pool:
        return
    first = plan_assignments(entries, pool, [], conflicts, k, seed).new_pairs
    gone = data.draw(st.sampled_from([judge.id for judge in pool]))
    kept = [pair for pair in first if pair.judge_id != gone]
    rest = [judge for judge in pool if judge.id != gone]
    second = plan_assignments(entries, rest, kept, conflicts, k, seed).new_pairs
    lost = {pair.entry_id for pair in first if pair.judge_id == gone and not pair.calibration}
    assert {pair.entry_id for pair in second} <= lost
    assert gone not in {pair.judge_id for pair in second}
    found = judges_of(pair for pair in kept + second if not pair.calibration)
    for item in entries:
        if not item.calibration_anchor:
            free = free_judges(item, rest, conflicts)
            assert len(found.get(item.id, set())) == min(k, len(free))
