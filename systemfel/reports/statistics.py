"""Statistics on brister and on the myndigheters' answers, counted in the database.

`gather` sends six statements whatever the number of rows: brister by nivå × myndighet ×
område and requests per myndighet × days to answer, both aggregated in the database; each
brist's closings and reopenings (one plain row each); the myndigheters' promises (two, see
`followups.queries.promises`) and the efterkontroller (one plain row each). The closings
are what the annual report's own count (`reports.domain.tally_years`) turns into new, closed
and open brister per year and the days to closure: the statistics page and the report can
never count a year differently. Days are calendar days in Stockholm; the conversion from the
stored UTC timestamps is done in SQL (`LocalDate`) for the aggregates, portably for SQLite
and PostgreSQL.

Myndigheter and områden are grouped by name: every verksamhet has its own rows for
"Försäkringskassan", and across verksamheter they are one agency.

Nothing here counts people: brister, requests and answers are shown as they are, small or not
(see `systemfel.privacy.domain`). Charts can still hide small counts, for counts of people.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from systemfel.brister.domain import Niva
from systemfel.brister.models import Brist
from systemfel.clock import local_today
from systemfel.extensions import db
from systemfel.followups import queries as followups_queries
from systemfel.followups.domain import PromiseState
from systemfel.followups.models import Efterkontroll, Kontakt
from systemfel.i18n import N_
from systemfel.privacy.domain import is_small, suppress_small
from systemfel.reports import queries
from systemfel.reports.domain import (
    FixesChecked,
    Timeline,
    YearTally,
    fixes_checked,
    tally_years,
)
from systemfel.verksamheter.models import Myndighet, Omrade
from systemfel.verksamheter.scope import Scope

MOST_LATE = 5


# --- Plain values -------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, its exact value, and the text that may leave the system."""

    label: str
    value: int | float
    shown: str

    @property
    def is_suppressed(self) -> bool:
        """Is the value hidden as "<threshold"?"""
        return self.shown.startswith("<")

    @property
    def extent(self) -> float:
        """How long to draw the bar: the value, or the threshold for a suppressed count.

        A suppressed bar must never be drawn at its exact length, or the picture would tell
        what the text hides; it is drawn as long as the threshold (the most it can be).
        """
        return float(self.shown[1:]) if self.is_suppressed else float(self.value)


@dataclass(frozen=True)
class Chart:
    """A bar chart: title and description (translatable texts), the unit, the bars in order."""

    title: str
    description: str
    unit: str
    bars: tuple[Bar, ...]

    @property
    def scale(self) -> float:
        """The longest bar's extent (at least 1), which the drawing scales to."""
        return max((bar.extent for bar in self.bars), default=0.0) or 1.0


@dataclass(frozen=True)
class MyndighetAnswers:
    """How one myndighet answered the requests sent to it by e-mail."""

    myndighet: str
    requests: int
    answered: int
    answer_rate: float | None
    median_days: float | None
    late: int


@dataclass(frozen=True)
class MyndighetPromises:
    """What one myndighet promised ("åtgärd utlovad" with a date) and how it went.

    `other`: superseded by a newer promise, or the brist closed another way in time.
    """

    myndighet: str
    made: int
    kept: int
    broken: int
    pending: int
    other: int


@dataclass(frozen=True)
class Statistics:
    """Everything the statistics page shows."""

    years: tuple[int, ...]
    by_niva: Chart
    by_myndighet: Chart
    by_omrade: Chart
    by_year: Chart
    closed_by_year: Chart
    median_days_to_close: float | None
    myndigheter: tuple[MyndighetAnswers, ...]
    most_late: tuple[MyndighetAnswers, ...]
    # New, closed and open per year, first registration to last step, as the report counts.
    tallies: dict[int, YearTally]
    # Promises per myndighet, by the year they were given; checks by the year of closing.
    promises: tuple[MyndighetPromises, ...] = ()
    efterkontroller: FixesChecked = FixesChecked()


# --- Pure helpers ---------------------------------------------------------------------------


def median_of_counts(counts: Iterable[tuple[float, int]]) -> float | None:
    """Return the median of values given as (value, how many times); None when empty."""
    ordered = sorted((value, n) for value, n in counts if n > 0)
    total = sum(n for _, n in ordered)
    if total == 0:
        return None
    # The middle position(s), 0-based: one for an odd total, two for an even one.
    wanted = sorted({(total - 1) // 2, total // 2})
    found: list[float] = []
    seen = 0
    for value, n in ordered:
        while wanted and wanted[0] < seen + n:
            found.append(float(value))
            wanted.pop(0)
        seen += n
    return sum(found) / len(found)


def median(values: Iterable[float]) -> float | None:
    """Return the median of `values`; None when there are none."""
    return median_of_counts(Counter(values).items())


def rate(part: int, whole: int) -> float | None:
    """Return part / whole, or None when there is no whole."""
    return part / whole if whole else None


def bar(label: str, value: int, threshold: int = 0) -> Bar:
    """A bar for a count; `shown` is "<threshold" for a small count of people (threshold > 0)."""
    return Bar(label=label, value=value, shown=suppress_small(value, threshold))


def chart(
    title: str,
    description: str,
    unit: str,
    counts: Iterable[tuple[str, int]],
    threshold: int = 0,
) -> Chart:
    """A chart of counts, in the order given; a threshold only for counts of people."""
    return Chart(
        title=title,
        description=description,
        unit=unit,
        bars=tuple(bar(label, value, threshold) for label, value in counts),
    )


def rank(count: int, threshold: int) -> int:
    """The size to order a count by: a suppressed count ranks as the threshold.

    Ordering by the exact count would tell which of two "<3" is the larger.
    """
    return threshold if is_small(count, threshold) else count


def largest_first(counts: Mapping[str, int], threshold: int = 0) -> list[tuple[str, int]]:
    """Order counts by size as shown, then by label; zero counts are left out."""
    return sorted(
        ((label, n) for label, n in counts.items() if n),
        key=lambda item: (-rank(item[1], threshold), item[0]),
    )


def year_span(*years: Iterable[int]) -> tuple[int, ...]:
    """Every year from the first to the last found, so a trend shows the empty years too."""
    found = {year for group in years for year in group}
    return tuple(range(min(found), max(found) + 1)) if found else ()


# --- Dates in SQL, portably -----------------------------------------------------------------


class LocalDate(FunctionElement[date]):
    """The Stockholm calendar date of a UTC timestamp column."""

    type = sa.Date()
    name = "local_date"
    inherit_cache = True


class YearOf(FunctionElement[int]):
    """The year of a date expression, as an integer."""

    type = sa.Integer()
    name = "year_of"
    inherit_cache = True


class DaysBetween(FunctionElement[int]):
    """Whole days from the first date expression to the second."""

    type = sa.Integer()
    name = "days_between"
    inherit_cache = True


@compiles(LocalDate, "postgresql")
def _local_date_postgresql(element: LocalDate, compiler: SQLCompiler, **kw: object) -> str:
    (moment,) = element.clauses
    return f"CAST(timezone('Europe/Stockholm', {compiler.process(moment, **kw)}) AS DATE)"


@compiles(LocalDate, "sqlite")
def _local_date_sqlite(element: LocalDate, compiler: SQLCompiler, **kw: object) -> str:
    # SQLite has no time zones, and stores the UTC time as 'YYYY-MM-DD HH:MM:SS...'.
    # Stockholm is UTC+1, or UTC+2 from 01:00 UTC on the last Sunday of March (the first
    # Sunday on or after the 25th) to 01:00 UTC on the last Sunday of October. So before
    # 22:00 UTC the date is the UTC date, from 23:00 it is the next day, and only at 22 does
    # summer time matter. String tests first: the date functions are slow on many rows.
    (moment,) = element.clauses
    ts = compiler.process(moment, **kw)

    def switch(month: str) -> str:
        return f"datetime(date(strftime('%Y', {ts}) || '-{month}-25', 'weekday 0'), '+1 hours')"

    is_summer = (
        f"(substr({ts}, 6, 2) BETWEEN '04' AND '09' OR (substr({ts}, 6, 2) IN ('03', '10') "
        f"AND {ts} >= {switch('03')} AND {ts} < {switch('10')}))"
    )
    return (
        f"(CASE WHEN substr({ts}, 12, 2) < '22' THEN substr({ts}, 1, 10) "
        f"WHEN substr({ts}, 12, 2) = '23' OR {is_summer} THEN date({ts}, '+1 days') "
        f"ELSE substr({ts}, 1, 10) END)"
    )


@compiles(YearOf, "postgresql")
def _year_of_postgresql(element: YearOf, compiler: SQLCompiler, **kw: object) -> str:
    (day,) = element.clauses
    return f"CAST(EXTRACT(YEAR FROM {compiler.process(day, **kw)}) AS INTEGER)"


@compiles(YearOf, "sqlite")
def _year_of_sqlite(element: YearOf, compiler: SQLCompiler, **kw: object) -> str:
    (day,) = element.clauses
    return f"CAST(substr({compiler.process(day, **kw)}, 1, 4) AS INTEGER)"


@compiles(DaysBetween, "postgresql")
def _days_between_postgresql(element: DaysBetween, compiler: SQLCompiler, **kw: object) -> str:
    start, end = element.clauses
    return f"({compiler.process(end, **kw)} - {compiler.process(start, **kw)})"


@compiles(DaysBetween, "sqlite")
def _days_between_sqlite(element: DaysBetween, compiler: SQLCompiler, **kw: object) -> str:
    start, end = element.clauses
    return (
        f"CAST(julianday({compiler.process(end, **kw)}) "
        f"- julianday({compiler.process(start, **kw)}) AS INTEGER)"
    )


# --- Gathering ------------------------------------------------------------------------------


def _tallies(lines: list[Timeline]) -> dict[int, YearTally]:
    """Each year's tally, from the first registration to the last step taken."""
    found = [line.registered_on.year for line in lines]
    found += [change.on.year for line in lines for change in line.changes]
    return tally_years(lines, range(min(found), max(found) + 1)) if found else {}


def gather(
    scope: Scope,
    year: int | None,
    *,
    today: date | None = None,
) -> Statistics:
    """Count the brister and answers of the scope's verksamheter for a year (None: all).

    Nivå, myndighet and område count the brister registered in the year; the time to closure
    is taken over the brister closed in it, and the answers over the requests sent in it. The
    trend charts always span every year. Brister merged into another are not counted, nor the
    requests about them; a request whose links were revoked before any answer came is not held
    against the myndighet.
    A late answer came after the day it was due, or has not come and that day is past.
    """
    today = today or local_today()
    live = [Brist.merged_into_id.is_(None), *scope.where(Brist.verksamhet_id)]
    # New, closed and open brister per year, and days to closure: the report's definition
    # (reports.domain.tally_years), over each brist's closings and reopenings.
    tallies = _tallies(queries.timelines(scope))
    closing_days = Counter(
        d for y, t in tallies.items() if year in (None, y) for d in t.days_to_close
    )
    return assemble(
        year,
        Figures(
            counted=_brister_counted(live, year),
            tallies=tallies,
            closing_days=closing_days,
            answers=_answers_rows(live, year, today),
            promises=_promises(live, year, today),
            efterkontroller=_efterkontroller(live, year),
        ),
    )


@dataclass(frozen=True)
class Figures:
    """What the page is drawn from, counted live (`gather`) or summed from the summaries.

    `counted`: the year's brister by nivå, myndighet and område; `closing_days`: days to
    closure → how many, over the year's closings (every year's for None); `answers`: rows of
    (myndighet, days to answer or None, requests, late ones).
    """

    counted: tuple[Counter[Niva], Counter[str], Counter[str]]
    tallies: dict[int, YearTally]
    closing_days: Mapping[int, int]
    answers: Iterable[tuple[str, int | None, int, int]]
    promises: tuple[MyndighetPromises, ...]
    efterkontroller: FixesChecked


def assemble(year: int | None, figures: Figures) -> Statistics:
    """The page's charts and tables from its figures, however they were counted."""
    by_niva, by_myndighet, by_omrade = figures.counted
    tallies = figures.tallies
    new_per_year = {y: t.new for y, t in tallies.items() if t.new}
    closed_per_year = {y: t.closed for y, t in tallies.items() if t.closed}
    myndigheter = _answers(figures.answers)
    most_late = tuple(
        sorted(
            (a for a in myndigheter if a.late),
            key=lambda a: (-a.late, a.myndighet),
        )[:MOST_LATE]
    )
    years = year_span(new_per_year, closed_per_year)
    return Statistics(
        promises=figures.promises,
        efterkontroller=figures.efterkontroller,
        years=years,
        by_niva=chart(
            N_("Brister per nivå"),
            N_("Antal brister per nivå: handläggarnivå, lokal nivå och central nivå."),
            N_("brister"),
            [(niva.label, by_niva[niva]) for niva in Niva],
        ),
        by_myndighet=chart(
            N_("Brister per myndighet"),
            N_("Antal brister per myndighet som bristen gäller, flest först."),
            N_("brister"),
            largest_first(by_myndighet),
        ),
        by_omrade=chart(
            N_("Brister per område"),
            N_("Antal brister per område, flest först."),
            N_("brister"),
            largest_first(by_omrade),
        ),
        by_year=chart(
            N_("Nya brister per år"),
            N_("Antal brister som registrerats varje år."),
            N_("brister"),
            [(str(y), new_per_year.get(y, 0)) for y in years],
        ),
        closed_by_year=chart(
            N_("Stängda brister per år"),
            N_("Antal brister som stängts varje år."),
            N_("brister"),
            [(str(y), closed_per_year.get(y, 0)) for y in years],
        ),
        median_days_to_close=median_of_counts(figures.closing_days.items()),
        myndigheter=myndigheter,
        most_late=most_late,
        tallies=tallies,
    )


def _brister_counted(
    live: list[sa.ColumnElement[bool]], year: int | None
) -> tuple[Counter[Niva], Counter[str], Counter[str]]:
    """The year's brister by nivå, by myndighet and by område (a few hundred rows at most)."""
    # Counting by ids first and naming afterwards is faster than grouping joined names.
    by_ids = (
        sa.select(Brist.niva, Brist.myndighet_id, Brist.omrade_id, sa.func.count().label("n"))
        .where(*live, *([] if year is None else [Brist.year == year]))
        .group_by(Brist.niva, Brist.myndighet_id, Brist.omrade_id)
        .subquery()
    )
    combined = db.session.execute(
        sa.select(by_ids.c.niva, Myndighet.namn, Omrade.namn, sa.func.sum(by_ids.c.n))
        .join(Myndighet, Myndighet.id == by_ids.c.myndighet_id)
        .join(Omrade, Omrade.id == by_ids.c.omrade_id)
        .group_by(by_ids.c.niva, Myndighet.namn, Omrade.namn)
    ).all()
    by_niva: Counter[Niva] = Counter()
    by_myndighet: Counter[str] = Counter()
    by_omrade: Counter[str] = Counter()
    for niva, myndighet, omrade, n in combined:
        by_niva[niva] += int(n)
        by_myndighet[myndighet] += int(n)
        by_omrade[omrade] += int(n)
    return by_niva, by_myndighet, by_omrade


def answers_query(live: list[sa.ColumnElement[bool]], today: date) -> sa.Select:
    """Requests by myndighet and days to answer (None: none yet): how many, how many late.

    The caller adds the year (`YearOf(sent_on(...))`) or more to group by.
    """
    answer_days = DaysBetween(sent_on(), LocalDate(Kontakt.answered_at))
    is_late = sa.case(
        (
            sa.and_(
                Kontakt.answered_at.is_not(None),
                LocalDate(Kontakt.answered_at) > Kontakt.answer_due_on,
            ),
            1,
        ),
        # A paused clock is not late: its deadline moves when the ombud resumes it.
        (
            sa.and_(
                Kontakt.answered_at.is_(None),
                Kontakt.paused_on.is_(None),
                Kontakt.answer_due_on < today,
            ),
            1,
        ),
        else_=0,
    )
    return (
        sa.select(Myndighet.namn, answer_days, sa.func.count(), sa.func.sum(is_late))
        .join(Myndighet, Myndighet.id == Kontakt.myndighet_id)
        .join(Brist, Brist.id == Kontakt.brist_id)
        .where(
            *live,
            Kontakt.answer_due_on.is_not(None),
            sa.or_(Kontakt.answered_at.is_not(None), Kontakt.links_revoked_at.is_(None)),
        )
        .group_by(Myndighet.namn, answer_days)
    )


def sent_on() -> LocalDate:
    """The Stockholm day a request was sent."""
    return LocalDate(Kontakt.created_at)


def _answers_rows(
    live: list[sa.ColumnElement[bool]], year: int | None, today: date
) -> list[tuple[str, int | None, int, int]]:
    """The scope's requests sent in the year (None: every year), as `answers_query` counts."""
    query = answers_query(live, today)
    if year is not None:
        query = query.where(YearOf(sent_on()) == year)
    return [(namn, days, n, int(late or 0)) for namn, days, n, late in db.session.execute(query)]


def _answers(rows: Iterable[tuple[str, int | None, int, int]]) -> tuple[MyndighetAnswers, ...]:
    """Requests per myndighet, answered, late and the median days to answer."""
    requests: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    late: Counter[str] = Counter()
    days_by_myndighet: dict[str, Counter[int]] = defaultdict(Counter)
    for namn, days, n, late_n in rows:
        requests[namn] += n
        late[namn] += late_n
        if days is not None:
            answered[namn] += n
            days_by_myndighet[namn][days] += n

    return tuple(
        MyndighetAnswers(
            myndighet=namn,
            requests=requests[namn],
            answered=answered[namn],
            answer_rate=rate(answered[namn], requests[namn]),
            median_days=median_of_counts(days_by_myndighet[namn].items()),
            late=late[namn],
        )
        for namn in sorted(requests)
    )


def _promises(
    live: list[sa.ColumnElement[bool]], year: int | None, today: date
) -> tuple[MyndighetPromises, ...]:
    """Promises per myndighet (by name), given in `year`, as they stand `today`."""
    counts: dict[str, Counter[PromiseState]] = defaultdict(Counter)
    for promise in followups_queries.promises(*live, today=today):
        if year is None or promise.given_on.year == year:
            counts[promise.myndighet][promise.state] += 1
    return tuple(
        MyndighetPromises(
            myndighet=namn,
            made=sum(found.values()),
            kept=found[PromiseState.KEPT],
            broken=found[PromiseState.BROKEN],
            pending=found[PromiseState.PENDING],
            other=found[PromiseState.SUPERSEDED] + found[PromiseState.LAPSED],
        )
        for namn, found in sorted(counts.items())
    )


def _efterkontroller(live: list[sa.ColumnElement[bool]], year: int | None) -> FixesChecked:
    """Closings as åtgärdad in `year` (every one, reopened since or not) and their checks."""
    rows = db.session.execute(
        sa.select(Efterkontroll.closed_on, Efterkontroll.svar)
        .join(Brist, Brist.id == Efterkontroll.brist_id)
        .where(*live)
    ).all()
    return fixes_checked(((closed_on, svar) for closed_on, svar in rows), year)
