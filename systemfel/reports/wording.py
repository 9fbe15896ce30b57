"""The report page's system-written lines in the reader's language, worded when they are read.

The annual report itself is a Swedish document for the county board (reports/domain.py writes
its sentences in Swedish); what the page says *about* it, such as what changed since a frozen
version, is the app talking to its user and follows the user's language.
"""

from flask_babel import gettext

from systemfel.brister.domain import Niva, Status, Utfall
from systemfel.i18n import N_
from systemfel.reports.domain import Change, ChangeFact

CHANGE_LINES = {
    "ny": N_("ny i redovisningen"),
    "borta": N_("inte längre med"),
    "status": N_("status ändrad: %(old)s → %(new)s"),
    "niva": N_("nivå ändrad: %(old)s → %(new)s"),
    "fler": N_("fler observationer: %(old)s → %(new)s"),
    "farre": N_("färre observationer: %(old)s → %(new)s"),
    "atgarder": N_("nya åtgärder"),
}
OPEN = N_("öppen")


def _status(value: str) -> str:
    if value == "oppen":
        return gettext(OPEN)
    closed = gettext(Status.STANGD.label)
    _, _, utfall = value.partition(":")
    return f"{closed} ({gettext(Utfall(utfall).label)})" if utfall else closed


def _value(kind: str, value: str) -> str:
    if kind == "status":
        return _status(value)
    if kind == "niva":
        return gettext(Niva(value).label)
    return value


def change_line(fact: ChangeFact) -> str:
    """One change since a frozen version, as a line in the reader's language."""
    return gettext(
        CHANGE_LINES[fact.kind],
        old=_value(fact.kind, fact.old),
        new=_value(fact.kind, fact.new),
    )


def changes(facts: list[ChangeFact]) -> list[Change]:
    """The changes as the page lists them: the brist's number and the worded line."""
    return [Change(fact.nummer, change_line(fact)) for fact in facts]
