"""Districts: one row per district however its name is typed, and the email domains that route
a teacher's registration to one. Plain functions over a session."""

from sqlalchemy import delete, select, update

from contest.core import messages  # noqa: F401  (the words of the codes below)
from contest.core.emails import parse_address
from contest.core.errors import ValidationError
from contest.core.models.accounts import Invitation, RoleGrant
from contest.core.models.entries import District, DistrictDomain, School
from contest.core.models.judging import Conflict
from contest.core.statuses import Role


def name_key(name):
    """`name` case-folded with its spaces collapsed: "North  Shore" and "north shore" are one."""
    return " ".join((name or "").casefold().split())


def find(session, name):
    """The district called `name` (in any case and spacing), or None."""
    key = name_key(name)
    return session.scalar(select(District).where(District.name_key == key)) if key else None


def find_or_create(session, name):
    """The district called `name`, made if there is none yet; None for a blank name."""
    if not name_key(name):
        return None
    district = find(session, name)
    if district is None:
        district = District(name=" ".join(name.split()), name_key=name_key(name))
        session.add(district)
        session.flush()
    return district


def for_email(session, email):
    """The district whose email domain `email` is in, or None."""
    domain = email.rsplit("@", 1)[-1].lower() if email and "@" in email else ""
    return session.scalar(
        select(District).join(DistrictDomain).where(DistrictDomain.domain == domain)
    )


def parse_domains(text):
    """The email domains in `text` (one per line or separated by spaces or commas), lower-case
    and checked as an address's domain would be; ValidationError (field "domains") if one is
    not a domain."""
    domains = []
    for word in (text or "").replace(",", " ").split():
        domain = word.strip().lstrip("@").lower()
        try:
            parse_address(f"someone@{domain}", field="domains")
        except ValidationError:
            raise ValidationError("districts.not_a_domain", field="domains", domain=word) from None
        if domain not in domains:
            domains.append(domain)
    return domains


def save(session, district, name, domains_text):
    """Create (district None) or change a district: its name and email domains. ValidationError
    for a blank name, a name another district has, or a domain another district holds."""
    key = name_key(name)
    if not key:
        raise ValidationError("districts.name_required", field="name")
    same = find(session, name)
    if same is not None and same is not district:
        raise ValidationError("districts.name_taken", field="name", name=same.name)
    domains = parse_domains(domains_text)
    held = session.execute(
        select(DistrictDomain.domain, District.name)
        .join(District)
        .where(DistrictDomain.domain.in_(domains), District.id != getattr(district, "id", None))
    ).first()
    if held is not None:
        raise ValidationError("districts.domain_taken", field="domains", domain=held[0],
                              name=held[1])  # fmt: skip
    if district is None:
        district = District()
        session.add(district)
    district.name, district.name_key = " ".join(name.split()), key
    kept = {row.domain: row for row in district.domains}
    district.domains = [
        kept.get(domain) or DistrictDomain(domain=domain) for domain in sorted(domains)
    ]
    session.flush()
    return district


def merge(session, source, target):
    """Fold district `source` into `target` (a misspelt district a registration made, or two
    that became one): its schools, email domains, conflicts, coordinators and their invitations
    move, and `source` goes. Returns the number of schools moved. ValidationError (field
    "target") if `target` is missing or `source` itself, or both have a school of one name."""
    if target is None:
        raise ValidationError("districts.merge_unknown", field="target")
    if target.id == source.id:
        raise ValidationError("districts.merge_into_itself", field="target")
    names_there = select(School.name).where(School.district_id == target.id)
    clash = session.scalar(
        select(School.name).where(School.district_id == source.id, School.name.in_(names_there))
    )
    if clash is not None:
        raise ValidationError("districts.merge_school_clash", field="target", school=clash)
    # A coordinator of both keeps the one grant (a person holds a role once per district).
    both = select(RoleGrant.user_id).where(
        RoleGrant.role == Role.COORDINATOR, RoleGrant.district_id == target.id
    )
    session.execute(
        delete(RoleGrant)
        .where(RoleGrant.district_id == source.id, RoleGrant.user_id.in_(both))
        .execution_options(synchronize_session=False)
    )
    moved = 0
    for model in (School, DistrictDomain, Conflict, RoleGrant, Invitation):
        result = session.execute(
            update(model)
            .where(model.district_id == source.id)
            .values(district_id=target.id)
            .execution_options(synchronize_session=False)
        )
        moved = result.rowcount if model is School else moved
    session.expire_all()
    session.delete(session.get(District, source.id))
    session.flush()
    return moved
