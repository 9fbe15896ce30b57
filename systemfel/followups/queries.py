"""Reading follow-ups: one brist's, a person's or a verksamhet's work list, late answers."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from systemfel.brister.domain import HandelseTyp, Status
from systemfel.brister.models import Brist, Handelse
from systemfel.extensions import db
from systemfel.followups.models import Bevakning, Efterkontroll, Kontakt, Svar
from systemfel.verksamheter.models import Myndighet
from systemfel.verksamheter.scope import Scope

COMING_DAYS = 21


@dataclass
class BristBevakningar:
    """What the brist page shows of follow-ups: the open one, the done ones, the contacts."""

    open: Bevakning | None
    done: list[Bevakning]
    kontakter: list[Kontakt]


def for_brist(brist: Brist) -> BristBevakningar:
    """Return a brist's follow-ups and contacts in a fixed number of queries."""
    bevakningar = db.session.scalars(
        select(Bevakning)
        .where(Bevakning.brist_id == brist.id)
        .options(joinedload(Bevakning.completed_by))
        .order_by(Bevakning.id.desc())
    ).all()
    kontakter = db.session.scalars(
        select(Kontakt)
        .where(Kontakt.brist_id == brist.id)
        .options(
            joinedload(Kontakt.myndighet),
            joinedload(Kontakt.created_by),
            selectinload(Kontakt.svar),
        )
        .order_by(Kontakt.id.desc())
    ).all()
    open_one = next((b for b in bevakningar if b.completed_at is None), None)
    return BristBevakningar(open_one, [b for b in bevakningar if b.completed_at], list(kontakter))


@dataclass
class WorkList:
    """A start page: follow-ups overdue, due today and coming; escalations; late answers."""

    overdue: list[Bevakning] = field(default_factory=list)
    today: list[Bevakning] = field(default_factory=list)
    coming: list[Bevakning] = field(default_factory=list)
    late_answers: list[tuple[Myndighet, int, date]] = field(default_factory=list)


def work_list(
    *,
    scope: Scope,
    ansvarig_id: int | None,
    today: date,
    with_late_answers: bool,
) -> WorkList:
    """Open follow-ups up to three weeks ahead, for one person or for whole verksamheter."""
    query = (
        select(Bevakning)
        .join(Brist, Brist.id == Bevakning.brist_id)
        .where(
            Bevakning.completed_at.is_(None),
            Bevakning.due_on <= today + timedelta(days=COMING_DAYS),
            Brist.status != Status.STANGD,
            *scope.where(Brist.verksamhet_id),
        )
        .options(
            selectinload(Bevakning.brist).selectinload(Brist.ansvarig),
            selectinload(Bevakning.brist).selectinload(Brist.myndighet),
        )
        .order_by(Bevakning.due_on, Bevakning.id)
    )
    if ansvarig_id is not None:
        query = query.where(Brist.ansvarig_id == ansvarig_id)
    result = WorkList()
    for bevakning in db.session.scalars(query):
        if bevakning.due_on < today:
            result.overdue.append(bevakning)
        elif bevakning.due_on == today:
            result.today.append(bevakning)
        else:
            result.coming.append(bevakning)
    if with_late_answers:
        result.late_answers = late_answers(scope, today)
    return result


def late_answers(scope: Scope, today: date) -> list[tuple[Myndighet, int, date]]:
    """Myndigheter with answers past due: how many, and the oldest deadline; most first."""
    rows = db.session.execute(
        select(Kontakt.myndighet_id, func.count(), func.min(Kontakt.answer_due_on))
        .join(Brist, Brist.id == Kontakt.brist_id)
        .where(
            *scope.where(Brist.verksamhet_id),
            Kontakt.answered_at.is_(None),
            Kontakt.links_revoked_at.is_(None),
            Kontakt.answer_due_on < today,
        )
        .group_by(Kontakt.myndighet_id)
    ).all()
    names = {
        m.id: m
        for m in db.session.scalars(
            select(Myndighet).where(Myndighet.id.in_([row[0] for row in rows]))
        )
    }
    # Every group has a deadline before today, so its oldest is never None.
    found = [
        (names[myndighet_id], count, oldest)
        for myndighet_id, count, oldest in rows
        if oldest is not None
    ]
    return sorted(found, key=lambda item: (-item[1], item[2]))


def latest_answer(kontakt: Kontakt) -> Svar | None:
    """Return the newest answer of a contact."""
    return kontakt.svar[-1] if kontakt.svar else None


def _latest_closing(brist_id_column: Any) -> Any:
    """The id of a brist's latest closing, as a correlated subquery."""
    return (
        select(func.max(Handelse.id))
        .where(Handelse.brist_id == brist_id_column, Handelse.typ == HandelseTyp.STANGD)
        .scalar_subquery()
    )


def _current_efterkontroller() -> Select[Efterkontroll]:
    """Checks that still apply: their brist is closed, by the closing they are about."""
    return (
        select(Efterkontroll)
        .join(Brist, Brist.id == Efterkontroll.brist_id)
        .where(
            Brist.status == Status.STANGD,
            Efterkontroll.stangd_handelse_id == _latest_closing(Efterkontroll.brist_id),
        )
    )


def efterkontroll_for_brist(brist: Brist) -> Efterkontroll | None:
    """The brist's check that still applies (answered or not), if it has one."""
    if not brist.is_closed:
        return None  # only a closed brist's closing is checked: no query for an open one
    return db.session.scalar(
        _current_efterkontroller()
        .where(Efterkontroll.brist_id == brist.id)
        .options(joinedload(Efterkontroll.answered_by))
    )


def efterkontroller_due(
    *, scope: Scope, ansvarig_id: int | None, today: date
) -> list[Efterkontroll]:
    """Unanswered checks due by `today`: "Håller åtgärden?" on a start page, oldest first."""
    query = (
        _current_efterkontroller()
        .where(
            Efterkontroll.answered_at.is_(None),
            Efterkontroll.due_on <= today,
            *scope.where(Brist.verksamhet_id),
        )
        .options(selectinload(Efterkontroll.brist).selectinload(Brist.ansvarig))
        .order_by(Efterkontroll.due_on, Efterkontroll.id)
    )
    if ansvarig_id is not None:
        query = query.where(Brist.ansvarig_id == ansvarig_id)
    return list(db.session.scalars(query))
