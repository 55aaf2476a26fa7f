"""The rule that spots a school or district named in a teacher's text (a warning: judging is
blind to the school)."""

import pytest

from contest.submissions.naming import identifying_names, names_in

CARVER = identifying_names("Carver Middle School", "Lakeshore Unified School District")


def test_the_distinctive_words_and_the_full_names_are_looked_for():
    assert CARVER == {
        "carver middle school": "Carver Middle School",
        "carver": "Carver",
        "lakeshore unified school district": "Lakeshore Unified School District",
        "lakeshore": "Lakeshore",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Made by students at Carver Middle School", ["Carver Middle School", "Carver"]),
        ("CARVER pride!", ["Carver"]),  # quoted as the school writes it
        ("Lakeshore's finest", ["Lakeshore"]),
        ("the lakeshore team", ["Lakeshore"]),
        ("Carvers and whittlers", []),  # whole words only
        ("A middle school story", []),  # generic words name nothing
        ("", []),
    ],
)
def test_whole_words_in_any_case(text, found):
    assert names_in(text, CARVER) == found


def test_short_and_generic_names_alone_are_not_looked_for():
    assert identifying_names("Ala High", "") == {"ala high": "Ala High"}
    assert names_in("The Ala Wai canal", identifying_names("Ala High")) == []
    assert names_in("We are Ala High!", identifying_names("Ala High")) == ["Ala High"]
