"""What the public sees of a published contest: its winners by category, the People's Choice,
each winning video's own page, and the figures anyone can check the results with.

Plain data out (dicts and tuples, picklable for contest.web.caching), a session in; no Flask.
Published means the contest has frozen Result rows and a publication time that has come; a
hidden (taken down) entry is left out everywhere, and a non-winning entry has no public page.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from contest.core.dbtypes import utcnow
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry, School
from contest.core.models.results import Result
from contest.core.statuses import EntryStatus
from contest.results.feedback import judges_feedback
from contest.results.plan import ORDINALS
from contest.results.publication import RESULT_ORDER, published_payload
from contest.submissions.entries import public_credit
from contest.voting import counting


def is_published(contest, now=None):
    return contest.published_at is not None and contest.published_at <= (now or utcnow())


def published_contest(session, slug, now=None):
    """The contest with `slug` if its results are public, else None."""
    contest = session.scalar(select(Contest).where(Contest.slug == slug))
    return contest if contest is not None and is_published(contest, now) else None


def award_label(award, place, category):
    if award == "peoples_choice":
        return "People's Choice"
    if award == "place":
        return f"{ORDINALS[place]} place, {category}"
    return f"Honourable mention, {category}" if category else "Honourable mention"


def _entry_card(entry, school, feedback):
    """One winning entry as the public pages show it."""
    return {
        "entry_id": entry.id,
        "title": entry.title,
        "school": school,
        "credit": public_credit(entry),
        "description": entry.description,
        "video_asset_id": entry.video_asset_id,
        "poster_asset_id": entry.poster_asset_id,
        "captions_asset_id": entry.captions_asset_id,
        "duration_seconds": entry.duration_seconds,
        # Only what the school chose to share; never judges' names or their private comments.
        "feedback": feedback.get(entry.id, []) if entry.feedback_public else [],
    }


def _published_rows(session, contest):
    """(Result, Entry, school name, category name) of the contest's shown winners, in page order."""
    return session.execute(
        select(Result, Entry, School.name, Category.name)
        .join(Entry, Entry.id == Result.entry_id)
        .join(School, School.id == Entry.school_id)
        .outerjoin(Category, Category.id == Result.category_id)
        .where(Result.contest_id == contest.id, Entry.hidden_at.is_(None))
        .order_by(*RESULT_ORDER)
    ).all()


def winners_page(session, contest):
    """The winners page's data: categories with their placed entries, the People's Choice, the
    published document's digest, and the ballot file's SHA-256 (a fixed number of queries)."""
    rows = _published_rows(session, contest)
    shared = [entry.id for _, entry, *_ in rows if entry.feedback_public]
    feedback = judges_feedback(session, shared)
    categories, peoples_choice = {}, None
    for result, entry, school, category in rows:
        card = _entry_card(entry, school, feedback)
        # Under its category's heading a place needs no category name.
        card["award"] = (
            f"{ORDINALS[result.place]} place"
            if result.award == "place"
            else award_label(result.award, result.place, None)
        )
        card["place"] = result.place
        if result.award == "peoples_choice":
            peoples_choice = card
        else:
            categories.setdefault(result.category_id, {"name": category, "winners": []})
            categories[result.category_id]["winners"].append(card)
    _, _, ballot_sha256 = counting.contest_tally(session, contest)
    payload = published_payload(session, contest)
    return {
        "contest": {
            "id": contest.id,
            "name": contest.name,
            "slug": contest.slug,
            "licence": contest.licence,
            "timezone": contest.timezone,
            "published_at": contest.published_at,
        },
        "categories": list(categories.values()),
        "peoples_choice": peoples_choice,
        "digest": rows[0][0].digest if rows else None,
        "document_published": payload is not None,
        "judging_override": (payload or {}).get("judging_override"),
        "ballot_sha256": ballot_sha256,
    }


def published_video(session, entry_id, now=None):
    """(entry card with its awards, contest) for a winning entry of a published contest that is
    not hidden; None for any other entry, so its page is a 404."""
    rows = session.execute(
        select(Result, Entry, School.name, Category.name, Contest)
        .join(Entry, Entry.id == Result.entry_id)
        .join(School, School.id == Entry.school_id)
        .join(Contest, Contest.id == Result.contest_id)
        .outerjoin(Category, Category.id == Result.category_id)
        .where(Result.entry_id == entry_id, Entry.hidden_at.is_(None))
        .order_by(Result.category_id.is_(None), Result.place, Result.id)
    ).all()
    if not rows or not is_published(rows[0][4], now):
        return None
    entry, school, contest = rows[0][1], rows[0][2], rows[0][4]
    card = _entry_card(
        entry, school, judges_feedback(session, [entry.id]) if entry.feedback_public else {}
    )
    card["awards"] = [award_label(r.award, r.place, category) for r, _, _, category, _ in rows]
    card["video_size_bytes"] = entry.video.size_bytes if entry.video else None
    return card, contest


@dataclass
class EntryResult:
    """One of the school's entries in a published contest, as its teachers see it."""

    entry_id: int
    title: str
    category: str
    status: str
    hidden: bool
    awards: list[str] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    feedback_public: bool = False


def school_results(session, contest, school_id):
    """Every entry the school sent to the contest (drafts aside) with its awards and feedback."""
    entries = session.execute(
        select(Entry, Category.name)
        .join(Category, Category.id == Entry.category_id)
        .where(
            Category.contest_id == contest.id,
            Entry.school_id == school_id,
            Entry.status != EntryStatus.DRAFT,
            Entry.calibration_anchor.is_(False),
        )
        .order_by(Category.sort_order, Category.id, Entry.title, Entry.id)
    ).all()
    ids = [entry.id for entry, _ in entries]
    awards = {}
    for result, category in session.execute(
        select(Result, Category.name)
        .outerjoin(Category, Category.id == Result.category_id)
        .where(Result.contest_id == contest.id, Result.entry_id.in_(ids))
        .order_by(Result.category_id.is_(None), Result.place, Result.id)
    ):
        awards.setdefault(result.entry_id, []).append(
            award_label(result.award, result.place, category)
        )
    feedback = judges_feedback(session, ids)
    return [
        EntryResult(
            entry.id,
            entry.title,
            category,
            entry.status,
            entry.hidden_at is not None,
            awards.get(entry.id, []),
            feedback.get(entry.id, []),
            entry.feedback_public,
        )
        for entry, category in entries
    ]


def licence_url(licence):
    """The deed of a Creative Commons licence named the usual way ("CC BY-NC-ND 4.0"), else None."""
    words = licence.split()
    if len(words) != 3 or words[0].upper() != "CC":
        return None
    kind, version = words[1].lower(), words[2]
    if kind == "0":
        return f"https://creativecommons.org/publicdomain/zero/{version}/"
    return f"https://creativecommons.org/licenses/{kind}/{version}/"


def download_name(contest, card):
    """The downloaded MP4's name (storage.base.content_disposition makes it safe to send)."""
    return f"{contest.slug} {card['title']}.mp4"
