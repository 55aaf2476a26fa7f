"""docs/security.md names a test for every threat, and every test it names exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "security.md"
NODE = re.compile(r"`(tests/[\w/]+\.py)?(?:::)?(\w+)?(?:\[[^\]]*\])?`")


def rows():
    """(row text, [(file, test name or None)]) for each table row of the threats."""
    for line in DOC.read_text().splitlines():
        if not line.startswith("| ") or line.startswith("| Threat") or line.startswith("|--"):
            continue
        test_cell = line.rstrip(" |").rsplit(" | ", 1)[-1]
        named, path = [], None
        for match in NODE.finditer(test_cell):
            path = match.group(1) or path  # `::name` continues the file named before it
            if path is not None:
                named.append((path, match.group(2)))
        yield line, named


def test_every_threat_names_a_test_that_exists():
    checked = 0
    for line, named in rows():
        assert named, f"this threat names no test: {line[:80]}"
        for path, name in named:
            source = ROOT / path
            assert source.is_file(), f"{path} does not exist"
            if name is not None:
                assert re.search(rf"^def {name}\(", source.read_text(), re.M), f"{path}::{name}"
            checked += 1
    assert checked > 50
