"""Time the scheduler's sweeps on a national-scale database (made by generate.py).

Makes exactly N open follow-ups due today (the rest are moved a year ahead), empties the
outbox of earlier digests, and times one digest sweep writing the outbox; then makes M
contacts' answers late and times the reminder sweep. Prints the numbers as JSON.

    .venv/bin/python benchmarks/sweep.py --database-url sqlite:///benchmarks/results/national.db
    .venv/bin/python benchmarks/sweep.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""

import argparse
import json
import resource
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select, update

from systemfel import create_app
from systemfel.brister.domain import Status
from systemfel.brister.models import Brist
from systemfel.extensions import db
from systemfel.followups.domain import Kanal
from systemfel.followups.jobs import sweep_digests, sweep_myndighet_paminnelser
from systemfel.followups.models import AnswerLink, Bevakning, Kontakt
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.domain import Sammandrag
from systemfel.verksamheter.models import Myndighet

# A Wednesday, 10:00 in Stockholm: inside office hours on a working day.
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def prepare_bevakningar(count: int) -> None:
    """Exactly `count` open follow-ups due today, on open brister; the rest far ahead."""
    db.session.execute(delete(OutboxMessage))
    db.session.execute(
        update(Bevakning)
        .where(Bevakning.completed_at.is_(None))
        .values(due_on=TODAY + timedelta(days=365))
    )
    open_ids = select(Brist.id).where(Brist.status != Status.STANGD).limit(count)
    missing = select(Brist.id).where(
        Brist.id.in_(open_ids),
        ~Brist.id.in_(select(Bevakning.brist_id).where(Bevakning.completed_at.is_(None))),
    )
    rows = [
        {"brist_id": i, "due_on": TODAY, "created_at": NOW, "finding": ""}
        for i in db.session.scalars(missing)
    ]
    if rows:
        db.session.execute(insert(Bevakning), rows)
    db.session.execute(
        update(Bevakning)
        .where(Bevakning.completed_at.is_(None), Bevakning.brist_id.in_(open_ids))
        .values(due_on=TODAY)
    )
    db.session.commit()


def prepare_contacts(count: int) -> None:
    """`count` contacts, one per open brist, whose answer was due yesterday.

    Reminded one by one: letters per myndighet (benchmarks/agency_digest.py) are switched off.
    """
    db.session.execute(delete(AnswerLink))
    db.session.execute(delete(Kontakt))
    db.session.execute(update(Myndighet).values(sammandrag=Sammandrag.AV))
    brister = db.session.execute(
        select(Brist.id, Brist.myndighet_id, Brist.ansvarig_id)
        .where(Brist.status != Status.STANGD)
        .limit(count)
    ).all()
    db.session.execute(
        insert(Kontakt),
        [
            {
                "brist_id": b,
                "myndighet_id": m,
                "created_by_id": u,
                "contacted_on": TODAY - timedelta(days=40),
                "kanal": Kanal.EPOST,
                "summary": "Frågan lyftes.",
                "emailed_to": "brevlada@myndighet.example",
                "answer_due_on": TODAY - timedelta(days=1),
                "next_reminder_on": TODAY - timedelta(days=1),
                "reminders_sent": 0,
                "created_at": NOW,
            }
            for b, m, u in brister
        ],
    )
    db.session.commit()


def timed(job) -> tuple[int, float]:
    started = time.perf_counter()
    done = job(now=NOW)
    db.session.commit()
    return done, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--bevakningar", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=2_000)
    args = parser.parse_args()
    app = create_app(
        "development",
        overrides={"DATABASE_URL": args.database_url, "BASE_URL": "https://po.example"},
    )
    with app.app_context():
        prepare_bevakningar(args.bevakningar)
        due = db.session.scalar(
            select(func.count())
            .select_from(Bevakning)
            .where(Bevakning.completed_at.is_(None), Bevakning.due_on <= TODAY)
        )
        digests, digest_seconds = timed(sweep_digests)
        prepare_contacts(args.contacts)
        paminnelser, paminnelse_seconds = timed(sweep_myndighet_paminnelser)
        result = {
            "database": db.engine.dialect.name,
            "due_bevakningar": due,
            "digests_written": digests,
            "digest_sweep_s": round(digest_seconds, 2),
            "due_contacts": args.contacts,
            "reminders_written": paminnelser,
            "reminder_sweep_s": round(paminnelse_seconds, 2),
            "reminders_per_s": round(paminnelser / paminnelse_seconds, 1)
            if paminnelse_seconds
            else None,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
