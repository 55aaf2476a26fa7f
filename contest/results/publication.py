"""Publishing the winners: the canonical published document and its SHA-256, kept in a
Publication row (withdrawn ones too) and frozen in Result rows, and un-publishing. A session and
plain values in; no Flask objects. The plan and the checks on the organizer's choices are in
plan.py and choices.py.

The published document is canonical JSON (sorted keys, no spaces, UTF-8), so anyone holding the
downloaded file can recompute the digest stored in every Result row.
"""

import hashlib
import json

from sqlalchemy import delete, select

from contest.core.audit import record
from contest.core.dbtypes import utcnow
from contest.core.errors import ValidationError
from contest.core.models.contests import Category
from contest.core.models.results import Publication, Result
from contest.results.choices import (
    captions_override,
    captions_problem,
    judging_override,
    judging_unfinished,
)
from contest.results.plan import CAPTIONS_REASON, JUDGING_REASON
from contest.submissions.entries import mail_school, tell_school
from contest.web.caching import invalidate_after_commit

# --- the published document --------------------------------------------------------------------


def canonical_json(document):
    """The document's canonical bytes: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def digest(data):
    return hashlib.sha256(data).hexdigest()


def published_document(contest, published_at, awards, captions_reason=None, judging=None):
    """`judging`: judging_override's record when published before judging finished."""
    document = {
        "contest": {"id": contest.id, "name": contest.name, "slug": contest.slug},
        "published_at": published_at.isoformat(),
        "awards": [award.document() for award in awards],
    }
    without_captions = captions_override(awards, captions_reason)
    if without_captions:
        document["captions_override"] = without_captions
    if judging:
        document["judging_override"] = judging
    return document


def _message(contest, award):
    return f"“{award.entry.title}” won {award.describe()} in {contest.name}. Congratulations!"


def publish_results(
    session, organizer, contest, awards, now=None, captions_reason=None, judging=None,
    judging_reason=None,
):  # fmt: skip
    """Freeze `awards` (from check_choices) in Result rows with the document's digest, mark the
    contest published, audit it (with every tie resolution and override, and the reasons to
    publish winners without captions or before judging finished: `judging` is the plan's
    JudgingState) and tell each winning school. The caller commits.
    Returns (document bytes, digest)."""
    missing_captions = captions_problem(awards, captions_reason)
    if missing_captions:
        raise ValidationError(
            missing_captions.code, field=CAPTIONS_REASON, **missing_captions.params
        )
    unfinished = judging_unfinished(judging)
    if unfinished and not (judging_reason or "").strip():
        raise ValidationError(unfinished.code, field=JUDGING_REASON, **unfinished.params)
    session.refresh(contest, with_for_update=True)  # two organizers publishing at once: one wins
    if contest.published_at is not None:
        raise ValidationError("results.these_results_already_published")
    now = (now or utcnow()).replace(microsecond=0)
    document = published_document(
        contest, now, awards, captions_reason, judging_override(judging, judging_reason)
    )
    data = canonical_json(document)
    sha = digest(data)
    for award in awards:
        session.add(
            Result(
                contest_id=contest.id,
                category_id=award.category_id,
                award=award.award,
                place=award.place,
                entry_id=award.entry.id,
                figures=award.document(),
                digest=sha,
                published_at=now,
            )
        )
        tell_school(session, award.entry, "results.published", _message(contest, award))
    contest.published_at = now
    session.add(
        Publication(
            contest_id=contest.id,
            document=data.decode("utf-8"),
            digest=sha,
            published_at=now,
            published_by_id=organizer.id if organizer else None,
        )
    )
    invalidate_after_commit(session, contest.id)
    overrides = [
        {
            "award": a.describe(),
            "entry_id": a.entry.id,
            "chosen": a.chosen,
            "instead_of": a.instead_of,
            "reason": a.reason,
        }
        for a in awards
        if a.chosen not in ("ranking", "votes")
    ]
    record(
        session,
        organizer,
        "contest.published",
        contest,
        digest=sha,
        overrides=overrides,
        captions_override=document.get("captions_override"),
        judging_override=document.get("judging_override"),
        payload=document,
    )
    session.flush()
    return data, sha


def mail_winners(session, contest, awards):
    """Mail each winning school's teachers once the publication commits (queued, retried)."""
    for award in awards:
        mail_school(session, award.entry, f"{contest.name}: results", _message(contest, award))


# How published results are listed (a query joined to Category): categories in order, places,
# People's Choice last.
RESULT_ORDER = (
    Result.category_id.is_(None),
    Category.sort_order,
    Category.id,
    Result.place,
    Result.id,
)


def published_results(session, contest):
    """The contest's frozen Result rows, in RESULT_ORDER."""
    return session.scalars(
        select(Result)
        .outerjoin(Category, Category.id == Result.category_id)
        .where(Result.contest_id == contest.id)
        .order_by(*RESULT_ORDER)
    ).all()


def current_publication(session, contest):
    """The contest's Publication in force (its document's exact bytes and digest), or None."""
    if contest.published_at is None:
        return None
    return session.scalar(
        select(Publication).where(
            Publication.contest_id == contest.id, Publication.withdrawn_at.is_(None)
        )
    )


def published_payload(session, contest):
    """The published document as data, or None when the contest is not published."""
    row = current_publication(session, contest)
    return json.loads(row.document) if row is not None else None


def unpublish_results(session, organizer, contest, reason):
    """Withdraw the published results: the Result rows go, the contest is no longer published,
    and the audit event keeps the old digest and document. The caller commits."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("results.give_reason_un_publishing", field="reason")
    session.refresh(contest, with_for_update=True)
    if contest.published_at is None:
        raise ValidationError("results.these_results_published")
    withdrawn = current_publication(session, contest)
    payload = json.loads(withdrawn.document) if withdrawn else None
    old = session.scalar(select(Result.digest).where(Result.contest_id == contest.id).limit(1))
    session.execute(delete(Result).where(Result.contest_id == contest.id))
    if withdrawn is not None:
        withdrawn.withdrawn_at, withdrawn.withdraw_reason = utcnow(), reason
        withdrawn.withdrawn_by_id = organizer.id if organizer else None
    contest.published_at = None
    invalidate_after_commit(session, contest.id)
    record(
        session,
        organizer,
        "contest.unpublished",
        contest,
        reason=reason,
        digest=old,
        payload=payload,
    )
    session.flush()
