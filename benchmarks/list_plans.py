"""The brist list's queries for every sort and common filter: time, and whether they sort.

    .venv/bin/python benchmarks/list_plans.py                        # SQLite national.db
    .venv/bin/python benchmarks/list_plans.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python benchmarks/list_plans.py --plans               # print every plan too

In-process, no HTTP: for each scope (the whole country, a samordnare's 10 verksamheter, one
verksamhet), each filter and each sort in `systemfel.brister.queries.SORTS`, it runs
`queries.list_brister` for page 1 and page 5 (page size 25) and prints the median time of
`--repeat` runs, the count as shown ("10000+" beyond the limit) and, from the database's own
plan of the page's id query, whether the database sorts (SQLite: "USE TEMP B-TREE FOR ORDER
BY"; PostgreSQL: a Sort node, and the most rows a scan returned, from EXPLAIN ANALYZE). A sort
of a few hundred rows is harmless; one of tens of thousands is the missing index this finds.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
DEFAULT_URL = f"sqlite:///{HERE / 'results' / 'national.db'}"
INSTANCE = tempfile.TemporaryDirectory(prefix="systemfel-plans-")  # removed on exit

# The filters of the list as a user sets them (BristFilter fields); ids are filled in below.
FILTERS: dict[str, dict] = {
    "none": {},
    "open+lokal": {"is_open": True, "niva": "lokal"},
    "status=bevakas": {"status": "bevakas"},
    "niva=central": {"niva": "central"},
    "year=2024": {"year": 2024},
    "verksamhet": {"verksamhet_id": "first"},
    "myndighet": {"myndighet_id": "first"},
    "omrade": {"omrade_id": "first"},
}


def sorts_in_plan(connection, statement: str, backend: str) -> tuple[str, list[str]]:
    """Return what the plan says about sorting, and the plan's lines."""
    if backend == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement).all()
        lines = [str(row[-1]) for row in rows]
        return ("SORTS" if any("TEMP B-TREE" in line for line in lines) else "index"), lines
    rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement).all()
    lines = [str(row[0]) for row in rows]
    sorts = any(
        re.search(r"->\s+(Incremental )?Sort\b|^\s*(Incremental )?Sort\b", ln) for ln in lines
    )
    # The most rows any scan of the plan returned (times its loops): the work done.
    read = [
        int(match.group(1)) * int(match.group(2))
        for line in lines
        if "Scan" in line
        for match in [re.search(r"actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)", line)]
        if match
    ]
    verdict = ("SORTS" if sorts else "index") + f", scans read {max(read, default=0)} rows"
    return verdict, lines


def main() -> None:
    """Time the list for every scope, filter and sort, and say whether the database sorts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--plans", action="store_true", help="print each page query's plan")
    parser.add_argument("--samordnare-of", type=int, default=10, help="verksamheter")
    parser.add_argument(
        "--scopes", nargs="*", choices=["country", "samordnare", "one"], help="default: all"
    )
    args = parser.parse_args()

    url = args.database_url
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        url = str(parsed.set(database=str(Path(parsed.database).resolve())))
    os.environ.update(
        SYSTEMFEL_ENV="production",
        SYSTEMFEL_BASE_URL="https://systemfel.bench.example",
        SYSTEMFEL_DATABASE_URL=url,
        SYSTEMFEL_SECRET_KEY=secrets.token_hex(16),
        SYSTEMFEL_INSTANCE_PATH=INSTANCE.name,
    )
    from systemfel import create_app
    from systemfel.brister import queries
    from systemfel.brister.domain import Niva, Status
    from systemfel.brister.models import Brist
    from systemfel.extensions import db
    from systemfel.verksamheter.models import Myndighet, Omrade, Verksamhet
    from systemfel.verksamheter.scope import Scope

    app = create_app()
    with app.app_context():
        verksamheter = list(db.session.scalars(select(Verksamhet.id).order_by(Verksamhet.id)))
        first = verksamheter[0]
        ids = {
            "verksamhet_id": first,
            "myndighet_id": db.session.scalar(
                select(Myndighet.id).where(
                    Myndighet.verksamhet_id == first, Myndighet.namn == "Försäkringskassan"
                )
            ),
            "omrade_id": db.session.scalar(
                select(Omrade.id).where(Omrade.verksamhet_id == first).order_by(Omrade.id)
            ),
        }
        scopes = {
            "country": Scope.everything(),
            "samordnare": Scope(frozenset(verksamheter[: args.samordnare_of])),
            "one": Scope(frozenset({first})),
        }
        scopes = {name: scopes[name] for name in args.scopes or scopes}
        print(
            f"{db.session.scalar(select(db.func.count(Brist.id))):,} brister, {backend}; "
            f"samordnare: the first {args.samordnare_of} verksamheter"
        )
        print(
            f"{'scope':<16} {'filter':<15} {'sort':<11} {'count':>6} {'p1 ms':>7} "
            f"{'p5 ms':>7}  page query"
        )
        for scope_name, scope in scopes.items():
            for filter_name, raw in FILTERS.items():
                values = {
                    key: ids[key] if value == "first" else value for key, value in raw.items()
                }
                if "niva" in values:
                    values["niva"] = Niva(values["niva"])
                if "status" in values:
                    values["status"] = Status(values["status"])
                criteria = queries.BristFilter(scope=scope, **values)
                for sort in queries.SORTS:
                    timings = {}
                    result = None
                    for page in (1, 5):
                        runs = []
                        for _ in range(args.repeat):
                            db.session.expunge_all()
                            started = time.perf_counter()
                            result = queries.list_brister(criteria, sort, page, 25)
                            runs.append(time.perf_counter() - started)
                        timings[page] = statistics.median(runs) * 1000
                    assert result is not None
                    shown = str(result.total) if result.is_exact else f"{queries.COUNT_LIMIT}+"
                    # The very id query list_brister runs for page 5.
                    page_ids = queries.page_ids(
                        queries._filtered(criteria), queries.SORTS[sort], 5, 25
                    )
                    statement = str(
                        page_ids.compile(db.engine, compile_kwargs={"literal_binds": True})
                    )
                    verdict, lines = sorts_in_plan(db.session.connection(), statement, backend)
                    print(
                        f"{scope_name:<16} {filter_name:<15} {sort:<11} {shown:>6} "
                        f"{timings[1]:7.1f} {timings[5]:7.1f}  {verdict}",
                        flush=True,
                    )
                    if args.plans:
                        for line in lines:
                            print("        ", line)
                    db.session.rollback()


if __name__ == "__main__":
    main()
