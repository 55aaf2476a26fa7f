"""Voter identity: one mailbox is one voter. Address folding (its variants generated from
contest/voting/email_providers.toml itself), the syntactic tricks the voting form refuses, the
disposable blocklist, keyed hashes, networks."""

import tomllib

import idna
import pytest
from disposable_email_domains import blocklist
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from contest.core.emails import INVALID_EMAIL
from contest.core.errors import ValidationError
from contest.core.extensions import db, limiter
from contest.core.models.voting import Vote, VoteCode, Voter
from contest.voting import identity
from tests.email_tricks import TRICKS, tricked, with_control
from tests.factories import make_voting_contest
from tests.helpers import page_text, submit

KEY = b"test voter key"
PROPERTY = settings(max_examples=200, deadline=None)
# The data file as the test reads it, independently of identity.provider_rules.
DATA = tomllib.loads(identity.PROVIDERS_FILE.read_text())
PROVIDERS, DEFAULT = DATA["provider"], DATA["default"]


def voter(address):
    return identity.email_hash(KEY, identity.normalise_email(address))


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("  Pupil@Example.ORG ", "pupil@example.org"),
        ("pupil+contest@example.org", "pupil@example.org"),
        ("first.last@example.org", "first.last@example.org"),  # dots matter elsewhere
        ("first-last@example.org", "first-last@example.org"),
        ("First.Last+x@gmail.com", "firstlast@gmail.com"),
        ("f.i.r.s.t.last@googlemail.com", "firstlast@gmail.com"),
        ("Pupil@Bücher.de", "pupil@xn--bcher-kva.de"),
        ("a.b-c_d+x@pm.me", "abcd@proton.me"),
        ("a.b-c_d@protonmail.ch", "abcd@proton.me"),
        ("Al.Ice+shop@me.com", "al.ice@icloud.com"),
        ("ivan-petrov+x@ya.ru", "ivan.petrov@yandex.ru"),
        ("ivan.petrov@yandex.kz", "ivan.petrov@yandex.ru"),
        ("base-news@yahoo.com", "base-@yahoo.com"),
        ("base-shop+x@yahoo.com", "base-@yahoo.com"),
        ("real.name@yahoo.com", "real.name@yahoo.com"),  # an account, not a base name
        ("shop@joe.fastmail.com", "joe@fastmail.com"),
        ("shop@joe-citizen.fastmail.fm", "joe_citizen@fastmail.fm"),
        ("joe_citizen+x@fastmail.fm", "joe_citizen@fastmail.fm"),
        ("x@mail.gmail.com", "x@mail.gmail.com"),  # no subdomain addressing at Gmail
    ],
)
def test_normalise_email_folds_aliases(typed, normalised):
    assert identity.normalise_email(typed) == normalised


@pytest.mark.parametrize(
    "typed",
    [
        "", None, "plain", "@example.org", "a@b", "a@@b.org", "a b@c.org", "+tag@c.org",
        "-news@yahoo.com", "pupil@example.org.",  # folded before the parser; refused since
    ],
)  # fmt: skip
def test_normalise_email_refuses_what_is_not_an_address(typed):
    with pytest.raises(ValidationError) as refused:
        identity.normalise_email(typed)
    assert refused.value.field == "email"
    assert refused.value.message.startswith(INVALID_EMAIL)


# --- one mailbox, one voter: variants generated from the data file -----------------------------

segments = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6),
    min_size=1,
    max_size=4,
)
tags = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=0, max_size=8)


def joiner(provider):
    """What separates the parts of a name in its canonical form, by the provider's rules."""
    if provider.get("subdomain_addressing"):
        return provider["subdomain_hyphen"]
    return "" if "." in provider.get("ignored", "") else "."


def gap_choices(provider):
    """Every way a person may write the gap between two parts of their name at this provider:
    the canonical joiner, a character read as it, or one the provider ignores."""
    join = joiner(provider)
    same = [key for key, value in provider.get("same_as", {}).items() if value == join]
    return sorted({join, *same, *provider.get("ignored", "")})


def random_case(draw, text):
    """`text` with some letters in capitals (those whose capital is one letter: ß stays ß, as
    STRASSE would be another domain)."""
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(
        c.upper() if flip and c.upper().lower() == c else c
        for c, flip in zip(text, flips, strict=True)
    )


@st.composite
def one_mailbox(draw):
    """(the voter's canonical address, variants that reach the same mailbox), all built from
    one provider's rules in the data file."""
    provider = draw(st.sampled_from(PROVIDERS))
    parts = draw(segments)
    home = draw(st.sampled_from(provider["domains"]))
    shared = provider.get("shared_names", False)
    keyword = provider.get("keyword_separators", "")
    base_name = bool(keyword) and draw(st.booleans())  # a Yahoo disposable base, say
    suffix = draw(st.sampled_from(keyword)) if base_name else ""
    canonical = (
        f"{joiner(provider).join(parts)}{suffix}@{provider['domains'][0] if shared else home}"
    )
    variants = []
    for _ in range(draw(st.integers(1, 4))):
        local = parts[0]
        for part in parts[1:]:
            local += draw(st.sampled_from(gap_choices(provider))) + part
        local += suffix
        if base_name:
            local += draw(tags)
        separators = provider.get("tag_separators", "")
        if separators and draw(st.booleans()):
            local += draw(st.sampled_from(separators)) + draw(tags)
        domain = draw(st.sampled_from(provider["domains"])) if shared else home
        if provider.get("subdomain_addressing") and not base_name and draw(st.booleans()):
            label = local.split(separators[:1] or "@")[0].replace(provider["subdomain_hyphen"], "-")
            local, domain = draw(tags.filter(bool)), f"{label}.{domain}"
        variants.append(random_case(draw, f"{local}@{domain}"))
    return canonical, variants


@PROPERTY
@given(one_mailbox())
def test_every_variant_of_one_mailbox_is_one_voter(mailbox):
    canonical, variants = mailbox
    assert identity.normalise_email(canonical) == canonical
    for variant in variants:
        assert voter(variant) == voter(canonical), variant


UNICODE_DOMAINS = ["bücher.de", "straße.de", "пример.рф", "例え.jp", "ÖBB.at", "ñandú.es"]


@PROPERTY
@given(segments, st.sampled_from(UNICODE_DOMAINS), tags, st.data())
def test_an_international_domain_is_one_voter_in_unicode_and_in_punycode(parts, domain, tag, data):
    local = ".".join(parts)
    punycode = idna.encode(domain, uts46=True).decode()
    canonical = f"{local}@{punycode}"
    tagged = f"{local}{DEFAULT['tag_separators'][0]}{tag}"
    for variant in (f"{local}@{domain}", canonical, f"{tagged}@{domain}", f"{tagged}@{punycode}"):
        assert voter(random_case(data.draw, variant)) == voter(canonical)
    assert identity.normalise_email(canonical) == canonical


@PROPERTY
@given(st.sampled_from(PROVIDERS), segments, segments)
def test_two_mailboxes_are_two_voters(provider, first, second):
    first, second = "".join(first), "".join(second)
    if first == second:
        return
    for domain in [*provider["domains"], "school.example.org"]:
        assert voter(f"{first}@{domain}") != voter(f"{second}@{domain}")
    if provider.get("keyword_separators"):  # an account and a base name of the same letters
        sep = provider["keyword_separators"][0]
        assert voter(f"{first}@{provider['domains'][0]}") != voter(
            f"{first}{sep}x@{provider['domains'][0]}"
        )


def test_the_data_file_names_a_source_for_each_provider_and_is_checked_when_read(tmp_path):
    for provider in PROVIDERS:
        assert provider["sources"] and all(s.startswith("http") for s in provider["sources"])
    assert len(identity.provider_rules().by_domain) == sum(len(p["domains"]) for p in PROVIDERS)
    bad = {
        "typo": '[[provider]]\nname = "X"\ndomains = ["x.org"]\nignore = "."\n',
        "twice": '[[provider]]\nname = "X"\ndomains = ["x.org", "x.org"]\n',
        "unicode": '[[provider]]\nname = "X"\ndomains = ["bücher.de"]\n',
        "no domains": '[[provider]]\nname = "X"\n',
    }
    for name, text in bad.items():
        path = tmp_path / f"{name}.toml"
        path.write_text(text)
        with pytest.raises(ValueError, match=str(path)):
            identity.provider_rules(path)


# --- the voting form: a real POST of every trick, nothing saved, nothing mailed ----------------

FORM = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def vote_page(app, make_app, smtp_server):
    """(a site mailing through the real SMTP server, the vote-code request page of an entry)."""
    limiter.reset()
    _, entries = make_voting_contest(app)
    return make_app(MAIL_URL=smtp_server.url), f"/vote/entry/{entries[0].id}"


def saved_rows(site):
    with site.app_context():
        return [
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Voter, VoteCode, Vote)
        ]


def test_an_address_the_page_takes_is_mailed_its_code(vote_page, smtp_server):
    site, url = vote_page
    response = submit(site.test_client(), url, {"email": "Pupil.Name+vote@Example.org"})
    assert response.status_code == 302
    assert saved_rows(site) == [1, 1, 0]
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["pupil.name+vote@example.org"] == [message["To"]]


@FORM
@given(address=st.one_of(tricked, with_control))
def test_the_voting_form_refuses_every_trick(vote_page, smtp_server, address):
    site, url = vote_page
    response = submit(site.test_client(), url, {"email": address})
    if "\x00" in address:
        assert response.status_code == 400  # NUL is refused app-wide
    else:
        assert response.status_code == 200
        assert INVALID_EMAIL in page_text(response)
    assert saved_rows(site) == [0, 0, 0]
    assert smtp_server.messages == []


@pytest.mark.parametrize("name", sorted(TRICKS))
def test_each_kind_of_trick_is_refused_by_the_voting_form(vote_page, smtp_server, name):
    site, url = vote_page
    address = TRICKS[name]("me", "gmail.com", "x", 1)
    response = submit(site.test_client(), url, {"email": address})
    assert (response.status_code, INVALID_EMAIL in page_text(response)) == (200, True)
    assert saved_rows(site) == [0, 0, 0]
    assert smtp_server.messages == []


# --- the disposable blocklist ------------------------------------------------------------------


def test_disposable_domains_and_their_subdomains_are_refused(tmp_path):
    blocked = identity.disposable_domains()
    assert blocked >= blocklist and len(blocked) > 5000  # the maintained package's list
    assert "mailinator.com" in blocked
    for address in ("kid@mailinator.com", "kid@x.yopmail.com", "kid@guerrillamail.com"):
        with pytest.raises(ValidationError, match="throwaway-mailbox"):
            identity.refuse_disposable(address, blocked)
    identity.refuse_disposable("kid@mailinator.example.org", blocked)  # no error
    identity.refuse_disposable("kid@school.example.org", blocked)
    extra = tmp_path / "extra.txt"
    extra.write_text("# comment\n\nSpam.Example\nwegwerf-büro.de\n")
    mine = identity.disposable_domains(str(extra))
    with pytest.raises(ValidationError):
        identity.refuse_disposable("kid@spam.example", mine)
    with pytest.raises(ValidationError):  # compared in ASCII form, as addresses are
        identity.refuse_disposable(identity.normalise_email("kid@wegwerf-büro.de"), mine)
    extra.write_text("ok.example\nnot a domain\n")
    with pytest.raises(ValueError, match="line 2"):
        identity.disposable_domains.__wrapped__(str(extra))


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
