"""Email addresses as they come in: exactly one plain address, or refused with the reason.

Every door an address comes through (forms, services, the command line, outgoing mail) uses
`parse_address`, so an input that a mail server would read as another mailbox, or as several
(RFC 5322 comments, quoted or escaped local parts, display names, groups, lists, IP-literal
domains), never gets in. The parsing is email-validator's (no DNS look-ups); on top of it we
allow only what a person types for their own address: an ASCII dot-atom before the @ and a
domain name, which may be internationalised and is kept in its ASCII (punycode) form.
"""

import unicodedata

from email_validator import EmailNotValidError, validate_email
from wtforms.validators import ValidationError as FieldError

from contest.core import messages  # noqa: F401  (the words of the codes below)
from contest.core.errors import ValidationError

INVALID_EMAIL = "Enter a valid email address, such as name@example.org."
MAX_LENGTH = 254  # RFC 5321's limit on a path: longer cannot be delivered
TOO_LONG = f"An email address has at most {MAX_LENGTH} characters."
ONE_ADDRESS = "Enter one address only, without a list or a group name."
NO_NAME = "Enter the address alone, without a name or angle brackets."
NO_SPACES = "An email address has no spaces, line breaks or invisible characters."
# Controls (CR, LF, TAB, NUL...), invisible format characters (zero-width space, bidi marks...)
# and the Unicode line and paragraph separators; then spaces.
_CONTROLS = frozenset({"Cc", "Cf", "Zl", "Zp"})
_SPACES = "Zs"


def parse_address(text, field="email", lead=INVALID_EMAIL):
    """`text` as one address, lower-cased, its domain in ASCII form: `name@example.org`.

    Spaces around it are dropped (a paste often brings them); anything else that is not one
    plain address raises ValidationError on `field`, its message `lead` and the reason.
    """
    text = (text if isinstance(text, str) else "").strip(" ")
    reason = _shape_problem(text)
    if reason is None:
        try:
            parsed = validate_email(
                text,
                allow_smtputf8=False,
                allow_empty_local=False,
                allow_quoted_local=False,
                allow_domain_literal=False,
                allow_display_name=False,
                strict=True,
                check_deliverability=False,
                globally_deliverable=True,
                test_environment=False,
            )
        except EmailNotValidError as error:
            reason = str(error)
        else:
            return parsed.ascii_email.lower()
    if reason:
        raise ValidationError("email.invalid_because", field=field, lead=lead, reason=reason)
    raise ValidationError("email.invalid", field=field, lead=lead)


def _shape_problem(text):
    """Plain words for the tricks a person never types by mistake, else None (the parser's
    own reason then covers the rest)."""
    if not text:
        return ""
    if len(text) > MAX_LENGTH:
        return TOO_LONG
    categories = {unicodedata.category(c) for c in text}
    if categories & _CONTROLS:
        return NO_SPACES
    if any(c in text for c in "<>"):
        return NO_NAME
    # A list (a@x, b@y or a@x; b@y) or a group (name: a@x;); after the @ a colon is an IPv6
    # literal's, which the parser names.
    if any(c in text for c in ",;") or ":" in text.rpartition("@")[0]:
        return ONE_ADDRESS
    if _SPACES in categories:
        return NO_SPACES
    return None


class EmailAddress:
    """WTForms validator: the field holds one address `parse_address` accepts. An empty field
    is left to DataRequired or Optional; `message` leads the reason shown on the field."""

    def __init__(self, message=INVALID_EMAIL):
        self.message = message

    def __call__(self, form, field):
        if field.data:
            try:
                parse_address(field.data, lead=self.message)
            except ValidationError as error:
                raise FieldError(error.message) from None
