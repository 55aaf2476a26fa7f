"""The rubric builder's form (a row per criterion) and the calibration anchors form."""

from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms import Form as RowForm
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from contest.judging.rubrics import NAME_LENGTH, CriterionDraft
from contest.web.forms import Form

NOT_A_NUMBER = "Enter a whole number."
EMPTY_ROWS = 3  # blank rows offered for new criteria
MAX_INDEX_DIGITS = 6  # a row number past this is no row of the page's


class CriterionRow(RowForm):
    """One criterion; a row with no name, guidance or descriptors is an unused blank row."""

    name = StringField("Name", render_kw={"maxlength": NAME_LENGTH})
    guidance = TextAreaField("Guidance for judges", render_kw={"rows": 2})
    weight = StringField("Weight", default="1", render_kw={"inputmode": "decimal"})
    min_points = IntegerField(
        "Lowest score", default=1, invalid_value_message=NOT_A_NUMBER, validators=[Optional()]
    )
    max_points = IntegerField(
        "Highest score", default=5, invalid_value_message=NOT_A_NUMBER, validators=[Optional()]
    )
    descriptors = TextAreaField(
        "Level descriptors",
        description="Optional: one per line, lowest level first.",
        render_kw={"rows": 5},
    )
    order = IntegerField("Order", invalid_value_message=NOT_A_NUMBER, validators=[Optional()])
    remove = BooleanField("Remove this criterion")

    def is_blank(self):
        return not any((f.data or "").strip() for f in (self.name, self.guidance, self.descriptors))

    def draft(self):
        """The row as a CriterionDraft; an unreadable weight becomes NaN, which the service
        refuses by name."""
        try:
            weight = float((self.weight.data or "").strip())
        except ValueError:
            weight = float("nan")
        return CriterionDraft(
            name=self.name.data or "",
            guidance=self.guidance.data or "",
            weight=weight,
            min_points=self.min_points.data,
            max_points=self.max_points.data,
            level_descriptors=(self.descriptors.data or "").splitlines(),
        )


class RowList(FieldList):
    """A FieldList that reads only plain row numbers ("criteria-2-name"). WTForms' own takes any
    text for which str.isdigit() holds, and int() then fails on "²" or a 5,000-digit number."""

    def _extract_indices(self, prefix, formdata):
        start = prefix + self._field_separator
        for key in formdata:
            if key.startswith(start):
                index = key[len(start) :].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit() and len(index) <= MAX_INDEX_DIGITS:
                    yield int(index)


class RubricForm(Form):
    criteria = RowList(FormField(CriterionRow))
    submit = SubmitField("Save rubric")

    def rows_in_order(self):
        """The rows kept (not blank, not removed) in the order asked for (then page order)."""
        rows = [row for row in self.criteria if not row.remove.data and not row.is_blank()]
        return sorted(
            rows,
            key=lambda row: (row.order.data is None, row.order.data or 0, rows.index(row)),
        )


class RemoveOverrideForm(Form):
    submit = SubmitField("Use the contest rubric again")


class AnchorsForm(Form):
    anchors = SelectMultipleField(
        "Anchor entries",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField("Save anchors")
