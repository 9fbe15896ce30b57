"""Fault soak: does every reminder go out, exactly once, through real faults?

Builds a national-scale database with generate.py (or uses `--existing` as it is), makes
exactly `--messages` e-mailed contacts' answers late and runs the real reminder sweep, which
writes one reminder per contact to the outbox, addressed to the myndighet's mailboxes. Then
the real `systemfel scheduler` process sends them to a real SMTP server (tests/faultsmtp.py)
while, all in one run:

- every 10th recipient address is greylisted: refused with 450 at RCPT on its first try and
  for `--greylist` seconds after it;
- 2 % of the messages are refused with 451 at DATA on their first try;
- `--drops` messages are taken and then the connection is dropped before the 250;
- the SMTP server is down for `--outage` seconds (a 30-minute outage, time compressed);
- the scheduler process is killed with SIGKILL twice at random moments and restarted;
- a second scheduler process sends at the same time for part of the run.

Time runs 60 times faster than in production: one minute becomes one second (the outage,
the first retry wait, the lease, the greylisting delay); the longest retry wait is 5 s rather
than the hour's 60 s. Every scheduler process sends with an envelope sender of its own, so a
repeat can be traced to the process that sent the first copy. At the end it prints, per
Message-ID and recipient, what was expected, delivered, lost and duplicated, which faults
explain the duplicates, and the time to drain, as JSON (also written to benchmarks/results/).

    .venv/bin/python benchmarks/fault_soak.py                     # SQLite, results/soak.db
    .venv/bin/python benchmarks/fault_soak.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/soak
    .venv/bin/python benchmarks/fault_soak.py --existing          # reuse the generated db

Without `--existing` the database is generated afresh (`generate.py --reset`), so its name
must contain "soak". Exit status 0 when nothing was lost, every duplicate is explained by a
fault and every message settled; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from generate import absolute_url
from sqlalchemy import String, case, cast, delete, func, insert, literal, select, update
from sqlalchemy.engine import make_url

from systemfel import create_app
from systemfel.brister.domain import Status
from systemfel.brister.models import Brist
from systemfel.clock import local_today
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.followups.domain import Kanal
from systemfel.followups.jobs import sweep_myndighet_paminnelser
from systemfel.followups.models import AnswerLink, Bevakning, Kontakt, Svar
from systemfel.notifications.delivery import message_id
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.domain import Sammandrag
from systemfel.verksamheter.models import Myndighet

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the fault-injecting SMTP server lives in tests/
from tests.faultsmtp import Received, SmtpServer  # noqa: E402

RESULTS = HERE / "results"
LOGS = RESULTS / "soak-logs"
INSTANCE = RESULTS / "soak-instance"
DEFAULT_URL = f"sqlite:///{RESULTS / 'soak.db'}"
COMMAND = Path(sys.executable).parent / "systemfel"
BASE_URL = "https://po.example"
DOMAIN = "po.example"
# The reminder sweep runs at this moment: a Wednesday, 10:00 in Stockholm (office hours).
SWEEP_AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SPEEDUP = 60  # one minute in production is one second in the soak
Pair = tuple[str, str]  # (Message-ID, recipient)


# --- the database ----------------------------------------------------------------------------


def generate(url: str, scale: float) -> float:
    """Build a fresh national-scale database with generate.py; return the seconds it took."""
    name = make_url(url).database or ""
    if "soak" not in Path(name).name:
        sys.exit(f"Refusing to regenerate {name!r}: its name lacks 'soak' (or pass --existing).")
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            str(HERE / "generate.py"),
            "--reset",
            "--database-url",
            url,
            "--scale",
            str(scale),
        ],
        check=True,
        timeout=1200,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def give_myndigheter_mailboxes() -> None:
    """Give every myndighet a mailbox, and a second to every fourth; one reminder per request.

    The soak measures reminders sent one by one, so letters per myndighet (which replace
    them, see followups/myndighetsbrev.py) are switched off.
    """
    first = literal("registrator@m") + cast(Myndighet.id, String) + literal(f".{DOMAIN}")
    second = literal("\nbrister@m") + cast(Myndighet.id, String) + literal(f".{DOMAIN}")
    db.session.execute(
        update(Myndighet).values(
            epost=case((Myndighet.id % 4 == 0, first + second), else_=first),
            sammandrag=Sammandrag.AV,
        )
    )


def late_contacts(count: int) -> None:
    """`count` e-mailed contacts on open brister spread over the country, answer due yesterday."""
    for table in (AnswerLink, Svar, Kontakt):
        db.session.execute(delete(table))
    rows = db.session.execute(
        select(Brist.id, Brist.myndighet_id, Brist.ansvarig_id, Myndighet.epost)
        .join(Myndighet, Myndighet.id == Brist.myndighet_id)
        .where(Brist.status != Status.STANGD, Brist.ansvarig_id.is_not(None))
        .order_by(Brist.id)
    ).all()
    if len(rows) < count:
        sys.exit(f"Only {len(rows)} open brister; generate a larger database.")
    step = len(rows) / count
    chosen = [rows[int(n * step)] for n in range(count)]
    today = local_today(SWEEP_AT)
    db.session.execute(
        insert(Kontakt),
        [
            {
                "brist_id": brist,
                "myndighet_id": myndighet,
                "created_by_id": user,
                "contacted_on": today - timedelta(days=40),
                "kanal": Kanal.EPOST,
                "summary": "Frågan lyftes.",
                "emailed_to": epost,
                "answer_due_on": today - timedelta(days=1),
                "next_reminder_on": today - timedelta(days=1),
                "reminders_sent": 0,
                "created_at": SWEEP_AT,
            }
            for brist, myndighet, user, epost in chosen
        ],
    )


def prepare(count: int) -> dict[str, Any]:
    """Write `count` reminders to an empty outbox with the real sweep; ready them for the soak."""
    db.session.execute(delete(OutboxMessage))
    # The scheduler processes also run the digest and reminder sweeps on the real clock:
    # keep them quiet, so that the outbox holds the soak's reminders and nothing else.
    db.session.execute(
        update(Bevakning)
        .where(Bevakning.completed_at.is_(None))
        .values(due_on=local_today(utcnow()) + timedelta(days=365))
    )
    give_myndigheter_mailboxes()
    late_contacts(count)
    db.session.commit()
    started = time.monotonic()
    written = sweep_myndighet_paminnelser(now=SWEEP_AT)
    db.session.commit()
    sweep_seconds = time.monotonic() - started
    db.session.execute(update(Kontakt).values(next_reminder_on=None))  # no second reminders
    # Reminders are office_hours_only: the real-time scheduler would hold them outside
    # 08–17 on working days. The soak must run at any hour, so they are released here;
    # holding for office hours is tested elsewhere and plays no part in exactly-once.
    db.session.execute(
        update(OutboxMessage).values(office_hours_only=False, next_attempt_at=utcnow())
    )
    db.session.commit()
    return {"reminders_written": written, "reminder_sweep_s": round(sweep_seconds, 1)}


def expected_pairs() -> set[Pair]:
    """Every (Message-ID, recipient) the outbox should deliver."""
    rows = db.session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.to_addresses))
    return {
        (message_id(key, DOMAIN), address)
        for key, addresses in rows
        for address in addresses.splitlines()
        if address
    }


def outbox_statuses() -> dict[str, int]:
    """How many outbox rows are in each status, read fresh."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    db.session.commit()
    return {status.value: n for status, n in rows}


def attempt_counts() -> dict[str, int]:
    """Attempts over all messages, the most any one took, and rows that are not reminders."""
    total, most = db.session.execute(
        select(func.sum(OutboxMessage.attempts), func.max(OutboxMessage.attempts))
    ).one()
    others = db.session.scalar(
        select(func.count()).where(~OutboxMessage.idempotency_key.startswith("paminnelse:"))
    )
    db.session.commit()
    return {"attempts_total": total or 0, "attempts_most": most or 0, "other_messages": others}


# --- the faults ------------------------------------------------------------------------------


@dataclass
class Faults:
    """What the SMTP server does wrong, and a count of each fault it actually dealt."""

    server: SmtpServer
    greylisted: set[str]
    refuse_at_data: set[str]
    drop: set[str]
    greylist_seconds: float
    first_seen: dict[str, float] = field(default_factory=dict)
    refused_once: set[str] = field(default_factory=set)
    dropped_once: set[str] = field(default_factory=set)
    dropped_at: list[int] = field(default_factory=list)  # indexes into server.received
    taken_at: list[float] = field(default_factory=list)  # monotonic time of each message taken
    counts: Counter[str] = field(default_factory=Counter)

    @classmethod
    def choose(
        cls,
        server: SmtpServer,
        expected: set[Pair],
        rng: random.Random,
        greylist_seconds: float,
        data_share: float,
        drops: int,
    ) -> Faults:
        """Greylist every 10th address; pick the messages refused at DATA and dropped."""
        addresses = sorted({address for _mid, address in expected})
        messages = sorted({mid for mid, _address in expected})
        refuse = set(rng.sample(messages, round(len(messages) * data_share)))
        drop = set(rng.sample(sorted(set(messages) - refuse), drops))
        return cls(server, set(addresses[::10]), refuse, drop, greylist_seconds)

    def install(self) -> None:
        """Hook the faults into the server (its handlers all run in one event-loop thread)."""
        inbox = self.server.inbox
        inbox.at_rcpt = self.at_rcpt
        inbox.at_data = self.at_data
        inbox.drop_after_data = self.after_data

    def at_rcpt(self, address: str) -> str | None:
        """Greylisting: refuse an address for a while after its first try."""
        if address not in self.greylisted:
            return None
        first = self.first_seen.setdefault(address, time.monotonic())
        if time.monotonic() - first < self.greylist_seconds:
            self.counts["rcpt_450_greylisted"] += 1
            return "450 4.2.0 Greylisted, please try again later"
        return None

    def at_data(self, mid: str) -> str | None:
        """Refuse the chosen messages once at DATA, as a busy server does."""
        if mid in self.refuse_at_data and mid not in self.refused_once:
            self.refused_once.add(mid)
            self.counts["data_451"] += 1
            return "451 4.3.0 Temporary local problem, try again later"
        return None

    def after_data(self, mid: str) -> bool:
        """Called once the server has taken a message: drop the chosen ones before the 250."""
        self.taken_at.append(time.monotonic())
        if mid in self.drop and mid not in self.dropped_once:
            self.dropped_once.add(mid)
            self.dropped_at.append(len(self.server.inbox.received) - 1)
            self.counts["dropped_after_data"] += 1
            return True
        return False


# --- the scheduler processes -----------------------------------------------------------------


def envelope_sender(name: str) -> str:
    """Each process incarnation sends with its own envelope sender, to trace repeats."""
    return f"noreply+{name.lower()}@{DOMAIN}"


@dataclass
class Schedulers:
    """The `systemfel scheduler` processes of the soak: A (main) and B (second sender)."""

    url: str
    smtp_port: int
    settings: dict[str, Any]
    logs: Path
    running: dict[str, tuple[str, subprocess.Popen]] = field(default_factory=dict)
    started: Counter[str] = field(default_factory=Counter)
    killed: list[str] = field(default_factory=list)
    exit_codes: dict[str, int | None] = field(default_factory=dict)

    def start(self, role: str) -> str:
        """Start a process in `role` (A or B); return its name (A1, A2 ...)."""
        self.started[role] += 1
        name = f"{role}{self.started[role]}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("SYSTEMFEL_")}
        env |= {
            "SYSTEMFEL_ENV": "testing",
            "SYSTEMFEL_DATABASE_URL": self.url,
            "SYSTEMFEL_INSTANCE_PATH": str(INSTANCE),
            "SYSTEMFEL_BASE_URL": BASE_URL,
            "SYSTEMFEL_MAIL_FROM": f"Systemfel {name} <{envelope_sender(name)}>",
            "SYSTEMFEL_SMTP_HOST": "127.0.0.1",
            "SYSTEMFEL_SMTP_PORT": str(self.smtp_port),
            "SYSTEMFEL_SMTP_SECURITY": "none",
            "SYSTEMFEL_SCHEDULER_OUTBOX_SECONDS": "1",
        }
        env |= {f"SYSTEMFEL_{key}": str(value) for key, value in self.settings.items()}
        with (self.logs / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [str(COMMAND), "scheduler"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.running[role] = (name, process)
        return name

    def kill(self, role: str) -> str:
        """SIGKILL the process in `role`; return its name."""
        name, process = self.running.pop(role)
        process.send_signal(signal.SIGKILL)
        self.exit_codes[name] = process.wait(timeout=30)
        self.killed.append(name)
        return name

    def terminate(self, role: str) -> str:
        """SIGTERM: the process finishes the message in hand and exits."""
        name, process = self.running.pop(role)
        process.send_signal(signal.SIGTERM)
        try:
            self.exit_codes[name] = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            self.exit_codes[name] = process.wait(timeout=30)
        return name

    def names(self) -> list[str]:
        """The names of the processes running now."""
        return [name for name, _process in self.running.values()]

    def stop_all(self) -> None:
        """SIGTERM every process still running."""
        for role in list(self.running):
            self.terminate(role)


# --- the soak --------------------------------------------------------------------------------


@dataclass
class Step:
    """One fault in the timeline: done once `ready` holds, in order."""

    name: str
    ready: Callable[[float], bool]  # given the share of expected deliveries made
    act: Callable[[], str]  # returns a note for the timeline


@dataclass
class Soak:
    """Runs the timeline of faults while the schedulers drain the outbox."""

    server: SmtpServer
    schedulers: Schedulers
    expected: set[Pair]
    outage_seconds: float
    rng: random.Random
    started: float = field(default_factory=time.monotonic)
    outage_began: float | None = None
    outages: list[tuple[int, float, list[str]]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    delivered: set[Pair] = field(default_factory=set)
    counted: int = 0  # messages of server.received already in `delivered`

    def elapsed(self) -> float:
        """Seconds since the first scheduler started."""
        return time.monotonic() - self.started

    def share_delivered(self) -> float:
        """Share of the expected (Message-ID, recipient) pairs delivered so far."""
        received = self.server.received
        for message in received[self.counted :]:
            self.delivered.update(pairs_of(message))
        self.counted = len(received)
        return len(self.expected & self.delivered) / len(self.expected)

    def steps(self) -> list[Step]:
        """The faults, in the order they happen."""
        first_kill = self.rng.uniform(0.15, 0.30)
        second_kill = self.rng.uniform(0.50, 0.65)
        return [
            Step("second sender starts", lambda s: s >= 0.10, lambda: self.schedulers.start("B")),
            Step("SIGKILL 1", lambda s: s >= first_kill, lambda: self.kill_and_restart("A")),
            Step("outage begins", lambda s: s >= 0.35, self.outage_begins),
            Step("outage ends", lambda _s: self.outage_over(), self.outage_ends),
            Step("SIGKILL 2", lambda s: s >= second_kill, lambda: self.kill_and_restart("B")),
            Step(
                "second sender stops (SIGTERM)",
                lambda s: s >= 0.80,
                lambda: self.schedulers.terminate("B"),
            ),
        ]

    def kill_and_restart(self, role: str) -> str:
        """SIGKILL a sending process, then start it again at once."""
        killed = self.schedulers.kill(role)
        return f"{killed} killed, {self.schedulers.start(role)} started"

    def outage_begins(self) -> str:
        """Take the SMTP server down: connections are refused."""
        self.outages.append((len(self.server.received), time.monotonic(), self.schedulers.names()))
        self.server.stop()
        self.outage_began = time.monotonic()
        return f"SMTP server down for {self.outage_seconds:g} s"

    def outage_over(self) -> bool:
        """Has the server been down long enough?"""
        began = self.outage_began
        return began is not None and time.monotonic() - began >= self.outage_seconds

    def outage_ends(self) -> str:
        """Bring the SMTP server back on the same port."""
        self.server.start()
        return "SMTP server up"

    def note(self, event: str, share: float) -> None:
        """Add an event to the timeline and show it as it happens."""
        entry = {
            "t_s": round(self.elapsed(), 1),
            "event": event,
            "delivered_share": round(share, 3),
        }
        self.timeline.append(entry)
        print(json.dumps(entry, ensure_ascii=False), file=sys.stderr, flush=True)

    def run(self, timeout: float) -> float | None:
        """Start the main sender, deal the faults, wait until every message settled.

        Returns the seconds until the outbox had nothing pending or sending (None on timeout).
        """
        self.started = time.monotonic()
        self.note(f"{self.schedulers.start('A')} started", 0.0)
        steps = self.steps()
        last_check = 0.0
        while self.elapsed() < timeout:
            share = self.share_delivered()
            if steps and steps[0].ready(share):
                step = steps.pop(0)
                self.note(f"{step.name}: {step.act()}", share)
                continue
            if time.monotonic() - last_check >= 1.0:
                last_check = time.monotonic()
                statuses = outbox_statuses()
                if not statuses.get("pending") and not statuses.get("sending"):
                    drained = self.elapsed()
                    for step in steps:
                        self.note(f"{step.name}: skipped, the outbox had drained", share)
                    self.note("outbox drained", share)
                    return drained
            time.sleep(0.2)
        self.note("timed out", self.share_delivered())
        return None


# --- counting --------------------------------------------------------------------------------


def pairs_of(received: Received) -> list[Pair]:
    """The (Message-ID, recipient) pairs one message delivered."""
    return [(str(received.message["Message-ID"]), address) for address in received.rcpt_tos]


def last_sent_by(received: list[Received], name: str, before: int) -> int | None:
    """Index of the last message the process `name` delivered before index `before`."""
    sender = envelope_sender(name)
    for index in range(min(before, len(received)) - 1, -1, -1):
        if received[index].mail_from == sender:
            return index
    return None


def allowances(
    received: list[Received],
    faults: Faults,
    killed: list[str],
    outages: list[tuple[int, float, list[str]]],
) -> dict[str, Counter[Pair]]:
    """Per cause, which pairs may legitimately arrive once more.

    A message dropped after DATA; the last message a SIGKILLed process delivered (it may have
    died before recording it); the last message each sender delivered within 2 s before the
    server went down (it may have been cut off before the 250 reached the sender).
    """
    allowed: dict[str, Counter[Pair]] = {
        "drop_after_data": Counter(),
        "sigkill": Counter(),
        "outage": Counter(),
    }
    for index in faults.dropped_at:
        allowed["drop_after_data"].update(pairs_of(received[index]))
    for name in killed:
        index = last_sent_by(received, name, len(received))
        if index is not None:
            allowed["sigkill"].update(pairs_of(received[index]))
    for stop_index, stopped_at, names in outages:
        for name in names:
            index = last_sent_by(received, name, stop_index)
            if index is not None and stopped_at - faults.taken_at[index] <= 2.0:
                allowed["outage"].update(pairs_of(received[index]))
    return allowed


def tally(
    server: SmtpServer,
    expected: set[Pair],
    faults: Faults,
    killed: list[str],
    outages: list[tuple[int, float, list[str]]],
) -> dict[str, Any]:
    """Expected, delivered, lost and duplicated pairs, and what explains each duplicate."""
    received = server.received
    counts = server.deliveries()
    allowed = allowances(received, faults, killed, outages)
    explained: Counter[str] = Counter()
    unexplained = []
    for pair, times in counts.items():
        extra = times - 1
        for cause, allowance in allowed.items():
            used = min(extra, allowance[pair])
            explained[cause] += used
            extra -= used
        if extra:
            unexplained.append({"message_id": pair[0], "recipient": pair[1], "deliveries": times})
    return {
        "expected_deliveries": len(expected),
        "delivered": len(expected & set(counts)),
        "lost": len(expected - set(counts)),
        "duplicated": sum(times - 1 for times in counts.values()),
        "duplicates_explained": {cause: explained[cause] for cause in allowed},
        "duplicates_allowed": {cause: sum(pairs.values()) for cause, pairs in allowed.items()},
        "duplicates_unexplained": unexplained,
        "unexpected_deliveries": len(set(counts) - expected),
        "smtp_messages_taken": len(received),
    }


# --- running it ------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=DEFAULT_URL, help=f"SQLAlchemy URL (default {DEFAULT_URL})"
    )
    parser.add_argument(
        "--existing",
        action="store_true",
        help="use the database as it is (made by generate.py) instead of generating it afresh",
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="generate.py --scale (default 1: 300 verksamheter)"
    )
    parser.add_argument("--messages", type=int, default=10_000, help="reminders (default 10000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--outage",
        type=float,
        default=30.0,
        help="seconds the SMTP server is down (default 30: 30 minutes)",
    )
    parser.add_argument("--retry-first", type=int, default=1, help="first retry wait, s")
    parser.add_argument("--retry-longest", type=int, default=5, help="longest retry wait, s")
    parser.add_argument("--lease", type=int, default=1, help="a sender's lease, s (default 1)")
    parser.add_argument(
        "--greylist",
        type=float,
        default=5.0,
        help="seconds a greylisted address is refused after its first try",
    )
    parser.add_argument("--data-451-share", type=float, default=0.02)
    parser.add_argument("--drops", type=int, default=5, help="messages dropped after DATA")
    parser.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        help="seconds the soak may run before it gives up (default 900)",
    )
    return parser.parse_args()


def time_scale(args: argparse.Namespace) -> dict[str, Any]:
    """The compressed times, and what they stand for in production."""
    return {
        "speedup": f"{SPEEDUP}x: one minute in production is one second here",
        "outage_s": args.outage,
        "outage_stands_for_min": args.outage * SPEEDUP / 60,
        "retry_first_wait_s": args.retry_first,
        "retry_longest_wait_s": args.retry_longest,
        "lease_s": args.lease,
        "greylisting_delay_s": args.greylist,
        "production": {"retry_first_wait_s": 60, "retry_longest_wait_s": 3600, "lease_s": 60},
    }


def main() -> int:
    """Prepare the outbox, run the soak, print and save the numbers."""
    args = parse_args()
    url = absolute_url(args.database_url)
    logs = LOGS / make_url(url).get_backend_name()
    for folder in (logs, INSTANCE):
        folder.mkdir(parents=True, exist_ok=True)
    generate_seconds = None if args.existing else round(generate(url, args.scale), 1)
    os.environ["SYSTEMFEL_INSTANCE_PATH"] = str(INSTANCE)
    app = create_app("testing", overrides={"DATABASE_URL": url, "BASE_URL": BASE_URL})
    rng = random.Random(args.seed)
    with app.app_context():
        print(f"Writing {args.messages} reminders with the real sweep ...", file=sys.stderr)
        setup = prepare(args.messages)
        expected = expected_pairs()
        server = SmtpServer()
        faults = Faults.choose(
            server, expected, rng, args.greylist, args.data_451_share, args.drops
        )
        faults.install()
        server.start()
        settings = {
            "OUTBOX_RETRY_FIRST_SECONDS": args.retry_first,
            "OUTBOX_RETRY_LONGEST_SECONDS": args.retry_longest,
            "OUTBOX_LEASE_SECONDS": args.lease,
        }
        schedulers = Schedulers(url, server.port, settings, logs)
        soak = Soak(server, schedulers, expected, args.outage, rng)
        try:
            drained = soak.run(args.timeout)
        finally:
            schedulers.stop_all()
            if server.running:
                server.stop()
        result = {
            "database": db.engine.dialect.name,
            "messages": setup["reminders_written"],
            **tally(server, expected, faults, schedulers.killed, soak.outages),
            "outbox_statuses": outbox_statuses(),
            **attempt_counts(),
            "time_to_drain_s": round(drained, 1) if drained is not None else None,
            "timed_out": drained is None,
            "time_scale": time_scale(args),
            "faults": {
                "greylisted_addresses": len(faults.greylisted),
                "addresses": len({address for _mid, address in expected}),
                **faults.counts,
                "outages": len(soak.outages),
                "sigkills": schedulers.killed,
                "scheduler_exit_codes": schedulers.exit_codes,
            },
            "timeline": soak.timeline,
            "setup": {"generate_s": generate_seconds, **setup},
        }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    output = RESULTS / f"fault-soak-{result['database']}-{stamp}.json"
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    good = (
        not result["lost"]
        and not result["duplicates_unexplained"]
        and not result["timed_out"]
        and set(result["outbox_statuses"]) == {"sent"}
    )
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
