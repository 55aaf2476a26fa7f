"""The app `make demo` runs its commands on: the contest's, plus the demo command."""

from contest import create_app
from devtools.commands import register

app = create_app()
register(app)
