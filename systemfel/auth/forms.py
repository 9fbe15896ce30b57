"""Forms for signing in and changing one's password."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from systemfel.forms import BaseForm


class LoginForm(BaseForm):
    """E-mail address and password."""

    email = EmailField(
        _l("E-postadress"), validators=[DataRequired(_l("Fyll i din e-postadress."))]
    )
    password = PasswordField(_l("Lösenord"), validators=[DataRequired(_l("Fyll i ditt lösenord."))])
    next = HiddenField()


class PasswordForm(BaseForm):
    """The current password and a new one, twice."""

    current = PasswordField(
        _l("Nuvarande lösenord"), validators=[DataRequired(_l("Fyll i ditt nuvarande lösenord."))]
    )
    password = PasswordField(
        _l("Nytt lösenord"),
        description=_l("Minst 10 tecken, med både bokstäver och siffror eller andra tecken."),
        validators=[DataRequired(_l("Fyll i ett nytt lösenord.")), Length(max=200)],
    )
    confirm = PasswordField(
        _l("Upprepa det nya lösenordet"),
        validators=[EqualTo("password", _l("Lösenorden är inte likadana."))],
    )
