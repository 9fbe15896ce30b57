"""What the start pages show beyond follow-ups: a fixed number of queries whatever the rows."""

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from systemfel.brister.domain import Status
from systemfel.brister.models import Brist
from systemfel.clock import STOCKHOLM
from systemfel.extensions import db
from systemfel.followups.models import Kontakt
from systemfel.meetings.domain import MotesStatus
from systemfel.meetings.models import Ledamot, Ledningsgrupp, Mote, ledningsgrupp_verksamhet
from systemfel.reports.models import Rapport, scope_key
from systemfel.verksamheter.scope import Scope

# How many rows a start page lists of each kind; the rest is one link away.
SHOWN = 20


def my_open_brister(*, scope: Scope, user_id: int) -> list[Brist]:
    """The open brister the user is responsible for, the oldest first (at most SHOWN)."""
    return list(
        db.session.scalars(
            select(Brist)
            .where(
                Brist.ansvarig_id == user_id,
                Brist.status != Status.STANGD,
                *scope.where(Brist.verksamhet_id),
            )
            .options(joinedload(Brist.myndighet))
            .order_by(Brist.id)
            .limit(SHOWN)
        )
    )


@dataclass(frozen=True)
class Awaiting:
    """A request of the user's still without an answer; late once its deadline has passed."""

    kontakt: Kontakt
    is_late: bool


def awaiting_answers(*, scope: Scope, user_id: int, today: date) -> list[Awaiting]:
    """Requests the user sent that a myndighet has not answered: the earliest deadline first.

    A request counts while its brist is open, its links work and it has a deadline; it is
    late when the deadline has passed and the clock is not paused (as `late_answers`).
    """
    rows = db.session.scalars(
        select(Kontakt)
        .join(Brist, Brist.id == Kontakt.brist_id)
        .where(
            Kontakt.created_by_id == user_id,
            Kontakt.answered_at.is_(None),
            Kontakt.links_revoked_at.is_(None),
            Kontakt.answer_due_on.is_not(None),
            Brist.status != Status.STANGD,
            *scope.where(Brist.verksamhet_id),
        )
        .options(joinedload(Kontakt.myndighet), joinedload(Kontakt.brist))
        .order_by(Kontakt.answer_due_on, Kontakt.id)
        .limit(SHOWN)
    )
    return [
        Awaiting(k, k.paused_on is None and k.answer_due_on is not None and k.answer_due_on < today)
        for k in rows
    ]


def next_moten(*, scope: Scope, today: date) -> list[Mote]:
    """The next meeting not yet held of each ledningsgrupp the scope sees, the soonest first.

    A samordnare sees the groups of her verksamheter; a ledningsgrupp login only the groups it
    is a member of (as meetings.queries.groups_for).
    """
    conditions: list[sa.ColumnElement[bool]] = []
    covered = scope.where(ledningsgrupp_verksamhet.c.verksamhet_id)
    if covered:
        covering = select(ledningsgrupp_verksamhet.c.ledningsgrupp_id).where(*covered)
        conditions.append(Mote.ledningsgrupp_id.in_(covering))
    if scope.member_user_id is not None:
        member_of = select(Ledamot.ledningsgrupp_id).where(Ledamot.user_id == scope.member_user_id)
        conditions.append(Mote.ledningsgrupp_id.in_(member_of))
    start_of_today = datetime.combine(today, time(0), STOCKHOLM)
    moten = db.session.scalars(
        select(Mote)
        .where(
            Mote.starts_at >= start_of_today,
            Mote.status.in_([MotesStatus.PLANERAT, MotesStatus.DAGORDNING_FASTSTALLD]),
            *conditions,
        )
        .options(joinedload(Mote.ledningsgrupp).selectinload(Ledningsgrupp.verksamheter))
        .order_by(Mote.starts_at, Mote.id)
    )
    first: dict[int, Mote] = {}
    for mote in moten:
        first.setdefault(mote.ledningsgrupp_id, mote)
    return list(first.values())


@dataclass(frozen=True)
class YearReport:
    """The year's report of a samordnare's verksamheter and where it stands."""

    year: int
    verksamhet_ids: frozenset[int]
    rapport: Rapport | None

    @property
    def frozen(self) -> int:
        """How many versions are frozen."""
        return len(self.rapport.versions) if self.rapport is not None else 0


def year_report(*, verksamhet_ids: frozenset[int], year: int) -> YearReport:
    """The draft and frozen versions of the report of exactly these verksamheter this year."""
    rapport = db.session.scalar(
        select(Rapport)
        .where(Rapport.scope == scope_key(verksamhet_ids), Rapport.year == year)
        .options(selectinload(Rapport.versions))
    )
    return YearReport(year, verksamhet_ids, rapport)
