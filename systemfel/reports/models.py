"""The annual report: a draft per verksamheter and year, and the versions frozen from it."""

from datetime import date, datetime
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


# --- The statistics page's summaries (reports.summaries), refreshed by the scheduler ---------
#
# One set of rows per verksamhet, so that any scope's figures are a sum over its verksamheter.
# They are counted afresh as a whole (`reports.summaries.refresh`); nothing else writes them.


class StatisticsRefresh(Model):
    """When the summaries were last counted (one row, id 1; never counted: computed_at None)."""

    __tablename__ = "statistics_refresh"

    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The Stockholm day that late answers and promises were judged on.
    computed_on: Mapped[date | None]

    def __repr__(self) -> str:
        return f"<StatisticsRefresh {self.computed_at}>"


class StatisticsCount(Model):
    """Brister registered in a year (not merged away) by nivå, myndighet or område (by name)."""

    __tablename__ = "statistics_count"

    verksamhet_id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    # "niva" (label: the Niva value), "myndighet" or "omrade" (label: the name)
    dimension: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    n: Mapped[int]

    def __repr__(self) -> str:
        return f"<StatisticsCount {self.verksamhet_id} {self.year} {self.label}={self.n}>"


class StatisticsYear(Model):
    """A year's new, closed and open brister (reports.domain.tally_years) in a verksamhet.

    Counted for every year from the verksamhet's first to the last year of any verksamhet;
    `is_active`: something was registered, closed or reopened in the verksamhet that year
    (which years a scope's trend spans).
    """

    __tablename__ = "statistics_year"

    verksamhet_id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    is_active: Mapped[bool]
    new: Mapped[int]
    closed: Mapped[int]
    open_at_end: Mapped[int]

    def __repr__(self) -> str:
        return f"<StatisticsYear {self.verksamhet_id} {self.year}>"


class StatisticsClosingDays(Model):
    """How many of a year's closed brister took `days` from registration to closure."""

    __tablename__ = "statistics_closing_days"

    verksamhet_id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    days: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]

    def __repr__(self) -> str:
        return f"<StatisticsClosingDays {self.verksamhet_id} {self.year} {self.days}={self.n}>"


class StatisticsAnswers(Model):
    """Requests sent to a myndighet (by name) in a year, by days to answer (None: no answer)."""

    __tablename__ = "statistics_answers"
    __table_args__ = (sa.Index("ix_statistics_answers_verksamhet_year", "verksamhet_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    verksamhet_id: Mapped[int]
    year: Mapped[int]
    myndighet: Mapped[str] = mapped_column(sa.String(200))
    days: Mapped[int | None]
    requests: Mapped[int]
    late: Mapped[int]

    def __repr__(self) -> str:
        return f"<StatisticsAnswers {self.verksamhet_id} {self.year} {self.myndighet}>"


class StatisticsPromises(Model):
    """Promises given by a myndighet (by name) in a year, as they stood on computed_on."""

    __tablename__ = "statistics_promises"

    verksamhet_id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    myndighet: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    kept: Mapped[int]
    broken: Mapped[int]
    pending: Mapped[int]
    other: Mapped[int]

    def __repr__(self) -> str:
        return f"<StatisticsPromises {self.verksamhet_id} {self.year} {self.myndighet}>"


class StatisticsFixes(Model):
    """Closings as åtgärdad in a year and what their efterkontroller found."""

    __tablename__ = "statistics_fixes"

    verksamhet_id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    closed_fixed: Mapped[int]
    checked: Mapped[int]
    lasting: Mapped[int]
    returned: Mapped[int]

    def __repr__(self) -> str:
        return f"<StatisticsFixes {self.verksamhet_id} {self.year}>"
