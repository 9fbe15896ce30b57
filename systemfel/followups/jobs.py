"""Sweeps the scheduler runs: reminders to myndigheter whose answer is late, daily digests.

Each sweep reads what is due from the database and claims every item with a conditional
UPDATE in the same transaction that writes its e-mail to the outbox. A sweep that dies
midway has committed whole items only; the next sweep (or a second scheduler running at the
same moment) finds the rest and cannot claim an item twice.
"""

import logging
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from systemfel.auth.models import User
from systemfel.brister.domain import HandelseTyp, Status
from systemfel.brister.models import Brist
from systemfel.clock import STOCKHOLM, local_today
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.followups import domain, services
from systemfel.followups.models import Bevakning, Kontakt
from systemfel.notifications.models import OutboxMessage
from systemfel.notifications.services import enqueue

logger = logging.getLogger(__name__)


def _office_hours(now: datetime) -> bool:
    return domain.is_office_hours(now.astimezone(STOCKHOLM), services.calendar(local_today(now)))


def sweep_agency_reminders(now: datetime | None = None) -> int:
    """Remind myndigheter whose answer is late; after the last reminder, propose escalation."""
    now = now or utcnow()
    if not _office_hours(now):
        return 0
    today = local_today(now)
    open_brister = select(Brist.id).where(Brist.status != Status.STANGD)
    due = db.session.execute(
        select(Kontakt.id, Kontakt.reminders_sent)
        .where(
            Kontakt.brist_id.in_(open_brister),
            Kontakt.next_reminder_on <= today,
            Kontakt.answered_at.is_(None),
            Kontakt.links_revoked_at.is_(None),
        )
        .order_by(Kontakt.id)
    ).all()
    db.session.commit()
    sent = 0
    for kontakt_id, seen in due:
        try:
            sent += _remind(kontakt_id, seen, now, today)
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("Reminder for kontakt %s failed; the next sweep retries", kontakt_id)
    return sent


def _remind(kontakt_id: int, seen: int, now: datetime, today) -> int:  # noqa: ANN001
    """Claim one reminder (reminders_sent seen → seen + 1) and write its e-mail; 0 if taken."""
    kontakt = db.session.get(Kontakt, kontakt_id)
    rules = services.settings()
    number = seen + 1
    calendar = services.calendar(today)
    following = domain.next_reminder_on(kontakt.answer_due_on, number, rules.reminders, calendar)
    if following is not None:
        # After downtime the schedule may lie in the past: the next one waits a full interval.
        interval = calendar.add_working_days(today, rules.reminders.interval_working_days)
        following = max(following, interval)
    claimed = db.session.execute(
        update(Kontakt)
        .where(
            Kontakt.id == kontakt_id,
            Kontakt.reminders_sent == seen,
            Kontakt.brist_id.in_(select(Brist.id).where(Brist.status != Status.STANGD)),
            Kontakt.answered_at.is_(None),
            Kontakt.links_revoked_at.is_(None),
        )
        .values(reminders_sent=number, next_reminder_on=following)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return 0
    token = services.new_answer_link(kontakt, now)
    enqueue(
        key=f"paminnelse:{kontakt.id}:{number}",
        to=kontakt.emailed_to.splitlines(),
        subject=f"Påminnelse: {kontakt.brist.titel}",
        template="reminder",
        context={"kontakt": kontakt, "token": token, "number": number},
        now=now,
        secret=token,
    )
    brist = kontakt.brist
    services.history(
        brist, None, HandelseTyp.PAMINNELSE, f"{kontakt.myndighet.namn}: påminnelse {number}", now
    )
    if domain.escalation_proposed(number, rules.reminders) and brist.escalation_proposed_at is None:
        db.session.execute(
            update(Brist)
            .where(Brist.id == brist.id)
            .values(escalation_proposed_at=now)
            .execution_options(synchronize_session=False)
        )
        services.history(
            brist,
            None,
            HandelseTyp.ESKALERING_FORESLAS,
            f"{kontakt.myndighet.namn} har inte svarat efter {number} påminnelser.",
            now,
        )
    return 1


def sweep_digests(now: datetime | None = None) -> int:
    """Write each responsible ombud one e-mail a working day with what is due or overdue."""
    now = now or utcnow()
    if not _office_hours(now):
        return 0
    today = local_today(now)
    rows = db.session.scalars(
        select(Bevakning)
        .join(Brist, Brist.id == Bevakning.brist_id)
        .where(
            Bevakning.completed_at.is_(None),
            Bevakning.due_on <= today,
            Brist.status != Status.STANGD,
        )
        .options(selectinload(Bevakning.brist).selectinload(Brist.ansvarig))
        .order_by(Bevakning.due_on)
    ).all()
    per_user: dict[int, list[Bevakning]] = defaultdict(list)
    for bevakning in rows:
        per_user[bevakning.brist.ansvarig_id].append(bevakning)
    done = set(
        db.session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.idempotency_key.like(f"digest:%:{today.isoformat()}")
            )
        )
    )
    written = 0
    for user_id, items in per_user.items():
        key = f"digest:{user_id}:{today.isoformat()}"
        user = items[0].brist.ansvarig
        if key in done or not user.is_active_account:
            continue
        written += _write_digest(key, user, items, today, now)
    return written


def _write_digest(key: str, user: User, items: list[Bevakning], today, now: datetime) -> int:  # noqa: ANN001
    try:
        written = enqueue(
            key=key,
            to=[user.email],
            subject=f"Systemfel: {len(items)} bevakningar att följa upp",
            template="digest",
            context={"user": user, "items": items, "today": today},
            now=now,
        )
        if written is None:  # another scheduler wrote today's digest meanwhile
            db.session.rollback()
            return 0
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another scheduler wrote today's digest first
        return 0
    return 1
