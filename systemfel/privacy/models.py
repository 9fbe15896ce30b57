"""Redactions for the privacy rule: which field, by whom, when — never what was removed."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from systemfel.dbtypes import UTCDateTime, utcnow
from systemfel.extensions import Model


class Redaction(Model):
    """One field of one row from which an identity number was removed."""

    __tablename__ = "privacy_redaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(sa.String(64))
    row_id: Mapped[int]
    column_name: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(64))
    # None when it was done from the command line.
    redacted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    redacted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Redaction {self.table_name}.{self.column_name} row {self.row_id}>"
