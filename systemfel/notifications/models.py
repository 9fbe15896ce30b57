"""The outbox: every e-mail is a row first, written in the transaction that caused it."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from systemfel.dbtypes import UTCDateTime, text_enum, utcnow
from systemfel.extensions import db
from systemfel.notifications.domain import OutboxStatus


def mask(text: str, secret: str) -> str:
    """Replace every occurrence of `secret` in `text`."""
    return text.replace(secret, "[borttaget]") if secret else text


class OutboxMessage(db.Model):
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
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    # A one-time secret in the body (an answer link's token): masked on the admin page and
    # removed from the stored body once the message is sent.
    secret: Mapped[str] = mapped_column(sa.String(200), default="")
    # Files sent along (a calendar invitation, the agenda): [[filename, content type, base64]].
    attachments: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)

    @property
    def recipients(self) -> list[str]:
        """Return the addresses, one a line in the column."""
        return [line for line in self.to_addresses.splitlines() if line]

    @property
    def shown_text(self) -> str:
        """The body as admins see it: the secret masked."""
        return mask(self.body_text, self.secret)

    def scrub(self) -> None:
        """Remove the secret from the stored message (after it was sent)."""
        self.body_text = mask(self.body_text, self.secret)
        self.body_html = mask(self.body_html, self.secret) if self.body_html else None
        self.secret = ""

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.idempotency_key} {self.status}>"
