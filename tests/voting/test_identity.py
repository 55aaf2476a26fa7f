"""Voter identity: address normalisation, the disposable blocklist, keyed hashes, networks."""

import pytest

from contest.errors import ValidationError
from contest.voting import identity

KEY = b"test voter key"


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("  Pupil@Example.ORG ", "pupil@example.org"),
        ("pupil+contest@example.org", "pupil@example.org"),
        ("first.last@example.org", "first.last@example.org"),  # dots matter elsewhere
        ("First.Last+x@gmail.com", "firstlast@gmail.com"),
        ("f.i.r.s.t.last@googlemail.com", "firstlast@gmail.com"),
        ("pupil@example.org.", "pupil@example.org"),
    ],
)
def test_normalise_email_folds_aliases(typed, normalised):
    assert identity.normalise_email(typed) == normalised


@pytest.mark.parametrize(
    "typed", ["", None, "plain", "@example.org", "a@b", "a@@b.org", "a b@c.org", "+tag@c.org"]
)
def test_normalise_email_refuses_what_is_not_an_address(typed):
    with pytest.raises(ValidationError) as refused:
        identity.normalise_email(typed)
    assert refused.value.field == "email"
    assert refused.value.message == identity.INVALID_EMAIL


def test_disposable_domains_and_their_subdomains_are_refused(tmp_path):
    blocked = identity.disposable_domains()
    assert "mailinator.com" in blocked
    for address in ("kid@mailinator.com", "kid@x.yopmail.com"):
        with pytest.raises(ValidationError, match="throwaway-mailbox"):
            identity.refuse_disposable(address, blocked)
    identity.refuse_disposable("kid@notmailinator.com", blocked)  # no error
    identity.refuse_disposable("kid@school.example.org", blocked)
    extra = tmp_path / "extra.txt"
    extra.write_text("# comment\n\nSpam.Example\n")
    with pytest.raises(ValidationError):
        identity.refuse_disposable("kid@spam.example", identity.disposable_domains(str(extra)))


def test_hashes_are_keyed_and_stable():
    first = identity.email_hash(KEY, "pupil@example.org")
    assert first == identity.email_hash(KEY, "pupil@example.org")
    assert len(first) == 64 and "pupil" not in first
    assert first != identity.email_hash(b"another key", "pupil@example.org")
    assert first != identity.keyed_hash(KEY, "network", "pupil@example.org")


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("198.51.100.7", "198.51.100.0/24"),
        (" 198.51.100.250", "198.51.100.0/24"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("not an address", ""),
        (None, ""),
    ],
)
def test_network_of_an_address(address, network):
    assert identity.network_of(address) == network


def test_network_hash_groups_one_network():
    same = identity.network_hash(KEY, "203.0.113.1")
    assert same == identity.network_hash(KEY, "203.0.113.200")
    assert same != identity.network_hash(KEY, "203.0.114.1")
    assert identity.network_hash(KEY, "") == ""
    assert identity.email_domain("pupil@example.org") == "example.org"
