from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from contest.auth.accounts import MIN_PASSWORD_LENGTH
from contest.core.emails import EmailAddress
from contest.web.forms import Form

CONSENT_TYPES = ["pdf", "png", "jpg", "jpeg"]


class EntryForm(Form):
    category = SelectField("Category", coerce=int)
    title = StringField(
        "Title", validators=[DataRequired(message="Give the entry a title."), Length(max=200)]
    )
    description = TextAreaField(
        "Description", description="What the PSA is about, in a sentence or two."
    )
    credit_line = StringField(
        "Student credit",
        description="First names only (for example “Maya, Leo and Sam”) or a team name.",
        validators=[Optional(), Length(max=300)],
    )
    full_names_allowed = BooleanField(
        "The signed consent forms allow the students' full names to be shown"
    )
    submit = SubmitField("Save entry")


class ConsentForm(Form):
    consent = FileField(
        "Parental consent and media release form (PDF or photo)",
        validators=[
            FileRequired("Attach the signed consent form."),
            FileAllowed(CONSENT_TYPES, "Attach a PDF, PNG or JPEG file."),
        ],
    )
    submit = SubmitField("Upload consent form")


class CaptionsForm(Form):
    captions = FileField(
        "Captions (WebVTT .vtt file)",
        validators=[
            FileRequired("Choose the captions file."),
            FileAllowed(["vtt"], "Captions must be a WebVTT (.vtt) file."),
        ],
    )
    submit = SubmitField("Upload captions")


class WithdrawForm(Form):
    reason = StringField("Reason (optional)", validators=[Optional(), Length(max=500)])
    confirm = BooleanField(
        "I understand a withdrawn entry cannot be entered again",
        validators=[DataRequired(message="Tick the box to confirm the withdrawal.")],
    )
    submit = SubmitField("Withdraw this entry")


class RegisterSchoolForm(Form):
    school_name = StringField(
        "School name",
        validators=[DataRequired(message="Give your school's name."), Length(max=200)],
    )
    district = StringField(
        "District",
        description="Left empty, your school address tells us when it belongs to a district.",
        validators=[Optional(), Length(max=200)],
    )
    name = StringField(
        "Your name", validators=[DataRequired(message="Give your name."), Length(max=120)]
    )
    email = EmailField(
        "Your school email address",
        validators=[
            DataRequired(message="Enter your email address."),
            EmailAddress("Enter a valid email address."),
            Length(max=254),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(message="Choose a password."),
            Length(
                min=MIN_PASSWORD_LENGTH, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."
            ),
        ],
    )
    confirm = PasswordField(
        "Password again",
        validators=[
            DataRequired(message="Type the password again."),
            EqualTo("password", "The two passwords differ."),
        ],
    )
    submit = SubmitField("Register school")
