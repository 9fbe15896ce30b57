"""The statistics page's summaries: per verksamhet, counted afresh by the scheduler.

The whole country's page cannot count 300,000 brister and their history in a request, so the
scheduler counts them every quarter of an hour (`refresh_statistics`, a job, at
`STATISTICS_REFRESH_SECONDS`) into small tables, one set of rows per verksamhet: any scope's
figures — a samordnare's few verksamheter, the whole country — are then a sum over rows, in
seven statements whatever the number of brister.

Counted afresh rather than kept up to date by every write: the counts depend on each brist's
whole history (reopenings, merges, backdated closings), on the myndigheters' answers and
promises and on the day itself (a late answer, a broken promise, what is open at the end of
the current year), so every write path of three areas would have to update them, and a missed
one would drift for ever. A refresh counts with the page's own code (`statistics`,
`reports.domain.tally_years`), so the sum equals the live count as of the refresh; the page
says when that was. One verksamhet's page is counted live: it is fast, and exact.
"""

import logging
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from itertools import chain, repeat
from threading import Event
from typing import Any

import sqlalchemy as sa
from flask import current_app

from systemfel.brister.domain import HandelseTyp, Niva
from systemfel.brister.models import Brist, Handelse
from systemfel.clock import local_today
from systemfel.dbtypes import rows_changed, utcnow
from systemfel.extensions import db
from systemfel.followups import queries as followups_queries
from systemfel.followups.domain import PromiseState, SvarTyp
from systemfel.followups.models import Efterkontroll, Kontakt, Svar
from systemfel.reports import queries
from systemfel.reports.domain import FixesChecked, Timeline, YearTally, fixes_checked, tally_years
from systemfel.reports.models import (
    StatisticsAnswers,
    StatisticsClosingDays,
    StatisticsCount,
    StatisticsFixes,
    StatisticsPromises,
    StatisticsRefresh,
    StatisticsYear,
)
from systemfel.reports.statistics import (
    Figures,
    MyndighetPromises,
    Statistics,
    YearOf,
    answers_query,
    assemble,
    gather,
    sent_on,
)
from systemfel.verksamheter.models import Myndighet, Omrade, Verksamhet
from systemfel.verksamheter.scope import Scope

logger = logging.getLogger(__name__)

REFRESH_ID = 1
# The whole country's rows: every verksamhet's summed, so the administrator's page reads a
# few thousand rows, not every verksamhet's. No verksamhet has id 0.
EVERY_VERKSAMHET = 0
# What each table's rows count; the other columns (but verksamhet_id) say what is counted.
SUMMED: dict[type, tuple[str, ...]] = {
    StatisticsCount: ("n",),
    StatisticsYear: ("new", "closed", "open_at_end"),
    StatisticsClosingDays: ("n",),
    StatisticsAnswers: ("requests", "late"),
    StatisticsPromises: ("kept", "broken", "pending", "other"),
    StatisticsFixes: ("closed_fixed", "checked", "lasting", "returned"),
}
VERKSAMHETER_AT_A_TIME = 25
TABLES = (
    StatisticsCount,
    StatisticsYear,
    StatisticsClosingDays,
    StatisticsAnswers,
    StatisticsPromises,
    StatisticsFixes,
)
Rows = dict[type, list[dict[str, Any]]]


# --- The page ---------------------------------------------------------------------------------


def for_page(scope: Scope, year: int | None) -> tuple[Statistics, datetime | None]:
    """The scope's statistics and when they were counted (None: just now, live).

    One verksamhet is counted live; more are summed from the summaries, or counted live
    until the summaries have been counted once.
    """
    ids = scope.verksamhet_ids
    if ids is not None and len(ids) <= 1:
        return gather(scope, year), None
    refreshed = db.session.get(StatisticsRefresh, REFRESH_ID)
    if refreshed is None or refreshed.computed_at is None:
        return gather(scope, year), None
    return summed(scope, year), refreshed.computed_at


def summed(scope: Scope, year: int | None) -> Statistics:
    """The scope's statistics for a year (None: all), from the summaries, in six statements."""
    tallies, closing_days = _tallies(scope, year)
    return assemble(
        year,
        Figures(
            counted=_counted(scope, year),
            tallies=tallies,
            closing_days=closing_days,
            answers=_answers(scope, year),
            promises=_promises(scope, year),
            efterkontroller=_fixes(scope, year),
        ),
    )


def _of(model: Any, scope: Scope) -> list[sa.ColumnElement[bool]]:
    """The rows of the scope's verksamheter; for every verksamhet, their sum."""
    if scope.is_everything:
        return [model.verksamhet_id == EVERY_VERKSAMHET]
    return scope.where(model.verksamhet_id)


def _where(model: Any, scope: Scope, year: int | None) -> list[sa.ColumnElement[bool]]:
    return [*_of(model, scope), *([] if year is None else [model.year == year])]


def _counted(scope: Scope, year: int | None) -> tuple[Counter[Any], Counter[str], Counter[str]]:
    found: dict[str, Counter[Any]] = defaultdict(Counter)
    rows = db.session.execute(
        sa.select(StatisticsCount.dimension, StatisticsCount.label, sa.func.sum(StatisticsCount.n))
        .where(*_where(StatisticsCount, scope, year))
        .group_by(StatisticsCount.dimension, StatisticsCount.label)
    )
    for dimension, label, n in rows:
        found[dimension][label] += int(n)
    by_niva: Counter[Any] = Counter({Niva(value): n for value, n in found["niva"].items()})
    return by_niva, found["myndighet"], found["omrade"]


def _tallies(scope: Scope, year: int | None) -> tuple[dict[int, YearTally], Counter[int]]:
    """Each year's tally over the years the scope was active, and the year's days to close."""
    t = StatisticsYear
    years = db.session.execute(
        sa.select(
            t.year,
            sa.func.sum(sa.case((t.is_active, 1), else_=0)),
            sa.func.sum(t.new),
            sa.func.sum(t.closed),
            sa.func.sum(t.open_at_end),
        )
        .where(*_of(t, scope))
        .group_by(t.year)
    ).all()
    c = StatisticsClosingDays
    days_by_year: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for y, days, n in db.session.execute(
        sa.select(c.year, c.days, sa.func.sum(c.n))
        .where(*_of(c, scope))
        .group_by(c.year, c.days)
        .order_by(c.year, c.days)
    ):
        days_by_year[y].append((days, int(n)))
    active = [y for y, is_active, *_ in years if is_active]
    if not active:
        return {}, Counter()
    counts = {y: (int(new), int(closed), int(is_open)) for y, _, new, closed, is_open in years}
    tallies = {
        y: YearTally(
            *counts.get(y, (0, 0, 0)),
            days_to_close=tuple(chain.from_iterable(repeat(d, n) for d, n in days_by_year[y])),
        )
        for y in range(min(active), max(active) + 1)
    }
    closing_days: Counter[int] = Counter()
    for y in tallies if year is None else [year]:
        for days, n in days_by_year.get(y, []):
            closing_days[days] += n
    return tallies, closing_days


def _answers(scope: Scope, year: int | None) -> list[tuple[str, int | None, int, int]]:
    a = StatisticsAnswers
    rows = db.session.execute(
        sa.select(a.myndighet, a.days, sa.func.sum(a.requests), sa.func.sum(a.late))
        .where(*_where(a, scope, year))
        .group_by(a.myndighet, a.days)
    )
    return [(namn, days, int(n), int(late)) for namn, days, n, late in rows]


def _promises(scope: Scope, year: int | None) -> tuple[MyndighetPromises, ...]:
    p = StatisticsPromises
    rows = db.session.execute(
        sa.select(
            p.myndighet,
            sa.func.sum(p.kept),
            sa.func.sum(p.broken),
            sa.func.sum(p.pending),
            sa.func.sum(p.other),
        )
        .where(*_where(p, scope, year))
        .group_by(p.myndighet)
    ).all()
    return tuple(
        MyndighetPromises(
            myndighet=namn,
            made=int(kept + broken + pending + other),
            kept=int(kept),
            broken=int(broken),
            pending=int(pending),
            other=int(other),
        )
        for namn, kept, broken, pending, other in sorted(rows, key=lambda row: row[0])
    )


def _fixes(scope: Scope, year: int | None) -> FixesChecked:
    f = StatisticsFixes
    row = db.session.execute(
        sa.select(
            sa.func.sum(f.closed_fixed),
            sa.func.sum(f.checked),
            sa.func.sum(f.lasting),
            sa.func.sum(f.returned),
        ).where(*_where(f, scope, year))
    ).one()
    return FixesChecked(*(int(value or 0) for value in row))


# --- The refresh ------------------------------------------------------------------------------


def refresh_statistics(stop: Event | None = None) -> int:
    """The scheduler's job: count the summaries afresh unless another scheduler just did.

    Returns 1 when it counted, 0 when the figures were fresh enough (counted within half the
    job's interval, by this process or another).
    """
    min_age = timedelta(seconds=current_app.config["STATISTICS_REFRESH_SECONDS"] / 2)
    return int(refresh(min_age=min_age))


def refresh(*, now: datetime | None = None, min_age: timedelta | None = None) -> bool:
    """Count every verksamhet's summaries afresh, as of `now`; the caller commits.

    Unless the figures were counted less than `min_age` ago. The counting only reads (on
    SQLite no write lock is held meanwhile); then the refresh row is claimed (an UPDATE,
    which holds the row on PostgreSQL and the write lock on SQLite until the commit) and the
    rows replaced. Of two schedulers at once, the second waits at the claim, then finds the
    figures fresh and writes nothing (returns False): its count was in vain, never harmful.
    """
    now = now or utcnow()
    r = StatisticsRefresh
    due = [sa.or_(r.computed_at.is_(None), r.computed_at <= now - min_age)] if min_age else []
    if due and db.session.scalar(sa.select(r.id).where(r.id == REFRESH_ID, *due)) is None:
        if db.session.get(r, REFRESH_ID) is not None:
            return False
    today = local_today(now)
    rows = count(today)
    if db.session.get(r, REFRESH_ID) is None:
        db.session.add(r(id=REFRESH_ID))
        db.session.flush()
    claim = sa.update(r).where(r.id == REFRESH_ID, *due).values(computed_at=r.computed_at)
    if not rows_changed(claim.execution_options(synchronize_session=False)):
        return False
    for model in TABLES:
        db.session.execute(sa.delete(model))
        if rows[model]:
            db.session.execute(sa.insert(model), rows[model])
    db.session.execute(
        sa.update(r).where(r.id == REFRESH_ID).values(computed_at=now, computed_on=today)
    )
    db.session.expire_all()
    logger.info("Statistics counted: %s rows", sum(len(found) for found in rows.values()))
    return True


def count(today: date) -> Rows:
    """Every verksamhet's summary rows, judged on `today` (late answers, promises)."""
    rows: Rows = {model: [] for model in TABLES}
    rows[StatisticsCount] = _count_brister()
    # The timelines of a few verksamheter at a time: all of them would take hundreds of MB.
    ids = list(db.session.scalars(sa.select(Verksamhet.id).order_by(Verksamhet.id)))
    last = _last_year()
    for start in range(0, len(ids), VERKSAMHETER_AT_A_TIME):
        chunk = Scope(frozenset(ids[start : start + VERKSAMHETER_AT_A_TIME]))
        years, days = _count_years(queries.timelines_by_verksamhet(chunk), last)
        rows[StatisticsYear] += years
        rows[StatisticsClosingDays] += days
    rows[StatisticsAnswers] = _count_answers(today)
    rows[StatisticsPromises] = _count_promises(today)
    rows[StatisticsFixes] = _count_fixes()
    for model, found in rows.items():
        found += _every_verksamhet(model, found)
    return rows


def _every_verksamhet(model: type, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows summed over the verksamheter, as EVERY_VERKSAMHET's."""
    values = SUMMED[model]
    totals: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(
            (column, value)
            for column, value in row.items()
            if column not in values and column not in ("verksamhet_id", "is_active")
        )
        if key not in totals:
            totals[key] = {**dict(key), "verksamhet_id": EVERY_VERKSAMHET}
            totals[key].update({column: 0 for column in values})
            if "is_active" in row:
                totals[key]["is_active"] = False
        total = totals[key]
        for column in values:
            total[column] += row[column]
        if "is_active" in row:
            total["is_active"] = total["is_active"] or row["is_active"]
    return list(totals.values())


def _count_brister() -> list[dict[str, Any]]:
    """Brister (not merged away) by verksamhet, year and nivå, myndighet and område by name."""
    by_ids = (
        sa.select(
            Brist.verksamhet_id,
            Brist.year,
            Brist.niva,
            Brist.myndighet_id,
            Brist.omrade_id,
            sa.func.count().label("n"),
        )
        .where(Brist.merged_into_id.is_(None))
        .group_by(Brist.verksamhet_id, Brist.year, Brist.niva, Brist.myndighet_id, Brist.omrade_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            by_ids.c.verksamhet_id,
            by_ids.c.year,
            by_ids.c.niva,
            Myndighet.namn,
            Omrade.namn,
            by_ids.c.n,
        )
        .join(Myndighet, Myndighet.id == by_ids.c.myndighet_id)
        .join(Omrade, Omrade.id == by_ids.c.omrade_id)
    )
    found: Counter[tuple[int, int, str, str]] = Counter()
    for verksamhet_id, year, niva, myndighet, omrade, n in rows:
        found[verksamhet_id, year, "niva", niva.value] += n
        found[verksamhet_id, year, "myndighet", myndighet] += n
        found[verksamhet_id, year, "omrade", omrade] += n
    return [
        {"verksamhet_id": v, "year": y, "dimension": dimension, "label": label, "n": n}
        for (v, y, dimension, label), n in found.items()
    ]


def _last_year() -> int | None:
    """The last year anything was registered, closed or reopened in any verksamhet."""
    registered = db.session.scalar(sa.select(sa.func.max(Brist.created_at)))
    changed = db.session.scalar(
        sa.select(sa.func.max(Handelse.happened_on)).where(
            Handelse.typ.in_((HandelseTyp.STANGD, HandelseTyp.ATEROPPNAD))
        )
    )
    found = [local_today(registered).year] if registered else []
    return max([*found, *([changed.year] if changed else [])], default=None)


def _count_years(
    lines_by_verksamhet: dict[int, list[Timeline]], last: int | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each verksamhet's tally of every year from its first to the `last` of any verksamhet."""
    active = {
        verksamhet_id: {line.registered_on.year for line in lines}
        | {change.on.year for line in lines for change in line.changes}
        for verksamhet_id, lines in lines_by_verksamhet.items()
    }
    if not active or last is None:
        return [], []
    years_rows: list[dict[str, Any]] = []
    days_rows: list[dict[str, Any]] = []
    for verksamhet_id, lines in lines_by_verksamhet.items():
        span = range(min(active[verksamhet_id]), last + 1)
        for year, tally in tally_years(lines, span).items():
            years_rows.append(
                {
                    "verksamhet_id": verksamhet_id,
                    "year": year,
                    "is_active": year in active[verksamhet_id],
                    "new": tally.new,
                    "closed": tally.closed,
                    "open_at_end": tally.open_at_end,
                }
            )
            days_rows += [
                {"verksamhet_id": verksamhet_id, "year": year, "days": days, "n": n}
                for days, n in Counter(tally.days_to_close).items()
            ]
    return years_rows, days_rows


def _count_answers(today: date) -> list[dict[str, Any]]:
    """Requests by verksamhet, year sent, myndighet and days to answer, as the page counts."""
    year = YearOf(sent_on())
    query = (
        answers_query([Brist.merged_into_id.is_(None)], today)
        .add_columns(Brist.verksamhet_id, year)
        .group_by(Brist.verksamhet_id, year)
    )
    return [
        {
            "verksamhet_id": verksamhet_id,
            "year": y,
            "myndighet": namn,
            "days": days,
            "requests": n,
            "late": int(late or 0),
        }
        for namn, days, n, late, verksamhet_id, y in db.session.execute(query)
    ]


def _count_promises(today: date) -> list[dict[str, Any]]:
    """Promises by verksamhet, year given and myndighet, as they stand `today`."""
    verksamhet_of: dict[int, int] = {
        brist_id: verksamhet_id
        for brist_id, verksamhet_id in db.session.execute(
            sa.select(Brist.id, Brist.verksamhet_id)
            .join(Kontakt, Kontakt.brist_id == Brist.id)
            .join(Svar, Svar.kontakt_id == Kontakt.id)
            .where(Svar.typ == SvarTyp.ATGARD_UTLOVAD)
            .distinct()
        )
    }
    found: dict[tuple[int, int, str], Counter[PromiseState]] = defaultdict(Counter)
    for promise in followups_queries.promises(Brist.merged_into_id.is_(None), today=today):
        key = (verksamhet_of[promise.brist_id], promise.given_on.year, promise.myndighet)
        found[key][promise.state] += 1
    return [
        {
            "verksamhet_id": v,
            "year": y,
            "myndighet": namn,
            "kept": states[PromiseState.KEPT],
            "broken": states[PromiseState.BROKEN],
            "pending": states[PromiseState.PENDING],
            "other": states[PromiseState.SUPERSEDED] + states[PromiseState.LAPSED],
        }
        for (v, y, namn), states in found.items()
    ]


def _count_fixes() -> list[dict[str, Any]]:
    """Closings as åtgärdad and their efterkontroller, by verksamhet and year of closing."""
    closings: dict[tuple[int, int], list[tuple[date, str | None]]] = defaultdict(list)
    for verksamhet_id, closed_on, svar in db.session.execute(
        sa.select(Brist.verksamhet_id, Efterkontroll.closed_on, Efterkontroll.svar)
        .join(Brist, Brist.id == Efterkontroll.brist_id)
        .where(Brist.merged_into_id.is_(None))
    ):
        closings[verksamhet_id, closed_on.year].append((closed_on, svar))
    return [_fixes_row(v, y, fixes_checked(found, y)) for (v, y), found in closings.items()]


def _fixes_row(verksamhet_id: int, year: int, fixes: FixesChecked) -> dict[str, Any]:
    return {
        "verksamhet_id": verksamhet_id,
        "year": year,
        "closed_fixed": fixes.closed_fixed,
        "checked": fixes.checked,
        "lasting": fixes.lasting,
        "returned": fixes.returned,
    }
