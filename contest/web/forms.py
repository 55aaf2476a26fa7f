"""The base of every form: single-line fields hold one line of printable text.

A title, a name or an address with a line break or another control character breaks mail
headers, CSV rows and page layouts wherever it goes later, so it is refused where it comes in,
on the form, with a message on the field. Multi-line fields (TextAreaField) keep line breaks.
"""

from flask import flash
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, PasswordField, StringField, TextAreaField

from contest.core.text import is_single_line

ONE_LINE_MESSAGE = "Use a single line, without line breaks, tabs or other control characters."


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


def flash_error(error):
    """Show a domain error as a flashed message (for `unit_of_work`'s `show`)."""
    flash(error.message, "error")


def on_form(form, aliases=None):
    """A `show` for `unit_of_work`: the error on its field of `form` (`aliases` maps a service's
    field name to the form's where they differ), else flashed."""

    def show(error):
        name = (aliases or {}).get(error.field, error.field)
        field = getattr(form, name, None) if name else None
        if field is None:
            flash_error(error)
        else:
            field.errors = [*field.errors, error.message]

    return show
