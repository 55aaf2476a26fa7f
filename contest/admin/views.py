"""The organizer's dashboard (with the schools waiting for approval) and the people screens."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from contest.admin import bp
from contest.admin.forms import ApproveSchoolForm, RejectSchoolForm
from contest.auth import invitations
from contest.auth.forms import InvitationForm
from contest.auth.guards import admin_required, coordinates_school, overview_required
from contest.core import permissions
from contest.core.audit import record
from contest.core.dbtypes import utcnow
from contest.core.extensions import db
from contest.core.mail import queue_mail
from contest.core.models.accounts import Invitation, RoleGrant, User
from contest.core.models.contests import Contest
from contest.core.models.entries import District, Entry, School
from contest.core.models.judging import Assignment
from contest.core.permissions import Action
from contest.core.statuses import Role
from contest.core.transaction import unit_of_work
from contest.submissions import registration as schools
from contest.web.forms import Form, flash_error, on_form


@bp.route("/")
@overview_required
def index():
    """The site administrator's dashboard, or a contest organizer's: the same page, counting
    only the contests the person manages; schools waiting for approval are the site's."""
    admin = permissions.is_admin(current_user)
    seen = permissions.only(current_user, Contest.id, Action.VIEW)
    mine = permissions.only(current_user, Entry.contest_id, Action.VIEW)
    count = db.session.scalar
    counts = {
        "contests": count(select(func.count(Contest.id)).where(seen)),
        "schools": count(select(func.count(School.id)))
        if admin
        else count(select(func.count(func.distinct(Entry.school_id))).where(mine)),
        "entries": count(select(func.count(Entry.id)).where(mine)),
        "judges": count(
            select(func.count(func.distinct(RoleGrant.user_id))).where(RoleGrant.role == "judge")
        )
        if admin
        else count(
            select(func.count(func.distinct(Assignment.judge_id)))
            .join(Entry, Entry.id == Assignment.entry_id)
            .where(mine)
        ),
    }
    contests = db.session.scalars(
        select(Contest).where(seen).order_by(Contest.created_at.desc())
    ).all()
    return render_template(
        "admin/index.html",
        admin=admin,
        counts=counts,
        contests=contests,
        pending=schools.pending_schools(db.session) if admin else [],
        reject_form=RejectSchoolForm(),
    )


def _school_or_404(school_id):
    school = db.session.get(School, school_id)
    if school is None:
        abort(404)
    return school


def _back():
    """Where a decision on a school returns: the dashboard, or a coordinator's district page."""
    if permissions.is_admin(current_user):
        return redirect(url_for("admin.index"))
    return redirect(url_for("admin.district_schools"))


@bp.route("/schools/<int:school_id>/approve", methods=["POST"])
@coordinates_school
def approve_school(school_id):
    school = _school_or_404(school_id)
    if ApproveSchoolForm().validate_on_submit():
        with unit_of_work(db.session, show=flash_error) as work:
            teachers = schools.approve_school(db.session, current_user, school)
            for teacher in teachers:
                queue_mail(
                    db.session,
                    teacher.email,
                    f"{school.name} is approved for the PSA Contest",
                    render_template(
                        "mail/school_approved.txt",
                        name=teacher.name,
                        school=school,
                        link=url_for("submissions.index", _external=True),
                    ),
                )
        if work.done:
            flash(f"{school.name} is approved; its teachers are told.", "success")
    return _back()


@bp.route("/schools/<int:school_id>/reject", methods=["POST"])
@coordinates_school
def reject_school(school_id):
    school = _school_or_404(school_id)
    form = RejectSchoolForm()
    if form.validate_on_submit():
        name, reason = school.name, (form.reason.data or "").strip()
        with unit_of_work(db.session, show=flash_error) as work:
            told = schools.reject_school(db.session, current_user, school, reason)
            for email, teacher_name in told:
                queue_mail(
                    db.session,
                    email,
                    f"{name} was not approved for the PSA Contest",
                    render_template(
                        "mail/school_rejected.txt", name=teacher_name, school=name, reason=reason
                    ),
                )
        if work.done:
            flash(f"{name} is rejected and removed; its teachers are told.", "success")
    else:
        flash(" ".join(form.reason.errors) or "The rejection was not sent.", "error")
    return _back()


@bp.route("/people", methods=["GET", "POST"])
@admin_required
def people():
    form = InvitationForm()
    schools = db.session.scalars(select(School).order_by(School.name)).all()
    form.school.choices = [(0, "(not a teacher)")] + [(s.id, s.name) for s in schools]
    contest_names = dict(
        db.session.execute(
            select(Contest.id, Contest.name).order_by(Contest.created_at.desc())
        ).all()
    )
    form.contest.choices = [(0, "(every contest)"), *contest_names.items()]
    district_names = dict(
        db.session.execute(select(District.id, District.name).order_by(District.name)).all()
    )
    form.district.choices = [(0, "(not a coordinator)"), *district_names.items()]
    if form.validate_on_submit():
        config = current_app.config
        with unit_of_work(db.session, show=on_form(form, {None: "school"})) as work:
            invitation, token = invitations.invite(
                db.session,
                config["SECRET_KEY"],
                form.email.data,
                form.role.data,
                invited_by=current_user,
                max_age_seconds=config["INVITATION_MAX_AGE_SECONDS"],
                school_id=form.school.data or None,
                contest_id=form.contest.data or None,
                district_id=form.district.data or None,
            )
            _mail_invitation(invitation, token)
        if work.done:
            flash(f"Invitation on its way to {invitation.email}.", "success")
            return redirect(url_for("admin.people"))
    users = db.session.scalars(select(User).order_by(User.email)).all()
    pending = db.session.scalars(
        select(Invitation)
        .where(Invitation.accepted_at.is_(None))
        .order_by(Invitation.created_at.desc())
    ).all()
    school_names = {s.id: s.name for s in schools}
    return render_template(
        "admin/people.html",
        form=form,
        users=users,
        pending=pending,
        now=utcnow(),
        school_names=school_names,
        contest_names=contest_names,
        district_names=district_names,
        roles={
            user.id: _roles(user, school_names, contest_names, district_names) for user in users
        },
    )


@bp.route("/invitations/<int:invitation_id>/send", methods=["POST"])
@admin_required
def send_invitation(invitation_id):
    """Send a waiting invitation: one an archive held, or again when the mail was lost or the
    link expired."""
    invitation = db.get_or_404(Invitation, invitation_id)
    if Form().validate_on_submit():
        with unit_of_work(db.session, show=flash_error) as work:
            token = invitations.send_invitation(
                db.session,
                current_app.config["SECRET_KEY"],
                invitation,
                current_app.config["INVITATION_MAX_AGE_SECONDS"],
            )
            _mail_invitation(invitation, token)
        if work.done:
            flash(f"Invitation on its way to {invitation.email}.", "success")
    else:
        flash("The invitation was not sent: the page had expired. Try again.", "error")
    return redirect(url_for("admin.people"))


def _mail_invitation(invitation, token):
    """Queue the invitation's mail with its link, on the record."""
    queue_mail(
        db.session,
        invitation.email,
        "You are invited to PSA Contest",
        render_template(
            "mail/invitation.txt",
            invitation=invitation,
            contest=db.session.get(Contest, invitation.contest_id)
            if invitation.contest_id
            else None,
            inviter=current_user,
            link=url_for("auth.accept_invitation", token=token, _external=True),
            days=current_app.config["INVITATION_MAX_AGE_SECONDS"] // 86400,
        ),
    )
    record(db.session, current_user, "invitation.sent", invitation, role=invitation.role)


def _roles(user, school_names, contest_names, district_names):
    """A person's grants in words, each with what it is for: "judge: Safety Awards 2026",
    "teacher at Kalani High", "judge: every contest", "site administrator"."""
    words = []
    for grant in user.grants:
        if grant.role == Role.ADMIN:
            words.append(Role.ADMIN.label)
        elif grant.district_id is not None:
            district = district_names.get(grant.district_id, "a district")
            words.append(f"{Role(grant.role).label}: {district}")
        elif grant.school_id is not None:
            words.append(f"{grant.role} at {school_names.get(grant.school_id, 'a school')}")
        elif grant.contest_id is not None:
            words.append(f"{grant.role}: {contest_names.get(grant.contest_id, 'a contest')}")
        else:
            words.append(f"{grant.role}: every contest")
    return sorted(set(words))
