"""The outbox page for admins: what was sent, what failed, re-sending; the demo's mails."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import case, select

from systemfel.access import requires
from systemfel.extensions import db
from systemfel.notifications import services
from systemfel.notifications.domain import OutboxStatus
from systemfel.notifications.models import OutboxMessage

blueprint = Blueprint("notifications", __name__, url_prefix="/admin/utskick")

PAGE_SIZE = 50


@blueprint.route("/")
@requires("is_system_wide")
def index():  # noqa: ANN201
    """Messages, failed ones first, newest first."""
    status = request.args.get("status", "")
    query = select(OutboxMessage)
    if status in {s.value for s in OutboxStatus}:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    failed_first = case((OutboxMessage.status == OutboxStatus.FAILED, 0), else_=1)
    messages = db.session.scalars(
        query.order_by(failed_first, OutboxMessage.id.desc()).limit(PAGE_SIZE)
    ).all()
    return render_template(
        "notifications/index.html", messages=messages, status=status, statuses=list(OutboxStatus)
    )


@blueprint.route("/<int:message_id>")
@requires("is_system_wide")
def show(message_id: int):  # noqa: ANN201
    """One message as it was (or will be) sent."""
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("notifications/show.html", message=message)


@blueprint.route("/<int:message_id>/skicka-igen", methods=["POST"])
@requires("is_system_wide")
def resend(message_id: int):  # noqa: ANN201
    """Queue a failed message again."""
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    services.resend(message=message)
    db.session.commit()
    flash(gettext("Meddelandet skickas igen vid nästa körning."), "success")
    return redirect(url_for("notifications.show", message_id=message.id))
