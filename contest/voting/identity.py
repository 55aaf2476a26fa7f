"""Who a voter is: one mailbox, known to the database only as a keyed hash of its address.

Plain functions. An address is parsed first (contest.core.emails: exactly one plain address, or
refused), then the aliases its provider delivers to the same mailbox are folded as
email_providers.toml says (alias domains, +tags and other sub-addresses, characters a provider
ignores in names), so one person cannot vote as several.
"""

import hashlib
import hmac
import ipaddress
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from disposable_email_domains import blocklist

from contest.core.emails import INVALID_EMAIL, parse_address
from contest.core.errors import ValidationError

PROVIDERS_FILE = Path(__file__).resolve().with_name("email_providers.toml")


@dataclass(frozen=True)
class MailRules:
    """How one provider (or any other domain: `default`) delivers names to mailboxes; the keys
    are explained at the top of email_providers.toml."""

    name: str
    domains: tuple = ()
    shared_names: bool = False
    tag_separators: str = ""
    keyword_separators: str = ""
    ignored: str = ""
    same_as: tuple = ()  # (character, the character it counts as) pairs
    subdomain_addressing: bool = False
    subdomain_hyphen: str = "-"
    sources: tuple = ()

    @property
    def translation(self):
        """str.translate table: `same_as` swapped, `ignored` dropped."""
        swaps = dict(self.same_as)
        return str.maketrans("".join(swaps), "".join(swaps.values()), self.ignored)


@dataclass(frozen=True)
class ProviderRules:
    default: MailRules
    by_domain: dict  # domain -> MailRules


@lru_cache(maxsize=4)
def provider_rules(path=PROVIDERS_FILE):
    """The rules of email_providers.toml (or `path`); ValueError naming what is wrong in it."""
    data = tomllib.loads(Path(path).read_text())
    default = _mail_rules({"name": "default", **data.get("default", {})}, path)
    by_domain = {}
    for entry in data.get("provider", []):
        rules = _mail_rules(entry, path)
        if not rules.domains:
            raise ValueError(f"{path}: {rules.name} has no domains")
        for domain in rules.domains:
            if parse_address(f"x@{domain}", lead=f"{path}: {domain!r}") != f"x@{domain}":
                raise ValueError(f"{path}: write {domain!r} in lower-case ASCII (xn--) form")
            if domain in by_domain:
                raise ValueError(f"{path}: {domain} is listed twice")
            by_domain[domain] = rules
    return ProviderRules(default, by_domain)


def _mail_rules(entry, path):
    fields = set(MailRules.__dataclass_fields__)
    if unknown := set(entry) - fields:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)} in {entry.get('name')!r}")
    values = {**entry}
    for key in ("domains", "sources"):
        values[key] = tuple(entry.get(key, ()))
    values["same_as"] = tuple(entry.get("same_as", {}).items())
    return MailRules(**values)


def normalise_email(address, rules=None):
    """The voter `address` stands for: the parsed address with its provider's aliases folded
    (`rules`, by default email_providers.toml's). ValidationError if it is not an address."""
    return fold_aliases(parse_address(address), rules or provider_rules())


def fold_aliases(parsed, rules):
    """One form for every address `rules` say reaches the mailbox of `parsed` (an address
    parse_address returned)."""
    local, _, domain = parsed.rpartition("@")
    provider = rules.by_domain.get(domain)
    if provider is None and (base := _addressed_subdomain_of(domain, rules)):
        # anything@name.fastmail.com is name@fastmail.com's mail: the name is the label next
        # to the provider's domain, the part before the @ only a tag.
        provider = rules.by_domain[base]
        name = domain.removesuffix(f".{base}").rpartition(".")[2]
        local, domain = name.replace("-", provider.subdomain_hyphen), base
    rule = provider or rules.default
    if rule.shared_names:
        domain = rule.domains[0]
    for position, character in enumerate(local):
        if character in rule.tag_separators:
            local = local[:position]
            break
        if character in rule.keyword_separators:
            local = local[: position + 1]
            break
    local = local.translate(rule.translation)
    if not local.strip(rule.keyword_separators):
        raise ValidationError("email.invalid", field="email", lead=INVALID_EMAIL)
    return f"{local}@{domain}"


def _addressed_subdomain_of(domain, rules):
    """The provider domain `domain` is a subdomain of, if that provider has subdomain
    addressing; else None."""
    parts = domain.split(".")
    for start in range(1, len(parts) - 1):
        base = ".".join(parts[start:])
        if base in rules.by_domain:
            return base if rules.by_domain[base].subdomain_addressing else None
    return None


def email_domain(normalised):
    """The domain of a normalised address (kept in clear: a signal for anomaly checks)."""
    return normalised.rpartition("@")[2]


@lru_cache(maxsize=8)
def disposable_domains(extra_file=None):
    """Throwaway-mailbox domains: the maintained list of the disposable-email-domains package
    (thousands, updated with each release), plus the instance's own in `extra_file` (one a
    line, # comments; config DISPOSABLE_DOMAINS_FILE)."""
    domains = set(blocklist)
    if extra_file:
        for number, line in enumerate(Path(extra_file).read_text().splitlines(), start=1):
            line = line.strip().lower()
            if line and not line.startswith("#"):
                domains.add(_ascii_domain(line, f"{extra_file}, line {number}"))
    return frozenset(domains)


def _ascii_domain(domain, where):
    """`domain` in the ASCII form addresses are compared in (an IDN as xn--)."""
    try:
        return parse_address(f"x@{domain}", lead=where).partition("@")[2]
    except ValidationError as error:
        raise ValueError(error.message) from None


def refuse_disposable(normalised, blocked):
    """Raise ValidationError if the address's domain, or a domain above it, is in `blocked`."""
    parts = email_domain(normalised).split(".")
    if any(".".join(parts[i:]) in blocked for i in range(len(parts) - 1)):
        raise ValidationError("voting.disposable_email", field="email")


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
