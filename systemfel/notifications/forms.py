"""The outbox page's one form: send failed messages again, all or some."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField
from wtforms.validators import Email, Length, Optional

from systemfel.forms import BaseForm
from systemfel.notifications.domain import MailKind


class ResendFailedForm(BaseForm):
    """Which failed or partly delivered messages to queue again."""

    kind = SelectField(
        _l("Slag"),
        choices=[("", _l("Alla slag"))] + [(kind.value, _l(kind.label)) for kind in MailKind],
        validators=[Optional()],
    )
    recipient = EmailField(
        _l("Mottagare"),
        description=_l("Lämna tomt för alla mottagare."),
        validators=[Optional(), Length(max=320), Email(message=_l("Ange en e-postadress."))],
    )
