"""The statistics summaries sum to the live count: for generated histories in three
verksamheter (registrations, closings backdated across the new year, reopenings, merges,
requests answered late and on time, promises kept and broken, efterkontroller, times around
midnight, New Year and the summer-time switches), every scope and every year, on SQLite and
PostgreSQL; and the page reads them in a fixed number of statements."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import combinations

import pytest
from sqlalchemy import select

from systemfel.access import scope_for
from systemfel.auth.models import User
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Niva, Utfall
from systemfel.brister.models import Brist
from systemfel.extensions import db
from systemfel.followups import services as followups
from systemfel.followups.domain import EfterkontrollSvar, Kanal, SvarTyp
from systemfel.followups.models import Efterkontroll, Kontakt
from systemfel.reports import statistics, summaries
from systemfel.reports.models import StatisticsRefresh
from systemfel.verksamheter.models import Myndighet, Omrade, Verksamhet
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.integration.conftest import STOCKHOLM, at
from tests.sql import count_statements

FIRST_DAY = date(2024, 11, 1)
# Around the switches to and from summer time, and New Year.
SPECIAL_DAYS = (
    date(2025, 3, 30),
    date(2025, 10, 26),
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2024, 12, 31),
    date(2025, 12, 31),
    date(2026, 1, 1),
)
TODAY_AT = at(date(2027, 2, 10), 9, 0)
OUTCOMES = (Utfall.ATGARDAD, Utfall.DELVIS_ATGARDAD, Utfall.EJ_ATGARDAD)
ANSWERS = (SvarTyp.AVVISAT, SvarTyp.ATGARD_UTLOVAD, SvarTyp.ATGARDAT)


@dataclass
class Office:
    """One verksamhet, its ombud, and what has happened in it."""

    verksamhet: Verksamhet
    ombud: User
    myndigheter: list[Myndighet]
    omraden: list[Omrade]
    brister: list[Brist] = field(default_factory=list)
    kontakter: list[Kontakt] = field(default_factory=list)


def _office(number: int) -> Office:
    verksamhet = factories.verksamhet(f"PO Räkning {number}")
    ombud = factories.UserFactory(email=f"ombud@rakning{number}.example", verksamheter=[verksamhet])
    myndigheter = list(
        db.session.scalars(select(Myndighet).where(Myndighet.verksamhet_id == verksamhet.id))
    )[:3]
    for myndighet in myndigheter:
        myndighet.epost = f"registrator{myndighet.id}@myndighet.example"
    omraden = list(db.session.scalars(select(Omrade).where(Omrade.verksamhet_id == verksamhet.id)))
    return Office(verksamhet, ombud, myndigheter, omraden[:3])


def _moments(rng: random.Random, n: int) -> list[datetime]:
    found = []
    for _ in range(n):
        if rng.random() < 0.35:
            day = rng.choice(SPECIAL_DAYS)
        else:
            day = FIRST_DAY + timedelta(days=rng.randrange(820))
        hour, minute = rng.choice(((23, 30), (0, 30), (1, 30), (2, 30), (10, 0), (22, 45)))
        found.append(at(day, hour, minute))
    return sorted(found)


def _register(rng: random.Random, office: Office, now: datetime) -> None:
    day = now.astimezone(STOCKHOLM).date()
    brist = brister_services.register_brist(
        verksamhet=office.verksamhet,
        user=office.ombud,
        scope=scope_for(office.ombud),
        fields=brister_services.BristFields(
            titel="Beslut saknar motivering",
            beskrivning="Besluten förklarar inte vad som saknas.",
            niva=rng.choice(list(Niva)),
            myndighet_id=rng.choice(office.myndigheter).id,
            other_myndighet_ids=[],
            omrade_id=rng.choice(office.omraden).id,
            first_observed_on=day - timedelta(days=3),
            antal_klienter=rng.randint(1, 5),
            konsekvenser="",
            forslag_atgard="",
            ansvarig_id=office.ombud.id,
        ),
        prefix="SF",
        now=now,
    )
    office.brister.append(brist)


def _close(rng: random.Random, office: Office, brist: Brist, now: datetime, **merge) -> None:
    brister_services.close_brist(
        brist=brist,
        user=office.ombud,
        scope=factories.closing_scope(office.ombud),
        utfall=Utfall.SAMMANSLAGEN if merge else rng.choice(OUTCOMES),
        comment="",
        expected_version=brist.version,
        now=now,
        **merge,
    )


def _request(rng: random.Random, office: Office, brist: Brist, now: datetime) -> None:
    day = now.astimezone(STOCKHOLM).date()
    kontakt = followups.raise_with_myndighet(
        brist=brist,
        user=office.ombud,
        scope=scope_for(office.ombud),
        myndighet=rng.choice(office.myndigheter),
        contacted_on=day,
        kanal=Kanal.EPOST,
        summary="Besluten saknar motivering.",
        send_email=True,
        answer_due_on=day + timedelta(days=rng.choice((1, 5, 14))),
        now=now,
    )
    office.kontakter.append(kontakt)


def _answer(rng: random.Random, kontakt: Kontakt, now: datetime) -> None:
    typ = rng.choice(ANSWERS)
    day = now.astimezone(STOCKHOLM).date()
    followups.record_answer(
        kontakt=kontakt,
        typ=typ,
        text="Svar.",
        diarienummer="",
        promised_on=day + timedelta(days=rng.choice((10, 60, 400)))
        if typ == SvarTyp.ATGARD_UTLOVAD
        else None,
        responsible_body="",
        now=now,
    )


def _check(rng: random.Random, office: Office, now: datetime) -> None:
    """Answer an efterkontroll that is due, if there is one."""
    day = now.astimezone(STOCKHOLM).date()
    for kontroll in db.session.scalars(
        select(Efterkontroll)
        .join(Brist, Brist.id == Efterkontroll.brist_id)
        .where(
            Brist.verksamhet_id == office.verksamhet.id,
            Efterkontroll.answered_at.is_(None),
            Efterkontroll.due_on <= day,
        )
    ):
        if followups.is_current(kontroll):
            followups.record_efterkontroll(
                kontroll=kontroll,
                user=office.ombud,
                scope=scope_for(office.ombud),
                svar=rng.choice(list(EfterkontrollSvar)),
                now=now,
            )
            return


def _step(rng: random.Random, office: Office, now: datetime) -> None:
    """One thing happening in the office at `now`."""
    open_ = [b for b in office.brister if not b.is_closed]
    closed = [b for b in office.brister if b.is_closed and b.merged_into_id is None]
    waiting = [k for k in office.kontakter if k.answered_at is None and k.links_revoked_at is None]
    roll = rng.random()
    if roll < 0.3 or not open_:
        _register(rng, office, now)
    elif roll < 0.45:
        _close(rng, office, rng.choice(open_), now)
    elif roll < 0.55 and closed:
        brist = rng.choice(closed)
        brister_services.reopen_brist(
            brist=brist,
            user=office.ombud,
            scope=scope_for(office.ombud),
            reason="Syns igen.",
            expected_version=brist.version,
            now=now,
        )
    elif roll < 0.6 and len(open_) > 1:
        brist, target = rng.sample(open_, 2)
        _close(rng, office, brist, now, merged_into=target)
    elif roll < 0.75:
        _request(rng, office, rng.choice(open_), now)
    elif roll < 0.9 and waiting:
        _answer(rng, rng.choice(waiting), now)
    elif roll < 0.93 and waiting:
        followups.revoke_link(
            kontakt=rng.choice(waiting),
            user=office.ombud,
            scope=scope_for(office.ombud),
            now=now,
        )
    else:
        _check(rng, office, now)
    db.session.flush()


def _generate(seed: int) -> list[Office]:
    rng = random.Random(seed)
    offices = [_office(number) for number in range(3)]
    for now in _moments(rng, 90):
        _step(rng, rng.choice(offices), now)
    db.session.commit()
    return offices


def _scopes(offices: list[Office]) -> list[Scope]:
    ids = [office.verksamhet.id for office in offices]
    several = [frozenset(pair) for pair in combinations(ids, 2)]
    return [
        Scope.everything(),
        *(Scope(frozenset({one})) for one in ids),
        *(Scope(pair) for pair in several),
        Scope(frozenset({max(ids) + 1})),
    ]


@pytest.mark.parametrize("seed", range(3))
def test_the_summaries_sum_to_the_live_count_for_every_scope_and_year(ctx, seed, monkeypatch):
    # Two verksamheter's timelines at a time, so that the three are read in two parts.
    monkeypatch.setattr(summaries, "VERKSAMHETER_AT_A_TIME", 2)
    offices = _generate(seed)
    assert summaries.refresh(now=TODAY_AT)
    db.session.commit()
    today = TODAY_AT.astimezone(STOCKHOLM).date()

    everything = statistics.gather(Scope.everything(), None, today=today)
    # The data has what is to be counted.
    assert everything.myndigheter and everything.most_late
    assert len(everything.years) >= 3
    assert everything.efterkontroller.closed_fixed
    for scope in _scopes(offices):
        for year in (None, 2023, *range(2024, 2029)):
            live = statistics.gather(scope, year, today=today)
            assert summaries.summed(scope, year) == live, (scope.verksamhet_ids, year)


def test_promises_and_efterkontroller_are_summed_too(ctx):
    offices = _generate(7)
    summaries.refresh(now=TODAY_AT)
    db.session.commit()
    today = TODAY_AT.astimezone(STOCKHOLM).date()
    found = summaries.summed(Scope.everything(), None)

    assert found.promises == statistics.gather(Scope.everything(), None, today=today).promises
    assert sum(p.made for p in found.promises) > 0
    assert len(offices) == 3


def test_the_page_counts_one_verksamhet_live_and_more_from_the_summaries(ctx):
    offices = _generate(1)
    one = Scope(frozenset({offices[0].verksamhet.id}))

    # Never counted: live, for every scope.
    assert summaries.for_page(Scope.everything(), None)[1] is None
    summaries.refresh(now=TODAY_AT)
    db.session.commit()

    stats, computed_at = summaries.for_page(Scope.everything(), None)
    assert computed_at == TODAY_AT
    assert stats == summaries.summed(Scope.everything(), None)
    assert summaries.for_page(one, None)[1] is None


def test_a_second_refresh_within_the_interval_leaves_the_figures(ctx):
    _generate(2)
    assert summaries.refresh(now=TODAY_AT)
    db.session.commit()

    later = TODAY_AT + timedelta(minutes=1)
    assert not summaries.refresh(now=later, min_age=timedelta(minutes=2))
    assert summaries.refresh(now=later + timedelta(minutes=2), min_age=timedelta(minutes=2))
    db.session.commit()
    assert db.session.get(StatisticsRefresh, summaries.REFRESH_ID).computed_at == later + timedelta(
        minutes=2
    )


def test_the_number_of_statements_does_not_grow_with_the_rows(app, ctx):
    offices = _generate(3)
    summaries.refresh(now=TODAY_AT)
    db.session.commit()
    scopes = [Scope.everything(), Scope(frozenset(o.verksamhet.id for o in offices[:2]))]

    with count_statements(app) as few:
        for scope in scopes:
            summaries.for_page(scope, None)
            summaries.for_page(scope, 2026)

    rng = random.Random(4)
    for now in _moments(rng, 60):
        _step(rng, rng.choice(offices), now)
    db.session.commit()
    summaries.refresh(now=TODAY_AT + timedelta(hours=1))
    db.session.commit()
    db.session.expire_all()

    with count_statements(app) as many:
        for scope in scopes:
            summaries.for_page(scope, None)
            summaries.for_page(scope, 2026)

    # The refresh row, then six sums, for each of the four calls.
    assert many["n"] == few["n"] == 4 * 7


def test_two_schedulers_refreshing_at_once_write_the_figures_once(app):
    import threading

    from sqlalchemy import func

    from systemfel.reports.models import StatisticsYear

    with app.app_context():
        _generate(5)
        assert summaries.refresh(now=TODAY_AT - timedelta(hours=1))
        db.session.commit()
        rows_before = db.session.scalar(select(func.count()).select_from(StatisticsYear))
        db.session.remove()
    start = threading.Barrier(2)
    done: list[bool] = []
    errors: list[BaseException] = []

    def refresh() -> None:
        with app.app_context():
            try:
                start.wait()
                done.append(summaries.refresh(now=TODAY_AT, min_age=timedelta(minutes=2)))
                db.session.commit()
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert sorted(done) == [False, True]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StatisticsYear)) == rows_before
        assert summaries.summed(Scope.everything(), None) == statistics.gather(
            Scope.everything(), None, today=TODAY_AT.astimezone(STOCKHOLM).date()
        )
        db.session.remove()
