"""A teacher's results: once the contest is published, the places and awards of their school's
entries and the judges' feedback, with the school's choice to share that feedback on the public
winners page. Another school's results are not found (404)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from contest.auth.guards import teacher_required
from contest.core.extensions import db
from contest.core.models.contests import Category, Contest
from contest.core.models.entries import Entry, School
from contest.core.transaction import unit_of_work
from contest.results import feedback, school_bp
from contest.results import published as winners
from contest.web.forms import flash_error


def _my_school_and_contest(school_id, contest_id):
    if school_id not in current_user.school_ids:
        abort(404)
    return db.get_or_404(School, school_id), db.get_or_404(Contest, contest_id)


@school_bp.route("/<int:school_id>/results/<int:contest_id>")
@teacher_required
def results(school_id, contest_id):
    school, contest = _my_school_and_contest(school_id, contest_id)
    published = winners.is_published(contest)
    rows = winners.school_results(db.session, contest, school.id) if published else []
    return render_template(
        "results/school_results.html",
        school=school,
        contest=contest,
        published=published,
        rows=rows,
    )


@school_bp.route(
    "/<int:school_id>/results/<int:contest_id>/entries/<int:entry_id>/feedback", methods=["POST"]
)
@teacher_required
def share_feedback(school_id, contest_id, entry_id):
    school, contest = _my_school_and_contest(school_id, contest_id)
    entry = db.get_or_404(Entry, entry_id)
    category = db.session.get(Category, entry.category_id)
    if entry.school_id != school.id or category.contest_id != contest.id:
        abort(404)
    share = request.form.get("share") == "yes"
    with unit_of_work(db.session, show=flash_error) as work:
        feedback.share_feedback(db.session, current_user, contest, entry, share)
    if work.done:
        flash(
            f"The judges' feedback on “{entry.title}” is "
            + ("shown on the public winners page." if share else "no longer shown to the public."),
            "success",
        )
    return redirect(url_for(".results", school_id=school.id, contest_id=contest.id))
