"""`flask --app devtools.app demo`: seed the demo contest and print its sign-ins."""

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from contest.core.extensions import db
from contest.core.transaction import unit_of_work
from devtools.demo import DEMO_PASSWORD, demo_logins, seed_demo
from devtools.demo_judging import seed_demo_judging
from devtools.demo_videos import seed_demo_videos


@click.command("demo")
@click.option(
    "--videos/--no-videos",
    default=True,
    help="Give each entry a generated video, processed like an upload (takes seconds).",
)
@with_appcontext
def demo_command(videos):
    """Seed the demo contest (3 categories, 18 schools, 5 judges, 60 entries) and print logins."""
    upgrade()
    with unit_of_work(db.session):
        created = seed_demo(db.session)
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
    with unit_of_work(db.session):
        sheets = seed_demo_judging(db.session)  # once there are ready entries to judge
    if sheets:
        click.echo(f"Judges assigned; {sheets} score sheets started or submitted.")
    click.echo(f"Sign in at http://127.0.0.1:5000/auth/login with password {DEMO_PASSWORD!r}:")
    for role, email in demo_logins():
        click.echo(f"  {role:40} {email}")
    outbox = Path(current_app.config["INSTANCE_DIR"]) / "outbox"
    click.echo(f"Mail the demo sends is written to {outbox}")


def register(app):
    """Give `app` the demo command (the demo app, and the tests' apps)."""
    app.cli.add_command(demo_command)
