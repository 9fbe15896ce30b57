"""Ledningsgrupper, their members, meetings and the items of each meeting's agenda and minutes."""

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from systemfel.auth.models import User
from systemfel.brister.domain import Niva, Utfall
from systemfel.brister.models import Brist
from systemfel.dbtypes import UTCDateTime, text_enum, utcnow
from systemfel.extensions import Model, db
from systemfel.meetings.domain import Beslut, BeslutTyp, GruppTyp, MotesStatus, OrganTyp, Sektion
from systemfel.verksamheter.models import Verksamhet


def new_ics_uid() -> str:
    """A calendar UID no other installation makes: an FK member of two groups keeps both."""
    return f"{uuid.uuid4()}@systemfel"


ledningsgrupp_verksamhet = sa.Table(
    "ledningsgrupp_verksamhet",
    db.metadata,
    sa.Column(
        "ledningsgrupp_id", sa.ForeignKey("ledningsgrupp.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("verksamhet_id", sa.ForeignKey("verksamhet.id"), primary_key=True, index=True),
)


class Ledningsgrupp(Model):
    """A steering group over one or more verksamheter."""

    __tablename__ = "ledningsgrupp"

    id: Mapped[int] = mapped_column(primary_key=True)
    namn: Mapped[str] = mapped_column(sa.String(200))
    typ: Mapped[GruppTyp] = mapped_column(text_enum(GruppTyp))
    # One standing agenda item a line, e.g. "Ledningsgruppens sammansättning".
    staende_punkter: Mapped[str] = mapped_column(sa.Text, default="")
    # The secret in the calendar feed's address; a new one stops the old address.
    ics_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    verksamheter: Mapped[list[Verksamhet]] = relationship(
        secondary=ledningsgrupp_verksamhet, order_by=Verksamhet.namn
    )
    ledamoter: Mapped[list["Ledamot"]] = relationship(
        back_populates="ledningsgrupp", cascade="all, delete-orphan", order_by="Ledamot.namn"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def verksamhet_ids(self) -> frozenset[int]:
        """Return the ids of the verksamheter the group covers."""
        return frozenset(v.id for v in self.verksamheter)

    @property
    def standing_punkter(self) -> list[str]:
        """Return the standing agenda items, one a line, blank lines skipped."""
        return [line.strip() for line in self.staende_punkter.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<Ledningsgrupp {self.id} {self.namn!r}>"


class Ledamot(Model):
    """A member of a ledningsgrupp and the organisation they represent; a login is optional."""

    __tablename__ = "ledamot"

    id: Mapped[int] = mapped_column(primary_key=True)
    ledningsgrupp_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ledningsgrupp.id", ondelete="CASCADE"), index=True
    )
    namn: Mapped[str] = mapped_column(sa.String(200))
    organisation: Mapped[str] = mapped_column(sa.String(200))
    epost: Mapped[str] = mapped_column(sa.String(254), default="")
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    ledningsgrupp: Mapped[Ledningsgrupp] = relationship(back_populates="ledamoter")
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Ledamot {self.id} {self.namn!r}>"


class Mote(Model):
    """A meeting of a ledningsgrupp: planned, agenda fastställd, held, minutes approved."""

    __tablename__ = "mote"
    __table_args__ = (
        sa.Index("ix_mote_ledningsgrupp_starts_at", "ledningsgrupp_id", "starts_at"),
        sa.Index("uq_mote_ics_uid", "ics_uid", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ledningsgrupp_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ledningsgrupp.id", ondelete="CASCADE")
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    plats: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[MotesStatus] = mapped_column(
        text_enum(MotesStatus), default=MotesStatus.PLANERAT
    )
    justerare_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ledamot.id", ondelete="SET NULL")
    )
    # Kept as text: the minutes name their justerare even if the member later leaves.
    justerare_namn: Mapped[str] = mapped_column(sa.String(200), default="")
    # Chosen among the members, kept as names like the justerare's: the minutes name them.
    ordforande_namn: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    sekreterare_namn: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    faststalld_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    faststalld_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    genomfort_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    justerad_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    justerad_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    agenda_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "Ställ in mötet": the meeting will not be held; calendars that had it get a CANCEL.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who attended, as the minutes name them: [[namn, organisation], ...].
    narvarande: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    # Bumped when time or place changes, so calendars replace the event they have.
    ics_sequence: Mapped[int] = mapped_column(default=0)
    # The event's UID in every calendar: unique across installations, never changed.
    # Always set (by default); the database holds it nullable under a unique index, which the
    # migrations can add and drop in place on SQLite.
    ics_uid: Mapped[str] = mapped_column(sa.String(100), nullable=True, default=new_ics_uid)
    version: Mapped[int] = mapped_column(default=1)

    ledningsgrupp: Mapped[Ledningsgrupp] = relationship()
    justerare: Mapped[Ledamot | None] = relationship()
    faststalld_by: Mapped[User | None] = relationship(foreign_keys=[faststalld_by_id])
    justerad_by: Mapped[User | None] = relationship(foreign_keys=[justerad_by_id])
    punkter: Mapped[list["Punkt"]] = relationship(
        back_populates="mote", cascade="all, delete-orphan", order_by="Punkt.position"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def visible_punkter(self) -> list["Punkt"]:
        """Return the agenda's items in order, without those the samordnare removed."""
        # Sorted here: positions change within a session while the loaded list keeps its order.
        return sorted((p for p in self.punkter if not p.is_removed), key=lambda p: p.position)

    def __repr__(self) -> str:
        return f"<Mote {self.id} {self.starts_at:%Y-%m-%d} {self.status}>"


class Punkt(Model):
    """One agenda item, and what the minutes say of it.

    A brist item keeps a snapshot of the brist (`facts`) taken when the agenda was proposed
    and again when it was fastställd; later changes to the brist do not alter the agenda.
    """

    __tablename__ = "punkt"
    __table_args__ = (sa.UniqueConstraint("mote_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mote_id: Mapped[int] = mapped_column(sa.ForeignKey("mote.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(300))
    sektion: Mapped[Sektion] = mapped_column(text_enum(Sektion))
    position: Mapped[int]
    rubrik: Mapped[str] = mapped_column(sa.Text, default="")
    brist_id: Mapped[int | None] = mapped_column(sa.ForeignKey("brist.id"), index=True)
    skal: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    forslag: Mapped[BeslutTyp | None] = mapped_column(text_enum(BeslutTyp))
    facts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    is_manual: Mapped[bool] = mapped_column(default=False)
    is_removed: Mapped[bool] = mapped_column(default=False)
    # The minutes.
    anteckning: Mapped[str] = mapped_column(sa.Text, default="")
    is_deferred: Mapped[bool] = mapped_column(default=False)
    beslut_typ: Mapped[BeslutTyp | None] = mapped_column(text_enum(BeslutTyp))
    beslut_text: Mapped[str] = mapped_column(sa.Text, default="")
    beslut_ansvarig: Mapped[str] = mapped_column(sa.String(200), default="")
    beslut_senast_on: Mapped[date | None]
    beslut_till_niva: Mapped[Niva | None] = mapped_column(text_enum(Niva))
    beslut_utfall: Mapped[Utfall | None] = mapped_column(text_enum(Utfall))
    # A lift (BeslutTyp.LYFTA): the receiving body's kind and name.
    beslut_organ_typ: Mapped[OrganTyp | None] = mapped_column(text_enum(OrganTyp))
    beslut_organ_namn: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")

    mote: Mapped[Mote] = relationship(back_populates="punkter")
    brist: Mapped[Brist | None] = relationship()

    @property
    def beslut(self) -> Beslut | None:
        """The decision the minutes record for the item, as the rules see it; None without one."""
        if self.beslut_typ is None:
            return None
        return Beslut(
            typ=self.beslut_typ,
            text=self.beslut_text,
            ansvarig=self.beslut_ansvarig,
            senast_on=self.beslut_senast_on,
            till_niva=self.beslut_till_niva,
            utfall=self.beslut_utfall,
            organ_typ=self.beslut_organ_typ,
            organ_namn=self.beslut_organ_namn,
        )

    def __repr__(self) -> str:
        return f"<Punkt {self.id} {self.key} mote={self.mote_id}>"


class Lyft(Model):
    """A central-nivå brist a ledningsgrupp passed on to a strategic body.

    Followed up like a request: an answer is expected by `svar_senast_on` (the brist's
    bevakning is moved there); an ombud records the answer when it comes.
    """

    __tablename__ = "lyft"

    id: Mapped[int] = mapped_column(primary_key=True)
    brist_id: Mapped[int] = mapped_column(sa.ForeignKey("brist.id", ondelete="CASCADE"), index=True)
    mote_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("mote.id", ondelete="SET NULL"), index=True
    )
    organ_typ: Mapped[OrganTyp] = mapped_column(text_enum(OrganTyp))
    organ_namn: Mapped[str] = mapped_column(sa.String(200))
    lifted_on: Mapped[date]
    svar_senast_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The body's answer, as an ombud recorded it.
    svar_on: Mapped[date | None]
    svar_text: Mapped[str] = mapped_column(sa.Text, default="")
    svar_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    svar_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    brist: Mapped[Brist] = relationship()
    mote: Mapped[Mote | None] = relationship()
    svar_by: Mapped[User | None] = relationship()

    @property
    def awaits_answer(self) -> bool:
        """Has no answer from the body been recorded yet?"""
        return self.svar_on is None

    def __repr__(self) -> str:
        return f"<Lyft {self.id} brist={self.brist_id} {self.organ_namn!r}>"
