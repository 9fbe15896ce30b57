"""Reading follow-ups: one brist's, a person's or a verksamhet's work list, late answers."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import joinedload, selectinload

from systemfel.brister.domain import HandelseTyp, Status, Utfall
from systemfel.brister.models import Brist, Handelse
from systemfel.clock import local_today
from systemfel.extensions import db
from systemfel.followups.domain import (
    FIXED_UTFALL,
    PromiseState,
    SvarTyp,
    promise_broken_on,
    promise_state,
)
from systemfel.followups.models import Bevakning, Efterkontroll, Kontakt, Svar
from systemfel.verksamheter.models import Myndighet
from systemfel.verksamheter.scope import Scope
from systemfel.workdays import calendar_around

COMING_DAYS = 21


@dataclass
class BristBevakningar:
    """What the brist page shows of follow-ups: the open one, the done ones, the contacts."""

    open: Bevakning | None
    done: list[Bevakning]
    kontakter: list[Kontakt]


def for_brist(brist: Brist) -> BristBevakningar:
    """Return a brist's follow-ups and contacts: two statements, one if it has no contacts.

    The follow-ups' statement also asks whether the brist has a contact (every brist has a
    follow-up from its registration on), so the contacts are read only if there are some.
    """
    rows = db.session.execute(
        select(Bevakning, exists().where(Kontakt.brist_id == brist.id))
        .where(Bevakning.brist_id == brist.id)
        .options(joinedload(Bevakning.completed_by))
        .order_by(Bevakning.id.desc())
    ).all()
    bevakningar = [bevakning for bevakning, _ in rows]
    has_kontakter = rows[0][1] if rows else True
    kontakter = _kontakter_of(brist) if has_kontakter else []
    open_one = next((b for b in bevakningar if b.completed_at is None), None)
    return BristBevakningar(open_one, [b for b in bevakningar if b.completed_at], kontakter)


def _kontakter_of(brist: Brist) -> list[Kontakt]:
    return list(
        db.session.scalars(
            select(Kontakt)
            .where(Kontakt.brist_id == brist.id)
            .options(
                joinedload(Kontakt.myndighet),
                joinedload(Kontakt.created_by),
                joinedload(Kontakt.svar),  # the one collection joined: a row per answer
            )
            .order_by(Kontakt.id.desc())
        ).unique()
    )


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
            Kontakt.paused_on.is_(None),  # a paused clock is not late
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


# --- Promises -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Promise:
    """A myndighet's "åtgärd utlovad" with a date, and where it stands (domain.promise_state)."""

    svar_id: int
    brist_id: int
    myndighet: str
    given_on: date
    promised_on: date
    broken_on: date
    state: PromiseState


@dataclass(frozen=True)
class _Answer:
    """What the promise rule reads of an answer."""

    id: int
    typ: SvarTyp
    received_at: datetime
    promised_on: date | None
    brist_id: int
    myndighet: str


def promises(*conditions: Any, today: date) -> list[Promise]:
    """Every promise on the brister that match `conditions` (on Brist), in two statements.

    Always two, promises or not, so a page's statement count does not depend on the data.

    The answers "åtgärd utlovad" and "åtgärdat" and the closings of those brister are read
    once; the rule (`domain.promise_state`) is applied in Python, per promise.
    """
    answers = [
        _Answer(*row)
        for row in db.session.execute(
            select(
                Svar.id,
                Svar.typ,
                Svar.received_at,
                Svar.promised_on,
                Kontakt.brist_id,
                Myndighet.namn,
            )
            .join(Kontakt, Kontakt.id == Svar.kontakt_id)
            .join(Brist, Brist.id == Kontakt.brist_id)
            .join(Myndighet, Myndighet.id == Kontakt.myndighet_id)
            .where(Svar.typ.in_([SvarTyp.ATGARD_UTLOVAD, SvarTyp.ATGARDAT]), *conditions)
            .order_by(Svar.received_at, Svar.id)
        )
    ]
    closings = db.session.execute(
        select(Handelse.brist_id, Handelse.happened_on, Handelse.data)
        .join(Brist, Brist.id == Handelse.brist_id)
        .where(Handelse.typ == HandelseTyp.STANGD, *conditions)
    ).all()
    return _evaluate(answers, [(row[0], row[1], row[2]) for row in closings], today)


def _evaluate(
    answers: list[_Answer], closings: list[tuple[int, date, Any]], today: date
) -> list[Promise]:
    """Apply the promise rule to answers (in the order received) and closings (with data)."""
    fixed: dict[int, list[date]] = defaultdict(list)
    ended: dict[int, list[date]] = defaultdict(list)
    for brist_id, happened_on, data in closings:
        utfall = (data or {}).get("utfall")
        is_fixed = utfall is not None and Utfall(utfall) in FIXED_UTFALL
        (fixed if is_fixed else ended)[brist_id].append(happened_on)
    calendar = calendar_around(today.year)
    found: list[Promise] = []
    for index, answer in enumerate(answers):
        if answer.typ != SvarTyp.ATGARD_UTLOVAD or answer.promised_on is None:
            continue
        given_on = local_today(answer.received_at)
        later = [
            other
            for other in answers[index + 1 :]
            if other.brist_id == answer.brist_id and other.myndighet == answer.myndighet
        ]
        said_done = [local_today(o.received_at) for o in later if o.typ == SvarTyp.ATGARDAT]
        newer = [
            local_today(o.received_at)
            for o in later
            if o.typ == SvarTyp.ATGARD_UTLOVAD and o.promised_on is not None
        ]
        fixed_days = [d for d in fixed[answer.brist_id] if d >= given_on] + said_done
        ended_days = [d for d in ended[answer.brist_id] if d >= given_on]
        found.append(
            Promise(
                svar_id=answer.id,
                brist_id=answer.brist_id,
                myndighet=answer.myndighet,
                given_on=given_on,
                promised_on=answer.promised_on,
                broken_on=promise_broken_on(answer.promised_on, calendar),
                state=promise_state(
                    answer.promised_on,
                    fixed_on=min(fixed_days, default=None),
                    ended_on=min(ended_days, default=None),
                    superseded_on=min(newer, default=None),
                    today=today,
                    calendar=calendar,
                ),
            )
        )
    return found


def broken_promises(brist: Brist, kontakter: list[Kontakt], today: date) -> list[Promise]:
    """The brist's broken promises, for its page ("Utlovad åtgärd inte genomförd").

    Read from what the page loads anyway (its contacts with their answers, its history), so
    the page sends no statement more for them.
    """
    if brist.is_closed:
        return []
    answers = sorted(
        (
            _Answer(
                svar.id, svar.typ, svar.received_at, svar.promised_on, brist.id, k.myndighet.namn
            )
            for k in kontakter
            for svar in k.svar
            if svar.typ in (SvarTyp.ATGARD_UTLOVAD, SvarTyp.ATGARDAT)
        ),
        key=lambda answer: (answer.received_at, answer.id),
    )
    if not any(answer.promised_on for answer in answers):
        return []
    closings = [
        (brist.id, entry.happened_on, entry.data)
        for entry in brist.handelser
        if entry.typ == HandelseTyp.STANGD
    ]
    return [
        promise
        for promise in _evaluate(answers, closings, today)
        if promise.state == PromiseState.BROKEN
    ]
