"""A meeting as pages and documents show it: numbered items with reasons, facts and decisions."""

from datetime import date, timedelta

from flask_babel import format_date, gettext

from systemfel.brister.domain import HandelseTyp, Niva, Status
from systemfel.clock import STOCKHOLM
from systemfel.dates import day
from systemfel.followups.domain import SvarTyp
from systemfel.meetings import queries
from systemfel.meetings.documents import DocItem, IcsEvent, MoteDoc, swedish_datetime_range
from systemfel.meetings.domain import Beslut, BeslutTyp, MotesStatus, Sektion, Skal
from systemfel.meetings.models import Mote, Punkt

DEFAULT_LENGTH = timedelta(hours=2)


def facts_of(punkt: Punkt) -> tuple[tuple[str, str], ...]:
    """The brist as it was when the agenda was proposed or fastställd."""
    facts = punkt.facts or {}
    if not facts:
        return ()
    rows = []
    if facts.get("kort"):
        rows.append((gettext("Kort beskrivning"), facts["kort"]))
    if facts.get("senaste_typ") in set(HandelseTyp):
        event = f"{facts['senaste_on']}: {gettext(HandelseTyp(facts['senaste_typ']).label)}"
        if facts.get("senaste_text"):
            event += f" – {facts['senaste_text']}"
        rows.append((gettext("Senaste händelse"), event))
    rows += [
        (gettext("Nivå"), gettext(Niva(facts["niva"]).label)),
        (gettext("Myndighet"), facts["myndighet"]),
        (gettext("Status"), gettext(Status(facts["status"]).label)),
    ]
    if facts.get("svar_typ"):
        answer = f"{facts['svar_on']}: {gettext(SvarTyp(facts['svar_typ']).label)}"
        if facts.get("svar_text"):
            answer += f" – {facts['svar_text']}"
        rows.append((gettext("Senaste svar"), answer))
    if punkt.forslag is not None:
        rows.append((gettext("Förslag till beslut"), gettext(punkt.forslag.label)))
    return tuple(rows)


def decision_of(punkt: Punkt) -> str:
    """The decision as one sentence, for the minutes."""
    beslut = punkt.beslut
    return beslut_in_words(beslut) if beslut is not None else ""


def beslut_in_words(beslut: Beslut) -> str:
    """A decision, saved or about to be carried out, as one sentence."""
    parts = [gettext("Beslut: %(typ)s.", typ=gettext(beslut.typ.label))]
    if beslut.typ == BeslutTyp.ESKALERA and beslut.till_niva:
        parts.append(gettext("Till %(niva)s.", niva=gettext(beslut.till_niva.label)))
    if beslut.typ == BeslutTyp.LYFTA and beslut.organ_typ:
        parts.append(
            gettext(
                "Till %(organ)s (%(typ)s).",
                organ=beslut.organ_namn,
                typ=gettext(beslut.organ_typ.label),
            )
        )
    if beslut.typ == BeslutTyp.AVSLUTA and beslut.utfall:
        parts.append(gettext("Utfall: %(utfall)s.", utfall=gettext(beslut.utfall.label)))
    if beslut.ansvarig:
        parts.append(gettext("Ansvarig: %(vem)s.", vem=beslut.ansvarig))
    if beslut.senast_on:
        parts.append(gettext("Senast: %(datum)s.", datum=day(beslut.senast_on)))
    if beslut.text:
        parts.append(beslut.text)
    return " ".join(parts)


def protokoll_in_words(mote: Mote) -> dict[tuple[str, int | None], str]:
    """What the saved minutes say, field by field: (the form's field, the punkt's id)."""
    named = mote.narvarande
    words: dict[tuple[str, int | None], str] = {
        ("narvarande", None): "; ".join(f"{namn}, {organisation}" for namn, organisation in named)
    }
    for punkt in mote.visible_punkter:
        words["anteckning", punkt.id] = punkt.anteckning
        words["is_deferred", punkt.id] = (
            gettext("Inte behandlad – förs över till nästa möte.")
            if punkt.is_deferred
            else gettext("Behandlad.")
        )
        words["beslut_typ", punkt.id] = decision_of(punkt) or gettext("Inget beslut.")
    return words


def _filled(mote: Mote, punkt: Punkt, following: Mote | None) -> str:
    """What the minutes say of a fixed item without anyone writing it (issue 13).

    §2 "Val av justerare" names the justerare; "Nästa möte" the group's next planned meeting.
    """
    if punkt.key == "justerare" and mote.justerare_namn:
        return gettext("Till justerare valdes %(namn)s.", namn=mote.justerare_namn)
    if punkt.key == "nasta_mote" and following is not None:
        when = swedish_datetime_range(
            following.starts_at.astimezone(STOCKHOLM),
            following.ends_at.astimezone(STOCKHOLM) if following.ends_at else None,
        )
        # Mid-sentence the weekday is lower-case ("Nästa möte: tisdag 9 mars …").
        when = when[:1].lower() + when[1:]
        return gettext("Nästa möte: %(when)s, %(plats)s.", when=when, plats=following.plats)
    return ""


def doc_items(mote: Mote) -> tuple[DocItem, ...]:
    """The visible items, numbered in order, with what the agenda and minutes say of each."""
    following = (
        queries.next_mote(mote)
        if any(p.key == "nasta_mote" for p in mote.visible_punkter)
        else None
    )
    return tuple(
        DocItem(
            number=number,
            rubrik=gettext(punkt.rubrik)
            if not punkt.is_manual and not punkt.brist_id
            else punkt.rubrik,
            section=gettext(punkt.sektion.label),
            reasons=tuple(gettext(Skal(reason).label) for reason in punkt.skal),
            facts=facts_of(punkt),
            notes=punkt.anteckning,
            decision=decision_of(punkt) or _filled(mote, punkt, following),
            not_dealt_with=punkt.is_deferred,
        )
        for number, punkt in enumerate(mote.visible_punkter, start=1)
    )


def status_line(mote: Mote) -> str:
    """Where the meeting stands, for the head of its documents."""
    if mote.status == MotesStatus.PROTOKOLL_JUSTERAT and mote.justerad_at:
        return gettext(
            "Protokollet justerat %(datum)s av %(vem)s.",
            datum=_day(mote.justerad_at.astimezone(STOCKHOLM).date()),
            vem=mote.justerare_namn or (mote.justerad_by.namn if mote.justerad_by else ""),
        )
    if mote.faststalld_at:
        return gettext(
            "Dagordningen fastställd %(datum)s.",
            datum=_day(mote.faststalld_at.astimezone(STOCKHOLM).date()),
        )
    return gettext("Förslag till dagordning – inte fastställd.")


def _day(day: date) -> str:
    return format_date(day, "d MMMM y")


def mote_doc(mote: Mote) -> MoteDoc:
    """What a document of the meeting shows; never client data."""
    group = mote.ledningsgrupp
    return MoteDoc(
        ledningsgrupp=group.namn,
        verksamheter=tuple(v.namn for v in group.verksamheter),
        kommuner=tuple(k.namn for v in group.verksamheter for k in v.kommuner),
        starts_at=mote.starts_at.astimezone(STOCKHOLM),
        ends_at=mote.ends_at.astimezone(STOCKHOLM) if mote.ends_at else None,
        plats=mote.plats,
        items=doc_items(mote),
        status_line=status_line(mote),
        members=attendees(mote),
        justerare=mote.justerare_namn,
        ordforande=mote.ordforande_namn,
        sekreterare=mote.sekreterare_namn,
    )


def attendees(mote: Mote) -> tuple[tuple[str, str], ...]:
    """Who the minutes name as present; before the minutes say, every member (the invited)."""
    if mote.status in (MotesStatus.GENOMFORT, MotesStatus.PROTOKOLL_JUSTERAT) and mote.narvarande:
        return tuple((namn, organisation) for namn, organisation in mote.narvarande)
    return tuple((m.namn, m.organisation) for m in mote.ledningsgrupp.ledamoter)


def ics_event(
    mote: Mote, url: str, organizer_email: str = "", organizer_name: str = ""
) -> IcsEvent:
    """The meeting as a calendar event; its UID stays, its sequence moves with each change.

    An invitation's description lists the agenda once it is fastställd; every description
    links to the meeting.
    Only an invitation (with an organizer) names the attendees: a shared feed must not hand
    out addresses.
    """
    group = mote.ledningsgrupp
    return IcsEvent(
        uid=mote.ics_uid,
        sequence=mote.ics_sequence,
        summary=f"{group.namn}: {gettext('möte')}",
        starts_at=mote.starts_at.astimezone(STOCKHOLM),
        ends_at=(mote.ends_at or mote.starts_at + DEFAULT_LENGTH).astimezone(STOCKHOLM),
        location=mote.plats,
        description=ics_description(mote, url, with_agenda=bool(organizer_email)),
        url=url,
        cancelled=mote.cancelled_at is not None,
        organizer_email=organizer_email,
        organizer_name=organizer_name or group.namn,
        attendees=tuple((m.namn, m.epost) for m in group.ledamoter if m.epost)
        if organizer_email
        else (),
    )


def ics_description(mote: Mote, url: str, *, with_agenda: bool) -> str:
    """The agenda's items, one a line, once it is fastställd; then the link to the meeting.

    The feed (many meetings in one request) carries the link only.
    """
    lines: list[str] = []
    if with_agenda and mote.status != MotesStatus.PLANERAT:
        lines.append(gettext("Dagordning:"))
        lines.extend(f"§ {item.number} {item.rubrik}" for item in doc_items(mote))
        lines.append("")
    lines.append(gettext("Mötet i Systemfel: %(url)s", url=url))
    return "\n".join(lines)


def sections_of(mote: Mote) -> list[tuple[Sektion, list[tuple[int, Punkt, DocItem]]]]:
    """The visible items grouped by section for the meeting page, with their numbers."""
    grouped: dict[Sektion, list[tuple[int, Punkt, DocItem]]] = {}
    for punkt, item in zip(mote.visible_punkter, doc_items(mote), strict=True):
        grouped.setdefault(punkt.sektion, []).append((item.number, punkt, item))
    return [(sektion, grouped[sektion]) for sektion in Sektion if sektion in grouped]
