"""The tally and ballot file rules (contest/voting/tally.py), by hand-counted cases."""

from datetime import UTC, datetime

import pytest

from contest.voting import tally
from contest.voting.tally import Ballot


def ballots():
    return [
        Ballot("r3", 7, "v1", "2026-11-25T14:00Z"),
        Ballot("r1", 7, "v2", "2026-11-25T14:00Z"),
        Ballot("r2", 9, "v3", "2026-11-25T15:00Z"),
        Ballot("r4", 9, "v4", "2026-11-25T15:00Z", "duplicate person"),
        Ballot("r5", 9, "v5", "2026-11-25T15:00Z", "duplicate person"),
        Ballot("r6", 7, "v6", "2026-11-25T16:00Z", "disposable address"),
    ]


def test_count_separates_counted_and_voided_votes():
    result = tally.count(ballots())
    assert result.counts == {7: 2, 9: 1}
    assert result.voided == {"duplicate person": 2, "disposable address": 1}
    assert (result.counted, result.voided_total) == (3, 3)
    assert result.leaders() == [7]
    assert result.ranked() == [(7, 2), (9, 1)]


def test_a_tied_top_has_several_leaders_and_no_votes_none():
    tied = tally.count([Ballot("a", 4, "x", "h"), Ballot("b", 2, "y", "h")])
    assert tied.leaders() == [2, 4]
    assert tally.count([]).leaders() == []


def test_ballot_file_round_trips_in_receipt_order():
    data = tally.ballot_file(ballots())
    lines = data.decode().splitlines()
    assert lines[0] == "receipt,entry_id,voter,hour,void_reason"
    assert [line.split(",")[0] for line in lines[1:]] == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert lines[4] == "r4,9,v4,2026-11-25T15:00Z,duplicate person"
    assert sorted(tally.read_ballot_file(data), key=lambda b: b.receipt) == sorted(
        ballots(), key=lambda b: b.receipt
    )
    assert tally.count(tally.read_ballot_file(data)) == tally.count(ballots())


def test_digest_is_sha256_of_the_bytes():
    assert tally.digest(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"receipt,entry\n", "Line 1"),
        (b"receipt,entry_id,voter,hour,void_reason\nr1,7,v,h\n", "Line 2: expected 5"),
        (b"receipt,entry_id,voter,hour,void_reason\nr1,x,v,h,\n", "Line 2: the entry id"),
        (b"receipt,entry_id,voter,hour,void_reason\nr1,7,v,h,\nr1,8,w,h,\n", "Line 3: the receipt"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_malformed_ballot_file_is_refused_with_its_line(data, message):
    with pytest.raises(ValueError, match=message):
        tally.read_ballot_file(data)


def test_pseudonyms_are_keyed_and_scoped_to_the_contest():
    one = tally.pseudonym(b"key", 1, 42)
    assert one == tally.pseudonym(b"key", 1, 42)
    assert len(one) == 16
    assert one != tally.pseudonym(b"other key", 1, 42)
    assert one != tally.pseudonym(b"key", 2, 42)


def test_cast_hour_truncates_to_the_utc_hour():
    assert tally.cast_hour(datetime(2026, 11, 25, 14, 59, 59, tzinfo=UTC)) == "2026-11-25T14:00Z"
