"""Time the letters to myndigheter (one per myndighet and week) on a generate.py database.

Every myndighet gets weekly letters; the outbox is emptied of earlier letters; then one run
of the real sweep (`sweep_myndighetsbrev`) writes every letter of the week at 10:00 on Monday
30 November 2026: it reads every open request, groups them per myndighet, and per letter
writes the outbox row, a new answer link per request and the reminders the letter counts
as. Afterwards the requests' reminder counts, the letters' links and history entries are put
back as they were, so the run can be repeated on the same database. Prints JSON.

    .venv/bin/python benchmarks/agency_digest.py --database-url sqlite:///benchmarks/results/national.db
    .venv/bin/python benchmarks/agency_digest.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""

import argparse
import json
import resource
import time
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, func, select, update

from systemfel import create_app
from systemfel.brister.domain import HandelseTyp
from systemfel.brister.models import Brist, Handelse
from systemfel.extensions import db
from systemfel.followups.models import AnswerLink, Kontakt
from systemfel.followups.myndighetsbrev import sweep_myndighetsbrev
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.domain import Sammandrag
from systemfel.verksamheter.models import Myndighet

# Monday 30 November 2026, 10:00 in Stockholm: the first working day of week 49.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def prepare() -> list[dict]:
    """Weekly letters for all, no earlier letters; return the requests' reminder state."""
    db.session.execute(update(Myndighet).values(sammandrag=Sammandrag.VECKOVIS))
    db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.idempotency_key.like("myndighetsbrev:%"))
    )
    db.session.commit()
    return [
        {"kid": kid, "sent": sent, "next_on": next_on}
        for kid, sent, next_on in db.session.execute(
            select(Kontakt.id, Kontakt.reminders_sent, Kontakt.next_reminder_on)
        )
    ]


def restore(saved: list[dict]) -> None:
    """Put back what the run changed: reminders, links, history entries, proposals."""
    db.session.execute(delete(AnswerLink).where(AnswerLink.created_at == NOW))
    db.session.execute(
        delete(Handelse).where(
            Handelse.created_at == NOW,
            Handelse.typ.in_([HandelseTyp.PAMINNELSE, HandelseTyp.ESKALERING_FORESLAS]),
        )
    )
    db.session.execute(
        update(Brist).where(Brist.escalation_proposed_at == NOW).values(escalation_proposed_at=None)
    )
    db.session.connection().execute(
        update(Kontakt.__table__)
        .where(Kontakt.__table__.c.id == bindparam("kid"))
        .values(reminders_sent=bindparam("sent"), next_reminder_on=bindparam("next_on")),
        saved,
    )
    db.session.commit()


def count(statement) -> int:
    return db.session.scalar(statement) or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    app = create_app(
        "development",
        overrides={"DATABASE_URL": args.database_url, "BASE_URL": "https://po.example"},
    )
    with app.app_context():
        saved = prepare()
        reminders_before = count(select(func.sum(Kontakt.reminders_sent)))
        started = time.perf_counter()
        letters = sweep_myndighetsbrev(now=NOW)
        db.session.commit()
        seconds = time.perf_counter() - started
        result = {
            "database": db.engine.dialect.name,
            "myndigheter": count(select(func.count()).select_from(Myndighet)),
            "open_requests": count(
                select(func.count())
                .select_from(Kontakt)
                .where(Kontakt.answered_at.is_(None), Kontakt.links_revoked_at.is_(None))
            ),
            "letters_written": letters,
            "requests_listed": count(
                select(func.count()).select_from(AnswerLink).where(AnswerLink.created_at == NOW)
            ),
            "reminders_counted": count(select(func.sum(Kontakt.reminders_sent))) - reminders_before,
            "sweep_s": round(seconds, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        restore(saved)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
