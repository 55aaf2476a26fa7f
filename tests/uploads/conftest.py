"""Fixtures for uploads: a contest taking entries now, an entry of School A, a test video."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from contest.core import jobs
from devtools.clips import make_clip
from tests import factories
from tests.uploads.helpers import naive_utc


@pytest.fixture
def contest(app):
    """A contest (UTC) whose call for entries opened yesterday and closes tomorrow."""
    return factories.make_contest(
        app,
        phases={
            "submissions_open_at": naive_utc(timedelta(days=-1)),
            "submissions_close_at": naive_utc(timedelta(days=1)),
        },
    )


@pytest.fixture
def entry(app, people, contest):
    """A draft entry of School A (teacher_a teaches there, teacher_b does not)."""
    return factories.make_entry(app, contest.categories[0], people["school_a"], title="Be Kind")


@pytest.fixture(scope="session")
def video_file(tmp_path_factory):
    """A real H.264/AAC MP4 of about 2.3 MB (a busy test pattern, so it does not compress away)."""
    path = tmp_path_factory.mktemp("videos") / "psa.mp4"
    return make_clip(path, seconds=6, width=854, height=480, pattern="testsrc2")


@pytest.fixture(autouse=True)
def _empty_staging_folder(request):
    """Each test starts with nothing staged in the shared app's upload folder."""
    if "app" in request.fixturenames:
        folder = Path(request.getfixturevalue("app").config["INSTANCE_DIR"]) / "uploads"
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _jobs_run_at_once(request):
    """Finished uploads are processed at once (TestingConfig's JOBS_IMMEDIATE): an app another
    test built (a production config, say) may have pointed the one job queue elsewhere."""
    if "app" in request.fixturenames:
        jobs.huey.configure(request.getfixturevalue("app"))
