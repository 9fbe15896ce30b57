"""Meeting documents from plain values: agenda and minutes as DOCX, invitations as iCalendar.

Nothing here knows the database: callers build a `MoteDoc` (or `IcsEvent`s) from brister,
which hold no client data, and get bytes back to send or download.
"""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from docx.document import Document
from docx.shared import Cm
from icalendar import Calendar, Event, vCalAddress

from systemfel.docx_tools import (
    TABLE_STYLE,
    add_header_and_page_numbers,
    new_document,
    set_properties,
)
from systemfel.exports import cleaned, one_line

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Our own tables: the server's locale is not to be trusted (and is usually C.UTF-8).
WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)

NOT_DEALT_WITH = "Ej behandlad – förs över till nästa möte"
SIGNATURE_LINE = "_" * 40
ICS_METHODS = ("PUBLISH", "REQUEST", "CANCEL")

# A4 with Word's default margins of 2.54 cm leaves 15.92 cm for text.
FACT_LABEL_WIDTH = Cm(4.5)
FACT_VALUE_WIDTH = Cm(11.4)


@dataclass(frozen=True)
class DocItem:
    """One agenda item as printed."""

    number: int
    rubrik: str
    section: str
    reasons: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    notes: str = ""
    decision: str = ""
    not_dealt_with: bool = False


@dataclass(frozen=True)
class MoteDoc:
    """What a document of a meeting shows.

    Never any client data: it is built from brister, which hold none.
    """

    ledningsgrupp: str
    verksamheter: tuple[str, ...]
    kommuner: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime | None
    plats: str
    items: tuple[DocItem, ...]
    status_line: str = ""
    members: tuple[tuple[str, str], ...] = ()
    justerare: str = ""
    ordforande: str = ""
    sekreterare: str = ""


@dataclass(frozen=True)
class IcsEvent:
    """One meeting as a calendar event; `uid` stays, `sequence` grows with each change."""

    uid: str
    sequence: int
    summary: str
    starts_at: datetime
    ends_at: datetime
    location: str
    description: str = ""
    url: str = ""
    cancelled: bool = False
    organizer_email: str = ""
    attendee_emails: tuple[str, ...] = ()
    # The organizer's and the attendees' names (CN): calendars show them, not bare addresses.
    organizer_name: str = ""
    attendees: tuple[tuple[str, str], ...] = ()  # (name, e-mail)


def _local(moment: datetime, name: str) -> datetime:
    """The moment in Stockholm; a naive datetime is a bug in the caller."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return moment.astimezone(STOCKHOLM)


def _swedish_day(moment: datetime) -> str:
    """E.g. "tisdag 8 december 2026"."""
    return f"{WEEKDAYS[moment.weekday()]} {moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def _swedish_time(moment: datetime) -> str:
    """E.g. "13.00", the Swedish way of writing a time of day."""
    return f"{moment.hour:02d}.{moment.minute:02d}"


def swedish_datetime_range(
    starts_at: datetime, ends_at: datetime | None, *, capitalised: bool = True
) -> str:
    """When a meeting is, in Stockholm time: "Tisdag 8 december 2026 kl. 13.00–15.00".

    Without an end only the start is given; a meeting that ends on another day names both
    days ("Tisdag 8 december 2026 kl. 22.00 – onsdag 9 december 2026 kl. 01.00").
    """
    start = _local(starts_at, "starts_at")
    text = f"{_swedish_day(start)} kl. {_swedish_time(start)}"
    if ends_at is not None:
        end = _local(ends_at, "ends_at")
        if end < start:
            raise ValueError(f"ends_at {ends_at} is before starts_at {starts_at}")
        if end.date() == start.date():
            text += f"–{_swedish_time(end)}"
        else:
            # Spaced dash: the two sides contain spaces themselves.
            text += f" – {_swedish_day(end)} kl. {_swedish_time(end)}"
    # Capitalised where it opens a line ("Tid: Tisdag…"); lower-case mid-sentence (a subject).
    return text[0].upper() + text[1:] if capitalised else text


def _names(singular: str, plural: str, names: tuple[str, ...]) -> str:
    """E.g. "Kommuner: Nacka kommun, Värmdö kommun"."""
    return f"{singular if len(names) == 1 else plural}: {', '.join(names)}"


def _add_head(document: Document, title: str, doc: MoteDoc, *, with_status: bool) -> None:
    """Title, ledningsgrupp, who it is for, when and where."""
    document.add_heading(title, level=0)
    document.add_paragraph(doc.ledningsgrupp, style="Subtitle")
    if doc.kommuner:
        document.add_paragraph(_names("Kommun", "Kommuner", doc.kommuner))
    if doc.verksamheter:
        document.add_paragraph(_names("Verksamhet", "Verksamheter", doc.verksamheter))
    document.add_paragraph(swedish_datetime_range(doc.starts_at, doc.ends_at))
    if doc.plats:
        document.add_paragraph(f"Plats: {doc.plats}")
    if with_status and doc.status_line:
        document.add_paragraph().add_run(doc.status_line).italic = True


def _add_members(document: Document, heading: str, members: tuple[tuple[str, str], ...]) -> None:
    """A heading and one bullet per member: "Anna Berg, Nacka kommun"."""
    if not members:
        return
    document.add_heading(heading, level=1)
    for name, organisation in members:
        document.add_paragraph(
            f"{name}, {organisation}" if organisation else name, style="List Bullet"
        )


def _add_facts(document: Document, facts: tuple[tuple[str, str], ...]) -> None:
    """Label/value pairs as a two-column table, labels in bold."""
    table = document.add_table(rows=len(facts), cols=2, style=TABLE_STYLE)
    table.autofit = False
    # Word reads the cell widths, LibreOffice the grid's: set both.
    table.columns[0].width = FACT_LABEL_WIDTH
    table.columns[1].width = FACT_VALUE_WIDTH
    for row, (label, value) in zip(table.rows, facts, strict=True):
        label_cell, value_cell = row.cells
        label_cell.width = FACT_LABEL_WIDTH
        value_cell.width = FACT_VALUE_WIDTH
        label_cell.paragraphs[0].add_run(label).bold = True
        value_cell.paragraphs[0].add_run(value)


def _add_notes(document: Document, notes: str) -> None:
    """Blank lines separate paragraphs; a single newline stays a line break."""
    for paragraph in notes.strip().split("\n\n"):
        if paragraph.strip():
            document.add_paragraph(paragraph.strip("\n"))


def _sections(items: Iterable[DocItem]) -> Iterable[tuple[str | None, DocItem]]:
    """Each item with the section heading to print before it (None: same section as before)."""
    current = None
    for item in items:
        if item.section != current:
            current = item.section
            yield (item.section or None), item
        else:
            yield None, item


def _add_item_heading(document: Document, section: str | None, item: DocItem) -> None:
    """The section heading when it changes, then "§ N Rubrik"."""
    if section:
        document.add_heading(section, level=1)
    document.add_heading(f"§ {item.number} {item.rubrik}", level=2)


def _to_bytes(document: Document) -> bytes:
    """The document as a .docx file."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _title(kind: str, doc: MoteDoc) -> str:
    """E.g. "Dagordning, Ledningsgruppen för personligt ombud Nacka–Värmdö, 2026-12-08"."""
    return f"{kind}, {doc.ledningsgrupp}, {_local(doc.starts_at, 'starts_at').date().isoformat()}"


def doc_title(kind: str, doc: MoteDoc) -> str:
    """The document's title (its properties, its running header)."""
    return _title(kind, doc)


def author(doc: MoteDoc) -> str:
    """Who a meeting's document is from: the ledningsgrupp (never the program that wrote it)."""
    return doc.ledningsgrupp


def _finished(document: Document, kind: str, doc: MoteDoc, at: datetime | None) -> None:
    """The document's own properties, a running header and "Sida X av Y" at the foot."""
    set_properties(
        document,
        title=_title(kind, doc),
        author=author(doc),
        subject=f"{kind} för {doc.ledningsgrupp}",
        at=at or datetime.now(UTC),
    )
    add_header_and_page_numbers(document, _title(kind, doc))


def dagordning_docx(doc: MoteDoc, at: datetime | None = None) -> bytes:
    """The agenda ("Dagordning") as DOCX: head, "Kallade", then each item with why and facts."""
    doc = cleaned(doc)
    document = new_document(_title("Dagordning", doc))
    _finished(document, "Dagordning", doc, at)
    _add_head(document, "Dagordning", doc, with_status=True)
    _add_members(document, "Kallade", doc.members)
    for section, item in _sections(doc.items):
        _add_item_heading(document, section, item)
        if item.reasons:
            document.add_paragraph().add_run(f"Varför: {'; '.join(item.reasons)}").italic = True
        if item.facts:
            _add_facts(document, item.facts)
    return _to_bytes(document)


def protokoll_docx(doc: MoteDoc, at: datetime | None = None) -> bytes:
    """The minutes ("Protokoll") as DOCX: head, "Närvarande", notes and decisions, "Justeras".

    The agenda's reasons and facts are left out: the minutes record what was said and decided.
    """
    doc = cleaned(doc)
    document = new_document(_title("Protokoll", doc))
    _finished(document, "Protokoll", doc, at)
    _add_head(document, "Protokoll", doc, with_status=False)
    if doc.ordforande:
        document.add_paragraph(f"Ordförande: {doc.ordforande}")
    if doc.sekreterare:
        document.add_paragraph(f"Sekreterare: {doc.sekreterare}")
    _add_members(document, "Närvarande", doc.members)
    for section, item in _sections(doc.items):
        _add_item_heading(document, section, item)
        if item.notes.strip():
            _add_notes(document, item.notes)
        if item.decision:
            document.add_paragraph().add_run(item.decision).bold = True
        if item.not_dealt_with:
            document.add_paragraph().add_run(NOT_DEALT_WITH).italic = True
    if doc.sekreterare:
        document.add_heading("Vid protokollet", level=1)
        document.add_paragraph()
        document.add_paragraph(SIGNATURE_LINE)
        document.add_paragraph(doc.sekreterare)
    document.add_heading("Justeras", level=1)
    # Room to sign above the line, the name printed below it.
    document.add_paragraph()
    document.add_paragraph(SIGNATURE_LINE)
    if doc.justerare:
        document.add_paragraph(doc.justerare)
    if doc.status_line:
        document.add_paragraph().add_run(doc.status_line).italic = True
    return _to_bytes(document)


def _address(email: str, name: str = "") -> vCalAddress:
    """An e-mail address as a calendar user address (RFC 5545 CAL-ADDRESS), named by CN."""
    address = vCalAddress(f"mailto:{one_line(email).strip()}")
    if one_line(name).strip():
        address.params["CN"] = one_line(name).strip()
    return address


def _event(event: IcsEvent, stamped_at: datetime) -> Event:
    """One VEVENT, its times in Stockholm time (with TZID)."""
    event = cleaned(event)
    starts_at = _local(event.starts_at, "starts_at")
    ends_at = _local(event.ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValueError(f"event {event.uid} ends at {ends_at}, not after its start {starts_at}")
    component = Event()
    component.add("uid", event.uid)
    component.add("sequence", event.sequence)
    component.add("dtstamp", stamped_at)
    component.add("dtstart", starts_at)
    component.add("dtend", ends_at)
    component.add("summary", one_line(event.summary))
    component.add("location", one_line(event.location))
    if event.description:
        component.add("description", event.description)
    if event.url:
        component.add("url", event.url)
    component.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.organizer_email:
        component.add("organizer", _address(event.organizer_email, event.organizer_name))
    named = [("", email) for email in event.attendee_emails] + list(event.attendees)
    for name, email in named:
        attendee = _address(email, name)
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["PARTSTAT"] = "NEEDS-ACTION"
        attendee.params["RSVP"] = "TRUE"
        component.add("attendee", attendee)
    return component


def mote_ics(
    events: Sequence[IcsEvent],
    *,
    calendar_name: str,
    method: str = "PUBLISH",
    stamped_at: datetime | None = None,
) -> bytes:
    """Meetings as an iCalendar file (RFC 5545), with the VTIMEZONE for Europe/Stockholm.

    `method` is PUBLISH for a feed, REQUEST for an invitation and CANCEL for its withdrawal;
    the last two need an organizer on every event (RFC 5546). `stamped_at` (DTSTAMP) is now
    unless given.
    """
    method = method.upper()
    if method not in ICS_METHODS:
        raise ValueError(f"method must be one of {', '.join(ICS_METHODS)}, got {method!r}")
    if method != "PUBLISH":
        for event in events:
            if not event.organizer_email:
                raise ValueError(f"METHOD:{method} needs an organizer, event {event.uid} has none")
    stamp = (stamped_at or datetime.now(UTC)).astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", "-//Systemfel//SE")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add("x-wr-calname", one_line(calendar_name))
    for event in events:
        calendar.add_component(_event(event, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()
