"""The annual report: a draft per verksamheter and year, and the versions frozen from it."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from systemfel.auth.models import User
from systemfel.dbtypes import UTCDateTime, utcnow
from systemfel.extensions import Model


def scope_key(verksamhet_ids: frozenset[int]) -> str:
    """Name a set of verksamheter the same way whatever order they were chosen in."""
    return ",".join(str(i) for i in sorted(verksamhet_ids))


class Rapport(Model):
    """What the samordnare wrote for a year's report: introduction, closing, edited summaries."""

    __tablename__ = "rapport"
    __table_args__ = (sa.UniqueConstraint("scope", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The verksamheter the report covers, as scope_key() writes them: "3" or "3,7,12".
    scope: Mapped[str] = mapped_column(sa.String(4000))
    year: Mapped[int]
    introduction: Mapped[str] = mapped_column(sa.Text, default="")
    closing: Mapped[str] = mapped_column(sa.Text, default="")
    # {brist id (as text): the summary as edited for the report}
    summaries: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # 6 b: the samordnare's changes to the themes, as domain.ThemeDraft.to_dict() writes them.
    teman: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, server_default="{}")
    # Brister left out of the year's report: {brist id (as text): the reason}.
    excluded: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, server_default="{}")
    # Is the register detail printed as the appendix "Bilaga: förteckning"?
    appendix: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # 6 c as the samordnare edited it: domain.measure_draft_to_dict (left out, texts, order,
    # her own measures by key)
    atgarder: Mapped[dict[str, Any]] = mapped_column(
        sa.JSON, default=dict, server_default=sa.text("'{}'")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    updated_by: Mapped[User | None] = relationship()
    versions: Mapped[list["RapportVersion"]] = relationship(
        back_populates="rapport", order_by="RapportVersion.number"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def verksamhet_ids(self) -> frozenset[int]:
        """Return the ids of the verksamheter the report covers."""
        return frozenset(int(part) for part in self.scope.split(",") if part)

    def __repr__(self) -> str:
        return f"<Rapport {self.id} {self.year} [{self.scope}]>"


class RapportVersion(Model):
    """A frozen report: everything it said, stored, so later changes to brister leave it alone."""

    __tablename__ = "rapport_version"
    __table_args__ = (sa.UniqueConstraint("rapport_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rapport_id: Mapped[int] = mapped_column(sa.ForeignKey("rapport.id", ondelete="CASCADE"))
    number: Mapped[int]
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    frozen_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    rapport: Mapped[Rapport] = relationship(back_populates="versions")
    frozen_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<RapportVersion {self.id} rapport={self.rapport_id} #{self.number}>"
