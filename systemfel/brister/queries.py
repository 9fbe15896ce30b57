"""Reading brister: the filtered, sorted, paginated list and one brist with all it shows."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import abort
from sqlalchemy import ColumnElement, Select, exists, func, literal, select, union, union_all
from sqlalchemy.orm import aliased, joinedload, selectinload, with_expression

from systemfel.auth.models import User, user_verksamhet
from systemfel.brister import domain, search
from systemfel.brister.domain import Niva, Status
from systemfel.brister.models import Brist, Handelse, Observation, brist_myndighet
from systemfel.extensions import db
from systemfel.verksamheter.models import Myndighet, Omrade
from systemfel.verksamheter.scope import Scope

# Sort keys offered in the list, each with the columns it orders by, ending in a unique
# tie-breaker (a number is unique only within its verksamhet), so pages neither repeat nor skip
# a brist. Each has an index in the same order (Brist.__table_args__).
SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "nummer": (Brist.year.desc(), Brist.serial.desc(), Brist.id.desc()),
    "aldst": (Brist.year.asc(), Brist.serial.asc(), Brist.id.asc()),
    "rubrik": (Brist.titel.asc(), Brist.id.asc()),
    # Oldest first within a level or status: one direction throughout, so an ascending index
    # serves it on both databases (a mixed one would need descending index columns).
    "niva": (Brist.niva.asc(), Brist.year.asc(), Brist.serial.asc(), Brist.id.asc()),
    "status": (Brist.status.asc(), Brist.year.asc(), Brist.serial.asc(), Brist.id.asc()),
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


# The list counts the matching brister exactly up to this many and says "more than" beyond:
# counting stops after COUNT_LIMIT + 1 rows, so a whole-country count costs no more than
# reading that many index entries. Pages go as deep as the count: OFFSET skips at most
# COUNT_LIMIT rows, the same bounded cost; further than that, a narrower filter or the
# opposite sort is the way (nobody reads 400 pages).
COUNT_LIMIT = 10_000


@dataclass
class Page:
    """One page of the list, with the count (exact up to COUNT_LIMIT) and the brister's totals."""

    items: list[Brist]
    total: int  # at most COUNT_LIMIT + 1: beyond COUNT_LIMIT it only says "more"
    page: int
    page_size: int
    totals: dict[int, Totals] = field(default_factory=dict)

    @property
    def is_exact(self) -> bool:
        """Is `total` the exact number of matching brister?"""
        return self.total <= COUNT_LIMIT

    @property
    def pages(self) -> int:
        """Return the last page one may go to (at least one); the last page if `is_exact`."""
        return max(1, -(-min(self.total, COUNT_LIMIT) // self.page_size))

    @property
    def is_beyond_end(self) -> bool:
        """Was a page asked for after the last one there is (or that one may go to)?"""
        return self.page > self.pages


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
        # One IN over both kinds of concern, not an OR (which neither database serves from
        # the two indexes: it scanned every brist).
        concerned = union(
            select(Brist.id).where(Brist.myndighet_id == criteria.myndighet_id),
            select(brist_myndighet.c.brist_id).where(
                brist_myndighet.c.myndighet_id == criteria.myndighet_id
            ),
        )
        query = query.where(Brist.id.in_(concerned))
    if criteria.omrade_id is not None:
        query = query.where(Brist.omrade_id == criteria.omrade_id)
    if criteria.ansvarig_id is not None:
        query = query.where(Brist.ansvarig_id == criteria.ansvarig_id)
    if criteria.year is not None:
        query = query.where(Brist.year == criteria.year)
    found = search.matches(criteria.text, _verksamheter(criteria))
    if found is not None:
        query = query.where(found)
    return query


def _verksamheter(criteria: BristFilter) -> frozenset[int] | None:
    """Return the only verksamheter whose brister `criteria` can select; None for any."""
    allowed = criteria.scope.verksamhet_ids
    if criteria.verksamhet_id is None:
        return allowed
    chosen = frozenset({criteria.verksamhet_id})
    return chosen if allowed is None else chosen & allowed


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


def count_brister(query: Select) -> int:
    """Count the brister `query` selects, stopping after COUNT_LIMIT + 1 of them."""
    counted = query.with_only_columns(Brist.id).limit(COUNT_LIMIT + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(counted)) or 0


def page_ids(
    query: Select, order: tuple[ColumnElement[Any], ...], page: int, page_size: int
) -> Select:
    """Return a select of the ids on one page of `query` in `order` (also for EXPLAIN)."""
    return (
        query.with_only_columns(Brist.id)
        .order_by(*order)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )


def list_brister(criteria: BristFilter, sort: str, page: int, page_size: int) -> Page:
    """Return one page of brister with the count: at most three queries, whatever the rows.

    The page's ids are chosen from brist alone (an index walk in the sort's order) and only
    those rows are joined with what the list shows, so the rows OFFSET skips cost an index
    entry each, not four joins.
    """
    query = _filtered(criteria)
    result = Page(items=[], total=count_brister(query), page=page, page_size=page_size)
    if result.is_beyond_end or result.total == 0:
        return result
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    result.items = list(
        db.session.scalars(
            select(Brist)
            .where(Brist.id.in_(page_ids(query, order, page, page_size)))
            .order_by(*order)
            .options(*_list_options())
        )
    )
    result.totals = totals_for(result.items)
    return result


def iter_brister(
    criteria: BristFilter, sort: str, batch: int = 500
) -> Iterator[tuple[Brist, Totals]]:
    """Yield every matching brist with its totals, batch by batch, for exports.

    The matching ids are read once, in order, and the brister loaded by id a batch at a time:
    linear in the rows, where OFFSET batches would read the skipped rows again each time
    (quadratic over a national export).
    """
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    ids = list(db.session.scalars(_filtered(criteria).with_only_columns(Brist.id).order_by(*order)))
    load = select(Brist).options(*_list_options(), selectinload(Brist.other_myndigheter))
    for start in range(0, len(ids), batch):
        wanted = ids[start : start + batch]
        loaded = {b.id: b for b in db.session.scalars(load.where(Brist.id.in_(wanted)))}
        chunk = [loaded[brist_id] for brist_id in wanted if brist_id in loaded]
        totals = totals_for(chunk)
        for brist in chunk:
            yield brist, totals[brist.id]
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


@dataclass(frozen=True)
class ChosenIds:
    """The myndighet, område and staff member a query string names (None: none named)."""

    myndighet_id: int | None = None
    omrade_id: int | None = None
    user_id: int | None = None


def filter_choices(
    verksamhet_ids: frozenset[int] | None, only: ChosenIds | None = None
) -> FilterChoices:
    """Return the myndigheter, områden and staff of the verksamheter (None: all), in one query.

    Only ids and names: the list's filters show nothing else, and every list page asks.
    With `only`, just the rows it names (if the verksamheter have them): what a list over
    many verksamheter offers before one is chosen.
    """
    if only == ChosenIds():
        return FilterChoices()
    myndigheter = select(literal("myndighet").label("kind"), Myndighet.id, Myndighet.namn)
    omraden = select(literal("omrade"), Omrade.id, Omrade.namn)
    users = select(literal("user"), User.id, User.namn)
    if verksamhet_ids is not None:
        myndigheter = myndigheter.where(Myndighet.verksamhet_id.in_(verksamhet_ids))
        omraden = omraden.where(Omrade.verksamhet_id.in_(verksamhet_ids))
        users = users.where(User.id.in_(_staff_ids(verksamhet_ids)))
    if only is not None:  # None named: "id IS NULL", no row
        myndigheter = myndigheter.where(Myndighet.id == only.myndighet_id)
        omraden = omraden.where(Omrade.id == only.omrade_id)
        users = users.where(User.id == only.user_id)
    rows = db.session.execute(union_all(myndigheter, omraden, users).order_by("kind", "namn"))
    choices = FilterChoices()
    lists = {"myndighet": choices.myndigheter, "omrade": choices.omraden, "user": choices.users}
    for row_kind, row_id, namn in rows:
        lists[row_kind].append((row_id, namn))
    return choices


def _staff_ids(verksamhet_ids: frozenset[int]) -> Select:
    """Return a select of the ids of the users who belong to any of the verksamheter."""
    return select(user_verksamhet.c.user_id).where(
        user_verksamhet.c.verksamhet_id.in_(verksamhet_ids)
    )


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


def count_matching(criteria: BristFilter, limit: int | None = None) -> int:
    """How many brister match, counting at most `limit` + 1 of them when a limit is given.

    With a limit the count stops early: enough to tell a large selection from a small one.
    """
    query = _filtered(criteria).with_only_columns(Brist.id)
    if limit is not None:
        query = query.limit(limit + 1)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
