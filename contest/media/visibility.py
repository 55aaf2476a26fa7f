"""Who may see which stored file. Plain functions: a session, a user and an asset id in.

The public sees an entry's video, poster and captions while it is up for the People's Choice
vote, and after publication only if it won (the winners page and the video pages show just
those). Between the close of voting and publication, and for every entry that did not win once
the results are out, the public sees nothing: the results are not leaked early, and the
schools' videos are not left public longer than the contest needs them.
"""

from sqlalchemy import or_, select

from contest.core import permissions
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry
from contest.core.models.judging import Assignment
from contest.core.models.results import Result
from contest.core.permissions import Action
from contest.core.rules import phase as contest_phase

# The Entry column that holds each kind of file, and whether the public may ever see it.
PARTS = {
    "video_asset_id": True,
    "poster_asset_id": True,
    "captions_asset_id": True,
    "pending_video_asset_id": False,
    "original_video_asset_id": False,
    "consent_asset_id": False,
}


def find_entry(session, asset_id):
    """(entry, part) for the entry that holds the asset, or (None, None): files no entry holds
    are never served."""
    columns = [getattr(Entry, part) for part in PARTS]
    entry = session.scalar(select(Entry).where(or_(*(c == asset_id for c in columns))).limit(1))
    if entry is None:
        return None, None
    return entry, next(part for part in PARTS if getattr(entry, part) == asset_id)


def publicly_visible(session, entry, now=None):
    """Ready, consented, not hidden or withdrawn; and in a contest whose vote is open, or whose
    published results give the entry an award."""
    if not entry.shown:
        return False
    contest = session.get(Contest, session.get(Category, entry.category_id).contest_id)
    phase = contest_phase(contest, now)
    if phase == "voting":
        return True
    if phase != "winners":
        return False
    won = session.scalar(
        select(Result.id)
        .where(Result.contest_id == contest.id, Result.entry_id == entry.id)
        .limit(1)
    )
    return won is not None


def may_view(session, user, asset_id, now=None):
    """Return the entry if `user` (possibly anonymous) may see the asset, else None.

    The contest's organizers see everything; a school's teachers see all their entries'
    files; its observers and the judges assigned to an entry see its video, poster and
    captions; the public sees those of entries that are publicly visible. Consent forms and
    original uploads never leave the first two.
    """
    entry, part = find_entry(session, asset_id)
    if entry is None:
        return None
    signed_in = user is not None and user.is_authenticated
    organizer = permissions.allowed(user, Action.MANAGE, entry.contest_id)
    if organizer or (signed_in and entry.school_id in user.school_ids):
        return entry
    if not PARTS[part]:
        return None
    if permissions.allowed(user, Action.VIEW, entry.contest_id):
        return entry
    if signed_in and user.has_role("judge"):
        assigned = session.scalar(
            select(Assignment.id).where(
                Assignment.judge_id == user.id, Assignment.entry_id == entry.id
            )
        )
        if assigned:
            return entry
    return entry if publicly_visible(session, entry, now) else None
