"""Working days, the next follow-up date, answer deadlines, reminders and office hours.

Plain functions on plain values. Working days and office hours live in `systemfel.workdays`
(the outbox needs them too); they are imported here for the follow-up rules.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from systemfel.brister.domain import Niva
from systemfel.i18n import N_
from systemfel.verksamheter.domain import Sammandrag
from systemfel.workdays import (  # noqa: F401 - part of the follow-up rules' vocabulary
    OFFICE_CLOSES,
    OFFICE_OPENS,
    WorkCalendar,
    is_office_hours,
    swedish_calendar,
)

# Days from the last follow-up to the next, by level, unless config says otherwise.
DEFAULT_INTERVAL_DAYS = {Niva.HANDLAGGARE: 14, Niva.LOKAL: 30, Niva.CENTRAL: 90}


def next_bevakning(
    last: date, niva: Niva, interval_days: dict[Niva, int], calendar: WorkCalendar
) -> date:
    """Propose the next follow-up: the level's interval after `last`, on a working day."""
    return calendar.on_or_after(last + timedelta(days=interval_days[niva]))


class Kanal(StrEnum):
    """How a brist was raised with a myndighet."""

    EPOST = "epost"
    BREV = "brev"
    MOTE = "mote"
    TELEFON = "telefon"

    @property
    def label(self) -> str:
        """Return the Swedish name of the channel."""
        return KANAL_LABELS[self]


KANAL_LABELS = {
    Kanal.EPOST: N_("E-post"),
    Kanal.BREV: N_("Brev"),
    Kanal.MOTE: N_("Möte"),
    Kanal.TELEFON: N_("Telefon"),
}


class SvarTyp(StrEnum):
    """What a myndighet answered."""

    MOTTAGET = "mottaget"
    ATGARD_UTLOVAD = "atgard_utlovad"
    ATGARDAT = "atgardat"
    EJ_VART_ANSVAR = "ej_vart_ansvar"
    AVVISAT = "avvisat"

    @property
    def label(self) -> str:
        """Return the Swedish name of the kind of answer."""
        return SVAR_LABELS[self]


SVAR_LABELS = {
    SvarTyp.MOTTAGET: N_("Mottaget – vi återkommer"),
    SvarTyp.ATGARD_UTLOVAD: N_("Åtgärd utlovad"),
    SvarTyp.ATGARDAT: N_("Åtgärdat"),
    SvarTyp.EJ_VART_ANSVAR: N_("Inte vårt ansvar"),
    SvarTyp.AVVISAT: N_("Avvisat"),
}


@dataclass(frozen=True)
class PaminnelsePolicy:
    """When a late answer is reminded about, and how often."""

    interval_working_days: int = 10
    max_paminnelser: int = 2


def next_paminnelse_on(
    answer_due_on: date, paminnelser_sent: int, policy: PaminnelsePolicy, calendar: WorkCalendar
) -> date | None:
    """The day the next reminder is due; None when every reminder has been sent.

    The myndighet has the whole deadline day: the first reminder is due on the first working
    day after it. Each further one is due `interval_working_days` working days after the day
    the one before it was due, counted from the deadline and not from when a reminder was
    actually sent, so a reminder held up by a mail outage does not push the next one later.
    """
    if paminnelser_sent >= policy.max_paminnelser:
        return None
    first = calendar.add_working_days(answer_due_on, 1)
    return calendar.add_working_days(first, policy.interval_working_days * paminnelser_sent)


def escalation_proposed(paminnelser_sent: int, policy: PaminnelsePolicy) -> bool:
    """After the last reminder goes unanswered, escalation is proposed."""
    return paminnelser_sent >= policy.max_paminnelser


# --- One letter per myndighet (myndighetsbrev) --------------------------------------------


def sammandrag_period(day: date, sammandrag: Sammandrag) -> str:
    """Name the period `day` belongs to: its ISO week ("2026-W53") or its month ("2026-12").

    The ISO week keeps a week whole across a year end: 31 December 2026 and 1 January 2027
    both belong to 2026-W53, so that week has one letter, not two.
    """
    if sammandrag == Sammandrag.MANADSVIS:
        return f"{day.year:04d}-{day.month:02d}"
    if sammandrag == Sammandrag.VECKOVIS:
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    raise ValueError("a myndighet without letters has no period")


def period_start(day: date, sammandrag: Sammandrag) -> date:
    """The first calendar day of the period `day` belongs to (a Monday, or the 1st)."""
    if sammandrag == Sammandrag.MANADSVIS:
        return day.replace(day=1)
    if sammandrag == Sammandrag.VECKOVIS:
        return day - timedelta(days=day.weekday())
    raise ValueError("a myndighet without letters has no period")


def period_end(day: date, sammandrag: Sammandrag) -> date:
    """The last calendar day of the period `day` belongs to (a Sunday, or the month's last)."""
    start = period_start(day, sammandrag)
    if sammandrag == Sammandrag.MANADSVIS:
        following = (start + timedelta(days=32)).replace(day=1)
        return following - timedelta(days=1)
    return start + timedelta(days=6)


def sammandrag_day(day: date, sammandrag: Sammandrag, calendar: WorkCalendar) -> date | None:
    """The day the letter of `day`'s period is due: the period's first working day.

    A Monday that is a holiday (annandag påsk, annandag pingst) moves the weekly letter to
    the Tuesday; New Year's Day moves the monthly one to 2 January or later. None for a
    myndighet without letters, or a period with no working day at all.
    """
    if sammandrag == Sammandrag.AV:
        return None
    first = calendar.on_or_after(period_start(day, sammandrag))
    return first if first <= period_end(day, sammandrag) else None


def sammandrag_due(today: date, sammandrag: Sammandrag, calendar: WorkCalendar) -> bool:
    """Is the period's letter due on `today`: on its day, or later in the same period?

    A letter not written on its day (the scheduler was down) is written on the next working
    day of the same period; it never spills into the next period, which has its own letter.
    The idempotency key per myndighet and period keeps it to one letter either way.
    """
    due_on = sammandrag_day(today, sammandrag, calendar)
    return due_on is not None and due_on <= today and calendar.is_working_day(today)


@dataclass(frozen=True)
class OppenFraga:
    """A request awaiting a myndighet's answer, as plain values (one line of a letter)."""

    kontakt_id: int
    myndighet_id: int
    nummer: str
    titel: str
    contacted_on: date
    sent_on: date  # the day, in Stockholm, the request e-mail was written
    answer_due_on: date
    reminders_sent: int
    next_reminder_on: date | None

    def is_overdue(self, today: date) -> bool:
        """The whole deadline day has passed without an answer."""
        return self.answer_due_on < today

    def reminder_due(self, today: date) -> bool:
        """A reminder of this request is due: the letter that lists it counts as that reminder."""
        return self.next_reminder_on is not None and self.next_reminder_on <= today


def myndighetsbrev_rader(
    fragor: list[OppenFraga], digest_days: dict[int, date]
) -> dict[int, list[OppenFraga]]:
    """Group open requests into one letter per myndighet whose letter is due.

    `digest_days` maps each myndighet whose letter is due to its period's letter day. A
    letter lists every open request sent before that day; one sent on the day itself or
    later has just had its own e-mail and waits for the next letter. So what a letter lists
    does not depend on which day of the period the scheduler gets to it. Lines are ordered
    by deadline, the most overdue first; a myndighet with nothing to list gets no letter.
    """
    grouped: dict[int, list[OppenFraga]] = {}
    for fraga in fragor:
        letter_day = digest_days.get(fraga.myndighet_id)
        if letter_day is not None and fraga.sent_on < letter_day:
            grouped.setdefault(fraga.myndighet_id, []).append(fraga)
    for rader in grouped.values():
        rader.sort(key=lambda fraga: (fraga.answer_due_on, fraga.kontakt_id))
    return grouped


def reminded_alone(sammandrag: Sammandrag) -> bool:
    """Are a myndighet's requests reminded of one by one (else only in its letters)?

    A myndighet with letters gets no separate reminders: each letter lists every open
    request, and for each one whose reminder is due (`OppenFraga.reminder_due`) the letter
    is that reminder. It is claimed and counted like one (reminders_sent + 1, a påminnelse
    in the brist's history), so after the last unanswered one escalation is proposed just as
    with separate reminders. A reminder falling due mid-period waits for the next letter.
    The request's own first e-mail is always sent alone, whatever the setting.
    """
    return sammandrag == Sammandrag.AV
