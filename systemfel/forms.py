"""The base of every form: the privacy guard runs on each free-text field before saving."""

from functools import lru_cache

from babel.support import Translations
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.i18n import messages_path

from systemfel.privacy.domain import Finding, find_personnummer, find_warnings


def wtforms_messages() -> Translations:
    """WTForms' own messages in the request's language, for a form's Meta.get_translations.

    Flask-WTF reads WTForms' catalogue from disk in every request that needs a message, and
    the list filters need one in every request (a select without a value is checked against
    its choices before Optional() clears the error). Read once per language instead.
    """
    return _wtforms_catalogue(str(get_locale()))


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str) -> Translations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


class GuardedForm(FlaskForm):
    """A form whose text fields refuse personnummer and ask to confirm e-mail or phone numbers."""

    # Fields that hold staff or agency contact details, where e-mail addresses belong.
    contact_fields: tuple[str, ...] = ()

    confirm_identifying = BooleanField(
        _l("Jag har kontrollerat texten: den kan inte identifiera en klient.")
    )

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        """Validate the fields, then guard every free-text field against client identity.

        A field already refused (too long, say) is not searched: the limits come first, so
        no input is read at length before it is known to fit.
        """
        is_valid = super().validate(extra_validators)
        self.privacy_warnings: dict[str, list[str]] = {}
        for field in _leaves(self):
            if not _is_free_text(field) or field.errors:
                continue
            refusals = [_refusal(finding) for finding in find_personnummer(field.data or "")]
            if refusals:
                field.errors = [*field.errors, *refusals]
                is_valid = False
            elif field.name not in self.contact_fields:
                warnings = [_warning(finding) for finding in find_warnings(field.data or "")]
                if warnings:
                    self.privacy_warnings[field.name] = warnings
        if self.privacy_warnings and not self.confirm_identifying.data:
            self.form_errors.append(
                gettext(
                    "Texten innehåller e-postadresser, telefonnummer eller något som liknar ett "
                    "personnummer. Kontrollera att det inte går till en klient och bekräfta "
                    "längst ned i formuläret."
                )
            )
            is_valid = False
        return is_valid


def _refusal(finding: Finding) -> str:
    """Why a text with a personnummer is refused, and (for a mobile number) what to do."""
    message = gettext(
        "Texten innehåller ett %(kind)s (%(shown)s). Ta bort det: en brist får "
        "aldrig kunna identifiera en klient.",
        kind=gettext(finding.kind),
        shown=finding.shown,
    )
    return f"{message} {gettext(finding.advice)}" if finding.advice else message


def _warning(finding: Finding) -> str:
    """A warning as shown beside the field; a mistyped personnummer says what it may be."""
    if finding.kind in {"e-post", "telefon"}:
        return finding.shown
    return f"{finding.shown} ({gettext(finding.kind)})"


class VersionedForm(GuardedForm):
    """A guarded form that edits a versioned record, so two people's saves can conflict.

    `version` is the version the user's copy was loaded at. A save on an outdated copy is
    refused and keeps that version, so saving the same copy again is refused again; the page
    sets `seen_version` to the version it shows, and the user may tick `overwrite` to save
    their input over it once they have gone through the other person's changes.
    """

    version = HiddenField()
    seen_version = HiddenField()
    overwrite = BooleanField(_l("Jag har gått igenom ändringarna – spara min version"))


def _leaves(form):  # noqa: ANN001, ANN202
    """Every field of the form, including those of sub-forms and lists (minutes have many)."""
    for field in form:
        if isinstance(field, FormField):
            yield from _leaves(field.form)
        elif isinstance(field, FieldList):
            yield from _leaves(field.entries)
        else:
            yield field


def _is_free_text(field) -> bool:  # noqa: ANN001
    """Text a user typed freely (not passwords, e-mail fields or hidden values)."""
    return (
        isinstance(field, StringField | TextAreaField)
        and not isinstance(field, PasswordField | EmailField)
        and field.type != "HiddenField"
    )
