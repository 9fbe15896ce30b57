"""The report's one form: the samordnare's texts, with a summary field per brist."""

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from systemfel.forms import VersionedForm


class ReportTextForm(VersionedForm):
    """The samordnare's texts: introduction, closing, and (added per brist) summaries."""

    introduction = TextAreaField(
        _l("Inledande text"),
        description=_l("Till exempel hur verksamheten arbetar med brister."),
        validators=[Optional(), Length(max=20000)],
    )
    closing = TextAreaField(_l("Avslutande text"), validators=[Optional(), Length(max=20000)])


def text_form(entries: list, formdata=None) -> ReportTextForm:
    """A form with one summary field per brist in the report (the privacy guard sees them all)."""
    fields = {
        f"summary_{entry.brist_id}": TextAreaField(
            entry.nummer, validators=[Optional(), Length(max=10000)]
        )
        for entry in entries
    }
    form_class = type("ReportTexts", (ReportTextForm,), fields)
    return form_class(formdata=formdata)
