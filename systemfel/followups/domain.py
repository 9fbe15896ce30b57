"""Working days, the next follow-up date, answer deadlines, reminders and office hours.

Plain functions on plain values. Working days and office hours live in `systemfel.workdays`
(the outbox needs them too); they are imported here for the follow-up rules.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from systemfel.brister.domain import Niva
from systemfel.i18n import N_
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
    """What a myndighet answered.

    MOTTAGET is no longer offered as an answer: receipt is an acknowledgement of its own
    (`Kontakt.acknowledged_at`), which leaves the deadline and the reminders running. The
    value stays so that answers stored before that still read. BEGAR_KOMPLETTERING asks the
    ombud for more information: it is not the answer, and it pauses the clock.
    """

    MOTTAGET = "mottaget"
    BEGAR_KOMPLETTERING = "begar_komplettering"
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
    SvarTyp.BEGAR_KOMPLETTERING: N_("Begär komplettering"),
    SvarTyp.ATGARD_UTLOVAD: N_("Åtgärd utlovad"),
    SvarTyp.ATGARDAT: N_("Åtgärdat"),
    SvarTyp.EJ_VART_ANSVAR: N_("Inte vårt ansvar"),
    SvarTyp.AVVISAT: N_("Avvisat"),
}


# The kinds a myndighet can choose on the answer page today (MOTTAGET only reads old rows).
OFFERED_SVAR = tuple(t for t in SvarTyp if t != SvarTyp.MOTTAGET)


class PausOrsak(StrEnum):
    """Why the clock to a contact's answer deadline stands still."""

    KOMPLETTERING = "komplettering"  # the myndighet asked for more information
    SAMTYCKE = "samtycke"  # the ombud waits for the client's consent

    @property
    def label(self) -> str:
        """Return the Swedish name of the cause."""
        return PAUS_LABELS[self]


PAUS_LABELS = {
    PausOrsak.KOMPLETTERING: N_("Myndigheten har begärt komplettering"),
    PausOrsak.SAMTYCKE: N_("Väntar på klientens samtycke"),
}


def working_days_left(answer_due_on: date, on: date, calendar: WorkCalendar) -> int:
    """Working days the myndighet has left on `on`: those after `on` up to the deadline.

    The day itself counts as used (the clock is paused on the day the request for more
    information came); the deadline day counts as the myndighet's, as everywhere else. On or
    after the deadline nothing is left.
    """
    left, day = 0, on
    while day < answer_due_on:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            left += 1
    return left


def resumed_deadline(
    answer_due_on: date, paused_on: date, resumed_on: date, calendar: WorkCalendar
) -> date:
    """The deadline after a pause: the resume day plus the working days that were left.

    A pause stops the clock: the working days left on the day it was paused are given again
    from the day it resumes. At least one working day is given, so that a myndighet that
    asked for more information on (or after) its deadline day still has a whole working day
    after the information came.
    """
    left = max(working_days_left(answer_due_on, paused_on, calendar), 1)
    return calendar.add_working_days(resumed_on, left)


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
