"""Forms for verksamheter, myndigheter, områden and user accounts."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional
from wtforms.validators import ValidationError as FieldError

from systemfel.brister.forms import CheckboxListField
from systemfel.forms import GuardedForm
from systemfel.verksamheter.domain import (
    MyndighetTyp,
    Sammandrag,
    invalid_addresses,
    parse_emails,
)

REQUIRED = _l("Fyll i fältet.")


class VerksamhetForm(GuardedForm):
    """A PO service and the kommuner it covers."""

    namn = StringField(_l("Namn"), validators=[DataRequired(REQUIRED), Length(max=200)])
    kommuner = TextAreaField(
        _l("Kommuner"),
        description=_l("En kommun per rad."),
        validators=[DataRequired(_l("Ange minst en kommun.")), Length(max=4000)],
    )
    has_routines = BooleanField(
        _l("Det finns rutiner för att hantera uppmärksammade brister"),
        description=_l("Anges i redovisningen till länsstyrelsen (ja/nej)."),
    )
    routines_description = StringField(
        _l("Rutinen i en mening"),
        description=_l("Valfritt. Står bredvid svaret i redovisningen (6 a)."),
        validators=[Optional(), Length(max=300)],
    )
    epost = EmailField(
        _l("Verksamhetens e-postadress"),
        description=_l(
            "Svar på verksamhetens e-post och på kallelser till ledningsgruppen går hit. "
            "Använd en gemensam funktionsbrevlåda, inte en persons."
        ),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            Optional(),
            Length(max=254, message=_l("Adressen får vara högst 254 tecken.")),
            Email(_l("Ange en e-postadress, till exempel po@kommun.se.")),
        ],
    )


class MyndighetForm(GuardedForm):
    """A body brister concern, with its functional e-mail addresses."""

    contact_fields = ("epost",)

    namn = StringField(_l("Namn"), validators=[DataRequired(REQUIRED), Length(max=200)])
    typ = SelectField(
        _l("Typ"),
        choices=[(typ.value, _l(typ.label)) for typ in MyndighetTyp],
        validators=[InputRequired(_l("Gör ett val."))],
    )
    epost = TextAreaField(
        _l("Funktionsbrevlådor (e-post)"),
        description=_l("En adress per rad. Använd myndighetens funktionsadress, inte en persons."),
        validators=[Optional(), Length(max=2000)],
    )
    sammandrag = SelectField(
        _l("Samlat brev med alla frågor som väntar på svar"),
        choices=[(choice.value, _l(choice.label)) for choice in Sammandrag],
        default=Sammandrag.VECKOVIS.value,
        description=_l(
            "Myndigheten får ett brev i början av varje period (första arbetsdagen) med alla "
            "frågor som väntar på svar, var och en med sitt svarsdatum och sin svarslänk. "
            "Brevet ersätter påminnelserna om varje fråga. Själva förfrågan skickas alltid "
            "för sig. Välj Av för att i stället skicka en påminnelse per fråga."
        ),
        validators=[InputRequired(_l("Gör ett val."))],
    )
    is_active = BooleanField(_l("Aktiv (kan väljas för nya brister)"), default=True)

    def validate_epost(self, field) -> None:
        """Every line must look like an e-mail address."""
        bad = invalid_addresses(parse_emails(field.data or ""))
        if bad:
            raise FieldError(_l("Ogiltig e-postadress: %(address)s", address=", ".join(bad)))


class OmradeForm(GuardedForm):
    """A subject area."""

    namn = StringField(_l("Namn"), validators=[DataRequired(REQUIRED), Length(max=100)])
    is_active = BooleanField(_l("Aktivt (kan väljas för nya brister)"), default=True)


class UserForm(GuardedForm):
    """A staff account."""

    contact_fields = ("email",)

    email = EmailField(
        _l("E-postadress"),
        validators=[
            DataRequired(REQUIRED),
            Email(_l("Ange en giltig e-postadress.")),
            Length(max=254),
        ],
    )
    namn = StringField(_l("Namn"), validators=[DataRequired(REQUIRED), Length(max=200)])
    role = SelectField(_l("Roll"), validators=[InputRequired(_l("Gör ett val."))])
    verksamheter = CheckboxListField(_l("Verksamheter"), coerce=int)
    is_active = BooleanField(_l("Aktivt konto"), default=True)
