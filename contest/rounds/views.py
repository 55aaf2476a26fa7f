"""The organizer's rounds screens: a contest's rounds, one round's settings, and closing a round
with the entries that move on. Rules live in setup.py and closing.py."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from contest.auth.guards import manages_contest
from contest.core.extensions import db
from contest.core.models.contests import Contest, Round
from contest.core.models.entries import Entry
from contest.core.transaction import unit_of_work
from contest.rounds import bp, closing, setup
from contest.rounds.forms import CloseRoundForm, RoundForm
from contest.web.forms import flash_error, on_form


def _draft(form):
    return setup.RoundDraft(
        name=form.name.data or "",
        mode=form.mode.data,
        opens_at=form.opens_at.data,
        closes_at=form.closes_at.data,
        judges_per_entry=form.judges_per_entry.data,
        rule=form.rule.data,
        rule_top=form.rule_top.data,
        rule_threshold=form.rule_threshold.data,
        at_the_cut=form.at_the_cut.data,
    )


def _round_or_404(round_id):
    return db.session.get(Round, round_id) or abort(404)


@bp.route("/<int:contest_id>", methods=["GET", "POST"])
@manages_contest
def index(contest_id):
    """The contest's rounds in order, and a form to add one after the last."""
    contest = db.get_or_404(Contest, contest_id)
    form = RoundForm()
    if form.validate_on_submit():
        with unit_of_work(db.session, show=on_form(form)) as work:
            added = setup.add_round(db.session, contest, _draft(form), current_user)
        if work.done:
            flash(f"{added.name} is round {added.position}.", "success")
            return redirect(url_for("rounds.index", contest_id=contest.id))
    status = 400 if form.is_submitted() else 200
    return render_template("rounds/index.html", contest=contest, form=form), status


@bp.route("/round/<int:round_id>", methods=["GET", "POST"])
@manages_contest
def edit(round_id):
    round_ = _round_or_404(round_id)
    form = RoundForm(data=vars(setup.draft_from(round_)) if request.method == "GET" else None)
    if form.validate_on_submit():
        with unit_of_work(db.session, show=on_form(form)) as work:
            setup.update_round(db.session, round_, _draft(form), current_user)
        if work.done:
            flash(f"{round_.name} is saved.", "success")
            return redirect(url_for("rounds.index", contest_id=round_.contest_id))
    status = 400 if form.is_submitted() else 200
    return render_template("rounds/edit.html", round_=round_, form=form), status


@bp.route("/round/<int:round_id>/remove", methods=["POST"])
@manages_contest
def remove(round_id):
    round_ = _round_or_404(round_id)
    contest_id, name = round_.contest_id, round_.name
    if CloseRoundForm().validate_on_submit():
        with unit_of_work(db.session, show=flash_error) as work:
            setup.remove_round(db.session, round_, current_user)
        if work.done:
            flash(f"{name} is removed.", "success")
    return redirect(url_for("rounds.index", contest_id=contest_id))


@bp.route("/round/<int:round_id>/close", methods=["GET", "POST"])
@manages_contest
def close(round_id):
    """The rule's proposal per category, changed entry by entry with a reason, then closed."""
    round_ = _round_or_404(round_id)
    if round_.closed_at is not None:
        return redirect(url_for("rounds.index", contest_id=round_.contest_id))
    form = CloseRoundForm()
    final = round_ is round_.contest.final_round
    proposals = {} if final else closing.proposal(db.session, round_)
    if form.validate_on_submit():
        changes = {
            item.entry: (f"advance-{item.entry}" in request.form,
                         request.form.get(f"reason-{item.entry}", ""))
            for items in proposals.values()
            for item in items
        }  # fmt: skip
        with unit_of_work(db.session, show=on_form(form, {"reasons": "reason"})) as work:
            decisions = closing.close_round(
                db.session, round_, current_user, changes, form.reason.data or ""
            )
        if work.done:
            moved = sum(1 for decision in decisions if decision.advances)
            words = f": {moved} entries move on" if not final else ": judging is closed"
            flash(f"{round_.name} is closed{words}.", "success")
            return redirect(url_for("rounds.index", contest_id=round_.contest_id))
    ids = [item.entry for items in proposals.values() for item in items]
    entries = {
        entry.id: entry for entry in db.session.scalars(select(Entry).where(Entry.id.in_(ids)))
    }
    status = 400 if form.is_submitted() else 200
    page = render_template(
        "rounds/close.html",
        round_=round_,
        final=final,
        form=form,
        proposals=proposals,
        entries=entries,
        categories={category.id: category.name for category in round_.contest.categories},
        posted=request.form if form.is_submitted() else None,
    )
    return page, status
