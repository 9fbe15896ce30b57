"""The outbox sender the scheduler runs: claim each due message, deliver it, record how it went."""

import logging
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.notifications import delivery
from systemfel.notifications.domain import STALE_CLAIM, OutboxStatus, after_failure
from systemfel.notifications.models import OutboxMessage

logger = logging.getLogger(__name__)


def send_due_messages(now: datetime | None = None) -> int:
    """Deliver due messages; return how many were sent. Safe to run in several processes."""
    now = now or utcnow()
    config = current_app.config
    _release_stale_claims(now)
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(config["OUTBOX_BATCH"])
    ).all()
    db.session.commit()
    sent = 0
    for message_id in due:
        if _claim(message_id, now):
            sent += _attempt(message_id, now)
    return sent


def _release_stale_claims(now: datetime) -> None:
    """A sender that died mid-send leaves a claim; after a while the message is retried."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < now - STALE_CLAIM,
        )
        .values(status=OutboxStatus.PENDING, claimed_at=None)
    )
    db.session.commit()


def _claim(message_id: int, now: datetime) -> bool:
    """Take the message for this process; False when another process took it first."""
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENDING, claimed_at=now)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _attempt(message_id: int, now: datetime) -> int:
    """Deliver one claimed message and record the outcome; return 1 when it was sent."""
    message = db.session.get(OutboxMessage, message_id)
    config = current_app.config
    message.attempts += 1
    try:
        delivery.deliver(message, config, Path(current_app.instance_path) / "mail")
    except delivery.PartlyDelivered as partly:
        # Sending again would repeat it to those who got it: kept as sent, the refusal noted.
        message.last_error = str(partly)[:2000]
        logger.warning("Outbox %s partly delivered: %s", message.id, partly)
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
        permanent = isinstance(error, delivery.PermanentFailure)
        message.status, next_attempt = after_failure(
            message.attempts, now, config["OUTBOX_MAX_ATTEMPTS"], permanent
        )
        message.next_attempt_at = next_attempt or message.next_attempt_at
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        message.claimed_at = None
        logger.warning("Outbox %s attempt %s failed: %s", message.id, message.attempts, error)
        db.session.commit()
        return 0
    message.status = OutboxStatus.SENT
    message.scrub()
    message.sent_at = utcnow()
    message.claimed_at = None
    db.session.commit()
    return 1
