import pytest

from contest.core.extensions import limiter


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    """Report limits count per address, and every test client is 127.0.0.1: start each at zero."""
    limiter.reset()
