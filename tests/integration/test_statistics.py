"""Statistics on a real database: counts by nivå, myndighet, område and year, closure times,
the myndigheters' answers, small counts shown as they are (brister and requests are not
people), and a statement count that does not grow.

Two years of brister go through the real services. Times near midnight check that days and
years are Stockholm's, not UTC's.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from systemfel.access import scope_for
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Niva, Utfall
from systemfel.brister.models import Brist
from systemfel.dbtypes import UTCDateTime
from systemfel.extensions import db
from systemfel.followups import services as followups
from systemfel.followups.domain import Kanal, SvarTyp
from systemfel.followups.models import Kontakt
from systemfel.reports import statistics
from systemfel.reports.statistics import Bar, MyndighetAnswers
from systemfel.verksamheter.models import Myndighet, Omrade
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.integration.conftest import STOCKHOLM, Scene, at
from tests.sql import count_statements

TODAY = date(2026, 11, 20)


@dataclass
class History:
    """The brister and contacts the tests count, by name."""

    scene: Scene
    arbetsformedlingen: Myndighet
    kronofogden: Myndighet
    bostad: Omrade
    brister: dict[str, Brist]


def _myndighet(scene: Scene, namn: str) -> Myndighet:
    found = db.session.scalar(
        select(Myndighet).where(
            Myndighet.verksamhet_id == scene.verksamhet.id, Myndighet.namn == namn
        )
    )
    found.epost = f"registrator@{namn.lower()}.example"
    return found


def register(scene: Scene, now: datetime, **overrides) -> Brist:
    overrides.setdefault("first_observed_on", date(now.year, 1, 1))
    return scene.new_brist(now=now, **overrides)


def close(scene: Scene, brist: Brist, now: datetime, merged_into: Brist | None = None) -> None:
    brister_services.close_brist(
        brist=brist,
        user=scene.ombud,
        scope=factories.closing_scope(scene.ombud),
        utfall=Utfall.SAMMANSLAGEN if merged_into else Utfall.ATGARDAD,
        comment="Klar.",
        expected_version=brist.version,
        merged_into=merged_into,
        now=now,
    )


def request(scene: Scene, brist: Brist, myndighet: Myndighet, now: datetime, due: date) -> Kontakt:
    return followups.raise_with_myndighet(
        brist=brist,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        myndighet=myndighet,
        contacted_on=now.astimezone(STOCKHOLM).date(),
        kanal=Kanal.EPOST,
        summary="Besluten saknar motivering.",
        send_email=True,
        answer_due_on=due,
        now=now,
    )


def answer(kontakt: Kontakt, now: datetime) -> None:
    followups.record_answer(
        kontakt=kontakt,
        typ=SvarTyp.AVVISAT,
        text="Vi tittar på det.",
        diarienummer="",
        promised_on=None,
        responsible_body="",
        now=now,
    )


def build(scene: Scene) -> History:
    """Seven brister over 2025 and 2026 (and one merged away), with six requests."""
    af = _myndighet(scene, "Arbetsförmedlingen")
    kfm = _myndighet(scene, "Kronofogden")
    bostad = db.session.scalar(
        select(Omrade).where(Omrade.verksamhet_id == scene.verksamhet.id, Omrade.namn == "Bostad")
    )
    b = {"scene": scene.brist}  # 2026-11-02, handläggare, Försäkringskassan, Ekonomi; open

    # 2025
    b["b1"] = register(scene, at(date(2025, 3, 10)))
    close(scene, b["b1"], at(date(2025, 3, 22)))  # 12 days
    b["b2"] = register(scene, at(date(2025, 6, 2)), niva=Niva.LOKAL, omrade_id=bostad.id)
    # 00:30 in Stockholm is still 21 June in UTC: 20 days, not 19.
    close(scene, b["b2"], at(date(2025, 6, 22), 0, 30))
    # New Year's Eve in Stockholm, late: registered 2025, closed 2026 (both still 2025 in UTC).
    b["b3"] = register(scene, at(date(2025, 12, 31), 23, 30))
    close(scene, b["b3"], at(date(2026, 1, 1), 0, 30))  # 1 day
    b["merged"] = register(scene, at(date(2025, 5, 5)), niva=Niva.CENTRAL, myndighet_id=kfm.id)

    # 2026
    b["b5"] = register(
        scene, at(date(2026, 2, 2)), niva=Niva.LOKAL, myndighet_id=af.id, omrade_id=bostad.id
    )
    brister_services.escalate_brist(
        brist=b["b5"],
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        to_niva=Niva.CENTRAL,
        reason="Regelverket.",
        expected_version=b["b5"].version,
        now=at(date(2026, 2, 20)),
    )
    close(scene, b["b5"], at(date(2026, 3, 14)))  # 40 days
    b["b6"] = register(scene, at(date(2026, 4, 1)))
    b["b7"] = register(scene, at(date(2026, 1, 10)), omrade_id=bostad.id)
    close(scene, b["b7"], at(date(2026, 1, 12)))  # 2 days
    close(scene, b["merged"], at(date(2026, 4, 10)), merged_into=b["b6"])

    fk = scene.myndighet
    # Answered in 3 days, on time.
    answer(
        request(scene, b["b1"], fk, at(date(2025, 3, 11)), date(2025, 3, 25)), at(date(2025, 3, 14))
    )
    # Answered 00:30 the day after it was due (still the due day in UTC): late, 15 days.
    answer(
        request(scene, b["b2"], fk, at(date(2025, 6, 3)), date(2025, 6, 17)),
        at(date(2025, 6, 18), 0, 30),
    )
    # Never answered, long past due: late.
    request(scene, b["b6"], fk, at(date(2026, 4, 2)), date(2026, 4, 16))
    # Not answered yet, not due yet: not late.
    request(scene, scene.brist, fk, at(date(2026, 11, 3)), date(2026, 11, 30))
    # Withdrawn before any answer: not counted.
    withdrawn = request(scene, b["b6"], fk, at(date(2026, 4, 2)), date(2026, 4, 16))
    followups.revoke_link(
        kontakt=withdrawn, user=scene.ombud, scope=scope_for(scene.ombud), now=at(date(2026, 4, 3))
    )
    # Arbetsförmedlingen answers in 7 days.
    answer(
        request(scene, b["b5"], af, at(date(2026, 2, 3)), date(2026, 2, 17)), at(date(2026, 2, 10))
    )
    # About the merged brist: not counted.
    answer(
        request(scene, b["merged"], kfm, at(date(2025, 5, 6)), date(2025, 5, 20)),
        at(date(2025, 5, 8)),
    )
    db.session.commit()
    return History(scene, af, kfm, bostad, b)


@pytest.fixture
def history(scene) -> History:
    return build(scene)


def values(chart: statistics.Chart) -> dict[str, int | float]:
    return {bar.label: bar.value for bar in chart.bars}


def shown(chart: statistics.Chart) -> dict[str, str]:
    return {bar.label: bar.shown for bar in chart.bars}


def scope(history: History) -> Scope:
    return Scope(verksamhet_ids=frozenset({history.scene.verksamhet.id}))


def test_counts_over_all_years(history):
    stats = statistics.gather(scope(history), None, today=TODAY)

    assert stats.years == (2025, 2026)
    assert values(stats.by_niva) == {"Handläggarnivå": 5, "Lokal nivå": 1, "Central nivå": 1}
    assert values(stats.by_myndighet) == {"Försäkringskassan": 6, "Arbetsförmedlingen": 1}
    assert [bar.label for bar in stats.by_myndighet.bars] == [
        "Försäkringskassan",
        "Arbetsförmedlingen",
    ]
    assert values(stats.by_omrade) == {"Ekonomi": 4, "Bostad": 3}
    # The brist merged in 2026 was a brist of its own all through 2025: new that year.
    assert values(stats.by_year) == {"2025": 4, "2026": 4}
    # 31 December 23:30 and 1 January 00:30 in Stockholm: registered 2025, closed 2026.
    assert values(stats.closed_by_year) == {"2025": 2, "2026": 3}
    # 1, 2, 12, 20, 40 days.
    assert stats.median_days_to_close == 12


def test_a_year_counts_the_brister_registered_and_closed_in_it(history):
    stats_2025 = statistics.gather(scope(history), 2025, today=TODAY)
    stats_2026 = statistics.gather(scope(history), 2026, today=TODAY)

    assert values(stats_2025.by_niva) == {"Handläggarnivå": 2, "Lokal nivå": 1, "Central nivå": 0}
    assert values(stats_2026.by_niva) == {"Handläggarnivå": 3, "Lokal nivå": 0, "Central nivå": 1}
    assert values(stats_2026.by_myndighet) == {"Försäkringskassan": 3, "Arbetsförmedlingen": 1}
    assert values(stats_2025.by_omrade) == {"Ekonomi": 2, "Bostad": 1}
    # Closed in 2025: 12 and 20 days; in 2026: 1, 2 and 40.
    assert stats_2025.median_days_to_close == 16
    assert stats_2026.median_days_to_close == 2
    # The trend spans every year whichever year is chosen.
    assert values(stats_2025.by_year) == {"2025": 4, "2026": 4}
    assert statistics.gather(scope(history), 2024, today=TODAY).median_days_to_close is None


def test_counts_of_brister_are_shown_as_they_are_however_small(history):
    stats = statistics.gather(scope(history), None, today=TODAY)

    # Brister are not people: a count of 1 or 2 is shown, and drawn at its length.
    assert shown(stats.by_niva) == {"Handläggarnivå": "5", "Lokal nivå": "1", "Central nivå": "1"}
    assert stats.by_niva.bars[1] == Bar("Lokal nivå", 1, "1")
    assert stats.by_niva.bars[1].extent == 1
    assert shown(stats.closed_by_year) == {"2025": "2", "2026": "3"}
    # Ekonomi 2 and Bostad 1 in 2025: the larger first.
    stats_2025 = statistics.gather(scope(history), 2025, today=TODAY)
    assert [(bar.label, bar.shown) for bar in stats_2025.by_omrade.bars] == [
        ("Ekonomi", "2"),
        ("Bostad", "1"),
    ]
    charts = (stats.by_niva, stats.by_myndighet, stats.by_omrade, stats.by_year)
    assert not any(bar.is_suppressed for made in charts for bar in made.bars)


def test_agencies_answer_rate_time_and_late_answers(history):
    stats = statistics.gather(scope(history), None, today=TODAY)

    fk = MyndighetAnswers(
        myndighet="Försäkringskassan",
        requests=4,
        answered=2,
        answer_rate=0.5,
        median_days=9,  # 3 and 15 days
        late=2,
    )
    # One request, one answer: requests are not people, so rate and time are shown too.
    af = MyndighetAnswers("Arbetsförmedlingen", 1, 1, 1.0, 7, 0)
    # Kronofogden was asked only about the merged brist.
    assert stats.myndigheter == (af, fk)
    assert stats.most_late == (fk,)


def test_agencies_in_a_year_count_the_requests_sent_in_it(history):
    stats_2025 = statistics.gather(scope(history), 2025, today=TODAY)
    stats_2026 = statistics.gather(scope(history), 2026, today=TODAY)

    assert [
        (a.myndighet, a.requests, a.answered, a.median_days, a.late) for a in stats_2025.myndigheter
    ] == [("Försäkringskassan", 2, 2, 9, 1)]
    assert [
        (a.myndighet, a.requests, a.answered, a.answer_rate, a.median_days, a.late)
        for a in stats_2026.myndigheter
    ] == [
        ("Arbetsförmedlingen", 1, 1, 1.0, 7, 0),
        ("Försäkringskassan", 2, 0, 0.0, None, 1),
    ]


def test_an_answer_not_yet_due_becomes_late_when_the_day_has_passed(history):
    on_due_day = statistics.gather(scope(history), None, today=date(2026, 11, 30))
    after = statistics.gather(scope(history), None, today=date(2026, 12, 1))

    assert [a.late for a in on_due_day.myndigheter] == [0, 2]
    assert [a.late for a in after.myndigheter] == [0, 3]


def test_other_verksamheter_are_not_counted_but_everyone_sees_all(history, ctx):
    other = factories.verksamhet("PO Annan")
    user = factories.UserFactory(email="annan@test.example", verksamheter=[other])
    factories.brist(other, user)
    db.session.commit()

    mine = statistics.gather(scope(history), None, today=TODAY)
    everyone = statistics.gather(Scope.everything(), None, today=TODAY)

    assert sum(bar.value for bar in mine.by_niva.bars) == 7
    assert sum(bar.value for bar in everyone.by_niva.bars) == 8
    # Försäkringskassan of both verksamheter is one agency.
    assert values(everyone.by_myndighet)["Försäkringskassan"] == 7


def test_nothing_to_count(ctx, scene):
    stats = statistics.gather(
        Scope(verksamhet_ids=frozenset({scene.verksamhet.id + 1})), None, today=TODAY
    )

    assert stats.years == ()
    assert values(stats.by_niva) == {"Handläggarnivå": 0, "Lokal nivå": 0, "Central nivå": 0}
    assert stats.by_myndighet.bars == stats.by_year.bars == ()
    assert stats.median_days_to_close is None
    assert stats.myndigheter == stats.most_late == ()


def test_the_number_of_statements_does_not_grow_with_the_rows(app, history):
    ids = scope(history)
    with count_statements(app) as few:
        statistics.gather(ids, None, today=TODAY)
        statistics.gather(ids, 2026, today=TODAY)

    scene = history.scene
    for day in range(1, 25):
        brist = register(scene, at(date(2026, 5, day)), omrade_id=history.bostad.id)
        close(scene, brist, at(date(2026, 6, day)))
        kontakt = request(
            scene, brist, history.arbetsformedlingen, at(date(2026, 6, 1)), date(2026, 6, 20)
        )
        answer(kontakt, at(date(2026, 6, day)))
    db.session.commit()

    with count_statements(app) as many:
        stats = statistics.gather(ids, None, today=TODAY)
        statistics.gather(ids, 2026, today=TODAY)

    assert values(stats.by_year) == {"2025": 4, "2026": 28}
    # Six statements for each call (three for brister and answers, three for promises and
    # efterkontroller).
    assert many["n"] == few["n"] == 12


def test_local_dates_in_sql_agree_with_python_around_every_switch(ctx):
    """Stockholm dates computed by the database, at every 20 minutes near midnight and near
    the switches to and from summer time (and a leap day), equal Python's."""
    moments = [
        start + timedelta(minutes=20 * step)
        for start in (
            datetime(2024, 2, 28, 20, tzinfo=UTC),
            datetime(2025, 3, 29, 20, tzinfo=UTC),
            datetime(2025, 10, 25, 20, tzinfo=UTC),
            datetime(2025, 12, 31, 20, tzinfo=UTC),
            datetime(2026, 3, 28, 20, tzinfo=UTC),
            datetime(2026, 7, 14, 20, tzinfo=UTC),
            datetime(2026, 10, 24, 20, tzinfo=UTC),
        )
        for step in range(3 * 24 * 3)
    ]
    table = sa.Table("local_date_probe", sa.MetaData(), sa.Column("at", UTCDateTime))
    table.create(db.session.connection())
    try:
        db.session.execute(table.insert(), [{"at": moment} for moment in moments])
        local = statistics.LocalDate(table.c.at)
        rows = db.session.execute(
            sa.select(
                table.c.at,
                statistics.YearOf(local),
                statistics.DaysBetween(local, sa.literal(date(2027, 1, 1), sa.Date)),
            )
        ).all()
    finally:
        # SQLite runs DDL outside the transaction: drop the table rather than trust rollback.
        db.session.rollback()
        table.drop(db.engine, checkfirst=True)
    assert len(rows) == len(moments)
    for moment, year, days in rows:
        day = moment.astimezone(STOCKHOLM).date()
        assert (year, days) == (day.year, (date(2027, 1, 1) - day).days), moment
