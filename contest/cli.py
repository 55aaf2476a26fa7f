"""Flask commands: `flask --app contest init | create-admin | demo`."""

from pathlib import Path

import click
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import select

from contest.auth import services as accounts
from contest.auth.models import User
from contest.errors import ValidationError
from contest.extensions import db


@click.command("init")
def init_command():
    """Create the database or upgrade it to the newest schema."""
    upgrade()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="The organizer's name.")
@click.password_option(help="The password (asked for when not given).")
def create_admin_command(email, name, password):
    """Create an organizer account, or give an existing account the organizer role."""
    user = db.session.scalar(select(User).where(User.email == accounts.normalise_email(email)))
    try:
        if user is None:
            user = accounts.create_user(db.session, email, password=password, name=name)
        accounts.grant_role(user, "organizer")
    except ValidationError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"{user.email} is an organizer.")


@click.command("demo")
def demo_command():
    """Seed the demo contest (3 categories, 18 schools, 5 judges, 60 entries) and print logins."""
    from contest.demo import DEMO_PASSWORD, demo_logins, seed_demo

    upgrade()
    created = seed_demo(db.session)
    db.session.commit()
    click.echo("Demo contest seeded." if created else "Demo contest already there.")
    click.echo(f"Sign in at http://127.0.0.1:5000/auth/login with password {DEMO_PASSWORD!r}:")
    for role, email in demo_logins():
        click.echo(f"  {role:40} {email}")
    outbox = Path(current_app.config["INSTANCE_DIR"]) / "outbox"
    click.echo(f"Mail the demo sends is written to {outbox}")


def init_app(app):
    for command in (init_command, create_admin_command, demo_command):
        app.cli.add_command(command)
