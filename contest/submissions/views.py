"""The teacher's pages: register a school, the school's entries, consent forms and captions."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from contest.auth.guards import teacher_required
from contest.core import rules
from contest.core.dbtypes import utcnow
from contest.core.errors import ContestError, PhaseClosed, describe
from contest.core.extensions import db
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry, School
from contest.core.notices import Notice
from contest.core.rules import current_contest
from contest.core.statuses import SchoolStatus
from contest.core.storage import get_storage
from contest.core.storage.base import StorageError
from contest.core.transaction import unit_of_work
from contest.submissions import attachments, bp, entries, naming
from contest.submissions import registration as schools
from contest.submissions.forms import (
    CaptionsForm,
    ConsentForm,
    EntryForm,
    RegisterSchoolForm,
    WithdrawForm,
)
from contest.submissions.registration import SchoolRegistration
from contest.web.forms import flash_error, on_form

STORE_FAILED = "The file could not be stored; try again."


def _warn_if_school_named(entry, captions=None):
    """A warning (after the save) for each text of the entry that names its school or district."""
    school = db.session.get(School, entry.school_id)
    texts = {"The title names": entry.title, "The description names": entry.description}
    if captions is not None:
        texts = {"The captions name": captions}
    for what, names in naming.school_named(school.name, school.district_name, texts):
        quoted = " and ".join(f"“{name}”" for name in names)
        flash(describe("submissions.names_school", {"what": what, "names": quoted}), "warning")


def _my_entry(entry_id):
    """The entry, if it belongs to one of the signed-in teacher's schools (404 otherwise)."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.school_id not in current_user.school_ids:
        abort(404)
    return entry


def _categories(contest):
    return [(c.id, c.name) for c in contest.categories] if contest else []


def _draft(form):
    return entries.EntryDraft(
        category_id=form.category.data,
        title=form.title.data or "",
        description=form.description.data or "",
        credit_line=form.credit_line.data or "",
        full_names_allowed=form.full_names_allowed.data,
    )


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        flash("You are signed in already: a school is registered by a new teacher.", "info")
        home = "submissions.index" if current_user.has_role("teacher") else "gallery.index"
        return redirect(url_for(home))
    form = RegisterSchoolForm()
    if form.validate_on_submit():
        registration = SchoolRegistration(
            school_name=form.school_name.data or "",
            district=form.district.data or "",
            name=form.name.data or "",
            email=form.email.data or "",
            password=form.password.data or "",
        )
        with unit_of_work(db.session, show=on_form(form)) as work:
            schools.queue_registration(db.session, registration)
        if work.done:
            # One answer for every registration: it must not tell who has an account or which
            # schools are registered. The mail says what happened, to the address's owner.
            return redirect(url_for("submissions.registered"))
    return render_template("submissions/register.html", form=form)


@bp.route("/register/sent")
def registered():
    return render_template("submissions/registered.html")


def _entries_by_contest(school_ids, newest):
    """The schools' entries as three lists: the newest contest's; [(contest, entries)] of older
    contests whose results are not out yet (still judged, never "past" because a newer contest
    was set up early); and [(contest, entries)] of finished contests. Newest first."""
    rows = db.session.execute(
        select(Entry, Contest)
        .join(Category, Category.id == Entry.category_id)
        .join(Contest, Contest.id == Category.contest_id)
        .where(Entry.school_id.in_(school_ids))
        .order_by(Contest.created_at.desc(), Entry.created_at.desc())
    ).all()
    now = utcnow()
    current, running, past = [], {}, {}
    for entry, contest in rows:
        if newest is not None and contest.id == newest.id:
            current.append(entry)
        else:
            older = past if rules.is_published(contest, now) else running
            older.setdefault(contest, []).append(entry)
    return current, list(running.items()), list(past.items())


@bp.route("/")
@teacher_required
def index():
    school_ids = current_user.school_ids
    schools = db.session.scalars(select(School).where(School.id.in_(school_ids))).all()
    contest = current_contest()
    current, running, past = _entries_by_contest(school_ids, contest)
    notices = db.session.scalars(
        select(Notice)
        .where(
            Notice.read_at.is_(None),
            (Notice.user_id == current_user.id) | Notice.school_id.in_(school_ids),
        )
        .order_by(Notice.created_at.desc())
        .limit(20)
    ).all()
    deadlines, open_for = {}, set()
    if contest:
        for school in schools:
            deadlines[school.id] = entries.submission_deadline(db.session, contest, school.id)
            if school.approved and entries.submissions_open(db.session, contest, school.id):
                open_for.add(school.id)
    return render_template(
        "submissions/index.html",
        schools=schools,
        approved=any(school.approved for school in schools),
        entries=current,
        running=running,
        past=past,
        entered={entry.school_id for entry in current},
        notices=notices,
        contest=contest,
        deadlines=deadlines,
        open_for=open_for,
        now=utcnow(),
    )


@bp.route("/notices/<int:notice_id>/read", methods=["POST"])
@teacher_required
def dismiss_notice(notice_id):
    notice = db.session.get(Notice, notice_id)
    mine = notice and (
        notice.user_id == current_user.id or notice.school_id in current_user.school_ids
    )
    if not mine:
        abort(404)
    with unit_of_work(db.session):
        notice.read_at = utcnow()
    return redirect(url_for("submissions.index"))


@bp.route("/entries/new", methods=["GET", "POST"])
@teacher_required
def create_entry():
    contest = current_contest()
    if contest is None:
        flash("There is no contest to enter yet.", "info")
        return redirect(url_for("submissions.index"))
    approved = db.session.scalars(
        select(School.id).where(
            School.id.in_(current_user.school_ids), School.status == SchoolStatus.APPROVED
        )
    ).all()
    if not approved:
        flash("Your school is waiting for the organizers' approval: no entries yet.", "info")
        return redirect(url_for("submissions.index"))
    open_ids = [i for i in sorted(approved) if entries.submissions_open(db.session, contest, i)]
    if not open_ids:  # said before the form is filled in, not after
        try:
            entries.check_submissions_open(db.session, contest, min(approved))
        except PhaseClosed as error:
            flash(error.message, "info")
        return redirect(url_for("submissions.index"))
    school_id = open_ids[0]
    form = EntryForm()
    form.category.choices = _categories(contest)
    if form.validate_on_submit():
        with unit_of_work(db.session, show=on_form(form)) as work:
            entry = entries.create_entry(db.session, current_user, school_id, _draft(form))
        if work.done:
            flash("Entry saved. Now add the consent form and the video.", "success")
            _warn_if_school_named(entry)
            return redirect(url_for("submissions.show_entry", entry_id=entry.id))
    return render_template("submissions/entry_form.html", form=form, entry=None, contest=contest)


def _entry_page(entry, **forms):
    contest = entries.contest_of(db.session, entry)
    forms.setdefault("consent_form", ConsentForm(prefix="consent"))
    forms.setdefault("captions_form", CaptionsForm(prefix="captions"))
    forms.setdefault("withdraw_form", WithdrawForm(prefix="withdraw"))
    try:
        entries.check_can_change_entry(db.session, current_user, entry)
        closed_reason = None
    except ContestError as error:
        closed_reason = error.message
    return render_template(
        "submissions/entry.html",
        entry=entry,
        contest=contest,
        category=db.session.get(Category, entry.category_id),
        deadline=entries.submission_deadline(db.session, contest, entry.school_id),
        closed_reason=closed_reason,
        **forms,
    )


@bp.route("/entries/<int:entry_id>")
@teacher_required
def show_entry(entry_id):
    return _entry_page(_my_entry(entry_id))


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@teacher_required
def edit_entry(entry_id):
    entry = _my_entry(entry_id)
    contest = entries.contest_of(db.session, entry)
    form = EntryForm(obj=None if request.method == "POST" else entry)
    form.category.choices = _categories(contest)
    if request.method == "GET":
        form.category.data = entry.category_id
    if form.validate_on_submit():
        with unit_of_work(db.session, show=on_form(form)) as work:
            entries.update_entry(db.session, current_user, entry, _draft(form))
        if work.done:
            flash("Entry saved.", "success")
            _warn_if_school_named(entry)
            return redirect(url_for("submissions.show_entry", entry_id=entry.id))
    return render_template("submissions/entry_form.html", form=form, entry=entry, contest=contest)


def _file_action(entry_id, form_class, prefix, attach, done):
    entry = _my_entry(entry_id)
    form = form_class(prefix=prefix)
    if form.validate_on_submit():
        upload, field, storage = form[prefix].data, form[prefix], get_storage()
        data = upload.read()

        def show(error):
            field.errors = [*field.errors, error.message]

        try:
            with unit_of_work(db.session, show=show) as work:
                attach(db.session, storage, current_user, entry, data, upload.filename)
        except StorageError:
            field.errors = [*field.errors, STORE_FAILED]
        if work.done:
            flash(done, "success")
            if prefix == "captions":  # checked as WebVTT, so it is UTF-8 text
                _warn_if_school_named(entry, captions=data.decode("utf-8", "replace"))
            return redirect(url_for("submissions.show_entry", entry_id=entry.id))
    return _entry_page(entry, **{f"{prefix}_form": form}), 400


@bp.route("/entries/<int:entry_id>/consent", methods=["POST"])
@teacher_required
def upload_consent(entry_id):
    return _file_action(
        entry_id, ConsentForm, "consent", attachments.attach_consent,
        "Consent form received. The organizers will check it.",
    )  # fmt: skip


@bp.route("/entries/<int:entry_id>/captions", methods=["POST"])
@teacher_required
def upload_captions(entry_id):
    return _file_action(
        entry_id, CaptionsForm, "captions", attachments.attach_captions, "Captions saved."
    )


@bp.route("/entries/<int:entry_id>/withdraw", methods=["POST"])
@teacher_required
def withdraw_entry(entry_id):
    entry = _my_entry(entry_id)
    form = WithdrawForm(prefix="withdraw")
    if form.validate_on_submit():
        with unit_of_work(db.session, show=flash_error) as work:
            entries.withdraw_entry(db.session, current_user, entry, form.reason.data or "")
        if work.done:
            flash(f"“{entry.title}” is withdrawn.", "success")
        return redirect(url_for("submissions.show_entry", entry_id=entry.id))
    return _entry_page(entry, withdraw_form=form), 400
