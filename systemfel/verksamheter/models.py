"""Verksamheter, their kommuner, and the reference lists of myndigheter and områden."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from systemfel.dbtypes import UTCDateTime, text_enum, utcnow
from systemfel.extensions import Model
from systemfel.verksamheter.domain import MyndighetTyp, Sammandrag


class Verksamhet(Model):
    """A personligt ombud service; it may cover several kommuner."""

    __tablename__ = "verksamhet"

    id: Mapped[int] = mapped_column(primary_key=True)
    namn: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The annual report asks: are there routines for handling uppmärksammade brister?
    has_routines: Mapped[bool] = mapped_column(default=False, server_default="0")
    # …and, optionally, which: one line the report prints beside the answer (6 a).
    routines_description: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    # The verksamhet's own mailbox: Reply-To of its mail and the organizer of its meetings.
    epost: Mapped[str] = mapped_column(sa.String(320), default="", server_default="")

    kommuner: Mapped[list["Kommun"]] = relationship(
        back_populates="verksamhet", cascade="all, delete-orphan", order_by="Kommun.namn"
    )

    def __repr__(self) -> str:
        return f"<Verksamhet {self.id} {self.namn!r}>"


class Kommun(Model):
    """A kommun served by a verksamhet."""

    __tablename__ = "kommun"
    __table_args__ = (sa.UniqueConstraint("verksamhet_id", "namn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    verksamhet_id: Mapped[int] = mapped_column(sa.ForeignKey("verksamhet.id"), index=True)
    namn: Mapped[str] = mapped_column(sa.String(100))

    verksamhet: Mapped[Verksamhet] = relationship(back_populates="kommuner")

    def __repr__(self) -> str:
        return f"<Kommun {self.namn!r}>"


class Myndighet(Model):
    """A body a brist concerns; it has no account, only functional e-mail addresses."""

    __tablename__ = "myndighet"
    __table_args__ = (sa.UniqueConstraint("verksamhet_id", "namn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    verksamhet_id: Mapped[int] = mapped_column(sa.ForeignKey("verksamhet.id"), index=True)
    namn: Mapped[str] = mapped_column(sa.String(200))
    typ: Mapped[MyndighetTyp] = mapped_column(text_enum(MyndighetTyp))
    # Functional mailboxes, one a line; reminders and requests for answers go here.
    epost: Mapped[str] = mapped_column(sa.Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    # How often it gets one letter listing every request awaiting its answer, instead of
    # one reminder per request (the rules: followups.domain). Weekly unless set otherwise.
    sammandrag: Mapped[Sammandrag] = mapped_column(
        text_enum(Sammandrag), default=Sammandrag.VECKOVIS, server_default=Sammandrag.VECKOVIS.value
    )

    verksamhet: Mapped[Verksamhet] = relationship()

    def __repr__(self) -> str:
        return f"<Myndighet {self.id} {self.namn!r}>"


class Omrade(Model):
    """A subject area brister are grouped by (ekonomi, bostad, ...)."""

    __tablename__ = "omrade"
    __table_args__ = (sa.UniqueConstraint("verksamhet_id", "namn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    verksamhet_id: Mapped[int] = mapped_column(sa.ForeignKey("verksamhet.id"), index=True)
    namn: Mapped[str] = mapped_column(sa.String(100))
    is_active: Mapped[bool] = mapped_column(default=True)

    verksamhet: Mapped[Verksamhet] = relationship()

    def __repr__(self) -> str:
        return f"<Omrade {self.id} {self.namn!r}>"
