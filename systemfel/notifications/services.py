"""Writing e-mails to the outbox, inside the transaction of the change that causes them."""

import base64
from datetime import datetime
from typing import Any

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from systemfel.dbtypes import utcnow
from systemfel.errors import ValidationError
from systemfel.extensions import db
from systemfel.i18n import N_
from systemfel.notifications.domain import MailKind, OutboxStatus, Sender, sender_name
from systemfel.notifications.models import SECRET_REMOVED, OutboxMessage, SenderState, mask

LINK_REMOVED = N_(
    "Meddelandet kan inte skickas igen: svarslänken i det togs bort när det inte gick att "
    "leverera. Be ombudet skicka förfrågan till myndigheten på nytt från bristens sida."
)


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
    office_hours_only: bool = False,
    verksamhet: Sender | None = None,
    reply_fallback: str = "",
) -> OutboxMessage | None:
    """Add an e-mail rendered from templates/email/<template>.txt (and .html if there is one).

    Nothing is added when a message with the same key exists: callers use keys that name
    the event ("reminder:<kontakt>:<n>"), so repeating a step never writes it twice. A racing
    writer is stopped by the unique key when its transaction commits. `office_hours_only`
    mail (reminders, digests) is delivered only 08–17 on working days.

    Mail on behalf of a `verksamhet` says so in From ("PO Sjöstad via Systemfel") and has its
    mailbox as Reply-To — or `reply_fallback` (the writing ombud's address) while it has none.
    System mail (no verksamhet) has no Reply-To.
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
        office_hours_only=office_hours_only,
        sender_name=sender_name(verksamhet.namn) if verksamhet else "",
        reply_to=(verksamhet.epost or reply_fallback) if verksamhet else "",
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
    """Queue a failed message again, from the first attempt, to those who have not got it.

    Refused for a message whose answer link was removed when it failed: it would reach the
    myndighet without a way to answer. The ombud sends the request again from the brist.
    """
    if message.secret_removed:
        raise ValidationError(LINK_REMOVED)
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    message.claim_token = None
    message.lease_until = None
    message.refused = {}
    message.first_failure_at = None
    message.last_error = ""
    db.session.flush()


def resend_failed(
    *, kind: MailKind | None = None, recipient: str = "", now: datetime | None = None
) -> int:
    """Queue every failed or partly delivered message again (of one kind, or to one address).

    Messages whose answer link was removed are left as they are (see `resend`).
    """
    chosen = [m for m in _failed(kind, recipient) if not m.secret_removed]
    for message in chosen:
        resend(message=message, now=now)
    return len(chosen)


def failed_without_link(*, kind: MailKind | None = None, recipient: str = "") -> int:
    """Count the failed messages `resend_failed` leaves alone: their answer link was removed."""
    return sum(1 for message in _failed(kind, recipient) if message.secret_removed)


def _failed(kind: MailKind | None, recipient: str) -> list[OutboxMessage]:
    """The failed and partly delivered messages, of one kind or to one address if given."""
    query = select(OutboxMessage).where(
        OutboxMessage.status.in_([OutboxStatus.FAILED, OutboxStatus.PARTLY])
    )
    if kind is not None:
        query = query.where(OutboxMessage.idempotency_key.startswith(f"{kind.value}:"))
    return [
        message
        for message in db.session.scalars(query.order_by(OutboxMessage.id))
        if not recipient or recipient.casefold() in (a.casefold() for a in message.recipients)
    ]


def scrubbed(message: OutboxMessage) -> dict[str, str | None]:
    """The stored body with the secret removed, as column values (once the message is final)."""
    return {
        "body_text": mask(message.body_text, message.secret),
        "body_html": mask(message.body_html, message.secret) if message.body_html else None,
        "secret": SECRET_REMOVED if message.secret else "",
    }


def sender_state() -> SenderState:
    """The sender's one row of state (made on first use)."""
    state = db.session.get(SenderState, 1)
    if state is not None:
        return state
    try:
        with db.session.begin_nested():
            db.session.add(SenderState(id=1, pause_reason=""))
    except IntegrityError:  # made by another process at the same moment
        pass
    return db.session.get_one(SenderState, 1)


def current_state() -> SenderState | None:
    """The sender's state as it is, or None before the sender first ran (read only)."""
    return db.session.get(SenderState, 1)


def paused_sending() -> SenderState | None:
    """The sender's state when sending is paused, else None (read only: nothing is made)."""
    state = current_state()
    return state if state is not None and state.paused_since is not None else None


def note_run(now: datetime) -> bool:
    """Record that the sender runs (readiness checks read it); return whether it is paused."""
    state = sender_state()
    state.last_run_at = now
    paused = state.paused_since is not None
    db.session.commit()
    return paused


def pause_sending(reason: str, now: datetime) -> None:
    """Our SMTP settings fail: nothing leaves until a run gets through again."""
    state = sender_state()
    state.paused_since = state.paused_since or now
    state.pause_reason = reason[:2000]


def resume_sending() -> None:
    """A message went through: the pause is over."""
    state = sender_state()
    state.paused_since = None
    state.pause_reason = ""
