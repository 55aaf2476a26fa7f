"""The public "report this video" form and the organizers' takedown queue."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from contest.auth.guards import manages_contest, organizer_required
from contest.core import permissions
from contest.core.extensions import db, limiter
from contest.core.models.entries import Entry
from contest.core.models.takedowns import TakedownReport
from contest.core.transaction import unit_of_work
from contest.media.visibility import publicly_visible
from contest.takedown import bp
from contest.takedown import reports as takedowns
from contest.takedown.forms import DismissForm, HideAnyForm, HideForm, ReportForm, UnhideForm
from contest.web.forms import on_form


def _entry_or_404(entry_id):
    return db.session.get(Entry, entry_id) or abort(404)


@bp.route("/report/<int:entry_id>", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["TAKEDOWN_REPORTS_PER_IP"],
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 302,
)
def report(entry_id):
    entry = db.session.get(Entry, entry_id)
    # Only what the public can see may be reported: anything else is not there, as on the media.
    if entry is None or not publicly_visible(db.session, entry):
        abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        with unit_of_work(db.session, show=on_form(form)) as work:
            takedowns.file_report(
                db.session, entry, form.reason.data, form.details.data,
                form.contact_email.data, url_for("takedown.queue", _external=True),
            )  # fmt: skip
        if work.done:
            return redirect(url_for("takedown.sent"))
    status = 400 if form.errors else 200
    return render_template("takedown/report.html", entry=entry, form=form), status


@bp.route("/report/sent")
def sent():
    return render_template("takedown/sent.html")


def _page(template, status=200, failed=None, **context):
    """A page of per-entry and per-report forms; each form's prefix names its row
    ("hide-12", "dismiss-7"), and a form that failed shows again with its errors."""
    page = render_template(
        template,
        failed={form._prefix.rstrip("-"): form for form in failed or ()},
        forms={"hide": HideForm, "unhide": UnhideForm, "dismiss": DismissForm},
        reason_labels=takedowns.REASON_LABELS,
        **context,
    )
    return page, status


def _grouped(rows):
    """[(entry, [report, ...])] from open_reports' (report, entry) rows, in their order."""
    groups = {}
    for report, entry in rows:
        groups.setdefault(entry.id, (entry, []))[1].append(report)
    return list(groups.values())


def _queue_page(status=200, failed=None, hide_any_form=None):
    hide_any_form = hide_any_form or HideAnyForm(prefix="hideany")
    _entry_choices(hide_any_form)
    return _page(
        "takedown/queue.html",
        status,
        failed,
        reported=_grouped(takedowns.open_reports(db.session, where=_mine())),
        hidden=takedowns.hidden_entries(db.session, _mine()),
        hide_any_form=hide_any_form,
    )


def _mine():
    return permissions.managed_only(current_user, Entry.contest_id)


def _entry_choices(form):
    """Only the user's contests' videos: the form refuses any other entry id."""
    form.entry.choices = [
        SelectChoice(entry.id, f"{entry.title} (entry {entry.id})")
        for entry in db.session.scalars(
            select(Entry)
            .where(Entry.hidden_at.is_(None), Entry.video_asset_id.is_not(None), _mine())
            .order_by(Entry.title, Entry.id)
        )
    ]


def _entry_page(entry, status=200, failed=None):
    reports = [report for report, _ in takedowns.open_reports(db.session, entry.id)]
    return _page("takedown/entry.html", status, failed, entry=entry, reports=reports)


def _done(entry, message):
    flash(message, "success")
    return redirect(url_for("takedown.entry", entry_id=entry.id))


@bp.route("/admin/takedown/", methods=["GET", "POST"])
@organizer_required
def queue():
    form = HideAnyForm(prefix="hideany")
    if not form.is_submitted():
        return _queue_page()
    _entry_choices(form)
    if form.validate():
        entry = _entry_or_404(form.entry.data)
        with unit_of_work(db.session, show=on_form(form)) as work:
            takedowns.hide_entry(db.session, current_user, entry, form.reason.data)
        if work.done:
            return _done(entry, f"“{entry.title}” is hidden; the school is told why.")
    return _queue_page(400, hide_any_form=form)


@bp.route("/admin/takedown/entries/<int:entry_id>")
@manages_contest
def entry(entry_id):
    return _entry_page(_entry_or_404(entry_id))


def _entry_decision(entry_id, form_class, kind, decide, message):
    entry = _entry_or_404(entry_id)
    form = form_class(prefix=f"{kind}-{entry.id}")
    if form.validate_on_submit():
        with unit_of_work(db.session, show=on_form(form)) as work:
            decide(db.session, current_user, entry, form.reason.data)
        if work.done:
            return _done(entry, message.format(title=entry.title))
    return _entry_page(entry, 400, [form])


@bp.route("/admin/takedown/entries/<int:entry_id>/hide", methods=["POST"])
@manages_contest
def hide(entry_id):
    return _entry_decision(
        entry_id, HideForm, "hide", takedowns.hide_entry,
        "“{title}” is hidden; the school is told why.",
    )  # fmt: skip


@bp.route("/admin/takedown/entries/<int:entry_id>/unhide", methods=["POST"])
@manages_contest
def unhide(entry_id):
    return _entry_decision(
        entry_id, UnhideForm, "unhide", takedowns.unhide_entry,
        "“{title}” is public again; the school is told.",
    )  # fmt: skip


@bp.route("/admin/takedown/reports/<int:report_id>/dismiss", methods=["POST"])
@manages_contest
def dismiss(report_id):
    report = db.session.get(TakedownReport, report_id) or abort(404)
    form = DismissForm(prefix=f"dismiss-{report.id}")
    if form.validate_on_submit():
        with unit_of_work(db.session, show=on_form(form)) as work:
            takedowns.dismiss_report(db.session, current_user, report, form.note.data)
        if work.done:
            flash("Report dismissed; the video stays up.", "success")
            return redirect(url_for("takedown.queue"))
    return _entry_page(_entry_or_404(report.entry_id), 400, [form])
