"""The rules of ledningsgrupp meetings: statuses, what goes on the agenda and why, decisions."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from systemfel.brister.domain import Niva, Utfall, next_level
from systemfel.followups.domain import SvarTyp
from systemfel.i18n import N_
from systemfel.verksamheter.domain import Operation
from systemfel.workdays import WorkCalendar


class GruppTyp(StrEnum):
    """A working group meets on the brister; a strategic one steers the service."""

    ARBETANDE = "arbetande"
    STRATEGISK = "strategisk"

    @property
    def label(self) -> str:
        """Return the Swedish name of the kind of group."""
        return GRUPP_LABELS[self]


GRUPP_LABELS = {
    GruppTyp.ARBETANDE: N_("Arbetande ledningsgrupp"),
    GruppTyp.STRATEGISK: N_("Strategisk ledningsgrupp"),
}


class MotesStatus(StrEnum):
    """Where a meeting is: planned, agenda settled, held, minutes approved."""

    PLANERAT = "planerat"
    DAGORDNING_FASTSTALLD = "dagordning_faststalld"
    GENOMFORT = "genomfort"
    PROTOKOLL_JUSTERAT = "protokoll_justerat"

    @property
    def label(self) -> str:
        """Return the Swedish name of the status."""
        return MOTES_STATUS_LABELS[self]


MOTES_STATUS_LABELS = {
    MotesStatus.PLANERAT: N_("Planerat"),
    MotesStatus.DAGORDNING_FASTSTALLD: N_("Dagordning fastställd"),
    MotesStatus.GENOMFORT: N_("Genomfört"),
    MotesStatus.PROTOKOLL_JUSTERAT: N_("Protokoll justerat"),
}


class MoteRefused(ValueError):
    """A step the meeting's status does not allow; the message is for the user."""


def has_started(starts_at: datetime, now: datetime) -> bool:
    """Has the meeting begun? Its minutes, decisions and justering wait for its start.

    Both times are aware; the comparison is of instants, so a DST change between them
    does not move the boundary. The start minute itself counts as started.
    """
    return now >= starts_at


def check_started(starts_at: datetime, now: datetime) -> None:
    """Refuse minutes, decisions and justering before the meeting has started.

    Before the start nothing has been decided: a brist must not be closed or escalated by a
    meeting that has not happened (issue 13).
    """
    if not has_started(starts_at, now):
        raise MoteRefused(NOT_STARTED)


NOT_STARTED = N_(
    "Mötet har inte börjat än. Protokollet kan sparas, besluten verkställas och protokollet "
    "justeras först när mötet har börjat."
)


def check_dagordning_editable(status: MotesStatus) -> None:
    """Only a planned meeting's agenda may change; a fastställd agenda is a record."""
    if status != MotesStatus.PLANERAT:
        raise MoteRefused(N_("Dagordningen är fastställd och kan inte ändras."))


def check_protokoll_editable(status: MotesStatus) -> None:
    """Minutes are written once the agenda is settled, and locked by justering."""
    if status == MotesStatus.PLANERAT:
        raise MoteRefused(N_("Fastställ dagordningen innan protokollet skrivs."))
    if status == MotesStatus.PROTOKOLL_JUSTERAT:
        raise MoteRefused(N_("Protokollet är justerat och kan inte ändras."))


def check_decisions_open(status: MotesStatus) -> None:
    """Decisions are applied once, when the minutes are saved as held."""
    check_protokoll_editable(status)
    if status == MotesStatus.GENOMFORT:
        raise MoteRefused(
            N_("Besluten är redan verkställda. Bara anteckningarna kan ändras före justering.")
        )


def check_justering(status: MotesStatus) -> None:
    """Minutes are approved after the meeting is held, and only once."""
    if status == MotesStatus.PROTOKOLL_JUSTERAT:
        raise MoteRefused(N_("Protokollet är redan justerat."))
    if status != MotesStatus.GENOMFORT:
        raise MoteRefused(N_("Spara protokollet med besluten innan det justeras."))


class Sektion(StrEnum):
    """The parts of an agenda, in the order they are taken."""

    OPPNING = "oppning"
    NYA = "nya"
    UPPFOLJNING = "uppfoljning"
    FORSLAG = "forslag"
    OVERFORDA = "overforda"
    STAENDE = "staende"
    AVSLUTNING = "avslutning"

    @property
    def label(self) -> str:
        """Return the Swedish heading of the section."""
        return SEKTION_LABELS[self]

    @property
    def rank(self) -> int:
        """Return the section's place on the agenda."""
        return list(Sektion).index(self)


SEKTION_LABELS = {
    Sektion.OPPNING: N_("Inledning"),
    Sektion.NYA: N_("Nya brister"),
    Sektion.UPPFOLJNING: N_("Bevakning av tidigare brister"),
    Sektion.FORSLAG: N_("Förslag till eskalering och avslut"),
    Sektion.OVERFORDA: N_("Överförda från föregående möte"),
    Sektion.STAENDE: N_("Stående punkter"),
    Sektion.AVSLUTNING: N_("Avslutning"),
}


class Skal(StrEnum):
    """Why an item is on the proposed agenda."""

    NY = "ny"
    MARKERAD = "markerad"
    BEVAKNING_FORFALLEN = "bevakning_forfallen"
    SVAR_INKOMMET = "svar_inkommet"
    LOFTE_PASSERAT = "lofte_passerat"
    ATERKOMMEN = "aterkommen"
    ESKALERING = "eskalering"
    AVSLUT = "avslut"
    OVERFORD = "overford"

    @property
    def label(self) -> str:
        """Return the reason as the agenda shows it."""
        return SKAL_LABELS[self]


SKAL_LABELS = {
    Skal.NY: N_("ny sedan föregående möte"),
    Skal.MARKERAD: N_("ombud vill ta upp den i ledningsgruppen"),
    Skal.BEVAKNING_FORFALLEN: N_("bevakning förfallen"),
    Skal.SVAR_INKOMMET: N_("svar inkommet"),
    Skal.LOFTE_PASSERAT: N_("utlovad åtgärd inte genomförd"),
    Skal.ATERKOMMEN: N_("åtgärden höll inte — bristen har återkommit"),
    Skal.ESKALERING: N_("påminnelser obesvarade — föreslås eskalering"),
    Skal.AVSLUT: N_("myndigheten anger att bristen är åtgärdad — föreslås avslut"),
    Skal.OVERFORD: N_("inte behandlad vid föregående möte"),
}


class BeslutTyp(StrEnum):
    """The decision the ledningsgrupp takes on a brist."""

    INFORMATION = "information"
    ATGARD = "atgard"
    ESKALERA = "eskalera"
    AVSLUTA = "avsluta"
    BEVAKA = "bevaka"
    # Pass a central-nivå brist on to a strategic body outside the group (see OrganTyp).
    LYFTA = "lyfta"

    @property
    def label(self) -> str:
        """Return the Swedish name of the decision."""
        return BESLUT_LABELS[self]


BESLUT_LABELS = {
    BeslutTyp.INFORMATION: N_("Information, inget beslut"),
    BeslutTyp.ATGARD: N_("Åtgärd"),
    BeslutTyp.ESKALERA: N_("Eskalera"),
    BeslutTyp.AVSLUTA: N_("Avsluta"),
    BeslutTyp.BEVAKA: N_("Bevaka"),
    BeslutTyp.LYFTA: N_("Lyft till strategiskt organ"),
}


class OrganTyp(StrEnum):
    """The kind of strategic body a central-nivå brist is lifted to, beyond the ledningsgrupp."""

    STRATEGISK_LEDNINGSGRUPP = "strategisk_ledningsgrupp"
    SAMORDNINGSFORBUND = "samordningsforbund"
    LANSSTYRELSEN = "lansstyrelsen"
    NATIONELL_MYNDIGHET = "nationell_myndighet"
    ANNAT = "annat"

    @property
    def label(self) -> str:
        """Return the Swedish name of the kind of body."""
        return ORGAN_LABELS[self]


ORGAN_LABELS = {
    OrganTyp.STRATEGISK_LEDNINGSGRUPP: N_("Strategisk ledningsgrupp"),
    OrganTyp.SAMORDNINGSFORBUND: N_("Samordningsförbund"),
    OrganTyp.LANSSTYRELSEN: N_("Länsstyrelsen"),
    OrganTyp.NATIONELL_MYNDIGHET: N_("Nationell myndighets centrala kontakt"),
    OrganTyp.ANNAT: N_("Annat organ"),
}

# Which section a brist lands in: the first of its reasons in this order decides.
SECTION_OF_REASON: dict[Skal, Sektion] = {
    Skal.ESKALERING: Sektion.FORSLAG,
    Skal.AVSLUT: Sektion.FORSLAG,
    Skal.OVERFORD: Sektion.OVERFORDA,
    Skal.ATERKOMMEN: Sektion.UPPFOLJNING,
    Skal.BEVAKNING_FORFALLEN: Sektion.UPPFOLJNING,
    Skal.SVAR_INKOMMET: Sektion.UPPFOLJNING,
    Skal.LOFTE_PASSERAT: Sektion.UPPFOLJNING,
    Skal.NY: Sektion.NYA,
    Skal.MARKERAD: Sektion.NYA,
}

# The decision proposed for a brist, by the reason that placed it.
PROPOSED_DECISION: dict[Skal, BeslutTyp | None] = {
    Skal.ESKALERING: BeslutTyp.ESKALERA,
    Skal.AVSLUT: BeslutTyp.AVSLUTA,
    Skal.OVERFORD: None,
    Skal.ATERKOMMEN: BeslutTyp.BEVAKA,
    Skal.BEVAKNING_FORFALLEN: BeslutTyp.BEVAKA,
    Skal.SVAR_INKOMMET: BeslutTyp.BEVAKA,
    Skal.LOFTE_PASSERAT: BeslutTyp.BEVAKA,
    Skal.NY: BeslutTyp.INFORMATION,
    Skal.MARKERAD: BeslutTyp.INFORMATION,
}

# Brister new since the previous meeting are put before the group from these levels;
# handläggare-level brister reach it only when an ombud marks them.
NEW_LEVELS = frozenset({Niva.LOKAL, Niva.CENTRAL})

# A group's first meeting looks back this far for new brister.
FIRST_MOTE_LOOKBACK = timedelta(days=365)

# Fixed items: (key, section, heading). Headings are msgids, translated when shown.
OPENING_PUNKTER = (
    ("oppnande", N_("Mötets öppnande")),
    ("justerare", N_("Val av justerare")),
    ("foregaende_protokoll", N_("Föregående mötes protokoll")),
)
CLOSING_PUNKTER = (
    ("ovriga_fragor", N_("Övriga frågor")),
    ("nasta_mote", N_("Nästa möte")),
    ("avslutning", N_("Mötets avslutning")),
)


@dataclass(frozen=True)
class BristLage:
    """What the agenda rules know of one open or closed brist of the group's verksamheter."""

    brist_id: int
    niva: Niva
    registered_on: date
    is_closed: bool = False
    marked_for_group: bool = False
    # On a fastställd agenda of this group before.
    discussed_before: bool = False
    bevakning_due_on: date | None = None
    last_answer_on: date | None = None
    last_answer_typ: SvarTyp | None = None
    promised_on: date | None = None
    escalation_proposed: bool = False
    # The day its latest broken promise broke, by the meeting's day (followups.domain's
    # promise_state): a myndighet's "åtgärd utlovad" whose date passed unfixed.
    promise_broken_on: date | None = None
    # The day the ombud answered the efterkontroll "Den har återkommit": the fix did not last.
    fix_returned_on: date | None = None


@dataclass(frozen=True)
class CarriedPunkt:
    """An item the previous meeting did not deal with."""

    key: str
    rubrik: str
    brist_id: int | None = None


@dataclass(frozen=True)
class DagordningInput:
    """Everything the rules look at to propose an agenda."""

    mote_on: date
    previous_mote_on: date | None
    brister: Sequence[BristLage]
    carried_over: Sequence[CarriedPunkt] = ()
    standing_punkter: Sequence[str] = ()


@dataclass(frozen=True)
class ProposedPunkt:
    """One item of a proposed agenda, with why it is there and the decision proposed."""

    key: str
    sektion: Sektion
    rubrik: str = ""
    brist_id: int | None = None
    skal: tuple[Skal, ...] = ()
    forslag: BeslutTyp | None = None


def brist_key(brist_id: int) -> str:
    """Return the key of a brist's item: one item per brist on an agenda."""
    return f"brist:{brist_id}"


def standing_key(text: str) -> str:
    """Return the key of a standing item, so renaming it makes a new one."""
    return "staende:" + " ".join(text.split()).casefold()


def reasons_for(
    brist: BristLage, dagordning: DagordningInput, carried: frozenset[int]
) -> tuple[Skal, ...]:
    """Return why a brist belongs on the agenda, in the order of SECTION_OF_REASON."""
    if brist.is_closed:
        return ()
    since = dagordning.previous_mote_on
    found: set[Skal] = set()
    if brist.escalation_proposed:
        found.add(Skal.ESKALERING)
    if brist.last_answer_typ == SvarTyp.ATGARDAT and _after(brist.last_answer_on, since):
        found.add(Skal.AVSLUT)
    if brist.brist_id in carried:
        found.add(Skal.OVERFORD)
    if brist.discussed_before:
        if brist.bevakning_due_on is not None and brist.bevakning_due_on <= dagordning.mote_on:
            found.add(Skal.BEVAKNING_FORFALLEN)
        if _after(brist.last_answer_on, since):
            found.add(Skal.SVAR_INKOMMET)
    elif brist.niva in NEW_LEVELS and _is_new(brist, dagordning):
        found.add(Skal.NY)
    # A promise broken since the previous meeting: on the agenda whether discussed before or
    # not (issue 14: "the brist goes on the next ledningsgrupp agenda").
    if (
        brist.promise_broken_on is not None
        and brist.promise_broken_on <= dagordning.mote_on
        and _after(brist.promise_broken_on, since)
    ):
        found.add(Skal.LOFTE_PASSERAT)
    # A fix that did not last, found since the previous meeting (the efterkontroll reopened it).
    if (
        brist.fix_returned_on is not None
        and brist.fix_returned_on <= dagordning.mote_on
        and _after(brist.fix_returned_on, since)
    ):
        found.add(Skal.ATERKOMMEN)
    if brist.marked_for_group:
        found.add(Skal.MARKERAD)
    return tuple(reason for reason in SECTION_OF_REASON if reason in found)


def _after(day: date | None, since: date | None) -> bool:
    """Did `day` happen after the previous meeting (any day counts before a first meeting)?"""
    return day is not None and (since is None or day > since)


def _is_new(brist: BristLage, dagordning: DagordningInput) -> bool:
    since = dagordning.previous_mote_on
    if since is None:
        return brist.registered_on >= dagordning.mote_on - FIRST_MOTE_LOOKBACK
    # The meeting's own day counts: a brist on that day's agenda is "discussed before" instead.
    return brist.registered_on >= since


def _brist_order(brist: BristLage) -> tuple[int, date, int]:
    """Central level first, then the oldest."""
    return (-list(Niva).index(brist.niva), brist.registered_on, brist.brist_id)


def propose_dagordning(dagordning: DagordningInput) -> list[ProposedPunkt]:
    """Return the proposed agenda: fixed opening, brister by section, standing items, closing."""
    punkter = [
        ProposedPunkt(key, Sektion.OPPNING, rubrik)
        for key, rubrik in OPENING_PUNKTER
        if key != "foregaende_protokoll" or dagordning.previous_mote_on is not None
    ]
    carried = frozenset(punkt.brist_id for punkt in dagordning.carried_over if punkt.brist_id)
    by_section: dict[Sektion, list[ProposedPunkt]] = {}
    for brist in sorted(dagordning.brister, key=_brist_order):
        reasons = reasons_for(brist, dagordning, carried)
        if reasons:
            section = SECTION_OF_REASON[reasons[0]]
            punkt = ProposedPunkt(
                brist_key(brist.brist_id),
                section,
                brist_id=brist.brist_id,
                skal=reasons,
                forslag=proposed_decision(reasons[0], brist.niva),
            )
            by_section.setdefault(section, []).append(punkt)
    for section in (Sektion.NYA, Sektion.UPPFOLJNING, Sektion.FORSLAG, Sektion.OVERFORDA):
        punkter.extend(by_section.get(section, []))
        if section == Sektion.OVERFORDA:
            punkter.extend(
                ProposedPunkt(punkt.key, Sektion.OVERFORDA, punkt.rubrik, skal=(Skal.OVERFORD,))
                for punkt in dagordning.carried_over
                if punkt.brist_id is None
            )
    punkter.extend(_standing(dagordning.standing_punkter))
    punkter.extend(
        ProposedPunkt(key, Sektion.AVSLUTNING, rubrik) for key, rubrik in CLOSING_PUNKTER
    )
    return _once_each(punkter)


def _once_each(punkter: list[ProposedPunkt]) -> list[ProposedPunkt]:
    """One item per key: a carried-over standing item is not proposed twice."""
    seen: set[str] = set()
    unique = []
    for punkt in punkter:
        if punkt.key not in seen:
            seen.add(punkt.key)
            unique.append(punkt)
    return unique


def _standing(texts: Sequence[str]) -> list[ProposedPunkt]:
    """The group's standing items, once each, blank lines skipped."""
    seen: set[str] = set()
    punkter = []
    for text in texts:
        key = standing_key(text)
        if text.strip() and key not in seen:
            seen.add(key)
            punkter.append(ProposedPunkt(key, Sektion.STAENDE, " ".join(text.split())))
    return punkter


@dataclass(frozen=True)
class DraftPunkt:
    """An item already on a draft agenda, as the merge sees it."""

    key: str
    sektion: Sektion
    position: int
    is_manual: bool = False
    is_removed: bool = False


@dataclass(frozen=True)
class MergePlan:
    """How a fresh proposal meets the draft: the visible order, and rule items to drop."""

    order: tuple[str, ...]
    add: tuple[ProposedPunkt, ...]
    delete: frozenset[str]


def merge_draft(existing: Sequence[DraftPunkt], proposed: Sequence[ProposedPunkt]) -> MergePlan:
    """Regenerate without losing manual edits.

    Items added by hand stay where they are; items the user removed stay removed; items the
    user moved keep their place in their section. A rule item no longer proposed goes away;
    one whose reasons changed moves to its new section. New items join the end of their
    section. Merging the same proposal again changes nothing.
    """
    proposed_sections = {punkt.key: punkt.sektion for punkt in proposed}
    proposed_keys = set(proposed_sections)
    kept = [
        punkt
        for punkt in existing
        if (punkt.is_manual or punkt.key in proposed_keys) and not punkt.is_removed
    ]
    delete = frozenset(
        punkt.key for punkt in existing if not punkt.is_manual and punkt.key not in proposed_keys
    )
    known = {punkt.key for punkt in existing}
    add = tuple(punkt for punkt in proposed if punkt.key not in known)
    # A rule item follows its brist into the section it belongs to now (new → proposal).
    rows: list[tuple[int, int, int, str]] = [
        (
            punkt.sektion.rank if punkt.is_manual else proposed_sections[punkt.key].rank,
            0,
            punkt.position,
            punkt.key,
        )
        for punkt in kept
    ]
    rows += [(punkt.sektion.rank, 1, index, punkt.key) for index, punkt in enumerate(add)]
    order = tuple(key for *_, key in sorted(rows))
    return MergePlan(order=order, add=add, delete=delete)


def move_in_section(order: Sequence[tuple[str, Sektion]], key: str, step: int) -> list[str]:
    """Move an item one place up (-1) or down (+1) within its section; edges stay put."""
    keys = [punkt_key for punkt_key, _ in order]
    sections = dict(order)
    index = keys.index(key)
    target = index + step
    if 0 <= target < len(keys) and sections[keys[target]] == sections[key]:
        keys[index], keys[target] = keys[target], keys[index]
    return keys


@dataclass(frozen=True)
class Beslut:
    """A decision on a brist item, as the minutes record it."""

    typ: BeslutTyp
    text: str = ""
    ansvarig: str = ""
    senast_on: date | None = None
    till_niva: Niva | None = None
    utfall: Utfall | None = None
    # Only for LYFTA: the body the brist is lifted to.
    organ_typ: OrganTyp | None = None
    organ_namn: str = ""


# The fields each kind of decision has besides its text (Beslut's attribute names). The
# minutes form shows one group of fields per kind and reads only the chosen kind's.
DECISION_FIELDS: dict[BeslutTyp, tuple[str, ...]] = {
    BeslutTyp.INFORMATION: (),
    BeslutTyp.ATGARD: ("ansvarig", "senast_on"),
    BeslutTyp.BEVAKA: ("senast_on",),
    BeslutTyp.ESKALERA: ("till_niva",),
    BeslutTyp.AVSLUTA: ("utfall",),
    BeslutTyp.LYFTA: ("organ_typ", "organ_namn"),
}

_EMPTY_DECISION_FIELDS: dict[str, Any] = {
    "ansvarig": "",
    "senast_on": None,
    "till_niva": None,
    "utfall": None,
    "organ_typ": None,
    "organ_namn": "",
}


def only_fields_of(beslut: Beslut) -> Beslut:
    """The decision with only its own kind's fields, and its text.

    What another kind's fields held, left over from a changed mind in the form, is not part
    of the decision.
    """
    own = DECISION_FIELDS[beslut.typ]
    return replace(beslut, **{k: v for k, v in _EMPTY_DECISION_FIELDS.items() if k not in own})


def decision_kinds_at(niva: Niva) -> tuple[BeslutTyp, ...]:
    """The kinds of decision the minutes offer on a brist at `niva`."""
    return tuple(typ for typ in BeslutTyp if decision_allowed_at(typ, niva))


def operation_for(typ: BeslutTyp) -> Operation:
    """What the person saving the minutes must be allowed on the brist to carry out `typ`.

    A decision to close needs the right to close brister; any other decision escalates it,
    moves its follow-up or writes in its history, which is working the brist.
    """
    return Operation.CLOSE_BRISTER if typ == BeslutTyp.AVSLUTA else Operation.WORK_BRISTER


# Closing by decision: merging needs another brist and is done on the brist itself.
DECISION_OUTCOMES = (Utfall.ATGARDAD, Utfall.DELVIS_ATGARDAD, Utfall.EJ_ATGARDAD)


def decision_problem(beslut: Beslut, niva: Niva, mote_on: date) -> tuple[str, str] | None:
    """Return (field, message) for what is missing or wrong in a decision, or None."""
    if beslut.typ == BeslutTyp.ATGARD:
        if not beslut.text.strip():
            return "text", N_("Beskriv åtgärden.")
        if not beslut.ansvarig.strip():
            return "ansvarig", N_("Ange vilken organisation som ansvarar.")
        if beslut.senast_on is None or beslut.senast_on <= mote_on:
            return "senast_on", N_("Ange ett datum efter mötet.")
    if beslut.typ == BeslutTyp.BEVAKA and (beslut.senast_on is None or beslut.senast_on <= mote_on):
        return "senast_on", N_("Ange ett datum efter mötet.")
    if beslut.typ == BeslutTyp.ESKALERA and niva == Niva.CENTRAL:
        return "typ", N_(
            "En brist på central nivå kan inte eskaleras högre. Välj Lyft till strategiskt "
            "organ eller Bevaka."
        )
    if beslut.typ == BeslutTyp.ESKALERA:
        order = list(Niva)
        if beslut.till_niva is None or order.index(beslut.till_niva) <= order.index(niva):
            return "till_niva", N_("Välj en högre nivå än bristens nuvarande.")
    if beslut.typ == BeslutTyp.AVSLUTA and beslut.utfall not in DECISION_OUTCOMES:
        return "utfall", N_("Välj ett utfall.")
    if beslut.typ == BeslutTyp.LYFTA:
        if niva != Niva.CENTRAL:
            return "typ", N_(
                "Bara en brist på central nivå kan lyftas till ett strategiskt organ. "
                "Eskalera den först."
            )
        if beslut.organ_typ is None:
            return "organ_typ", N_("Välj vilket slags organ bristen lyfts till.")
        if not beslut.organ_namn.strip():
            return "organ_namn", N_("Ange organets namn.")
    return None


# --- What members prepare from ----------------------------------------------------------------

# The agenda's short description of a brist is at most this many characters.
SHORT_DESCRIPTION_LENGTH = 200


def short_description(beskrivning: str, limit: int = SHORT_DESCRIPTION_LENGTH) -> str:
    """The first sentence of a brist's description, for the agenda (members prepare from it).

    A sentence ends at ".", "!" or "?" followed by a space, or at a line break; whitespace is
    made single. Longer than `limit`: cut at the last whole word and ended with "…".
    """
    text = beskrivning.strip().split("\n", 1)[0] if beskrivning.strip() else ""
    text = " ".join(text.split())
    for index, char in enumerate(text):
        if char in ".!?" and (index + 1 == len(text) or text[index + 1] == " "):
            text = text[: index + 1]
            break
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


# --- Who the agenda reaches -----------------------------------------------------------------


@dataclass(frozen=True)
class AgendaReach:
    """How many members an agenda e-mail reaches, and who it cannot (named, to be told)."""

    reached: int
    total: int
    missing: tuple[str, ...]


def agenda_reach(members: Sequence[tuple[str, str]]) -> AgendaReach:
    """From (namn, epost) per member: who gets the agenda by e-mail and who has no address.

    A blank or whitespace-only address counts as none; the missing keep the group's order.
    """
    missing = tuple(namn for namn, epost in members if not epost.strip())
    return AgendaReach(reached=len(members) - len(missing), total=len(members), missing=missing)


# --- What the minutes propose ----------------------------------------------------------------

# A proposed "bevaka" is watched until about the next meeting (groups meet 2-4 times a year).
PROPOSED_BEVAKA_DAYS = 91


def proposed_decision(skal: Skal, niva: Niva) -> BeslutTyp | None:
    """The decision proposed for a brist placed on the agenda by `skal`, at its `niva`.

    At central nivå there is no higher level, so unanswered reminders propose BEVAKA, not
    ESKALERA. Not LYFTA: a lift needs a receiving body only the group can name, and a
    proposal must be a decision the minutes can save as it stands. LYFTA is offered beside it.
    """
    proposed = PROPOSED_DECISION[skal]
    if proposed is not None and not decision_allowed_at(proposed, niva):
        return BeslutTyp.BEVAKA
    return proposed


def escalation_targets(niva: Niva) -> tuple[Niva, ...]:
    """The levels a brist at `niva` can be escalated to: only higher ones (none at central)."""
    order = list(Niva)
    return tuple(order[order.index(niva) + 1 :])


def decision_allowed_at(typ: BeslutTyp, niva: Niva) -> bool:
    """Can a decision of kind `typ` be taken on a brist at `niva` at all?"""
    if typ == BeslutTyp.ESKALERA:
        return niva != Niva.CENTRAL
    if typ == BeslutTyp.LYFTA:
        return niva == Niva.CENTRAL
    return True


def proposed_beslut(
    forslag: BeslutTyp | None, niva: Niva, mote_on: date, *, is_closed: bool = False
) -> Beslut | None:
    """The proposal as the minutes form is filled in with it: a decision valid as it stands.

    The brist's nivå is read when the minutes are written, so a proposal made before the
    brist was escalated still gives a valid decision; a brist closed since gets INFORMATION,
    the only decision the minutes take on a closed brist. A kind that needs what only the
    group can say (ATGARD: what and who; LYFTA: to whom) is not proposed: None.
    """
    if forslag is None:
        return None
    if is_closed:
        return Beslut(BeslutTyp.INFORMATION)
    if not decision_allowed_at(forslag, niva):
        forslag = BeslutTyp.BEVAKA
    if forslag == BeslutTyp.ESKALERA:
        return Beslut(forslag, till_niva=next_level(niva))
    if forslag == BeslutTyp.BEVAKA:
        return Beslut(forslag, senast_on=mote_on + timedelta(days=PROPOSED_BEVAKA_DAYS))
    if forslag == BeslutTyp.AVSLUTA:
        # Proposed only when the myndighet answered that the brist is åtgärdad.
        return Beslut(forslag, utfall=Utfall.ATGARDAD)
    if forslag == BeslutTyp.INFORMATION:
        return Beslut(forslag)
    return None


# --- A lift to a strategic body, followed up like a request ----------------------------------

# Working days the body gets to answer, unless config (LYFT_ANSWER_WORKING_DAYS) says otherwise.
DEFAULT_LYFT_ANSWER_WORKING_DAYS = 30


def lyft_svar_senast(mote_on: date, working_days: int, calendar: WorkCalendar) -> date:
    """The day an answer from the body is expected, `working_days` working days after the lift.

    The brist's open bevakning is moved to that day, so the ombud checks for the answer then.
    """
    return calendar.add_working_days(mote_on, working_days)


def organ_svar_problem(
    svar_on: date | None, text: str, lifted_on: date, today: date
) -> tuple[str, str] | None:
    """Return (field, message) for what is wrong with a recorded answer from the body, or None.

    The answer came on or after the day of the lift and not after today, and says something.
    """
    if svar_on is None:
        return "svar_on", N_("Ange ett datum som ÅÅÅÅ-MM-DD.")
    if svar_on < lifted_on:
        return "svar_on", N_("Svaret kan inte ha kommit före lyftet.")
    if svar_on > today:
        return "svar_on", N_("Datumet kan inte vara i framtiden.")
    if not text.strip():
        return "text", N_("Skriv vad organet svarade.")
    return None
