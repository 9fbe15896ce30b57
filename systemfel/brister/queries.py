"""Reading brister: the filtered, sorted, paginated list and one brist with all it shows."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import abort
from sqlalchemy import ColumnElement, Select, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased, joinedload, selectinload, with_expression

from systemfel.auth.models import User, user_verksamhet
from systemfel.brister import domain
from systemfel.brister.domain import Niva, Status
from systemfel.brister.models import Brist, Handelse, Observation, brist_myndighet
from systemfel.extensions import db
from systemfel.verksamheter.models import Myndighet, Omrade
from systemfel.verksamheter.scope import Scope

# Sort keys offered in the list, each with the columns it orders by (a unique last tie-breaker).
SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "nummer": (Brist.year.desc(), Brist.serial.desc()),
    "aldst": (Brist.year.asc(), Brist.serial.asc()),
    "rubrik": (Brist.titel.asc(), Brist.id.asc()),
    "niva": (Brist.niva.asc(), Brist.year.desc(), Brist.serial.desc()),
    "status": (Brist.status.asc(), Brist.year.desc(), Brist.serial.desc()),
    "observerad": (Brist.first_observed_on.desc(), Brist.id.desc()),
    "uppdaterad": (Brist.updated_at.desc(), Brist.id.desc()),
}
DEFAULT_SORT = "nummer"


@dataclass(frozen=True)
class BristFilter:
    """The filters of the brist list; None means any."""

    scope: Scope  # whose brister may be listed
    status: Status | None = None
    is_open: bool | None = None
    niva: Niva | None = None
    myndighet_id: int | None = None
    omrade_id: int | None = None
    ansvarig_id: int | None = None
    year: int | None = None
    verksamhet_id: int | None = None
    text: str = ""


@dataclass(frozen=True)
class Totals:
    """How many times a brist has been seen and how many clients it has hit, all told."""

    times: int
    clients: int


@dataclass
class Page:
    """One page of the list, with the total count and the totals of the brister on it."""

    items: list[Brist]
    total: int
    page: int
    page_size: int
    totals: dict[int, Totals] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """Return the number of pages (at least one)."""
        return max(1, -(-self.total // self.page_size))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(criteria: BristFilter) -> Select:
    """Return a select of the brister matching `criteria`."""
    query = select(Brist)
    query = query.where(*criteria.scope.where(Brist.verksamhet_id))
    if criteria.verksamhet_id is not None:
        query = query.where(Brist.verksamhet_id == criteria.verksamhet_id)
    if criteria.status is not None:
        query = query.where(Brist.status == criteria.status)
    if criteria.is_open is True:
        query = query.where(Brist.status != Status.STANGD)
    if criteria.niva is not None:
        query = query.where(Brist.niva == criteria.niva)
    if criteria.myndighet_id is not None:
        also_concerned = select(brist_myndighet.c.brist_id).where(
            brist_myndighet.c.myndighet_id == criteria.myndighet_id
        )
        query = query.where(
            or_(Brist.myndighet_id == criteria.myndighet_id, Brist.id.in_(also_concerned))
        )
    if criteria.omrade_id is not None:
        query = query.where(Brist.omrade_id == criteria.omrade_id)
    if criteria.ansvarig_id is not None:
        query = query.where(Brist.ansvarig_id == criteria.ansvarig_id)
    if criteria.year is not None:
        query = query.where(Brist.year == criteria.year)
    for word in criteria.text.casefold().split():
        query = query.where(Brist.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
    return query


def _list_options():
    """Many-to-one: joined into the same query, one row per brist either way."""
    return (
        joinedload(Brist.myndighet),
        joinedload(Brist.omrade),
        joinedload(Brist.ansvarig),
        joinedload(Brist.verksamhet),
    )


def totals_for(brister: list[Brist]) -> dict[int, Totals]:
    """Add each brist's own count to its observations', in one query for all of them."""
    ids = [brist.id for brist in brister]
    rows = db.session.execute(
        select(Observation.brist_id, func.count(), func.sum(Observation.antal_klienter))
        .where(Observation.brist_id.in_(ids))
        .group_by(Observation.brist_id)
    ).all()
    seen = {brist_id: (count, clients or 0) for brist_id, count, clients in rows}
    return {
        brist.id: Totals(
            times=domain.times_observed(seen.get(brist.id, (0, 0))[0]),
            clients=brist.antal_klienter + seen.get(brist.id, (0, 0))[1],
        )
        for brist in brister
    }


def totals_of(brist: Brist) -> Totals:
    """Return the totals of a brist whose observations are loaded (its page), without a query."""
    return Totals(
        times=domain.times_observed(len(brist.observations)),
        clients=brist.antal_klienter + sum(o.antal_klienter for o in brist.observations),
    )


def list_brister(criteria: BristFilter, sort: str, page: int, page_size: int) -> Page:
    """Return one page of brister with the total count; a constant number of queries."""
    query = _filtered(criteria)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    items = list(
        db.session.scalars(
            query.order_by(*order)
            .options(*_list_options())
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
    )
    return Page(items=items, total=total, page=page, page_size=page_size, totals=totals_for(items))


def iter_brister(
    criteria: BristFilter, sort: str, batch: int = 500
) -> Iterator[tuple[Brist, Totals]]:
    """Yield every matching brist with its totals, batch by batch, for exports."""
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    query = (
        _filtered(criteria)
        .order_by(*order)
        .options(*_list_options(), selectinload(Brist.other_myndigheter))
    )
    offset = 0
    while True:
        chunk = list(db.session.scalars(query.limit(batch).offset(offset)))
        if not chunk:
            return
        totals = totals_for(chunk)
        for brist in chunk:
            yield brist, totals[brist.id]
        offset += batch
        db.session.expunge_all()


# Made once: an alias costs a copy of every column when made.
_MERGED = aliased(Brist, name="merged")


def get_brist(brist_id: int, scope: Scope) -> Brist | None:
    """Return a brist with everything its page shows, if `scope` covers it.

    Three statements: the brist with its many-to-ones, its observations (one collection
    joined: a row per observation) and whether anything was merged into it, then its history
    and its other myndigheter.
    """
    query = (
        select(Brist)
        .where(Brist.id == brist_id, *scope.where(Brist.verksamhet_id))
        .options(
            *_list_options(),
            joinedload(Brist.created_by),
            joinedload(Brist.merged_into),
            joinedload(Brist.observations).joinedload(Observation.created_by),
            selectinload(Brist.other_myndigheter),
            selectinload(Brist.handelser).joinedload(Handelse.user),
            with_expression(
                Brist.has_merged_here, exists().where(_MERGED.merged_into_id == brist_id)
            ),
        )
    )
    return db.session.scalars(query).unique().one_or_none()


def brist_or_404(brist_id: int, scope: Scope) -> Brist:
    """Return the brist if `scope` covers it; another verksamhet's is a plain 404."""
    brist = get_brist(brist_id, scope)
    if brist is None:
        abort(404)
    return brist


def find_by_nummer(nummer: str, verksamhet_id: int) -> Brist | None:
    """Return the brist with this readable number in the verksamhet."""
    return db.session.scalar(
        select(Brist).where(
            Brist.verksamhet_id == verksamhet_id, Brist.nummer == nummer.strip().upper()
        )
    )


def merged_here(brist: Brist) -> list[Brist]:
    """Return the brister that were merged into `brist` (no statement if its query found none)."""
    if brist.has_merged_here is False:
        return []
    return list(db.session.scalars(select(Brist).where(Brist.merged_into_id == brist.id)))


@dataclass
class FilterChoices:
    """What the list's filters offer, as (id, name) pairs sorted by name."""

    myndigheter: list[tuple[int, str]] = field(default_factory=list)
    omraden: list[tuple[int, str]] = field(default_factory=list)
    users: list[tuple[int, str]] = field(default_factory=list)


def filter_choices(verksamhet_ids: frozenset[int]) -> FilterChoices:
    """Return the myndigheter, områden and staff of the verksamheter, in one query.

    Only ids and names: the list's filters show nothing else, and every list page asks.
    """
    kind = literal("myndighet").label("kind")
    rows = db.session.execute(
        union_all(
            select(kind, Myndighet.id, Myndighet.namn).where(
                Myndighet.verksamhet_id.in_(verksamhet_ids)
            ),
            select(literal("omrade"), Omrade.id, Omrade.namn).where(
                Omrade.verksamhet_id.in_(verksamhet_ids)
            ),
            select(literal("user"), User.id, User.namn).where(
                User.id.in_(
                    select(user_verksamhet.c.user_id).where(
                        user_verksamhet.c.verksamhet_id.in_(verksamhet_ids)
                    )
                )
            ),
        ).order_by("kind", "namn")
    ).all()
    choices = FilterChoices()
    lists = {"myndighet": choices.myndigheter, "omrade": choices.omraden, "user": choices.users}
    for row_kind, row_id, namn in rows:
        lists[row_kind].append((row_id, namn))
    return choices


def choices_for(verksamhet_ids: frozenset[int] | None) -> dict[str, list]:
    """Return the myndigheter, områden and staff a form or filter offers."""
    myndigheter = select(Myndighet).order_by(Myndighet.namn)
    omraden = select(Omrade).order_by(Omrade.namn)
    users = select(User).order_by(User.namn)
    if verksamhet_ids is not None:
        myndigheter = myndigheter.where(Myndighet.verksamhet_id.in_(verksamhet_ids))
        omraden = omraden.where(Omrade.verksamhet_id.in_(verksamhet_ids))
        users = users.where(
            User.id.in_(
                select(user_verksamhet.c.user_id).where(
                    user_verksamhet.c.verksamhet_id.in_(verksamhet_ids)
                )
            )
        )
    return {
        "myndigheter": list(db.session.scalars(myndigheter)),
        "omraden": list(db.session.scalars(omraden)),
        "users": list(db.session.scalars(users)),
    }
