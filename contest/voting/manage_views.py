"""The organizer's People's Choice screen (live tally, votes per hour, anomaly flags, voiding) and
the ballot file download. Rules live in contest.voting.oversight and contest.voting.tally."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from contest.auth.guards import manages_contest, newest_managed_contest, organizer_required
from contest.core import permissions
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.permissions import Action
from contest.core.transaction import unit_of_work
from contest.voting import bp, counting, oversight, tally
from contest.voting.manage_forms import VoidFlagForm, VoidVoteForm
from contest.web.forms import on_form

DIGEST_HEADER = "X-Ballot-File-SHA256"


def _contest_or_404(contest_id):
    return db.session.get(Contest, contest_id) or abort(404)


def _flag_choices(flags):
    return [(flag.ident, f"{flag.label}: {flag.key}") for flag in flags]


def _manage_page(contest, void_form=None, flag_form=None, status=200):
    contests = db.session.scalars(select(Contest).order_by(Contest.created_at.desc())).all()
    if contest is None:
        return render_template("voting/manage.html", contest=None, contests=contests)
    ballots = counting.contest_ballots(db.session, contest)
    result = tally.count(ballots)
    data = tally.ballot_file(ballots)
    flags = oversight.contest_flags(db.session, contest)
    flag_form = flag_form or VoidFlagForm(prefix="flagged")
    flag_form.flag.choices = _flag_choices(flags)
    involved = oversight.votes_by_id(db.session, contest, {v for f in flags for v in f.votes})
    page = render_template(
        "voting/manage.html",
        contest=contest,
        contests=contests,
        result=result,
        rows=oversight.entry_tallies(db.session, contest, result),
        chart=oversight.hourly_chart(ballots, contest.timezone),
        sha256=tally.digest(data),
        flags=flags,
        involved=involved,
        void_form=void_form or VoidVoteForm(prefix="void"),
        flag_form=flag_form,
    )
    return page, status


@bp.route("/manage/")
@organizer_required
def manage_index():
    return _manage_page(newest_managed_contest())


@bp.route("/manage/<int:contest_id>")
@manages_contest
def manage_contest(contest_id):
    return _manage_page(_contest_or_404(contest_id))


@bp.route("/manage/<int:contest_id>/void", methods=["POST"])
@manages_contest
def manage_void(contest_id):
    contest = _contest_or_404(contest_id)
    form = VoidVoteForm(prefix="void")
    if form.validate_on_submit():
        with unit_of_work(db.session, show=on_form(form)) as work:
            vote = oversight.void_by_receipt(
                db.session, current_user, contest, form.receipt.data, form.reason.data
            )
        if work.done:
            flash(f"Vote {vote.receipt} voided: {vote.void_reason}", "success")
            return redirect(url_for("voting.manage_contest", contest_id=contest.id))
    return _manage_page(contest, void_form=form, status=400)


@bp.route("/manage/<int:contest_id>/void-flag", methods=["POST"])
@manages_contest
def manage_void_flag(contest_id):
    contest = _contest_or_404(contest_id)
    form = VoidFlagForm(prefix="flagged")
    if form.validate_on_submit():
        with unit_of_work(db.session, show=on_form(form, {None: "flag"})) as work:
            voided = oversight.void_flagged(
                db.session, current_user, contest, form.flag.data, form.reason.data
            )
        if work.done:
            flash(f"{voided} votes voided: {form.reason.data.strip()}", "success")
            return redirect(url_for("voting.manage_contest", contest_id=contest.id))
    return _manage_page(contest, flag_form=form, status=400)


def _ballots_public(contest):
    return contest.published_at is not None and contest.published_at <= utcnow()


@bp.route("/<int:contest_id>/ballots.csv")
def ballots(contest_id):
    """The anonymised ballot file: the contest's organizers at any time, everyone once results
    are published."""
    contest = _contest_or_404(contest_id)
    organizer = permissions.allowed(current_user, Action.MANAGE, contest.id)
    if not (organizer or _ballots_public(contest)):
        abort(404)
    _, data, sha256 = counting.contest_tally(db.session, contest)
    return data, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="ballots-{contest.slug}.csv"',
        DIGEST_HEADER: sha256,
        "Cache-Control": "no-store",
    }
