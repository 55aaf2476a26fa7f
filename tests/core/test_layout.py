"""The shape the code keeps (issue 14's "done when"): statuses named through their enums, no
module past 400 lines, and every domain error raised with a registered code."""

import ast
import re
from pathlib import Path

import contest
from contest.core.errors import ContestError, catalog

PACKAGE = Path(contest.__file__).parent
MAX_LINES = 400
STATUS_WORDS = re.compile(
    r"[\"'](draft|submitted|processing|ready|rejected|withdrawn|disqualified|reopened)[\"']"
)
# Where the status strings are defined: the enums themselves.
STATUS_HOMES = {PACKAGE / "core" / "statuses.py"}


def modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_statuses_are_named_through_their_enums():
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
        for path in modules()
        if path not in STATUS_HOMES
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if STATUS_WORDS.search(line)
    ]
    assert found == []


def test_no_module_is_over_400_lines():
    long = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in modules()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def _error_names():
    names, todo = set(), [ContestError]
    while todo:
        kind = todo.pop()
        names.add(kind.__name__)
        todo.extend(kind.__subclasses__())
    return names


def test_every_domain_error_is_raised_with_a_registered_code():
    """A raise names its rule by a code whose words are registered; never English text (a
    translation and the API could not use it) and never a code nobody wrote words for."""
    import contest.core.models  # noqa: F401
    from contest import create_app  # noqa: F401  (every feature, and so every messages module)

    for feature in contest.FEATURES:
        __import__(f"contest.{feature}")
    errors, codes, problems = _error_names(), catalog(), []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in errors):
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            first = node.args[0] if node.args else None
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                problems.append(f"{where}: the code is not a literal")
            elif first.value not in codes:
                problems.append(f"{where}: {first.value!r} is not a registered code")
    assert problems == []
