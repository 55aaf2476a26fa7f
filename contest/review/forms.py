from wtforms import DateTimeLocalField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from contest.web.forms import Form


def _reason(label):
    return TextAreaField(
        label,
        description="The school's teachers read this.",
        validators=[
            DataRequired(message="Give the reason: the school will read it."),
            Length(max=1000),
        ],
    )


class ApproveForm(Form):
    submit = SubmitField("Approve consent form")


class ReturnConsentForm(Form):
    reason = _reason("What needs fixing in the consent form")
    submit = SubmitField("Send the form back")


class DisqualifyForm(Form):
    reason = _reason("Why the entry is disqualified")
    submit = SubmitField("Disqualify entry")


class ExtensionForm(Form):
    school = SelectField("School", coerce=int)
    until = DateTimeLocalField(
        "New deadline (contest time zone)",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[InputRequired(message="Give the new deadline.")],
    )
    reason = _reason("Reason")
    submit = SubmitField("Grant extension")
