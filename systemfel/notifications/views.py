"""The outbox page for admins: what was sent, what failed, re-sending; the demo's mails."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import case, select

from systemfel.access import requires_everything
from systemfel.extensions import db
from systemfel.notifications import services
from systemfel.notifications.domain import MailKind, OutboxStatus
from systemfel.notifications.forms import ResendFailedForm
from systemfel.notifications.models import OutboxMessage

blueprint = Blueprint("notifications", __name__, url_prefix="/admin/utskick")

PAGE_SIZE = 50


@blueprint.route("/")
@requires_everything
def index(form: ResendFailedForm | None = None):
    """Messages, failed ones first, newest first; the sender's state; sending again in bulk."""
    status = request.args.get("status", "")
    query = select(OutboxMessage)
    if status in {s.value for s in OutboxStatus}:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    failed_first = case(
        (OutboxMessage.status.in_([OutboxStatus.FAILED, OutboxStatus.PARTLY]), 0), else_=1
    )
    messages = db.session.scalars(
        query.order_by(failed_first, OutboxMessage.id.desc()).limit(PAGE_SIZE)
    ).all()
    return render_template(
        "notifications/index.html",
        messages=messages,
        status=status,
        statuses=list(OutboxStatus),
        form=form or ResendFailedForm(),
        sender=services.current_state(),
    )


@blueprint.route("/skicka-om", methods=["POST"])
@requires_everything
def resend_failed():
    """Queue failed and partly delivered messages again: all, of one kind, or to one address."""
    form = ResendFailedForm()
    if not form.validate():
        return index(form), 422
    kind = MailKind(form.kind.data) if form.kind.data else None
    recipient = (form.recipient.data or "").strip()
    queued = services.resend_failed(kind=kind, recipient=recipient)
    skipped = services.failed_without_link(kind=kind, recipient=recipient)
    db.session.commit()
    flash(
        ngettext("%(num)s meddelande skickas igen.", "%(num)s meddelanden skickas igen.", queued),
        "success",
    )
    if skipped:
        flash(
            ngettext(
                "%(num)s meddelande skickades inte igen: svarslänken i det togs bort när det "
                "inte gick att leverera. Be ombudet skicka förfrågan på nytt från bristens sida.",
                "%(num)s meddelanden skickades inte igen: svarslänkarna i dem togs bort när de "
                "inte gick att leverera. Be ombuden skicka förfrågningarna på nytt från "
                "bristernas sidor.",
                skipped,
            ),
            "info",
        )
    return redirect(url_for("notifications.index"))


@blueprint.route("/<int:message_id>")
@requires_everything
def show(message_id: int):
    """One message as it was (or will be) sent."""
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("notifications/show.html", message=message)


@blueprint.route("/<int:message_id>/skicka-igen", methods=["POST"])
@requires_everything
def resend(message_id: int):
    """Queue a failed or partly delivered message again, to those who have not got it."""
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    if not message.status.can_resend:  # sent or on its way meanwhile (another tab, a bulk retry)
        flash(gettext("Meddelandet väntar redan på att skickas eller har skickats."), "info")
        return redirect(url_for("notifications.show", message_id=message.id))
    if message.secret_removed:
        flash(gettext(services.LINK_REMOVED), "error")
        return redirect(url_for("notifications.show", message_id=message.id))
    services.resend(message=message)
    db.session.commit()
    flash(gettext("Meddelandet skickas igen vid nästa körning."), "success")
    return redirect(url_for("notifications.show", message_id=message.id))
