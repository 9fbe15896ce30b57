"""The rules of the annual report's section on uppmärksammade brister (SFS 2013:522).

Which brister a year's report covers, how they are grouped (nivå, then myndighet), what is
said about each, the examples of measures taken, the counts, the roll-up over several
verksamheter, the document they make together (`RapportDocument`) and its JSON form, in which
frozen versions are stored, and comparing a frozen version with a fresh one. Plain functions
on plain values. The report is a Swedish document for the county board, so its sentences are written
here in Swedish and not translated.

At the end: the figures of a myndighet's page (answer record over a rolling year, answer time
in working days, brister by nivå, where its promises stand), shown in the reader's language.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from systemfel.brister.domain import NIVA_WORDS, UTFALL_WORDS, Niva, Utfall
from systemfel.followups.domain import SVAR_LABELS, SvarTyp
from systemfel.privacy import domain as privacy
from systemfel.privacy.domain import Observed
from systemfel.workdays import WorkCalendar

# The words the report's sentences use, lower case as they stand inside a sentence.
# What counts as a measure taken, for "Exempel på åtgärder som vidtagits".
EXAMPLE_OUTCOMES = frozenset({Utfall.ATGARDAD, Utfall.DELVIS_ATGARDAD})
EXAMPLE_ANSWERS = {
    SvarTyp.ATGARDAT: "har åtgärdat bristen",
    SvarTyp.ATGARD_UTLOVAD: "har utlovat en åtgärd",
}
EXAMPLE_SOURCES = ("stangning", "svar", "beslut")
DEFAULT_THRESHOLD = 3


class Kind(StrEnum):
    """What happened to a brist, as its history tells it."""

    REGISTERED = "registered"
    NIVA = "niva"
    CLOSED = "closed"
    REOPENED = "reopened"
    ANSWER = "answer"
    DECISION = "decision"
    OBSERVATION = "observation"


@dataclass(frozen=True)
class HandelseSteg:
    """One händelse of a brist as the report rules replay it: a dated step of its history.

    Only the fields of its kind are filled in. Not the stored `Handelse` row (hence the name):
    the steps are read from those rows, from observations and from answers (`queries.py`).
    """

    on: date
    kind: Kind
    niva: Niva | None = None
    utfall: Utfall | None = None
    merged_into_id: int | None = None
    svar: SvarTyp | None = None
    text: str = ""
    myndighet: str = ""
    antal_klienter: int = 0
    # For 6 c (measures): where the step was read from, stable across reports ("handelse:<id>",
    # "svar:<id>"); a decision's kind ("atgard", "eskalera", …), its group, the level it
    # escalates to and the words its users wrote (`text` holds the whole decision sentence).
    ref: str = ""
    beslut: str = ""
    grupp: str = ""
    till_niva: Niva | None = None
    note: str = ""


@dataclass(frozen=True)
class BristFacts:
    """One brist as the report rules see it: what it is about and everything that happened."""

    brist_id: int
    nummer: str
    titel: str
    summary: str
    verksamhet: str
    myndighet: str
    omrade: str
    first_niva: Niva
    handelser: tuple[HandelseSteg, ...]

    def __post_init__(self) -> None:
        # Kept in date order once (händelser of one day keep the order given): every rule
        # replays them, many times per report.
        ordered = tuple(sorted(self.handelser, key=lambda handelse: handelse.on))
        object.__setattr__(self, "handelser", ordered)


@dataclass(frozen=True)
class YearState:
    """A brist as it stood at the end of a day: level, open or closed, how it ended."""

    niva: Niva
    status_open: bool
    utfall: Utfall | None
    merged_into_id: int | None


# --- One brist through the year ------------------------------------------------------------


def _in_order(brist: BristFacts, until: date | None = None) -> list[HandelseSteg]:
    """The händelser up to `until`, by date; those of one day keep the order given."""
    if until is None:
        return list(brist.handelser)
    return [handelse for handelse in brist.handelser if handelse.on <= until]


def _registered_on(brist: BristFacts) -> date:
    """The day the brist was registered (its REGISTERED händelse is always there)."""
    return min(handelse.on for handelse in brist.handelser if handelse.kind == Kind.REGISTERED)


def _apply(state: YearState, handelse: HandelseSteg) -> YearState:
    if handelse.kind == Kind.NIVA and handelse.niva is not None:
        return replace(state, niva=handelse.niva)
    if handelse.kind == Kind.CLOSED:
        return YearState(state.niva, False, handelse.utfall, handelse.merged_into_id)
    if handelse.kind == Kind.REOPENED:
        return YearState(state.niva, True, None, None)
    return state


def state_at(brist: BristFacts, day: date) -> YearState:
    """Return the brist's level and status at the end of `day`, replaying its history."""
    state = YearState(brist.first_niva, True, None, None)
    for handelse in _in_order(brist, day):
        state = _apply(state, handelse)
    return state


def _year_handelser(brist: BristFacts, year: int, *kinds: Kind) -> list[HandelseSteg]:
    return [
        handelse
        for handelse in _in_order(brist)
        if handelse.on.year == year and handelse.kind in kinds
    ]


def is_active(brist: BristFacts, year: int) -> bool:
    """Was the brist registered in the year, open at any time during it, or closed in it?"""
    registered = _registered_on(brist)
    if registered.year > year:
        return False
    if registered.year == year or _year_handelser(brist, year, Kind.CLOSED, Kind.REOPENED):
        return True
    return state_at(brist, date(year - 1, 12, 31)).status_open


def observed(brist: BristFacts, until: date) -> tuple[int, int]:
    """Return (times observed, clients) counting the registration and observations to `until`."""
    seen = [
        handelse
        for handelse in _in_order(brist, until)
        if handelse.kind in (Kind.REGISTERED, Kind.OBSERVATION)
    ]
    return len(seen), sum(handelse.antal_klienter for handelse in seen)


# --- The entries of the report -------------------------------------------------------------


@dataclass(frozen=True)
class RapportEntry:
    """One brist as the year's report presents it."""

    brist_id: int
    nummer: str
    titel: str
    summary: str
    verksamhet: str
    myndighet: str
    omrade: str
    niva: Niva
    is_open: bool
    utfall: Utfall | None
    times_observed: int
    clients: int
    history: tuple[str, ...]
    actions: tuple[str, ...]
    merged: tuple[str, ...]


def history_lines(brist: BristFacts, until: date) -> tuple[str, ...]:
    """Changes of level and reopenings up to `until`; the registration only if the level moved."""
    lines: list[str] = []
    niva, moved = brist.first_niva, False
    for handelse in _in_order(brist, until):
        if handelse.kind == Kind.NIVA and handelse.niva is not None and handelse.niva != niva:
            upward = list(Niva).index(handelse.niva) > list(Niva).index(niva)
            verb = "Eskalerad" if upward else "Flyttad"
            lines.append(
                f"{verb} från {NIVA_WORDS[niva]} till {NIVA_WORDS[handelse.niva]} {handelse.on}."
            )
            niva, moved = handelse.niva, True
        elif handelse.kind == Kind.REOPENED:
            lines.append(f"Öppnad igen {handelse.on}.")
    if moved:
        lines.insert(0, f"Registrerad på {NIVA_WORDS[brist.first_niva]} {_registered_on(brist)}.")
    return tuple(lines)


def _action_line(handelse: HandelseSteg) -> str | None:
    if handelse.kind == Kind.ANSWER:
        label = SVAR_LABELS[handelse.svar] if handelse.svar else "Svar"
        line = f"{handelse.on} {handelse.myndighet or 'Myndigheten'}: {label}"
        return f"{line} – {handelse.text.strip()}" if handelse.text.strip() else line
    if handelse.kind == Kind.DECISION:
        return handelse.text.strip() or None
    if handelse.kind == Kind.CLOSED:
        word = UTFALL_WORDS[handelse.utfall] if handelse.utfall else "Utan utfall"
        line = f"Stängd {handelse.on}: {word}."
        return f"{line} {handelse.text.strip()}" if handelse.text.strip() else line
    return None


def action_lines(brist: BristFacts, year: int) -> tuple[str, ...]:
    """What was done in the year: answers, decisions and closings, oldest first."""
    handelser = _year_handelser(brist, year, Kind.ANSWER, Kind.DECISION, Kind.CLOSED)
    return tuple(line for line in map(_action_line, handelser) if line)


def to_entry(brist: BristFacts, year: int) -> RapportEntry:
    """Return the brist as the report for `year` shows it, before anything is merged into it."""
    end = date(year, 12, 31)
    state = state_at(brist, end)
    times, clients = observed(brist, end)
    return RapportEntry(
        brist_id=brist.brist_id,
        nummer=brist.nummer,
        titel=brist.titel,
        summary=brist.summary,
        verksamhet=brist.verksamhet,
        myndighet=brist.myndighet,
        omrade=brist.omrade,
        niva=state.niva,
        is_open=state.status_open,
        utfall=None if state.status_open else state.utfall,
        times_observed=times,
        clients=clients,
        history=history_lines(brist, end),
        actions=action_lines(brist, year),
        merged=(),
    )


def _merged_by(brister: Sequence[BristFacts], end: date) -> dict[int, int]:
    """The brist each one was merged into, for those merged (and not reopened) by `end`."""
    into: dict[int, int] = {}
    for brist in brister:
        state = state_at(brist, end)
        if state.utfall == Utfall.SAMMANSLAGEN and state.merged_into_id is not None:
            into[brist.brist_id] = state.merged_into_id
    return into


def _last_active(source: int, into: dict[int, int], active: set[int]) -> int | None:
    """Follow a chain of merges while it stays among the active brister."""
    seen, current, target = {source}, into.get(source), None
    while current is not None and current in active and current not in seen:
        target, current = current, into.get(current)
        seen.add(target)
    return target


def _merge_targets(brister: Sequence[BristFacts], year: int, active: set[int]) -> dict[int, int]:
    """For each brist merged by year end, the active brist it ends up in.

    Brister merged into each other in a circle end nowhere: they are listed on their own.
    """
    into = _merged_by(brister, date(year, 12, 31))
    targets = {source: _last_active(source, into, active) for source in into}
    return {
        source: target
        for source, target in targets.items()
        if target is not None and targets.get(target) is None
    }


def select_year(brister: Sequence[BristFacts], year: int) -> list[RapportEntry]:
    """Return the year's entries: active brister, those merged by year end folded into theirs.

    A brist merged into one the report does not show (not given, or not active in the year)
    is listed on its own, closed as sammanslagen, so nothing drops out of the report unseen.
    """
    active = {brist.brist_id for brist in brister if is_active(brist, year)}
    targets = _merge_targets(brister, year, active)
    entries = {
        brist.brist_id: to_entry(brist, year)
        for brist in brister
        if brist.brist_id in active and brist.brist_id not in targets
    }
    end = date(year, 12, 31)
    for brist in sorted(brister, key=lambda brist: brist.nummer):
        target = targets.get(brist.brist_id)
        if target is not None and target in entries:
            times, clients = observed(brist, end)
            entry = entries[target]
            entries[target] = replace(
                entry,
                times_observed=entry.times_observed + times,
                clients=entry.clients + clients,
                merged=(*entry.merged, brist.nummer),
            )
    return sorted(entries.values(), key=_entry_order)


def _entry_order(entry: RapportEntry) -> tuple[str, str, int]:
    return (entry.nummer, entry.verksamhet, entry.brist_id)


# --- Grouping ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyndighetGroup:
    """The entries of one myndighet within a level."""

    myndighet: str
    entries: tuple[RapportEntry, ...]


@dataclass(frozen=True)
class NivaSection:
    """The entries of one level, by myndighet."""

    niva: Niva
    groups: tuple[MyndighetGroup, ...]


def name_key(name: str) -> str:
    """Return the key two spellings of one name share (each verksamhet keeps its own lists)."""
    return " ".join(name.split()).casefold()


def _display_names(names: Iterable[str]) -> dict[str, str]:
    """One spelling per key, the same wherever the name is shown."""
    shown: dict[str, str] = {}
    for name in sorted(set(names)):
        shown.setdefault(name_key(name), name)
    return shown


def group_by_niva(entries: Sequence[RapportEntry]) -> list[NivaSection]:
    """Group entries by level (lowest first), then by myndighet (by name), each by number."""
    shown = _display_names(entry.myndighet for entry in entries)
    sections = []
    for niva in Niva:
        by_name: dict[str, list[RapportEntry]] = defaultdict(list)
        for entry in entries:
            if entry.niva == niva:
                by_name[name_key(entry.myndighet)].append(entry)
        groups = tuple(
            MyndighetGroup(shown[key], tuple(sorted(by_name[key], key=_entry_order)))
            for key in sorted(by_name)
        )
        if groups:
            sections.append(NivaSection(niva, groups))
    return sections


# --- Counts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """A year's numbers: new, closed, open at the end, and the reported brister by level."""

    new: int
    closed: int
    open_at_end: int
    by_niva: dict[Niva, int]
    by_myndighet: dict[str, int]


@dataclass(frozen=True)
class StatusChange:
    """A closing or a reopening of a brist, on the day it happened."""

    on: date
    is_closing: bool
    is_merge: bool = False  # closed as merged into another brist


@dataclass(frozen=True)
class Timeline:
    """What the counts of new, closed and open brister need of one brist."""

    registered_on: date
    changes: tuple[StatusChange, ...]  # in the order they happened


@dataclass(frozen=True)
class YearTally:
    """One year's new, closed and open brister, and the days each closed one took."""

    new: int = 0
    closed: int = 0
    open_at_end: int = 0
    days_to_close: tuple[int, ...] = ()


def timeline(brist: BristFacts) -> Timeline:
    """The brist's registration and its closings and reopenings, from its history."""
    changes = tuple(
        StatusChange(
            handelse.on,
            is_closing=handelse.kind == Kind.CLOSED,
            is_merge=handelse.kind == Kind.CLOSED and handelse.utfall == Utfall.SAMMANSLAGEN,
        )
        for handelse in brist.handelser
        if handelse.kind in (Kind.CLOSED, Kind.REOPENED)
    )
    return Timeline(_registered_on(brist), changes)


def tally_years(timelines: Iterable[Timeline], years: Iterable[int]) -> dict[int, YearTally]:
    """Count new, closed and open brister in each of the years: the one definition of them.

    The report and the statistics page both count with this. Days are Stockholm's, as the
    history dates each step. In a year,
    - new: registered in it, and not merged into another by its end;
    - closed: its last closing or reopening in the year is a closing, other than a merge
      (a merged brist is folded into the one it was merged into, which goes on);
    - open at the end: registered by then, and neither closed nor merged at the end.
    """
    wanted = sorted(set(years))
    found: dict[int, list[int]] = {year: [0, 0, 0] for year in wanted}
    days: dict[int, list[int]] = {year: [] for year in wanted}
    for line in timelines:
        for year, (new, closed, is_open, took) in _years_of(line, wanted):
            found[year][0] += new
            found[year][1] += closed
            found[year][2] += is_open
            if took is not None:
                days[year].append(took)
    return {
        year: YearTally(
            new=found[year][0],
            closed=found[year][1],
            open_at_end=found[year][2],
            days_to_close=tuple(sorted(days[year])),
        )
        for year in wanted
    }


def _years_of(
    line: Timeline, wanted: list[int]
) -> Iterator[tuple[int, tuple[int, int, int, int | None]]]:
    """Walk one brist through the wanted years: (new, closed, open at end, days to close)."""
    changes, index, chosen = line.changes, 0, set(wanted)
    is_open, is_merged = True, False
    for year in range(line.registered_on.year, wanted[-1] + 1):
        last: StatusChange | None = None
        while index < len(changes) and changes[index].on.year <= year:
            last = changes[index]
            is_open, is_merged = not last.is_closing, last.is_merge
            index += 1
        if year not in chosen:
            continue
        closed = last is not None and last.on.year == year and last.is_closing and not is_merged
        took = (last.on - line.registered_on).days if closed and last is not None else None
        new = year == line.registered_on.year and not is_merged
        yield year, (int(new), int(closed), int(is_open), took)


def count_year(
    brister: Sequence[BristFacts], year: int, entries: Sequence[RapportEntry] | None = None
) -> Counts:
    """Count the year: every brist for new, closed and open; the reported entries by level.

    `entries` are the year's report entries when the caller has them already.
    """
    entries = select_year(brister, year) if entries is None else entries
    shown = _display_names(entry.myndighet for entry in entries)
    per_name = Counter(shown[name_key(entry.myndighet)] for entry in entries)
    per_niva = Counter(entry.niva for entry in entries)
    tally = tally_years(map(timeline, brister), [year])[year]
    return Counts(
        new=tally.new,
        closed=tally.closed,
        open_at_end=tally.open_at_end,
        by_niva={niva: per_niva[niva] for niva in Niva},
        by_myndighet={name: per_name[name] for name in sorted(per_name, key=name_key)},
    )


def breakdown(
    brister: Sequence[BristFacts], year: int, entries: Sequence[RapportEntry] | None = None
) -> dict[str, Counts]:
    """Return the year's counts for each verksamhet, by name."""
    entries = select_year(brister, year) if entries is None else entries
    by_verksamhet: dict[str, list[BristFacts]] = defaultdict(list)
    for brist in brister:
        by_verksamhet[brist.verksamhet].append(brist)
    entries_of: dict[str, list[RapportEntry]] = defaultdict(list)
    for entry in entries:
        entries_of[entry.verksamhet].append(entry)
    names = sorted(by_verksamhet, key=lambda name: (name_key(name), name))
    return {name: count_year(by_verksamhet[name], year, entries_of[name]) for name in names}


def shown_observed(entry: RapportEntry, threshold: int = DEFAULT_THRESHOLD) -> Observed:
    """The entry's times observed and clients as printed: small client counts hidden.

    Each brist merged into the entry brings its own registration (see `privacy.domain`).
    """
    registrations = 1 + len(entry.merged)
    return privacy.shown_observed(entry.times_observed, entry.clients, threshold, registrations)


# --- Exempel på åtgärder som vidtagits -----------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One measure taken in the year, as the report mentions it."""

    on: date
    nummer: str
    text: str
    source: str
    verksamhet: str = ""  # the brist's: a roll-up names it beside the number


def _with_rest(sentence: str, rest: str) -> str:
    return f"{sentence} {rest.strip()}" if rest.strip() else sentence


def _example(brist: BristFacts, handelse: HandelseSteg) -> Example | None:
    """The händelse as an example of a measure, or None when it is not one."""
    if handelse.kind == Kind.CLOSED and handelse.utfall in EXAMPLE_OUTCOMES:
        word = UTFALL_WORDS[handelse.utfall].lower()
        text = _with_rest(f"{brist.titel}: stängd som {word}.", handelse.text)
        return Example(handelse.on, brist.nummer, text, "stangning", brist.verksamhet)
    if handelse.kind == Kind.ANSWER and handelse.svar in EXAMPLE_ANSWERS:
        who = handelse.myndighet or brist.myndighet
        text = _with_rest(f"{brist.titel}: {who} {EXAMPLE_ANSWERS[handelse.svar]}.", handelse.text)
        return Example(handelse.on, brist.nummer, text, "svar", brist.verksamhet)
    if handelse.kind == Kind.DECISION and handelse.text.strip():
        return Example(
            handelse.on,
            brist.nummer,
            f"{brist.titel}: {handelse.text.strip()}",
            "beslut",
            brist.verksamhet,
        )
    return None


def _newest_first(example: Example) -> tuple[int, str]:
    return (-example.on.toordinal(), example.nummer)


def examples(brister: Sequence[BristFacts], year: int, limit: int = 10) -> list[Example]:
    """Up to `limit` measures of the year, taken in turn from closings, answers and decisions.

    Each source gives its newest first; the chosen ones are shown newest first.
    """
    found: dict[str, list[Example]] = {source: [] for source in EXAMPLE_SOURCES}
    for brist in brister:
        for handelse in _in_order(brist):
            example = _example(brist, handelse) if handelse.on.year == year else None
            if example is not None:
                found[example.source].append(example)
    queues = [sorted(found[source], key=_newest_first) for source in EXAMPLE_SOURCES]
    chosen: list[Example] = []
    while len(chosen) < limit and any(queues):
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    return sorted(chosen, key=_newest_first)


# --- 6 c: measures ---------------------------------------------------------------------------
#
# What the report answers to 6 c, "ge exempel på åtgärder som vidtagits under året": only what
# was done, read from the structured history (kinds and data, never the text people see), each
# dated by the day it happened. The rules, in order:
# - a closing as åtgärdad or delvis åtgärdad, unless a later reopening up to the year's end
#   undid it; an agency's answer reporting a measure (SvarTyp.ATGARDAT); a ledningsgrupp's
#   decision of kind åtgärd or eskalera; a measure the samordnare adds by hand. Never a
#   promise (ATGARD_UTLOVAD), an information-only (or bevaka, avsluta) decision, or a reopened
#   closing;
# - a brist merged (by the year's end) into another that the report shows speaks through it:
#   its measures name the brist it was merged into, with that one's title;
# - not repeated: answers and decisions of the same day, source and words (the myndighet's or
#   the group's kind and text) are one measure naming every brist they concern, in a roll-up
#   across verksamheter too; one without words of its own stays one per brist. Closings are
#   one per brist (after the merge rule: a merged brist's closing and its target's of the same
#   day and words are one);
# - each has a stable key ("handelse:<id>", "svar:<id>", "manuell:<uuid>"; a merged group
#   takes the smallest of its members'), by which the samordnare's edits are kept;
# - shown oldest first; the samordnare's order, where she gave one, comes first;
# - brister left out of the year's report (item 2) are taken away before the selection
#   (`without`, as for 6 b and the counts): their measures are not selected, a measure naming
#   several brister names only those still in (its key then is the smallest of theirs, so an
#   edit made while the left-out one was in comes back with it), one naming none is not there.

MEASURE_OUTCOMES = frozenset({Utfall.ATGARDAD, Utfall.DELVIS_ATGARDAD})
MEASURE_DECISIONS = frozenset({"atgard", "eskalera"})
MANUAL_SOURCE = "manuell"


@dataclass(frozen=True)
class Measure:
    """One measure taken in the year, as 6 c lists it.

    `brister` names each brist it concerns as (verksamhet, nummer); one added by hand names
    none, but its `verksamhet`.
    """

    key: str
    on: date
    text: str
    source: str  # "stangning", "svar", "beslut" or "manuell"
    brister: tuple[tuple[str, str], ...] = ()
    verksamhet: str = ""

    def verksamheter(self) -> tuple[str, ...]:
        """The verksamheter the measure concerns, by name."""
        names = {verksamhet for verksamhet, _ in self.brister}
        if self.verksamhet:
            names.add(self.verksamhet)
        return tuple(sorted(names))


def _measure_body(brist: BristFacts, handelse: HandelseSteg, index: int) -> tuple[str, str] | None:
    """The source and the words after the title, when the händelse is a measure."""
    if handelse.kind == Kind.CLOSED and handelse.utfall in MEASURE_OUTCOMES:
        undone = any(
            later.kind == Kind.REOPENED and later.on.year <= handelse.on.year
            for later in brist.handelser[index + 1 :]
        )
        if undone:
            return None
        word = UTFALL_WORDS[handelse.utfall].lower()
        return "stangning", _with_rest(f"bristen är {word}.", handelse.text)
    if handelse.kind == Kind.ANSWER and handelse.svar == SvarTyp.ATGARDAT:
        who = handelse.myndighet or brist.myndighet
        return "svar", _with_rest(f"{who} har åtgärdat bristen.", handelse.text)
    if handelse.kind == Kind.DECISION and handelse.beslut in MEASURE_DECISIONS:
        group = handelse.grupp or "Ledningsgruppen"
        if handelse.beslut == "atgard":
            said = f"{group} beslutade om en åtgärd."
        elif handelse.till_niva is not None:
            said = f"{group} beslutade att eskalera bristen till {NIVA_WORDS[handelse.till_niva]}."
        else:
            said = f"{group} beslutade att eskalera bristen."
        return "beslut", _with_rest(said, handelse.note)
    return None


def select_measures(brister: Sequence[BristFacts], year: int) -> list[Measure]:
    """The year's measures from the brister's history, each once, oldest first (rules above)."""
    active = {brist.brist_id for brist in brister if is_active(brist, year)}
    targets = _merge_targets(brister, year, active)
    by_id = {brist.brist_id: brist for brist in brister}
    found: dict[tuple[str, date, str, int | None], list[tuple[str, BristFacts]]]
    found = defaultdict(list)
    bodies: dict[tuple[str, date, str, int | None], tuple[date, str, str]] = {}
    for brist in brister:
        shown = by_id[targets.get(brist.brist_id, brist.brist_id)]
        for index, handelse in enumerate(brist.handelser):
            if handelse.on.year != year:
                continue
            measure = _measure_body(brist, handelse, index)
            if measure is None:
                continue
            source, body = measure
            has_words = bool((handelse.note if source == "beslut" else handelse.text).strip())
            alone = source == "stangning" or not has_words
            group_key = (source, handelse.on, name_key(body), shown.brist_id if alone else None)
            found[group_key].append((handelse.ref, shown))
            bodies.setdefault(group_key, (handelse.on, source, body))
    measures = []
    for group_key, members in found.items():
        on, source, body = bodies[group_key]
        shown_brister = sorted(
            {brist.brist_id: brist for _, brist in members}.values(),
            key=lambda brist: (brist.verksamhet, brist.nummer),
        )
        titles = "; ".join(dict.fromkeys(brist.titel for brist in shown_brister))
        refs = sorted(ref for ref, _ in members if ref)
        measures.append(
            Measure(
                key=refs[0] if refs else f"{source}:{on.isoformat()}:{shown_brister[0].brist_id}",
                on=on,
                text=f"{titles}: {body}",
                source=source,
                brister=tuple((brist.verksamhet, brist.nummer) for brist in shown_brister),
            )
        )
    return sorted(measures, key=_measure_order)


def _measure_order(measure: Measure) -> tuple[date, tuple[tuple[str, str], ...], str]:
    return (measure.on, measure.brister, measure.text)


@dataclass(frozen=True)
class MeasureEdit:
    """What the samordnare changed of one measure: left out, or its text (empty: as drafted)."""

    include: bool = True
    text: str = ""


@dataclass(frozen=True)
class MeasureDraft:
    """The samordnare's 6 c, kept with the draft: edits by key, her order, her own measures."""

    edits: dict[str, MeasureEdit] = field(default_factory=dict)
    order: tuple[str, ...] = ()
    manual: tuple[Measure, ...] = ()


@dataclass(frozen=True)
class MeasureRow:
    """One measure as the edit form shows it: as drafted and edited, and whether it is in."""

    measure: Measure
    include: bool
    drafted: str  # the text before her edit


def measure_rows(selected: Sequence[Measure], draft: MeasureDraft) -> list[MeasureRow]:
    """Every measure (selected and added by hand) with her edits, in her order.

    Those she placed come first, in her order; measures new since then follow, oldest first.
    An edit whose measure is no longer selected is kept but not shown.
    """
    every = {measure.key: measure for measure in [*selected, *draft.manual]}
    placed = [key for key in dict.fromkeys(draft.order) if key in every]
    rest = sorted((m for k, m in every.items() if k not in set(placed)), key=_measure_order)
    rows = []
    for measure in [*(every[key] for key in placed), *rest]:
        edit = draft.edits.get(measure.key, MeasureEdit())
        text = edit.text.strip() or measure.text
        rows.append(MeasureRow(replace(measure, text=text), edit.include, measure.text))
    return rows


def chosen_measures(selected: Sequence[Measure], draft: MeasureDraft) -> list[Measure]:
    """The measures 6 c lists: those not left out, edited, in her order."""
    return [row.measure for row in measure_rows(selected, draft) if row.include]


def measure_slug(key: str) -> str:
    """The key as part of a form field's name: "handelse:12" → "handelse-12"."""
    return key.replace(":", "-")


def measure_to_dict(measure: Measure) -> dict[str, Any]:
    """The measure JSON-safe."""
    return {
        "key": measure.key,
        "on": measure.on.isoformat(),
        "text": measure.text,
        "source": measure.source,
        "brister": [list(pair) for pair in measure.brister],
        "verksamhet": measure.verksamhet,
    }


def measure_from_dict(data: dict[str, Any]) -> Measure:
    """The measure `measure_to_dict` stored."""
    return Measure(
        key=data["key"],
        on=date.fromisoformat(data["on"]),
        text=data["text"],
        source=data["source"],
        brister=tuple((str(v), str(n)) for v, n in data.get("brister", [])),
        verksamhet=data.get("verksamhet", ""),
    )


def measure_draft_to_dict(draft: MeasureDraft) -> dict[str, Any]:
    """The samordnare's 6 c as stored in the draft (Rapport.atgarder)."""
    return {
        "edits": {key: asdict(edit) for key, edit in draft.edits.items()},
        "order": list(draft.order),
        "manual": [measure_to_dict(measure) for measure in draft.manual],
    }


def measure_draft_from_dict(data: dict[str, Any] | None) -> MeasureDraft:
    """The samordnare's 6 c from the draft; nothing stored is nothing changed."""
    data = data or {}
    return MeasureDraft(
        edits={key: MeasureEdit(**edit) for key, edit in data.get("edits", {}).items()},
        order=tuple(data.get("order", [])),
        manual=tuple(measure_from_dict(m) for m in data.get("manual", [])),
    )


def measures_from_examples(found: Sequence["Example"]) -> list[Measure]:
    """A version frozen before 6 c had measures: its examples, read as measures."""
    return [
        Measure(
            key=f"exempel:{index}",
            on=example.on,
            text=example.text,
            source=example.source,
            brister=((example.verksamhet, example.nummer),),
        )
        for index, example in enumerate(found)
    ]


# --- 6 a: routines per verksamhet ------------------------------------------------------------


@dataclass(frozen=True)
class Routine:
    """A verksamhet's answer to 6 a: are there routines for uppmärksammade brister, and which."""

    verksamhet: str
    has_routines: bool
    description: str = ""


def routine_to_dict(routine: Routine) -> dict[str, Any]:
    """The answer JSON-safe."""
    return asdict(routine)


def routine_from_dict(data: dict[str, Any]) -> Routine:
    """The answer `routine_to_dict` stored."""
    return Routine(data["verksamhet"], bool(data["has_routines"]), data.get("description", ""))


# --- Roll-up over several verksamheter -----------------------------------------------------


@dataclass(frozen=True)
class CommonBrist:
    """A myndighet and område whose brister several verksamheter have seen."""

    myndighet: str
    omrade: str
    verksamheter: tuple[str, ...]
    nummer: tuple[str, ...]  # each with its verksamhet, "PO Nacka SF-2026-0002": numbers repeat


def common_brister(entries: Sequence[RapportEntry], min_verksamheter: int = 2) -> list[CommonBrist]:
    """Return the myndighet and område pairs seen by at least `min_verksamheter` verksamheter."""
    myndigheter = _display_names(entry.myndighet for entry in entries)
    omraden = _display_names(entry.omrade for entry in entries)
    pairs: dict[tuple[str, str], list[RapportEntry]] = defaultdict(list)
    for entry in sorted(entries, key=_entry_order):
        pairs[(name_key(entry.myndighet), name_key(entry.omrade))].append(entry)
    common = [
        CommonBrist(
            myndighet=myndigheter[myndighet],
            omrade=omraden[omrade],
            verksamheter=tuple(sorted({entry.verksamhet for entry in found})),
            nummer=tuple(f"{entry.verksamhet} {entry.nummer}" for entry in found),
        )
        for (myndighet, omrade), found in pairs.items()
    ]
    common = [item for item in common if len(item.verksamheter) >= min_verksamheter]
    return sorted(
        common,
        key=lambda c: (-len(c.verksamheter), name_key(c.myndighet), name_key(c.omrade)),
    )


# --- 6 b: themes and lead sentences ---------------------------------------------------------
#
# Section 6 b is prose: per nivå a lead sentence written from the year's brister, then themes.
# By default a theme holds one nivå's brister of one myndighet and område; in a roll-up the
# brister of a myndighet and område several verksamheter have seen form a theme of their own
# (a "gemensam" theme, across nivåer). The samordnare may move a brist to another theme or to
# a new one, rename a theme and rewrite its summary: `ThemeDraft` holds only what she changed,
# so what she left alone follows the brister. A theme stands under the highest nivå any of
# its brister has at the end of the year. No SF numbers, counts per brist or status here.

NEW_THEME = "ny"  # what the form posts for "a new theme"
OWN_THEME_PREFIX = "egen"


@dataclass(frozen=True)
class ThemeDraft:
    """The samordnare's changes to the default themes, as kept with the draft."""

    placement: dict[int, str] = field(default_factory=dict)  # brist id → theme key
    titles: dict[str, str] = field(default_factory=dict)  # theme key → title
    summaries: dict[str, str] = field(default_factory=dict)  # theme key → summary

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, as Rapport.teman stores it."""
        return {
            "placement": {str(k): v for k, v in self.placement.items()},
            "titles": dict(self.titles),
            "summaries": dict(self.summaries),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "ThemeDraft":
        """The draft `to_dict` stored; nothing stored is no change."""
        data = data or {}
        return cls(
            placement={int(k): str(v) for k, v in (data.get("placement") or {}).items()},
            titles=dict(data.get("titles") or {}),
            summaries=dict(data.get("summaries") or {}),
        )


@dataclass(frozen=True)
class Theme:
    """A group of the year's brister as 6 b tells it: a title and a summary in prose."""

    key: str
    niva: Niva
    titel: str
    summary: str
    entries: tuple[RapportEntry, ...]
    common: bool = False  # a roll-up's myndighet and område seen by several verksamheter
    default_titel: str = ""
    default_summary: str = ""

    @property
    def brist_ids(self) -> tuple[int, ...]:
        """The ids of the theme's brister, in the order shown."""
        return tuple(entry.brist_id for entry in self.entries)


def theme_key(*parts: str) -> str:
    """A short key for a default theme, safe in a form field's name: "t" and 10 hex digits."""
    digest = hashlib.sha1("|".join(parts).encode("utf-8"), usedforsecurity=False)
    return "t" + digest.hexdigest()[:10]


def _sentence(text: str) -> str:
    """One line, capital first letter, ending with a full stop unless it ends otherwise."""
    text = " ".join(text.split())
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".!?…" else f"{text}."


def default_theme_summary(
    entries: Sequence[RapportEntry],
    summaries: dict[int, str] | None = None,
    name_verksamhet: bool = False,
) -> str:
    """The theme's brister as plain sentences: each title, then its summary.

    `summaries` are the summaries edited for the report (brist id → text); in a roll-up
    (`name_verksamhet`) each title names its verksamhet: "Titel (PO Nacka).".
    """
    summaries = summaries or {}
    sentences = []
    for entry in entries:
        titel = " ".join(entry.titel.split()).rstrip(".")
        if name_verksamhet and entry.verksamhet:
            titel = f"{titel} ({entry.verksamhet})"
        sentences.append(_sentence(titel))
        sentences.append(_sentence(summaries.get(entry.brist_id) or entry.summary))
    return " ".join(sentence for sentence in sentences if sentence)


def _theme_title(myndighet: str, omrade: str) -> str:
    return f"{myndighet}, {omrade}" if omrade.strip() else myndighet


def _common_pairs(entries: Sequence[RapportEntry]) -> set[tuple[str, str]]:
    """The myndighet and område pairs (as keys) seen by at least two verksamheter."""
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for entry in entries:
        seen[(name_key(entry.myndighet), name_key(entry.omrade))].add(entry.verksamhet)
    return {pair for pair, verksamheter in seen.items() if len(verksamheter) >= 2}


def default_placement(entries: Sequence[RapportEntry], rollup: bool = False) -> dict[int, str]:
    """Each brist's default theme key: its nivå, myndighet and område.

    In a roll-up, a myndighet and område several verksamheter have seen is one theme, whatever
    the nivå.
    """
    common = _common_pairs(entries) if rollup else set()
    placement = {}
    for entry in entries:
        pair = (name_key(entry.myndighet), name_key(entry.omrade))
        if pair in common:
            placement[entry.brist_id] = theme_key("gemensam", *pair)
        else:
            placement[entry.brist_id] = theme_key(entry.niva.value, *pair)
    return placement


def _own_number(key: str) -> int:
    number = key.removeprefix(OWN_THEME_PREFIX)
    return int(number) if key.startswith(OWN_THEME_PREFIX) and number.isdigit() else 0


def build_themes(
    entries: Sequence[RapportEntry],
    draft: ThemeDraft | None = None,
    *,
    rollup: bool = False,
    summaries: dict[int, str] | None = None,
) -> list[Theme]:
    """The year's themes: the default grouping with the samordnare's changes.

    Ordered by nivå (lowest first), then common themes last within a nivå, then by title.
    A theme of her own without a title is named after its first brist.
    """
    draft = draft or ThemeDraft()
    defaults = default_placement(entries, rollup)
    common_keys = (
        {theme_key("gemensam", *pair) for pair in _common_pairs(entries)} if rollup else set()
    )
    members: dict[str, list[RapportEntry]] = defaultdict(list)
    for entry in sorted(entries, key=_entry_order):
        key = draft.placement.get(entry.brist_id) or defaults[entry.brist_id]
        members[key].append(entry)
    myndigheter = _display_names(entry.myndighet for entry in entries)
    omraden = _display_names(entry.omrade for entry in entries)
    niva_rank = {niva: index for index, niva in enumerate(Niva)}
    themes = []
    for key, found in members.items():
        first = found[0]
        if key.startswith(OWN_THEME_PREFIX):
            default_titel = " ".join(first.titel.split())
        else:
            default_titel = _theme_title(
                myndigheter[name_key(first.myndighet)], omraden[name_key(first.omrade)]
            )
        default_summary = default_theme_summary(found, summaries, name_verksamhet=rollup)
        themes.append(
            Theme(
                key=key,
                niva=max((entry.niva for entry in found), key=niva_rank.__getitem__),
                titel=draft.titles.get(key) or default_titel,
                summary=draft.summaries.get(key) or default_summary,
                entries=tuple(found),
                common=key in common_keys,
                default_titel=default_titel,
                default_summary=default_summary,
            )
        )
    return sorted(themes, key=lambda t: (niva_rank[t.niva], t.common, name_key(t.titel), t.key))


def edit_themes(
    themes: Sequence[Theme],
    entries: Sequence[RapportEntry],
    placement: dict[int, str],
    titles: dict[str, str],
    summaries: dict[str, str],
    *,
    rollup: bool = False,
) -> ThemeDraft:
    """The draft after the samordnare's save: only what differs from the default is kept.

    `placement` maps a brist to a theme key, or to NEW_THEME: the brister sent to a new
    theme in one save form one new theme together. A title or summary posted as the theme
    showed it (or empty) is not kept, so the theme keeps following its brister.
    """
    defaults = default_placement(entries, rollup)
    shown = {theme.key: theme for theme in themes}
    used = [_own_number(theme.key) for theme in themes] + [0]
    new_key = f"{OWN_THEME_PREFIX}{max(used) + 1}"
    kept_placement: dict[int, str] = {}
    in_use: set[str] = set()
    for entry in entries:
        key = placement.get(entry.brist_id)
        if key is None:
            theme = next((t for t in themes if entry.brist_id in t.brist_ids), None)
            key = theme.key if theme else defaults[entry.brist_id]
        if key == NEW_THEME:
            key = new_key
        in_use.add(key)
        if key != defaults[entry.brist_id]:
            kept_placement[entry.brist_id] = key

    def kept(posted: dict[str, str], default_of) -> dict[str, str]:
        out = {}
        for key, text in posted.items():
            text = text.strip()
            theme = shown.get(key)
            if key in in_use and theme is not None and text and text != default_of(theme):
                out[key] = text
        return out

    return ThemeDraft(
        placement=kept_placement,
        titles=kept(titles, lambda theme: theme.default_titel),
        summaries=kept(summaries, lambda theme: theme.default_summary),
    )


def _and_list(names: Sequence[str]) -> str:
    """E.g. "A", "A och B", "A, B och C"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} och {names[-1]}"


def _brister(n: int) -> str:
    return f"{n} {'brist' if n == 1 else 'brister'}"


def _most(entries: Sequence[RapportEntry], name_of, singular: str, plural: str, verb: str) -> str:
    """The sentence on which myndigheter or områden dominate a nivå."""
    shown = _display_names(name_of(entry) for entry in entries)
    counts = Counter(shown[name_key(name_of(entry))] for entry in entries)
    ranked = sorted(counts, key=lambda name: (-counts[name], name_key(name)))
    top = [name for name in ranked if counts[name] == counts[ranked[0]]]
    if len(counts) == 1:
        alla = "Den" if len(entries) == 1 else "Alla"
        return f"{alla} {verb} {singular} {ranked[0]}."
    if counts[ranked[0]] == 1:
        listed = ranked[:3]
        more = " med flera" if len(ranked) > 3 else ""
        return f"De {verb} {plural} {_and_list(listed)}{more}."
    which = singular if len(top) == 1 else plural
    each = "" if len(top) == 1 else " vardera"
    return f"Flest {verb} {which} {_and_list(top)}, med {_brister(counts[top[0]])}{each}."


def lead_sentence(
    niva: Niva,
    entries: Sequence[RapportEntry],
    previous: Sequence[RapportEntry],
    year: int,
    as_of: date | None = None,
) -> str:
    """The lead of one nivå in 6 b: how many, which myndigheter and områden, what is new.

    `entries` are this year's report entries at the nivå, `previous` every entry of the year
    before's selection (a brist is new when it was not in it; a myndighet is new when none of
    last year's brister at this nivå concerned it). Brister are counted, never clients.
    While the year runs (`as_of`), the count is of the year so far: "under 2026 (per …)".
    """
    if not entries:
        return ""
    n = len(entries)
    so_far = f" ({when_words(as_of)})" if as_of else ""
    sentences = [f"På {NIVA_WORDS[niva]} har {_brister(n)} redovisats under {year}{so_far}."]
    sentences.append(
        _most(entries, lambda e: e.myndighet, "myndigheten", "myndigheterna", "gäller")
    )
    if any(entry.omrade.strip() for entry in entries):
        sentences.append(
            _most(
                [e for e in entries if e.omrade.strip()],
                lambda e: e.omrade,
                "området",
                "områdena",
                "rör",
            )
        )
    if previous:
        before = {entry.brist_id for entry in previous}
        new = sum(1 for entry in entries if entry.brist_id not in before)
        if new == n:
            sentences.append(f"{'Den är ny' if n == 1 else 'Alla är nya'} sedan {year - 1}.")
        elif new == 0:
            sentences.append(f"{'Den' if n == 1 else 'Alla'} fanns med redan {year - 1}.")
        else:
            sentences.append(f"{new} av dem är nya sedan {year - 1}.")
        known = {name_key(entry.myndighet) for entry in previous if entry.niva == niva}
        shown = _display_names(entry.myndighet for entry in entries)
        fresh = sorted(
            {shown[name_key(e.myndighet)] for e in entries if name_key(e.myndighet) not in known},
            key=name_key,
        )
        if fresh and len(fresh) < len(shown):
            sentences.append(f"Nytt på {NIVA_WORDS[niva]} är brister hos {_and_list(fresh)}.")
    return " ".join(sentences)


def lead_sentences(
    entries: Sequence[RapportEntry],
    previous: Sequence[RapportEntry],
    year: int,
    as_of: date | None = None,
) -> dict[Niva, str]:
    """The lead sentence of each nivå that has brister in the report, lowest nivå first."""
    return {
        niva: lead_sentence(niva, found, previous, year, as_of)
        for niva in Niva
        if (found := [entry for entry in entries if entry.niva == niva])
    }


# --- Left out of the year's report (item 2) ----------------------------------------------------


@dataclass(frozen=True)
class Excluded:
    """A brist the samordnare left out of the year's report, and why."""

    brist_id: int
    nummer: str
    titel: str
    verksamhet: str
    reason: str


def left_out(brister: Sequence[BristFacts], reasons: dict[int, str]) -> list[Excluded]:
    """The brister left out (those of `reasons` among `brister`), by number."""
    return [
        Excluded(
            brist.brist_id, brist.nummer, brist.titel, brist.verksamhet, reasons[brist.brist_id]
        )
        for brist in sorted(brister, key=lambda b: (b.nummer, b.verksamhet, b.brist_id))
        if brist.brist_id in reasons
    ]


def without(brister: Sequence[BristFacts], excluded: Iterable[int]) -> list[BristFacts]:
    """The brister not left out: what every count, theme and appendix of the report uses."""
    left = set(excluded)
    return [brist for brist in brister if brist.brist_id not in left]


def themes_to_dict(themes: Sequence[Theme]) -> list[dict[str, Any]]:
    """The themes JSON-safe; their brister by id (the entries are stored beside them)."""
    return [
        {
            "key": theme.key,
            "niva": theme.niva.value,
            "titel": theme.titel,
            "summary": theme.summary,
            "brist_ids": list(theme.brist_ids),
            "common": theme.common,
        }
        for theme in themes
    ]


def themes_from_dict(data: list[dict[str, Any]], entries: Sequence[RapportEntry]) -> list[Theme]:
    """The themes `themes_to_dict` stored, with their entries found again by id."""
    by_id = {entry.brist_id: entry for entry in entries}
    return [
        Theme(
            key=item["key"],
            niva=Niva(item["niva"]),
            titel=item["titel"],
            summary=item["summary"],
            entries=tuple(by_id[i] for i in item["brist_ids"] if i in by_id),
            common=bool(item.get("common")),
            default_titel=item["titel"],
            default_summary=item["summary"],
        )
        for item in data
    ]


# --- The year in progress ------------------------------------------------------------------


def year_has_ended(year: int, today: date) -> bool:
    """Has the report's year ended on `today` (a Stockholm date)? Only from 1 January after."""
    return today > date(year, 12, 31)


def as_of(year: int, today: date) -> date | None:
    """The day the report's figures stand at: None once the year has ended (its last day).

    While the year runs, a report cannot speak of "årets slut": it speaks of `today`. A report
    on a year that has not begun (chosen by hand) also stands at `today`.
    """
    return None if year_has_ended(year, today) else today


def when_words(on: date | None) -> str:
    """Return "vid årets slut", or "per 2026-12-01" while the year runs (`on` from `as_of`)."""
    return "vid årets slut" if on is None else f"per {on.isoformat()}"


# --- The report as a document, and frozen as JSON --------------------------------------------


# --- Did the fixes last? (issue 14, item 11) ---------------------------------------------------


@dataclass(frozen=True)
class FixesChecked:
    """Brister closed as åtgärdad or delvis åtgärdad, and what their efterkontroll found."""

    closed_fixed: int = 0
    checked: int = 0
    lasting: int = 0
    returned: int = 0


def fixes_checked(closings: Iterable[tuple[date, str | None]], year: int | None) -> FixesChecked:
    """Count the closings as åtgärdad in `year` (None: every year) by their check's answer.

    `closings` are (the day of the closing, the answer: "haller", "aterkommit" or None while
    unanswered), one per closing, a brist reopened since counted too: its fix was checked.
    """
    answers = [svar for closed_on, svar in closings if year is None or closed_on.year == year]
    return FixesChecked(
        closed_fixed=len(answers),
        checked=sum(1 for svar in answers if svar is not None),
        lasting=sum(1 for svar in answers if svar == "haller"),
        returned=sum(1 for svar in answers if svar == "aterkommit"),
    )


def fixes_sentence(fixes: FixesChecked, year: int) -> str:
    """The report's line under 6 c on whether the year's fixes lasted; "" without any."""
    n = fixes.closed_fixed
    if not n:
        return ""
    plural = "" if n == 1 else "e"
    closed = (
        f"Av {n} {'brist' if n == 1 else 'brister'} som stängdes som åtgärdad{plural} "
        f"eller delvis åtgärdad{plural} under {year}"
    )
    if not fixes.checked:
        return f"{closed} har ingen kontrollerats i efterhand ännu."
    return (
        f"{closed} har {fixes.checked} kontrollerats i efterhand: "
        f"{fixes.lasting} håller, {fixes.returned} har återkommit."
    )


@dataclass(frozen=True)
class RapportDocument:
    """The 'uppmärksammade brister' section as exported.

    Never any client data: it is built from brister, which hold counts, not people.
    `summaries` holds the summaries edited for the report (brist id → text); an entry
    without one is printed with its own summary.
    """

    year: int
    verksamheter: tuple[str, ...]
    kommuner: tuple[str, ...]
    has_routines: bool
    introduction: str
    closing: str
    sections: tuple[NivaSection, ...]
    summaries: dict[int, str]
    counts: Counts
    previous: Counts
    examples: tuple[Example, ...]
    version_line: str = ""
    breakdown: dict[str, Counts] = field(default_factory=dict)
    common: tuple[CommonBrist, ...] = ()
    threshold: int = DEFAULT_THRESHOLD
    # The day the figures stand at while the year runs (see `as_of`); None after its end.
    as_of: date | None = None
    # When the text was generated or frozen (a document's "created"); None: when it is written.
    made_at: datetime | None = None
    # 6 b in prose: themes and a lead sentence per nivå. A version frozen before themes has
    # none: its 6 b is the register detail, as it was printed then.
    themes: tuple["Theme", ...] = ()
    leads: dict[Niva, str] = field(default_factory=dict)
    # Is the register detail printed, as the appendix "Bilaga: förteckning"?
    appendix: bool = True
    excluded: tuple["Excluded", ...] = ()
    # 6 c: the measures chosen, edited and ordered (`chosen_measures`); None in a version
    # frozen before them, which lists its `examples` instead (see `shown_measures`).
    measures: tuple[Measure, ...] | None = None
    # 6 a per verksamhet; () in a version frozen before them: `has_routines` answers for all.
    routines: tuple[Routine, ...] = ()
    # Did the year's fixes last (the efterkontroll)? None in a version frozen before it.
    fixes: FixesChecked | None = None

    def fixes_line(self) -> str:
        """The sentence under 6 c on whether the year's fixes lasted; "" when there is none."""
        return fixes_sentence(self.fixes, self.year) if self.fixes else ""

    def shown_measures(self) -> tuple[Measure, ...]:
        """The measures 6 c lists (an old version's examples, read as measures)."""
        if self.measures is not None:
            return self.measures
        return tuple(measures_from_examples(self.examples))

    def routine_answers(self) -> tuple[Routine, ...]:
        """6 a per verksamhet; an old version's one answer stands for all of them."""
        if self.routines:
            return self.routines
        return tuple(Routine(name, self.has_routines) for name in self.verksamheter)

    @property
    def when(self) -> str:
        """Return "vid årets slut", or "per 2026-12-01" while the year runs."""
        return when_words(self.as_of)

    def entries(self) -> Iterator[RapportEntry]:
        """Every entry in the order printed: by nivå, then myndighet."""
        for section in self.sections:
            for group in section.groups:
                yield from group.entries

    def summary(self, entry: RapportEntry) -> str:
        """The entry's summary as edited for the report, else its own."""
        return self.summaries.get(entry.brist_id, entry.summary)

    def observed(self, entry: RapportEntry) -> Observed:
        """The entry's times observed and clients as printed: small client counts hidden."""
        return shown_observed(entry, self.threshold)

    def themes_of(self, niva: Niva) -> list["Theme"]:
        """The themes 6 b shows under a nivå."""
        return [theme for theme in self.themes if theme.niva == niva]

    @property
    def in_prose(self) -> bool:
        """Is 6 b written as themes (every report since themes; none frozen before)?"""
        return bool(self.themes)

    @property
    def shows_register(self) -> bool:
        """Is the per-brist detail printed: as the appendix, or as an old version's 6 b?"""
        return self.appendix or not self.in_prose

    def has_suppressed(self) -> bool:
        """Does any entry's client count read "<threshold"?"""
        return any(self.observed(entry).is_suppressed for entry in self.entries())


def entry_to_dict(entry: RapportEntry) -> dict[str, Any]:
    """Return the entry as JSON-safe values (enums by value, tuples as lists)."""
    return {
        "brist_id": entry.brist_id,
        "nummer": entry.nummer,
        "titel": entry.titel,
        "summary": entry.summary,
        "verksamhet": entry.verksamhet,
        "myndighet": entry.myndighet,
        "omrade": entry.omrade,
        "niva": entry.niva.value,
        "is_open": entry.is_open,
        "utfall": entry.utfall.value if entry.utfall else None,
        "times_observed": entry.times_observed,
        "clients": entry.clients,
        "history": list(entry.history),
        "actions": list(entry.actions),
        "merged": list(entry.merged),
    }


def entry_from_dict(data: dict[str, Any]) -> RapportEntry:
    """Return the entry `entry_to_dict` stored."""
    return RapportEntry(
        brist_id=data["brist_id"],
        nummer=data["nummer"],
        titel=data["titel"],
        summary=data["summary"],
        verksamhet=data["verksamhet"],
        myndighet=data["myndighet"],
        omrade=data["omrade"],
        niva=Niva(data["niva"]),
        is_open=data["is_open"],
        utfall=Utfall(data["utfall"]) if data["utfall"] else None,
        times_observed=data["times_observed"],
        clients=data["clients"],
        history=tuple(data["history"]),
        actions=tuple(data["actions"]),
        merged=tuple(data["merged"]),
    )


def _counts_to_dict(counts: Counts) -> dict[str, Any]:
    return {
        "new": counts.new,
        "closed": counts.closed,
        "open_at_end": counts.open_at_end,
        "by_niva": {niva.value: n for niva, n in counts.by_niva.items()},
        "by_myndighet": dict(counts.by_myndighet),
    }


def _counts_from_dict(data: dict[str, Any]) -> Counts:
    return Counts(
        new=data["new"],
        closed=data["closed"],
        open_at_end=data["open_at_end"],
        by_niva={Niva(k): n for k, n in data["by_niva"].items()},
        by_myndighet=dict(data["by_myndighet"]),
    )


def _example_to_dict(example: Example) -> dict[str, Any]:
    """The example JSON-safe; its verksamhet only when known (versions before it lack it)."""
    data = {**asdict(example), "on": example.on.isoformat()}
    if not example.verksamhet:
        del data["verksamhet"]
    return data


def document_to_dict(document: RapportDocument) -> dict[str, Any]:
    """Everything the report says, JSON-safe."""
    return {
        "year": document.year,
        "verksamheter": list(document.verksamheter),
        "kommuner": list(document.kommuner),
        "has_routines": document.has_routines,
        "introduction": document.introduction,
        "closing": document.closing,
        "entries": [entry_to_dict(e) for e in document.entries()],
        "summaries": {str(k): v for k, v in document.summaries.items()},
        "counts": _counts_to_dict(document.counts),
        "previous": _counts_to_dict(document.previous),
        "examples": [_example_to_dict(example) for example in document.examples],
        "breakdown": {name: _counts_to_dict(c) for name, c in document.breakdown.items()},
        "common": [
            {
                **asdict(common),
                "verksamheter": list(common.verksamheter),
                "nummer": list(common.nummer),
            }
            for common in document.common
        ],
        "threshold": document.threshold,
        # Only while the year ran: a version without it speaks of the year's end.
        **({"as_of": document.as_of.isoformat()} if document.as_of else {}),
        **(
            {"measures": [measure_to_dict(m) for m in document.measures]}
            if document.measures is not None
            else {}
        ),
        **(
            {"routines": [routine_to_dict(routine) for routine in document.routines]}
            if document.routines
            else {}
        ),
        **({"fixes": asdict(document.fixes)} if document.fixes else {}),
        # 6 b in prose; a document without it (frozen before it) is stored as it was.
        **(_prose_to_dict(document) if _has_prose_parts(document) else {}),
    }


def _has_prose_parts(document: RapportDocument) -> bool:
    return bool(document.themes or document.excluded or not document.appendix)


def _prose_to_dict(document: RapportDocument) -> dict[str, Any]:
    return {
        "themes": themes_to_dict(document.themes),
        "leads": {niva.value: text for niva, text in document.leads.items()},
        "appendix": document.appendix,
        "excluded": [asdict(item) for item in document.excluded],
    }


def document_from_dict(
    data: dict[str, Any],
    version_line: str = "",
    frozen_at: datetime | None = None,
    frozen_on: date | None = None,
) -> RapportDocument:
    """The frozen report, as it was: in the words of the day it was frozen (`frozen_on`).

    One without "as_of" was frozen after the year's end, or before the day was stored: it
    takes the day it was frozen (which gives None after the year's end).
    """
    entries = [entry_from_dict(e) for e in data["entries"]]
    if data.get("as_of"):
        on: date | None = date.fromisoformat(data["as_of"])
    else:
        on = as_of(data["year"], frozen_on) if frozen_on else None
    return RapportDocument(
        year=data["year"],
        verksamheter=tuple(data["verksamheter"]),
        kommuner=tuple(data["kommuner"]),
        has_routines=data["has_routines"],
        introduction=data["introduction"],
        closing=data["closing"],
        sections=tuple(_regroup(entries)),
        summaries={int(k): v for k, v in data["summaries"].items()},
        counts=_counts_from_dict(data["counts"]),
        previous=_counts_from_dict(data["previous"]),
        examples=tuple(
            Example(**{**e, "on": date.fromisoformat(e["on"])}) for e in data["examples"]
        ),
        version_line=version_line,
        breakdown={name: _counts_from_dict(c) for name, c in data["breakdown"].items()},
        common=tuple(
            CommonBrist(
                myndighet=c["myndighet"],
                omrade=c["omrade"],
                verksamheter=tuple(c["verksamheter"]),
                nummer=tuple(c["nummer"]),
            )
            for c in data["common"]
        ),
        threshold=data["threshold"],
        as_of=on,
        made_at=frozen_at,
        # Versions frozen before 6 b had themes have none of these: they read as they did.
        themes=tuple(themes_from_dict(data.get("themes", []), entries)),
        leads={Niva(k): v for k, v in data.get("leads", {}).items()},
        appendix=data.get("appendix", True),
        excluded=tuple(Excluded(**item) for item in data.get("excluded", [])),
        measures=(
            tuple(measure_from_dict(m) for m in data["measures"]) if "measures" in data else None
        ),
        routines=tuple(routine_from_dict(r) for r in data.get("routines", [])),
        fixes=FixesChecked(**data["fixes"]) if "fixes" in data else None,
    )


def _regroup(entries: list[RapportEntry]) -> list[NivaSection]:
    """The stored order, grouped again (the frozen text keeps the order it had)."""
    sections: list[NivaSection] = []
    for entry in entries:
        if not sections or sections[-1].niva != entry.niva:
            sections.append(NivaSection(entry.niva, ()))
        section = sections[-1]
        groups = list(section.groups)
        if not groups or groups[-1].myndighet != entry.myndighet:
            groups.append(MyndighetGroup(entry.myndighet, ()))
        groups[-1] = MyndighetGroup(groups[-1].myndighet, (*groups[-1].entries, entry))
        sections[-1] = NivaSection(section.niva, tuple(groups))
    return sections


@dataclass(frozen=True)
class Change:
    """What differs for one brist between a frozen version and the report as it is now."""

    nummer: str
    what: str


def status_words(entry: RapportEntry) -> str:
    """Return "öppen", or "stängd" with the outcome in brackets."""
    if entry.is_open:
        return "öppen"
    return f"stängd ({UTFALL_WORDS[entry.utfall]})" if entry.utfall else "stängd"


def entry_changes(old: RapportEntry, new: RapportEntry) -> list[str]:
    """Describe, in Swedish, how one entry changed."""
    found = []
    if status_words(old) != status_words(new):
        found.append(f"status ändrad: {status_words(old)} → {status_words(new)}")
    if old.niva != new.niva:
        found.append(f"nivå ändrad: {NIVA_WORDS[old.niva]} → {NIVA_WORDS[new.niva]}")
    if old.times_observed != new.times_observed:
        more = "fler" if new.times_observed > old.times_observed else "färre"
        found.append(f"{more} observationer: {old.times_observed} → {new.times_observed}")
    if set(new.actions) - set(old.actions):
        found.append("nya åtgärder")
    return found


@dataclass(frozen=True)
class ChangeFact:
    """What differs for one brist, as facts the page words in the reader's language.

    `kind` is one of CHANGE_KINDS; `old` and `new` are, by kind: a status ("oppen", "stangd",
    or "stangd:" and the Utfall's value), a Niva's value, a count; empty where not used.
    """

    nummer: str
    kind: str
    old: str = ""
    new: str = ""


CHANGE_KINDS = ("ny", "borta", "status", "niva", "fler", "farre", "atgarder")


def _status_fact(entry: RapportEntry) -> str:
    if entry.is_open:
        return "oppen"
    return f"stangd:{entry.utfall.value}" if entry.utfall else "stangd"


def compare_facts(
    frozen: Sequence[RapportEntry], fresh: Sequence[RapportEntry]
) -> list[ChangeFact]:
    """What changed since a version was frozen, by brist number, as facts (see `compare`)."""
    before = {(entry.nummer, entry.verksamhet): entry for entry in frozen}
    after = {(entry.nummer, entry.verksamhet): entry for entry in fresh}
    facts = []
    for key in sorted(before.keys() | after.keys()):
        nummer = key[0]
        if key not in before:
            facts.append(ChangeFact(nummer, "ny"))
            continue
        if key not in after:
            facts.append(ChangeFact(nummer, "borta"))
            continue
        old, new = before[key], after[key]
        if _status_fact(old) != _status_fact(new):
            facts.append(ChangeFact(nummer, "status", _status_fact(old), _status_fact(new)))
        if old.niva != new.niva:
            facts.append(ChangeFact(nummer, "niva", old.niva.value, new.niva.value))
        if old.times_observed != new.times_observed:
            more = "fler" if new.times_observed > old.times_observed else "farre"
            facts.append(ChangeFact(nummer, more, str(old.times_observed), str(new.times_observed)))
        if set(new.actions) - set(old.actions):
            facts.append(ChangeFact(nummer, "atgarder"))
    return facts


def compare(frozen: Sequence[RapportEntry], fresh: Sequence[RapportEntry]) -> list[Change]:
    """List what changed since a version was frozen, by brist number, in Swedish."""
    before = {(entry.nummer, entry.verksamhet): entry for entry in frozen}
    after = {(entry.nummer, entry.verksamhet): entry for entry in fresh}
    changes = []
    for key in sorted(before.keys() | after.keys()):
        if key not in before:
            changes.append(Change(key[0], "ny i rapporten"))
        elif key not in after:
            changes.append(Change(key[0], "inte längre med"))
        else:
            changes.extend(Change(key[0], what) for what in entry_changes(before[key], after[key]))
    return changes


# --- A myndighet's page: its answers, promises and brister ------------------------------------
#
# The page a samordnare opens before meeting the myndighet's local manager. Counts of requests,
# answers and brister are not about people and are shown as they are (no small-count rule).


def one_year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def working_days_between(start: date, end: date, calendar: WorkCalendar) -> int:
    """The working days after `start` up to and including `end` (0 when `end` is not later).

    A request sent on a Friday and answered the Monday after took 1 working day; one answered
    the day it was sent, 0.
    """
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if calendar.is_working_day(start + timedelta(days=offset))
    )


def median_value(values: Iterable[float]) -> float | None:
    """The median of `values` (the mean of the middle two for an even count); None if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(frozen=True)
class RequestFacts:
    """One request for an answer e-mailed to a myndighet, as its answer record sees it."""

    sent_on: date
    answered_on: date | None = None
    # The answer links were revoked before any answer came.
    is_revoked: bool = False


@dataclass(frozen=True)
class AnswerRecord:
    """How a myndighet answered the requests sent to it in the last 12 months."""

    since: date  # requests sent after this day, up to and including `until`, count
    until: date
    requests: int
    answered: int
    rate: float | None
    median_working_days: float | None


def answer_record(
    requests: Iterable[RequestFacts], today: date, calendar: WorkCalendar
) -> AnswerRecord:
    """Answer rate and median answer time in working days, over the last 12 months.

    The rule of the statistics page, over a rolling year instead of a calendar year: a request
    counts when it was sent in the 12 months up to `today`; one whose links were revoked before
    an answer came is not held against the myndighet; a request still within its deadline
    counts as not (yet) answered. The answer time runs from the day it was sent to the day the
    first answer came, in working days.
    """
    since = one_year_before(today)
    counted = [r for r in requests if since < r.sent_on <= today and not r.is_revoked]
    answered = [r for r in counted if r.answered_on is not None]
    days = [
        working_days_between(r.sent_on, r.answered_on, calendar)
        for r in answered
        if r.answered_on is not None
    ]
    return AnswerRecord(
        since=since,
        until=today,
        requests=len(counted),
        answered=len(answered),
        rate=len(answered) / len(counted) if counted else None,
        median_working_days=median_value(days),
    )


@dataclass(frozen=True)
class NivaCount:
    """The myndighet's brister at one nivå: open and closed."""

    niva: Niva
    open: int = 0
    closed: int = 0

    @property
    def total(self) -> int:
        """Open and closed together."""
        return self.open + self.closed


def counts_by_niva(rows: Iterable[tuple[Niva, bool, int]]) -> list[NivaCount]:
    """Every nivå in order (lowest first), from rows of (nivå, is closed, how many)."""
    found = {niva: NivaCount(niva) for niva in Niva}
    for niva, is_closed, n in rows:
        count = found[niva]
        found[niva] = (
            replace(count, closed=count.closed + n)
            if is_closed
            else replace(count, open=count.open + n)
        )
    return list(found.values())
