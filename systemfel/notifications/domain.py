"""Outbox rules: what an attempt to deliver leads to, per recipient, and when to try again.

Plain functions on plain values. A message goes to several recipients; each attempt reports,
per recipient, delivered, refused for now (4xx, a lost connection) or refused for good (5xx).
Delivered and refused-for-good recipients are never tried again; the rest are retried with a
backoff until they go through or have failed for longer than the retry period.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from systemfel.i18n import N_


class OutboxStatus(StrEnum):
    """Where a message is on its way out."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    PARTLY = "partly"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """Return the Swedish name of the status."""
        return STATUS_LABELS[self]

    @property
    def can_resend(self) -> bool:
        """Some recipient was refused for good: an admin may send to them again."""
        return self in {OutboxStatus.FAILED, OutboxStatus.PARTLY}


STATUS_LABELS = {
    OutboxStatus.PENDING: N_("Väntar"),
    OutboxStatus.SENDING: N_("Skickas"),
    OutboxStatus.SENT: N_("Skickat"),
    OutboxStatus.PARTLY: N_("Delvis levererat"),
    OutboxStatus.FAILED: N_("Misslyckades"),
}


class MailKind(StrEnum):
    """What a message is, read from the first part of its idempotency key."""

    PAMINNELSE = "paminnelse"
    DIGEST = "digest"
    KONTAKT = "kontakt"
    SVAR = "svar"
    DAGORDNING = "agenda"
    MYNDIGHETSBREV = "myndighetsbrev"

    @property
    def label(self) -> str:
        """Return the Swedish name of the kind."""
        return KIND_LABELS[self]


KIND_LABELS = {
    MailKind.PAMINNELSE: N_("Påminnelser till myndigheter"),
    MailKind.DIGEST: N_("Dagliga sammanställningar till ombud"),
    MailKind.KONTAKT: N_("Förfrågningar till myndigheter"),
    MailKind.SVAR: N_("Svar från myndigheter till ombud"),
    MailKind.DAGORDNING: N_("Dagordningar till ledningsgrupper"),
    MailKind.MYNDIGHETSBREV: N_("Samlade brev till myndigheter"),
}


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often a temporarily refused message is tried again."""

    first_wait: timedelta = timedelta(minutes=1)
    longest_wait: timedelta = timedelta(hours=1)
    give_up_after: timedelta = timedelta(days=3)

    def wait(self, attempts: int) -> timedelta:
        """Wait before the next attempt: 1, 2, 4 ... minutes, never longer than `longest_wait`."""
        doubled = self.first_wait * 2 ** min(max(attempts - 1, 0), 30)
        return min(doubled, self.longest_wait)


@dataclass(frozen=True)
class Outcome:
    """What one attempt did, per recipient: delivered, refused for now, refused for good."""

    delivered: tuple[str, ...] = ()
    temporary: dict[str, str] = field(default_factory=dict)
    permanent: dict[str, str] = field(default_factory=dict)

    @classmethod
    def all_temporary(cls, recipients: list[str], error: str) -> "Outcome":
        """The attempt failed before any recipient was settled (an outage, a 4xx)."""
        return cls(temporary=dict.fromkeys(recipients, error))

    @classmethod
    def all_permanent(cls, recipients: list[str], error: str) -> "Outcome":
        """The message itself was refused for good (a 5xx after DATA)."""
        return cls(permanent=dict.fromkeys(recipients, error))


@dataclass(frozen=True)
class Settled:
    """A message's state after an attempt."""

    status: OutboxStatus
    delivered: tuple[str, ...]
    refused: dict[str, str]
    next_attempt_at: datetime | None
    first_failure_at: datetime | None
    last_error: str


def still_to_send(
    recipients: list[str], delivered: list[str], refused: dict[str, str]
) -> list[str]:
    """The recipients an attempt goes to: neither delivered nor refused for good."""
    done = set(delivered) | set(refused)
    return [address for address in recipients if address not in done]


def settle(
    *,
    recipients: list[str],
    delivered: list[str],
    refused: dict[str, str],
    outcome: Outcome,
    attempts: int,
    first_failure_at: datetime | None,
    now: datetime,
    policy: RetryPolicy,
) -> Settled:
    """Decide what an attempt leads to: done, partly done, or another try later."""
    delivered_now = tuple(dict.fromkeys([*delivered, *outcome.delivered]))
    refused_now = {**refused, **outcome.permanent}
    waiting = {a: e for a, e in outcome.temporary.items() if a not in delivered_now}
    errors = {**outcome.permanent, **waiting}
    last_error = "; ".join(f"{address}: {error}" for address, error in errors.items())
    if waiting:
        first_failure_at = first_failure_at or now
        if now - first_failure_at < policy.give_up_after:
            next_at = now + policy.wait(attempts)
            return Settled(
                OutboxStatus.PENDING,
                delivered_now,
                refused_now,
                next_at,
                first_failure_at,
                last_error,
            )
        hours = int(policy.give_up_after.total_seconds() // 3600)
        refused_now |= {a: f"{e} (gav upp efter {hours} timmar)" for a, e in waiting.items()}
    status = _final_status(recipients, delivered_now, refused_now)
    return Settled(status, delivered_now, refused_now, None, first_failure_at, last_error)


def _final_status(
    recipients: list[str], delivered: tuple[str, ...], refused: dict[str, str]
) -> OutboxStatus:
    if not refused:
        return OutboxStatus.SENT
    if any(address in delivered for address in recipients):
        return OutboxStatus.PARTLY
    return OutboxStatus.FAILED


def sender_name(verksamhet_namn: str) -> str:
    """From's display name of a verksamhet's mail: whose it is, and that the system sent it."""
    return f"{' '.join(verksamhet_namn.split())} via Systemfel"


def counted(number: int, singular: str, plural: str) -> str:
    """The number with the noun in the right form: "1 bevakning", "2 bevakningar"."""
    return f"{number} {singular if number == 1 else plural}"


class Sender(Protocol):
    """Whose mail it is: a verksamhet, or its name and mailbox as plain values."""

    @property
    def namn(self) -> str: ...

    @property
    def epost(self) -> str: ...


@dataclass(frozen=True)
class SenderValues:
    """A verksamhet's name and mailbox, for callers that hold plain values."""

    namn: str
    epost: str
