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


def _calls(path, names):
    """(line, name) of every call of a method or function named in `names` in the module."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            name = (
                function.attr
                if isinstance(function, ast.Attribute)
                else getattr(function, "id", "")
            )
            if name in names:
                yield node.lineno, name


def test_only_the_unit_of_work_ends_a_transaction():
    """Views, jobs and commands end a change through `unit_of_work`; services never commit, so
    what a request changes is kept or dropped whole and its side effects follow the commit."""
    home = PACKAGE / "core" / "transaction.py"
    seeding = sorted((PACKAGE.parent / "devtools").rglob("*.py"))  # the demo goes the same way
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {name}()"
        for path in [*modules(), *seeding]
        if path != home
        for line, name in _calls(path, {"commit", "rollback"})
    ]
    assert not found, "\n".join(found)


def test_mail_is_sent_only_by_the_mail_job():
    """`send_mail` talks to the mail server; only the queued job calls it, after the commit,
    so a change that rolls back mails nobody and a slow mail server holds up no request. The
    one exception, `send_now`, is the voter's code: its address must not be kept in the queue."""
    allowed = {PACKAGE / "voting" / "views.py": {"send_now"}}
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line} {name}"
        for path in modules()
        if path != PACKAGE / "core" / "mail.py"
        for line, name in _calls(path, {"send_mail", "send_now"})
        if name not in allowed.get(path, set())
    ]
    assert not found, "\n".join(found)
