"""Tenant data rules: kinds of myndighet, a new verksamhet's lists, what a scope allows."""

import re
from enum import StrEnum

from systemfel.i18n import N_


class MyndighetTyp(StrEnum):
    """What kind of body a myndighet is."""

    STATLIG = "statlig"
    REGION = "region"
    KOMMUN = "kommun"
    ANNAN = "annan"

    @property
    def label(self) -> str:
        """Return the Swedish name of the kind."""
        return MYNDIGHET_TYP_LABELS[self]


MYNDIGHET_TYP_LABELS = {
    MyndighetTyp.STATLIG: N_("Statlig myndighet"),
    MyndighetTyp.REGION: N_("Region"),
    MyndighetTyp.KOMMUN: N_("Kommun"),
    MyndighetTyp.ANNAN: N_("Annan"),
}


class Sammandrag(StrEnum):
    """How often a myndighet gets one letter listing every request awaiting its answer.

    The rules of the letters are in followups.domain; the setting is tenant data.
    """

    AV = "av"
    VECKOVIS = "veckovis"
    MANADSVIS = "manadsvis"

    @property
    def label(self) -> str:
        """Return the Swedish name of the setting."""
        return SAMMANDRAG_LABELS[self]


SAMMANDRAG_LABELS = {
    Sammandrag.AV: N_("Av – en påminnelse per fråga"),
    Sammandrag.VECKOVIS: N_("Varje vecka"),
    Sammandrag.MANADSVIS: N_("Varje månad"),
}


# The bodies most brister concern; every new verksamhet starts with this list and edits it.
STANDARD_MYNDIGHETER: list[tuple[str, MyndighetTyp]] = [
    ("Försäkringskassan", MyndighetTyp.STATLIG),
    ("Arbetsförmedlingen", MyndighetTyp.STATLIG),
    ("Kronofogden", MyndighetTyp.STATLIG),
    ("Skatteverket", MyndighetTyp.STATLIG),
    ("Migrationsverket", MyndighetTyp.STATLIG),
    ("Pensionsmyndigheten", MyndighetTyp.STATLIG),
    ("Regionens psykiatri", MyndighetTyp.REGION),
    ("Regionens primärvård", MyndighetTyp.REGION),
    ("Beroendevården", MyndighetTyp.REGION),
    ("Patientnämnden", MyndighetTyp.REGION),
    ("Socialtjänsten – ekonomiskt bistånd", MyndighetTyp.KOMMUN),
    ("Socialtjänsten – boendestöd", MyndighetTyp.KOMMUN),
    ("Socialtjänsten – LSS", MyndighetTyp.KOMMUN),
    ("Överförmyndaren", MyndighetTyp.KOMMUN),
    ("Bostadsbolaget", MyndighetTyp.ANNAN),
]

STANDARD_OMRADEN: list[str] = [
    "Ekonomi",
    "Bostad",
    "Sysselsättning och arbete",
    "Vård och psykiatri",
    "Beroende",
    "Socialt stöd",
    "Gode män och förvaltare",
    "Folkbokföring och identitet",
    "Tillgänglighet och kontaktvägar",
]


def parse_emails(text: str) -> list[str]:
    """Split a list of functional e-mail addresses written one a line or comma-separated."""
    parts = text.replace(",", "\n").replace(";", "\n").splitlines()
    return [part.strip() for part in parts if part.strip()]


def parse_kommuner(text: str) -> list[str]:
    """Split a list of kommun names written one a line or comma-separated, without repeats."""
    names: list[str] = []
    for part in text.replace(",", "\n").splitlines():
        name = part.strip()
        if name and name.casefold() not in {existing.casefold() for existing in names}:
            names.append(name)
    return names


_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def invalid_addresses(addresses: list[str]) -> list[str]:
    """Return the addresses that are not of the form name@domain.tld."""
    return [address for address in addresses if not _ADDRESS.match(address)]


class Operation(StrEnum):
    """What an actor may do with a verksamhet's data; a role grants a set of them."""

    SEE = "see"
    WORK_BRISTER = "work_brister"  # register, edit, observe, escalate, move, follow up
    CLOSE_BRISTER = "close_brister"  # close with an outcome or merge; decisions that close
    EDIT_RAPPORT = "edit_rapport"  # write, freeze and roll up the annual report
    MANAGE_VERKSAMHET = "manage_verksamhet"  # users, lists, ledningsgrupper and their meetings
