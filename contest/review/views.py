"""Organizer screens: the consent review queue, decisions on an entry, deadline extensions."""

from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from contest.auth.guards import (
    manages_contest,
    newest_managed_contest,
    organizer_required,
    overview_required,
    sees_contest,
)
from contest.core import permissions
from contest.core.audit import AuditEvent
from contest.core.extensions import db
from contest.core.models.contests import Category
from contest.core.models.entries import Entry, School, SchoolExtension
from contest.core.permissions import Action
from contest.core.transaction import unit_of_work
from contest.review import bp
from contest.review.forms import ApproveForm, DisqualifyForm, ExtensionForm, ReturnConsentForm
from contest.submissions import decisions
from contest.web.forms import flash_error, on_form


def _entry_or_404(entry_id):
    return db.session.get(Entry, entry_id) or abort(404)


@bp.route("/")
@overview_required
def index():
    mine = permissions.only(current_user, Entry.contest_id, Action.VIEW)
    queue = decisions.review_queue(db.session, mine)
    counts = dict(
        db.session.execute(
            select(Entry.status, func.count()).where(mine).group_by(Entry.status)
        ).all()
    )
    return render_template("review/index.html", queue=queue, counts=counts)


def _entry_page(entry, status=200, **forms):
    forms.setdefault("approve_form", ApproveForm(prefix="approve"))
    forms.setdefault("return_form", ReturnConsentForm(prefix="return"))
    forms.setdefault("disqualify_form", DisqualifyForm(prefix="disqualify"))
    history = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "entries", AuditEvent.subject_id == entry.id)
        .order_by(AuditEvent.at.desc())
    ).all()
    page = render_template(
        "review/entry.html",
        entry=entry,
        school=db.session.get(School, entry.school_id),
        category=db.session.get(Category, entry.category_id),
        history=history,
        **forms,
    )
    return page, status


@bp.route("/entries/<int:entry_id>")
@sees_contest
def entry(entry_id):
    return _entry_page(_entry_or_404(entry_id))


def _decision(entry_id, form_class, prefix, decide, done):
    entry = _entry_or_404(entry_id)
    form = form_class(prefix=prefix)
    if form.validate_on_submit():
        with unit_of_work(db.session, show=flash_error) as work:
            decide(entry, form)
        if work.done:
            flash(done, "success")
            return redirect(url_for("review.index"))
    return _entry_page(entry, 400, **{f"{prefix}_form": form})


@bp.route("/entries/<int:entry_id>/approve", methods=["POST"])
@manages_contest
def approve(entry_id):
    return _decision(
        entry_id,
        ApproveForm,
        "approve",
        lambda entry, form: decisions.approve_consent(db.session, current_user, entry),
        "Consent approved; the school is told.",
    )


@bp.route("/entries/<int:entry_id>/return", methods=["POST"])
@manages_contest
def return_consent(entry_id):
    return _decision(
        entry_id,
        ReturnConsentForm,
        "return",
        lambda entry, form: decisions.return_consent(
            db.session, current_user, entry, form.reason.data
        ),
        "Consent form sent back; the school is told why.",
    )


@bp.route("/entries/<int:entry_id>/disqualify", methods=["POST"])
@manages_contest
def disqualify(entry_id):
    return _decision(
        entry_id,
        DisqualifyForm,
        "disqualify",
        lambda entry, form: decisions.disqualify(db.session, current_user, entry, form.reason.data),
        "Entry disqualified; the school is told why.",
    )


@bp.route("/extensions", methods=["GET", "POST"])
@organizer_required
def extensions():
    contest = newest_managed_contest()
    if contest is None:
        flash("Create a contest first.", "info")
        return redirect(url_for("contests.create"))
    form = ExtensionForm()
    schools = db.session.scalars(select(School).order_by(School.name)).all()
    form.school.choices = [(s.id, s.name) for s in schools]
    if form.validate_on_submit():
        school = db.session.get(School, form.school.data) or abort(404)
        until = form.until.data.replace(tzinfo=ZoneInfo(contest.timezone))
        with unit_of_work(db.session, show=on_form(form, {None: "reason"})) as work:
            decisions.grant_extension(
                db.session, current_user, contest, school, until, form.reason.data
            )
        if work.done:
            flash(f"{school.name} may submit until the new deadline.", "success")
            return redirect(url_for("review.extensions"))
    granted = db.session.execute(
        select(SchoolExtension, School.name)
        .join(School, School.id == SchoolExtension.school_id)
        .where(SchoolExtension.contest_id == contest.id)
        .order_by(School.name)
    ).all()
    return render_template("review/extensions.html", form=form, contest=contest, granted=granted)
