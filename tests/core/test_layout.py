"""The shape the code keeps (issue 14's "done when"): statuses named through their enums, no
module past 400 lines, and every domain error raised with a registered code."""

import ast
import importlib
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
    assert not found, "\n".join(found)


def test_no_module_is_over_400_lines():
    long = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in modules()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, "\n".join(f"{path}: {lines} lines" for path, lines in sorted(long.items()))


def _error_classes(module):
    """The names in `module` bound to a domain error class (WTForms' ValidationError is not)."""
    return {
        name
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, ContestError)
    }


def test_every_domain_error_is_raised_with_a_registered_code():
    """A raise names its rule by a code whose words are registered, never English text (a
    translation and the API could not use it). A code passed through a variable is checked when
    the error is made: ContestError refuses an unregistered code (LookupError)."""
    loaded = {}
    for path in modules():
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        loaded[path] = importlib.import_module(name.removesuffix(".__init__"))
    codes, problems = catalog(), []  # every messages module is loaded now
    for path, module in loaded.items():
        errors = _error_classes(module)
        where = str(path.relative_to(PACKAGE.parent))
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in errors):
                continue
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Name):  # a module constant holding the code, or a variable
                value = vars(module).get(first.id)
                first = ast.Constant(value) if isinstance(value, str) else None
            if isinstance(first, ast.JoinedStr) or (
                isinstance(first, ast.Constant) and first.value not in codes
            ):
                problems.append(f"{where}:{node.lineno}: raised with words, not a registered code")
    assert not problems, "\n".join(problems)
