"""Follow-ups (bevakning), contacts with myndigheter (kontakt) and their answers (svar)."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from systemfel.auth.models import User
from systemfel.brister.domain import Utfall
from systemfel.brister.models import Brist
from systemfel.dbtypes import UTCDateTime, text_enum, utcnow
from systemfel.extensions import Model
from systemfel.followups.domain import (
    EfterkontrollSvar,
    Kanal,
    PausOrsak,
    SvarTyp,
    working_days_left,
)
from systemfel.verksamheter.models import Myndighet
from systemfel.workdays import calendar_around


class Bevakning(Model):
    """One follow-up of a brist: due on a day, completed with what was found.

    An open brist has exactly one open follow-up (completed_at IS NULL); a partial unique
    index holds that on SQLite and PostgreSQL alike.
    """

    __tablename__ = "bevakning"
    __table_args__ = (
        sa.Index(
            "uq_bevakning_open_per_brist",
            "brist_id",
            unique=True,
            sqlite_where=sa.text("completed_at IS NULL"),
            postgresql_where=sa.text("completed_at IS NULL"),
        ),
        sa.Index("ix_bevakning_due_on", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brist_id: Mapped[int] = mapped_column(sa.ForeignKey("brist.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    finding: Mapped[str] = mapped_column(sa.Text, default="")

    brist: Mapped[Brist] = relationship()
    completed_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Bevakning {self.id} brist={self.brist_id} due={self.due_on}>"


class Kontakt(Model):
    """A brist raised with a myndighet; when e-mailed, it carries a link to answer."""

    __tablename__ = "kontakt"
    __table_args__ = (sa.Index("ix_kontakt_next_reminder_on", "next_reminder_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brist_id: Mapped[int] = mapped_column(sa.ForeignKey("brist.id", ondelete="CASCADE"), index=True)
    myndighet_id: Mapped[int] = mapped_column(sa.ForeignKey("myndighet.id"))
    contacted_on: Mapped[date]
    kanal: Mapped[Kanal] = mapped_column(text_enum(Kanal))
    summary: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the request went out by e-mail: where, and by when an answer is due.
    emailed_to: Mapped[str] = mapped_column(sa.Text, default="")
    # The brist's title as the request carried it: the answer page and reminders show what was
    # sent, not a title edited since. Empty for requests sent before it was kept.
    sent_titel: Mapped[str] = mapped_column(sa.String(200), default="")
    answer_due_on: Mapped[date | None]
    # Revoking stops every answer link of the contact and its reminders.
    links_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders_sent: Mapped[int] = mapped_column(default=0)
    next_reminder_on: Mapped[date | None]
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The clock to the deadline stands still from `paused_on` (a Stockholm date) until the
    # ombud records that the information was sent; answer_due_on is moved then.
    paused_on: Mapped[date | None]
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_orsak: Mapped[PausOrsak | None] = mapped_column(text_enum(PausOrsak))
    # The day the clock last ran again after a pause: the deadline is counted from it.
    resumed_on: Mapped[date | None]
    # The myndighet confirmed receipt ("Mottaget") without answering yet: the clock runs on.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_handlaggare: Mapped[str] = mapped_column(sa.String(200), default="")
    acknowledged_diarienummer: Mapped[str] = mapped_column(sa.String(100), default="")

    brist: Mapped[Brist] = relationship()
    myndighet: Mapped[Myndighet] = relationship()
    created_by: Mapped[User] = relationship()
    svar: Mapped[list["Svar"]] = relationship(
        back_populates="kontakt", order_by="Svar.received_at", cascade="all, delete-orphan"
    )

    @property
    def awaits_answer(self) -> bool:
        """Was an answer requested and has none come?"""
        return self.answer_due_on is not None and self.answered_at is None

    @property
    def is_paused(self) -> bool:
        """Does the clock to the answer deadline stand still?"""
        return self.paused_on is not None

    @property
    def has_links(self) -> bool:
        """Was the request e-mailed with answer links that have not been revoked?"""
        return bool(self.emailed_to) and self.links_revoked_at is None

    @property
    def paused_days_left(self) -> int:
        """Working days the myndighet had left when the clock was paused (0 if not paused)."""
        if self.paused_on is None or self.answer_due_on is None:
            return 0
        calendar = calendar_around(self.paused_on.year)
        return working_days_left(self.answer_due_on, self.paused_on, calendar)

    def __repr__(self) -> str:
        return f"<Kontakt {self.id} brist={self.brist_id} myndighet={self.myndighet_id}>"


class AnswerLink(Model):
    """A link to answer one contact. Only the token's SHA-256 is stored.

    The request and each reminder carry a link of their own, so a reminder can be sent
    without keeping any token; every link works until it expires or the contact is revoked.
    """

    __tablename__ = "answer_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    kontakt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kontakt.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    kontakt: Mapped[Kontakt] = relationship()

    def __repr__(self) -> str:
        return f"<AnswerLink {self.id} kontakt={self.kontakt_id}>"


class Svar(Model):
    """A myndighet's answer, given through the link in the request."""

    __tablename__ = "svar"

    id: Mapped[int] = mapped_column(primary_key=True)
    kontakt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kontakt.id", ondelete="CASCADE"), index=True
    )
    typ: Mapped[SvarTyp] = mapped_column(text_enum(SvarTyp))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    diarienummer: Mapped[str] = mapped_column(sa.String(100), default="")
    promised_on: Mapped[date | None]
    responsible_body: Mapped[str] = mapped_column(sa.String(200), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    kontakt: Mapped[Kontakt] = relationship(back_populates="svar")

    def __repr__(self) -> str:
        return f"<Svar {self.id} {self.typ}>"


class Efterkontroll(Model):
    """A check, months after a brist was closed as åtgärdad, that the fix lasted.

    One per closing (the history entry `stangd_handelse_id`): a brist reopened and closed
    again as åtgärdad gets a new one. An unanswered check of a brist reopened since is moot:
    it is only ever shown while its closing is the brist's latest.
    """

    __tablename__ = "efterkontroll"
    __table_args__ = (sa.Index("ix_efterkontroll_due_on", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brist_id: Mapped[int] = mapped_column(sa.ForeignKey("brist.id", ondelete="CASCADE"), index=True)
    stangd_handelse_id: Mapped[int] = mapped_column(
        sa.ForeignKey("handelse.id", ondelete="CASCADE"), unique=True
    )
    closed_on: Mapped[date]
    utfall: Mapped[Utfall] = mapped_column(text_enum(Utfall))
    due_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    svar: Mapped[EfterkontrollSvar | None] = mapped_column(text_enum(EfterkontrollSvar))

    brist: Mapped[Brist] = relationship()
    answered_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Efterkontroll {self.id} brist={self.brist_id} due={self.due_on}>"
