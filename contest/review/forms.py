from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length


def _reason(label):
    return TextAreaField(
        label,
        description="The school's teachers read this.",
        validators=[
            DataRequired(message="Give the reason: the school will read it."),
            Length(max=1000),
        ],
    )


class ApproveForm(FlaskForm):
    submit = SubmitField("Approve consent form")


class ReturnConsentForm(FlaskForm):
    reason = _reason("What needs fixing in the consent form")
    submit = SubmitField("Send the form back")


class DisqualifyForm(FlaskForm):
    reason = _reason("Why the entry is disqualified")
    submit = SubmitField("Disqualify entry")


class ExtensionForm(FlaskForm):
    school = SelectField("School", coerce=int)
    until = DateTimeLocalField(
        "New deadline (contest time zone)",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[InputRequired(message="Give the new deadline.")],
    )
    reason = _reason("Reason")
    submit = SubmitField("Grant extension")
