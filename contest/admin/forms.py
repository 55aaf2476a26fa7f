from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from contest.web.forms import Form


class ApproveSchoolForm(Form):
    submit = SubmitField("Approve")


class RejectSchoolForm(Form):
    reason = StringField(
        "Reason, for the teacher (optional)", validators=[Optional(), Length(max=500)]
    )
    submit = SubmitField("Reject")


class DistrictForm(Form):
    name = StringField(
        "Name", validators=[DataRequired(message="Give the district a name."), Length(max=200)]
    )
    domains = TextAreaField(
        "Email domains",
        description="The domains of the district's school addresses, one per line (such as "
        "schools.k12.hi.us). A teacher registering with one is routed to this district.",
        validators=[Optional(), Length(max=5000)],
    )
    submit = SubmitField("Save district")


class MergeDistrictForm(Form):
    target = SelectField(
        "Merge into",
        coerce=int,
        description="Its schools, email domains, conflicts and coordinators move there, and "
        "this district goes.",
    )
    merge = SubmitField("Merge")
