"""Hypothesis strategies for email addresses and for the tricks around them that must never get
in (tests/test_emails.py, tests/voting/test_identity.py, tests/test_mail.py)."""

import re

from hypothesis import strategies as st

ATEXT = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-"
DOT_ATOM = re.compile(rf"[{re.escape(ATEXT)}]+(\.[{re.escape(ATEXT)}]+)*")
LABEL = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")

atoms = st.text(alphabet=ATEXT + ATEXT.upper(), min_size=1, max_size=12)
locals_ = st.lists(atoms, min_size=1, max_size=3).map(".".join)
labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True).filter(
    lambda label: "--" not in label  # xx--: reserved for IDNA
)
domains = st.builds(
    lambda names, tld: ".".join([*names, tld]),
    st.lists(labels, min_size=1, max_size=3),
    st.sampled_from(["org", "com", "net", "de", "example", "co.uk", "edu"]),
)
addresses = st.builds(lambda local, domain: f"{local}@{domain}", locals_, domains)


def trick(name, local, domain, piece, at):
    """`local`@`domain` dressed in the trick `name` (a key of TRICKS)."""
    return TRICKS[name](local, domain, piece, at % (len(local) + 1))


TRICKS = {
    "comment": lambda local, domain, piece, at: (
        f"{local[:at]}({piece}){local[at:]}@{domain}" if at % 2 else f"{local}@{domain}({piece})"
    ),
    "quoted": lambda local, domain, piece, at: f'"{local}"@{domain}',
    "escape": lambda local, domain, piece, at: f"{local[:at]}\\{local[at:]}@{domain}",
    "display name": lambda local, domain, piece, at: f"{piece} <{local}@{domain}>",
    "group": lambda local, domain, piece, at: f"{piece}:{local}@{domain};"[: None if at else -1],
    "list, comma": lambda local, domain, piece, at: f"{piece}@{domain},{local}@{domain}",
    "list, semicolon": lambda local, domain, piece, at: f"{local}@{domain};{piece}@{domain}",
    "ip literal": lambda local, domain, piece, at: f"{local}@[192.0.2.{at % 256}]",
    "non-ascii local": lambda local, domain, piece, at: f"{local[:at]}ü{local[at:]}@{domain}",
    "trailing dot": lambda local, domain, piece, at: f"{local}@{domain}.",
    "leading dot": lambda local, domain, piece, at: f".{local}@{domain}",
    "empty local": lambda local, domain, piece, at: f"@{domain}",
    "empty domain": lambda local, domain, piece, at: f"{local}@",
    "two @": lambda local, domain, piece, at: f"{local}@{piece}@{domain}",
}
CONTROLS = st.sampled_from(
    ["\r", "\n", "\r\n", "\t", "\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028",
     "\u2029", "\u200b", "\u200e", "\u202e", "\ufeff", "\xa0", "\u3000"]
)  # fmt: skip
tricked = st.builds(
    trick,
    st.sampled_from(sorted(TRICKS)),
    locals_,
    domains,
    atoms.filter(str.isalnum),
    st.integers(0, 9),
)


def _insert(address, piece, at):
    at %= len(address) + 1
    return address[:at] + piece + address[at:]


with_control = st.builds(_insert, addresses, CONTROLS, st.integers(0, 300))
