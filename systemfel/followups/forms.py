"""Forms for follow-ups, contacts with myndigheter and a myndighet's answer."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from systemfel.brister.domain import Utfall
from systemfel.brister.forms import optional_int
from systemfel.followups.domain import OFFERED_SVAR, Kanal
from systemfel.forms import DateField, GuardedForm, SubmittedOnce

DATE_MESSAGE = _l("Ange ett datum som ÅÅÅÅ-MM-DD.")


class BevakningForm(GuardedForm):
    """What a follow-up found, and the next date (or closing the brist)."""

    finding = TextAreaField(
        _l("Vad visade bevakningen?"),
        description=_l("Har myndigheten svarat? Hålls löftet? Förekommer bristen fortfarande?"),
        validators=[DataRequired(_l("Skriv vad bevakningen visade.")), Length(max=4000)],
    )
    next_on = DateField(
        _l("Nästa bevakning"),
        validators=[Optional()],
        description=_l("Förslaget utgår från bristens nivå."),
    )
    close = BooleanField(_l("Stäng bristen i stället för att bevaka vidare"))
    utfall = SelectField(
        _l("Utfall vid stängning"),
        choices=[("", _l("Välj utfall"))]
        + [(u.value, _l(u.label)) for u in Utfall if u != Utfall.SAMMANSLAGEN],
        validators=[Optional()],
    )


class MoveForm(GuardedForm):
    """Another date for the open follow-up."""

    due_on = DateField(_l("Nytt datum"), validators=[InputRequired(DATE_MESSAGE)])
    reason = StringField(_l("Varför?"), validators=[Optional(), Length(max=500)])


class KontaktForm(SubmittedOnce, GuardedForm):
    """A brist raised with a myndighet, optionally sent by e-mail with a link to answer."""

    myndighet_id = SelectField(
        _l("Myndighet"), coerce=optional_int, validators=[InputRequired(_l("Gör ett val."))]
    )
    contacted_on = DateField(_l("Datum"), validators=[InputRequired(DATE_MESSAGE)])
    kanal = RadioField(
        _l("Kanal"),
        choices=[(k.value, _l(k.label)) for k in Kanal],
        validators=[InputRequired(_l("Gör ett val."))],
    )
    summary = TextAreaField(
        _l("Vad lyftes?"),
        description=_l("Skickas till myndigheten om du väljer e-post. Inga uppgifter om enskilda."),
        validators=[DataRequired(_l("Beskriv vad som lyftes.")), Length(max=6000)],
    )
    send_email = BooleanField(
        _l("Skicka från systemet till myndighetens funktionsbrevlåda, med en länk för svar")
    )
    answer_due_on = DateField(
        _l("Svar önskas senast"),
        validators=[Optional()],
        description=_l("Lämna tomt för 20 arbetsdagar."),
    )


class SvarForm(GuardedForm):
    """A myndighet's answer through the link it was sent."""

    typ = RadioField(
        _l("Ert svar"),
        choices=[(t.value, _l(t.label)) for t in OFFERED_SVAR],
        validators=[InputRequired(_l("Gör ett val."))],
    )
    promised_on = DateField(
        _l("Åtgärden är klar senast"),
        validators=[Optional()],
        description=_l("Om ni utlovar en åtgärd."),
    )
    responsible_body = StringField(
        _l("Vem ansvarar i stället?"),
        description=_l("Om frågan inte är ert ansvar."),
        validators=[Optional(), Length(max=200)],
    )
    text = TextAreaField(
        _l("Kommentar"),
        description=_l("Begär ni komplettering: skriv vilken information ni behöver."),
        validators=[Optional(), Length(max=6000)],
    )
    diarienummer = StringField(_l("Ert diarienummer"), validators=[Optional(), Length(max=100)])


class MottagetForm(GuardedForm):
    """A myndighet confirms receipt without answering yet (shown with the prefix "mottaget")."""

    contact_fields = ("handlaggare",)

    handlaggare = StringField(
        _l("Handläggare eller enhet"),
        description=_l("Frivilligt. Vem hos er som handlägger frågan."),
        validators=[Optional(), Length(max=200)],
    )
    # Not "Ert diarienummer" as in the answer form: each label on the page names one field.
    diarienummer = StringField(_l("Diarienummer hos er"), validators=[Optional(), Length(max=100)])
