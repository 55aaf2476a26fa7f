"""Forms of the organizer's People's Choice screen."""

from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from contest.core.errors import describe
from contest.voting.oversight import NO_REASON, VOID_REASON_LENGTH
from contest.web.forms import Form


def _reason_field():
    return TextAreaField(
        "Reason",
        description="Published with the tally, counted by reason.",
        validators=[DataRequired(message=describe(NO_REASON)), Length(max=VOID_REASON_LENGTH)],
    )


class VoidVoteForm(Form):
    receipt = StringField(
        "Receipt code",
        validators=[DataRequired(message="Give the receipt code of the vote to void.")],
    )
    reason = _reason_field()
    submit = SubmitField("Void this vote")


class VoidFlagForm(Form):
    # Not checked against the choices: a flag gone since the page was drawn gets the service's
    # clearer message.
    flag = RadioField(
        "Flag",
        validate_choice=False,
        validators=[DataRequired(message="Choose the flag to act on.")],
    )
    reason = _reason_field()
    submit = SubmitField("Void every vote of this flag")
