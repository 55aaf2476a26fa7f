"""Flask commands: `flask --app contest init | create-admin | demo | purge-originals`."""

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from contest.auth import services as accounts
from contest.core.dbtypes import utcnow
from contest.core.emails import parse_address
from contest.core.errors import ValidationError
from contest.core.extensions import db
from contest.core.models.accounts import User
from contest.retention import purge_originals_command


@click.command("init")
@with_appcontext
def init_command():
    """Create the database or upgrade it to the newest schema."""
    upgrade()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


def _checked_email(email):
    try:
        return parse_address(email, lead="")
    except ValidationError as error:
        message = f"{email or '(nothing)'} is not an email address. {error.message}"
        raise click.ClickException(message.strip()) from None


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="The organizer's name.")
@click.option(
    "--password",
    help="A new account's password (asked for when not given); for an existing account, "
    "a new password (kept as it is when not given).",
)
@with_appcontext
def create_admin_command(email, name, password):
    """Create an organizer account, or give an existing account the organizer role."""
    email = _checked_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    new_password = password is not None and user is not None
    try:
        if user is None:
            if password is None:
                password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
            user = accounts.create_user(
                db.session, email, password=password, name=name, confirmed=True
            )
        else:
            if new_password:
                accounts.set_password(user, password)  # ends the account's sessions
            user.name = name.strip() or user.name
            user.email_confirmed_at = user.email_confirmed_at or utcnow()  # the operator vouches
        accounts.grant_role(user, "organizer")
    except ValidationError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"{user.email} is an organizer.")
    if new_password:
        click.echo("Its password is changed.")


@click.command("demo")
@click.option(
    "--videos/--no-videos",
    default=True,
    help="Give each entry a generated video, processed like an upload (takes seconds).",
)
@with_appcontext
def demo_command(videos):
    """Seed the demo contest (3 categories, 18 schools, 5 judges, 60 entries) and print logins."""
    from contest.demo import (
        DEMO_PASSWORD,
        demo_logins,
        seed_demo,
        seed_demo_judging,
        seed_demo_videos,
    )

    upgrade()
    created = seed_demo(db.session)
    db.session.commit()
    click.echo("Demo contest seeded." if created else "Demo contest already there.")
    config = current_app.config
    if videos and config["DEMO_VIDEO_SECONDS"]:
        started = time.monotonic()
        ready = seed_demo_videos(
            current_app._get_current_object(),
            seconds=config["DEMO_VIDEO_SECONDS"],
            height=config["DEMO_VIDEO_HEIGHT"],
        )
        if ready:
            click.echo(f"{ready} demo videos made in {time.monotonic() - started:.1f} s.")
    sheets = seed_demo_judging(db.session)  # once there are ready entries to judge
    db.session.commit()
    if sheets:
        click.echo(f"Judges assigned; {sheets} score sheets started or submitted.")
    click.echo(f"Sign in at http://127.0.0.1:5000/auth/login with password {DEMO_PASSWORD!r}:")
    for role, email in demo_logins():
        click.echo(f"  {role:40} {email}")
    outbox = Path(current_app.config["INSTANCE_DIR"]) / "outbox"
    click.echo(f"Mail the demo sends is written to {outbox}")


def init_app(app):
    for command in (init_command, create_admin_command, demo_command, purge_originals_command):
        app.cli.add_command(command)
