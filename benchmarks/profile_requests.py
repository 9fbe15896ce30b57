"""Where a request's time goes: SQL statements per request, their time, and a Python profile.

    .venv/bin/python benchmarks/profile_requests.py                  # SQLite national.db
    .venv/bin/python benchmarks/profile_requests.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python benchmarks/profile_requests.py --cprofile detail --explain

Runs the app in-process (Flask test client, production config) logged in as the bench ombud,
requests each endpoint a few times and prints, per endpoint: wall time, number of SQL
statements, time spent in SQL, and the slowest statements. --explain shows the database's
plan for each endpoint's slowest statement; --cprofile ENDPOINT prints the top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import secrets
import statistics
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
DEFAULT_URL = f"sqlite:///{HERE / 'results' / 'national.db'}"
INSTANCE = tempfile.TemporaryDirectory(prefix="systemfel-profile-")  # removed on exit
# The filtered, sorted, further-on list pages, as load.py's LIST_PAGED.
LIST_PAGED = [
    "/brister?status=oppna&niva=lokal&sort=uppdaterad&sida=5",
    "/brister?status=bevakas&sort=rubrik&sida=3",
    "/brister?year=2024&sort=observerad&sida=2",
    "/brister?niva=central&sort=aldst&sida=4",
    "/brister?sort=status&sida=8",
]


class SqlLog:
    """Every statement the engine runs, with its duration, while `active`."""

    def __init__(self) -> None:
        self.active = False
        self.statements: list[tuple[float, str, Any]] = []

    def attach(self, engine) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany) -> None:
            conn.info["bench_started"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany) -> None:
            if self.active:
                took = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
                self.statements.append((took, statement, parameters))


ENDPOINT_NAMES = ["list", "search", "detail", "statistics", "list_paged"]


def main() -> None:
    """Profile the benchmarked endpoints."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--email", default="ombud1@v1.bench")
    parser.add_argument("--word", default="sjukpenning")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--only", nargs="*", choices=ENDPOINT_NAMES, help="default: all")
    parser.add_argument("--cprofile", choices=ENDPOINT_NAMES)
    args = parser.parse_args()

    url = args.database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        url = str(parsed.set(database=str(Path(parsed.database).resolve())))
    os.environ.setdefault("SYSTEMFEL_BASE_URL", "https://systemfel.example.se")
    os.environ.update(
        SYSTEMFEL_ENV="production",
        SYSTEMFEL_BASE_URL="https://systemfel.bench.example",
        SYSTEMFEL_DATABASE_URL=url,
        SYSTEMFEL_SECRET_KEY=secrets.token_hex(16),
        SYSTEMFEL_INSTANCE_PATH=INSTANCE.name,
    )
    from systemfel import create_app
    from systemfel.auth.models import User
    from systemfel.brister.models import Brist
    from systemfel.extensions import db

    app = create_app()
    log = SqlLog()
    with app.app_context():
        log.attach(db.engine)
        user = db.session.scalar(select(User).where(User.email == args.email))
        query = select(Brist.id)
        if not user.role.is_system_wide:  # an admin sees every verksamhet
            query = query.where(Brist.verksamhet_id.in_(user.verksamhet_ids))
        ids = list(db.session.scalars(query))
        session_id = user.get_id()
    ids = random.Random(7).sample(ids, min(len(ids), args.repeat))
    endpoints = {
        "list": ["/brister?status=oppna&niva=lokal"],
        "search": [f"/brister?q={urllib.parse.quote(args.word)}"],
        "detail": [f"/brister/{brist_id}" for brist_id in ids],
        "statistics": ["/statistik", "/statistik?ar=2025"],
        "list_paged": LIST_PAGED,
    }
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True

    for name, paths in endpoints.items():
        if args.only and name not in args.only:
            continue
        client.get(paths[0])  # warm caches, compile templates
        walls, cpus, counts, sql_times = [], [], [], []
        slowest: dict[str, tuple[float, Any]] = {}
        profiler = cProfile.Profile() if args.cprofile == name else None
        for i in range(args.repeat):
            path = paths[i % len(paths)]
            log.statements.clear()
            log.active = True
            started, cpu_started = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            response = client.get(path)
            if profiler:
                profiler.disable()
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu_started)
            log.active = False
            assert response.status_code == 200, (path, response.status_code)
            counts.append(len(log.statements))
            sql_times.append(sum(took for took, _, _ in log.statements))
            for took, statement, parameters in log.statements:
                key = " ".join(statement.split())
                if took > slowest.get(key, (0, None))[0]:
                    slowest[key] = (took, parameters)
        print(f"\n== {name}: {paths[0]}{' (rotating)' if len(paths) > 1 else ''}")
        print(
            f"   wall median {statistics.median(walls) * 1000:.1f} ms, "
            f"max {max(walls) * 1000:.1f} ms; CPU median {statistics.median(cpus) * 1000:.1f} ms, "
            f"min {min(cpus) * 1000:.1f} ms; "
            f"SQL statements {statistics.median(counts):.0f}; "
            f"SQL time median {statistics.median(sql_times) * 1000:.1f} ms"
        )
        ranked = sorted(slowest.items(), key=lambda item: -item[1][0])
        for statement, (took, _) in ranked[:4]:
            print(f"   {took * 1000:7.1f} ms  {statement[:220]}")
        if args.explain and ranked:
            statement, (_, parameters) = ranked[0]
            prefix = (
                "EXPLAIN QUERY PLAN "
                if make_url(url).get_backend_name() == "sqlite"
                else "EXPLAIN (ANALYZE, BUFFERS) "
            )
            with app.app_context():
                raw = db.session.connection().exec_driver_sql(prefix + statement, parameters)
                print("   plan:")
                for row in raw:
                    print("     ", " | ".join(str(value) for value in row))
        if profiler:
            print()
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats("psycopg|pool|connect", 25)


if __name__ == "__main__":
    main()
