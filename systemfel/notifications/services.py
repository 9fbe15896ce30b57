"""Writing e-mails to the outbox, inside the transaction of the change that causes them."""

import base64
from datetime import datetime
from typing import Any

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from sqlalchemy import select

from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.notifications.domain import OutboxStatus
from systemfel.notifications.models import OutboxMessage


def enqueue(
    *,
    key: str,
    to: list[str],
    subject: str,
    template: str,
    context: dict[str, Any],
    now: datetime | None = None,
    secret: str = "",
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> OutboxMessage | None:
    """Add an e-mail rendered from templates/email/<template>.txt (and .html if there is one).

    Nothing is added when a message with the same key exists: callers use keys that name
    the event ("reminder:<kontakt>:<n>"), so repeating a step never sends twice. A racing
    writer is stopped by the unique key when its transaction commits.
    """
    if not to:
        return None
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
        return None
    context = {"base_url": current_app.config["BASE_URL"].rstrip("/"), **context}
    message = OutboxMessage(
        idempotency_key=key,
        to_addresses="\n".join(to),
        subject=subject,
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=_render_optional(f"email/{template}.html", context),
        created_at=now or utcnow(),
        next_attempt_at=now or utcnow(),
        secret=secret,
        attachments=[
            [filename, content_type, base64.b64encode(data).decode("ascii")]
            for filename, content_type, data in attachments or []
        ],
    )
    db.session.add(message)
    db.session.flush()
    return message


def _render_optional(name: str, context: dict[str, Any]) -> str | None:
    try:
        return render_template(name, **context)
    except TemplateNotFound:
        return None


def resend(*, message: OutboxMessage, now: datetime | None = None) -> None:
    """Queue a failed message again, from the first attempt."""
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    message.claimed_at = None
    message.last_error = ""
    db.session.flush()
