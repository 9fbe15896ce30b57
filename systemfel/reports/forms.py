"""The report's one form: the samordnare's texts, with a summary field per brist."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from systemfel.forms import DateField, VersionedForm
from systemfel.reports.domain import NEW_THEME, MeasureRow, measure_slug


class RapportTextForm(VersionedForm):
    """The samordnare's texts: introduction, closing, and (added per brist) summaries."""

    introduction = TextAreaField(
        _l("Inledande text"),
        description=_l("Till exempel hur verksamheten arbetar med brister."),
        validators=[Optional(), Length(max=20000)],
    )
    closing = TextAreaField(_l("Avslutande text"), validators=[Optional(), Length(max=20000)])

    def texts(self) -> dict[str, str]:
        """The texts by field name (introduction, closing, summary_<brist id>), as posted."""
        return {field.name: field.data or "" for field in self if isinstance(field, TextAreaField)}

    def summaries(self) -> dict[int, str]:
        """The summaries written for the report, by brist id."""
        prefix = "summary_"
        return {
            int(name.removeprefix(prefix)): text
            for name, text in self.texts().items()
            if name.startswith(prefix)
        }

    def fill(self, saved: dict[str, str], version: int) -> None:
        """Show the draft as saved (texts by field name) at its version."""
        self.version.data = version
        for name in self.texts():
            self[name].data = saved.get(name, "")


def text_form(entries: list, formdata=None, themes=()) -> RapportTextForm:
    """A form with one summary field per brist in the report (the privacy guard sees them all).

    With `themes` (6 b), also each theme's title and summary, each brist's theme, and whether
    the appendix is printed.
    """
    fields = {
        f"summary_{entry.brist_id}": TextAreaField(
            entry.nummer, validators=[Optional(), Length(max=10000)]
        )
        for entry in entries
    }
    if themes:
        fields |= theme_fields(entries, themes)
    form_class = type("RapportTexts", (RapportTextForm,), fields)
    return form_class(formdata=formdata)


# --- 6 b: themes and lead sentences; brister left out (item 2) -------------------------------


class ThemeChoice(SelectField):
    """A brist's theme: left out of a post, the brist stays where it is."""

    def pre_validate(self, form) -> None:
        """Check the choice only when one was posted."""
        if self.raw_data:
            super().pre_validate(form)


def theme_fields(entries: list, themes) -> dict:
    """Each theme's title and summary, each brist's theme (or a new one), the appendix."""
    choices = [(theme.key, theme.titel) for theme in themes]
    choices.append((NEW_THEME, _l("Ett nytt tema")))
    fields: dict = {"appendix": BooleanField(_l("Ta med bilagan med förteckningen över bristerna"))}
    for theme in themes:
        fields[f"tema_{theme.key}_titel"] = StringField(
            _l("Temats rubrik"), validators=[Optional(), Length(max=200)]
        )
        fields[f"tema_{theme.key}_text"] = TextAreaField(
            _l("Temats sammanfattning"),
            description=_l("Lämna tomt för att använda texten som föreslås ur bristerna."),
            validators=[Optional(), Length(max=20000)],
        )
    for entry in entries:
        fields[f"tema_for_{entry.brist_id}"] = ThemeChoice(
            _l("Tema för %(titel)s", titel=entry.titel), choices=choices, validators=[Optional()]
        )
    return fields


def fill_themes(form: RapportTextForm, themes, appendix: bool) -> None:
    """Show each theme's title and summary as they read now, and where each brist is."""
    if themes:  # the form has the 6 b part only when there are themes
        form["appendix"].data = appendix
    for theme in themes:
        form[f"tema_{theme.key}_titel"].data = theme.titel
        form[f"tema_{theme.key}_text"].data = theme.summary
        for brist_id in theme.brist_ids:
            form[f"tema_for_{brist_id}"].data = theme.key


def posted_themes(form: RapportTextForm, themes, entries: list) -> tuple[dict, dict, dict]:
    """What was posted: each brist's theme, and each theme's title and summary."""
    placement = {
        e.brist_id: form[f"tema_for_{e.brist_id}"].data
        for e in entries
        if form[f"tema_for_{e.brist_id}"].raw_data
    }
    titles = {t.key: form[f"tema_{t.key}_titel"].data or "" for t in themes}
    summaries = {t.key: form[f"tema_{t.key}_text"].data or "" for t in themes}
    return placement, titles, summaries


class ExcludeForm(VersionedForm):
    """Leave a brist out of the year's report, with the reason."""

    brist = SelectField(_l("Brist"), coerce=int, validators=[InputRequired()])
    reason = TextAreaField(
        _l("Varför lämnas den utanför?"),
        description=_l("Syns i bristens historik. Skriv inget som kan identifiera en klient."),
        validators=[
            DataRequired(message=_l("Skriv varför bristen lämnas utanför årets redovisning.")),
            Length(max=2000),
        ],
    )


class IncludeForm(VersionedForm):
    """Take a brist left out back into the year's report."""

    brist = IntegerField(validators=[InputRequired()])


# --- 6 c: measures ---------------------------------------------------------------------------

DATE_MESSAGE = _l("Ange ett datum som ÅÅÅÅ-MM-DD.")
# The report page holds three forms: their fields are told apart by a prefix.
MEASURES_PREFIX, ADD_PREFIX = "atg", "ny"


class MeasuresForm(VersionedForm):
    """The measures of 6 c: per measure (added by `measures_form`) in or out, text, place."""

    # The keys of the measures the page showed: only those are changed by a save.
    keys = HiddenField()

    def rows(self, keys: list[str]) -> list[tuple[str, bool, str, int | None]]:
        """Each shown measure's key, whether it is in, its text and the place asked for."""
        found = []
        for key in keys:
            slug = measure_slug(key)
            if f"text_{slug}" not in self:
                continue
            found.append(
                (
                    key,
                    bool(self[f"include_{slug}"].data),
                    self[f"text_{slug}"].data or "",
                    self[f"position_{slug}"].data,
                )
            )
        return found


def measures_form(rows: list[MeasureRow], formdata=None) -> MeasuresForm:
    """A form with a row per measure: include, text, place (a number, from 1)."""
    fields: dict[str, object] = {}
    for row in rows:
        slug = measure_slug(row.measure.key)
        fields[f"include_{slug}"] = BooleanField(_l("Med i redovisningen"))
        fields[f"text_{slug}"] = TextAreaField(
            _l("Text"), validators=[Optional(), Length(max=2000)]
        )
        fields[f"position_{slug}"] = IntegerField(
            _l("Plats"),
            validators=[
                Optional(),
                NumberRange(min=1, max=999, message=_l("Ange en plats från 1 till 999.")),
            ],
        )
    form_class = type("Measures", (MeasuresForm,), fields)
    form = form_class(formdata=formdata, prefix=MEASURES_PREFIX)
    if formdata is None:
        form.keys.data = " ".join(row.measure.key for row in rows)
        for place, row in enumerate(rows, start=1):
            slug = measure_slug(row.measure.key)
            form[f"include_{slug}"].data = row.include
            form[f"text_{slug}"].data = row.measure.text
            form[f"position_{slug}"].data = place
    return form


class MeasureAddForm(VersionedForm):
    """A measure the samordnare writes herself: when it happened, what was done, where."""

    on = DateField(_l("Datum"), validators=[InputRequired(DATE_MESSAGE)])
    text = TextAreaField(
        _l("Vad gjordes?"),
        description=_l("Till exempel en handlingsplan, en mottagningstelefon, ett möte med FK."),
        validators=[DataRequired(_l("Skriv vad som gjordes.")), Length(max=1000)],
    )
    verksamhet = SelectField(_l("Verksamhet"), validators=[InputRequired(_l("Gör ett val."))])


def add_measure_form(formdata=None) -> MeasureAddForm:
    """The form to add a measure, its fields apart from the page's other forms."""
    return MeasureAddForm(formdata=formdata, prefix=ADD_PREFIX)
