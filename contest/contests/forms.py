"""The contest form and the clone form. Limits come from the services, so the rules live once."""

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from contest.contests.editing import (
    LICENCE_LENGTH,
    NAME_LENGTH,
    NAME_TOO_LONG,
    RETENTION_DAYS,
    RETENTION_MESSAGE,
    SLUG_LENGTH,
    SLUG_TOO_LONG,
    rule_range,
    time_zones,
)
from contest.core.models.contests import DEFAULT_CATEGORIES, DEFAULT_LICENCE
from contest.web.forms import Form

NOT_A_NUMBER = "Enter a whole number."
# Browsers send datetime-local values as 2026-03-01T17:00 (seconds when set); people type spaces.
_TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _between(low, high, message):
    """A whole number from `low` to `high`; a missing or unreadable number is reported once."""

    def check(form, field):
        if field.process_errors:
            raise StopValidation()
        if not field.raw_data:
            raise StopValidation(NOT_A_NUMBER)
        if field.data is None or not low <= field.data <= high:
            raise StopValidation(message)

    return check


def _rule_field(label, rule, default):
    return IntegerField(
        label,
        default=default,
        invalid_value_message=NOT_A_NUMBER,
        validators=[_between(*rule_range(rule))],
    )


def _phase_field(label):
    return DateTimeLocalField(
        label,
        format=_TIME_FORMATS,
        invalid_value_message="Enter a date and time such as 2026-03-01T17:00.",
        validators=[Optional()],
    )


class ChoiceField(SelectField):
    """A select that, given a value not on its list, says what to do instead."""

    def __init__(self, label=None, validators=None, choice_message="", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.choice_message = choice_message

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError as error:
            raise ValidationError(self.choice_message or str(error)) from None


class ContestForm(Form):
    name = StringField(
        "Name",
        validators=[
            DataRequired(message="Give the contest a name."),
            Length(max=NAME_LENGTH, message=NAME_TOO_LONG),
        ],
    )
    slug = StringField(
        "Web address",
        description="Lower-case letters, digits and hyphens; left empty, made from the name.",
        validators=[Optional(), Length(max=SLUG_LENGTH, message=SLUG_TOO_LONG)],
    )
    timezone = ChoiceField(
        "Time zone",
        default="America/New_York",
        choice_message="Choose a time zone from the list.",
    )
    description = TextAreaField("Rules and description", validators=[Optional()])
    categories = TextAreaField(
        "Categories",
        description="One per line. Renaming a line keeps its category and entries.",
        default="\n".join(name for name, _ in DEFAULT_CATEGORIES),
    )
    submissions_open_at = _phase_field("Submissions open")
    submissions_close_at = _phase_field("Submissions close")
    judging_close_at = _phase_field("Judging closes")
    voting_open_at = _phase_field("Voting opens")
    voting_close_at = _phase_field("Voting closes")
    max_video_seconds = _rule_field("Maximum video length (seconds)", "max_video_seconds", 120)
    max_megabytes = _rule_field("Maximum file size (MB)", "max_bytes", 500)
    entries_per_school_per_category = _rule_field(
        "Entries per school per category", "entries_per_school_per_category", 2
    )
    judges_per_entry = _rule_field("Judges per entry", "judges_per_entry", 3)
    normalise_scores = BooleanField("Rank by judge-normalised scores", default=True)
    require_full_play = BooleanField("Judges must watch the whole video before submitting")
    show_live_tally = BooleanField(
        "Show the live People's Choice tally to the public",
        description="Otherwise the public sees the vote counts only once results are published.",
    )
    licence = StringField(
        "Licence for published videos",
        default=DEFAULT_LICENCE,
        validators=[
            DataRequired(message="Name the licence published videos are shared under."),
            Length(max=LICENCE_LENGTH),
        ],
    )
    retention_days = IntegerField(
        "Delete original uploads and consent forms this many days after publication",
        description="Leave empty to keep them.",
        invalid_value_message=NOT_A_NUMBER,
        validators=[
            Optional(),
            _between(*RETENTION_DAYS, RETENTION_MESSAGE),
        ],
    )
    submit = SubmitField("Save contest")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [(zone, zone) for zone in sorted(time_zones())]


class CloneContestForm(Form):
    source = ChoiceField(
        "Copy categories, rubric and rules from",
        coerce=int,
        choice_message="Choose the contest to copy.",
    )
    name = StringField(
        "New contest's name",
        validators=[
            DataRequired(message="Give the new contest a name."),
            Length(max=NAME_LENGTH, message=NAME_TOO_LONG),
        ],
    )
    slug = StringField(
        "Web address",
        description="Lower-case letters, digits and hyphens; left empty, made from the name.",
        validators=[Optional(), Length(max=SLUG_LENGTH, message=SLUG_TOO_LONG)],
    )
    submit = SubmitField("Clone contest")
