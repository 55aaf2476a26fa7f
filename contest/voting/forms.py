from wtforms import EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from contest.core.emails import EmailAddress
from contest.web.forms import Form


class EmailForm(Form):
    """The voter's address: exactly one plain address (contest.core.emails); the service folds its
    aliases and refuses throwaway domains."""

    email = EmailField(
        "Your email address",
        validators=[
            DataRequired(message="Enter your email address."),
            Length(max=254),
            EmailAddress(),
        ],
        description="We send a 6-digit code to confirm your vote. We never keep your address.",
    )
    submit = SubmitField("Send me a code")


class CodeForm(Form):
    code = StringField(
        "The 6-digit code from the email",
        validators=[DataRequired(message="Type the 6-digit code from the email.")],
    )
    submit = SubmitField("Confirm my vote")


class ConfirmLinkForm(Form):
    """A button, so that mail scanners opening the link do not cast the vote."""

    submit = SubmitField("Confirm my vote")
