"""Time proposing a ledningsgrupp's agenda on a national-scale database (made by generate.py).

Sets up (once, committed, reused by name) "Benchmark ledningsgrupp" over one verksamhet:
3 standing items, a held meeting three months earlier whose agenda had 30 brister (6 of them
not dealt with, so they carry over), brister marked for the group or proposed for escalation,
a few answers from myndigheter, and a planned meeting. Then times
`systemfel.meetings.services.propose_agenda` on the planned meeting: a first proposal on an
empty draft (each run in its own session, rolled back) and a regeneration (the second
proposal in one transaction). Prints min/median/p95 ms, items and SQL statements; no target.

    .venv/bin/python benchmarks/agenda.py                     # sqlite:///benchmarks/results/national.db
    .venv/bin/python benchmarks/agenda.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench --cprofile

The database must be at the app's latest migration (`systemfel db upgrade`).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, select
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "sqlite:///benchmarks/results/national.db"
INSTANCE = tempfile.TemporaryDirectory(prefix="systemfel-agenda-")  # removed on exit
STOCKHOLM = ZoneInfo("Europe/Stockholm")

GROUP_NAME = "Benchmark ledningsgrupp"
STANDING_PUNKTER = "Ledningsgruppens sammansättning\nEkonomi och bemanning\nÅrsrapporten"
# generate.py's data ends 2026-11-25; the planned meeting is two weeks later.
MOTE_AT = datetime(2026, 12, 8, 13, 0, tzinfo=STOCKHOLM)
PREVIOUS_AT = datetime(2026, 9, 8, 13, 0, tzinfo=STOCKHOLM)
PREVIOUS_PUNKTER = 30
DEFERRED = 6
MARKED = 10
ESCALATION_PROPOSED = 10
ANSWERED = 30


def database_url(url: str) -> str:
    """Return the URL with a SQLite path made absolute (the app's instance folder differs)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return str(parsed.set(database=str(Path(parsed.database).resolve())))
    return url


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class StatementCounter:
    """Counts the statements the engine sends while `active`."""

    def __init__(self, engine: Any) -> None:
        self.active = False
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        if self.active:
            self.count += 1


def setup_group(verksamhet_id: int) -> int:
    """Return the id of the planned meeting of the benchmark group, creating it all once."""
    from systemfel.auth.domain import Role
    from systemfel.auth.models import User
    from systemfel.brister.domain import Status
    from systemfel.brister.models import Brist
    from systemfel.extensions import db
    from systemfel.meetings import services
    from systemfel.meetings.domain import GruppTyp, MotesStatus
    from systemfel.meetings.models import Ledningsgrupp, Mote, ledningsgrupp_verksamhet
    from systemfel.verksamheter.models import Verksamhet

    group = db.session.scalar(
        select(Ledningsgrupp).where(
            Ledningsgrupp.namn == GROUP_NAME,
            Ledningsgrupp.id.in_(
                select(ledningsgrupp_verksamhet.c.ledningsgrupp_id).where(
                    ledningsgrupp_verksamhet.c.verksamhet_id == verksamhet_id
                )
            ),
        )
    )
    if group is not None:
        planned = db.session.scalar(
            select(Mote.id).where(
                Mote.ledningsgrupp_id == group.id, Mote.status == MotesStatus.PLANERAT
            )
        )
        if planned is not None:
            print(f"Reusing {group!r}, planned meeting {planned}.")
            return planned

    verksamhet = db.session.get(Verksamhet, verksamhet_id)
    if verksamhet is None:
        raise SystemExit(f"No verksamhet {verksamhet_id}.")
    user = db.session.scalar(
        select(User)
        .where(User.role == Role.SAMORDNARE, User.verksamheter.any(Verksamhet.id == verksamhet_id))
        .order_by(User.id)
    )
    if user is None:
        raise SystemExit(f"No samordnare for verksamhet {verksamhet_id}.")
    open_brister = list(
        db.session.scalars(
            select(Brist)
            .where(
                Brist.verksamhet_id == verksamhet_id,
                Brist.status != Status.STANGD,
                Brist.created_at < PREVIOUS_AT,
            )
            .order_by(Brist.id)
        )
    )
    needed = PREVIOUS_PUNKTER + MARKED + ESCALATION_PROPOSED
    if len(open_brister) < needed:
        raise SystemExit(f"Verksamhet {verksamhet_id} has only {len(open_brister)} open brister.")

    group = group or services.create_group(
        scope=everything(),
        fields=services.GroupFields(
            namn=GROUP_NAME,
            typ=GruppTyp.ARBETANDE,
            verksamheter=[verksamhet],
            staende_punkter=STANDING_PUNKTER,
        ),
    )
    hold_previous_mote(group, user, open_brister[:PREVIOUS_PUNKTER])

    # Spread the marks over the open brister, not only the oldest.
    rest = open_brister[PREVIOUS_PUNKTER:]
    step = max(1, len(rest) // (MARKED + ESCALATION_PROPOSED))
    spread = rest[::step][: MARKED + ESCALATION_PROPOSED]
    for brist in spread[:MARKED]:
        services.mark_for_group(
            scope=everything(),
            brist=brist,
            user=user,
            marked=True,
            now=datetime(2026, 11, 20, 9, tzinfo=STOCKHOLM),
        )
    for brist in spread[MARKED:]:
        brist.escalation_proposed_at = datetime(2026, 11, 2, 6, tzinfo=STOCKHOLM)
    add_answers(user, open_brister[:: max(1, len(open_brister) // ANSWERED)][:ANSWERED])

    mote = services.plan_mote(scope=everything(), group=group, fields=mote_fields(MOTE_AT))
    db.session.commit()
    print(f"Created {group!r}, planned meeting {mote.id}.")
    return mote.id


def everything() -> Any:
    """The system's own scope: the benchmark acts as a scheduled job would."""
    from systemfel.verksamheter.scope import Scope

    return Scope.everything()


def mote_fields(starts_at: datetime) -> Any:
    """Return the fields of a three-hour meeting in the town hall."""
    from systemfel.meetings import services

    return services.MoteFields(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        plats="Stadshuset, sal 3",
        justerare=None,
    )


def hold_previous_mote(group: Any, user: Any, brister: list[Any]) -> None:
    """A meeting three months ago: 30 brist items fastställda, 6 not dealt with, then held."""
    from systemfel.extensions import db
    from systemfel.meetings import domain, services
    from systemfel.meetings.domain import MotesStatus, Sektion
    from systemfel.meetings.models import Punkt

    mote = services.plan_mote(scope=everything(), group=group, fields=mote_fields(PREVIOUS_AT))
    fixed = [(key, Sektion.OPPNING, rubrik) for key, rubrik in domain.OPENING_PUNKTER]
    fixed += [(key, Sektion.AVSLUTNING, rubrik) for key, rubrik in domain.CLOSING_PUNKTER]
    for key, sektion, rubrik in fixed[:3]:
        mote.punkter.append(Punkt(key=key, sektion=sektion, position=0, rubrik=rubrik))
    for brist in brister:
        mote.punkter.append(
            Punkt(
                key=domain.brist_key(brist.id),
                sektion=Sektion.UPPFOLJNING,
                position=0,
                brist_id=brist.id,
                skal=[domain.Skal.BEVAKNING_FORFALLEN.value],
                forslag=domain.BeslutTyp.BEVAKA,
            )
        )
    for key, sektion, rubrik in fixed[3:]:
        mote.punkter.append(Punkt(key=key, sektion=sektion, position=0, rubrik=rubrik))
    for position, punkt in enumerate(mote.punkter, start=1):
        punkt.position = position
    db.session.flush()
    held_at = PREVIOUS_AT + timedelta(hours=3)
    services.faststall_dagordning(
        scope=everything(),
        mote=mote,
        user=user,
        expected_version=mote.version,
        now=PREVIOUS_AT - timedelta(days=7),
    )
    deferred = {b.id for b in brister[-DEFERRED:]}
    services.save_protokoll(
        scope=everything(),
        mote=mote,
        protokoll=[
            services.PunktProtokoll(
                punkt=punkt,
                anteckning="Diskuterades.",
                is_deferred=punkt.brist_id in deferred,
                beslut=None,
            )
            for punkt in mote.visible_punkter
        ],
        expected_version=mote.version,
        apply=False,
        user=user,
        now=held_at,
    )
    # Held without applying decisions: the brister stay as generate.py made them.
    mote.status = MotesStatus.GENOMFORT
    mote.genomfort_at = held_at
    db.session.flush()


def add_answers(user: Any, brister: list[Any]) -> None:
    """Answers since the previous meeting (generate.py makes no contacts): mixed kinds."""
    from systemfel.extensions import db
    from systemfel.followups.domain import Kanal, SvarTyp
    from systemfel.followups.models import Kontakt, Svar

    kinds = list(SvarTyp)
    for n, brist in enumerate(brister):
        typ = kinds[n % len(kinds)]
        contacted = date(2026, 9, 15) + timedelta(days=n)
        kontakt = Kontakt(
            brist_id=brist.id,
            myndighet_id=brist.myndighet_id,
            contacted_on=contacted,
            kanal=Kanal.EPOST,
            summary="Frågan lyftes med myndigheten.",
            created_by_id=user.id,
            emailed_to="registrator@myndighet.example",
            answer_due_on=contacted + timedelta(days=30),
            answered_at=datetime.combine(
                contacted + timedelta(days=20), datetime.min.time(), STOCKHOLM
            ),
        )
        kontakt.svar.append(
            Svar(
                typ=typ,
                text="Myndigheten ser över rutinerna.",
                promised_on=date(2026, 11, 30) if typ == SvarTyp.ATGARD_UTLOVAD else None,
                received_at=kontakt.answered_at,
            )
        )
        db.session.add(kontakt)
    db.session.flush()


def time_runs(
    runs: int, counter: StatementCounter, run: Callable[[], Callable[[], None]]
) -> tuple[list[float], list[int]]:
    """Time `runs` calls: `run()` prepares (untimed) and returns the call to time."""
    from systemfel.extensions import db

    times, counts = [], []
    for _ in range(runs + 1):  # the first run warms caches and is not recorded
        db.session.remove()
        measured = run()
        counter.count = 0
        counter.active = True
        started = time.perf_counter()
        measured()
        took = (time.perf_counter() - started) * 1000
        counter.active = False
        db.session.rollback()
        db.session.remove()
        times.append(took)
        counts.append(counter.count)
    return times[1:], counts[1:]


def main() -> None:
    """Parse the options, set up the group once, time first proposals and regenerations."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=20, help="measured runs of each kind")
    parser.add_argument("--verksamhet", type=int, help="id (default: the first verksamhet)")
    parser.add_argument("--cprofile", action="store_true", help="profile the first proposals")
    args = parser.parse_args()

    os.environ.update(
        SYSTEMFEL_ENV="production",
        SYSTEMFEL_BASE_URL="https://systemfel.bench.example",
        SYSTEMFEL_DATABASE_URL=database_url(args.database_url),
        SYSTEMFEL_SECRET_KEY=secrets.token_hex(16),
        SYSTEMFEL_INSTANCE_PATH=INSTANCE.name,
    )
    from sqlalchemy import func

    from systemfel import create_app
    from systemfel.brister.domain import Status
    from systemfel.brister.models import Brist
    from systemfel.extensions import db
    from systemfel.meetings import services
    from systemfel.meetings.models import Mote
    from systemfel.verksamheter.models import Verksamhet

    app = create_app()
    with app.app_context():
        verksamhet_id = args.verksamhet or db.session.scalar(select(func.min(Verksamhet.id)))
        mote_id = setup_group(verksamhet_id)
        total = db.session.scalar(select(func.count(Brist.id)))
        in_group = db.session.execute(
            select(
                func.count(Brist.id), func.count(Brist.id).filter(Brist.status != Status.STANGD)
            ).where(Brist.verksamhet_id == verksamhet_id)
        ).one()
        print(
            f"{db.engine.dialect.name}: {total:,} brister; verksamhet {verksamhet_id}: "
            f"{in_group[0]:,} brister, {in_group[1]:,} open; meeting {mote_id}; {args.runs} runs"
        )
        counter = StatementCounter(db.engine)
        punkter: list[int] = []

        def first() -> Callable[[], None]:
            mote = db.session.get(Mote, mote_id)
            assert not mote.punkter, "the planned meeting's draft should be empty"

            def call() -> None:
                services.propose_dagordning(
                    scope=everything(), mote=mote, expected_version=mote.version
                )
                punkter.append(len(mote.visible_punkter))

            return call

        def regenerate() -> Callable[[], None]:
            mote = db.session.get(Mote, mote_id)
            services.propose_dagordning(
                scope=everything(), mote=mote, expected_version=mote.version
            )
            return lambda: services.propose_dagordning(
                scope=everything(), mote=mote, expected_version=mote.version
            )

        profiler = cProfile.Profile() if args.cprofile else None
        if profiler:
            profiler.enable()
        first_times, first_counts = time_runs(args.runs, counter, first)
        if profiler:
            profiler.disable()
        regen_times, regen_counts = time_runs(args.runs, counter, regenerate)

    print(
        f"{'proposal':<12} {'min_ms':>8} {'median_ms':>10} {'p95_ms':>8} {'items':>6} "
        f"{'statements':>11}"
    )
    for name, times, counts in (
        ("first", first_times, first_counts),
        ("regenerate", regen_times, regen_counts),
    ):
        statements = "/".join(str(n) for n in sorted(set(counts)))
        print(
            f"{name:<12} {min(times):>8.1f} {statistics.median(times):>10.1f} "
            f"{percentile(times, 0.95):>8.1f} {punkter[-1]:>6} {statements:>11}"
        )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
