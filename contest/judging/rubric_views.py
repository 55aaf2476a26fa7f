"""Organizer screens for rubrics (the contest's and each category's override) and calibration
anchors, and the judge's own score distribution against the panel's."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from contest.auth.guards import judge_required, manages_contest, sees_contest
from contest.core.extensions import db
from contest.core.models.contests import Category, Contest
from contest.core.transaction import unit_of_work
from contest.judging import bp, calibration
from contest.judging import rubrics as rubric_service
from contest.judging.rubric_forms import EMPTY_ROWS, AnchorsForm, RemoveOverrideForm, RubricForm
from contest.web.forms import flash_error, on_form

ROW_FIELDS = {"level_descriptors": "descriptors"}


def _contest_or_404(contest_id):
    return db.session.get(Contest, contest_id) or abort(404)


def _category_or_404(contest, category_id):
    if category_id is None:
        return None
    category = db.session.get(Category, category_id)
    if category is None or category.contest_id != contest.id:
        abort(404)
    return category


def _scope(rubric):
    """(the rubric, sheets submitted on it) for the overview; (None, 0) when there is none."""
    if rubric is None:
        return None, 0
    return rubric, rubric_service.submitted_sheets(db.session, rubric)


@bp.route("/rubrics/<int:contest_id>")
@sees_contest
def rubrics(contest_id):
    contest = _contest_or_404(contest_id)
    own = _scope(rubric_service.newest_rubric(db.session, contest))
    categories = [
        (category, *_scope(rubric_service.newest_rubric(db.session, contest, category)))
        for category in contest.categories
    ]
    return render_template(
        "judging/rubrics.html",
        contest=contest,
        own=own,
        categories=categories,
        remove_form=RemoveOverrideForm(),
    )


def _fill(form, rubric):
    criteria = list(rubric.criteria) if rubric else []
    for order, criterion in enumerate(criteria, start=1):
        form.criteria.append_entry(
            {
                "name": criterion.name,
                "guidance": criterion.guidance,
                "weight": f"{criterion.weight:g}",
                "min_points": criterion.min_points,
                "max_points": criterion.max_points,
                "descriptors": "\n".join(criterion.level_descriptors or []),
                "order": order,
            }
        )
    for order in range(len(criteria) + 1, len(criteria) + EMPTY_ROWS + 1):
        form.criteria.append_entry({"order": order})


def _on_rows(rows):
    """A `show` that puts a service error beside the field it names ("criteria-2-weight": the
    third row kept), else flashes it."""
    return lambda error: _attach(rows, error)


def _attach(rows, error):
    parts = (error.field or "").split("-", 2)
    if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
        row = rows[int(parts[1])]
        target = getattr(row.form, ROW_FIELDS.get(parts[2], parts[2]), None)
        if target is not None:
            target.errors = [*target.errors, error.message]
            return
    flash(error.message, "error")


def _notice(contest, category, current):
    """What saving will do, when it will do more than edit the rubric in place."""
    if current is None:
        return (
            f"Saving gives {category.name} a rubric of its own. Sheets in progress in this "
            "category move to it and keep the points of criteria whose name and scale stay "
            "the same."
        )
    submitted = rubric_service.submitted_sheets(db.session, current)
    if not submitted:
        return None
    sheets = f"{submitted} sheet{'s were' if submitted != 1 else ' was'}"
    return (
        f"{sheets} submitted on version {current.version}: saving creates version "
        f"{current.version + 1}. Submitted sheets keep version {current.version}; sheets in "
        "progress move to the new version and keep the points of criteria whose name and scale "
        "stay the same."
    )


def _saved_message(change):
    if not change.changed:
        return "Nothing changed: the rubric is as it was."
    if not change.new_version:
        message = "Rubric saved."
    elif change.rubric.version == 1:
        message = "The category now has its own rubric."
    else:
        message = f"Saved as version {change.rubric.version}."
    if change.moved_sheets:
        message += (
            f" {change.moved_sheets} sheet{'s' if change.moved_sheets != 1 else ''} in "
            "progress moved to it"
        )
        message += f" ({change.dropped_points} points dropped)." if change.dropped_points else "."
    elif change.dropped_points:
        message += f" {change.dropped_points} points of sheets in progress were dropped."
    return message


@bp.route(
    "/rubrics/<int:contest_id>/edit",
    methods=["GET", "POST"],
    defaults={"category_id": None},
)
@bp.route("/rubrics/<int:contest_id>/<int:category_id>", methods=["GET", "POST"])
@manages_contest
def edit_rubric(contest_id, category_id):
    contest = _contest_or_404(contest_id)
    category = _category_or_404(contest, category_id)
    current = rubric_service.newest_rubric(db.session, contest, category)
    form = RubricForm()
    if not form.is_submitted():
        _fill(form, current or rubric_service.newest_rubric(db.session, contest))
    elif form.validate_on_submit():
        rows = form.rows_in_order()
        with unit_of_work(db.session, show=_on_rows(rows)) as work:
            change = rubric_service.save_rubric(
                db.session, current_user, contest, category, [row.form.draft() for row in rows]
            )
        if work.done:
            flash(_saved_message(change), "success")
            return redirect(url_for("judging.rubrics", contest_id=contest.id))
    return render_template(
        "judging/rubric_form.html",
        contest=contest,
        category=category,
        current=current,
        form=form,
        notice=_notice(contest, category, current),
    )


@bp.route("/rubrics/<int:contest_id>/<int:category_id>/remove", methods=["POST"])
@manages_contest
def remove_override(contest_id, category_id):
    contest = _contest_or_404(contest_id)
    category = _category_or_404(contest, category_id)
    if RemoveOverrideForm().validate_on_submit():
        with unit_of_work(db.session, show=flash_error) as work:
            moved, _ = rubric_service.remove_override(db.session, current_user, contest, category)
        if work.done:
            flash(
                f"{category.name} uses the contest rubric again"
                + (f"; {moved} sheets in progress moved to it." if moved else "."),
                "success",
            )
    return redirect(url_for("judging.rubrics", contest_id=contest.id))


@bp.route("/calibration/<int:contest_id>", methods=["GET", "POST"])
@manages_contest
def calibration_anchors(contest_id):
    contest = _contest_or_404(contest_id)
    choices = calibration.anchor_choices(db.session, contest)
    form = AnchorsForm()
    form.anchors.choices = [(e.id, f"{e.title} ({e.category.name})") for e in choices]
    if not form.is_submitted():
        form.anchors.data = [e.id for e in calibration.anchors(db.session, contest)]
    elif form.validate_on_submit():
        with unit_of_work(db.session, show=on_form(form, {None: "anchors"})) as work:
            calibration.set_anchors(db.session, current_user, contest, form.anchors.data or [])
        if work.done:
            flash("Calibration anchors saved.", "success")
            return redirect(url_for("judging.calibration_anchors", contest_id=contest.id))
    return render_template(
        "judging/calibration_anchors.html",
        contest=contest,
        form=form,
        anchors=calibration.anchors(db.session, contest),
        limit=calibration.MAX_ANCHORS,
    )


@bp.route("/calibration/mine")
@judge_required
def my_calibration():
    views = []
    for contest in calibration.contests_judged(db.session, current_user):
        distribution = calibration.score_distribution(db.session, current_user, contest)
        views.append((contest, distribution, calibration.histogram_bars(distribution.bins)))
    return render_template("judging/calibration_mine.html", views=views)
