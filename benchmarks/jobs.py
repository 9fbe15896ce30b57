"""Background jobs at national scale: the web worker stays small while the job does the work.

Run against a database made by generate.py (it is upgraded to the latest migration first):

    .venv/bin/python benchmarks/jobs.py --database-url sqlite:///benchmarks/results/national.db
    .venv/bin/python benchmarks/jobs.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench

This process plays one web worker, in-process through the test client, signed in as the
administrator: it opens the roll-up's page (`/rapport?verksamhet=1&...`, the first 60
verksamheter by default: about 30,000 brister, the issue's national roll-up), presses
"Sammanställ", then reloads the job's page every two seconds as the browser would while a
second process, started as the scheduler would run the job (`run_background_jobs`), does
the work; then it downloads every file part by part. With `--kinds rollup,export` it does
the same for the CSV export of the whole brist list.

Printed per kind: each request's time (median and max of the reloads); the job's wall time,
CPU time and peak resident memory (the job process's ru_maxrss); the files' sizes; and the
web worker's peak resident memory before the first request and at the end (ru_maxrss of
this process, which never holds a whole document).
"""

import argparse
import json
import os
import re
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
INSTANCE = tempfile.TemporaryDirectory(prefix="systemfel-jobs-bench-")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FILE_LINK = re.compile(r'href="(/jobb/\d+/filer/\d+)"[^>]*download>([^<]+)<')


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _environment(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        url = str(parsed.set(database=str(Path(parsed.database).resolve())))
    os.environ.update(
        SYSTEMFEL_ENV="production",
        SYSTEMFEL_BASE_URL="https://systemfel.bench.example",
        SYSTEMFEL_DATABASE_URL=url,
        SYSTEMFEL_SECRET_KEY=os.environ.get("SYSTEMFEL_SECRET_KEY") or secrets.token_hex(16),
        SYSTEMFEL_INSTANCE_PATH=INSTANCE.name,
    )


def run_jobs() -> None:
    """The scheduler's part, in a process of its own: run what waits, print time and memory."""
    from systemfel import create_app
    from systemfel.scheduler import run_background_jobs

    app = create_app()
    started, cpu = time.perf_counter(), time.process_time()
    with app.app_context():
        finished = run_background_jobs()
    print(
        json.dumps(
            {
                "finished": finished,
                "wall_s": time.perf_counter() - started,
                "cpu_s": time.process_time() - cpu,
                "peak_mb": _peak_mb(),
            }
        )
    )


def _timed(client, method: str, path: str, **kwargs):
    started = time.perf_counter()
    response = getattr(client, method)(path, **kwargs)
    return response, (time.perf_counter() - started) * 1000


def _download(client, path: str) -> tuple[int, float]:
    """Fetch a file part by part as a browser would; return its size and the time taken."""
    started = time.perf_counter()
    response = client.get(path, buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    return size, (time.perf_counter() - started) * 1000


def measure(client, label: str, page: str, order: str, poll_seconds: float) -> None:
    """Open the page, order the job, follow it while another process runs it, download."""
    shown, page_ms = _timed(client, "get", page)
    assert shown.status_code == 200, (page, shown.status_code)
    token = CSRF.search(shown.get_data(as_text=True)).group(1)
    ordered, order_ms = _timed(client, "post", order, data={"csrf_token": token})
    assert ordered.status_code == 303, (order, ordered.status_code)
    job_page = ordered.headers["Location"]
    runner = subprocess.Popen(  # this script, as the scheduler's part
        [
            sys.executable,
            __file__,
            "--run-jobs",
            "--database-url",
            os.environ["SYSTEMFEL_DATABASE_URL"],
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    reloads = []
    while True:
        progress, took = _timed(client, "get", job_page)
        reloads.append(took)
        text = progress.get_data(as_text=True)
        if "http-equiv" not in text:  # done or failed: the page stops reloading
            break
        time.sleep(poll_seconds)
    out, _ = runner.communicate()
    job = json.loads(out.strip().splitlines()[-1])
    files = FILE_LINK.findall(text)
    assert files, f"the job did not finish: {text[:2000]}"
    print(f"\n== {label}")
    print(
        f"   page {page_ms:.0f} ms; order {order_ms:.0f} ms; job page reloads: {len(reloads)}, "
        f"median {statistics.median(reloads):.0f} ms, max {max(reloads):.0f} ms"
    )
    print(
        f"   job: wall {job['wall_s']:.1f} s, CPU {job['cpu_s']:.1f} s, "
        f"peak memory of the job's process {job['peak_mb']:.0f} MB"
    )
    for link, name in files:
        size, took = _download(client, link)
        print(f"   {name:<44} {size / 1e6:8.2f} MB downloaded in {took:6.0f} ms")


def main() -> None:
    """Measure the national roll-up (and optionally the national CSV export) as jobs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="sqlite:///benchmarks/results/national.db")
    parser.add_argument("--email", default="admin@bench.se")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument(
        "--rollup-verksamheter",
        type=int,
        default=60,
        help="roll up the first N verksamheter (0: all); 60 is about 30,000 brister",
    )
    parser.add_argument("--kinds", default="rollup", help="rollup, export, or both: rollup,export")
    parser.add_argument("--poll-seconds", type=float, default=2.0)
    parser.add_argument("--run-jobs", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    _environment(args.database_url)
    if args.run_jobs:
        return run_jobs()
    subprocess.run(
        [str(BIN / "systemfel"), "db", "upgrade"], check=True, capture_output=True, env=os.environ
    )

    from sqlalchemy import select

    from systemfel import create_app
    from systemfel.auth.models import User
    from systemfel.extensions import db
    from systemfel.verksamheter.models import Verksamhet

    app = create_app()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == args.email))
        ids = list(db.session.scalars(select(Verksamhet.id).order_by(Verksamhet.id)))
        session_id = user.get_id()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    client.get("/jobb")  # warm: templates compiled, connections open
    print(f"year {args.year}; web worker peak before: {_peak_mb():.0f} MB")
    ids = ids[: args.rollup_verksamheter or None]
    query = f"ar={args.year}&" + "&".join(f"verksamhet={i}" for i in ids)
    kinds = args.kinds.split(",")
    if "rollup" in kinds:
        page = f"/rapport?{query}"
        measure(
            client,
            f"roll-up of {len(ids)} verksamheter",
            page,
            f"/rapport/sammanstall?{query}",
            args.poll_seconds,
        )
    if "export" in kinds:
        measure(
            client, "CSV export of every brist", "/brister.csv", "/brister.csv", args.poll_seconds
        )
    print(f"\nweb worker peak resident memory at the end: {_peak_mb():.0f} MB (ru_maxrss)")


if __name__ == "__main__":
    main()
