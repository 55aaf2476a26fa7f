"""Who a voter is: a normalised email address, known to the database only as a keyed hash.

Plain functions. Normalising folds the aliases one mailbox can hide behind (case, spaces,
+tags, and dots where the provider ignores them) so one person cannot vote as several.
"""

import hashlib
import hmac
import ipaddress
import re
from functools import lru_cache
from pathlib import Path

from contest.errors import ValidationError

BUILTIN_DISPOSABLE_DOMAINS = Path(__file__).resolve().with_name("disposable_domains.txt")
# Providers that deliver a.b@ and ab@ to the same mailbox, and the domain each is known by.
DOTLESS_PROVIDERS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}")
INVALID_EMAIL = "Enter a valid email address, such as name@example.org."
DISPOSABLE_EMAIL = (
    "Addresses from throwaway-mailbox services cannot vote. Use an address you keep, such as "
    "your school or personal email."
)


def normalise_email(address):
    """The canonical form of `address`; ValidationError if it is not an email address."""
    address = (address or "").strip().lower()
    local, at, domain = address.rpartition("@")
    domain = domain.rstrip(".")
    if (
        not at
        or not local
        or "@" in local
        or not DOMAIN.fullmatch(domain)
        or any(c.isspace() for c in local)
    ):
        raise ValidationError(INVALID_EMAIL, field="email")
    local = local.split("+", 1)[0]
    domain = DOTLESS_PROVIDERS.get(domain, domain)
    if domain in DOTLESS_PROVIDERS.values():
        local = local.replace(".", "")
    if not local:
        raise ValidationError(INVALID_EMAIL, field="email")
    return f"{local}@{domain}"


def email_domain(normalised):
    """The domain of a normalised address (kept in clear: a signal for anomaly checks)."""
    return normalised.rpartition("@")[2]


@lru_cache(maxsize=8)
def disposable_domains(extra_file=None):
    """The built-in blocklist, plus the domains in `extra_file` (same format) when given."""
    files = [BUILTIN_DISPOSABLE_DOMAINS, *([Path(extra_file)] if extra_file else [])]
    domains = set()
    for path in files:
        for line in path.read_text().splitlines():
            line = line.strip().lower()
            if line and not line.startswith("#"):
                domains.add(line)
    return frozenset(domains)


def refuse_disposable(normalised, blocked):
    """Raise ValidationError if the address's domain, or a domain above it, is in `blocked`."""
    parts = email_domain(normalised).split(".")
    if any(".".join(parts[i:]) in blocked for i in range(len(parts) - 1)):
        raise ValidationError(DISPOSABLE_EMAIL, field="email")


def keyed_hash(key, purpose, value):
    """HMAC-SHA256 of `value` under the voter key, separated by `purpose` (hex, 64 chars)."""
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def email_hash(key, normalised):
    """The only form in which a voter's address is stored (Voter.email_hash)."""
    return keyed_hash(key, "email", normalised)


def network_of(address):
    """The network an IP address belongs to for anomaly checks: its /24 (IPv4) or /48 (IPv6).

    "" for anything that is not an IP address (a test client, say)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def network_hash(key, address):
    """A keyed hash of the address's network (Vote/VoteCode.network_hash); "" if none."""
    network = network_of(address)
    return keyed_hash(key, "network", network) if network else ""
