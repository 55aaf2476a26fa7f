"""Forms of the organizer's judging screens."""

from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from contest.web.forms import Form


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _reason(label, message, description=""):
    return TextAreaField(
        label,
        description=description,
        validators=[DataRequired(message=message), Length(max=1000)],
    )


MAX_SEED = 2**63 - 1


def _seed_in_range(form, field):
    """0 to MAX_SEED. (WTForms' NumberRange calls math.isnan, which overflows on a whole number
    past a float's range.)"""
    if field.data is not None and not 0 <= field.data <= MAX_SEED:
        raise ValidationError(f"Give a whole number from 0 to {MAX_SEED}.")


class AssignForm(Form):
    seed = IntegerField(
        "Seed",
        default=0,
        description=(
            "The same seed gives the same assignment. Existing assignments always stay; "
            "only missing judges are added."
        ),
        validators=[InputRequired(message="Give a seed (0 will do)."), _seed_in_range],
    )
    submit = SubmitField("Assign judges")


class JudgeCategoriesForm(Form):
    scope = RadioField(
        "May judge",
        choices=[
            SelectChoice("all", "Every category"),
            SelectChoice("chosen", "Only the categories ticked"),
        ],
        validators=[InputRequired(message="Choose every category or some.")],
    )
    categories = CheckboxesField("Categories", coerce=int)
    submit = SubmitField("Save categories")


class RemoveJudgeForm(Form):
    confirm = BooleanField(
        "Remove this judge from the contest",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
    submit = SubmitField("Remove judge")


class ConflictForm(Form):
    judge = SelectField("Judge", coerce=int)
    school = SelectField("School", coerce=int)
    district = SelectField("Or a whole district", coerce=int)
    reason = _reason("Reason", "Say why the judge has a conflict.")
    submit = SubmitField("Record conflict")


class RemoveConflictForm(Form):
    reason = _reason(
        "Why the conflict no longer holds",
        "Say why the conflict no longer holds.",
        "The judge may then be assigned entries of that school.",
    )
    submit = SubmitField("Remove conflict")


class ReminderForm(Form):
    judges = CheckboxesField(
        "Judges to remind",
        coerce=int,
        validators=[DataRequired(message="Choose at least one judge.")],
    )
    submit = SubmitField("Send reminders")


class ReassignForm(Form):
    judge = SelectField(
        "New judge", coerce=int, validators=[DataRequired(message="Choose the new judge.")]
    )
    submit = SubmitField("Reassign")


class ReopenForm(Form):
    reason = _reason(
        "Why the sheet is reopened",
        "Say why the sheet is reopened.",
        "The judge and the audit trail keep this reason.",
    )
    submit = SubmitField("Reopen sheet")
