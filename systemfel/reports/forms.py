"""The report's one form: the samordnare's texts, with a summary field per brist."""

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from systemfel.forms import VersionedForm


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


def text_form(entries: list, formdata=None) -> RapportTextForm:
    """A form with one summary field per brist in the report (the privacy guard sees them all)."""
    fields = {
        f"summary_{entry.brist_id}": TextAreaField(
            entry.nummer, validators=[Optional(), Length(max=10000)]
        )
        for entry in entries
    }
    form_class = type("RapportTexts", (RapportTextForm,), fields)
    return form_class(formdata=formdata)
