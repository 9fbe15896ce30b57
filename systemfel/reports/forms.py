"""The report's one form: the samordnare's texts, with a summary field per brist."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from systemfel.forms import VersionedForm
from systemfel.reports.domain import NEW_THEME


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
        validators=[DataRequired(message=_l("Skriv varför bristen lämnas utanför årets rapport.")),
                    Length(max=2000)],
    )  # fmt: skip


class IncludeForm(VersionedForm):
    """Take a brist left out back into the year's report."""

    brist = IntegerField(validators=[InputRequired()])
