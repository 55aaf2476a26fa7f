from wtforms import (
    EmailField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from contest.core.emails import EmailAddress
from contest.takedown.reports import (
    DETAILS_MAX,
    EMAIL_MAX,
    NOT_AN_ADDRESS,
    REASON_LABELS,
    REASON_MAX,
)
from contest.web.forms import Form


class ReportForm(Form):
    """The public's "report this video" form."""

    reason = RadioField(
        "Why should this video come down?",
        choices=[SelectChoice(value, label) for value, label in REASON_LABELS.items()],
        validators=[InputRequired(message="Choose why the video should come down.")],
    )
    details = TextAreaField(
        "What should the organizers know?",
        description=f"Optional, up to {DETAILS_MAX} characters. Please don't include anyone's "
        "full name or address.",
        validators=[Length(max=DETAILS_MAX, message=f"Keep it to {DETAILS_MAX} characters.")],
    )
    contact_email = EmailField(
        "Your email address (optional)",
        description="Only if you want to hear what we decided. We delete it once we have.",
        validators=[
            Length(max=EMAIL_MAX, message="That email address is too long."),
            EmailAddress(NOT_AN_ADDRESS),
        ],
    )
    submit = SubmitField("Send the report")


def _reason(label, message="Give the reason: the school will read it."):
    return TextAreaField(
        label,
        validators=[
            DataRequired(message=message),
            Length(max=REASON_MAX, message=f"Keep it to {REASON_MAX} characters."),
        ],
    )


class HideForm(Form):
    reason = _reason("Why the video comes down (the school reads this)")
    submit = SubmitField("Hide the video now")


class HideAnyForm(HideForm):
    """Hiding an entry nobody reported, chosen from a list."""

    entry = SelectField("Entry", coerce=int)


class UnhideForm(Form):
    reason = _reason("Why the video goes back up (the school reads this)")
    submit = SubmitField("Show the video again")


class DismissForm(Form):
    note = _reason("Why the video stays up (for the organizers)", "Say why the video stays up.")
    submit = SubmitField("Dismiss the report")
