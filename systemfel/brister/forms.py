"""Forms for registering, editing and working a brist, and the list's filters."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from systemfel.brister.domain import Niva, Status, Utfall
from systemfel.forms import (
    BaseForm,
    DateField,
    GuardedForm,
    OptionsSelectField,
    SubmittedOnce,
    VersionedForm,
    wtforms_messages,
)

REQUIRED = _l("Fyll i fältet.")
CHOOSE = _l("Gör ett val.")


def optional_int(value: object) -> int | None:
    """Coerce a select's value to int, with the empty choice as None."""
    if value in ("", None):
        return None
    return int(value)  # type: ignore[call-overload]


class CheckboxListField(SelectMultipleField):
    """Several choices as checkboxes, which work without JavaScript."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class BristForm(VersionedForm):
    """Everything that describes a brist. Counts only: never who."""

    titel = StringField(
        _l("Rubrik"),
        description=_l("En kort mening om bristen, utan uppgifter om enskilda klienter."),
        validators=[DataRequired(REQUIRED), Length(max=200, message=_l("Högst 200 tecken."))],
    )
    beskrivning = TextAreaField(
        _l("Beskrivning"),
        description=_l("Vad är bristen och hur visar den sig? Beskriv mönstret, inte personer."),
        validators=[DataRequired(REQUIRED), Length(max=10000)],
    )
    niva = RadioField(
        _l("Nivå"),
        choices=[(niva.value, _l(niva.label)) for niva in Niva],
        validators=[InputRequired(CHOOSE)],
    )
    myndighet_id = SelectField(
        _l("Myndighet som berörs"), coerce=optional_int, validators=[InputRequired(CHOOSE)]
    )
    other_myndighet_ids = CheckboxListField(_l("Andra myndigheter som berörs"), coerce=int)
    omrade_id = SelectField(_l("Område"), coerce=optional_int, validators=[InputRequired(CHOOSE)])
    first_observed_on = DateField(
        _l("Först observerad"),
        description=_l("Datum som ÅÅÅÅ-MM-DD."),
        validators=[InputRequired(_l("Ange ett datum som ÅÅÅÅ-MM-DD."))],
    )
    antal_klienter = IntegerField(
        _l("Antal klienter som berörts"),
        description=_l("Ett antal, aldrig vilka."),
        validators=[
            InputRequired(_l("Ange ett antal.")),
            NumberRange(min=0, max=100000, message=_l("Ange ett antal mellan 0 och 100 000.")),
        ],
    )
    konsekvenser = TextAreaField(
        _l("Konsekvenser för målgruppen"), validators=[Optional(), Length(max=10000)]
    )
    forslag_atgard = TextAreaField(
        _l("Förslag till åtgärd"), validators=[Optional(), Length(max=10000)]
    )
    ansvarig_id = SelectField(
        _l("Ansvarigt ombud"), coerce=optional_int, validators=[InputRequired(CHOOSE)]
    )


class NewBristForm(SubmittedOnce, BristForm):
    """A brist being registered: a second submit of the same form registers nothing more."""


class ObservationForm(SubmittedOnce, GuardedForm):
    """The flaw seen again."""

    observed_on = DateField(
        _l("Datum"), validators=[InputRequired(_l("Ange ett datum som ÅÅÅÅ-MM-DD."))]
    )
    antal_klienter = IntegerField(
        _l("Antal klienter"),
        validators=[
            InputRequired(_l("Ange ett antal.")),
            NumberRange(min=1, max=100000, message=_l("Ange ett antal mellan 1 och 100 000.")),
        ],
    )
    anteckning = TextAreaField(_l("Kort anteckning"), validators=[Optional(), Length(max=2000)])


class EscalateForm(GuardedForm):
    """Escalate to a higher level, with a reason."""

    niva = RadioField(_l("Till nivå"), validators=[InputRequired(CHOOSE)])
    reason = TextAreaField(
        _l("Varför eskaleras bristen?"), validators=[DataRequired(REQUIRED), Length(max=4000)]
    )
    version = HiddenField()


class StatusForm(GuardedForm):
    """Move an open brist to another status."""

    status = RadioField(_l("Ny status"), validators=[InputRequired(CHOOSE)])
    comment = TextAreaField(_l("Kommentar"), validators=[Optional(), Length(max=4000)])
    version = HiddenField()


class CloseForm(GuardedForm):
    """Close a brist with an outcome."""

    utfall = RadioField(
        _l("Utfall"),
        choices=[(utfall.value, _l(utfall.label)) for utfall in Utfall],
        validators=[InputRequired(CHOOSE)],
    )
    merged_into = StringField(
        _l("Sammanslagen med (nummer)"),
        description=_l("Bara vid sammanslagning, till exempel SF-2026-0007."),
        validators=[Optional(), Length(max=20)],
    )
    comment = TextAreaField(_l("Kommentar"), validators=[Optional(), Length(max=4000)])
    version = HiddenField()


class ReopenForm(GuardedForm):
    """Open a closed brist again."""

    reason = TextAreaField(
        _l("Varför öppnas bristen igen?"), validators=[DataRequired(REQUIRED), Length(max=4000)]
    )
    version = HiddenField()


class FilterForm(BaseForm):
    """The list's filters, read from the query string."""

    class Meta:
        csrf = False

        def get_translations(self, form):
            """WTForms' messages, read once per language (see wtforms_messages)."""
            return wtforms_messages()

    q = StringField(_l("Fritext"), validators=[Optional(), Length(max=200)])
    status = OptionsSelectField(_l("Status"), validators=[Optional()])
    niva = OptionsSelectField(_l("Nivå"), validators=[Optional()])
    myndighet = OptionsSelectField(_l("Myndighet"), coerce=optional_int, validators=[Optional()])
    omrade = OptionsSelectField(_l("Område"), coerce=optional_int, validators=[Optional()])
    ansvarig = OptionsSelectField(_l("Ansvarig"), coerce=optional_int, validators=[Optional()])
    verksamhet = OptionsSelectField(_l("Verksamhet"), coerce=optional_int, validators=[Optional()])
    year = IntegerField(_l("Registreringsår"), validators=[Optional(), NumberRange(2000, 2100)])
    sort = OptionsSelectField(_l("Sortera"), validators=[Optional()])


STATUS_FILTER_OPEN = "oppna"
STATUS_CHOICES = [("", _l("Alla")), (STATUS_FILTER_OPEN, _l("Alla öppna"))] + [
    (status.value, _l(status.label)) for status in Status
]
