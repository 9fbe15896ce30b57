"""The scheduler's sweep of letters to myndigheter: one per myndighet and period.

A myndighet with letters on (`Myndighet.sammandrag`) gets, on its period's first working
day, one e-mail listing every request awaiting its answer, each with its deadline and a new
answer link of its own, instead of one reminder per request (the rules and why:
followups.domain, `reminded_alone` and `myndighetsbrev_rader`).

Exactly once per myndighet and period: the letter's outbox row has the key
`myndighetsbrev:<myndighet>:<period>` and is written first, in the same transaction as its
answer links and the reminders it claims. Letters are written in chunks of a few dozen per
transaction, in myndighet order; a second scheduler writing the same letters waits on the
unique key, rolls its chunk back and writes it again letter by letter, skipping those that
exist. A sweep stopped or killed midway has committed whole letters only, and the next sweep
writes the rest.
"""

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from threading import Event
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from systemfel.brister import history
from systemfel.brister import services as brister_services
from systemfel.brister.domain import HandelseTyp, Status
from systemfel.brister.models import Brist
from systemfel.clock import STOCKHOLM, local_today
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.followups import domain, services
from systemfel.followups.domain import OppenFraga, Sammandrag
from systemfel.followups.models import AnswerLink, Kontakt
from systemfel.notifications.domain import SenderValues, counted
from systemfel.notifications.models import OutboxMessage
from systemfel.notifications.services import enqueue
from systemfel.verksamheter.models import Myndighet, Verksamhet
from systemfel.workdays import office_hours_now

logger = logging.getLogger(__name__)

KEY_PREFIX = "myndighetsbrev"
# Answer-link tokens are the letter's secret followed by a short part of their own, so the
# outbox's one secret per message masks every link in the letter at once.
OWN_PART_BYTES = 8
# Letters written per transaction while nothing goes wrong.
LETTERS_PER_COMMIT = 50


@dataclass(frozen=True)
class Mottagare:
    """Who a letter goes to, as plain values: they outlive each commit."""

    id: int
    namn: str
    addresses: list[str]
    verksamhet_namn: str
    verksamhet_epost: str = ""


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
    pending = {m: day for m, day in digest_days.items() if keys[m] not in written_before}
    if not pending:  # every letter of the period is out: the sweep's usual case
        db.session.commit()
        return 0
    letters = domain.myndighetsbrev_rader(_open_requests(set(pending)), pending)
    mottagare = _mottagare(list(letters))
    db.session.commit()
    order = sorted(mottagare)  # the same order in every scheduler: they never deadlock
    written = 0
    for start in range(0, len(order), LETTERS_PER_COMMIT):
        chunk = [
            (mottagare[m], keys[m], letters[m]) for m in order[start : start + LETTERS_PER_COMMIT]
        ]
        done, stopped = _write_together(chunk, today, now, stop)
        written += done
        if stopped:
            break
    return written


Letter = tuple["Mottagare", str, list[OppenFraga]]


def _write_together(
    chunk: list[Letter], today: date, now: datetime, stop: Event | None
) -> tuple[int, bool]:
    """Write a few letters in one transaction; if any fails, write them one by one instead.

    A commit per letter is most of a sweep's time at national scale. If a letter of the
    chunk fails (another scheduler wrote it first, or a real fault), the chunk is rolled
    back whole and written again letter by letter, each in its own transaction.
    Returns how many were written and whether `stop` was seen.
    """
    try:
        written, stopped = _write_letters(chunk, today, now, stop)
        db.session.commit()
        return written, stopped
    except Exception:  # another scheduler's letter, or a real fault: find which, one by one
        db.session.rollback()
    written = 0
    for letter in chunk:
        if stop is not None and stop.is_set():
            return written, True
        try:
            written += _write_letters([letter], today, now, None)[0]
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another scheduler wrote this letter first
        except Exception:
            db.session.rollback()
            logger.exception("Letter to myndighet %s failed; the next sweep retries", letter[0].id)
    return written, False


def _mottagare(myndighet_ids: list[int]) -> dict[int, Mottagare]:
    """The myndigheter the letters go to, with their verksamhet's name."""
    found: dict[int, Mottagare] = {}
    for start in range(0, len(myndighet_ids), 500):
        rows = db.session.execute(
            select(Myndighet.id, Myndighet.namn, Myndighet.epost, Verksamhet.namn, Verksamhet.epost)
            .join(Verksamhet, Verksamhet.id == Myndighet.verksamhet_id)
            .where(Myndighet.id.in_(myndighet_ids[start : start + 500]))
        )
        for myndighet_id, namn, epost, verksamhet_namn, verksamhet_epost in rows:
            addresses = [a for a in epost.splitlines() if a.strip()]
            if addresses:
                found[myndighet_id] = Mottagare(
                    myndighet_id, namn, addresses, verksamhet_namn, verksamhet_epost
                )
    return found


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


def _open_requests(myndighet_ids: set[int]) -> list[OppenFraga]:
    """Every request awaiting an answer from these myndigheter, as plain values.

    Awaiting: e-mailed with a deadline, not answered, its links not revoked, its clock not
    paused (the myndighet waits for information from us), its brist open.
    A long list of myndigheter is not sent to the database: all are read and sorted here.
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
            Kontakt.paused_on.is_(None),  # the myndighet waits for us: nothing to remind of
            *([Kontakt.myndighet_id.in_(myndighet_ids)] if len(myndighet_ids) <= 500 else []),
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
        if myndighet_id in myndighet_ids
    ]


def _write_letters(
    letters: list[Letter], today: date, now: datetime, stop: Event | None
) -> tuple[int, bool]:
    """Write letters in the open transaction: each outbox row first, then links and reminders.

    The outbox rows are the claims; the letters' answer links and the reminders they stand
    for are written after them, together. Returns how many were written and whether `stop` was seen.
    """
    written: list[Letter] = []
    links: list[dict[str, object]] = []
    expires_at = now + timedelta(days=services.settings().link_days)
    stopped = False
    for mottagare, key, rader in letters:
        if stop is not None and stop.is_set():
            stopped = True
            break
        secret = secrets.token_urlsafe(32)
        tokens = {r.kontakt_id: secret + secrets.token_urlsafe(OWN_PART_BYTES) for r in rader}
        message = enqueue(
            key=key,
            to=mottagare.addresses,
            subject=(
                f"{counted(len(rader), 'fråga', 'frågor')} som väntar på ert svar från "
                f"{mottagare.verksamhet_namn}"
            ),
            template="myndighetsbrev",
            context={
                "myndighet": mottagare,
                "rader": [(rad, tokens[rad.kontakt_id]) for rad in rader],
                "today": today,
            },
            now=now,
            secret=secret,
            office_hours_only=True,
            verksamhet=SenderValues(mottagare.verksamhet_namn, mottagare.verksamhet_epost),
        )
        if message is None:  # written by another scheduler since this sweep began
            continue
        written.append((mottagare, key, rader))
        links.extend(
            {
                "kontakt_id": kontakt_id,
                "token_hash": services.hash_token(token),
                "created_at": now,
                "expires_at": expires_at,
            }
            for kontakt_id, token in tokens.items()
        )
    for start in range(0, len(links), 1000):  # one statement each, within SQLite's limits
        db.session.execute(insert(AnswerLink).values(links[start : start + 1000]))
    due = [
        (mottagare, rad)
        for mottagare, _, rader in written
        for rad in rader
        if rad.reminder_due(today)
    ]
    _claim_reminders(due, today, now)
    return len(written), stopped


def _claim_reminders(rader: list[tuple[Mottagare, OppenFraga]], today: date, now: datetime) -> None:
    """Count each letter as the due reminder of each request it lists whose reminder is due.

    Claimed like a reminder on its own (reminders_sent seen → seen + 1, one conditional
    UPDATE per group of requests with the same values); a request answered or revoked since
    the sweep read it is not claimed, and is simply listed once more.
    """
    if not rader:
        return
    rules = services.settings()
    calendar = services.calendar(today)
    groups: dict[tuple[int, date | None], list[int]] = defaultdict(list)
    for _, rad in rader:
        following = domain.following_paminnelse_on(
            rad.answer_due_on, rad.reminders_sent + 1, today, rules.paminnelser, calendar
        )
        groups[(rad.reminders_sent, following)].append(rad.kontakt_id)
    claimed: dict[int, int] = {}  # kontakt id → the reminder's number
    table = cast(Table, Kontakt.__table__)  # plain SQL: no ORM bookkeeping per claim
    for (seen, following), ids in groups.items():
        for start in range(0, len(ids), 1000):
            for kontakt_id in db.session.scalars(
                update(table)
                .where(
                    table.c.id.in_(ids[start : start + 1000]),
                    table.c.reminders_sent == seen,
                    table.c.answered_at.is_(None),
                    table.c.links_revoked_at.is_(None),
                    table.c.paused_on.is_(None),
                )
                .values(reminders_sent=seen + 1, next_reminder_on=following)
                .returning(table.c.id)
            ):
                claimed[kontakt_id] = seen + 1
    if not claimed:
        return
    brister: dict[int, Brist] = {}
    claimed_ids = sorted(claimed)
    for start in range(0, len(claimed_ids), 1000):
        rows = db.session.execute(
            select(Kontakt.id, Brist)
            .join(Brist, Brist.id == Kontakt.brist_id)
            .where(Kontakt.id.in_(claimed_ids[start : start + 1000]))
        )
        brister.update((kontakt_id, brist) for kontakt_id, brist in rows)
    # Escalation proposals per myndighet and reminder number: the history names both.
    escalate: dict[tuple[str, int], list[Brist]] = defaultdict(list)
    with db.session.no_autoflush:  # the entries go in together when the letters are flushed
        for mottagare, rad in rader:
            number = claimed.get(rad.kontakt_id)
            if number is None:
                continue
            brist = brister[rad.kontakt_id]
            history.record(
                brist,
                HandelseTyp.PAMINNELSE,
                {"myndighet": mottagare.namn, "number": number},
                None,
                today,
                now,
                touches_brist=False,
            )
            if domain.escalation_proposed(number, rules.paminnelser):
                escalate[(mottagare.namn, number)].append(brist)
        for (namn, number), proposed in escalate.items():
            brister_services.propose_escalations(
                brister=proposed, myndighet=namn, paminnelser=number, now=now
            )
