"""The statistics page and the annual report count a year's new, closed and open brister the
same way: over generated histories (registrations, closings backdated across the new year,
reopenings, merges, times near midnight), for every year, on SQLite and PostgreSQL."""

import random
from datetime import date, timedelta

import pytest

from systemfel.access import scope_for
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Utfall
from systemfel.brister.models import Brist
from systemfel.extensions import db
from systemfel.reports import services, statistics
from systemfel.reports.domain import YearTally
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.integration.conftest import Scene, at

FIRST_DAY = date(2024, 11, 1)
YEARS = (2024, 2025, 2026, 2027)
OUTCOMES = (Utfall.ATGARDAD, Utfall.DELVIS_ATGARDAD, Utfall.EJ_ATGARDAD)


def _moments(rng: random.Random, n: int):
    """Sorted Stockholm days and times, many of them around New Year and midnight."""
    found = []
    for _ in range(n):
        if rng.random() < 0.3:
            day = date(rng.choice((2024, 2025, 2026)), 12, rng.choice((30, 31)))
        else:
            day = FIRST_DAY + timedelta(days=rng.randrange(900))
        hour, minute = rng.choice(((23, 30), (0, 30), (10, 0), (22, 45)))
        found.append((day, hour, minute))
    return sorted(found)


def _step(rng: random.Random, scene: Scene, day: date, hour: int, minute: int, last: dict):
    """One thing happening at the moment: a registration, closing, reopening or merge."""
    now = at(day, hour, minute)
    open_ = [b for b in last if not b.is_closed]
    closed = [b for b in last if b.is_closed and b.merged_into_id is None]
    roll = rng.random()
    if roll < 0.35 or not open_:
        brist = scene.new_brist(now=now, first_observed_on=day - timedelta(days=3))
        last[brist] = now.date()
    elif roll < 0.6:
        brist = rng.choice(open_)
        # Closed as it happened: sometimes days back, maybe in the year before.
        on = max(last[brist], day - timedelta(days=rng.choice((0, 0, 2, 5))))
        brister_services.close_brist(
            brist=brist,
            user=scene.ombud,
            scope=factories.closing_scope(scene.ombud),
            utfall=rng.choice(OUTCOMES),
            comment="",
            expected_version=brist.version,
            now=now,
            happened_on=on,
        )
        last[brist] = on
    elif roll < 0.8 and closed:
        brist = rng.choice(closed)
        reason = "Syns igen."
        brister_services.reopen_brist(
            brist=brist,
            user=scene.ombud,
            scope=scope_for(scene.ombud),
            reason=reason,
            expected_version=brist.version,
            now=now,
        )
        last[brist] = now.date()
    elif len(open_) > 1:
        brist, target = rng.sample(open_, 2)
        brister_services.close_brist(
            brist=brist,
            user=scene.ombud,
            scope=factories.closing_scope(scene.ombud),
            utfall=Utfall.SAMMANSLAGEN,
            comment="",
            merged_into=target,
            expected_version=brist.version,
            now=now,
        )
        last[brist] = now.date()
    db.session.flush()


def _rapport_counts(scene: Scene, year: int) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    document, _ = services.generate(
        scope=Scope.everything(),
        verksamhet_ids=frozenset({scene.verksamhet.id}),
        year=year,
        rapport=None,
        threshold=3,
    )
    this, before = document.counts, document.previous
    return (this.new, this.closed, this.open_at_end), (
        before.new,
        before.closed,
        before.open_at_end,
    )


@pytest.mark.parametrize("seed", range(4))
def test_the_statistics_page_and_the_report_count_a_year_alike(scene, seed):
    rng = random.Random(seed)
    last: dict[Brist, date] = {}
    for day, hour, minute in _moments(rng, 60):
        _step(rng, scene, day, hour, minute, last)
    db.session.commit()

    stats = statistics.gather(
        Scope(verksamhet_ids=frozenset({scene.verksamhet.id})), None, today=date(2027, 6, 1)
    )
    for year in YEARS:
        tally = stats.tallies.get(year, YearTally())
        on_page = (tally.new, tally.closed, tally.open_at_end)
        this, _ = _rapport_counts(scene, year)
        _, as_previous = _rapport_counts(scene, year + 1)
        assert this == on_page, year
        assert as_previous == on_page, year
        bars = {bar.label: bar.value for bar in stats.by_year.bars}
        assert bars.get(str(year), 0) == tally.new
