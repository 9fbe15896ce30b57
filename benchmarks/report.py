"""Time the annual report at national scale: one verksamhet-year, and the national roll-up.

Run against a database made by generate.py (upgraded to the latest migration first):

    .venv/bin/python benchmarks/report.py --database-url sqlite:///benchmarks/results/national.db

Prints, for one verksamhet and for every verksamhet together: wall time of gathering the
brister, building the report, and the DOCX; the number of active brister; and peak memory
(the process's peak resident set size). This is the document itself, in-process; the web
request no longer makes a large roll-up (a background job does): `benchmarks/jobs.py`
measures the web worker and the job's process around it.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _upgrade(url: str) -> None:
    """Bring the database to the latest migration, as a deploy would."""
    env = {**os.environ, "SYSTEMFEL_DATABASE_URL": url}
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "systemfel"), "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )


def _timed(action):
    started = time.perf_counter()
    result = action()
    return result, (time.perf_counter() - started) * 1000


def measure(ids: frozenset[int], year: int, runs: int) -> dict:
    """Generate the report `runs` times; return times in ms and the size of the result."""
    from systemfel.reports import documents, services
    from systemfel.verksamheter.scope import Scope

    generate_ms, docx_ms = [], []
    entries = 0
    for _ in range(runs):
        (document, found), took = _timed(
            lambda: services.generate(
                scope=Scope.everything(), verksamhet_ids=ids, year=year, rapport=None, threshold=3
            )
        )
        generate_ms.append(took)
        _, took = _timed(lambda: documents.rapport_docx(document))  # noqa: B023
        docx_ms.append(took)
        entries = len(found)
    return {"generate": generate_ms, "docx": docx_ms, "entries": entries}


def _line(label: str, result: dict) -> str:
    total = [g + d for g, d in zip(result["generate"], result["docx"], strict=True)]
    return (
        f"{label:<22} {result['entries']:>7,} "
        f"{statistics.median(result['generate']):>10.0f} {statistics.median(result['docx']):>9.0f} "
        f"{min(total):>9.0f} {statistics.median(total):>9.0f}"
    )


def main() -> None:
    """Measure one verksamhet-year and the national roll-up of the same year."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="sqlite:///benchmarks/results/national.db")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--national-runs", type=int, default=2)
    parser.add_argument(
        "--rollup-verksamheter",
        type=int,
        default=0,
        help="roll up only the first N verksamheter (0: all), to size the roll-up",
    )
    args = parser.parse_args()
    _upgrade(args.database_url)

    from sqlalchemy import select

    from systemfel import create_app
    from systemfel.extensions import db
    from systemfel.verksamheter.models import Verksamhet

    app = create_app(overrides={"DATABASE_URL": args.database_url})
    with app.app_context():
        all_ids = frozenset(db.session.scalars(select(Verksamhet.id).order_by(Verksamhet.id)))
        rollup = sorted(all_ids)[: args.rollup_verksamheter or None]
        one = frozenset({min(all_ids)})
        print(f"{len(all_ids)} verksamheter, year {args.year}")
        head = ("report", "brister", "build ms", "docx ms", "min ms", "median")
        print("{:<22} {:>7} {:>10} {:>9} {:>9} {:>9}".format(*head))
        print(_line("one verksamhet", measure(one, args.year, args.runs)))
        db.session.remove()
        national = measure(frozenset(rollup), args.year, args.national_runs)
        print(_line(f"roll-up of {len(rollup)}", national))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {rss_mb:.0f} MB resident")


if __name__ == "__main__":
    main()
