"""How the history entries followups writes read: a contact and an answer from a myndighet."""

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext

from systemfel.brister import history
from systemfel.brister.domain import HandelseTyp
from systemfel.followups.domain import (
    EFTERKONTROLL_LABELS,
    KANAL_LABELS,
    SVAR_LABELS,
    EfterkontrollSvar,
    Kanal,
    SvarTyp,
)


def connect() -> None:
    """Register the renderers with brister's history."""
    history.RENDERERS[HandelseTyp.KONTAKT] = contact_lines
    history.RENDERERS[HandelseTyp.SVAR] = answer_lines
    history.RENDERERS[HandelseTyp.EFTERKONTROLL] = efterkontroll_lines


def contact_lines(data: Mapping[str, Any]) -> list[history.Line]:
    """A contact: the myndighet and the channel."""
    kanal = gettext(KANAL_LABELS[Kanal(data["kanal"])])
    return [f"{data['myndighet']} ({kanal})"]


def answer_lines(data: Mapping[str, Any]) -> list[history.Line]:
    """An answer: the myndighet, what it answered, and the details it gave."""
    line = f"{data['myndighet']}: {gettext(SVAR_LABELS[SvarTyp(data['svar'])])}"
    if data.get("promised_on"):
        line += " " + gettext("(klart %(day)s)", day=data["promised_on"])
    if data.get("responsible_body"):
        line += " " + gettext("(ansvarig: %(body)s)", body=data["responsible_body"])
    if data.get("diarienummer"):
        line += " " + gettext("dnr %(dnr)s", dnr=data["diarienummer"])
    return [line]


def efterkontroll_lines(data: Mapping[str, Any]) -> list[history.Line]:
    """A check whether a fix lasted: the answer, and the closing it is about."""
    svar = gettext(EFTERKONTROLL_LABELS[EfterkontrollSvar(data["svar"])])
    return [gettext("%(svar)s (stängd som åtgärdad %(day)s)", svar=svar, day=data["closed_on"])]
