"""Sweeps the scheduler runs: reminders to myndigheter whose answer is late, daily digests.

Each sweep reads what is due from the database and claims every item with a conditional
UPDATE in the same transaction that writes its e-mail to the outbox. A sweep that dies
midway has committed whole items only; the next sweep (or a second scheduler running at the
same moment) finds the rest and cannot claim an item twice.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from threading import Event
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from systemfel.auth.models import User
from systemfel.brister import history
from systemfel.brister import services as brister_services
from systemfel.brister.domain import HandelseTyp, Status
from systemfel.brister.models import Brist
from systemfel.clock import local_today
from systemfel.dbtypes import rows_changed, utcnow
from systemfel.extensions import db
from systemfel.followups import domain, queries, services
from systemfel.followups.models import Bevakning, Kontakt
from systemfel.notifications.domain import counted
from systemfel.notifications.models import OutboxMessage
from systemfel.notifications.services import enqueue
from systemfel.verksamheter.domain import Sammandrag
from systemfel.verksamheter.models import Myndighet
from systemfel.verksamheter.scope import Scope
from systemfel.workdays import office_hours_now

logger = logging.getLogger(__name__)


def sweep_myndighet_paminnelser(now: datetime | None = None, stop: Event | None = None) -> int:
    """Remind myndigheter whose answer is late; after the last reminder, propose escalation.

    Stops between two reminders when `stop` is set; the next sweep writes the rest.
    """
    now = now or utcnow()
    if not office_hours_now(now):
        return 0
    today = local_today(now)
    due = db.session.execute(
        select(Kontakt.id, Kontakt.reminders_sent)
        .join(Brist, Brist.id == Kontakt.brist_id)
        .join(Myndighet, Myndighet.id == Kontakt.myndighet_id)
        .where(
            Brist.status != Status.STANGD,
            # A myndighet with letters is reminded in them (domain.reminded_alone).
            Myndighet.sammandrag == Sammandrag.AV,
            Kontakt.next_reminder_on <= today,
            Kontakt.answered_at.is_(None),
            Kontakt.links_revoked_at.is_(None),
            Kontakt.paused_on.is_(None),
        )
        .order_by(Kontakt.id)
    ).all()
    db.session.commit()
    sent = 0
    for kontakt_id, seen in due:
        if stop is not None and stop.is_set():
            break
        try:
            sent += _remind(kontakt_id, seen, now, today)
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("Reminder for kontakt %s failed; the next sweep retries", kontakt_id)
    return sent


def _remind(kontakt_id: int, seen: int, now: datetime, today: date) -> int:
    """Claim one reminder (reminders_sent seen → seen + 1) and write its e-mail; 0 if taken."""
    kontakt = db.session.scalars(
        select(Kontakt)
        .where(Kontakt.id == kontakt_id)
        .options(
            selectinload(Kontakt.brist).selectinload(Brist.verksamhet),
            selectinload(Kontakt.myndighet),
            selectinload(Kontakt.created_by),
        )
    ).one()
    if kontakt.brist.is_closed:  # closed since the sweep began
        return 0
    if kontakt.answer_due_on is None:  # only a request with a deadline is ever reminded of
        return 0
    rules = services.settings()
    number = seen + 1
    following = domain.following_paminnelse_on(
        kontakt.answer_due_on, number, today, rules.paminnelser, services.calendar(today)
    )
    claimed = rows_changed(
        update(Kontakt)
        .where(
            Kontakt.id == kontakt_id,
            Kontakt.reminders_sent == seen,
            Kontakt.answered_at.is_(None),
            Kontakt.links_revoked_at.is_(None),
            Kontakt.paused_on.is_(None),
        )
        .values(reminders_sent=number, next_reminder_on=following)
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        db.session.rollback()
        return 0
    token = services.new_answer_link(kontakt, now)
    enqueue(
        key=f"paminnelse:{kontakt.id}:{number}",
        to=kontakt.emailed_to.splitlines(),
        subject=f"Påminnelse: {kontakt.sent_titel or kontakt.brist.titel}",
        template="reminder",
        context={
            "kontakt": kontakt,
            "token": token,
            "number": number,
            "rakning": services.rakning_for(kontakt),
            "following": following,
        },
        now=now,
        secret=token,
        office_hours_only=True,
        verksamhet=kontakt.brist.verksamhet,
        reply_fallback=kontakt.created_by.email,
    )
    brist = kontakt.brist
    history.record(
        brist,
        HandelseTyp.PAMINNELSE,
        {"myndighet": kontakt.myndighet.namn, "number": number},
        None,
        local_today(now),
        now,
        touches_brist=False,
    )
    if domain.escalation_proposed(number, rules.paminnelser):
        brister_services.propose_escalation(
            brist=brist, myndighet=kontakt.myndighet.namn, paminnelser=number, now=now
        )
    return 1


@dataclass(frozen=True)
class DigestItem:
    """One line of a digest, as plain values: they outlive each digest's commit."""

    brist_id: int
    nummer: str
    titel: str
    due_on: date
    escalation_proposed: bool


@dataclass(frozen=True)
class DigestPromise:
    """A broken promise in a digest: the brist, who promised, by when."""

    brist_id: int
    nummer: str
    titel: str
    myndighet: str
    promised_on: date


@dataclass(frozen=True)
class DigestKontroll:
    """An efterkontroll due in a digest: "Håller åtgärden?"."""

    brist_id: int
    nummer: str
    titel: str
    closed_on: date
    due_on: date


@dataclass(frozen=True)
class Recipient:
    """Who a digest goes to."""

    id: int
    namn: str
    email: str


def sweep_digests(now: datetime | None = None, stop: Event | None = None) -> int:
    """Write each responsible ombud one e-mail a working day with what is due or overdue."""
    now = now or utcnow()
    if not office_hours_now(now):
        return 0
    today = local_today(now)
    rows = db.session.execute(
        select(
            User.id,
            User.namn,
            User.email,
            Brist.id,
            Brist.nummer,
            Brist.titel,
            Bevakning.due_on,
            Brist.escalation_proposed_at,
        )
        .join(Brist, Brist.id == Bevakning.brist_id)
        .join(User, User.id == Brist.ansvarig_id)
        .where(
            Bevakning.completed_at.is_(None),
            Bevakning.due_on <= today,
            Brist.status != Status.STANGD,
            User.is_active_account.is_(True),
        )
        .order_by(Bevakning.due_on, Brist.id)
    ).all()
    per_user: dict[Recipient, list[DigestItem]] = defaultdict(list)
    for user_id, namn, email, brist_id, nummer, titel, due_on, proposed in rows:
        item = DigestItem(brist_id, nummer, titel, due_on, proposed is not None)
        per_user[Recipient(user_id, namn, email)].append(item)
    promises_of = _broken_promises_by_user(today)
    kontroller_of = _efterkontroller_by_user(today)
    recipients = list(dict.fromkeys([*per_user, *promises_of, *kontroller_of]))
    done = set(
        db.session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.idempotency_key.like(f"digest:%:{today.isoformat()}")
            )
        )
    )
    written = 0
    for user in recipients:
        if stop is not None and stop.is_set():
            break
        key = f"digest:{user.id}:{today.isoformat()}"
        if key not in done:
            extra: dict[str, list[Any]] = {
                "promises": promises_of.get(user, []),
                "kontroller": kontroller_of.get(user, []),
            }
            written += _write_digest(key, user, per_user.get(user, []), today, now, extra)
    return written


def _broken_promises_by_user(today: date) -> dict[Recipient, list[DigestPromise]]:
    """Broken promises on open brister, per responsible ombud, until a bevakning is recorded.

    Listed every working day from the day the promise breaks until the ombud records a
    bevakning of the brist (domain.broken_promise_needs_attention).
    """
    broken = [
        promise
        for promise in queries.promises(Brist.status != Status.STANGD, today=today)
        if promise.state == domain.PromiseState.BROKEN
    ]
    if not broken:
        return {}
    ids = sorted({promise.brist_id for promise in broken})
    recorded = {
        brist_id: local_today(created_at)
        for brist_id, created_at in db.session.execute(
            select(Bevakning.brist_id, Bevakning.created_at).where(
                Bevakning.brist_id.in_(ids), Bevakning.completed_at.is_(None)
            )
        )
    }
    brister = {
        row[0]: row
        for row in db.session.execute(
            select(Brist.id, Brist.nummer, Brist.titel, User.id, User.namn, User.email)
            .join(User, User.id == Brist.ansvarig_id)
            .where(Brist.id.in_(ids), User.is_active_account.is_(True))
        )
    }
    found: dict[Recipient, list[DigestPromise]] = defaultdict(list)
    for promise in sorted(broken, key=lambda p: (p.promised_on, p.brist_id, p.svar_id)):
        row = brister.get(promise.brist_id)
        if row is None or not domain.broken_promise_needs_attention(
            promise.broken_on, recorded.get(promise.brist_id), today
        ):
            continue
        brist_id, nummer, titel, user_id, namn, email = row
        item = DigestPromise(brist_id, nummer, titel, promise.myndighet, promise.promised_on)
        found[Recipient(user_id, namn, email)].append(item)
    return found


def _efterkontroller_by_user(today: date) -> dict[Recipient, list[DigestKontroll]]:
    """Efterkontroller due and unanswered, per responsible ombud, every day until answered."""
    found: dict[Recipient, list[DigestKontroll]] = defaultdict(list)
    for kontroll in queries.efterkontroller_due(
        scope=Scope.everything(), ansvarig_id=None, today=today
    ):
        brist, ansvarig = kontroll.brist, kontroll.brist.ansvarig
        if not ansvarig.is_active_account:
            continue
        item = DigestKontroll(
            brist.id, brist.nummer, brist.titel, kontroll.closed_on, kontroll.due_on
        )
        found[Recipient(ansvarig.id, ansvarig.namn, ansvarig.email)].append(item)
    return found


def _write_digest(
    key: str,
    user: Recipient,
    items: list[DigestItem],
    today: date,
    now: datetime,
    extra: dict[str, list[Any]] | None = None,
) -> int:
    subject = (
        f"Systemfel: {counted(len(items), 'bevakning', 'bevakningar')} att följa upp"
        if items
        else "Systemfel: att följa upp i dag"
    )
    try:
        written = enqueue(
            key=key,
            to=[user.email],
            subject=subject,
            template="digest",
            context={"user": user, "items": items, "today": today, **(extra or {})},
            now=now,
            office_hours_only=True,
        )
        if written is None:  # another scheduler wrote today's digest meanwhile
            db.session.rollback()
            return 0
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another scheduler wrote today's digest first
        return 0
    return 1
