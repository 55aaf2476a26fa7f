"""The unit of work: views, jobs and commands own the transaction, services never commit.

    with unit_of_work(db.session, show=on_form(form)) as work:
        entry = entries.update_entry(db.session, user, entry_id, draft)
    if work.done:
        return redirect(...)

What the block changed is committed together, and the side effects it queued with
`jobs.after_commit` (mail, notices, jobs, cache invalidation) run after that commit. A domain
error rolls everything back, so no side effect runs, and is handed to `show`, which puts its
words where the reader sees them (a form field, a flash, a command's error); without `show` it
propagates. Any other exception rolls back and propagates.

`keep` names the domain errors whose block is committed all the same, because the refusal is
itself a record (a failed sign-in that throttling counts); the error is still shown.
"""

from contextlib import contextmanager
from dataclasses import dataclass

from contest.core.errors import ContestError


@dataclass
class Work:
    done: bool = False
    error: ContestError | None = None


def hold(error):
    """A `show` that only keeps the error on `work.error`, for a caller that answers with its
    own response (JSON, a status code)."""


@contextmanager
def unit_of_work(session, show=None, keep=()):
    work = Work()
    try:
        yield work
        session.commit()
    except ContestError as error:
        if isinstance(error, keep):
            try:
                session.commit()
            except BaseException:
                session.rollback()
                raise
        else:
            session.rollback()
        if show is None:
            raise
        work.error = error
        show(error)
    except BaseException:
        session.rollback()
        raise
    else:
        work.done = True
