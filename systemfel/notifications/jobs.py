"""The outbox sender the scheduler runs: claim each due message, deliver it, record how it went.

Each run is one sender with a token of its own. It claims one message at a time with a lease
(`lease_until`) that a heartbeat renews while the message is being delivered; it checks that
it still holds the message just before DATA, and records the outcome only where it still
holds the claim. A sender that dies leaves its claim to run out; the message is then sent
again with the same Message-ID. SMTP cannot confirm a message exactly once (a connection
lost after DATA leaves it unknown whether the server took it), so delivery is at least once,
with a stable Message-ID by which receiving systems can tell a repeat.
"""

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import Update, select, update

from systemfel.dbtypes import rows_changed, utcnow
from systemfel.extensions import db
from systemfel.notifications import delivery, services
from systemfel.notifications.domain import (
    OutboxStatus,
    Outcome,
    RetryPolicy,
    settle,
    still_to_send,
)
from systemfel.notifications.models import OutboxMessage
from systemfel.workdays import STOCKHOLM, calendar_around, next_office_opening, office_hours_now

logger = logging.getLogger(__name__)


@dataclass
class Sender:
    """One run of the sender: its token, its clock and what it has been told."""

    token: str
    clock: Callable[[], datetime]  # real time, or the fixed instant a caller gave
    lease: timedelta
    stop: threading.Event
    paused: bool = False


def send_due_messages(now: datetime | None = None, stop: threading.Event | None = None) -> int:
    """Deliver every due message, batch after batch; return how many were fully delivered.

    Stops between two messages when `stop` is set, and when sending is paused by a fault in
    the SMTP settings. Safe to run in several processes at once.
    """
    config = current_app.config
    sender = Sender(
        token=secrets.token_hex(8),
        clock=(lambda: now) if now else utcnow,
        lease=timedelta(seconds=config["OUTBOX_LEASE_SECONDS"]),
        stop=stop or threading.Event(),
    )
    sender.paused = services.note_run(sender.clock())
    _release_expired_leases(sender.clock())
    sent = 0
    while not sender.stop.is_set():
        due = _due_batch(sender.clock(), config["OUTBOX_BATCH"])
        if not due:
            break
        for message_id in due:
            if sender.stop.is_set():
                break
            if not _claim(sender, message_id):
                continue
            try:
                sent += _attempt(sender, message_id)
            except delivery.ConfigurationFailure as error:
                _pause(sender, message_id, str(error))
                return sent
    return sent


def _due_batch(now: datetime, size: int) -> list[int]:
    """The next due messages; outside office hours, those that wait for them are moved on."""
    query = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now
    )
    if not office_hours_now(now):
        _hold_until_office_hours(now)
        query = query.where(OutboxMessage.office_hours_only.is_(False))
    due = db.session.scalars(query.order_by(OutboxMessage.id).limit(size)).all()
    db.session.commit()
    return list(due)


def _hold_until_office_hours(now: datetime) -> None:
    """Reminders and digests due outside office hours wait for the next working day's 08:00."""
    local = now.astimezone(STOCKHOLM)
    opening = next_office_opening(local, calendar_around(local.year))
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.office_hours_only.is_(True),
            OutboxMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=opening)
    )


def _release_expired_leases(now: datetime) -> None:
    """A sender that died mid-send leaves its claim; once the lease has run out, it is free."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now)
        .values(status=OutboxStatus.PENDING, claim_token=None, lease_until=None)
    )
    db.session.commit()


def _claim(sender: Sender, message_id: int) -> bool:
    """Take the message for this sender; False when another sender took it first."""
    claimed = rows_changed(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(
            status=OutboxStatus.SENDING,
            claim_token=sender.token,
            lease_until=sender.clock() + sender.lease,
        )
    )
    db.session.commit()
    return claimed == 1


def _mine(sender: Sender, message_id: int) -> Update:
    """An UPDATE of the message that touches it only while this sender holds it."""
    return update(OutboxMessage).where(
        OutboxMessage.id == message_id,
        OutboxMessage.status == OutboxStatus.SENDING,
        OutboxMessage.claim_token == sender.token,
    )


def _attempt(sender: Sender, message_id: int) -> int:
    """Deliver one claimed message and record the outcome; return 1 when it is fully sent."""
    message = db.session.get_one(OutboxMessage, message_id)
    db.session.expunge(message)  # read once; no transaction stays open while SMTP works
    db.session.rollback()
    config = current_app.config
    recipients = still_to_send(message.recipients, message.delivered, message.refused or {})
    if not recipients:  # every address settled already
        return _record(sender, message, Outcome())
    with Heartbeat(sender, message_id) as heartbeat:
        try:
            outcome = delivery.deliver(
                message,
                recipients,
                config,
                Path(current_app.instance_path) / "mail",
                sender.clock(),
                before_data=heartbeat.check,
            )
        except delivery.LostClaim:
            logger.warning("Outbox %s: another sender took it over; not sent here", message_id)
            return 0
    return _record(sender, message, outcome)


def _record(sender: Sender, message: OutboxMessage, outcome: Outcome) -> int:
    """Write what the attempt led to, only if this sender still holds the message."""
    now = sender.clock()
    settled = settle(
        recipients=message.recipients,
        delivered=message.delivered,
        refused=message.refused or {},
        outcome=outcome,
        attempts=message.attempts + 1,
        first_failure_at=message.first_failure_at,
        now=now,
        policy=retry_policy(current_app.config),
    )
    done = settled.status != OutboxStatus.PENDING
    values = {
        "status": settled.status,
        "attempts": message.attempts + 1,
        "delivered_to": "\n".join(settled.delivered),
        "refused": settled.refused,
        "first_failure_at": settled.first_failure_at,
        "last_error": settled.last_error[:2000],
        "claim_token": None,
        "lease_until": None,
    }
    if settled.next_attempt_at:
        values["next_attempt_at"] = settled.next_attempt_at
    if done and settled.delivered:
        values["sent_at"] = now
    if done:  # final: the secret is needed no more, whether the message arrived or not
        values |= services.scrubbed(message)
    recorded = rows_changed(_mine(sender, message.id).values(**values)) == 1
    if recorded and sender.paused and outcome.delivered:  # the settings work again
        services.resume_sending()
        sender.paused = False
    db.session.commit()
    if not recorded:
        logger.warning("Outbox %s: the claim ran out during delivery; outcome not kept", message.id)
    elif settled.last_error:
        logger.warning(
            "Outbox %s attempt %s: %s", message.id, values["attempts"], settled.last_error
        )
    return int(recorded and settled.status == OutboxStatus.SENT)


def _pause(sender: Sender, message_id: int, reason: str) -> None:
    """A fault in our SMTP settings: give the message back untouched and pause sending."""
    db.session.rollback()
    db.session.execute(
        _mine(sender, message_id).values(
            status=OutboxStatus.PENDING, claim_token=None, lease_until=None
        )
    )
    services.pause_sending(reason, sender.clock())
    db.session.commit()
    logger.error("Sending paused, the SMTP settings need attention: %s", reason)


def retry_policy(config: dict) -> RetryPolicy:
    """The retry policy as configured."""
    return RetryPolicy(
        first_wait=timedelta(seconds=config["OUTBOX_RETRY_FIRST_SECONDS"]),
        longest_wait=timedelta(seconds=config["OUTBOX_RETRY_LONGEST_SECONDS"]),
        give_up_after=timedelta(hours=config["OUTBOX_GIVE_UP_HOURS"]),
    )


class Heartbeat:
    """Renews the sender's lease on a message while it is delivered, from a thread of its own.

    Uses its own connection, so the sender's session stays free. `check()` raises LostClaim
    when a renewal found the message no longer this sender's.
    """

    def __init__(self, sender: Sender, message_id: int) -> None:
        self.sender = sender
        self.message_id = message_id
        self.lost = False
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)
        self.engine = db.engine

    def __enter__(self) -> "Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()

    def check(self) -> None:
        """Renew once more now; raise LostClaim if the message is no longer this sender's."""
        self._renew()
        if self.lost:
            raise delivery.LostClaim(self.message_id)

    def _beat(self) -> None:
        interval = self.sender.lease.total_seconds() / 3
        while not self.done.wait(interval):
            self._renew()

    def _renew(self) -> None:
        renewed = _mine(self.sender, self.message_id).values(
            lease_until=self.sender.clock() + self.sender.lease
        )
        try:
            with self.engine.begin() as connection:
                self.lost = self.lost or connection.execute(renewed).rowcount != 1
        except Exception:  # a missed renewal is retried; the lease has slack
            logger.warning("Outbox %s: lease not renewed", self.message_id, exc_info=True)
