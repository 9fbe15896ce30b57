"""Pages for a brist lifted to a strategic body: recording the body's answer."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from systemfel.access import current_scope, requires
from systemfel.brister.queries import brist_or_404
from systemfel.clock import local_today
from systemfel.extensions import db
from systemfel.formtools import run_on_form, status_for
from systemfel.meetings import services
from systemfel.meetings.forms import OrganSvarForm
from systemfel.meetings.models import Lyft
from systemfel.meetings.views.common import blueprint
from systemfel.verksamheter.domain import Operation


@blueprint.route("/brister/<int:brist_id>/lyft/<int:lyft_id>/svar", methods=["GET", "POST"])
@requires(Operation.WORK_BRISTER)
def organ_svar(brist_id: int, lyft_id: int):
    """An ombud records what the body the brist was lifted to answered."""
    brist = brist_or_404(brist_id, current_scope())
    lyft = db.session.get(Lyft, lyft_id)
    if lyft is None or lyft.brist_id != brist.id:
        abort(404)
    if lyft.svar_on is not None:
        flash(gettext("Organets svar är redan registrerat."), "info")
        return redirect(url_for("brister.detail", brist_id=brist.id))
    form = OrganSvarForm()
    if not form.is_submitted():
        form.svar_on.data = local_today()
    if form.validate_on_submit():
        outcome = run_on_form(
            form,
            lambda: services.record_organ_svar(
                lyft=lyft,
                svar_on=form.svar_on.data,
                text=form.text.data or "",
                user=current_user,
                scope=current_scope(),
            ),
        )
        if outcome.ok:
            flash(gettext("Svaret från %(organ)s är sparat.", organ=lyft.organ_namn), "success")
            return redirect(url_for("brister.detail", brist_id=brist.id))
    return render_template(
        "meetings/organ_svar.html", brist=brist, lyft=lyft, form=form
    ), status_for(form)
