"""The organizer's judging screens: progress, assignment, judges, conflicts, reassignment and
each entry's score sheets. Rules live in contest.judging.panel; these views only map them."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from contest.auth.guards import (
    admin_required,
    manages_contest,
    overview_required,
    sees_contest,
)
from contest.core import permissions
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.models.accounts import User
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import District, Entry, School
from contest.core.models.judging import Assignment, Conflict, Criterion
from contest.core.permissions import Action
from contest.core.rules import current_contest, current_round
from contest.core.transaction import unit_of_work
from contest.judging import bp, sheets
from contest.judging import panel as judging
from contest.judging import progress as judging_progress
from contest.judging.manage_forms import (
    AssignForm,
    ConflictForm,
    JudgeCategoriesForm,
    ReassignForm,
    ReminderForm,
    RemoveConflictForm,
    RemoveJudgeForm,
    ReopenForm,
)
from contest.web.forms import on_form


def _get_or_404(model, row_id):
    return db.session.get(model, row_id) or abort(404)


def _judge_or_404(contest, judge_id):
    judge = _get_or_404(User, judge_id)
    if not judging.is_contest_judge(db.session, contest, judge):
        abort(404)
    return judge


def _progress_page(contest, reminder_form=None, status=200):
    contests = db.session.scalars(
        select(Contest)
        .where(permissions.only(current_user, Contest.id, Action.VIEW))
        .order_by(Contest.created_at.desc())
    ).all()
    if contest is None:
        return render_template("judging/manage/progress.html", contest=None, contests=contests)
    progress, per_category = judging_progress.judge_progress(db.session, contest)
    overdue = judging_progress.overdue_judges(db.session, contest, utcnow())
    manages = permissions.allowed(current_user, Action.MANAGE, contest.id)
    names, idle = None, 0
    if manages:
        if reminder_form is None:
            reminder_form = ReminderForm(judges=[row.judge.id for row in overdue])
        reminder_form.judges.choices = [(row.judge.id, _label(row.judge)) for row in progress]
    else:
        # An observer knows judges by the pseudonyms of the results; one without work has none.
        names = judging_progress.judge_pseudonyms(db.session, contest)
        idle = sum(1 for row in progress if row.judge.id not in names)
        progress = sorted(
            (row for row in progress if row.judge.id in names), key=lambda row: names[row.judge.id]
        )
    round_ = current_round(contest)
    entries = judging.judgeable_entries(db.session, contest, round_)
    held = {}
    for assignment in judging.contest_assignments(db.session, contest, round_):
        if not assignment.calibration:
            held.setdefault(assignment.entry_id, []).append(assignment)
    page = render_template(
        "judging/manage/progress.html",
        contest=contest,
        contests=contests,
        progress=progress,
        per_category=per_category,
        overdue={row.judge.id for row in overdue},
        still_open=judging_progress.open_sheets(progress),
        reminder_form=reminder_form if manages else None,
        entries=entries,
        held=held,
        names=names,
        idle=idle,
        round_=round_,
    )
    return page, status


def _label(user):
    return f"{user.name} <{user.email}>" if user.name else user.email


@bp.route("/manage/")
@overview_required
def manage_index():
    seen = permissions.only(current_user, Contest.id, Action.VIEW)
    return _progress_page(current_contest(where=seen))


@bp.route("/manage/<int:contest_id>/")
@sees_contest
def manage_progress(contest_id):
    return _progress_page(_get_or_404(Contest, contest_id))


@bp.route("/manage/<int:contest_id>/reminders", methods=["POST"])
@manages_contest
def manage_reminders(contest_id):
    contest = _get_or_404(Contest, contest_id)
    form = ReminderForm()
    progress, _ = judging_progress.judge_progress(db.session, contest)
    form.judges.choices = [(row.judge.id, _label(row.judge)) for row in progress]
    if not form.validate_on_submit():
        return _progress_page(contest, form, 400)
    chosen = [row for row in progress if row.judge.id in set(form.judges.data)]
    with unit_of_work(db.session):
        reminded = judging_progress.send_reminders(
            db.session, contest, chosen, current_user, url_for("judging.index", _external=True)
        )
    if reminded:
        flash(f"Reminders on their way to {', '.join(reminded)}.", "success")
    return redirect(url_for("judging.manage_progress", contest_id=contest.id))


@bp.route("/manage/<int:contest_id>/assign", methods=["GET", "POST"])
@manages_contest
def manage_assign(contest_id):
    contest = _get_or_404(Contest, contest_id)
    form = AssignForm()
    report = None
    status = 200
    if form.validate_on_submit():
        with unit_of_work(db.session):
            report = judging.assign_judges(db.session, contest, form.seed.data, current_user)
    elif form.is_submitted():
        status = 400
    return render_template(
        "judging/manage/assign.html",
        contest=contest,
        current_round=current_round(contest),
        form=form,
        report=report,
    ), status


def _judges_page(contest, status=200, errors=None):
    judges = judging.contest_judges(db.session, contest)
    chosen = judging.judge_categories(db.session, contest)
    return render_template(
        "judging/manage/judges.html",
        contest=contest,
        judges=judges,
        chosen=chosen,
        errors=errors or {},
        remove_form=RemoveJudgeForm(),
    ), status


@bp.route("/manage/<int:contest_id>/judges")
@manages_contest
def manage_judges(contest_id):
    return _judges_page(_get_or_404(Contest, contest_id))


@bp.route("/manage/<int:contest_id>/judges/<int:judge_id>/categories", methods=["POST"])
@manages_contest
def manage_judge_categories(contest_id, judge_id):
    contest = _get_or_404(Contest, contest_id)
    judge = _judge_or_404(contest, judge_id)
    form = JudgeCategoriesForm()
    form.categories.choices = [(category.id, category.name) for category in contest.categories]
    if form.validate_on_submit():
        chosen = form.categories.data if form.scope.data == "chosen" else []
        if form.scope.data == "chosen" and not chosen:
            form.categories.errors = ["Tick at least one category, or choose every category."]
        else:
            show = on_form(form, {None: "categories"})
            with unit_of_work(db.session, show=show) as work:
                judging.set_judge_categories(db.session, current_user, contest, judge, chosen)
            if work.done:
                flash(f"Categories saved for {judge.email}.", "success")
                return redirect(url_for("judging.manage_judges", contest_id=contest.id))
    errors = [message for field_errors in form.errors.values() for message in field_errors]
    return _judges_page(contest, 400, {judge.id: errors})


@bp.route("/manage/<int:contest_id>/judges/<int:judge_id>/remove", methods=["POST"])
@manages_contest
def manage_remove_judge(contest_id, judge_id):
    contest = _get_or_404(Contest, contest_id)
    judge = _judge_or_404(contest, judge_id)
    form = RemoveJudgeForm()
    if not form.validate_on_submit():
        return _judges_page(contest, 400, {judge.id: form.confirm.errors})
    with unit_of_work(db.session):
        report = judging.remove_judge(db.session, contest, judge, current_user)
    flash(f"{judge.email} no longer judges {contest.name}. {report.summary}", "success")
    for line in report.lines:
        flash(line, "error")
    return redirect(url_for("judging.manage_judges", contest_id=contest.id))


def _conflict_choices(form, contest):
    judges = judging.contest_judges(db.session, contest) if contest else []
    form.judge.choices = [(judge.id, _label(judge)) for judge in judges]
    schools = db.session.scalars(select(School).order_by(School.name)).all()
    form.school.choices = [(0, "(none: a district)")] + [
        (school.id, f"{school.name} ({school.district_name})" if school.district else school.name)
        for school in schools
    ]
    form.district.choices = [(0, "(none: the school alone)")] + [
        (district.id, district.name)
        for district in db.session.scalars(select(District).order_by(District.name))
    ]


def _conflicts_page(form, status=200):
    contest = current_contest()
    automatic = judging.automatic_conflicts(db.session, contest) if contest else []
    people = {user.id: user for user in db.session.scalars(select(User))}
    schools = {school.id: school for school in db.session.scalars(select(School))}
    return render_template(
        "judging/manage/conflicts.html",
        contest=contest,
        form=form,
        automatic=automatic,
        recorded=judging.recorded_conflicts(db.session),
        people=people,
        schools=schools,
    ), status


@bp.route("/manage/conflicts", methods=["GET", "POST"])
@admin_required
def manage_conflicts():
    form = ConflictForm()
    _conflict_choices(form, current_contest())
    if form.validate_on_submit():
        judge = _get_or_404(User, form.judge.data)
        school = db.session.get(School, form.school.data) if form.school.data else None
        district = db.session.get(District, form.district.data) if form.district.data else None
        with unit_of_work(db.session, show=on_form(form, {None: "school"})) as work:
            judging.add_conflict(
                db.session, current_user, judge, form.reason.data, school, district
            )
            contest = current_contest()
            dropped = []
            if contest is not None:
                dropped, _ = judging.release_conflicted(db.session, contest, judge, current_user)
        if work.done:
            flash(
                f"Conflict recorded for {judge.email}; {len(dropped)} of their unsubmitted "
                "assignments moved to other judges.",
                "success",
            )
            return redirect(url_for("judging.manage_conflicts"))
    return _conflicts_page(form, 400 if form.is_submitted() else 200)


@bp.route("/manage/conflicts/<int:conflict_id>/remove", methods=["POST"])
@admin_required
def manage_remove_conflict(conflict_id):
    conflict = _get_or_404(Conflict, conflict_id)
    form = RemoveConflictForm()
    if form.validate_on_submit():
        with unit_of_work(db.session):
            judging.remove_conflict(db.session, current_user, conflict, form.reason.data)
        flash("Conflict removed.", "success")
        return redirect(url_for("judging.manage_conflicts"))
    flash(" ".join(form.reason.errors) or "The conflict was not removed.", "error")
    add_form = ConflictForm(formdata=None)
    _conflict_choices(add_form, current_contest())
    return _conflicts_page(add_form, 400)


@bp.route("/manage/assignments/<int:assignment_id>/reassign", methods=["GET", "POST"])
@manages_contest
def manage_reassign(assignment_id):
    assignment = _get_or_404(Assignment, assignment_id)
    entry = db.session.get(Entry, assignment.entry_id)
    contest = judging.contest_of_entry(db.session, entry)
    form = ReassignForm()
    form.judge.choices = [(0, "(choose a judge)")] + [
        (judge.id, _label(judge))
        for judge in judging.contest_judges(db.session, contest)
        if judge.id != assignment.judge_id
    ]
    status = 200
    if form.validate_on_submit():
        new_judge = _get_or_404(User, form.judge.data)
        with unit_of_work(db.session, show=on_form(form, {None: "judge"})) as work:
            judging.reassign(db.session, current_user, assignment, new_judge)
        if work.done:
            flash(f"The entry now goes to {new_judge.email}.", "success")
            return redirect(url_for("judging.manage_entry", entry_id=entry.id))
    if form.is_submitted():
        status = 400
    return render_template(
        "judging/manage/reassign.html",
        assignment=assignment,
        entry=entry,
        judge=db.session.get(User, assignment.judge_id),
        form=form,
    ), status


def _entry_page(entry, reopen_form=None, status=200):
    assignments = db.session.scalars(
        select(Assignment).where(Assignment.entry_id == entry.id).order_by(Assignment.id)
    ).all()
    criteria = {criterion.id: criterion for criterion in db.session.scalars(select(Criterion))}
    return render_template(
        "judging/manage/entry.html",
        entry=entry,
        category=db.session.get(Category, entry.category_id),
        school=db.session.get(School, entry.school_id),
        assignments=assignments,
        judges={row.judge_id: db.session.get(User, row.judge_id) for row in assignments},
        criteria=criteria,
        reopen_form=reopen_form or ReopenForm(formdata=None),
    ), status


@bp.route("/manage/entries/<int:entry_id>")
@manages_contest
def manage_entry(entry_id):
    return _entry_page(_get_or_404(Entry, entry_id))


@bp.route("/manage/assignments/<int:assignment_id>/reopen", methods=["POST"])
@manages_contest
def manage_reopen(assignment_id):
    assignment = _get_or_404(Assignment, assignment_id)
    entry = db.session.get(Entry, assignment.entry_id)
    form = ReopenForm()
    if form.validate_on_submit():
        if assignment.sheet is None:
            form.reason.errors = ["This judge has not started a sheet."]
        else:
            with unit_of_work(db.session, show=on_form(form, {None: "reason"})) as work:
                sheets.reopen_sheet(db.session, current_user, assignment.sheet, form.reason.data)
            if work.done:
                flash("The sheet is open again for its judge.", "success")
                return redirect(url_for("judging.manage_entry", entry_id=entry.id))
    flash(" ".join(form.reason.errors), "error")
    return _entry_page(entry, form, 400)
