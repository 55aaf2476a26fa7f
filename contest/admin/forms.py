from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from contest.web.forms import Form


class ApproveSchoolForm(Form):
    submit = SubmitField("Approve")


class RejectSchoolForm(Form):
    reason = StringField(
        "Reason, for the teacher (optional)", validators=[Optional(), Length(max=500)]
    )
    submit = SubmitField("Reject")
