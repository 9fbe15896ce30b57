"""Reading ledningsgrupper and meetings, and what the agenda rules need to know of the brister."""

from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import exists, select
from sqlalchemy.orm import QueryableAttribute, joinedload, selectinload

from systemfel.auth.domain import Role
from systemfel.auth.models import User, user_verksamhet
from systemfel.brister.domain import HandelseTyp, Niva, Status
from systemfel.brister.models import Brist, Handelse
from systemfel.clock import STOCKHOLM
from systemfel.extensions import db
from systemfel.followups import queries as followups_queries
from systemfel.followups.domain import EfterkontrollSvar, PromiseState, SvarTyp
from systemfel.followups.models import Bevakning, Efterkontroll, Kontakt, Svar
from systemfel.meetings.domain import BristLage, CarriedPunkt, DagordningInput, MotesStatus
from systemfel.meetings.models import (
    Ledamot,
    Ledningsgrupp,
    Lyft,
    Mote,
    Punkt,
    ledningsgrupp_verksamhet,
)
from systemfel.verksamheter.models import Verksamhet
from systemfel.verksamheter.scope import Scope

HELD = (MotesStatus.GENOMFORT, MotesStatus.PROTOKOLL_JUSTERAT)


def local_date(moment: datetime) -> date:
    """Return the Stockholm calendar day of a UTC moment."""
    return moment.astimezone(STOCKHOLM).date()


def groups_for(*, scope: Scope) -> list[Ledningsgrupp]:
    """Return the groups covering any of the scope's verksamheter.

    A ledningsgrupp login (`scope.member_user_id`) sees only the groups it is a member of.
    """
    query = select(Ledningsgrupp).options(selectinload(Ledningsgrupp.verksamheter))
    query = query.where(*_visible_groups(scope, Ledningsgrupp.id))
    return list(db.session.scalars(query.order_by(Ledningsgrupp.namn)))


def _visible_groups(
    scope: Scope, group_id: sa.ColumnElement[int] | QueryableAttribute[int]
) -> list[sa.ColumnElement[bool]]:
    """The conditions that limit a query on a ledningsgrupp id column to the scope's groups."""
    conditions: list[sa.ColumnElement[bool]] = []
    covered = scope.where(ledningsgrupp_verksamhet.c.verksamhet_id)
    if covered:
        covering = select(ledningsgrupp_verksamhet.c.ledningsgrupp_id).where(*covered)
        conditions.append(group_id.in_(covering))
    if scope.member_user_id is not None:
        member_of = select(Ledamot.ledningsgrupp_id).where(Ledamot.user_id == scope.member_user_id)
        conditions.append(group_id.in_(member_of))
    return conditions


def sees_group(scope: Scope, group: Ledningsgrupp) -> bool:
    """Does the scope see the group: one of its verksamheter, and membership for a login?"""
    if not scope.is_everything and not any(map(scope.covers, group.verksamhet_ids)):
        return False
    member = scope.member_user_id
    return member is None or member in {m.user_id for m in group.ledamoter}


def get_group(group_id: int, *, scope: Scope) -> Ledningsgrupp | None:
    """Return the group if the scope sees it (see `sees_group`)."""
    group = db.session.get(Ledningsgrupp, group_id)
    return group if group is not None and sees_group(scope, group) else None


def get_mote(mote_id: int, *, scope: Scope) -> Mote | None:
    """Return the meeting if its group is visible in the scope."""
    mote = db.session.get(Mote, mote_id)
    if mote is None or get_group(mote.ledningsgrupp_id, scope=scope) is None:
        return None
    return mote


def verksamheter_in(scope: Scope) -> list[Verksamhet]:
    """The verksamheter a group may be set to cover: those of the scope, by name."""
    query = select(Verksamhet).where(*scope.where(Verksamhet.id))
    return list(db.session.scalars(query.order_by(Verksamhet.namn)))


def member_logins(group: Ledningsgrupp) -> list[User]:
    """The active ledningsgrupp logins of the group's verksamheter, who may become members."""
    in_group = select(user_verksamhet.c.user_id).where(
        user_verksamhet.c.verksamhet_id.in_(group.verksamhet_ids)
    )
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role == Role.LEDNINGSGRUPP,
                User.is_active_account.is_(True),
                User.id.in_(in_group),
            )
            .order_by(User.namn)
        )
    )


def moten_of(group: Ledningsgrupp) -> list[Mote]:
    """Return the group's meetings, the latest first."""
    return list(
        db.session.scalars(
            select(Mote).where(Mote.ledningsgrupp_id == group.id).order_by(Mote.starts_at.desc())
        )
    )


def previous_mote(mote: Mote) -> Mote | None:
    """Return the group's last held meeting before this one."""
    return db.session.scalar(
        select(Mote)
        .where(
            Mote.ledningsgrupp_id == mote.ledningsgrupp_id,
            Mote.starts_at < mote.starts_at,
            Mote.status.in_(HELD),
            Mote.id != mote.id,
        )
        .order_by(Mote.starts_at.desc())
        .limit(1)
    )


def next_mote(mote: Mote) -> Mote | None:
    """Return the group's next meeting after this one that is not yet held (planned)."""
    return db.session.scalar(
        select(Mote)
        .where(
            Mote.ledningsgrupp_id == mote.ledningsgrupp_id,
            Mote.starts_at > mote.starts_at,
            Mote.status.not_in(HELD),
            Mote.id != mote.id,
        )
        .order_by(Mote.starts_at)
        .limit(1)
    )


def dagordning_input(mote: Mote) -> DagordningInput:
    """Gather what the agenda rules look at, in a fixed number of queries."""
    group = mote.ledningsgrupp
    previous = previous_mote(mote)
    brister = db.session.execute(
        select(
            Brist.id,
            Brist.niva,
            Brist.created_at,
            Brist.marked_for_group_at,
            Brist.escalation_proposed_at,
        ).where(Brist.verksamhet_id.in_(group.verksamhet_ids), Brist.status != Status.STANGD)
    ).all()
    ids = [row.id for row in brister]
    due = _bevakningar_due(ids)
    answers = _latest_answers(ids)
    discussed = _discussed_before(group.id, ids)
    mote_on = local_date(mote.starts_at)
    broken = _promises_broken(group.verksamhet_ids, mote_on)
    returned = _fixes_returned(ids)
    lagen = [
        BristLage(
            brist_id=row.id,
            niva=row.niva,
            registered_on=local_date(row.created_at),
            marked_for_group=row.marked_for_group_at is not None,
            discussed_before=row.id in discussed,
            bevakning_due_on=due.get(row.id),
            last_answer_on=answers[row.id][0] if row.id in answers else None,
            last_answer_typ=answers[row.id][1] if row.id in answers else None,
            promised_on=answers[row.id][2] if row.id in answers else None,
            escalation_proposed=row.escalation_proposed_at is not None,
            promise_broken_on=broken.get(row.id),
            fix_returned_on=returned.get(row.id),
        )
        for row in brister
    ]
    return DagordningInput(
        mote_on=mote_on,
        previous_mote_on=local_date(previous.starts_at) if previous else None,
        brister=lagen,
        carried_over=_carried_over(previous) if previous else (),
        standing_punkter=group.standing_punkter,
    )


def _chunks(ids: list[int], size: int = 5000) -> Iterable[list[int]]:
    """Split long id lists: SQLite allows only so many bound parameters."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _bevakningar_due(ids: list[int]) -> dict[int, date]:
    due: dict[int, date] = {}
    for chunk in _chunks(ids):
        rows = db.session.execute(
            select(Bevakning.brist_id, Bevakning.due_on).where(
                Bevakning.brist_id.in_(chunk), Bevakning.completed_at.is_(None)
            )
        )
        due.update({row.brist_id: row.due_on for row in rows})
    return due


def _latest_answers(ids: list[int]) -> dict[int, tuple[date, SvarTyp, date | None]]:
    """Return per brist: the day of its latest answer, that answer's kind, the latest promise."""
    latest: dict[int, tuple[date, SvarTyp, date | None]] = {}
    for chunk in _chunks(ids):
        rows = db.session.execute(
            select(Kontakt.brist_id, Svar.received_at, Svar.typ, Svar.promised_on)
            .join(Svar, Svar.kontakt_id == Kontakt.id)
            .where(Kontakt.brist_id.in_(chunk))
            .order_by(Svar.received_at)
        )
        for row in rows:
            promised = row.promised_on or (latest.get(row.brist_id) or (None, None, None))[2]
            latest[row.brist_id] = (local_date(row.received_at), row.typ, promised)
    return latest


def _promises_broken(verksamhet_ids: Iterable[int], mote_on: date) -> dict[int, date]:
    """Per open brist: the day its latest promise broken by the meeting's day broke."""
    found: dict[int, date] = {}
    for promise in followups_queries.promises(
        Brist.verksamhet_id.in_(list(verksamhet_ids)), Brist.status != Status.STANGD, today=mote_on
    ):
        if promise.state == PromiseState.BROKEN:
            found[promise.brist_id] = max(promise.broken_on, found.get(promise.brist_id, date.min))
    return found


def _fixes_returned(ids: list[int]) -> dict[int, date]:
    """Per brist: the last day an efterkontroll found that its fix did not last."""
    found: dict[int, date] = {}
    for chunk in _chunks(ids):
        for brist_id, answered_at in db.session.execute(
            select(Efterkontroll.brist_id, Efterkontroll.answered_at).where(
                Efterkontroll.brist_id.in_(chunk),
                Efterkontroll.svar == EfterkontrollSvar.ATERKOMMIT,
                Efterkontroll.answered_at.is_not(None),
            )
        ):
            day = local_date(answered_at)  # type: ignore[arg-type]  # filtered: IS NOT NULL
            found[brist_id] = max(day, found.get(brist_id, day))
    return found


def _discussed_before(group_id: int, ids: list[int]) -> set[int]:
    """Return the brister that were on the agenda of a held meeting of the group."""
    held = select(Mote.id).where(Mote.ledningsgrupp_id == group_id, Mote.status.in_(HELD))
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(
            db.session.scalars(
                select(Punkt.brist_id).where(
                    Punkt.mote_id.in_(held), Punkt.brist_id.in_(chunk), Punkt.is_removed.is_(False)
                )
            )
        )
    return found


def _carried_over(previous: Mote) -> list[CarriedPunkt]:
    """The items the previous meeting did not deal with."""
    return [
        CarriedPunkt(key=punkt.key, rubrik=punkt.rubrik, brist_id=punkt.brist_id)
        for punkt in previous.visible_punkter
        if punkt.is_deferred
    ]


def brister_by_id(ids: Iterable[int]) -> dict[int, Brist]:
    """Load brister with what an agenda item shows of them."""
    wanted = list(set(ids))
    found: dict[int, Brist] = {}
    for chunk in _chunks(wanted):
        found.update(
            (brist.id, brist)
            for brist in db.session.scalars(
                select(Brist).where(Brist.id.in_(chunk)).options(selectinload(Brist.myndighet))
            )
        )
    return found


def lyft_of(brist: Brist) -> tuple[list[Lyft], bool]:
    """The brist's lifts to strategic bodies, newest first, and whether an agenda has it.

    One statement: it starts from the brist, so it has a row even when there is no lift, and
    asks whether any meeting's agenda has the brist (most brister are on none, and then their
    page needs no statement for meetings).
    """
    on_agenda = exists().where(Punkt.brist_id == brist.id, Punkt.is_removed.is_(False))
    rows = db.session.execute(
        select(Lyft, on_agenda)
        .select_from(Brist)
        .outerjoin(Lyft, Lyft.brist_id == Brist.id)
        .where(Brist.id == brist.id)
        .options(joinedload(Lyft.svar_by))
        .order_by(Lyft.id.desc())
    ).all()
    lifts = [lyft for lyft, _ in rows if lyft is not None]
    return lifts, any(on_any_agenda for _, on_any_agenda in rows)


def lage_of(ids: Iterable[int]) -> dict[int, tuple[Niva, bool]]:
    """Return each brist's nivå now and whether it is closed, in one statement per chunk."""
    wanted = list(set(ids))
    found: dict[int, tuple[Niva, bool]] = {}
    for chunk in _chunks(wanted):
        rows = db.session.execute(
            select(Brist.id, Brist.niva, Brist.status).where(Brist.id.in_(chunk))
        )
        found.update((brist_id, (niva, status == Status.STANGD)) for brist_id, niva, status in rows)
    return found


def latest_events(ids: Iterable[int]) -> dict[int, tuple[HandelseTyp, date, str]]:
    """Return per brist its latest history entry (the last line of its history).

    Each as its kind, the day it happened and its free text; one statement per chunk.
    """
    wanted = list(set(ids))
    found: dict[int, tuple[HandelseTyp, date, str]] = {}
    for chunk in _chunks(wanted):
        latest = (
            select(sa.func.max(Handelse.id))
            .where(Handelse.brist_id.in_(chunk))
            .group_by(Handelse.brist_id)
        )
        rows = db.session.execute(
            select(Handelse.brist_id, Handelse.typ, Handelse.happened_on, Handelse.text).where(
                Handelse.id.in_(latest)
            )
        )
        found.update((brist_id, (typ, on, text)) for brist_id, typ, on, text in rows)
    return found


def latest_answer_texts(ids: Iterable[int]) -> dict[int, tuple[str, str, date]]:
    """Return per brist its latest answer: kind, text, the day it came."""
    wanted = list(set(ids))
    texts: dict[int, tuple[str, str, date]] = {}
    for chunk in _chunks(wanted):
        rows = db.session.execute(
            select(Kontakt.brist_id, Svar.typ, Svar.text, Svar.received_at)
            .join(Svar, Svar.kontakt_id == Kontakt.id)
            .where(Kontakt.brist_id.in_(chunk))
            .order_by(Svar.received_at)
        )
        for row in rows:
            texts[row.brist_id] = (row.typ.value, row.text, local_date(row.received_at))
    return texts


def moten_with_brist(brist: Brist, *, scope: Scope) -> list[tuple[Mote, Punkt]]:
    """Return the meetings (of the scope's groups) whose agenda has the brist, latest first."""
    rows = db.session.execute(
        select(Mote, Punkt)
        .join(Punkt, Punkt.mote_id == Mote.id)
        .where(Punkt.brist_id == brist.id, Punkt.is_removed.is_(False))
        .where(*_visible_groups(scope, Mote.ledningsgrupp_id))
        .options(joinedload(Mote.ledningsgrupp))
        .order_by(Mote.starts_at.desc())
    ).all()
    return [(row[0], row[1]) for row in rows]
