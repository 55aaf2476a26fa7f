from wtforms import (
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from contest.auth.accounts import MIN_PASSWORD_LENGTH
from contest.core.emails import EmailAddress
from contest.web.forms import Form

_new_password = [
    DataRequired(message="Choose a password."),
    Length(min=MIN_PASSWORD_LENGTH, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."),
]
_confirm = [
    DataRequired(message="Type the password again."),
    EqualTo("password", "The two passwords differ."),
]
_email = [
    DataRequired(message="Enter your email address."),
    EmailAddress("Enter a valid email address."),
    Length(max=254),
]


class LoginForm(Form):
    email = EmailField("Email address", validators=_email)
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password.")])
    submit = SubmitField("Sign in")


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(message="Enter your current password.")]
    )
    password = PasswordField("New password", validators=_new_password)
    confirm = PasswordField("New password again", validators=_confirm)
    submit = SubmitField("Change password")


class ForgotPasswordForm(Form):
    email = EmailField("Email address", validators=_email)
    submit = SubmitField("Send me a reset link")


class ResetPasswordForm(Form):
    password = PasswordField("New password", validators=_new_password)
    confirm = PasswordField("New password again", validators=_confirm)
    submit = SubmitField("Set password")


class AcceptInvitationForm(Form):
    name = StringField("Your name", validators=[Optional(), Length(max=120)])
    password = PasswordField("Password", validators=[DataRequired(message="Enter a password.")])
    confirm = PasswordField("Password again", validators=[Optional()])
    submit = SubmitField("Accept invitation")


class InvitationForm(Form):
    email = EmailField("Email address", validators=_email)
    role = SelectField(
        "Role",
        choices=[
            SelectChoice("teacher", "Teacher"),
            SelectChoice("judge", "Judge"),
            SelectChoice("organizer", "Organizer of a contest"),
            SelectChoice("observer", "Observer of a contest (sees, changes nothing)"),
            SelectChoice("coordinator", "District coordinator (approves its schools)"),
            SelectChoice("admin", "Site administrator (every contest, people, schools)"),
        ],
    )
    school = SelectField("School (for a teacher)", coerce=int, validators=[Optional()])
    contest = SelectField(
        "Contest (for an organizer or an observer; a judge's, or every contest)",
        coerce=int,
        validators=[Optional()],
    )
    district = SelectField("District (for a coordinator)", coerce=int, validators=[Optional()])
    submit = SubmitField("Send invitation")


class ConfirmEmailForm(Form):
    password = PasswordField(
        "The password you chose when registering",
        validators=[DataRequired(message="Enter your password.")],
    )
    submit = SubmitField("Confirm my address")


class ResendConfirmationForm(Form):
    email = EmailField("Email address", validators=_email)
    submit = SubmitField("Send me a new link")


class EndSessionsForm(Form):
    submit = SubmitField("Sign out of every device")
