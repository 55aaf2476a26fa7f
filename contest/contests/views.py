"""Organizer screens to create, edit and clone contests."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from contest.auth.guards import admin_required, manages_contest, overview_required, sees_contest
from contest.contests import bp
from contest.contests import editing as contests
from contest.contests.forms import CloneContestForm, ContestForm
from contest.core import permissions
from contest.core.audit import record
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.permissions import Action
from contest.core.transaction import unit_of_work
from contest.web.forms import on_form

MEGABYTE = contests.MEGABYTE


def _draft(form):
    return contests.ContestDraft(
        name=form.name.data or "",
        slug=form.slug.data or "",
        timezone=form.timezone.data,
        description=form.description.data or "",
        phases={phase: getattr(form, phase).data for phase, _ in contests.PHASES},
        max_video_seconds=form.max_video_seconds.data,
        max_bytes=form.max_megabytes.data * MEGABYTE,
        entries_per_school_per_category=form.entries_per_school_per_category.data,
        judges_per_entry=form.judges_per_entry.data,
        normalise_scores=form.normalise_scores.data,
        require_full_play=form.require_full_play.data,
        show_live_tally=form.show_live_tally.data,
        licence=form.licence.data or "",
        retention_days=form.retention_days.data,
        categories=(form.categories.data or "").splitlines(),
    )


def _fill(form, draft):
    for name in (
        "name",
        "slug",
        "timezone",
        "description",
        "max_video_seconds",
        "entries_per_school_per_category",
        "judges_per_entry",
        "normalise_scores",
        "require_full_play",
        "show_live_tally",
        "licence",
        "retention_days",
    ):
        getattr(form, name).data = getattr(draft, name)
    form.max_megabytes.data = draft.max_bytes // MEGABYTE
    form.categories.data = "\n".join(draft.categories)
    for phase, _ in contests.PHASES:
        getattr(form, phase).data = draft.phases.get(phase)


def _on_form(form):
    return on_form(form, {"max_bytes": "max_megabytes"})


def _contest_or_404(contest_id):
    return db.session.get(Contest, contest_id) or abort(404)


@bp.route("/")
@overview_required
def index():
    mine = db.session.scalars(
        select(Contest)
        .where(permissions.only(current_user, Contest.id, Action.VIEW))
        .order_by(Contest.created_at.desc())
    ).all()
    return render_template("contests/index.html", contests=mine)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    form = ContestForm()
    if form.validate_on_submit():
        with unit_of_work(db.session, show=_on_form(form)) as work:
            contest = contests.create_contest(db.session, _draft(form))
            record(db.session, current_user, "contest.created", contest, name=contest.name)
        if work.done:
            flash(f"Contest {contest.name!r} created.", "success")
            return redirect(url_for("contests.show", contest_id=contest.id))
    return render_template("contests/form.html", form=form, contest=None)


@bp.route("/<int:contest_id>")
@sees_contest
def show(contest_id):
    contest = _contest_or_404(contest_id)
    return render_template("contests/show.html", contest=contest, phases=contests.PHASES)


@bp.route("/<int:contest_id>/edit", methods=["GET", "POST"])
@manages_contest
def edit(contest_id):
    contest = _contest_or_404(contest_id)
    form = ContestForm()
    if not form.is_submitted():
        _fill(form, contests.draft_from(contest))
    if form.validate_on_submit():
        with unit_of_work(db.session, show=_on_form(form)) as work:
            contests.update_contest(db.session, contest, _draft(form))
            record(db.session, current_user, "contest.updated", contest)
        if work.done:
            flash("Contest saved.", "success")
            return redirect(url_for("contests.show", contest_id=contest.id))
    return render_template("contests/form.html", form=form, contest=contest)


@bp.route("/clone", methods=["GET", "POST"])
@admin_required
def clone():
    form = CloneContestForm()
    sources = db.session.scalars(select(Contest).order_by(Contest.created_at.desc())).all()
    form.source.choices = [(c.id, c.name) for c in sources]
    if not sources:
        flash("There is no contest to clone yet: create one first.", "info")
        return redirect(url_for("contests.create"))
    if form.validate_on_submit():
        source = _contest_or_404(form.source.data)
        with unit_of_work(db.session, show=_on_form(form)) as work:
            contest = contests.clone_contest(db.session, source, form.name.data, form.slug.data)
            record(db.session, current_user, "contest.cloned", contest, source_id=source.id)
        if work.done:
            flash(
                f"Contest {contest.name!r} created from {source.name!r}. Set its dates.", "success"
            )
            return redirect(url_for("contests.edit", contest_id=contest.id))
    return render_template("contests/clone.html", form=form)
