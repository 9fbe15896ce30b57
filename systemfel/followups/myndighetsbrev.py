"""The scheduler's sweep of letters to myndigheter: one per myndighet and period.

A myndighet with letters on (`Myndighet.sammandrag`) gets, on its period's first working
day, one e-mail listing every request awaiting its answer, each with its deadline and a new
answer link of its own, instead of one reminder per request (the rules and why:
followups.domain, `reminded_alone` and `myndighetsbrev_rader`).

Exactly once per myndighet and period: the letter's outbox row has the key
`myndighetsbrev:<myndighet>:<period>` and is written first, in the same transaction as its
answer links and the reminders it claims. A second scheduler writing the same letter waits on
the unique key and rolls its whole letter back; a sweep stopped midway has committed whole
letters only, and the next sweep writes the rest.
"""

import logging
import secrets
from datetime import date, datetime, timedelta
from threading import Event

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from systemfel.brister import history
from systemfel.brister import services as brister_services
from systemfel.brister.domain import HandelseTyp, Status
from systemfel.brister.models import Brist
from systemfel.clock import STOCKHOLM, local_today
from systemfel.dbtypes import rows_changed, utcnow
from systemfel.extensions import db
from systemfel.followups import domain, services
from systemfel.followups.domain import OppenFraga, Sammandrag
from systemfel.followups.models import AnswerLink, Kontakt
from systemfel.notifications.models import OutboxMessage
from systemfel.notifications.services import enqueue
from systemfel.verksamheter.models import Myndighet
from systemfel.workdays import office_hours_now

logger = logging.getLogger(__name__)

KEY_PREFIX = "myndighetsbrev"
# Answer-link tokens are the letter's secret followed by a short part of their own, so the
# outbox's one secret per message masks every link in the letter at once.
OWN_PART_BYTES = 8


def letter_key(myndighet_id: int, today: date, sammandrag: Sammandrag) -> str:
    """The letter's idempotency key: one per myndighet and period."""
    return f"{KEY_PREFIX}:{myndighet_id}:{domain.sammandrag_period(today, sammandrag)}"


def sweep_myndighetsbrev(now: datetime | None = None, stop: Event | None = None) -> int:
    """Write each myndighet with letters on its letter for this period, if due and not written.

    Stops between two letters when `stop` is set; the next sweep writes the rest.
    """
    now = now or utcnow()
    if not office_hours_now(now):
        return 0
    today = local_today(now)
    calendar = services.calendar(today)
    settings = db.session.execute(
        select(Myndighet.id, Myndighet.sammandrag).where(
            Myndighet.sammandrag != Sammandrag.AV, Myndighet.epost != ""
        )
    ).all()
    digest_days: dict[int, date] = {}
    keys: dict[int, str] = {}
    for myndighet_id, sammandrag in settings:
        letter_day = domain.sammandrag_day(today, sammandrag, calendar)
        if letter_day is not None and domain.sammandrag_due(today, sammandrag, calendar):
            digest_days[myndighet_id] = letter_day
            keys[myndighet_id] = letter_key(myndighet_id, today, sammandrag)
    if not digest_days:
        db.session.commit()
        return 0
    written_before = _existing_keys(list(keys.values()))
    letters = domain.myndighetsbrev_rader(_open_requests(), digest_days)
    db.session.commit()
    written = 0
    for myndighet_id, rader in letters.items():
        if stop is not None and stop.is_set():
            break
        key = keys[myndighet_id]
        if key in written_before:
            continue
        try:
            written += _write_letter(myndighet_id, key, rader, today, now)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another scheduler wrote this letter first
        except Exception:
            db.session.rollback()
            logger.exception("Letter to myndighet %s failed; the next sweep retries", myndighet_id)
    return written


def _existing_keys(keys: list[str]) -> set[str]:
    """Which of `keys` the outbox already has (asked in chunks the databases accept)."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            db.session.scalars(
                select(OutboxMessage.idempotency_key).where(
                    OutboxMessage.idempotency_key.in_(chunk)
                )
            )
        )
    return found


def _open_requests() -> list[OppenFraga]:
    """Every request awaiting an answer from a myndighet with letters on, as plain values.

    Awaiting: e-mailed with a deadline, not answered, its links not revoked, its brist open.
    """
    rows = db.session.execute(
        select(
            Kontakt.id,
            Kontakt.myndighet_id,
            Brist.nummer,
            Kontakt.sent_titel,
            Brist.titel,
            Kontakt.contacted_on,
            Kontakt.created_at,
            Kontakt.answer_due_on,
            Kontakt.reminders_sent,
            Kontakt.next_reminder_on,
        )
        .join(Brist, Brist.id == Kontakt.brist_id)
        .join(Myndighet, Myndighet.id == Kontakt.myndighet_id)
        .where(
            Myndighet.sammandrag != Sammandrag.AV,
            Brist.status != Status.STANGD,
            Kontakt.emailed_to != "",
            Kontakt.answer_due_on.is_not(None),
            Kontakt.answered_at.is_(None),
            Kontakt.links_revoked_at.is_(None),
        )
    )
    return [
        OppenFraga(
            kontakt_id=kontakt_id,
            myndighet_id=myndighet_id,
            nummer=nummer,
            titel=sent_titel or titel,
            contacted_on=contacted_on,
            sent_on=created_at.astimezone(STOCKHOLM).date(),
            answer_due_on=answer_due_on,  # type: ignore[arg-type]  # filtered: IS NOT NULL
            reminders_sent=reminders_sent,
            next_reminder_on=next_reminder_on,
        )
        for (
            kontakt_id,
            myndighet_id,
            nummer,
            sent_titel,
            titel,
            contacted_on,
            created_at,
            answer_due_on,
            reminders_sent,
            next_reminder_on,
        ) in rows
    ]


def _write_letter(
    myndighet_id: int, key: str, rader: list[OppenFraga], today: date, now: datetime
) -> int:
    """Write one letter: its outbox row first (the claim), then its links and reminders."""
    myndighet = db.session.scalars(
        select(Myndighet)
        .where(Myndighet.id == myndighet_id)
        .options(selectinload(Myndighet.verksamhet))
    ).one()
    secret = secrets.token_urlsafe(32)
    tokens = {rad.kontakt_id: secret + secrets.token_urlsafe(OWN_PART_BYTES) for rad in rader}
    message = enqueue(
        key=key,
        to=[a for a in myndighet.epost.splitlines() if a.strip()],
        subject=f"Frågor som väntar på ert svar: {len(rader)} från {myndighet.verksamhet.namn}",
        template="myndighetsbrev",
        context={
            "myndighet": myndighet,
            "rader": [(rad, tokens[rad.kontakt_id]) for rad in rader],
            "today": today,
        },
        now=now,
        secret=secret,
        office_hours_only=True,
    )
    if message is None:  # written by another scheduler since this sweep began
        db.session.rollback()
        return 0
    expires_at = now + timedelta(days=services.settings().link_days)
    db.session.execute(
        insert(AnswerLink),
        [
            {
                "kontakt_id": kontakt_id,
                "token_hash": services.hash_token(token),
                "created_at": now,
                "expires_at": expires_at,
            }
            for kontakt_id, token in tokens.items()
        ],
    )
    _claim_reminders(myndighet, [rad for rad in rader if rad.reminder_due(today)], today, now)
    return 1


def _claim_reminders(
    myndighet: Myndighet, rader: list[OppenFraga], today: date, now: datetime
) -> None:
    """Count the letter as the due reminder of each request it lists whose reminder is due.

    Claimed like a reminder on its own (reminders_sent seen → seen + 1); a request answered
    or revoked since the sweep read it is not claimed, and is simply listed once more.
    """
    if not rader:
        return
    rules = services.settings()
    calendar = services.calendar(today)
    brister = {
        kontakt.id: kontakt.brist
        for kontakt in db.session.scalars(
            select(Kontakt)
            .where(Kontakt.id.in_([rad.kontakt_id for rad in rader]))
            .options(selectinload(Kontakt.brist))
        )
    }
    for rad in rader:
        number = rad.reminders_sent + 1
        following = domain.next_paminnelse_on(
            rad.answer_due_on, number, rules.paminnelser, calendar
        )
        if following is not None:
            interval = calendar.add_working_days(today, rules.paminnelser.interval_working_days)
            following = max(following, interval)
        claimed = rows_changed(
            update(Kontakt)
            .where(
                Kontakt.id == rad.kontakt_id,
                Kontakt.reminders_sent == rad.reminders_sent,
                Kontakt.answered_at.is_(None),
                Kontakt.links_revoked_at.is_(None),
            )
            .values(reminders_sent=number, next_reminder_on=following)
            .execution_options(synchronize_session=False)
        )
        if claimed != 1:
            continue
        brist = brister[rad.kontakt_id]
        history.record(
            brist,
            HandelseTyp.PAMINNELSE,
            {"myndighet": myndighet.namn, "number": number},
            None,
            today,
            now,
            touches_brist=False,
        )
        if domain.escalation_proposed(number, rules.paminnelser):
            brister_services.propose_escalation(
                brist=brist, myndighet=myndighet.namn, paminnelser=number, now=now
            )
