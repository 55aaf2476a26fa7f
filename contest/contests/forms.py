from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from contest.contests.models import DEFAULT_CATEGORIES, DEFAULT_LICENCE

_when = [Optional()]
_time_format = "%Y-%m-%dT%H:%M"


def _timezones():
    return [(zone, zone) for zone in sorted(available_timezones())]


class ContestForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired(message="Give the contest a name."), Length(max=200)]
    )
    slug = StringField(
        "Web address",
        description="Lower-case letters, digits and hyphens; left empty, made from the name.",
        validators=[Optional(), Length(max=100)],
    )
    timezone = SelectField("Time zone", default="America/New_York")
    description = TextAreaField("Rules and description", validators=[Optional()])
    categories = TextAreaField(
        "Categories",
        description="One per line.",
        default="\n".join(name for name, _ in DEFAULT_CATEGORIES),
    )
    submissions_open_at = DateTimeLocalField(
        "Submissions open", format=_time_format, validators=_when
    )
    submissions_close_at = DateTimeLocalField(
        "Submissions close", format=_time_format, validators=_when
    )
    judging_close_at = DateTimeLocalField("Judging closes", format=_time_format, validators=_when)
    voting_open_at = DateTimeLocalField("Voting opens", format=_time_format, validators=_when)
    voting_close_at = DateTimeLocalField("Voting closes", format=_time_format, validators=_when)
    max_video_seconds = IntegerField(
        "Maximum video length (seconds)",
        default=120,
        validators=[DataRequired(message="Give a length."), NumberRange(5, 3600)],
    )
    max_megabytes = IntegerField(
        "Maximum file size (MB)",
        default=500,
        validators=[DataRequired(message="Give a size."), NumberRange(1, 10240)],
    )
    entries_per_school_per_category = IntegerField(
        "Entries per school per category",
        default=2,
        validators=[DataRequired(message="Give a number."), NumberRange(1, 50)],
    )
    judges_per_entry = IntegerField(
        "Judges per entry",
        default=3,
        validators=[DataRequired(message="Give a number."), NumberRange(1, 20)],
    )
    normalise_scores = BooleanField("Rank by judge-normalised scores", default=True)
    licence = StringField(
        "Licence for published videos",
        default=DEFAULT_LICENCE,
        validators=[DataRequired(), Length(max=100)],
    )
    retention_days = IntegerField(
        "Delete original uploads and consent forms this many days after publication",
        description="Leave empty to keep them.",
        validators=[Optional(), NumberRange(0, 3650)],
    )
    submit = SubmitField("Save contest")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = _timezones()


class CloneContestForm(FlaskForm):
    source = SelectField("Copy categories, rubric and rules from", coerce=int)
    name = StringField(
        "New contest's name",
        validators=[DataRequired(message="Give the new contest a name."), Length(max=200)],
    )
    slug = StringField("Web address", validators=[Optional(), Length(max=100)])
    submit = SubmitField("Clone contest")
