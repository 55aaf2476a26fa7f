"""Forms for publishing and un-publishing a contest's results."""

from wtforms import HiddenField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from contest.results import plan as awards_plan
from contest.web.forms import Form

NO_AWARD = ""
REASON_HELP = "Needed to resolve a tie or to change the ranking's order; it is published."


def _entry_id(value):
    """A select's value as an entry id; empty means no award."""
    return None if value in (None, NO_AWARD) else int(value)


def _entry_label(entry, note):
    return f"{entry.title} ({entry.school}){f' · {note}' if note else ''}"


def _place_choices(plan, category):
    """Every entry of the category, ranked ones first; the rules, not the select, refuse an
    ineligible choice, so the organizer reads why."""
    rows = category.rows
    notes = {row.entry_id: f"ranked {row.place}" for row in rows.values()}
    notes.update({row.entry_id: why for row, why in category.left_out})
    entries = sorted(
        (e for e in plan.facts.values() if e.category_id == category.category_id),
        key=lambda e: (e.id not in rows, rows[e.id].place if e.id in rows else 0, e.title),
    )
    return [SelectChoice(NO_AWARD, "— no award —")] + [
        SelectChoice(str(e.id), _entry_label(e, notes.get(e.id, "not ranked"))) for e in entries
    ]


def _pc_choices(plan):
    pc = plan.peoples_choice
    entries = sorted(plan.facts.values(), key=lambda e: (-pc.votes.get(e.id, 0), e.title))
    return [SelectChoice(NO_AWARD, "— no award —")] + [
        SelectChoice(str(e.id), _entry_label(e, f"{pc.votes.get(e.id, 0)} votes")) for e in entries
    ]


class PublishBase(Form):
    # Set by the confirmation page: the organizer has seen what becomes public.
    confirmed = HiddenField()
    review = SubmitField("Review what will be published")
    publish = SubmitField("Publish these results")
    change = SubmitField("Go back and change")


def publish_form(plan, **kwargs):
    """The publish form for `plan`: 1st/2nd/3rd and a reason per category, People's Choice."""

    class PublishForm(PublishBase):
        pass

    for category in plan.categories:
        choices = _place_choices(plan, category)
        for place in awards_plan.PLACES:
            setattr(
                PublishForm,
                awards_plan.place_field(category.category_id, place),
                SelectField(
                    f"{awards_plan.ORDINALS[place]} place",
                    choices=choices,
                    coerce=_entry_id,
                    validate_choice=False,
                ),
            )
        setattr(
            PublishForm,
            awards_plan.reason_field(category.category_id),
            TextAreaField(
                f"Reason for a tie resolution or change in {category.name}",
                description=REASON_HELP,
                validators=[Length(max=1000)],
            ),
        )
    PublishForm.pc_entry = SelectField(
        "People's Choice", choices=_pc_choices(plan), coerce=_entry_id, validate_choice=False
    )
    PublishForm.pc_reason = TextAreaField(
        "Reason for a People's Choice tie resolution or change",
        description=REASON_HELP,
        validators=[Length(max=1000)],
    )
    return PublishForm(**kwargs)


def choice_fields(plan):
    """The names of the fields that carry the organizer's choices, in page order."""
    names = []
    for category in plan.categories:
        names += [awards_plan.place_field(category.category_id, p) for p in awards_plan.PLACES]
        names.append(awards_plan.reason_field(category.category_id))
    return [*names, awards_plan.PC_ENTRY, awards_plan.PC_REASON]


def choices_of(form, plan):
    """The organizer's choices as the rules take them: field name -> entry id or reason."""
    return {name: form[name].data for name in choice_fields(plan)}


class UnpublishForm(Form):
    reason = TextAreaField(
        "Why the results are withdrawn",
        description="Kept in the audit log with the withdrawn results.",
        validators=[
            DataRequired(message="Give the reason for un-publishing: it is kept in the audit log."),
            Length(max=1000),
        ],
    )
    submit = SubmitField("Un-publish results")
