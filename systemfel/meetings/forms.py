"""Forms for ledningsgrupper, meetings, the draft agenda and the minutes."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from systemfel.brister.domain import Niva
from systemfel.brister.forms import CHOOSE, REQUIRED, CheckboxListField, optional_int
from systemfel.forms import BaseForm, DateField, GuardedForm, SubForm, VersionedForm
from systemfel.meetings.domain import DECISION_OUTCOMES, BeslutTyp, GruppTyp, OrganTyp, Sektion

DATE_MESSAGE = _l("Ange ett datum som ÅÅÅÅ-MM-DD.")
TIME_MESSAGE = _l("Ange en tid som TT:MM.")


class GroupForm(GuardedForm):
    """A ledningsgrupp: name, kind, the verksamheter it covers, standing items."""

    namn = StringField(
        _l("Namn"),
        validators=[DataRequired(REQUIRED), Length(max=200, message=_l("Högst 200 tecken."))],
    )
    typ = RadioField(
        _l("Typ av grupp"),
        choices=[(typ.value, _l(typ.label)) for typ in GruppTyp],
        validators=[InputRequired(CHOOSE)],
    )
    verksamhet_ids = CheckboxListField(
        _l("Verksamheter som gruppen följer"), coerce=int, validators=[InputRequired(CHOOSE)]
    )
    staende_punkter = TextAreaField(
        _l("Stående punkter på dagordningen"),
        description=_l("En punkt per rad, till exempel Ledningsgruppens sammansättning."),
        validators=[Optional(), Length(max=4000)],
    )
    version = HiddenField()


class MemberForm(GuardedForm):
    """A member of the group and the organisation they represent."""

    namn = StringField(_l("Namn"), validators=[DataRequired(REQUIRED), Length(max=200)])
    organisation = StringField(
        _l("Organisation"),
        description=_l("Till exempel kommunen, psykiatrin, Försäkringskassan eller RSMH."),
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )
    epost = EmailField(
        _l("E-post"),
        description=_l("Dagordningen skickas hit."),
        validators=[Optional(), Email(_l("Ange en giltig e-postadress.")), Length(max=254)],
    )
    user_id = SelectField(_l("Inloggning"), coerce=optional_int, validators=[Optional()])


class MoteForm(GuardedForm):
    """When and where the group meets, and who approves the minutes."""

    datum = DateField(_l("Datum"), validators=[InputRequired(DATE_MESSAGE)])
    starttid = TimeField(_l("Starttid"), validators=[InputRequired(TIME_MESSAGE)])
    sluttid = TimeField(_l("Sluttid"), validators=[Optional()])
    plats = StringField(
        _l("Plats eller länk"),
        validators=[DataRequired(REQUIRED), Length(max=500, message=_l("Högst 500 tecken."))],
    )
    justerare_id = SelectField(_l("Justerare"), coerce=optional_int, validators=[Optional()])
    ordforande_id = SelectField(_l("Ordförande"), coerce=optional_int, validators=[Optional()])
    sekreterare_id = SelectField(_l("Sekreterare"), coerce=optional_int, validators=[Optional()])
    version = HiddenField()


class VersionForm(BaseForm):
    """A button that changes a meeting: carries the version the user saw."""

    version = HiddenField()


class AddPunktForm(GuardedForm):
    """An item added by hand: free text, or a brist by its number."""

    rubrik = StringField(_l("Rubrik"), validators=[Optional(), Length(max=500)])
    brist = StringField(
        _l("Eller en brist"),
        description=_l("Bristens nummer, till exempel SF-2026-0007."),
        validators=[Optional(), Length(max=20)],
    )
    sektion = SelectField(
        _l("Del av dagordningen"),
        choices=[
            (s.value, _l(s.label))
            for s in (Sektion.NYA, Sektion.UPPFOLJNING, Sektion.FORSLAG, Sektion.STAENDE)
        ]
        + [(Sektion.AVSLUTNING.value, _l("Övriga frågor"))],
        default=Sektion.STAENDE.value,
    )
    version = HiddenField()


class PunktProtokollForm(SubForm):
    """What the minutes say of one item; a brist item also gets a decision."""

    punkt_id = HiddenField()
    anteckning = TextAreaField(_l("Anteckningar"), validators=[Optional(), Length(max=10000)])
    is_deferred = BooleanField(_l("Inte behandlad – förs över till nästa möte"))
    beslut_typ = RadioField(
        _l("Beslut"),
        choices=[(b.value, _l(b.label)) for b in BeslutTyp],
        validators=[Optional()],
    )
    beslut_text = TextAreaField(
        _l("Beslutet i ord / åtgärd"), validators=[Optional(), Length(max=4000)]
    )
    beslut_ansvarig = StringField(
        _l("Ansvarig organisation"), validators=[Optional(), Length(max=200)]
    )
    beslut_senast_on = DateField(
        _l("Åtgärdas senast"), validators=[Optional()], render_kw={"inputmode": "numeric"}
    )
    beslut_bevaka_on = DateField(
        _l("Bevakas till"), validators=[Optional()], render_kw={"inputmode": "numeric"}
    )
    beslut_till_niva = SelectField(
        _l("Eskaleras till"),
        choices=[("", _l("Välj nivå"))] + [(n.value, _l(n.label)) for n in Niva],
        validators=[Optional()],
    )
    beslut_utfall = SelectField(
        _l("Utfall"),
        choices=[("", _l("Välj utfall"))] + [(u.value, _l(u.label)) for u in DECISION_OUTCOMES],
        validators=[Optional()],
    )
    beslut_organ_typ = SelectField(
        _l("Lyfts till (slags organ)"),
        choices=[("", _l("Välj slags organ"))] + [(o.value, _l(o.label)) for o in OrganTyp],
        validators=[Optional()],
    )
    beslut_organ_namn = StringField(
        _l("Organets namn"),
        description=_l("Till exempel Samordningsförbundet Östra Södertörn."),
        validators=[Optional(), Length(max=200, message=_l("Högst 200 tecken."))],
    )


class ProtokollForm(VersionedForm):
    """The minutes of a meeting: one entry per agenda item."""

    narvarande = CheckboxListField(_l("Närvarande"), coerce=int, validators=[Optional()])
    punkter = FieldList(FormField(PunktProtokollForm))


class OrganSvarForm(GuardedForm):
    """The answer from the strategic body a brist was lifted to, as an ombud records it."""

    svar_on = DateField(
        _l("Svaret kom"),
        validators=[InputRequired(DATE_MESSAGE)],
        render_kw={"inputmode": "numeric"},
    )
    text = TextAreaField(
        _l("Vad organet svarade"),
        validators=[DataRequired(REQUIRED), Length(max=4000, message=_l("Högst 4000 tecken."))],
    )
