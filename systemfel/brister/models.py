"""A brist, the myndigheter it concerns, its observations and its history."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from systemfel.auth.models import User
from systemfel.brister.domain import HandelseTyp, Niva, Status, Utfall
from systemfel.dbtypes import UTCDateTime, text_enum, utcnow
from systemfel.extensions import Model, db
from systemfel.verksamheter.models import Myndighet, Omrade, Verksamhet

brist_myndighet = sa.Table(
    "brist_myndighet",
    db.metadata,
    sa.Column("brist_id", sa.ForeignKey("brist.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("myndighet_id", sa.ForeignKey("myndighet.id"), primary_key=True),
    # The list's myndighet filter looks up the brister concerning a myndighet.
    sa.Index("ix_brist_myndighet_myndighet_id", "myndighet_id"),
)


class Brist(Model):
    """A flaw in the public systems, as one verksamhet sees it. Never who, only how many."""

    __tablename__ = "brist"
    __table_args__ = (
        sa.UniqueConstraint("verksamhet_id", "year", "serial"),
        sa.Index("ix_brist_verksamhet_status", "verksamhet_id", "status"),
        # One index per sort of the list (queries.SORTS), in its order and ending in the id
        # tie-breaker, so a page is read off an index instead of sorting every matching brist.
        # The common filters (status, nivå, year, verksamhet) follow, so a filtered page and
        # the count are read from the index alone: the row itself is wide (its texts come
        # first) and looking up tens of thousands of them is what made the count slow.
        sa.Index("ix_brist_nummer", "year", "serial", "id", "status", "niva", "verksamhet_id"),
        sa.Index(
            "ix_brist_status_nummer", "status", "year", "serial", "id", "niva", "verksamhet_id"
        ),
        sa.Index("ix_brist_niva_nummer", "niva", "year", "serial", "id", "status", "verksamhet_id"),
        sa.Index("ix_brist_titel", "titel", "id", "status", "niva", "year", "verksamhet_id"),
        sa.Index(
            "ix_brist_first_observed_on",
            "first_observed_on",
            "id",
            "status",
            "niva",
            "year",
            "verksamhet_id",
        ),
        sa.Index(
            "ix_brist_updated_at", "updated_at", "id", "status", "niva", "year", "verksamhet_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    verksamhet_id: Mapped[int] = mapped_column(sa.ForeignKey("verksamhet.id"))
    year: Mapped[int]
    serial: Mapped[int]
    nummer: Mapped[str] = mapped_column(sa.String(20))
    titel: Mapped[str] = mapped_column(sa.String(200))
    beskrivning: Mapped[str] = mapped_column(sa.Text)
    niva: Mapped[Niva] = mapped_column(text_enum(Niva))
    status: Mapped[Status] = mapped_column(text_enum(Status), default=Status.REGISTRERAD)
    utfall: Mapped[Utfall | None] = mapped_column(text_enum(Utfall))
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("brist.id"), index=True)
    myndighet_id: Mapped[int] = mapped_column(sa.ForeignKey("myndighet.id"), index=True)
    omrade_id: Mapped[int] = mapped_column(sa.ForeignKey("omrade.id"), index=True)
    first_observed_on: Mapped[date]
    antal_klienter: Mapped[int]
    konsekvenser: Mapped[str] = mapped_column(sa.Text, default="")
    forslag_atgard: Mapped[str] = mapped_column(sa.Text, default="")
    ansvarig_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a myndighet left every reminder unanswered; cleared when the brist is escalated.
    escalation_proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when an ombud asks for the brist to be taken up in the ledningsgrupp; cleared when
    # a meeting has dealt with it.
    marked_for_group_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Case-folded title, description and number: what free-text search looks in.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    # Their Swedish stems, which the search index holds (brister/search.py).
    search_stems: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    version: Mapped[int] = mapped_column(default=1)

    verksamhet: Mapped[Verksamhet] = relationship()
    myndighet: Mapped[Myndighet] = relationship()
    other_myndigheter: Mapped[list[Myndighet]] = relationship(
        secondary=brist_myndighet, order_by=Myndighet.namn
    )
    omrade: Mapped[Omrade] = relationship()
    ansvarig: Mapped[User] = relationship(foreign_keys=[ansvarig_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    merged_into: Mapped["Brist | None"] = relationship(remote_side=[id])
    observations: Mapped[list["Observation"]] = relationship(
        back_populates="brist", cascade="all, delete-orphan", order_by="Observation.observed_on"
    )
    handelser: Mapped[list["Handelse"]] = relationship(
        back_populates="brist", cascade="all, delete-orphan", order_by="Handelse.id"
    )
    # Whether any brist was merged into this one; read by the brist page's query only
    # (queries.get_brist), None when not read.
    has_merged_here: Mapped[bool | None] = query_expression()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_closed(self) -> bool:
        """Is the brist closed?"""
        return self.status == Status.STANGD

    def __repr__(self) -> str:
        return f"<Brist {self.id} {self.nummer}>"


class Observation(Model):
    """The flaw seen again: when, how many clients, a short note. Observations add up."""

    __tablename__ = "observation"

    id: Mapped[int] = mapped_column(primary_key=True)
    brist_id: Mapped[int] = mapped_column(sa.ForeignKey("brist.id", ondelete="CASCADE"), index=True)
    observed_on: Mapped[date]
    antal_klienter: Mapped[int]
    anteckning: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    brist: Mapped[Brist] = relationship(back_populates="observations")
    created_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Observation {self.id} brist={self.brist_id} antal={self.antal_klienter}>"


class Handelse(Model):
    """One entry in a brist's history: a kind, its facts (`data`), when it happened, who.

    The line people read is rendered from kind and data when shown (brister/history.py), in
    the reader's language; `text` is what the user wrote (a reason, a comment, a finding).
    """

    __tablename__ = "handelse"

    id: Mapped[int] = mapped_column(primary_key=True)
    brist_id: Mapped[int] = mapped_column(sa.ForeignKey("brist.id", ondelete="CASCADE"), index=True)
    typ: Mapped[HandelseTyp] = mapped_column(text_enum(HandelseTyp))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When it happened: the day of the contact, the answer, the meeting (not of recording it).
    happened_on: Mapped[date]
    # The facts of the kind, as domain.HISTORY_SCHEMA describes them.
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # The brist's version after this entry: a refused save lists the entries it missed.
    version: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text, default="")
    # Only in entries from before `data` that could not be read back (kind NOTERING):
    # [[field label, old, new], ...] as shown to the user at the time.
    changes: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)

    brist: Mapped[Brist] = relationship(back_populates="handelser")
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Handelse {self.id} {self.typ} brist={self.brist_id}>"
