"""The round form and the closing form. The rules (ranges, order of rounds) are the services';
these forms only read what was typed."""

from wtforms import (
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from contest.core.statuses import AdvanceRule, AtTheCut, RoundMode
from contest.rounds.setup import NAME_LENGTH
from contest.web.forms import Form

# Browsers send datetime-local values as 2026-03-01T17:00 (seconds when set); people type spaces.
_TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
MODES = [SelectChoice(RoundMode.RUBRIC, "Rubric: each judge fills in a score sheet")]
RULES = [
    SelectChoice(AdvanceRule.TOP, "The best N of each category"),
    SelectChoice(AdvanceRule.THRESHOLD, "Every entry scoring at least a threshold"),
    SelectChoice(AdvanceRule.PICK, "The organizers pick each entry, with a reason"),
]
TIES = [
    SelectChoice(
        AtTheCut.CHAIN, "The tie-break chain decides; a tie it cannot separate moves on whole"
    ),
    SelectChoice(AtTheCut.ALL_TIED, "Every entry level on score with the last one in moves on"),
]


def _time(label):
    return DateTimeLocalField(
        label,
        format=_TIME_FORMATS,
        description="In the contest's time zone.",
        validators=[Optional()],
    )


class RoundForm(Form):
    name = StringField("Name", validators=[Length(max=NAME_LENGTH)])
    mode = SelectField("How the judges judge", choices=MODES)
    opens_at = _time("Opens")
    closes_at = _time("Closes")
    judges_per_entry = IntegerField("Judges per entry", default=3)
    rule = SelectField("Who moves on", choices=RULES)
    rule_top = IntegerField("N (for the best N)", default=3, validators=[Optional()])
    rule_threshold = FloatField(
        "Threshold score (0-100)", validators=[Optional()], description="For a threshold."
    )
    at_the_cut = SelectField("A tie at the cut", choices=TIES)
    submit = SubmitField("Save round")


class CloseRoundForm(Form):
    reason = TextAreaField(
        "Why it closes now (needed before its closing time)",
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Close the round")
