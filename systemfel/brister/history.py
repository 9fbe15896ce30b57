"""A brist's history: the one writer of its entries, and the lines people read from them.

An entry stores facts (a kind and its data, the day it happened); the text shown is
rendered here when it is read, in the reader's language, so rewording a label changes no
entry and no report. Nothing reads display text back.
"""

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import gettext, ngettext

from systemfel.auth.models import User
from systemfel.brister.domain import (
    BESLUT_LABELS,
    FIELD_LABELS,
    HandelseTyp,
    Niva,
    Status,
    Utfall,
    check_history_data,
)
from systemfel.brister.models import Brist, Handelse
from systemfel.clock import local_today
from systemfel.dates import day as _day
from systemfel.extensions import db

# A sentence, or a change: (what changed, old value, new value).
Line = str | tuple[str, str, str]

# How the kinds an area above brister writes are read: that area registers its renderers
# here (followups/history.py), so brister knows nothing of its labels.
RENDERERS: dict[HandelseTyp, Callable[[Mapping[str, Any]], list[Line]]] = {}


def record(
    brist: Brist,
    kind: HandelseTyp,
    data: Mapping[str, Any],
    user: User | None,
    happened_on: date,
    now: datetime,
    text: str = "",
    *,
    touches_brist: bool = True,
) -> Handelse:
    """Add an entry to the brist's history, stamped with the version it leads to.

    An entry that goes with a change of the brist's own row (`touches_brist`) leads to the
    next version, which the row gets when it is flushed; one that leaves the row alone (an
    observation, a contact, a reminder) belongs to the version the brist has.
    """
    check_history_data(kind, data)
    current = brist.version or 0  # a brist not yet flushed has no version: it gets 1
    entry = Handelse(
        brist=brist,
        typ=kind,
        data=dict(data),
        user=user,
        text=text,
        changes=[],
        happened_on=happened_on,
        created_at=now,
        version=current + 1 if touches_brist or current == 0 else current,
    )
    db.session.add(entry)
    return entry


def happened(entry: Handelse) -> date | None:
    """The day it happened, when that is not the day it was recorded (else None)."""
    return None if entry.happened_on == local_today(entry.created_at) else entry.happened_on


def title(entry: Handelse) -> str:
    """The entry's heading in the reader's language."""
    kind = entry.typ
    if kind == HandelseTyp.NOTERING and entry.data.get("was") in set(HandelseTyp):
        kind = HandelseTyp(entry.data["was"])
    return gettext(kind.label)


def lines(entry: Handelse) -> list[Line]:
    """The facts of the entry as lines in the reader's language (its free text not included).

    A line is a sentence, or a change as (what, old value, new value).
    """
    data = entry.data or {}
    kind = entry.typ
    if kind in RENDERERS:
        return RENDERERS[kind](data)
    if kind == HandelseTyp.NOTERING:
        return [_change(str(label), old, new) for label, old, new in entry.changes or []]
    if kind == HandelseTyp.REGISTRERAD and data.get("niva"):
        return [_change(gettext("Nivå"), "", _niva(data["niva"]))]
    if kind == HandelseTyp.ANDRAD:
        return [
            _change(gettext(FIELD_LABELS.get(key, key)), *_field_values(key, old, new))
            for key, old, new in data["fields"]
        ]
    if kind == HandelseTyp.OBSERVATION:
        return [gettext("Antal klienter: %(antal)s", antal=data["antal_klienter"])]
    if kind == HandelseTyp.ESKALERAD:
        return [_change(gettext("Nivå"), _niva(data["from"]), _niva(data["to"]))]
    if kind == HandelseTyp.STATUS:
        return [_change(gettext("Status"), _status(data["from"]), _status(data["to"]))]
    if kind == HandelseTyp.STANGD:
        found: list[Line] = [
            _change(gettext("Status"), _status(data["from"]), _status(Status.STANGD)),
            _change(gettext("Utfall"), "", _utfall(data["utfall"])),
        ]
        if data.get("merged_into_nummer"):
            found.append(_change(gettext("Sammanslagen med"), "", data["merged_into_nummer"]))
        return found
    if kind == HandelseTyp.ATEROPPNAD:
        return [
            _change(gettext("Status"), _status(Status.STANGD), _status(data["to"])),
            _change(gettext("Utfall"), _utfall(data.get("utfall")), ""),
        ]
    if kind == HandelseTyp.SAMMANSLAGEN_HIT:
        return [gettext("Sammanslagen från %(nummer)s", nummer=data["nummer"])]
    if kind in (HandelseTyp.UPPFOLJNING, HandelseTyp.BEVAKNING_FLYTTAD):
        moved: list[Line] = [
            _change(gettext("Nästa bevakning"), _day(data["from"]), _day(data["to"]))
        ]
        if data.get("cause") == "utlovat":
            moved.append(gettext("Datum som myndigheten utlovat."))
        elif data.get("cause") == "beslut":
            moved.append(gettext("Enligt beslut i ledningsgruppen."))
        return moved
    if kind == HandelseTyp.PAMINNELSE:
        return [
            gettext(
                "%(myndighet)s: påminnelse %(number)s",
                myndighet=data["myndighet"],
                number=data["number"],
            )
        ]
    if kind == HandelseTyp.ESKALERING_FORESLAS:
        return [
            ngettext(
                "%(myndighet)s har inte svarat efter %(num)s påminnelse.",
                "%(myndighet)s har inte svarat efter %(num)s påminnelser.",
                data["reminders"],
                myndighet=data["myndighet"],
            )
        ]
    if kind == HandelseTyp.LANK_ATERKALLAD:
        return [data["myndighet"]]
    if kind == HandelseTyp.TAS_UPP_I_LEDNINGSGRUPP:
        return [] if data["marked"] else [gettext("Återtaget")]
    if kind == HandelseTyp.BESLUT:
        return [_decision(data)]
    if kind == HandelseTyp.ORGAN_SVAR:
        return [
            gettext(
                "%(organ)s svarade %(day)s.", organ=data["organ_namn"], day=_day(data["svar_on"])
            )
        ]
    if kind == HandelseTyp.UPPGIFT_BORTTAGEN:
        return [", ".join(gettext(FIELD_LABELS.get(key, key)) for key in data["fields"])]
    return []


def _change(label: str, old: object, new: object) -> Line:
    return (label, str(old or ""), str(new or ""))


def _niva(value: object) -> str:
    return gettext(Niva(str(value)).label) if value else ""


def _status(value: object) -> str:
    return gettext(Status(str(value)).label) if value else ""


def _utfall(value: object) -> str:
    return gettext(Utfall(str(value)).label) if value else ""


def _field_values(key: str, old: str, new: str) -> tuple[str, str]:
    if key == "niva":
        return _niva(old), _niva(new)
    if key == "first_observed_on":
        return _day(old), _day(new)
    return old, new


def _decision(data: Mapping[str, Any]) -> str:
    line = gettext(
        "Beslut i %(grupp)s %(day)s: %(beslut)s",
        grupp=data["grupp"],
        day=_day(data["mote_on"]),
        beslut=gettext(BESLUT_LABELS[data["beslut"]]),
    )
    if data.get("till_niva"):
        line += f" ({_niva(data['till_niva'])})"
    if data.get("utfall"):
        line += f" ({_utfall(data['utfall'])})"
    if data.get("organ_namn"):
        line += " " + gettext("(till %(body)s)", body=data["organ_namn"])
    if data.get("svar_senast_on"):
        line += " " + gettext("(svar väntas senast %(day)s)", day=_day(data["svar_senast_on"]))
    if data.get("ansvarig"):
        line += " " + gettext("(ansvarig: %(body)s)", body=data["ansvarig"])
    if data.get("senast_on"):
        line += " " + gettext("(senast %(day)s)", day=_day(data["senast_on"]))
    return line
