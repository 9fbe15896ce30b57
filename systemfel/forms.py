"""The base of every form: input cleaned and bounded, the privacy guard on free text.

Every form derives from `BaseForm` (a sub-form from `SubForm`): text fields lose control
characters (and, unless multi-line, line breaks) before anything reads them, and integers
beyond the database's integer are refused beside their field.
"""

import secrets
from collections.abc import Callable
from datetime import date
from functools import lru_cache

import wtforms
from babel.support import NullTranslations, Translations
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError

from systemfel.bounds import FIRST_DAY, LARGEST_INT, LAST_DAY, SMALLEST_INT
from systemfel.exports import clean_text
from systemfel.privacy.domain import Finding, find_personnummer, find_warnings


def wtforms_messages() -> NullTranslations:
    """WTForms' own messages in the request's language, for a form's Meta.get_translations.

    Flask-WTF reads WTForms' catalogue from disk in every request that needs a message, and
    the list filters need one in every request (a select without a value is checked against
    its choices before Optional() clears the error). Read once per language instead.
    """
    return _wtforms_catalogue(str(get_locale()))


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str) -> NullTranslations:
    # For a language WTForms has no catalogue for, Babel gives NullTranslations.
    return Translations.load(messages_path(), [locale], domain="wtforms")


def _multiline_text(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


def _single_line_text(value: object) -> object:
    return clean_text(value, multiline=False) if isinstance(value, str) else value


def _database_integer(value: object) -> object:
    if isinstance(value, int) and not SMALLEST_INT <= value <= LARGEST_INT:
        raise ValueError(gettext("Talet är för stort."))
    return value


def input_filters(field_class: type) -> list[Callable[[object], object]]:
    """The cleaning every field of this class gets, before validation and before any use."""
    if issubclass(field_class, TextAreaField):
        return [_multiline_text]
    if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
        return [_single_line_text]
    if issubclass(field_class, IntegerField):
        return [_database_integer]
    return []


class OptionsSelect(wtforms.widgets.Select):
    """WTForms' select, each plain option written in one step (the list's filters have ~50).

    The same HTML as WTForms writes (`<option selected value="...">label</option>`, attributes
    in its sorted order); an option with attributes of its own, or a True/False value, is
    written by WTForms.
    """

    @classmethod
    def render_option(cls, value, label, selected, **kwargs):
        """One <option>, its value and label escaped."""
        if kwargs or value is True or value is False:
            return super().render_option(value, label, selected, **kwargs)
        chosen = "selected " if selected else ""
        return Markup(  # noqa: S704 - value and label escaped here
            f'<option {chosen}value="{escape(value)}">{escape(label)}</option>'
        )


class OptionsSelectField(wtforms.SelectField):
    """A select field whose options are written by `OptionsSelect`."""

    widget = OptionsSelect()


class CleanInput:
    """Meta of every form: each field gets `input_filters` after its own filters."""

    def bind_field(self, form, unbound_field, options):
        """Bind the field with the cleaning filters of its class added."""
        extra = input_filters(unbound_field.field_class)
        if extra:
            options = {**options, "filters": [*unbound_field.kwargs.get("filters", ()), *extra]}
        return super().bind_field(form, unbound_field, options)  # type: ignore[misc]


class BaseForm(FlaskForm):
    """A form of the application: its input is cleaned (see `CleanInput`)."""

    class Meta(CleanInput):
        """WTForms joins this with Flask-WTF's Meta (CSRF) and every subclass's Meta."""


class SubForm(Form):
    """A form inside another (FormField): cleaned like every `BaseForm`."""

    class Meta(CleanInput):
        """WTForms joins this with its DefaultMeta."""


class DateField(wtforms.DateField):
    """A date as ÅÅÅÅ-MM-DD between 1990 and 2100, shown exactly as it is read back."""

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.isoformat() if isinstance(self.data, date) else ""

    def pre_validate(self, form) -> None:
        """Refuse a date outside the sane range, with the range in the message."""
        if isinstance(self.data, date) and not FIRST_DAY <= self.data <= LAST_DAY:
            raise ValidationError(
                gettext(
                    "Ange ett datum mellan %(first)s och %(last)s.",
                    first=FIRST_DAY.isoformat(),
                    last=LAST_DAY.isoformat(),
                )
            )


class SubmittedOnce:
    """Mixin for a form that creates something: a token new for each form shown.

    A second submit of the same form (a reload, a double click) carries the same token, and
    the view sends it where the first one went instead of creating the thing twice (see
    `systemfel.once`, which keeps the tokens in the database).
    """

    submission = HiddenField(default=lambda: secrets.token_urlsafe(16))


class GuardedForm(BaseForm):
    """A form whose text fields refuse personnummer and ask to confirm e-mail or phone numbers."""

    # Fields that hold staff or agency contact details, where e-mail addresses belong.
    contact_fields: tuple[str, ...] = ()

    confirm_identifying = BooleanField(
        _l("Jag har kontrollerat texten: den kan inte identifiera en klient.")
    )

    def validate(self, extra_validators=None) -> bool:
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


def _leaves(form):
    """Every field of the form, including those of sub-forms and lists (minutes have many)."""
    for field in form:
        if isinstance(field, FormField):
            yield from _leaves(field.form)
        elif isinstance(field, FieldList):
            yield from _leaves(field.entries)
        else:
            yield field


def _is_free_text(field) -> bool:
    """Text a user typed freely (not passwords, e-mail fields or hidden values)."""
    return (
        isinstance(field, StringField | TextAreaField)
        and not isinstance(field, PasswordField | EmailField)
        and field.type != "HiddenField"
    )
