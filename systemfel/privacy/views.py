"""The admin page for stored text that fails the privacy guard: list it, masked, and redact it."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField
from wtforms.validators import DataRequired

from systemfel.access import requires_everything
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.forms import BaseForm
from systemfel.privacy import stored

blueprint = Blueprint("privacy", __name__, url_prefix="/admin/integritet")

# A page must answer in seconds; the command `systemfel privacy scan` reads everything.
SCAN_SECONDS = 5


class RedactForm(BaseForm):
    """Confirm removing every number listed."""

    confirm = BooleanField(
        _l("Jag vill ta bort numren ur texterna ovan. Det går inte att ångra."),
        validators=[DataRequired(message=_l("Bekräfta att numren ska tas bort."))],
    )


@blueprint.route("/")
@requires_everything
def index(form: RedactForm | None = None):
    """Every stored field that holds a personnummer, masked, and the form to remove them."""
    found = stored.scan(seconds=SCAN_SECONDS)
    return render_template("privacy/index.html", scan=found, form=form or RedactForm())


@blueprint.route("/ta-bort", methods=["POST"])
@requires_everything
def redact():
    """Replace every number found by "[borttaget]", with a record of who and when."""
    form = RedactForm()
    if not form.validate():
        return index(form), 422
    found = stored.scan(seconds=SCAN_SECONDS)
    changed = stored.redact(found.findings, user_id=current_user.id, now=utcnow())
    db.session.commit()
    flash(
        ngettext("Numret togs bort ur %(num)s fält.", "Numren togs bort ur %(num)s fält.", changed),
        "success",
    )
    if not found.complete:
        flash(gettext("Alla tabeller hann inte läsas: sök igen för att se resten."), "info")
    return redirect(url_for("privacy.index"))
