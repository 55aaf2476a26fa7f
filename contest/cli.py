"""Flask commands: `flask --app contest init | create-admin | purge-originals` (the demo's
`flask --app devtools.app demo` is a development tool, in devtools/)."""

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from contest.auth import accounts
from contest.core.dbtypes import utcnow
from contest.core.emails import parse_address
from contest.core.errors import ValidationError
from contest.core.extensions import db
from contest.core.models.accounts import User
from contest.core.transaction import unit_of_work
from contest.retention import purge_originals_command


@click.command("init")
@with_appcontext
def init_command():
    """Create the database or upgrade it to the newest schema."""
    upgrade()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


def _refuse(error):
    """A command's `show`: the domain error's words, and a non-zero exit."""
    raise click.ClickException(error.message) from error


def _checked_email(email):
    try:
        return parse_address(email, lead="")
    except ValidationError as error:
        message = f"{email or '(nothing)'} is not an email address. {error.message}"
        raise click.ClickException(message.strip()) from None


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="The administrator's name.")
@click.option(
    "--password",
    help="A new account's password (asked for when not given); for an existing account, "
    "a new password (kept as it is when not given).",
)
@with_appcontext
def create_admin_command(email, name, password):
    """Create a site administrator's account (every contest, the people, the schools), or make
    an existing account one."""
    email = _checked_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    new_password = password is not None and user is not None
    with unit_of_work(db.session, show=_refuse):
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
        accounts.grant_role(user, "admin")
    click.echo(f"{user.email} is a site administrator.")
    if new_password:
        click.echo("Its password is changed.")


def init_app(app):
    for command in (init_command, create_admin_command, purge_originals_command):
        app.cli.add_command(command)
