"""Verbs on follow-ups: schedule, record, move; raise with a myndighet; take its answer.

Called by brister.services when a brist is registered, closed or reopened, so an open brist
always has exactly one open follow-up. Never imports brister.services (no cycle).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from systemfel.auth.models import User
from systemfel.brister import history
from systemfel.brister import services as brister_services
from systemfel.brister.domain import HandelseTyp, Niva
from systemfel.brister.models import Brist, Handelse
from systemfel.clock import local_today
from systemfel.dbtypes import lock_row, rows_changed, utcnow
from systemfel.errors import ValidationError
from systemfel.extensions import db
from systemfel.followups import domain
from systemfel.followups.domain import (
    EfterkontrollSvar,
    Kanal,
    PaminnelsePolicy,
    PausOrsak,
    Rakning,
    SvarTyp,
    WorkCalendar,
)
from systemfel.followups.models import AnswerLink, Bevakning, Efterkontroll, Kontakt, Svar
from systemfel.i18n import N_
from systemfel.notifications.services import enqueue
from systemfel.privacy.guard import refuse_personnummer
from systemfel.verksamheter.domain import Operation
from systemfel.verksamheter.models import Myndighet
from systemfel.verksamheter.scope import Scope
from systemfel.workdays import calendar_around

# A promise further ahead than this would hide the brist from every work list.
PROMISE_HORIZON = timedelta(days=3 * 366)


@dataclass(frozen=True)
class Settings:
    """The follow-up rules as configured."""

    interval_days: dict[Niva, int]
    answer_working_days: int
    paminnelser: PaminnelsePolicy
    link_days: int


def settings() -> Settings:
    """Read the follow-up settings from the application's configuration."""
    config = current_app.config
    return Settings(
        interval_days={
            Niva.HANDLAGGARE: config["FOLLOWUP_DAYS_HANDLAGGARE"],
            Niva.LOKAL: config["FOLLOWUP_DAYS_LOKAL"],
            Niva.CENTRAL: config["FOLLOWUP_DAYS_CENTRAL"],
        },
        answer_working_days=config["ANSWER_WORKING_DAYS"],
        paminnelser=PaminnelsePolicy(
            config["REMINDER_INTERVAL_WORKING_DAYS"], config["REMINDER_MAX"]
        ),
        link_days=config["ANSWER_LINK_DAYS"],
    )


def calendar(today: date | None = None) -> WorkCalendar:
    """Sweden's working days around `today`."""
    return calendar_around((today or local_today()).year)


def open_bevakning(brist: Brist) -> Bevakning | None:
    """Return the brist's open follow-up, if it has one."""
    return db.session.scalar(
        select(Bevakning).where(Bevakning.brist_id == brist.id, Bevakning.completed_at.is_(None))
    )


def proposed_date(brist: Brist, today: date) -> date:
    """The next follow-up date the level proposes, on a working day."""
    return domain.next_bevakning(today, brist.niva, settings().interval_days, calendar(today))


def start_bevakning(*, brist: Brist, now: datetime | None = None) -> Bevakning:
    """Schedule the first follow-up of a new or reopened brist."""
    today = local_today(now)
    bevakning = Bevakning(
        brist=brist, due_on=proposed_date(brist, today), created_at=now or utcnow()
    )
    db.session.add(bevakning)
    db.session.flush()
    return bevakning


def end_bevakning(
    *, brist: Brist, user: User | None, finding: str, now: datetime | None = None
) -> None:
    """Complete the open follow-up of a brist that is being closed."""
    current = open_bevakning(brist)
    if current is not None:
        current.completed_at = now or utcnow()
        current.completed_by = user
        current.finding = finding
        db.session.flush()


def _check_next_date(next_on: date, today: date, field: str) -> None:
    if next_on <= today:
        raise ValidationError(N_("Nästa bevakning måste ligga efter i dag."), field=field)
    if not calendar(today).is_working_day(next_on):
        raise ValidationError(
            N_("Datumet är inte en arbetsdag. Närmaste arbetsdag är %(day)s."),
            field=field,
            params={"day": calendar(today).on_or_after(next_on)},
        )


def record_bevakning(
    *,
    brist: Brist,
    user: User,
    scope: Scope,
    finding: str,
    next_on: date,
    now: datetime | None = None,
) -> Bevakning:
    """Complete the open follow-up with what was found and schedule the next one."""
    scope.require(Operation.WORK_BRISTER, brist.verksamhet_id)
    now = now or utcnow()
    today = local_today(now)
    refuse_personnummer(finding=finding)
    if not finding.strip():
        raise ValidationError(N_("Skriv vad bevakningen visade."), field="finding")
    _check_next_date(next_on, today, "next_on")
    current = open_bevakning(brist)
    if current is None:
        raise ValidationError(N_("Bristen har ingen öppen bevakning."))
    current.completed_at, current.completed_by, current.finding = now, user, finding.strip()
    db.session.flush()
    following = Bevakning(brist=brist, due_on=next_on, created_at=now)
    db.session.add(following)
    history.record(
        brist,
        HandelseTyp.UPPFOLJNING,
        {"from": current.due_on.isoformat(), "to": next_on.isoformat()},
        user,
        today,
        now,
        finding.strip(),
        touches_brist=False,
    )
    db.session.flush()
    return following


def move_bevakning(
    *,
    brist: Brist,
    user: User | None,
    scope: Scope,
    due_on: date,
    reason: str = "",
    cause: str = "hand",
    mote_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Give the open follow-up another date: by hand, promised by a myndighet, or decided.

    `cause` is "hand", "utlovat" (a myndighet's answer) or "beslut" (a meeting, `mote_id`).
    """
    scope.require(Operation.WORK_BRISTER, brist.verksamhet_id)
    now = now or utcnow()
    current = open_bevakning(brist)
    if current is None:
        raise ValidationError(N_("Bristen har ingen öppen bevakning."))
    if user is not None:
        _check_next_date(due_on, local_today(now), "due_on")
    data = {
        "from": current.due_on.isoformat(),
        "to": due_on.isoformat(),
        "cause": cause,
        "mote_id": mote_id,
    }
    current.due_on = due_on
    history.record(
        brist,
        HandelseTyp.BEVAKNING_FLYTTAD,
        data,
        user,
        local_today(now),
        now,
        reason.strip(),
        touches_brist=False,
    )
    db.session.flush()


@dataclass(frozen=True)
class KontaktRakning:
    """How a request's dates were counted, for the brist page, the mails and the answer page."""

    frist: Rakning
    paminnelser: tuple[Rakning, ...]


def rakning_for(kontakt: Kontakt) -> KontaktRakning | None:
    """How a request's deadline and reminders were counted.

    The deadline is counted from the day the request was sent, or, after a pause, from the
    day the clock ran again (with the working days that were left).
    """
    if kontakt.answer_due_on is None:
        return None
    counted_from = kontakt.resumed_on or local_today(kontakt.created_at)
    days = calendar(counted_from)
    return KontaktRakning(
        domain.rakning(counted_from, kontakt.answer_due_on, days),
        domain.paminnelse_plan(kontakt.answer_due_on, settings().paminnelser, days),
    )


def hash_token(token: str) -> str:
    """Return how an answer link's token is stored: only its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def raise_with_myndighet(
    *,
    brist: Brist,
    user: User,
    scope: Scope,
    myndighet: Myndighet,
    contacted_on: date,
    kanal: Kanal,
    summary: str,
    send_email: bool,
    answer_due_on: date | None,
    now: datetime | None = None,
) -> Kontakt:
    """Record a contact with a myndighet; by e-mail, send it with a link to answer."""
    scope.require(Operation.WORK_BRISTER, brist.verksamhet_id)
    now = now or utcnow()
    today = local_today(now)
    refuse_personnummer(summary=summary)
    if myndighet.verksamhet_id != brist.verksamhet_id:
        raise ValidationError(N_("Välj en myndighet i listan."), field="myndighet_id")
    if not summary.strip():
        raise ValidationError(N_("Beskriv vad som lyftes."), field="summary")
    if contacted_on > today:
        raise ValidationError(N_("Datumet kan inte ligga i framtiden."), field="contacted_on")
    kontakt = Kontakt(
        brist=brist,
        myndighet=myndighet,
        contacted_on=contacted_on,
        kanal=kanal,
        summary=summary.strip(),
        created_by=user,
        created_at=now,
    )
    db.session.add(kontakt)
    db.session.flush()
    if send_email:
        _send_request(kontakt, answer_due_on, today, now)
    history.record(
        brist,
        HandelseTyp.KONTAKT,
        {"myndighet": myndighet.namn, "kanal": kanal.value},
        user,
        contacted_on,
        now,
        summary.strip(),
        touches_brist=False,
    )
    db.session.flush()
    return kontakt


def _send_request(kontakt: Kontakt, answer_due_on: date | None, today: date, now: datetime) -> None:
    """E-mail the request with a new answer link, and schedule its reminders."""
    addresses = [a for a in kontakt.myndighet.epost.splitlines() if a.strip()]
    if not addresses:
        raise ValidationError(
            N_(
                "Myndigheten har ingen funktionsbrevlåda i Systemfel. Spara kontakten utan att "
                "skicka, och be samordnaren eller administratören lägga till brevlådan."
            ),
            field="send_email",
        )
    rules = settings()
    due = answer_due_on or calendar(today).add_working_days(today, rules.answer_working_days)
    if due <= today:
        raise ValidationError(N_("Svarsdatumet måste ligga efter i dag."), field="answer_due_on")
    kontakt.emailed_to = "\n".join(addresses)
    kontakt.sent_titel = kontakt.brist.titel
    kontakt.answer_due_on = due
    token = new_answer_link(kontakt, now)
    kontakt.next_reminder_on = domain.next_paminnelse_on(due, 0, rules.paminnelser, calendar(today))
    enqueue(
        key=f"kontakt:{kontakt.id}",
        to=addresses,
        subject=f"Uppmärksammad brist: {kontakt.sent_titel}",
        template="request",
        context={"kontakt": kontakt, "token": token, "rakning": rakning_for(kontakt)},
        now=now,
        secret=token,
        verksamhet=kontakt.brist.verksamhet,
        reply_fallback=kontakt.created_by.email,
    )


def new_answer_link(kontakt: Kontakt, now: datetime) -> str:
    """Create a link to answer `kontakt`; return its token (shown once, in the e-mail)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        AnswerLink(
            kontakt=kontakt,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(days=settings().link_days),
        )
    )
    return token


def find_by_token(token: str, now: datetime | None = None) -> Kontakt | None:
    """Return the contact an answer link belongs to, if the link is valid now."""
    now = now or utcnow()
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(AnswerLink).where(AnswerLink.token_hash == hash_token(token)))
    if link is None or link.expires_at <= now or link.kontakt.links_revoked_at is not None:
        return None
    return link.kontakt


def record_answer(
    *,
    kontakt: Kontakt,
    typ: SvarTyp,
    text: str,
    diarienummer: str,
    promised_on: date | None,
    responsible_body: str,
    now: datetime | None = None,
) -> Svar:
    """Take a myndighet's answer: into the history, to the responsible ombud, into follow-ups.

    One link takes any number of answers until it expires or is revoked (a correction, a
    later "åtgärdat"): each is its own Svar and history entry, and the latest is the one that
    counts. Only the same answer posted twice is taken once. "Begär komplettering" is not the
    answer: it pauses the clock to the deadline until the ombud has sent the information.
    """
    now = now or utcnow()
    today = local_today(now)
    _check_answer(typ, text, diarienummer, promised_on, responsible_body, today)
    lock_row(Kontakt, kontakt.id)  # the same answer posted twice at once: the second waits
    given = {
        "typ": typ,
        "text": text.strip(),
        "diarienummer": diarienummer.strip(),
        "promised_on": promised_on,
        "responsible_body": responsible_body.strip(),
    }
    repeated = _same_answer(kontakt, given)
    if repeated is not None:
        return repeated
    svar = Svar(kontakt=kontakt, received_at=now, **given)
    db.session.add(svar)
    kontakt.next_reminder_on = None
    brist = kontakt.brist
    history.record(
        brist,
        HandelseTyp.SVAR,
        _answer_data(kontakt, svar),
        None,
        today,
        now,
        svar.text,
        touches_brist=False,
    )
    _follow_answer(kontakt, svar, now)
    db.session.flush()
    enqueue(
        key=f"svar:{svar.id}",
        to=[brist.ansvarig.email],
        subject=f"Svar från {kontakt.myndighet.namn}: {brist.nummer}",
        template="answer_received",
        context={"kontakt": kontakt, "svar": svar},
        now=now,
        verksamhet=brist.verksamhet,
    )
    return svar


def _check_answer(
    typ: SvarTyp,
    text: str,
    diarienummer: str,
    promised_on: date | None,
    responsible_body: str,
    today: date,
) -> None:
    """Refuse an answer that is not whole: each kind asks for what it needs."""
    refuse_personnummer(text=text, diarienummer=diarienummer, responsible_body=responsible_body)
    if typ not in domain.OFFERED_SVAR:
        raise ValidationError(N_("Gör ett val."), field="typ")
    if typ == SvarTyp.BEGAR_KOMPLETTERING and not text.strip():
        raise ValidationError(N_("Skriv vilken information ni behöver."), field="text")
    if typ == SvarTyp.ATGARD_UTLOVAD and promised_on is None:
        raise ValidationError(N_("Ange när åtgärden ska vara klar."), field="promised_on")
    if promised_on is not None and not today < promised_on <= today + PROMISE_HORIZON:
        raise ValidationError(
            N_("Ange ett datum efter i dag och inom tre år."), field="promised_on"
        )
    if typ == SvarTyp.EJ_VART_ANSVAR and not responsible_body.strip():
        raise ValidationError(
            N_("Ange vilken myndighet eller verksamhet som ansvarar."), field="responsible_body"
        )


def _follow_answer(kontakt: Kontakt, svar: Svar, now: datetime) -> None:
    """What an answer changes: the clock, the escalation proposal, the follow-up date."""
    brist = kontakt.brist
    if svar.typ == SvarTyp.BEGAR_KOMPLETTERING:
        if kontakt.awaits_answer and not kontakt.is_paused:
            _pause(kontakt, PausOrsak.KOMPLETTERING, None, now)
    else:
        kontakt.answered_at = kontakt.answered_at or now
        _end_pause(kontakt)  # the answer came: the clock has nothing left to count
    # The reminders went unanswered; now there is an answer, so escalation is not proposed.
    brister_services.withdraw_escalation_proposal(brist=brist)
    promised_on = svar.promised_on
    if promised_on is not None and not brist.is_closed and open_bevakning(brist) is not None:
        # The answer link is the myndighet's authority, for this brist's follow-up only.
        link_scope = Scope(frozenset({brist.verksamhet_id}), frozenset({Operation.WORK_BRISTER}))
        move_bevakning(
            brist=brist,
            user=None,
            scope=link_scope,
            due_on=calendar(promised_on).on_or_after(promised_on),
            cause="utlovat",
            now=now,
        )


def _same_answer(kontakt: Kontakt, given: dict[str, Any]) -> Svar | None:
    """An answer to `kontakt` with exactly these values: a form sent twice, not news."""
    return db.session.scalar(
        select(Svar)
        .where(Svar.kontakt_id == kontakt.id, *(getattr(Svar, k) == v for k, v in given.items()))
        .limit(1)
    )


def _answer_data(kontakt: Kontakt, svar: Svar) -> dict[str, Any]:
    """The facts of an answer, for the brist's history."""
    return {
        "myndighet": kontakt.myndighet.namn,
        "svar": svar.typ.value,
        "promised_on": svar.promised_on.isoformat() if svar.promised_on else None,
        "responsible_body": svar.responsible_body,
        "diarienummer": svar.diarienummer,
    }


def revoke_link(*, kontakt: Kontakt, user: User, scope: Scope, now: datetime | None = None) -> None:
    """Make the answer links stop working and stop the reminders.

    Possible in every state of a contact sent by e-mail: unanswered, answered (a link takes
    further answers until it expires), acknowledged or paused. Revoking twice changes nothing.
    """
    scope.require(Operation.WORK_BRISTER, kontakt.brist.verksamhet_id)
    now = now or utcnow()
    if not kontakt.emailed_to:
        raise ValidationError(N_("Kontakten skickades inte med någon svarslänk."))
    if kontakt.links_revoked_at is not None:
        return
    kontakt.links_revoked_at = now
    kontakt.next_reminder_on = None
    history.record(
        kontakt.brist,
        HandelseTyp.LANK_ATERKALLAD,
        {"myndighet": kontakt.myndighet.namn},
        user,
        local_today(now),
        now,
        touches_brist=False,
    )
    db.session.flush()


def _pause(kontakt: Kontakt, orsak: PausOrsak, user: User | None, now: datetime) -> None:
    """Stop the clock to the deadline from today, and the reminders with it."""
    today, due = local_today(now), kontakt.answer_due_on
    if due is None:  # only a contact awaiting an answer has a clock to pause
        return
    kontakt.paused_on, kontakt.paused_at, kontakt.pause_orsak = today, now, orsak
    kontakt.next_reminder_on = None
    history.record(
        kontakt.brist,
        HandelseTyp.KLOCKA_PAUSAD,
        {
            "myndighet": kontakt.myndighet.namn,
            "orsak": orsak.value,
            "due": due.isoformat(),
            "days_left": domain.working_days_left(due, today, calendar(today)),
        },
        user,
        today,
        now,
        touches_brist=False,
    )


def _end_pause(kontakt: Kontakt) -> None:
    kontakt.paused_on = kontakt.paused_at = kontakt.pause_orsak = None


def _lock_kontakt(kontakt: Kontakt) -> None:
    """Hold the contact's row and read it again: two clicks at once act one after the other."""
    lock_row(Kontakt, kontakt.id)
    db.session.refresh(kontakt)


def pause_kontakt(
    *, kontakt: Kontakt, user: User, scope: Scope, now: datetime | None = None
) -> None:
    """The ombud waits for the client's consent: the clock to the deadline stands still.

    Only a contact that awaits an answer through links that work can be paused; pausing one
    that is paused already (another ombud, a second click) is refused with the reason.
    """
    scope.require(Operation.WORK_BRISTER, kontakt.brist.verksamhet_id)
    now = now or utcnow()
    _lock_kontakt(kontakt)
    if not kontakt.awaits_answer or kontakt.links_revoked_at is not None:
        raise ValidationError(N_("Kontakten väntar inte på något svar."))
    if kontakt.is_paused:
        raise ValidationError(N_("Svarstiden är redan pausad."))
    _pause(kontakt, PausOrsak.SAMTYCKE, user, now)
    db.session.flush()


def resume_kontakt(
    *,
    kontakt: Kontakt,
    user: User,
    scope: Scope,
    seen_paused_on: date | None = None,
    now: datetime | None = None,
) -> date:
    """The information is sent: the clock runs again with the working days that were left.

    Return the new deadline. The reminders are scheduled again from it (the count of those
    already sent is kept, so a contact is never reminded more than the policy allows).
    `seen_paused_on` is the pause the user's page showed: if the clock was resumed and paused
    again since (another ombud, another request for information), that newer pause is not
    ended on the strength of an old page.
    """
    scope.require(Operation.WORK_BRISTER, kontakt.brist.verksamhet_id)
    now = now or utcnow()
    today = local_today(now)
    _lock_kontakt(kontakt)
    if kontakt.paused_on is None or kontakt.answer_due_on is None:
        raise ValidationError(N_("Svarstiden är inte pausad."))
    if seen_paused_on is not None and seen_paused_on != kontakt.paused_on:
        raise ValidationError(
            N_("Svarstiden har pausats på nytt sedan du läste sidan. Se hur det ser ut nu.")
        )
    work_days = calendar(today)
    paused_on, old_due = kontakt.paused_on, kontakt.answer_due_on
    new_due = domain.resumed_deadline(old_due, paused_on, today, work_days)
    kontakt.answer_due_on = new_due
    kontakt.resumed_on = today
    _end_pause(kontakt)
    if kontakt.links_revoked_at is None and kontakt.answered_at is None:
        kontakt.next_reminder_on = domain.next_paminnelse_on(
            new_due, kontakt.reminders_sent, settings().paminnelser, work_days
        )
    history.record(
        kontakt.brist,
        HandelseTyp.KLOCKA_ATERUPPTAGEN,
        {
            "myndighet": kontakt.myndighet.namn,
            "paused_on": paused_on.isoformat(),
            "to": new_due.isoformat(),
            "days_left": domain.working_days_left(old_due, paused_on, work_days),
        },
        user,
        today,
        now,
        touches_brist=False,
    )
    db.session.flush()
    return new_due


def acknowledge_receipt(
    *, kontakt: Kontakt, handlaggare: str, diarienummer: str, now: datetime | None = None
) -> None:
    """A myndighet confirms receipt ("Mottaget") without answering yet.

    The deadline and the reminders are unchanged: receipt is not an answer. Pressing it
    again with other details (a new handläggare, the diarienummer once known) records them
    as a new history entry; the same details again change nothing. The responsible ombud
    is told by e-mail once, on the first receipt.
    """
    now = now or utcnow()
    refuse_personnummer(handlaggare=handlaggare, diarienummer=diarienummer)
    handlaggare, diarienummer = handlaggare.strip(), diarienummer.strip()
    _lock_kontakt(kontakt)
    if kontakt.acknowledged_at is not None and (
        kontakt.acknowledged_handlaggare,
        kontakt.acknowledged_diarienummer,
    ) == (handlaggare, diarienummer):
        return
    kontakt.acknowledged_at = kontakt.acknowledged_at or now
    kontakt.acknowledged_handlaggare = handlaggare
    kontakt.acknowledged_diarienummer = diarienummer
    brist = kontakt.brist
    history.record(
        brist,
        HandelseTyp.MOTTAGET,
        {
            "myndighet": kontakt.myndighet.namn,
            "handlaggare": handlaggare or None,
            "diarienummer": diarienummer or None,
        },
        None,
        local_today(now),
        now,
        touches_brist=False,
    )
    db.session.flush()
    enqueue(
        key=f"svar:mottaget:{kontakt.id}",
        to=[brist.ansvarig.email],
        subject=f"Mottaget av {kontakt.myndighet.namn}: {brist.nummer}",
        template="receipt",
        context={"kontakt": kontakt},
        now=now,
        verksamhet=brist.verksamhet,
    )


# --- Efterkontroll: did the fix last? ----------------------------------------------------------

# The reason the reopening carries in the brist's history (the EFTERKONTROLL entry before it
# holds the facts and the link to the closing).
RETURNED_REASON = "Bristen har återkommit efter åtgärden (efterkontroll)."


def start_efterkontroll(*, brist: Brist, now: datetime | None = None) -> Efterkontroll | None:
    """Schedule the check of a brist just closed as åtgärdad; nothing for other outcomes.

    Counted from the day of the closing (a ledningsgrupp's decision: the day of its meeting).
    """
    if brist.utfall is None or not domain.needs_efterkontroll(brist.utfall):
        return None
    closing_id = _latest_closing_id(brist.id)
    closing = db.session.get(Handelse, closing_id) if closing_id is not None else None
    if closing is None:
        return None
    months = current_app.config["EFTERKONTROLL_MONTHS"]
    closed_on = closing.happened_on
    kontroll = Efterkontroll(
        brist=brist,
        stangd_handelse_id=closing.id,
        closed_on=closed_on,
        utfall=brist.utfall,
        due_on=domain.efterkontroll_due_on(closed_on, months, calendar(closed_on)),
        created_at=now or utcnow(),
    )
    db.session.add(kontroll)
    db.session.flush()
    return kontroll


def _latest_closing_id(brist_id: int) -> int | None:
    return db.session.scalar(
        select(func.max(Handelse.id)).where(
            Handelse.brist_id == brist_id, Handelse.typ == HandelseTyp.STANGD
        )
    )


def is_current(kontroll: Efterkontroll) -> bool:
    """Does the check still apply: the brist is closed, by the closing the check is about?"""
    return kontroll.brist.is_closed and kontroll.stangd_handelse_id == _latest_closing_id(
        kontroll.brist_id
    )


def record_efterkontroll(
    *,
    kontroll: Efterkontroll,
    user: User,
    scope: Scope,
    svar: EfterkontrollSvar,
    now: datetime | None = None,
) -> None:
    """The ombud answers "Håller åtgärden?"; "Den har återkommit" reopens the brist.

    The reopened brist is marked for the ledningsgrupp (Brist.marked_for_group_at, a brister
    flag the agenda rules read), so it is on the next dagordning. The same answer sent twice
    is taken once.
    """
    brist = kontroll.brist
    scope.require(Operation.WORK_BRISTER, brist.verksamhet_id)
    now = now or utcnow()
    today = local_today(now)
    if kontroll.answered_at is not None:
        if kontroll.svar == svar:
            return
        raise ValidationError(N_("Kontrollen är redan besvarad."))
    if not is_current(kontroll):
        raise ValidationError(
            N_("Bristen har öppnats igen sedan den stängdes. Kontrollen gäller inte längre.")
        )
    if today < kontroll.due_on:
        raise ValidationError(
            N_("Kontrollen görs från och med %(day)s."), params={"day": kontroll.due_on}
        )
    claimed = rows_changed(
        update(Efterkontroll)
        .where(Efterkontroll.id == kontroll.id, Efterkontroll.answered_at.is_(None))
        .values(answered_at=now, answered_by_id=user.id, svar=svar)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(kontroll, ["answered_at", "answered_by_id", "svar"])
    if claimed != 1:
        raise ValidationError(N_("Kontrollen är redan besvarad."))
    history.record(
        brist,
        HandelseTyp.EFTERKONTROLL,
        {
            "svar": svar.value,
            "closed_on": kontroll.closed_on.isoformat(),
            "handelse_id": kontroll.stangd_handelse_id,
        },
        user,
        today,
        now,
        touches_brist=False,
    )
    if svar == EfterkontrollSvar.ATERKOMMIT:
        brister_services.reopen_brist(
            brist=brist,
            user=user,
            scope=scope,
            reason=RETURNED_REASON,
            expected_version=brist.version,
            now=now,
        )
        if brist.marked_for_group_at is None:
            brist.marked_for_group_at = now
            history.record(
                brist, HandelseTyp.TAS_UPP_I_LEDNINGSGRUPP, {"marked": True}, user, today, now
            )
    db.session.flush()
