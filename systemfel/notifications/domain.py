"""Outbox rules: retry backoff and when a message has failed for good."""

from datetime import datetime, timedelta
from enum import StrEnum

from systemfel.i18n import N_


class OutboxStatus(StrEnum):
    """Where a message is on its way out."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """Return the Swedish name of the status."""
        return STATUS_LABELS[self]


STATUS_LABELS = {
    OutboxStatus.PENDING: N_("Väntar"),
    OutboxStatus.SENDING: N_("Skickas"),
    OutboxStatus.SENT: N_("Skickat"),
    OutboxStatus.FAILED: N_("Misslyckades"),
}

# A claim older than this is taken to belong to a sender that died; the row is retried.
STALE_CLAIM = timedelta(minutes=10)


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4 ... minutes, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def after_failure(
    attempts: int, now: datetime, max_attempts: int, permanent: bool
) -> tuple[OutboxStatus, datetime | None]:
    """Decide what a failed attempt leads to: another try later, or failed for good."""
    if permanent or attempts >= max_attempts:
        return OutboxStatus.FAILED, None
    return OutboxStatus.PENDING, now + backoff(attempts)
