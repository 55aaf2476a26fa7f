"""Closing a judging round: the rule's proposal for each category from the round's standings,
the organizers' decisions (a reason for every change and every pick), recorded per entry and
audited. Plain functions over a session, for the views, the CLI and jobs alike.

A round's standings come from its mode: a rubric round's are its own sheets ranked as the
results rank them (the final round's give the places). Entries of the round nobody scored stand
without a score, so no rule advances them.
"""

from contest.core.audit import record
from contest.core.dbtypes import utcnow
from contest.core.errors import ValidationError
from contest.core.models.contests import Advancement
from contest.core.rules import contest_time
from contest.judging import advancement
from contest.judging.advancement import Standing
from contest.judging.panel import judgeable_entries
from contest.results import ranking


def standings(session, round_):
    """{category id: [Standing]} of the round's entries, by its mode's ranking."""
    contest = round_.contest
    by_category = {category.id: {} for category in contest.categories}
    for entry in judgeable_entries(session, contest, round_):
        by_category[entry.category_id][entry.id] = Standing(entry.id, None)
    for category in ranking.category_results(session, contest, round_id=round_.id):
        in_round = by_category[category.category_id]
        for row in category.rows:
            if row.entry_id in in_round:
                score = row.normalised if category.ranked_by == "normalised" else row.raw
                in_round[row.entry_id] = Standing(row.entry_id, score, row.place, row.interval)
    return {category: list(rows.values()) for category, rows in by_category.items()}


def proposal(session, round_):
    """{category id: [Proposal]}: who the round's rule moves on, best first."""
    return {
        category: advancement.propose(
            rows,
            round_.rule,
            top=round_.rule_top,
            threshold=round_.rule_threshold,
            at_the_cut=round_.at_the_cut,
        )
        for category, rows in standings(session, round_).items()
    }


def close_round(session, round_, actor, changes=None, reason="", now=None):
    """Close `round_`: the rounds before it must be closed; one closed before its planned close
    needs `reason` (field "reason"). A round that is not the final one records who advances: the
    rule's proposal, but for `changes` ({entry id: (advances, reason)}), each with a reason.
    Audited; returns the Decisions (none for the final round, whose results give the places)."""
    contest, now = round_.contest, now or utcnow()
    if round_.closed_at is not None:
        raise ValidationError("rounds.already_closed", name=round_.name)
    for earlier in contest.rounds[: contest.rounds.index(round_)]:
        if earlier.closed_at is None:
            raise ValidationError("rounds.previous_open", name=earlier.name)
    reason = " ".join((reason or "").split())
    early = round_.closes_at is None or now < round_.closes_at
    if early and not reason:
        until = contest_time(round_.closes_at, contest.timezone) or "its close is set"
        raise ValidationError("rounds.early_close_reason", field="reason", name=round_.name,
                              until=until)  # fmt: skip
    decisions = []
    if round_ is not contest.final_round:
        proposed = [item for items in proposal(session, round_).values() for item in items]
        titles = {entry.id: entry.title for entry in judgeable_entries(session, contest, round_)}
        decisions = advancement.decide(proposed, changes or {}, labels=titles)
        why = {item.entry: item.why for item in proposed}
        session.add_all(
            Advancement(round_id=round_.id, entry_id=decision.entry, advances=decision.advances,
                        proposed=why[decision.entry], changed=decision.changed,
                        reason=decision.reason, decided_by_id=actor.id, decided_at=now)
            for decision in decisions
        )  # fmt: skip
    round_.closed_at, round_.closed_by_id = now, actor.id
    session.flush()
    record(
        session,
        actor,
        "round.closed",
        contest,
        round=round_.position,
        name=round_.name,
        early=early,
        reason=reason,
        advanced=sorted(d.entry for d in decisions if d.advances),
        changed={str(d.entry): d.reason for d in decisions if d.changed},
    )
    return decisions
