"""The outbox: every e-mail is a row first, written in the transaction that caused it."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from systemfel.dbtypes import UTCDateTime, text_enum, utcnow
from systemfel.extensions import Model
from systemfel.notifications.domain import OutboxStatus

# What stands in a body where its secret was, and in `secret` once the secret is removed.
SECRET_REMOVED = "[borttaget]"  # noqa: S105 - a marker, not a password


def mask(text: str, secret: str) -> str:
    """Replace every occurrence of `secret` in `text`."""
    return text.replace(secret, SECRET_REMOVED) if secret else text


class OutboxMessage(Model):
    """One e-mail on its way out; the idempotency key makes sure it is written only once."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    to_addresses: Mapped[str] = mapped_column(sa.Text)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[OutboxStatus] = mapped_column(
        text_enum(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The sender that holds the message while it is delivered, and until when: the sender
    # renews the lease while it works, and marks the message only while it still holds it.
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    # Per recipient: who has it (one address a line) and who refused it for good, and why.
    delivered_to: Mapped[str] = mapped_column(sa.Text, default="")
    refused: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    # When the current run of temporary failures began: retries stop some days after it.
    first_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Reminders and digests reach people only in office hours; other mail leaves at once.
    office_hours_only: Mapped[bool] = mapped_column(default=False)
    # A one-time secret in the body (an answer link's token): masked on the admin page and
    # removed from the stored body once the message is final (sent, or failed for good);
    # then this column says SECRET_REMOVED.
    secret: Mapped[str] = mapped_column(sa.String(200), default="")
    # Files sent along (a calendar invitation, the agenda): [[filename, content type, base64]].
    attachments: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    # Whose mail it is: "PO Sjöstad via Systemfel" in From, and the verksamhet's mailbox as
    # Reply-To so a reply reaches people. Both empty for system mail.
    sender_name: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    reply_to: Mapped[str] = mapped_column(sa.String(320), default="", server_default="")

    @property
    def recipients(self) -> list[str]:
        """Return the addresses, one a line in the column."""
        return [line for line in self.to_addresses.splitlines() if line]

    @property
    def delivered(self) -> list[str]:
        """Return the addresses the message has reached."""
        return [line for line in self.delivered_to.splitlines() if line]

    @property
    def secret_removed(self) -> bool:
        """The link in the body was removed: sent again, it would carry a dead link."""
        return self.secret == SECRET_REMOVED

    @property
    def can_resend(self) -> bool:
        """Some recipient was refused for good and the body is whole: it may be sent again."""
        return self.status.can_resend and not self.secret_removed

    @property
    def shown_text(self) -> str:
        """The body as admins see it: the secret masked."""
        return mask(self.body_text, self.secret)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.idempotency_key} {self.status}>"


class SenderState(Model):
    """One row: when the sender last ran, and whether sending is paused by a configuration fault.

    A wrong SMTP password or a TLS failure is no fault of any message: sending pauses (nothing
    is marked failed), admins are told, and every run tries once more until it works.
    """

    __tablename__ = "outbox_sender"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str] = mapped_column(sa.Text, default="")

    def __repr__(self) -> str:
        return f"<SenderState last run {self.last_run_at} paused {self.paused_since}>"
