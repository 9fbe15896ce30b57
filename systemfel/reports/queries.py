"""Reading what the report rules need: each brist of the verksamheter with its dated history.

Also what a myndighet's page shows (`myndighet_page`) and the list of myndigheter.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import ColumnElement, Row, func, or_, select
from sqlalchemy.orm import joinedload

from systemfel.brister.domain import HandelseTyp, Niva, Status, Utfall, decision_sentence
from systemfel.brister.models import Brist, Handelse, Observation
from systemfel.clock import STOCKHOLM
from systemfel.extensions import db
from systemfel.followups import queries as followups_queries
from systemfel.followups.domain import PromiseState, SvarTyp
from systemfel.followups.models import Efterkontroll, Kontakt, Svar
from systemfel.reports.domain import (
    AnswerRecord,
    BristFacts,
    HandelseSteg,
    Kind,
    NivaCount,
    RequestFacts,
    StatusChange,
    Timeline,
    answer_record,
    counts_by_niva,
    one_year_before,
)
from systemfel.verksamheter.models import Kommun, Myndighet, Omrade, Verksamhet
from systemfel.verksamheter.scope import Scope, VerksamhetColumn
from systemfel.workdays import WorkCalendar

CHUNK = 5000
HISTORY_KINDS = (
    HandelseTyp.ESKALERAD,
    HandelseTyp.ANDRAD,
    HandelseTyp.STANGD,
    HandelseTyp.ATEROPPNAD,
    HandelseTyp.BESLUT,
)


def year_start(year: int) -> datetime:
    """Return the first moment of a year in Stockholm, as UTC."""
    return datetime.combine(date(year, 1, 1), time(0), STOCKHOLM).astimezone(UTC)


def _day(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _among(
    column: VerksamhetColumn, scope: Scope, ids: frozenset[int]
) -> list[ColumnElement[bool]]:
    """Rows of the verksamheter `ids`, and never outside the scope whatever `ids` holds."""
    return [column.in_(ids), *scope.where(column)]


def verksamheter(scope: Scope, ids: frozenset[int]) -> list[Verksamhet]:
    """Return the verksamheter (of those in the scope) by name, with their kommuner."""
    return list(
        db.session.scalars(
            select(Verksamhet).where(*_among(Verksamhet.id, scope, ids)).order_by(Verksamhet.namn)
        )
    )


def verksamheter_in(scope: Scope) -> list[Verksamhet]:
    """Return every verksamhet in the scope by name: those a report may be asked for."""
    query = select(Verksamhet).where(*scope.where(Verksamhet.id)).order_by(Verksamhet.namn)
    return list(db.session.scalars(query))


def kommuner(scope: Scope, ids: frozenset[int]) -> list[str]:
    """Return the names of the verksamheter's kommuner."""
    return list(
        db.session.scalars(
            select(Kommun.namn)
            .where(*_among(Kommun.verksamhet_id, scope, ids))
            .order_by(Kommun.namn)
            .distinct()
        )
    )


def checked_closings(
    scope: Scope, verksamhet_ids: frozenset[int], year: int
) -> list[tuple[int, date, str | None]]:
    """Each closing as åtgärdad in `year`: the brist, the day, what its efterkontroll found."""
    return [
        (brist_id, closed_on, svar.value if svar else None)
        for brist_id, closed_on, svar in db.session.execute(
            select(Efterkontroll.brist_id, Efterkontroll.closed_on, Efterkontroll.svar)
            .join(Brist, Brist.id == Efterkontroll.brist_id)
            .where(
                *_among(Brist.verksamhet_id, scope, verksamhet_ids),
                Efterkontroll.closed_on >= date(year, 1, 1),
                Efterkontroll.closed_on <= date(year, 12, 31),
            )
        )
    ]


def brist_facts(scope: Scope, verksamhet_ids: frozenset[int], year: int) -> list[BristFacts]:
    """Every brist that may have been active in the year or the one before, with its history.

    The last closing is in `closed_at`: a brist closed before the previous year began and not
    reopened since was closed all through both years and is left out here already.
    """
    rows = db.session.execute(
        _with_names().where(
            *_among(Brist.verksamhet_id, scope, verksamhet_ids),
            Brist.created_at < year_start(year + 1),
            or_(Brist.closed_at.is_(None), Brist.closed_at >= year_start(year - 1)),
        )
    ).all()
    brister = [*rows, *_merged_long_ago(scope, verksamhet_ids, year, {row.id for row in rows})]
    ids = [brist.id for brist in brister]
    numbers = {(b.verksamhet_id, b.nummer): b.id for b in brister}
    handelser, first_niva = _history(brister, numbers)
    for brist_id, more in _observations(ids).items():
        handelser[brist_id].extend(more)
    for brist_id, more in _answers(ids).items():
        handelser[brist_id].extend(more)
    return [
        BristFacts(
            brist_id=brist.id,
            nummer=brist.nummer,
            titel=brist.titel,
            summary=brist.beskrivning,
            verksamhet=brist.verksamhet,
            myndighet=brist.myndighet,
            omrade=brist.omrade,
            first_niva=first_niva.get(brist.id, brist.niva),
            handelser=tuple(handelser[brist.id]),
        )
        for brist in brister
    ]


def timelines(scope: Scope) -> list[Timeline]:
    """Every brist of the scope with its closings and reopenings: what the counts need.

    One statement, plain rows: the brister joined to those history entries only, in the
    order the history tells them (by day, then as written), as the report reads them.
    """
    return [line for lines in timelines_by_verksamhet(scope).values() for line in lines]


def timelines_by_verksamhet(scope: Scope) -> dict[int, list[Timeline]]:
    """The scope's timelines (see `timelines`), each verksamhet's apart, in one statement."""
    rows = db.session.execute(
        select(
            Brist.id,
            Brist.verksamhet_id,
            Brist.created_at,
            Handelse.typ,
            Handelse.happened_on,
            Handelse.data,
        )
        .outerjoin(
            Handelse,
            (Handelse.brist_id == Brist.id)
            & Handelse.typ.in_((HandelseTyp.STANGD, HandelseTyp.ATEROPPNAD)),
        )
        .where(*scope.where(Brist.verksamhet_id))
        .order_by(Brist.id, Handelse.happened_on, Handelse.id)
    )
    registered: dict[int, tuple[int, date]] = {}
    changes: dict[int, list[StatusChange]] = defaultdict(list)
    for brist_id, verksamhet_id, created_at, typ, on, data in rows:
        registered.setdefault(brist_id, (verksamhet_id, _day(created_at)))
        if typ is not None:
            merge = typ == HandelseTyp.STANGD and (data or {}).get("utfall") == Utfall.SAMMANSLAGEN
            changes[brist_id].append(StatusChange(on, typ == HandelseTyp.STANGD, merge))
    found: dict[int, list[Timeline]] = defaultdict(list)
    for brist_id, (verksamhet_id, day) in registered.items():
        found[verksamhet_id].append(Timeline(day, tuple(changes[brist_id])))
    return dict(found)


def _with_names():
    """Plain rows, not objects: a national roll-up reads well over 100,000 brister."""
    return (
        select(
            Brist.id,
            Brist.verksamhet_id,
            Brist.nummer,
            Brist.titel,
            Brist.beskrivning,
            Brist.niva,
            Brist.antal_klienter,
            Brist.created_at,
            Brist.merged_into_id,
            Verksamhet.namn.label("verksamhet"),
            Myndighet.namn.label("myndighet"),
            Omrade.namn.label("omrade"),
        )
        .join(Verksamhet, Verksamhet.id == Brist.verksamhet_id)
        .join(Myndighet, Myndighet.id == Brist.myndighet_id)
        .join(Omrade, Omrade.id == Brist.omrade_id)
        .order_by(Brist.id)
    )


def _merged_long_ago(
    scope: Scope, verksamhet_ids: frozenset[int], year: int, loaded: set[int]
) -> list[Row]:
    """Brister merged before the previous year into a loaded one: their counts still add up."""
    rows = db.session.execute(
        _with_names().where(
            *_among(Brist.verksamhet_id, scope, verksamhet_ids),
            Brist.merged_into_id.is_not(None),
            Brist.closed_at < year_start(year - 1),
        )
    ).all()
    return [row for row in rows if row.merged_into_id in loaded]


def _history(
    brister: list[Row], numbers: dict[tuple[int, str], int]
) -> tuple[dict[int, list[HandelseSteg]], dict[int, Niva]]:
    """Registration, level changes, closings, reopenings and decisions from each history.

    Also the level each brist had before its first change of level. Read from each entry's
    kind and data, dated by when it happened; never from the text people see.
    """
    by_id = {brist.id: brist for brist in brister}
    handelser: dict[int, list[HandelseSteg]] = defaultdict(list)
    first_niva: dict[int, Niva] = {}
    for brist in brister:
        handelser[brist.id].append(
            HandelseSteg(
                _day(brist.created_at), Kind.REGISTERED, antal_klienter=brist.antal_klienter
            )
        )
    for chunk in _chunks(list(by_id)):
        rows = db.session.execute(
            select(
                Handelse.id,
                Handelse.brist_id,
                Handelse.typ,
                Handelse.happened_on,
                Handelse.text,
                Handelse.data,
            )
            .where(Handelse.brist_id.in_(chunk), Handelse.typ.in_(HISTORY_KINDS))
            .order_by(Handelse.id)
        )
        for entry in rows:
            brist = by_id[entry.brist_id]
            handelser[entry.brist_id].extend(_handelser_of(entry, brist, numbers))
            moved = _niva_change(entry)
            if moved is not None and entry.brist_id not in first_niva:
                first_niva[entry.brist_id] = moved[0]
    return handelser, first_niva


def _niva_change(entry: Row) -> tuple[Niva, Niva] | None:
    """The level before and after, when the entry changed the level."""
    data = entry.data or {}
    if entry.typ == HandelseTyp.ESKALERAD:
        return Niva(data["from"]), Niva(data["to"])
    if entry.typ == HandelseTyp.ANDRAD:
        for key, old, new in data.get("fields", []):
            if key == "niva":
                return Niva(old), Niva(new)
    return None


def _handelser_of(
    entry: Row, brist: Row, numbers: dict[tuple[int, str], int]
) -> list[HandelseSteg]:
    on = entry.happened_on
    data = entry.data or {}
    found = []
    moved = _niva_change(entry)
    if moved is not None:
        found.append(HandelseSteg(on, Kind.NIVA, niva=moved[1]))
    if entry.typ == HandelseTyp.STANGD:
        utfall = Utfall(data["utfall"])
        merged = data.get("merged_into_id") or numbers.get(
            (brist.verksamhet_id, str(data.get("merged_into_nummer") or ""))
        )
        if merged is None and utfall == Utfall.SAMMANSLAGEN:
            merged = brist.merged_into_id
        found.append(
            HandelseSteg(
                on,
                Kind.CLOSED,
                utfall=utfall,
                merged_into_id=merged,
                text=entry.text,
                ref=f"handelse:{entry.id}",
            )
        )
    if entry.typ == HandelseTyp.ATEROPPNAD:
        found.append(HandelseSteg(on, Kind.REOPENED))
    if entry.typ == HandelseTyp.BESLUT:
        till = data.get("till_niva")
        found.append(
            HandelseSteg(
                on,
                Kind.DECISION,
                text=decision_sentence(data, entry.text),
                ref=f"handelse:{entry.id}",
                beslut=str(data.get("beslut") or ""),
                grupp=str(data.get("grupp") or ""),
                till_niva=Niva(str(till)) if till else None,
                note=entry.text or "",
            )
        )
    return found


def _observations(ids: list[int]) -> dict[int, list[HandelseSteg]]:
    handelser: dict[int, list[HandelseSteg]] = defaultdict(list)
    for chunk in _chunks(ids):
        rows = db.session.execute(
            select(Observation.brist_id, Observation.observed_on, Observation.antal_klienter).where(
                Observation.brist_id.in_(chunk)
            )
        )
        for brist_id, observed_on, antal in rows:
            handelser[brist_id].append(
                HandelseSteg(observed_on, Kind.OBSERVATION, antal_klienter=antal)
            )
    return handelser


def _answers(ids: list[int]) -> dict[int, list[HandelseSteg]]:
    handelser: dict[int, list[HandelseSteg]] = defaultdict(list)
    for chunk in _chunks(ids):
        rows = db.session.execute(
            select(Kontakt.brist_id, Svar.id, Svar.received_at, Svar.typ, Svar.text, Myndighet.namn)
            .join(Svar, Svar.kontakt_id == Kontakt.id)
            .join(Myndighet, Myndighet.id == Kontakt.myndighet_id)
            .where(Kontakt.brist_id.in_(chunk))
        )
        for brist_id, svar_id, received_at, typ, text, myndighet in rows:
            handelser[brist_id].append(
                HandelseSteg(
                    _day(received_at),
                    Kind.ANSWER,
                    svar=typ,
                    text=text,
                    myndighet=myndighet,
                    ref=f"svar:{svar_id}",
                )
            )
    return handelser


# --- A myndighet's page -----------------------------------------------------------------------


@dataclass(frozen=True)
class OpenRequest:
    """A request to the myndighet still awaiting an answer."""

    kontakt: Kontakt
    is_overdue: bool


@dataclass(frozen=True)
class Lofte:
    """A promise the myndighet made in an answer ("åtgärd utlovad"), and where it stands.

    The state is the promise rule of followups/domain.py (`promise_state`): kept, broken,
    pending, superseded by a newer promise, or lapsed when the brist was closed another way.
    """

    svar: Svar
    state: PromiseState


@dataclass(frozen=True)
class MyndighetPage:
    """Everything the myndighet's page shows, read in a fixed number of statements."""

    myndighet: Myndighet
    open_requests: list[OpenRequest]
    answers: AnswerRecord
    niva_counts: list[NivaCount]
    open_brister: list[Brist]
    loften: list[Lofte]

    def promises_in(self, state: PromiseState) -> int:
        """How many of the myndighet's promises stand in `state`."""
        return sum(1 for lofte in self.loften if lofte.state == state)


def myndighet_in_scope(myndighet_id: int, scope: Scope) -> Myndighet | None:
    """The myndighet, if it belongs to a verksamhet `scope` covers."""
    return db.session.scalar(
        select(Myndighet)
        .where(Myndighet.id == myndighet_id, *scope.where(Myndighet.verksamhet_id))
        .options(joinedload(Myndighet.verksamhet))
    )


def myndighet_page(
    myndighet: Myndighet, scope: Scope, today: date, calendar: WorkCalendar
) -> MyndighetPage:
    """Read the myndighet's requests, answers, promises and brister (seven statements).

    Brister are those with the myndighet as their main one, merged brister left out, as the
    statistics count them; requests are those sent to it about brister in `scope`.
    """
    in_scope = [*scope.where(Brist.verksamhet_id), Brist.merged_into_id.is_(None)]
    kontakter = (
        select(Kontakt)
        .join(Brist, Brist.id == Kontakt.brist_id)
        .where(Kontakt.myndighet_id == myndighet.id, *in_scope)
    )
    waiting = db.session.scalars(
        kontakter.where(
            Kontakt.answer_due_on.is_not(None),
            Kontakt.answered_at.is_(None),
            Kontakt.links_revoked_at.is_(None),
        )
        .options(joinedload(Kontakt.brist))
        .order_by(Kontakt.answer_due_on, Kontakt.id)
    ).all()
    since = datetime.combine(one_year_before(today), time(0), STOCKHOLM).astimezone(UTC)
    sent = db.session.execute(
        select(Kontakt.created_at, Kontakt.answered_at, Kontakt.links_revoked_at)
        .join(Brist, Brist.id == Kontakt.brist_id)
        .where(
            Kontakt.myndighet_id == myndighet.id,
            Kontakt.answer_due_on.is_not(None),
            Kontakt.created_at >= since,
            *in_scope,
        )
    ).all()
    requests = [
        RequestFacts(
            sent_on=_day(created_at),
            answered_on=_day(answered_at) if answered_at else None,
            is_revoked=answered_at is None and revoked_at is not None,
        )
        for created_at, answered_at, revoked_at in sent
    ]
    niva_rows = db.session.execute(
        select(Brist.niva, Brist.status, func.count())
        .where(Brist.myndighet_id == myndighet.id, *in_scope)
        .group_by(Brist.niva, Brist.status)
    ).all()
    open_brister = db.session.scalars(
        select(Brist)
        .where(Brist.myndighet_id == myndighet.id, Brist.status != Status.STANGD, *in_scope)
        .order_by(Brist.nummer)
    ).all()
    levels = list(Niva)
    promised = db.session.scalars(
        select(Svar)
        .join(Kontakt, Kontakt.id == Svar.kontakt_id)
        .join(Brist, Brist.id == Kontakt.brist_id)
        .where(Kontakt.myndighet_id == myndighet.id, Svar.typ == SvarTyp.ATGARD_UTLOVAD, *in_scope)
        .options(joinedload(Svar.kontakt).joinedload(Kontakt.brist))
    ).all()
    asked = select(Kontakt.brist_id).where(Kontakt.myndighet_id == myndighet.id)
    states = {
        promise.svar_id: promise.state
        for promise in followups_queries.promises(Brist.id.in_(asked), *in_scope, today=today)
    }
    return MyndighetPage(
        myndighet=myndighet,
        open_requests=[
            OpenRequest(k, k.answer_due_on is not None and k.answer_due_on < today) for k in waiting
        ],
        answers=answer_record(requests, today, calendar),
        niva_counts=counts_by_niva(
            (niva, status == Status.STANGD, n) for niva, status, n in niva_rows
        ),
        # Central nivå first, as the agenda takes them; then by number.
        open_brister=sorted(open_brister, key=lambda b: (-levels.index(b.niva), b.nummer)),
        # By the promised day, the earliest first; promises without a day last.
        loften=[
            Lofte(svar, states[svar.id])
            for svar in sorted(promised, key=lambda s: (s.promised_on or today, s.id))
            if svar.id in states
        ],
    )


@dataclass(frozen=True)
class MyndighetRow:
    """A myndighet in the list: its open requests and open brister."""

    myndighet: Myndighet
    open_requests: int
    open_brister: int


def myndigheter_in_scope(scope: Scope) -> list[MyndighetRow]:
    """The myndigheter of the scope's verksamheter, by verksamhet and name (three statements)."""
    myndigheter = db.session.scalars(
        select(Myndighet)
        .join(Verksamhet, Verksamhet.id == Myndighet.verksamhet_id)
        .where(*scope.where(Myndighet.verksamhet_id))
        .options(joinedload(Myndighet.verksamhet))
        .order_by(Verksamhet.namn, Myndighet.namn)
    ).all()
    in_scope = [*scope.where(Brist.verksamhet_id), Brist.merged_into_id.is_(None)]
    requests: dict[int, int] = dict(
        (myndighet_id, n)
        for myndighet_id, n in db.session.execute(
            select(Kontakt.myndighet_id, func.count())
            .join(Brist, Brist.id == Kontakt.brist_id)
            .where(
                Kontakt.answer_due_on.is_not(None),
                Kontakt.answered_at.is_(None),
                Kontakt.links_revoked_at.is_(None),
                *in_scope,
            )
            .group_by(Kontakt.myndighet_id)
        )
    )
    brister: dict[int, int] = dict(
        (myndighet_id, n)
        for myndighet_id, n in db.session.execute(
            select(Brist.myndighet_id, func.count())
            .where(Brist.status != Status.STANGD, *in_scope)
            .group_by(Brist.myndighet_id)
        )
    )
    return [MyndighetRow(m, requests.get(m.id, 0), brister.get(m.id, 0)) for m in myndigheter]


def report_size(scope: Scope, verksamhet_ids: frozenset[int], year: int) -> int:
    """How many brister the report of the verksamheter and year reads (before its history).

    One count on the brist table, the same selection as `brist_facts` starts from: it tells
    whether the report is made in the request or as a background job.
    """
    return (
        db.session.scalar(
            select(func.count(Brist.id)).where(
                *_among(Brist.verksamhet_id, scope, verksamhet_ids),
                Brist.created_at < year_start(year + 1),
                or_(Brist.closed_at.is_(None), Brist.closed_at >= year_start(year - 1)),
            )
        )
        or 0
    )
