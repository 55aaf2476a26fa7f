"""The organizer's dashboard and the people screens (invitations)."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from contest.admin import bp
from contest.audit import record
from contest.auth import services as accounts
from contest.auth.forms import InvitationForm
from contest.auth.guards import organizer_required
from contest.auth.models import Invitation, RoleGrant, User
from contest.contests.models import Contest
from contest.errors import ValidationError
from contest.extensions import db
from contest.mail import MailError, send_mail
from contest.submissions.models import Entry, School


@bp.route("/")
@organizer_required
def index():
    counts = {
        "contests": db.session.scalar(select(func.count(Contest.id))),
        "schools": db.session.scalar(select(func.count(School.id))),
        "entries": db.session.scalar(select(func.count(Entry.id))),
        "judges": db.session.scalar(
            select(func.count(func.distinct(RoleGrant.user_id))).where(RoleGrant.role == "judge")
        ),
    }
    contests = db.session.scalars(select(Contest).order_by(Contest.created_at.desc())).all()
    return render_template("admin/index.html", counts=counts, contests=contests)


@bp.route("/people", methods=["GET", "POST"])
@organizer_required
def people():
    form = InvitationForm()
    schools = db.session.scalars(select(School).order_by(School.name)).all()
    form.school.choices = [(0, "(not a teacher)")] + [(s.id, s.name) for s in schools]
    if form.validate_on_submit():
        config = current_app.config
        try:
            invitation, token = accounts.invite(
                db.session,
                config["SECRET_KEY"],
                form.email.data,
                form.role.data,
                invited_by=current_user,
                max_age_seconds=config["INVITATION_MAX_AGE_SECONDS"],
                school_id=form.school.data or None,
            )
            link = url_for("auth.accept_invitation", token=token, _external=True)
            send_mail(
                invitation.email,
                "You are invited to PSA Contest",
                render_template(
                    "mail/invitation.txt",
                    invitation=invitation,
                    inviter=current_user,
                    link=link,
                    days=config["INVITATION_MAX_AGE_SECONDS"] // 86400,
                ),
            )
        except ValidationError as error:
            db.session.rollback()
            form.school.errors = [error.message]
        except MailError as error:
            db.session.rollback()
            flash(f"The invitation was not sent: {error}", "error")
        else:
            record(db.session, current_user, "invitation.sent", invitation, role=invitation.role)
            db.session.commit()
            flash(f"Invitation sent to {invitation.email}.", "success")
            return redirect(url_for("admin.people"))
    users = db.session.scalars(select(User).order_by(User.email)).all()
    pending = db.session.scalars(
        select(Invitation)
        .where(Invitation.accepted_at.is_(None))
        .order_by(Invitation.created_at.desc())
    ).all()
    school_names = {s.id: s.name for s in schools}
    return render_template(
        "admin/people.html", form=form, users=users, pending=pending, school_names=school_names
    )
