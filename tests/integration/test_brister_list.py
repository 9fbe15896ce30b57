"""The brist list over many verksamheter: the count limit, its pages, every filter and sort."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, update

from systemfel.brister import queries
from systemfel.brister.domain import Niva, Status
from systemfel.brister.models import Brist, brist_myndighet
from systemfel.extensions import db
from systemfel.verksamheter.models import Myndighet, Omrade
from systemfel.verksamheter.scope import Scope
from tests import factories


def _copies(brist: Brist, how_many: int) -> None:
    """Insert `how_many` copies of `brist` with their own numbers, in one statement."""
    row = {column.key: getattr(brist, column.key) for column in Brist.__table__.columns}
    del row["id"]
    rows = [dict(row, year=2000 + n // 5000, serial=n % 5000 + 1) for n in range(how_many)]
    db.session.execute(insert(Brist.__table__), rows)


@pytest.fixture
def many(ctx):
    """COUNT_LIMIT + 1 brister in one verksamhet (the first registered, the rest copied)."""
    verksamhet = factories.verksamhet("PO Många")
    ombud = factories.UserFactory(verksamheter=[verksamhet])
    first = factories.brist(verksamhet, ombud)
    _copies(first, queries.COUNT_LIMIT)
    db.session.flush()
    return Scope(frozenset({verksamhet.id}))


def _drop_one() -> None:
    """Delete the last copy (the first brist has history and a follow-up pointing at it)."""
    db.session.execute(
        delete(Brist).where(Brist.id == select(func.max(Brist.id)).scalar_subquery())
    )


def test_the_count_is_exact_up_to_the_limit_and_more_than_beyond(many):
    criteria = queries.BristFilter(scope=many)
    over = queries.list_brister(criteria, "nummer", 1, 25)
    assert (over.total, over.is_exact) == (queries.COUNT_LIMIT + 1, False)
    _drop_one()
    at = queries.list_brister(criteria, "nummer", 1, 25)
    assert (at.total, at.is_exact) == (queries.COUNT_LIMIT, True)
    _drop_one()
    under = queries.list_brister(criteria, "nummer", 1, 25)
    assert (under.total, under.is_exact) == (queries.COUNT_LIMIT - 1, True)


def test_pages_go_as_deep_as_the_limit_when_the_count_is_not_exact(many):
    criteria = queries.BristFilter(scope=many)
    size = 25
    last = queries.list_brister(criteria, "aldst", queries.COUNT_LIMIT // size, size)
    assert last.pages == last.page == 400
    assert not last.is_beyond_end and len(last.items) == size
    # The 10,000th brist in the oldest-first order: the serials start over every 5,000.
    assert (last.items[-1].year, last.items[-1].serial) == (2001, 5000)
    beyond = queries.list_brister(criteria, "aldst", 401, size)
    assert beyond.is_beyond_end and beyond.items == []


@pytest.mark.parametrize(
    ("total", "page", "shown", "beyond"),
    [
        (0, 1, 0, False),
        (0, 2, 0, True),
        (5, 1, 2, False),
        (5, 3, 1, False),
        (5, 4, 0, True),
        (6, 3, 2, False),
        (6, 4, 0, True),
    ],
)
def test_pages_at_the_edges(ctx, monkeypatch, total, page, shown, beyond):
    monkeypatch.setattr(queries, "COUNT_LIMIT", 5)
    verksamhet = factories.verksamhet("PO Kanter")
    ombud = factories.UserFactory(verksamheter=[verksamhet])
    if total:
        _copies(factories.brist(verksamhet, ombud), total - 1)
    result = queries.list_brister(
        queries.BristFilter(scope=Scope(frozenset({verksamhet.id}))), "nummer", page, 2
    )
    assert (len(result.items), result.is_beyond_end) == (shown, beyond)
    assert result.pages == max(1, -(-min(total, 5) // 2))
    assert result.is_exact is (total <= 5)


# --- Every filter and sort against a plain Python reference -----------------------------------

TITLES = ["ab", "b", "ab", "c", "abc"]
STATUSES = list(Status)
LEVELS = list(Niva)


def _small_country():
    """Three verksamheter with 12 brister each, their values spread so filters and sorts tie."""
    verksamheter = [factories.verksamhet(f"PO {name}") for name in ("Ett", "Två", "Tre")]
    for index, verksamhet in enumerate(verksamheter):
        staff = [factories.UserFactory(verksamheter=[verksamhet]) for _ in range(2)]
        myndigheter = list(
            db.session.scalars(select(Myndighet).where(Myndighet.verksamhet_id == verksamhet.id))
        )[:3]
        omraden = list(
            db.session.scalars(select(Omrade).where(Omrade.verksamhet_id == verksamhet.id))
        )[:2]
        for n in range(12):
            k = index * 12 + n
            brist = factories.brist(
                verksamhet,
                staff[n % 2],
                titel=TITLES[k % len(TITLES)],
                niva=LEVELS[k % 3],
                myndighet_id=myndigheter[n % 3].id,
                other_myndighet_ids=[myndigheter[(n + 1) % 3].id] if n % 4 == 0 else [],
                omrade_id=omraden[n % 2].id,
                first_observed_on=date(2026, 1, 1) + timedelta(days=k % 4),
            )
            db.session.flush()
            db.session.execute(
                update(Brist)
                .where(Brist.id == brist.id)
                .values(
                    status=STATUSES[k % 4],
                    year=2024 + n % 3,
                    serial=n // 3 + 1,
                    updated_at=datetime(2026, 2, 1, tzinfo=UTC) + timedelta(hours=k % 5),
                )
            )
    db.session.flush()
    db.session.expire_all()
    return verksamheter


def _reference(brister, concerned, criteria: queries.BristFilter, sort: str) -> list[int]:
    """The ids the list should show, in order, computed in plain Python."""

    def matches(b: Brist) -> bool:
        wanted = [
            criteria.scope.covers(b.verksamhet_id),
            criteria.verksamhet_id in (None, b.verksamhet_id),
            criteria.status in (None, b.status),
            not criteria.is_open or b.status != Status.STANGD,
            criteria.niva in (None, b.niva),
            criteria.myndighet_id is None
            or criteria.myndighet_id == b.myndighet_id
            or (b.id, criteria.myndighet_id) in concerned,
            criteria.omrade_id in (None, b.omrade_id),
            criteria.ansvarig_id in (None, b.ansvarig_id),
            criteria.year in (None, b.year),
        ]
        return all(wanted)

    keys = {
        "nummer": lambda b: (-b.year, -b.serial, -b.id),
        "aldst": lambda b: (b.year, b.serial, b.id),
        "rubrik": lambda b: (b.titel, b.id),
        "niva": lambda b: (b.niva.value, b.year, b.serial, b.id),
        "status": lambda b: (b.status.value, b.year, b.serial, b.id),
        "observerad": lambda b: (-b.first_observed_on.toordinal(), -b.id),
        "uppdaterad": lambda b: (-b.updated_at.timestamp(), -b.id),
    }
    return [b.id for b in sorted(filter(matches, brister), key=keys[sort])]


def test_every_filter_and_sort_pages_like_the_reference(ctx, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_LIMIT", 10)  # small enough that filters cross it
    verksamheter = _small_country()
    ids = [v.id for v in verksamheter]
    brister = list(db.session.scalars(select(Brist)))
    concerned = {
        (row.brist_id, row.myndighet_id) for row in db.session.execute(select(brist_myndighet))
    }
    scopes = [Scope.everything(), Scope(frozenset(ids[:2])), Scope(frozenset(ids[2:]))]

    def some(values):
        return st.one_of(st.none(), st.sampled_from(sorted(set(values), key=str)))

    @settings(max_examples=150)
    @given(
        scope=st.sampled_from(scopes),
        verksamhet_id=some(ids),
        status=some(STATUSES),
        is_open=st.sampled_from([None, True]),
        niva=some(LEVELS),
        myndighet_id=some([b.myndighet_id for b in brister] + [m for _, m in concerned]),
        omrade_id=some(b.omrade_id for b in brister),
        ansvarig_id=some(b.ansvarig_id for b in brister),
        year=some([2024, 2025, 2026]),
        sort=st.sampled_from(list(queries.SORTS)),
        page=st.integers(1, 7),
    )
    def check(scope, sort, page, **filters):
        criteria = queries.BristFilter(scope=scope, **filters)
        expected = _reference(brister, concerned, criteria, sort)
        result = queries.list_brister(criteria, sort, page, 3)
        assert result.total == min(len(expected), queries.COUNT_LIMIT + 1)
        # Pages go on until the one holding the COUNT_LIMIT-th brist, which is shown whole.
        pages = max(1, -(-min(len(expected), queries.COUNT_LIMIT) // 3))
        assert result.is_beyond_end is (page > pages)
        shown = expected[(page - 1) * 3 : page * 3] if page <= pages else []
        assert [b.id for b in result.items] == shown

    check()


def test_every_sort_is_a_total_order_across_verksamheter(ctx):
    """Numbers repeat across verksamheter: pages must still neither repeat nor skip a brist."""
    _small_country()
    everything = queries.BristFilter(scope=Scope.everything())
    for sort in queries.SORTS:
        pages = [queries.list_brister(everything, sort, page, 5).items for page in range(1, 9)]
        seen = [b.id for b in itertools.chain.from_iterable(pages)]
        assert sorted(seen) == sorted(db.session.scalars(select(Brist.id))), sort
