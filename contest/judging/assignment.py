"""The assignment planner: which judges score which entries, over plain data (no database).

`plan_assignments` only ever adds pairs: existing assignments stay as they are, so adding an entry
changes nobody's work and removing a judge moves only that judge's entries. Each entry gets
min(K, judges free to score it) distinct judges, never one with a conflict (the entry's school or
its district), chosen by lowest load (existing assignments count) with ties broken by a seeded
shuffle: the same input and seed give the same plan. Calibration anchors go to every judge, apart
from K and from the loads.
"""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EntryInfo:
    id: int
    category_id: int
    school_id: int
    district: int | str | None = None  # what names the school's district (its id), if any
    calibration_anchor: bool = False
    category_name: str = ""


@dataclass(frozen=True)
class JudgeInfo:
    """A judge and the categories they may judge (empty: every category)."""

    id: int
    category_ids: frozenset = frozenset()

    def may_judge(self, category_id):
        return not self.category_ids or category_id in self.category_ids


@dataclass(frozen=True)
class ConflictInfo:
    """A judge who must not score a school's entries, or any entry from a district."""

    judge_id: int
    school_id: int | None = None
    district: int | str | None = None  # as EntryInfo.district


@dataclass(frozen=True)
class Pair:
    judge_id: int
    entry_id: int
    calibration: bool = False


@dataclass(frozen=True)
class Shortfall:
    """An entry that could not get K judges, and why."""

    entry_id: int
    category_name: str
    assigned: int
    wanted: int
    may_judge: int  # judges who may judge the category
    free: int  # of those, judges without a conflict with the entry

    def __str__(self):
        category = self.category_name or "its category"
        if self.may_judge < self.wanted:
            why = f"only {_judges(self.may_judge)} may judge {category}"
        else:
            why = f"only {_judges(self.free, 'eligible judge')} without a conflict in {category}"
        return f"Entry {self.entry_id}: {self.assigned} of {self.wanted} judges — {why}"


def _judges(count, noun="judge"):
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass
class AssignmentReport:
    """What a run did: the pairs it added and the entries still short of K judges."""

    k: int
    entries: int = 0
    judges: int = 0
    added: list = field(default_factory=list)
    shortfalls: list = field(default_factory=list)
    skipped_calibration: list = field(default_factory=list)  # (judge_id, entry_id): conflicted

    @property
    def complete(self):
        return not self.shortfalls

    @property
    def lines(self):
        """The report in words, one line per problem."""
        lines = [str(shortfall) for shortfall in self.shortfalls]
        lines += [
            f"Calibration entry {entry_id}: judge {judge_id} has a conflict and skips it"
            for judge_id, entry_id in self.skipped_calibration
        ]
        return lines

    @property
    def summary(self):
        regular = sum(not pair.calibration for pair in self.added)
        calibration = len(self.added) - regular
        text = (
            f"{regular} new assignments for {self.entries} entries and {self.judges} judges "
            f"({self.k} judges per entry)"
        )
        if calibration:
            text += f", {calibration} calibration assignments"
        if self.shortfalls:
            text += f"; {len(self.shortfalls)} entries are short of judges"
        return text + "."


@dataclass(frozen=True)
class Plan:
    new_pairs: list
    report: AssignmentReport


class Conflicts:
    """Who may not score what: a judge's schools and districts (None or '' is no district)."""

    def __init__(self, conflicts):
        self.schools = defaultdict(set)
        self.districts = defaultdict(set)
        for conflict in conflicts:
            if conflict.school_id is not None:
                self.schools[conflict.judge_id].add(conflict.school_id)
            if conflict.district:
                self.districts[conflict.judge_id].add(conflict.district)

    def between(self, judge_id, entry):
        return entry.school_id in self.schools[judge_id] or (
            bool(entry.district) and entry.district in self.districts[judge_id]
        )


def plan_assignments(entries, judges, existing, conflicts, k, seed=0):
    """The pairs to add so every entry has min(k, free judges) judges; see the module docstring.

    `entries` (EntryInfo), `judges` (JudgeInfo), `existing` (Pair), `conflicts` (ConflictInfo):
    any iterables, in any order. Returns a Plan with the new pairs and an AssignmentReport.
    """
    rng = random.Random(seed)
    judges = sorted(judges, key=lambda judge: judge.id)
    rank = {judge.id: place for place, judge in enumerate(rng.sample(judges, len(judges)))}
    entries = sorted(entries, key=lambda entry: entry.id)
    conflicted = Conflicts(conflicts)
    taken = {(pair.judge_id, pair.entry_id) for pair in existing}
    on_entry = defaultdict(set)
    load = Counter({judge.id: 0 for judge in judges})
    for pair in existing:
        if not pair.calibration:
            on_entry[pair.entry_id].add(pair.judge_id)
            if pair.judge_id in load:
                load[pair.judge_id] += 1

    regular = [entry for entry in entries if not entry.calibration_anchor]
    report = AssignmentReport(k=k, entries=len(regular), judges=len(judges))
    free = {
        entry.id: [
            judge.id
            for judge in judges
            if judge.may_judge(entry.category_id) and not conflicted.between(judge.id, entry)
        ]
        for entry in regular
    }
    new = []
    # The most constrained entries choose first, so they are not left with nobody.
    for entry in sorted(regular, key=lambda entry: (len(free[entry.id]), entry.id)):
        need = k - len(on_entry[entry.id])
        candidates = [
            judge_id
            for judge_id in free[entry.id]
            if judge_id not in on_entry[entry.id] and (judge_id, entry.id) not in taken
        ]
        candidates.sort(key=lambda judge_id: (load[judge_id], rank[judge_id]))
        for judge_id in candidates[: max(need, 0)]:
            new.append(Pair(judge_id, entry.id))
            on_entry[entry.id].add(judge_id)
            load[judge_id] += 1
    new = _even_out(new, regular, free, on_entry, load, rank, taken)

    for entry in regular:
        if len(on_entry[entry.id]) < k:
            report.shortfalls.append(
                Shortfall(
                    entry_id=entry.id,
                    category_name=entry.category_name,
                    assigned=len(on_entry[entry.id]),
                    wanted=k,
                    may_judge=sum(judge.may_judge(entry.category_id) for judge in judges),
                    free=len(free[entry.id]),
                )
            )
    for entry in entries:
        if not entry.calibration_anchor:
            continue
        for judge in judges:
            if (judge.id, entry.id) in taken:
                continue
            if conflicted.between(judge.id, entry):
                report.skipped_calibration.append((judge.id, entry.id))
            else:
                new.append(Pair(judge.id, entry.id, calibration=True))
    report.added = new
    return Plan(new_pairs=new, report=report)


def _even_out(new, entries, free, on_entry, load, rank, taken):
    """Move new pairs from busier to idler judges while a move narrows the gap by two or more.

    Only pairs made in this run move (existing work stays put); each move lowers the sum of
    squared loads, so the loop ends.
    """
    by_id = {entry.id: entry for entry in entries}
    moved = True
    while moved:
        moved = False
        for index, pair in enumerate(new):
            entry = by_id[pair.entry_id]
            idler = [
                judge_id
                for judge_id in free[entry.id]
                if judge_id not in on_entry[entry.id]
                and (judge_id, entry.id) not in taken
                and load[pair.judge_id] - load[judge_id] >= 2
            ]
            if not idler:
                continue
            target = min(idler, key=lambda judge_id: (load[judge_id], rank[judge_id]))
            on_entry[entry.id].discard(pair.judge_id)
            on_entry[entry.id].add(target)
            load[pair.judge_id] -= 1
            load[target] += 1
            new[index] = Pair(target, entry.id)
            moved = True
    return new
