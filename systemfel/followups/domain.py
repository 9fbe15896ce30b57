"""Working days, the next follow-up date, answer deadlines, reminders and office hours.

Plain functions on plain values. Working days and office hours live in `systemfel.workdays`
(the outbox needs them too); they are imported here for the follow-up rules.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from systemfel.brister.domain import Niva, Utfall
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
    return working_days_between(on, answer_due_on, calendar)


def working_days_between(after: date, through: date, calendar: WorkCalendar) -> int:
    """The working days after `after` up to and including `through` (0 if none)."""
    return sum(
        1
        for offset in range(1, (through - after).days + 1)
        if calendar.is_working_day(after + timedelta(days=offset))
    )


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
    """The day the next reminder is due by the plan; None when every reminder has been sent.

    The plan is `paminnelse_plan`: the myndighet has the whole deadline day, so the first
    reminder is due on the first working day after it; each further one is due
    `interval_working_days` working days after the day the one before it was due.
    """
    plan = paminnelse_plan(answer_due_on, policy, calendar)
    return plan[paminnelser_sent].end if paminnelser_sent < len(plan) else None


def following_paminnelse_on(
    answer_due_on: date,
    paminnelser_written: int,
    written_on: date,
    policy: PaminnelsePolicy,
    calendar: WorkCalendar,
) -> date | None:
    """The day the next reminder is due, once reminder number `paminnelser_written` is written.

    The rule (issue 14, defect 5): reminders follow the plan counted from the deadline, not
    from when a reminder reached the myndighet, so a mail outage that holds a reminder in the
    outbox for days does not push the next one later. Only when a reminder is *written* late
    (the scheduler was down past its day) does the next one wait a full interval after it,
    so a myndighet never gets two reminders closer than the interval.
    """
    planned = next_paminnelse_on(answer_due_on, paminnelser_written, policy, calendar)
    if planned is None:
        return None
    return max(planned, calendar.add_working_days(written_on, policy.interval_working_days))


@dataclass(frozen=True)
class Rakning:
    """A count of working days, as a reader can check it: from `start`, `working_days` on.

    `skipped` are the holidays on a Monday to Friday that the count passed over, with their
    names ("Kristi himmelsfärdsdag"); weekends are never counted and are not listed.
    """

    start: date
    working_days: int
    end: date
    skipped: tuple[tuple[date, str], ...]


def rakning(start: date, end: date, calendar: WorkCalendar) -> Rakning:
    """Explain how `end` lies from `start`: the working days after `start` up to `end`."""
    days = working_days_between(start, end, calendar)
    return Rakning(start, days, end, calendar.weekday_holidays(start, end))


def paminnelse_plan(
    answer_due_on: date, policy: PaminnelsePolicy, calendar: WorkCalendar
) -> tuple[Rakning, ...]:
    """Every reminder's day, each counted from the day before it: the deadline, then the last.

    The first is 1 working day after the deadline, each further one `interval_working_days`
    after the one before. After the last one, escalation is proposed.
    """
    plan: list[Rakning] = []
    start = answer_due_on
    for number in range(policy.max_paminnelser):
        count = 1 if number == 0 else policy.interval_working_days
        end = calendar.add_working_days(start, count)
        plan.append(Rakning(start, count, end, calendar.weekday_holidays(start, end)))
        start = end
    return tuple(plan)


def escalation_proposed(paminnelser_sent: int, policy: PaminnelsePolicy) -> bool:
    """After the last reminder goes unanswered, escalation is proposed."""
    return paminnelser_sent >= policy.max_paminnelser


# --- Promises: an "åtgärd utlovad" answer with a date ------------------------------------------
#
# What follows from a broken promise (issue 14, item 10): the brist page says "Utlovad åtgärd
# inte genomförd", the ombud's digest lists it (broken_promise_needs_attention), and the brist
# goes on the ledningsgrupp's next dagordning (meetings' Skal.LOFTE_PASSERAT). It does NOT raise
# the escalation proposal again: Brist.escalation_proposed_at means "the reminders went
# unanswered", and this myndighet did answer; the group, seeing the broken promise on its
# agenda, decides whether to escalate.

# Closings that count as the promised action done (and that get an efterkontroll later).
FIXED_UTFALL = frozenset({Utfall.ATGARDAD, Utfall.DELVIS_ATGARDAD})


class PromiseState(StrEnum):
    """Where a myndighet's promise stands.

    PENDING: its date has not passed. KEPT: fixed in time. BROKEN: the date passed without
    the fix. SUPERSEDED: the same myndighet gave a new promise for the brist before this one
    was broken. LAPSED: the brist was closed in time, but not as åtgärdad (neither kept nor
    broken: the promise no longer had anything to keep).
    """

    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"
    SUPERSEDED = "superseded"
    LAPSED = "lapsed"

    @property
    def label(self) -> str:
        """Return where the promise stands, in Swedish."""
        return PROMISE_LABELS[self]


PROMISE_LABELS = {
    PromiseState.PENDING: N_("Datumet har inte passerat"),
    PromiseState.KEPT: N_("Hållet"),
    PromiseState.BROKEN: N_("Brutet"),
    PromiseState.SUPERSEDED: N_("Ersatt av ett nytt löfte"),
    PromiseState.LAPSED: N_("Bristen stängdes på annat sätt"),
}


def promise_broken_on(promised_on: date, calendar: WorkCalendar) -> date:
    """The day an unkept promise counts as broken: the first working day after its date.

    The myndighet has the whole promised day (as with an answer's deadline, see
    `next_paminnelse_on`), and a promise dated on a weekend or a holiday has until the end of
    the next working day's eve: nobody is flagged on a day off.
    """
    return calendar.add_working_days(promised_on, 1)


def promise_state(
    promised_on: date,
    *,
    fixed_on: date | None,
    ended_on: date | None,
    superseded_on: date | None,
    today: date,
    calendar: WorkCalendar,
) -> PromiseState:
    """Return where a promise stands on `today`. Pure: the caller gathers the days.

    `fixed_on`: the first day, after the promise was given, the brist was closed as åtgärdad
    or delvis åtgärdad (FIXED_UTFALL), or the same myndighet answered "Åtgärdat" (its own
    word that it did what it promised; the agenda then proposes closing). `ended_on`: the
    first such day the brist was closed with another outcome. `superseded_on`: the day the
    same myndighet gave a newer promise. Whichever of these comes first before the promise
    is broken decides (a fix on the same day as a new promise counts as the fix); one that
    comes later changes nothing: a broken promise stays broken, even if the brist is fixed
    afterwards or a new date is promised.
    """
    broken_on = promise_broken_on(promised_on, calendar)
    endings = [
        (day, rank, state)
        for day, rank, state in (
            (fixed_on, 0, PromiseState.KEPT),
            (ended_on, 1, PromiseState.LAPSED),
            (superseded_on, 2, PromiseState.SUPERSEDED),
        )
        if day is not None and day < broken_on and day <= today
    ]
    if endings:
        return min(endings, key=lambda ending: (ending[0], ending[1]))[2]
    return PromiseState.BROKEN if today >= broken_on else PromiseState.PENDING


def broken_promise_needs_attention(
    broken_on: date, bevakning_recorded_on: date | None, today: date
) -> bool:
    """Does the ombud's digest still list a broken promise?

    Every working day from the day it breaks until the ombud records a bevakning of the brist
    (on or after that day): the digest reminds until someone has looked, not just once.
    """
    return broken_on <= today and (
        bevakning_recorded_on is None or bevakning_recorded_on < broken_on
    )


# --- Efterkontroll: did the fix last? ----------------------------------------------------------

DEFAULT_EFTERKONTROLL_MONTHS = 3


class EfterkontrollSvar(StrEnum):
    """The ombud's answer to "Håller åtgärden?"."""

    HALLER = "haller"
    ATERKOMMIT = "aterkommit"

    @property
    def label(self) -> str:
        """Return the answer as the ombud clicks it."""
        return EFTERKONTROLL_LABELS[self]


EFTERKONTROLL_LABELS = {
    EfterkontrollSvar.HALLER: N_("Bristen har inte återkommit"),
    EfterkontrollSvar.ATERKOMMIT: N_("Den har återkommit"),
}


def add_months(day: date, months: int) -> date:
    """The same day `months` later; past the month's end, its last day (30 Nov + 3 = 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def needs_efterkontroll(utfall: Utfall | None) -> bool:
    """Only a brist closed as åtgärdad or delvis åtgärdad is checked later."""
    return utfall in FIXED_UTFALL


def efterkontroll_due_on(closed_on: date, months: int, calendar: WorkCalendar) -> date:
    """The day to ask whether the fix lasted: `months` after closing, on a working day."""
    return calendar.on_or_after(add_months(closed_on, months))


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
