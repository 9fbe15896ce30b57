"""Mixed load at national scale: 50 logged-in users of many verksamheter at once, with wrk.

    .venv/bin/python benchmarks/mixed.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python benchmarks/mixed.py --users 50 --workers 4 --duration 60

Picks the users from the benchmark data (generate.py): ombud, samordnare and ledningsgrupp
logins of as many verksamheter, plus admin sessions. Sets up, through the app's own services
and once, a ledningsgrupp with a planned meeting and a proposed agenda for each of their
verksamheter (generate.py makes no meetings). Starts gunicorn (load.py's), logs every user
in, then runs wrk with benchmarks/mixed.lua: one thread and one connection per user, each a
closed loop drawing actions by weight - list and detail 70 %, search 10 %, registering a
brist and recording an observation 10 % (GET the form, POST it with its tokens, follow the
redirect), statistics 5 %, meeting pages 5 % - with a think time between actions. Prints
p50/p95/p99 per request kind, errors (any wrong answer), throughput, rows saved, worker
peak memory and the CPU split; writes benchmarks/results/mixed-<backend>-<time>.json.
Exits 1 on any error, a worker restarted (gunicorn's timeout) or saved rows that do not
match the successful saves.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import load  # noqa: E402 - benchmarks/ is a folder of scripts, not a package
from load import (  # noqa: E402
    RESULTS,
    WRK,
    CpuMonitor,
    Gunicorn,
    free_port,
    git_revision,
    http,
    log_in,
    memory_mb,
    schema_revisions,
    wait_until_quiet,
)

LUA_TEMPLATE = HERE / "mixed.lua"
DEFAULT_URL = f"sqlite:///{RESULTS / 'national.db'}"
PASSWORD = "bench-losen-2026"  # noqa: S105 - generate.py's, for its made-up accounts
STOCKHOLM = ZoneInfo("Europe/Stockholm")
GROUP_NAME = "Lastprovets ledningsgrupp"
# Production refuses a local BASE_URL; the app and gunicorn (which inherits it) get this one.
BASE_URL = "https://systemfel.bench.example"
INSTANCE = tempfile.TemporaryDirectory(prefix="systemfel-mixed-app-")  # removed on exit

# The mix, in percent of user actions. A write action is three requests (the form,
# the POST, the page it redirects to); every other action is one request.
MIX = {
    "list": 40.0,
    "detail": 30.0,
    "search": 10.0,
    "register": 5.0,
    "observe": 5.0,
    "statistics": 5.0,
    "meeting": 5.0,
}
CATEGORIES = {
    "list and detail": ("list", "detail"),
    "search": ("search",),
    "writes": ("register", "observe"),
    "statistics": ("statistics",),
    "meeting pages": ("meeting",),
}
WRITES = ("register", "observe")
# Roles that may register and observe (ledningsgrupp logins only read).
WRITERS = {"ombud", "samordnare", "admin"}
# The request kinds of the table, and the text each right page contains.
MARKERS = {
    "list": "<h1>Brister</h1>",
    "search": "<h1>Brister</h1>",
    "detail": '<span class="nummer">',
    "register_form": 'name="submission"',
    "observe_form": 'name="submission"',
    "saved": '<span class="nummer">',
    "statistics": "<h1>Statistik</h1>",
    "meeting": GROUP_NAME,
}
REQUEST_KINDS = [
    "list",
    "detail",
    "search",
    "register_form",
    "register_post",
    "observe_form",
    "observe_post",
    "saved",
    "statistics",
    "meeting",
]
SEARCH_WORDS = ["sjukpenning", "e-legitimation", "boendestöd", "läkarintyg"]
# Staff of a verksamhet in generate.py, in the order users are handed out.
STAFF = [
    ("ombud1", "ombud"),
    ("samordnare", "samordnare"),
    ("ombud2", "ombud"),
    ("ledning", "ledningsgrupp"),
]


@dataclass
class User:
    """One simulated user: an account, its verksamhet and the pages it visits."""

    email: str
    role: str
    verksamhet_id: int | None  # None: an admin, all of Sweden
    weights: dict[str, float] = field(default_factory=dict)
    paths: dict[str, list[str]] = field(default_factory=dict)
    detail: list[int] = field(default_factory=list)
    observe: list[int] = field(default_factory=list)
    register: str = "/brister/ny"
    cookie: str = ""


def user_weights(roles: list[str], mix: dict[str, float] = MIX) -> list[dict[str, float]]:
    """Give each user action weights so that all users together follow `mix`.

    Ledningsgrupp logins may not write: their write share goes to list and detail, and the
    writers write that much more often (taken from their list and detail), so the sum over
    users - who act about equally often in a closed loop with think time - is the mix.
    """
    writers = sum(role in WRITERS for role in roles)
    if not writers:
        raise ValueError("At least one user must be able to write")
    share = writers / len(roles)
    write_total = sum(mix[kind] for kind in WRITES)
    reads = mix["list"] + mix["detail"]
    extra_for_writers = write_total / share - write_total
    if extra_for_writers > reads:
        raise ValueError("Too few writers for the mix")
    result = []
    for role in roles:
        weights = dict(mix)
        if role in WRITERS:
            shift = -extra_for_writers
            for kind in WRITES:
                weights[kind] = mix[kind] / share
        else:
            shift = write_total
            for kind in WRITES:
                weights[kind] = 0.0
        for kind in ("list", "detail"):
            weights[kind] = mix[kind] + shift * mix[kind] / reads
        result.append(weights)
    return result


def choose_users(url: str, count: int, admins: int) -> list[User]:
    """Pick `admins` admin sessions and staff of evenly spread verksamheter, one each."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            verksamheter = list(conn.scalars(sa.text("SELECT id FROM verksamhet ORDER BY id")))
            emails = set(conn.scalars(sa.text("SELECT email FROM user_account")))
    finally:
        engine.dispose()
    staff = count - admins
    users = [User("admin@bench.se", "admin", None) for _ in range(admins)]
    if staff <= len(verksamheter):  # one user per verksamhet, spread evenly
        step = len(verksamheter) / max(1, staff)
        picks = [(verksamheter[int(i * step)], STAFF[i % len(STAFF)]) for i in range(staff)]
    else:  # small data: each verksamhet's staff in turn, an account's second session after
        print(f"note: {staff} staff users on {len(verksamheter)} verksamheter share them")
        rounds = [(v, member) for member in STAFF for v in verksamheter]
        picks = [rounds[i % len(rounds)] for i in range(staff)]
    for number, (local, role) in picks:
        users.append(User(f"{local}@v{number}.bench", role, number))
    missing = sorted({user.email for user in users} - emails)
    if missing:
        raise SystemExit(f"No accounts {', '.join(missing[:3])}: run generate.py first")
    for user, weights in zip(users, user_weights([u.role for u in users]), strict=True):
        user.weights = weights
    return users


def app_context(url: str) -> Any:
    """An app context of the real app on the benchmark database (for setting up meetings)."""
    os.environ.update(
        SYSTEMFEL_ENV="production",
        SYSTEMFEL_BASE_URL=BASE_URL,
        SYSTEMFEL_DATABASE_URL=url,
        SYSTEMFEL_SECRET_KEY=secrets.token_hex(16),
        SYSTEMFEL_INSTANCE_PATH=INSTANCE.name,
    )
    from systemfel import create_app

    return create_app().app_context()


def repair_edit_history(url: str) -> int:
    """Rewrite edit entries that generate.py wrote in an old shape; return how many.

    generate.py wrote an edit's facts as {"fields": ["antal_klienter"]} (the values only in
    the legacy `changes` column) while the app writes [[field, old, new]] and the detail page
    reads that: such a brist's page answered 500. This puts the values where the app reads
    them, once, so data generated before the fix can be measured.
    """
    from sqlalchemy import select, update

    from systemfel.brister.domain import HandelseTyp
    from systemfel.brister.models import Handelse
    from systemfel.extensions import db

    with app_context(url):
        rows = db.session.execute(
            select(Handelse.id, Handelse.data, Handelse.changes).where(
                Handelse.typ == HandelseTyp.ANDRAD
            )
        ).all()
        fixes = []
        for row in rows:
            fields = (row.data or {}).get("fields") or []
            if fields and isinstance(fields[0], str):
                values = {str(label): (old, new) for label, old, new in row.changes or []}
                old, new = values.get("Antal klienter", ("", ""))
                fixed = [[key, _number(old), _number(new)] for key in fields]
                fixes.append({"id": row.id, "data": {**row.data, "fields": fixed}, "changes": []})
        if fixes:
            db.session.execute(update(Handelse), fixes)
            db.session.commit()
    return len(fixes)


def _number(text: Any) -> Any:
    return int(text) if str(text).isdigit() else text


def setup_meetings(url: str, users: list[User]) -> dict[int, tuple[int, int]]:
    """Return {verksamhet id: (group id, meeting id)}, creating what is missing once.

    Each verksamhet of the users gets a ledningsgrupp with its ledningsgrupp login as a member
    and a meeting planned two weeks ahead whose agenda is proposed by the rules. Made with
    the app's services and committed; a second run finds them by name and reuses them.
    """
    from sqlalchemy import select

    from systemfel.auth.models import User as Account
    from systemfel.extensions import db
    from systemfel.meetings import services
    from systemfel.meetings.domain import GruppTyp
    from systemfel.meetings.models import Ledningsgrupp, Mote, ledningsgrupp_verksamhet
    from systemfel.verksamheter.models import Verksamhet
    from systemfel.verksamheter.scope import Scope

    found: dict[int, tuple[int, int]] = {}
    wanted = sorted({user.verksamhet_id for user in users if user.verksamhet_id is not None})
    with app_context(url):
        everything = Scope.everything()
        for verksamhet_id in wanted:
            group = db.session.scalar(
                select(Ledningsgrupp)
                .join(ledningsgrupp_verksamhet)
                .where(
                    Ledningsgrupp.namn == GROUP_NAME,
                    ledningsgrupp_verksamhet.c.verksamhet_id == verksamhet_id,
                )
            )
            if group is None:
                verksamhet = db.session.get(Verksamhet, verksamhet_id)
                if verksamhet is None:
                    raise SystemExit(f"No verksamhet {verksamhet_id}")
                group = services.create_group(
                    scope=everything,
                    fields=services.GroupFields(
                        namn=GROUP_NAME,
                        typ=GruppTyp.ARBETANDE,
                        verksamheter=[verksamhet],
                        staende_punkter="Ekonomi och bemanning\nÅrsrapporten",
                    ),
                )
                login = db.session.scalar(
                    select(Account).where(Account.email == f"ledning@v{verksamhet_id}.bench")
                )
                services.add_member(
                    group=group,
                    namn="Lastprovets ledamot",
                    organisation="Kommunen",
                    epost="",
                    user=login,
                    scope=everything,
                )
            mote_id = db.session.scalar(
                select(Mote.id).where(Mote.ledningsgrupp_id == group.id).order_by(Mote.id)
            )
            if mote_id is None:
                starts_at = (datetime.now(STOCKHOLM) + timedelta(days=14)).replace(
                    hour=13, minute=0, second=0, microsecond=0
                )
                mote = services.plan_mote(
                    scope=everything,
                    group=group,
                    fields=services.MoteFields(
                        starts_at=starts_at,
                        ends_at=starts_at + timedelta(hours=2),
                        plats="Kommunhuset",
                        justerare=None,
                    ),
                )
                services.propose_dagordning(
                    mote=mote, expected_version=mote.version, scope=everything
                )
                mote_id = mote.id
            db.session.commit()
            found[verksamhet_id] = (group.id, mote_id)
    return found


def fill_paths(
    url: str, users: list[User], meetings: dict[int, tuple[int, int]], seed: int
) -> None:
    """Give each user the lists, brister, searches, statistics and meetings it visits."""
    rng = random.Random(seed)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            for user in users:
                where = "" if user.verksamhet_id is None else "WHERE verksamhet_id = :v"
                rows = conn.execute(
                    sa.text(f"SELECT id, status FROM brist {where} ORDER BY id"),  # noqa: S608
                    {"v": user.verksamhet_id},
                ).all()
                open_ids = [row.id for row in rows if row.status != "stangd"]
                all_ids = [row.id for row in rows]
                user.detail = sorted(rng.sample(all_ids, min(200, len(all_ids))))
                user.observe = sorted(rng.sample(open_ids, min(100, len(open_ids))))
                if not user.detail or not user.observe:
                    raise SystemExit(f"{user.email} sees no (open) brister: run generate.py")
                myndigheter = list(
                    conn.scalars(
                        sa.text(
                            "SELECT myndighet_id FROM brist WHERE verksamhet_id = :v "
                            "GROUP BY myndighet_id ORDER BY count(*) DESC LIMIT 3"
                        ),
                        {"v": user.verksamhet_id or 1},
                    )
                )
                user.paths = {
                    "list": list_paths(user, myndigheter, rng),
                    "search": search_paths(),
                    "statistics": ["/statistik", "/statistik?ar=2026", "/statistik?ar=2025"],
                    "meeting": meeting_paths(user, meetings),
                }
                if user.verksamhet_id is None:  # an admin chooses the verksamhet first
                    user.register = f"/brister/ny?verksamhet={rng.choice(sorted(meetings))}"
    finally:
        engine.dispose()


def list_paths(user: User, myndigheter: list[int], rng: random.Random) -> list[str]:
    """The brist list with several filters, sorts and pages."""
    paths = [
        "/brister",
        "/brister?status=oppna",
        "/brister?status=oppna&niva=lokal&sort=uppdaterad",
        "/brister?status=registrerad&sort=aldst",
        "/brister?niva=central&sort=observerad&sida=2",
        "/brister?year=2025&sort=rubrik",
        "/brister?status=bevakas&sida=3",
    ]
    if user.verksamhet_id is not None:
        paths += [f"/brister?status=oppna&myndighet={m}" for m in myndigheter]
    else:
        paths += [f"/brister?verksamhet={rng.randint(1, 300)}&status=oppna" for _ in range(3)]
    return paths


def search_paths() -> list[str]:
    """Free-text searches, alone and with a filter."""
    paths = [f"/brister?q={urllib.parse.quote(word)}" for word in SEARCH_WORDS]
    return [*paths, f"/brister?q={urllib.parse.quote(SEARCH_WORDS[0])}&status=oppna"]


def meeting_paths(user: User, meetings: dict[int, tuple[int, int]]) -> list[str]:
    """The user's group page and its meeting's agenda page (an admin: several groups)."""
    chosen = [user.verksamhet_id] if user.verksamhet_id is not None else sorted(meetings)[:5]
    paths = []
    for verksamhet_id in chosen:
        group_id, mote_id = meetings[verksamhet_id]
        paths += [f"/ledningsgrupper/{group_id}", f"/moten/{mote_id}"]
    return paths


def lua_literal(value: Any) -> str:
    """Write a Python value (dict, list, str, number, bool) as a Lua literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if math.isfinite(value) else "0"
    if isinstance(value, str):
        escaped = "".join(
            char if 32 <= ord(char) < 127 and char not in '"\\' else _lua_escape(char)
            for char in value
        )
        return f'"{escaped}"'
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"[{lua_literal(k)}] = {lua_literal(v)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua_literal(item) for item in value) + "}"
    raise TypeError(f"No Lua literal for {type(value).__name__}")


def _lua_escape(char: str) -> str:
    return "".join(f"\\{byte:03d}" for byte in char.encode("utf-8"))


def lua_script(users: list[User], think_ms: float, seed: int, selftest_draws: int = 0) -> str:
    """Return mixed.lua with the users, markers and settings filled in."""
    table = [
        {
            "cookie": user.cookie,
            "weights": user.weights,
            "paths": user.paths,
            "detail": user.detail,
            "observe": user.observe,
            "register": user.register,
        }
        for user in users
    ]
    values = {
        "USERS": lua_literal(table),
        "MARKERS": lua_literal(MARKERS),
        "THINK_MS": lua_literal(float(think_ms)),
        "SEED": lua_literal(seed),
        "SELFTEST_DRAWS": lua_literal(selftest_draws),
        "ACTIONS": lua_literal(list(MIX)),
    }
    script = LUA_TEMPLATE.read_text()
    for name, value in values.items():
        script = script.replace("{" + name + "}", value)
    return script


@dataclass
class WrkOutput:
    """What mixed.lua printed in done(): per-kind latencies, errors, actions and draws."""

    samples: dict[str, list[float]] = field(default_factory=dict)  # kind -> ms
    errors: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    draws: dict[int, Counter[str]] = field(default_factory=dict)
    duration_s: float = 0.0
    requests: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)


def parse_output(stdout: str) -> WrkOutput:
    """Read the MIXED_* lines of mixed.lua's done()."""
    out = WrkOutput()
    for line in stdout.splitlines():
        tag, _, rest = line.partition(" ")
        if tag == "MIXED_SAMPLES":
            _, kind, values = rest.split(" ", 2)
            out.samples.setdefault(kind, []).extend(int(v) / 1000 for v in values.split(",") if v)
        elif tag == "MIXED_ERRORS":
            _, kind, count = rest.split()
            out.errors[kind] += int(count)
        elif tag == "MIXED_ACTIONS":
            _, kind, count = rest.split()
            out.actions[kind] += int(count)
        elif tag == "MIXED_NOTE":
            out.notes.append(rest.split(" ", 1)[1])
        elif tag == "MIXED_DRAWS":
            index, kind, count = rest.split()
            out.draws.setdefault(int(index), Counter())[kind] += int(count)
        elif tag == "MIXED_SUMMARY":
            duration, requests, *errors = (int(v) for v in rest.split())
            out.duration_s = duration / 1e6
            out.requests = requests
            out.socket_errors = dict(
                zip(("connect", "read", "write", "status", "timeout"), errors, strict=True)
            )
    return out


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of the values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


def run_wrk(
    script: str,
    base: str,
    users: int,
    seconds: float,
    workdir: Path,
    ours: list[int] | None = None,
    database: str | None = None,
) -> tuple[WrkOutput, dict[str, float]]:
    """Run wrk with the script (one thread and connection per user); return output and CPU."""
    path = workdir / "mixed.lua"
    path.write_text(script)
    command = [
        WRK,
        f"-t{users}",
        f"-c{users}",
        f"-d{seconds:g}s",
        "--timeout",
        "30s",
        "-s",
        str(path),
        base + "/",
    ]
    monitor = CpuMonitor(ours or [], database)
    monitor.start()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    process: subprocess.Popen[str] | None = None
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            stdout, stderr = process.communicate(timeout=seconds + 120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
    finally:
        cpu = monitor.finish(exclude={process.pid} if process else set())
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0 or "MIXED_SUMMARY" not in stdout:
        raise RuntimeError(f"wrk failed ({process.returncode}): {stderr or stdout[-2000:]}")
    used = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    cpu["cpu_wrk_pct"] = round(100 * used / (seconds * (os.cpu_count() or 1)), 1)
    return parse_output(stdout), cpu


def count_rows(url: str) -> dict[str, int]:
    """Rows of the tables the writes add to."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table: conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608
                for table in ("brist", "observation")
            }
    finally:
        engine.dispose()


def summarise(out: WrkOutput) -> list[dict[str, Any]]:
    """One row per request kind: count, errors, p50/p95/p99/max in ms."""
    rows = []
    for kind in [*REQUEST_KINDS, *sorted(set(out.samples) - set(REQUEST_KINDS))]:
        values = out.samples.get(kind, [])
        rows.append(
            {
                "kind": kind,
                "count": len(values),
                "errors": out.errors.get(kind, 0),
                "p50_ms": round(percentile(values, 0.50), 1) if values else None,
                "p95_ms": round(percentile(values, 0.95), 1) if values else None,
                "p99_ms": round(percentile(values, 0.99), 1) if values else None,
                "max_ms": round(max(values), 1) if values else None,
            }
        )
    return rows


def action_shares(actions: Counter[str]) -> dict[str, float]:
    """The share (percent) of each mix category among the actions users took."""
    total = sum(actions.values()) or 1
    return {
        name: round(100 * sum(actions.get(kind, 0) for kind in kinds) / total, 1)
        for name, kinds in CATEGORIES.items()
    }


def log_in_all(base: str, users: list[User], password: str) -> None:
    """Log every user in (its own session cookie) and check its first pages once."""
    for user in users:
        user.cookie = log_in(base, user.email, password)
    for user in users:
        for kind, path in [
            ("list", user.paths["list"][0]),
            ("detail", f"/brister/{user.detail[0]}"),
            ("meeting", user.paths["meeting"][-1]),
        ]:
            status, _, body = http("GET", base + path, user.cookie)
            if status != 200 or MARKERS[kind] not in body:
                raise RuntimeError(
                    f"{user.email}: GET {path} answered {status} without {MARKERS[kind]!r}"
                )


def print_report(report: dict[str, Any]) -> None:
    """The table and the verdict lines."""
    print()
    print(
        f"{'kind':14} {'count':>7} {'errors':>6} "
        f"{'p50_ms':>8} {'p95_ms':>8} {'p99_ms':>8} {'max_ms':>8}"
    )
    for row in report["kinds"]:
        if not row["count"]:
            continue
        print(
            f"{row['kind']:14} {row['count']:>7} {row['errors']:>6} {row['p50_ms']:>8.1f} "
            f"{row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['max_ms']:>8.1f}"
        )
    total = report["total"]
    print(
        f"{'all':14} {total['requests']:>7} {total['errors']:>6}   throughput "
        f"{total['requests_per_s']:.1f} requests/s, {total['actions_per_s']:.1f} actions/s"
    )
    shares = ", ".join(f"{name} {share:g} %" for name, share in report["action_shares_pct"].items())
    print(f"actions: {shares}")
    saved = report["saved"]
    print(
        f"saved: brist +{saved['brist_rows_added']} (POSTs ok {saved['register_posts_ok']}), "
        f"observation +{saved['observation_rows_added']} (POSTs ok {saved['observe_posts_ok']})"
        f"{'' if saved['match'] else '  MISMATCH'}"
    )
    cpu = report["cpu_pct_of_machine"]
    print(
        f"cpu % of machine: gunicorn {cpu['gunicorn']}, database {cpu['database']}, "
        f"wrk {cpu['wrk']}, other {cpu['other']}, all {cpu['all']}"
    )
    print(f"worker_peak_rss_mb {', '.join(f'{peak:.1f}' for peak in report['worker_peak_rss_mb'])}")
    if report["worker_restarted"]:
        print("warning: a worker was restarted (a timeout?): see the gunicorn log")
    for note in report["error_examples"]:
        print(f"error: {note}")
    if report["socket_errors_total"]:
        print(f"socket errors: {report['socket_errors']}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--users", type=int, default=50, help="concurrent users (wrk threads)")
    parser.add_argument("--admins", type=int, default=2, help="of them, admin sessions")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--duration", type=float, default=60, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=10, help="unrecorded seconds first")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=1000,
        help="mean think time between actions and before a POST (uniform 0.5-1.5 x); 0: none",
    )
    parser.add_argument("--password", default=PASSWORD)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--app", default="systemfel:create_app()", help="gunicorn app spec")
    parser.add_argument(
        "--max-busy", type=float, default=0.25, help="wait for a CPU share this idle"
    )
    parser.add_argument("--quiet-timeout", type=float, default=60, help="at most this many s")
    parser.add_argument("--label", default="", help="free text kept in the JSON")
    parser.add_argument(
        "--output", type=Path, help="JSON path (default results/mixed-<db>-<time>.json)"
    )
    args = parser.parse_args(argv)
    if not 0 <= args.admins < args.users:
        parser.error("--admins must be at least 0 and fewer than --users")
    return args


@dataclass
class Measurement:
    """What one measured run gave: wrk's output, the CPU split, rows and worker memory."""

    out: WrkOutput
    cpu: dict[str, float]
    busy_before: float
    rows_before: dict[str, int]
    rows_after: dict[str, int]
    memory: dict[int, dict[str, float]]
    worker_restarted: bool


def check_database(url: str, workers: int) -> tuple[str, str, str | None]:
    """Return the URL (a SQLite path made absolute), the backend and the schema revision."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = Path(parsed.database or "").resolve()
        if not path.is_file():
            sys.exit(f"{path} does not exist: run benchmarks/generate.py first")
        url = str(parsed.set(database=str(path)))
        if workers > 1:
            print(f"warning: SQLite has one writer: {workers} workers' writes wait on each other")
    revision, heads = schema_revisions(url)
    if revision not in heads:
        sys.exit(f"The database is at migration {revision}, the app at {', '.join(heads)}")
    return url, backend, revision


def prepare_users(url: str, args: argparse.Namespace) -> list[User]:
    """Choose the users, set up their meetings and give them their pages."""
    users = choose_users(url, args.users, args.admins)
    repaired = repair_edit_history(url)
    if repaired:
        print(f"Repaired {repaired:,} edit entries that generate.py wrote in an old shape")
    print(f"Meetings for {len({u.verksamhet_id for u in users} - {None})} verksamheter ...")
    meetings = setup_meetings(url, users)
    fill_paths(url, users, meetings, args.seed)
    return users


def measure(
    url: str, backend: str, users: list[User], args: argparse.Namespace, log: Path
) -> Measurement:
    """Start gunicorn, log the users in, warm up, run the mix once measured, stop gunicorn."""
    server = Gunicorn(url, args.port or free_port(), args.workers, log, args.app)
    workdir = Path(tempfile.mkdtemp(prefix="systemfel-mixed-"))
    try:
        server.start()
        print(f"Logging in {len(users)} users ...", flush=True)
        log_in_all(server.base, users, args.password)
        script = lua_script(users, args.think_ms, args.seed)
        if args.warmup > 0:
            print(f"  warm-up {args.warmup:g} s ...", flush=True)
            run_wrk(script, server.base, len(users), args.warmup, workdir)
        busy = wait_until_quiet(args.max_busy, args.quiet_timeout)
        workers = server.worker_pids()
        rows_before = count_rows(url)
        print(f"  {len(users)} users, {args.duration:g} s ...", flush=True)
        ours = [server.process.pid, *workers] if server.process else []
        database = make_url(url).database if backend == "postgresql" else None
        out, cpu = run_wrk(script, server.base, len(users), args.duration, workdir, ours, database)
        rows_after = count_rows(url)
        memory = {pid: memory_mb(pid) for pid in server.worker_pids()}
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return Measurement(
        out, cpu, busy, rows_before, rows_after, memory, sorted(memory) != sorted(workers)
    )


def main(argv: list[str] | None = None) -> int:
    """Set up, start the server, log in, run the mix, report and stop the server."""
    args = parse_args(argv)
    os.environ.setdefault("SYSTEMFEL_BASE_URL", BASE_URL)
    if not load.GUNICORN.exists():  # a worktree without its own .venv: the running one's
        load.GUNICORN = Path(sys.executable).with_name("gunicorn")
    url, backend, revision = check_database(args.database_url, args.workers)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "logs").mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    users = prepare_users(url, args)
    run = measure(url, backend, users, args, RESULTS / "logs" / f"gunicorn-mixed-{stamp}.log")
    database = {
        "backend": backend,
        "url": make_url(url).render_as_string(hide_password=True),
        "schema_revision": revision,
    }
    report = build_report(args, database, stamp, users, run)
    output = args.output or RESULTS / f"mixed-{backend}-{stamp}.json"
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_report(report)
    print(f"Wrote {output}")
    return 0 if report["ok"] else 1


def saved_rows(run: Measurement, users: int) -> dict[str, Any]:
    """Rows the run added against the POSTs answered with a redirect; do they match?"""
    out = run.out
    ok = {
        kind: len(out.samples.get(kind, [])) - out.errors.get(kind, 0)
        for kind in ("register_post", "observe_post")
    }
    saved: dict[str, Any] = {
        "brist_rows_added": run.rows_after["brist"] - run.rows_before["brist"],
        "register_posts_ok": ok["register_post"],
        "observation_rows_added": run.rows_after["observation"] - run.rows_before["observation"],
        "observe_posts_ok": ok["observe_post"],
    }
    # A POST cut off by the end of the run may have saved without its answer being counted.
    saved["match"] = (
        0 <= saved["brist_rows_added"] - saved["register_posts_ok"] <= users
        and 0 <= saved["observation_rows_added"] - saved["observe_posts_ok"] <= users
        and saved["register_posts_ok"] > 0
        and saved["observe_posts_ok"] > 0
    )
    return saved


def build_report(
    args: argparse.Namespace,
    database: dict[str, Any],
    stamp: str,
    users: list[User],
    run: Measurement,
) -> dict[str, Any]:
    """Everything measured, as the JSON written to results/."""
    out, cpu = run.out, run.cpu
    kinds = summarise(out)
    errors = sum(row["errors"] for row in kinds)
    socket_errors = sum(out.socket_errors.values())
    saved = saved_rows(run, len(users))
    seconds = out.duration_s or args.duration
    settings = {
        key: getattr(args, key)
        for key in ("users", "admins", "workers", "duration", "warmup", "think_ms", "seed", "app")
    }
    return {
        "started_at": stamp,
        "label": args.label,
        "app_revision": git_revision(),
        "pythonpath": os.environ.get("PYTHONPATH", ""),
        "database": database,
        "settings": {**settings, "mix_pct": MIX},
        "users": [
            {
                "email": u.email,
                "role": u.role,
                "verksamhet_id": u.verksamhet_id,
                "weights": {k: round(v, 2) for k, v in u.weights.items()},
            }
            for u in users
        ],
        "kinds": kinds,
        "total": {
            "requests": out.requests,
            "errors": errors + socket_errors,
            "requests_per_s": round(out.requests / seconds, 1),
            "actions_per_s": round(sum(out.actions.values()) / seconds, 1),
        },
        "actions": dict(out.actions),
        "action_shares_pct": action_shares(out.actions),
        "saved": saved,
        "error_examples": out.notes[:20],
        "socket_errors": out.socket_errors,
        "socket_errors_total": socket_errors,
        "cpu_pct_of_machine": {
            "gunicorn": cpu["cpu_app_pct"],
            "database": cpu["cpu_database_pct"],
            "wrk": cpu["cpu_wrk_pct"],
            "other": cpu["cpu_other_pct"],
            "all": cpu["cpu_machine_busy_pct"],
            "stolen_by_hypervisor": cpu["cpu_steal_pct"],
        },
        "machine_busy_before_pct": round(100 * run.busy_before, 1),
        "worker_peak_rss_mb": sorted(round(v["VmHWM"], 1) for v in run.memory.values()),
        "worker_restarted": run.worker_restarted,
        "ok": errors == 0 and socket_errors == 0 and saved["match"] and not run.worker_restarted,
    }


if __name__ == "__main__":
    sys.exit(main())
