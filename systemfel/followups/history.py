"""How the history entries followups writes read: contacts, answers, receipts and pauses."""

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext, ngettext

from systemfel.brister import history
from systemfel.brister.domain import HandelseTyp
from systemfel.dates import day as _day
from systemfel.followups.domain import (
    EFTERKONTROLL_LABELS,
    KANAL_LABELS,
    PAUS_LABELS,
    SVAR_LABELS,
    EfterkontrollSvar,
    Kanal,
    PausOrsak,
    SvarTyp,
)


def connect() -> None:
    """Register the renderers with brister's history."""
    history.RENDERERS[HandelseTyp.KONTAKT] = contact_lines
    history.RENDERERS[HandelseTyp.SVAR] = answer_lines
    history.RENDERERS[HandelseTyp.MOTTAGET] = receipt_lines
    history.RENDERERS[HandelseTyp.KLOCKA_PAUSAD] = pause_lines
    history.RENDERERS[HandelseTyp.KLOCKA_ATERUPPTAGEN] = resume_lines
    history.RENDERERS[HandelseTyp.EFTERKONTROLL] = efterkontroll_lines


def contact_lines(data: Mapping[str, Any]) -> list[history.Line]:
    """A contact: the myndighet and the channel."""
    kanal = gettext(KANAL_LABELS[Kanal(data["kanal"])])
    return [f"{data['myndighet']} ({kanal})"]


def answer_lines(data: Mapping[str, Any]) -> list[history.Line]:
    """An answer: the myndighet, what it answered, and the details it gave."""
    line = f"{data['myndighet']}: {gettext(SVAR_LABELS[SvarTyp(data['svar'])])}"
    if data.get("promised_on"):
        line += " " + gettext("(klart %(day)s)", day=_day(data["promised_on"]))
    if data.get("responsible_body"):
        line += " " + gettext("(ansvarig: %(body)s)", body=data["responsible_body"])
    if data.get("diarienummer"):
        line += " " + gettext("dnr %(dnr)s", dnr=data["diarienummer"])
    return [line]


def receipt_lines(data: Mapping[str, Any]) -> list[history.Line]:
    """A receipt: the myndighet, and who handles it under which diarienummer, if told."""
    line = str(data["myndighet"])
    if data.get("handlaggare"):
        line += " " + gettext("(handläggare: %(who)s)", who=data["handlaggare"])
    if data.get("diarienummer"):
        line += " " + gettext("dnr %(dnr)s", dnr=data["diarienummer"])
    return [line]


def pause_lines(data: Mapping[str, Any]) -> list[history.Line]:
    """A pause: why, and how many working days were left to the deadline."""
    return [
        f"{data['myndighet']}: {gettext(PAUS_LABELS[PausOrsak(data['orsak'])])}",
        ngettext(
            "%(num)s arbetsdag kvar till %(due)s.",
            "%(num)s arbetsdagar kvar till %(due)s.",
            data["days_left"],
            due=_day(data["due"]),
        ),
    ]


def resume_lines(data: Mapping[str, Any]) -> list[history.Line]:
    """A resume: the working days that were left, and the new deadline."""
    return [
        gettext(
            "%(myndighet)s: informationen är skickad (pausat sedan %(since)s).",
            myndighet=data["myndighet"],
            since=_day(data["paused_on"]),
        ),
        (gettext("Svar önskas senast"), "", _day(data["to"])),
    ]


def efterkontroll_lines(data: Mapping[str, Any]) -> list[history.Line]:
    """A check whether a fix lasted: the answer, and the closing it is about."""
    svar = gettext(EFTERKONTROLL_LABELS[EfterkontrollSvar(data["svar"])])
    return [
        gettext("%(svar)s (stängd som åtgärdad %(day)s)", svar=svar, day=_day(data["closed_on"]))
    ]
