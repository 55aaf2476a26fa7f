"""The base of every form: single-line fields hold one line of printable text.

A title, a name or an address with a line break or another control character breaks mail
headers, CSV rows and page layouts wherever it goes later, so it is refused where it comes in,
on the form, with a message on the field. Multi-line fields (TextAreaField) keep line breaks.
"""

import unicodedata

from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, PasswordField, StringField, TextAreaField

ONE_LINE_MESSAGE = "Use a single line, without line breaks, tabs or other control characters."
# Cc: C0 and C1 controls (CR, LF, TAB, ESC...); Zl, Zp: the Unicode line and paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def is_single_line(text):
    """True if `text` has no line break or other control character."""
    return not any(unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in text or "")


def single_line_fields(fields):
    """The single-line fields among `fields` (a form), rows of field lists and subforms included."""
    for field in fields:
        if isinstance(field, FieldList | FormField):
            yield from single_line_fields(field)
        elif isinstance(field, StringField) and not isinstance(
            field, TextAreaField | PasswordField
        ):
            yield field


class Form(FlaskForm):
    """FlaskForm whose single-line fields (StringField and its kinds but text areas and
    passwords) refuse control characters, whatever validators the form declares."""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in single_line_fields(self):
            if isinstance(field.data, str) and not is_single_line(field.data):
                field.errors = [*field.errors, ONE_LINE_MESSAGE]
                valid = False
        return valid
