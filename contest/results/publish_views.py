"""Publishing a contest's results: confirm the winners, freeze them, download the published
document, and withdraw it again (every step audited)."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import TextAreaField
from wtforms.validators import Length

from contest.auth.guards import manages_contest, sees_contest
from contest.core.audit import AuditEvent
from contest.core.extensions import db
from contest.core.models.contests import Contest
from contest.core.transaction import hold, unit_of_work
from contest.results import bp, publication, ranking
from contest.results import choices as award_choices
from contest.results import plan as awards_plan
from contest.results.forms import UnpublishForm, choice_fields, choices_of, publish_form
from contest.voting import counting
from contest.web.forms import Form, flash_error

ALREADY_PUBLISHED = "Someone else published these results just now: see the published results."


class CaptionsReasonForm(Form):
    """The reasons to publish winners without captions, or before judging finished; posted with
    the publish form, whose token covers it."""

    class Meta:
        csrf = False

    captions_reason = TextAreaField(
        "Reason to publish winning videos without captions",
        description="Only when a winning video has no captions; it is published with the results.",
        validators=[Length(max=1000)],
    )
    judging_reason = TextAreaField(
        "Reason to publish before judging is finished",
        description="Only when judging is still open or entries lack their judges' sheets; it is "
        "published with the results.",
        validators=[Length(max=1000)],
    )


def _plan(contest):
    tally, _, ballot_sha256 = counting.contest_tally(db.session, contest)
    return awards_plan.plan(
        ranking.category_results(db.session, contest),
        tally,
        ballot_sha256,
        awards_plan.entry_facts(db.session, contest),
        awards_plan.judging_state(db.session, contest),
    )


def _attach(form, problems):
    """Problems tied to a field go under it; the rest are returned for the page's summary."""
    general = []
    for name, message in problems:
        if name and name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            general.append(message)
    return general


def _choices(form, captions, plan):
    return {
        **choices_of(form, plan),
        awards_plan.CAPTIONS_REASON: captions.captions_reason.data,
        awards_plan.JUDGING_REASON: captions.judging_reason.data,
    }


def _publish_page(contest, plan, form, captions, problems=(), status=200):
    page = render_template(
        "results/publish.html",
        contest=contest,
        plan=plan,
        form=form,
        captions=captions,
        uncaptioned=award_choices.uncaptioned_choices(plan, choices_of(form, plan)),
        unfinished=award_choices.judging_unfinished(plan.judging),
        problems=problems,
        awards_plan=awards_plan,
    )
    return page, status


@bp.route("/<int:contest_id>/publish", methods=["GET", "POST"])
@manages_contest
def publish(contest_id):
    contest = db.get_or_404(Contest, contest_id)
    if request.method == "GET" and contest.published_at is not None:
        flash("These results are already published.", "info")
        return redirect(url_for("results.published", contest_id=contest.id))
    plan = _plan(contest)
    captions = CaptionsReasonForm()
    if request.method == "GET":
        form = publish_form(plan, data=awards_plan.default_choices(plan))
        return _publish_page(contest, plan, form, captions)
    form = publish_form(plan)
    valid = form.validate_on_submit()
    if not (captions.validate() and valid):
        return _publish_page(contest, plan, form, captions, ["Check the highlighted fields."], 400)
    if form.change.data:
        return _publish_page(contest, plan, form, captions)
    choices = _choices(form, captions, plan)
    try:
        awards = award_choices.check_choices(contest, plan, choices)
    except awards_plan.PublicationProblems as error:
        reasons = (awards_plan.CAPTIONS_REASON, awards_plan.JUDGING_REASON)
        captions_problems = [p for p in error.problems if p[0] in reasons]
        _attach(captions, captions_problems)
        problems = _attach(form, [p for p in error.problems if p not in captions_problems])
        return _publish_page(contest, plan, form, captions, problems, 400)
    if not (form.confirmed.data == "yes" and form.publish.data):
        form.confirmed.data = "yes"
        page = render_template(
            "results/publish_confirm.html",
            contest=contest,
            plan=plan,
            form=form,
            awards=awards,
            fields=choice_fields(plan),
            captions=captions,
            uncaptioned=award_choices.uncaptioned(plan.facts, [a.entry.id for a in awards]),
            unfinished=award_choices.judging_unfinished(plan.judging),
        )
        return page
    try:
        with unit_of_work(db.session, show=hold) as work:
            _, digest = publication.publish_results(
                db.session,
                current_user,
                contest,
                awards,
                captions_reason=choices[awards_plan.CAPTIONS_REASON],
                judging=plan.judging,
                judging_reason=choices[awards_plan.JUDGING_REASON],
            )
            publication.mail_winners(db.session, contest, awards)  # sent once the commit succeeds
    except IntegrityError:  # another organizer's publication won the race
        return _publish_page(contest, plan, form, captions, [ALREADY_PUBLISHED], 409)
    if work.error:
        return _publish_page(contest, plan, form, captions, [work.error.message], 409)
    flash(f"Results published. Their SHA-256 is {digest}.", "success")
    return redirect(url_for("results.published", contest_id=contest.id))


def _published_page(contest, form=None, status=200):
    history = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.subject_type == "contests",
            AuditEvent.subject_id == contest.id,
            AuditEvent.action.in_(("contest.published", "contest.unpublished")),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ).all()
    results = publication.published_results(db.session, contest)
    page = render_template(
        "results/published.html",
        contest=contest,
        results=results,
        digest=results[0].digest if results else None,
        history=history,
        form=form or UnpublishForm(),
    )
    return page, status


@bp.route("/<int:contest_id>/published")
@sees_contest
def published(contest_id):
    return _published_page(db.get_or_404(Contest, contest_id))


@bp.route("/<int:contest_id>/published.json")
@sees_contest
def published_json(contest_id):
    contest = db.get_or_404(Contest, contest_id)
    published = publication.current_publication(db.session, contest)
    if published is None:
        abort(404, "These results are not published.")
    # The exact bytes the digest was taken of, so anyone can recompute it.
    return Response(
        published.document.encode("utf-8"),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{contest.slug}-results.json"'},
    )


@bp.route("/<int:contest_id>/unpublish", methods=["POST"])
@manages_contest
def unpublish(contest_id):
    contest = db.get_or_404(Contest, contest_id)
    form = UnpublishForm()
    if not form.validate_on_submit():
        return _published_page(contest, form, 400)
    with unit_of_work(db.session, show=flash_error) as work:
        publication.unpublish_results(db.session, current_user, contest, form.reason.data)
    if not work.done:
        return _published_page(contest, form, 400)
    flash("Results withdrawn; the audit log keeps what was published.", "success")
    return redirect(url_for("results.publish", contest_id=contest.id))
