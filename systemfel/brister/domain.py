"""The rules of a brist: levels, the status state machine, closing, escalation, numbering."""

import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar

import snowballstemmer

from systemfel.i18n import N_


class Niva(StrEnum):
    """The level a brist concerns (Kunskapsguiden), lowest first."""

    HANDLAGGARE = "handlaggare"
    LOKAL = "lokal"
    CENTRAL = "central"

    @property
    def label(self) -> str:
        """Return the Swedish name of the level."""
        return NIVA_LABELS[self]

    @property
    def help(self) -> str:
        """Return Kunskapsguiden's definition of the level, for help text."""
        return NIVA_HELP[self]


NIVA_LABELS = {
    Niva.HANDLAGGARE: N_("Handläggarnivå"),
    Niva.LOKAL: N_("Lokal nivå"),
    Niva.CENTRAL: N_("Central nivå"),
}

NIVA_HELP = {
    Niva.HANDLAGGARE: N_(
        "Enskild handläggares agerande: bemötande, kompetens, värderingar och ansvar "
        "– till exempel bristande kunskap om psykisk funktionsnedsättning eller serviceskyldighet."
    ),
    Niva.LOKAL: N_(
        "Den lokala organisationen: organisation, resurser, insatser och måluppfyllelse "
        "– till exempel ingen personalkontinuitet eller boendestöd med för få timmar."
    ),
    Niva.CENTRAL: N_(
        "Regelverk och nationella strukturer: regler, resurser och organisation "
        "– till exempel svårnavigerade regler eller kontaktvägar som bara är digitala."
    ),
}


class Status(StrEnum):
    """Where a brist is in its lifecycle."""

    REGISTRERAD = "registrerad"
    LYFT = "lyft"
    BEVAKAS = "bevakas"
    STANGD = "stangd"

    @property
    def label(self) -> str:
        """Return the Swedish name of the status."""
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.REGISTRERAD: N_("Registrerad"),
    Status.LYFT: N_("Lyft med myndighet"),
    Status.BEVAKAS: N_("Bevakas"),
    Status.STANGD: N_("Stängd"),
}


class Utfall(StrEnum):
    """How a closed brist ended."""

    ATGARDAD = "atgardad"
    DELVIS_ATGARDAD = "delvis_atgardad"
    EJ_ATGARDAD = "ej_atgardad"
    SAMMANSLAGEN = "sammanslagen"

    @property
    def label(self) -> str:
        """Return the Swedish name of the outcome."""
        return UTFALL_LABELS[self]


UTFALL_LABELS = {
    Utfall.ATGARDAD: N_("Åtgärdad"),
    Utfall.DELVIS_ATGARDAD: N_("Delvis åtgärdad"),
    Utfall.EJ_ATGARDAD: N_("Ej åtgärdad / avskriven"),
    Utfall.SAMMANSLAGEN: N_("Sammanslagen med annan brist"),
}

# The words documents use (always Swedish: reports to the county board, minutes).
NIVA_WORDS = {
    Niva.HANDLAGGARE: "handläggarnivå",
    Niva.LOKAL: "lokal nivå",
    Niva.CENTRAL: "central nivå",
}
UTFALL_WORDS = {
    Utfall.ATGARDAD: "Åtgärdad",
    Utfall.DELVIS_ATGARDAD: "Delvis åtgärdad",
    Utfall.EJ_ATGARDAD: "Ej åtgärdad / avskriven",
    Utfall.SAMMANSLAGEN: "Sammanslagen",
}

# Moves between open statuses. Closing and reopening have rules of their own below.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.REGISTRERAD: frozenset({Status.LYFT, Status.BEVAKAS}),
    Status.LYFT: frozenset({Status.BEVAKAS}),
    Status.BEVAKAS: frozenset({Status.LYFT}),
    Status.STANGD: frozenset(),
}

# A reopened brist is known and has been worked: it goes back to being watched.
REOPENED_STATUS = Status.BEVAKAS


class TransitionRefused(ValueError):
    """A move the state machine does not allow; the message is for the user."""


def allowed_moves(current: Status) -> frozenset[Status]:
    """Return the statuses an open brist may move to without closing."""
    return TRANSITIONS[current]


def times_observed(later_observations: int) -> int:
    """How often a brist has been seen: the registration once, then each later observation.

    The registration is the first time (issue 13): the brist page lists it as the first row
    of its observations, so count and rows agree; the list, the export and the report
    (reports.domain.observed counts REGISTERED and OBSERVATION entries) count the same way.
    """
    return 1 + later_observations


def check_raised(target: Status, *, has_contact: bool) -> None:
    """Refuse "Lyft med myndighet" for a brist with no recorded contact with a myndighet.

    The status says the brist has been raised; the brist page says so only from a contact, so
    the two agree only if the contact comes first (issue 13). Recording the contact moves a
    new brist to LYFT by itself.
    """
    if target == Status.LYFT and not has_contact:
        raise TransitionRefused(
            N_(
                "Bristen har ingen kontakt med en myndighet ännu. Registrera kontakten under "
                "”Lyft med myndighet” på bristens sida, så får bristen den statusen."
            )
        )


def check_move(current: Status, target: Status) -> None:
    """Refuse a status move that is not in the state machine."""
    if target == Status.STANGD:
        raise TransitionRefused(N_("Använd Stäng för att stänga en brist."))
    if target not in TRANSITIONS[current]:
        raise TransitionRefused(N_("Bristen kan inte gå från den här statusen till den valda."))


@dataclass(frozen=True)
class Closing:
    """What closing a brist needs: an outcome and, when merged, the brist it merges into."""

    utfall: Utfall
    merged_into_id: int | None = None


def check_close(current: Status, closing: Closing, brist_id: int) -> None:
    """Refuse closing a closed brist, or a merge without a valid other brist."""
    if current == Status.STANGD:
        raise TransitionRefused(N_("Bristen är redan stängd."))
    if closing.utfall == Utfall.SAMMANSLAGEN:
        if closing.merged_into_id is None:
            raise TransitionRefused(N_("Ange vilken brist den ska slås samman med."))
        if closing.merged_into_id == brist_id:
            raise TransitionRefused(N_("En brist kan inte slås samman med sig själv."))
    elif closing.merged_into_id is not None:
        raise TransitionRefused(N_("Ange bara en annan brist när utfallet är sammanslagen."))


def check_reopen(current: Status) -> None:
    """Only a closed brist can be reopened."""
    if current != Status.STANGD:
        raise TransitionRefused(N_("Bara en stängd brist kan öppnas igen."))


def next_level(current: Niva) -> Niva | None:
    """Return the level above `current`, or None at central level."""
    order = list(Niva)
    position = order.index(current)
    return order[position + 1] if position + 1 < len(order) else None


def check_escalate(status: Status, current: Niva, target: Niva) -> None:
    """Escalation goes upwards only, and not on a closed brist."""
    if status == Status.STANGD:
        raise TransitionRefused(N_("En stängd brist kan inte eskaleras. Öppna den igen först."))
    order = list(Niva)
    if order.index(target) <= order.index(current):
        raise TransitionRefused(N_("En brist kan bara eskaleras till en högre nivå."))


def format_number(prefix: str, year: int, serial: int) -> str:
    """Return the readable number of a brist, e.g. SF-2026-0007."""
    return f"{prefix}-{year}-{serial:04d}"


def search_text(*parts: str | None) -> str:
    """Return the case-folded text a brist is found by in free-text search."""
    return " ".join(part for part in parts if part).casefold()


# A word is a run of letters and digits; everything else (punctuation, symbols, emoji,
# control characters) separates words and can never reach the index's query syntax.
_WORD = re.compile(r"[^\W_]+")
# Longer stems are cut: the index's terms stay small, and a cut stem still matches itself.
MAX_STEM_LENGTH = 60
# A query's words are ANDed; past this many distinct words the rest are left out.
MAX_QUERY_WORDS = 32


def search_words(text: str) -> list[str]:
    """Return the stems of the words in `text`, case-folded, in order, each once.

    One Swedish Snowball stemmer on both databases, so SQLite and PostgreSQL find the same
    brister: "läkarbyten" and "läkarbyte" both become "läkarbyt".
    """
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    return list(dict.fromkeys(stem for stem in map(_stem, words) if stem))


_stemmers = threading.local()  # a Snowball stemmer holds state while it works: one per thread


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    """Return the Swedish stem of a case-folded word, cut to MAX_STEM_LENGTH."""
    stemmer = getattr(_stemmers, "swedish", None)
    if stemmer is None:
        stemmer = _stemmers.swedish = snowballstemmer.stemmer("swedish")
    return stemmer.stemWord(word)[:MAX_STEM_LENGTH]


def search_stems(*parts: str | None) -> str:
    """Return the stemmed words a brist is indexed by, separated by single spaces."""
    return " ".join(search_words(" ".join(part for part in parts if part)))


def is_prefix_search(stem: str) -> bool:
    """Is a searched stem looked for as the beginning of words, or (one letter) as a word?"""
    return len(stem) > 1


def search_query_words(text: str) -> list[str]:
    """Return the stems a search for `text` looks for, each as the beginning of a word."""
    return search_words(text)[:MAX_QUERY_WORDS]


class HandelseTyp(StrEnum):
    """The kinds of entries in a brist's history."""

    REGISTRERAD = "registrerad"
    ANDRAD = "andrad"
    OBSERVATION = "observation"
    ESKALERAD = "eskalerad"
    STATUS = "status"
    STANGD = "stangd"
    ATEROPPNAD = "ateroppnad"
    SAMMANSLAGEN_HIT = "sammanslagen_hit"
    UPPFOLJNING = "uppfoljning"
    BEVAKNING_FLYTTAD = "bevakning_flyttad"
    KONTAKT = "kontakt"
    SVAR = "svar"
    PAMINNELSE = "paminnelse"
    ESKALERING_FORESLAS = "eskalering_foreslas"
    LANK_ATERKALLAD = "lank_aterkallad"
    MOTTAGET = "mottaget"
    KLOCKA_PAUSAD = "klocka_pausad"
    KLOCKA_ATERUPPTAGEN = "klocka_aterupptagen"
    TAS_UPP_I_LEDNINGSGRUPP = "tas_upp_i_ledningsgrupp"
    BESLUT = "beslut"
    # An answer from the strategic body a ledningsgrupp lifted the brist to (meetings' Lyft).
    ORGAN_SVAR = "organ_svar"
    UPPGIFT_BORTTAGEN = "uppgift_borttagen"
    EFTERKONTROLL = "efterkontroll"
    # Left out of a year's annual report, and taken into it again (reports/history.py).
    UTELAMNAD_UR_RAPPORT = "utelamnad_ur_rapport"
    MED_I_RAPPORT_IGEN = "med_i_rapport_igen"
    # An entry from before history kept facts, whose text could not be read back: shown as is.
    NOTERING = "notering"

    @property
    def label(self) -> str:
        """Return the Swedish name of the kind of entry."""
        return HANDELSE_LABELS[self]


HANDELSE_LABELS = {
    HandelseTyp.REGISTRERAD: N_("Registrerad"),
    HandelseTyp.ANDRAD: N_("Ändrad"),
    HandelseTyp.OBSERVATION: N_("Ny observation"),
    HandelseTyp.ESKALERAD: N_("Eskalerad"),
    HandelseTyp.STATUS: N_("Status ändrad"),
    HandelseTyp.STANGD: N_("Stängd"),
    HandelseTyp.ATEROPPNAD: N_("Öppnad igen"),
    HandelseTyp.SAMMANSLAGEN_HIT: N_("En annan brist slogs samman hit"),
    HandelseTyp.UPPFOLJNING: N_("Bevakning genomförd"),
    HandelseTyp.BEVAKNING_FLYTTAD: N_("Bevakningsdatum ändrat"),
    HandelseTyp.KONTAKT: N_("Lyft med myndighet"),
    HandelseTyp.SVAR: N_("Svar från myndighet"),
    HandelseTyp.PAMINNELSE: N_("Påminnelse till myndighet"),
    HandelseTyp.ESKALERING_FORESLAS: N_("Föreslås eskalering"),
    HandelseTyp.LANK_ATERKALLAD: N_("Svarslänk återkallad"),
    HandelseTyp.MOTTAGET: N_("Mottagandet bekräftat av myndighet"),
    HandelseTyp.KLOCKA_PAUSAD: N_("Svarstiden pausad"),
    HandelseTyp.KLOCKA_ATERUPPTAGEN: N_("Svarstiden löper igen"),
    HandelseTyp.TAS_UPP_I_LEDNINGSGRUPP: N_("Ska tas upp i ledningsgruppen"),
    HandelseTyp.BESLUT: N_("Beslut i ledningsgrupp"),
    HandelseTyp.ORGAN_SVAR: N_("Svar från strategiskt organ"),
    HandelseTyp.UPPGIFT_BORTTAGEN: N_("Personnummer borttaget"),
    HandelseTyp.NOTERING: N_("Anteckning"),
    HandelseTyp.EFTERKONTROLL: N_("Håller åtgärden?"),
    HandelseTyp.UTELAMNAD_UR_RAPPORT: N_("Utelämnad ur redovisningen"),
    HandelseTyp.MED_I_RAPPORT_IGEN: N_("Med i redovisningen igen"),
}

# The decisions a ledningsgrupp takes (the values of meetings' BeslutTyp), as history names them.
BESLUT_LABELS = {
    "information": N_("Information"),
    "atgard": N_("Åtgärd"),
    "eskalera": N_("Eskalera"),
    "avsluta": N_("Avsluta"),
    "bevaka": N_("Bevaka"),
    "lyfta": N_("Lyft till strategiskt organ"),
}

# Which keys each kind of history entry carries in its data, and what each may hold: a set of
# allowed values, or the type of the value. A key ending in "?" may be left out or be None.
_DATE = "date"  # an ISO date, YYYY-MM-DD
HISTORY_SCHEMA: dict[HandelseTyp, dict[str, object]] = {
    HandelseTyp.REGISTRERAD: {"niva?": set(Niva)},
    HandelseTyp.ANDRAD: {"fields": list},
    HandelseTyp.OBSERVATION: {"antal_klienter": int},
    HandelseTyp.ESKALERAD: {"from": set(Niva), "to": set(Niva), "mote_id?": int},
    HandelseTyp.STATUS: {"from": set(Status), "to": set(Status)},
    HandelseTyp.STANGD: {
        "from": set(Status),
        "utfall": set(Utfall),
        "merged_into_id?": int,
        "merged_into_nummer?": str,
        "mote_id?": int,
    },
    HandelseTyp.ATEROPPNAD: {"to": set(Status), "utfall?": set(Utfall)},
    HandelseTyp.SAMMANSLAGEN_HIT: {"brist_id?": int, "nummer": str},
    HandelseTyp.UPPFOLJNING: {"from": _DATE, "to": _DATE},
    HandelseTyp.BEVAKNING_FLYTTAD: {
        "from": _DATE,
        "to": _DATE,
        "cause": {"hand", "utlovat", "beslut"},
        "mote_id?": int,
    },
    HandelseTyp.KONTAKT: {"myndighet": str, "kanal": {"epost", "brev", "mote", "telefon"}},
    HandelseTyp.SVAR: {
        "myndighet": str,
        "svar": str,
        "promised_on?": _DATE,
        "responsible_body?": str,
        "diarienummer?": str,
    },
    HandelseTyp.PAMINNELSE: {"myndighet": str, "number": int},
    HandelseTyp.ESKALERING_FORESLAS: {"myndighet": str, "reminders": int},
    HandelseTyp.LANK_ATERKALLAD: {"myndighet": str},
    HandelseTyp.MOTTAGET: {"myndighet": str, "handlaggare?": str, "diarienummer?": str},
    HandelseTyp.KLOCKA_PAUSAD: {
        "myndighet": str,
        "orsak": {"komplettering", "samtycke"},
        "due": _DATE,
        "days_left": int,
    },
    HandelseTyp.KLOCKA_ATERUPPTAGEN: {
        "myndighet": str,
        "paused_on": _DATE,
        "to": _DATE,
        "days_left": int,
    },
    HandelseTyp.TAS_UPP_I_LEDNINGSGRUPP: {"marked": bool},
    HandelseTyp.BESLUT: {
        "mote_id?": int,
        "grupp": str,
        "mote_on": _DATE,
        "beslut": set(BESLUT_LABELS),
        "till_niva?": set(Niva),
        "utfall?": set(Utfall),
        "ansvarig?": str,
        "senast_on?": _DATE,
        # A lift (beslut "lyfta"): the body's kind (meetings' OrganTyp) and name, and the day
        # its answer is expected.
        "organ_typ?": str,
        "organ_namn?": str,
        "svar_senast_on?": _DATE,
    },
    HandelseTyp.ORGAN_SVAR: {"organ_namn": str, "svar_on": _DATE, "lyft_id?": int},
    HandelseTyp.UPPGIFT_BORTTAGEN: {"fields": list},
    HandelseTyp.NOTERING: {"was?": set(HandelseTyp)},
    # An ombud's answer whether a fix lasted; `handelse_id` is the closing it checks.
    HandelseTyp.EFTERKONTROLL: {
        "svar": {"haller", "aterkommit"},
        "closed_on": _DATE,
        "handelse_id": int,
    },
    # The year of the report; the reason is the entry's text.
    HandelseTyp.UTELAMNAD_UR_RAPPORT: {"year": int, "scope": str},
    HandelseTyp.MED_I_RAPPORT_IGEN: {"year": int, "scope": str},
}


def check_history_data(kind: HandelseTyp, data: Mapping[str, object]) -> None:
    """Refuse data that does not fit the kind's schema: a missing, unknown or wrong value."""
    schema = HISTORY_SCHEMA[kind]
    keys = {key.rstrip("?"): key for key in schema}
    unknown = set(data) - set(keys)
    if unknown:
        raise ValueError(f"{kind}: unknown keys {sorted(unknown)}")
    for name, key in keys.items():
        value = data.get(name)
        if value is None:
            if key.endswith("?"):
                continue
            raise ValueError(f"{kind}: {name} is missing")
        rule = schema[key]
        if not _fits(value, rule):
            raise ValueError(f"{kind}: {name}={value!r} does not fit")


def _fits(value: object, rule: object) -> bool:
    if rule == _DATE:
        if not isinstance(value, str):
            return False
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True
    if isinstance(rule, set):
        return value in rule
    if rule is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(rule, type) and isinstance(value, rule)


def decision_sentence(data: Mapping[str, object], text: str) -> str:
    """A ledningsgrupp's decision as the Swedish documents state it (not translated)."""
    beslut, rest = data["beslut"], text.strip()
    head = f"Beslut i {data['grupp']} {data['mote_on']}"
    if beslut == "atgard":
        said = f"åtgärd – {rest} (ansvarig: {data.get('ansvarig') or ''}"
        return f"{head}: {said}, senast {data.get('senast_on') or ''})."
    if beslut == "eskalera" and data.get("till_niva"):
        said = f"eskaleras till {NIVA_WORDS[Niva(str(data['till_niva']))]}. {rest}"
    elif beslut == "avsluta" and data.get("utfall"):
        said = f"avslutas som {UTFALL_WORDS[Utfall(str(data['utfall']))].lower()}. {rest}"
    elif beslut == "bevaka":
        said = f"bevakas till {data.get('senast_on') or ''}. {rest}"
    elif beslut == "lyfta":
        said = (
            f"lyfts till {data.get('organ_namn') or ''}, svar väntas senast "
            f"{data.get('svar_senast_on') or ''}. {rest}"
        )
    else:
        said = f"information. {rest}"
    return f"{head}: {said.strip()}"


# The fields a user edits (named as in BristFields), with the labels history and conflict
# messages show.
FIELD_LABELS = {
    "titel": N_("Rubrik"),
    "beskrivning": N_("Beskrivning"),
    "niva": N_("Nivå"),
    "myndighet_id": N_("Myndighet"),
    "other_myndighet_ids": N_("Övriga myndigheter"),
    "omrade_id": N_("Område"),
    "first_observed_on": N_("Först observerad"),
    "antal_klienter": N_("Antal klienter"),
    "konsekvenser": N_("Konsekvenser för målgruppen"),
    "forslag_atgard": N_("Förslag till åtgärd"),
    "ansvarig_id": N_("Ansvarigt ombud"),
}


@dataclass(frozen=True)
class Change:
    """One field that changed, as the user saw it: label, old value, new value."""

    field: str
    old: str
    new: str


def diff(labels: dict[str, str], old: dict[str, str], new: dict[str, str]) -> list[Change]:
    """Compare two snapshots of displayed values, in the order of `labels`."""
    return [
        Change(labels[key], old.get(key, ""), new.get(key, ""))
        for key in labels
        if old.get(key, "") != new.get(key, "")
    ]


K = TypeVar("K")  # how fields are named: a form's field name, or (field, row) in many rows


def differing(saved: Mapping[K, object], mine: Mapping[K, object]) -> list[K]:
    """Name the fields of `mine` whose value is not the saved one, in `mine`'s order.

    Surrounding blanks, line endings and the order of a multiple choice make no difference:
    a save changes none of them.
    """
    return [name for name, value in mine.items() if _same(value) != _same(saved.get(name))]


def _same(value: object) -> object:
    """The value as a save would store it, for comparing."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(value)
    return value
