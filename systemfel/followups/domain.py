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
