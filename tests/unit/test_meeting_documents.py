"""Agenda and minutes as DOCX, meetings as iCalendar, read back (no app, no database)."""

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import docx
import pytest
from docx.table import Table
from docx.text.paragraph import Paragraph
from icalendar import Calendar

from systemfel.meetings.documents import (
    DocItem,
    IcsEvent,
    MoteDoc,
    dagordning_docx,
    mote_ics,
    protokoll_docx,
    swedish_datetime_range,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
STARTS_AT = datetime(2026, 12, 8, 13, 0, tzinfo=STOCKHOLM)
ENDS_AT = datetime(2026, 12, 8, 15, 0, tzinfo=STOCKHOLM)

ITEMS = (
    DocItem(1, "Mötets öppnande", "Inledning"),
    DocItem(
        2,
        "Val av justerare",
        "Inledning",
        notes="Ordföranden föreslog Anna Berg.",
        decision="Beslut: Anna Berg justerar protokollet.",
    ),
    DocItem(
        3,
        "SF-2026-0007 Långa handläggningstider för sjukpenning",
        "Nya brister",
        reasons=("ny sedan föregående möte", "gäller flera myndigheter"),
        facts=(
            ("Nivå", "Lokal nivå"),
            ("Myndighet", "Försäkringskassan"),
            ("Status", "Bevakas"),
            ("Senaste svar", "Inget svar sedan 2026-09-01"),
            ("Förslag till beslut", "Eskalera"),
        ),
        notes="Försäkringskassans representant känner igen bilden.\nFrågan tas upp internt.\n\n"
        "Ombuden beskrev tre exempel.",
        decision="Beslut: eskaleras till central nivå.",
    ),
    DocItem(
        4,
        "SF-2026-0011 Ingen kontinuitet i psykiatrins öppenvård",
        "Nya brister",
        reasons=("ny sedan föregående möte",),
        facts=(("Nivå", "Lokal nivå"), ("Myndighet", "Regionens psykiatri")),
        not_dealt_with=True,
    ),
    DocItem(
        5,
        "SF-2025-0042 Digital kontakt stänger ute målgruppen",
        "Bevakade brister",
        reasons=("svar har kommit",),
        facts=(("Status", "Besvarad"),),
        notes="Svaret bedöms otillräckligt.",
        decision="Beslut: bevakas vidare.",
    ),
    DocItem(6, "Mötets avslutande", "Avslutning"),
)

DOC = MoteDoc(
    ledningsgrupp="Ledningsgruppen för personligt ombud Nacka–Värmdö",
    verksamheter=("Personligt ombud Nacka–Värmdö",),
    kommuner=("Nacka kommun", "Värmdö kommun"),
    starts_at=STARTS_AT,
    ends_at=ENDS_AT,
    plats="Nacka stadshus, sal Sickla",
    items=ITEMS,
    status_line="Dagordningen fastställd 2026-11-20",
    members=(("Anna Berg", "Nacka kommun"), ("Per Ek", "Försäkringskassan"), ("Lisa Holm", "")),
    justerare="Anna Berg",
)


def read(data: bytes) -> list[Paragraph | Table]:
    """The document's body, paragraphs and tables in order."""
    return list(docx.Document(io.BytesIO(data)).iter_inner_content())


def paragraphs(body: list[Paragraph | Table]) -> list[Paragraph]:
    return [block for block in body if isinstance(block, Paragraph)]


def headings(body: list[Paragraph | Table]) -> list[tuple[str, str]]:
    return [
        (p.style.name, p.text)
        for p in paragraphs(body)
        if p.style.name.startswith("Heading") or p.style.name == "Title"
    ]


def block_after(body: list[Paragraph | Table], text: str, offset: int = 1) -> Paragraph | Table:
    index = next(i for i, b in enumerate(body) if isinstance(b, Paragraph) and b.text == text)
    return body[index + offset]


def texts(body: list[Paragraph | Table]) -> list[str]:
    return [p.text for p in paragraphs(body)]


EXPECTED_ITEM_HEADINGS = [
    ("Heading 1", "Inledning"),
    ("Heading 2", "§ 1 Mötets öppnande"),
    ("Heading 2", "§ 2 Val av justerare"),
    ("Heading 1", "Nya brister"),
    ("Heading 2", "§ 3 SF-2026-0007 Långa handläggningstider för sjukpenning"),
    ("Heading 2", "§ 4 SF-2026-0011 Ingen kontinuitet i psykiatrins öppenvård"),
    ("Heading 1", "Bevakade brister"),
    ("Heading 2", "§ 5 SF-2025-0042 Digital kontakt stänger ute målgruppen"),
    ("Heading 1", "Avslutning"),
    ("Heading 2", "§ 6 Mötets avslutande"),
]


def test_agenda_headings_in_order():
    body = read(dagordning_docx(DOC))

    assert headings(body) == [
        ("Title", "Dagordning"),
        ("Heading 1", "Kallade"),
        *EXPECTED_ITEM_HEADINGS,
    ]


def test_agenda_head():
    body = read(dagordning_docx(DOC))
    lines = texts(body)

    assert lines[1] == "Ledningsgruppen för personligt ombud Nacka–Värmdö"
    assert paragraphs(body)[1].style.name == "Subtitle"
    assert "Kommuner: Nacka kommun, Värmdö kommun" in lines
    assert "Verksamhet: Personligt ombud Nacka–Värmdö" in lines
    assert "Tisdag 8 december 2026 kl. 13.00–15.00" in lines
    assert "Plats: Nacka stadshus, sal Sickla" in lines
    status = next(p for p in paragraphs(body) if p.text == "Dagordningen fastställd 2026-11-20")
    assert all(run.italic for run in status.runs)


def test_agenda_lists_the_called_members():
    body = read(dagordning_docx(DOC))

    members = [p.text for p in paragraphs(body) if p.style.name == "List Bullet"]
    assert members == ["Anna Berg, Nacka kommun", "Per Ek, Försäkringskassan", "Lisa Holm"]
    assert block_after(body, "Kallade").text == "Anna Berg, Nacka kommun"


def test_agenda_item_reasons_and_facts():
    body = read(dagordning_docx(DOC))

    reasons = block_after(body, "§ 3 SF-2026-0007 Långa handläggningstider för sjukpenning")
    assert reasons.text == "Varför: ny sedan föregående möte; gäller flera myndigheter"
    assert all(run.italic for run in reasons.runs)

    facts = block_after(body, "§ 3 SF-2026-0007 Långa handläggningstider för sjukpenning", 2)
    assert isinstance(facts, Table)
    rows = [tuple(cell.text for cell in row.cells) for row in facts.rows]
    assert rows == [
        ("Nivå", "Lokal nivå"),
        ("Myndighet", "Försäkringskassan"),
        ("Status", "Bevakas"),
        ("Senaste svar", "Inget svar sedan 2026-09-01"),
        ("Förslag till beslut", "Eskalera"),
    ]
    assert facts.rows[0].cells[0].paragraphs[0].runs[0].bold

    assert len([b for b in body if isinstance(b, Table)]) == 3
    # An item without reasons or facts goes straight on to the next heading.
    assert block_after(body, "§ 1 Mötets öppnande").text == "§ 2 Val av justerare"


def test_agenda_has_no_minutes_content():
    lines = texts(read(dagordning_docx(DOC)))

    assert "Beslut: eskaleras till central nivå." not in lines
    assert not any("Ej behandlad" in line for line in lines)
    assert "Justeras" not in lines


def test_documents_are_titled_and_swedish():
    dagordning = docx.Document(io.BytesIO(dagordning_docx(DOC)))
    protokoll = docx.Document(io.BytesIO(protokoll_docx(DOC)))

    assert dagordning.core_properties.title == (
        "Dagordning, Ledningsgruppen för personligt ombud Nacka–Värmdö, 2026-12-08"
    )
    assert protokoll.core_properties.title.startswith("Protokoll, ")
    assert dagordning.core_properties.language == "sv-SE"
    lang = dagordning.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang")[0]
    assert lang.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val") == "sv-SE"
    assert round(dagordning.sections[0].page_width.mm) == 210


def test_minutes_headings_in_order():
    body = read(protokoll_docx(DOC))

    assert headings(body) == [
        ("Title", "Protokoll"),
        ("Heading 1", "Närvarande"),
        *EXPECTED_ITEM_HEADINGS,
        ("Heading 1", "Justeras"),
    ]
    assert "Tisdag 8 december 2026 kl. 13.00–15.00" in texts(body)
    assert [p.text for p in paragraphs(body) if p.style.name == "List Bullet"][0] == (
        "Anna Berg, Nacka kommun"
    )


def test_minutes_notes_and_decisions():
    body = read(protokoll_docx(DOC))
    heading = "§ 3 SF-2026-0007 Långa handläggningstider för sjukpenning"

    first, second, decision = (block_after(body, heading, n) for n in (1, 2, 3))
    assert first.text == (
        "Försäkringskassans representant känner igen bilden.\nFrågan tas upp internt."
    )
    assert second.text == "Ombuden beskrev tre exempel."
    assert decision.text == "Beslut: eskaleras till central nivå."
    assert all(run.bold for run in decision.runs)
    assert not any(run.bold for run in first.runs)
    # The agenda's reasons and facts are not repeated.
    assert not any(isinstance(b, Table) for b in body)
    assert not any(line.startswith("Varför:") for line in texts(body))


def test_minutes_mark_items_not_dealt_with():
    body = read(protokoll_docx(DOC))

    marked = [p for p in paragraphs(body) if "Ej behandlad" in p.text]
    assert [p.text for p in marked] == ["Ej behandlad – förs över till nästa möte"]
    heading = "§ 4 SF-2026-0011 Ingen kontinuitet i psykiatrins öppenvård"
    assert block_after(body, heading) is marked[0]


def test_minutes_end_with_the_justering():
    doc = replace(DOC, status_line="Protokollet justerat 2026-12-10 av Anna Berg")
    lines = texts(read(protokoll_docx(doc)))

    tail = lines[lines.index("Justeras") :]
    assert tail[0] == "Justeras"
    signature = next(line for line in tail if line.startswith("____"))
    assert len(signature) >= 30
    assert tail[tail.index(signature) + 1] == "Anna Berg"
    assert tail[-1] == "Protokollet justerat 2026-12-10 av Anna Berg"
    # In the minutes the status belongs to the justering, not to the head.
    assert lines.count("Protokollet justerat 2026-12-10 av Anna Berg") == 1


def test_document_without_members_sections_or_end():
    doc = MoteDoc(
        ledningsgrupp="Strategiska ledningsgruppen",
        verksamheter=("PO Tyresö", "PO Haninge"),
        kommuner=("Tyresö kommun",),
        starts_at=STARTS_AT,
        ends_at=None,
        plats="",
        items=(DocItem(1, "Information", ""),),
    )
    body = read(dagordning_docx(doc))

    assert headings(body) == [("Title", "Dagordning"), ("Heading 2", "§ 1 Information")]
    assert "Kommun: Tyresö kommun" in texts(body)
    assert "Verksamheter: PO Tyresö, PO Haninge" in texts(body)
    assert "Tisdag 8 december 2026 kl. 13.00" in texts(body)
    assert not any(line.startswith("Plats") for line in texts(body))
    assert "Justeras" in texts(read(protokoll_docx(doc)))


# swedish_datetime_range


def test_range_on_one_day():
    assert swedish_datetime_range(STARTS_AT, ENDS_AT) == "Tisdag 8 december 2026 kl. 13.00–15.00"


def test_range_without_end():
    start = datetime(2027, 3, 1, 9, 5, tzinfo=STOCKHOLM)
    assert swedish_datetime_range(start, None) == "Måndag 1 mars 2027 kl. 09.05"


def test_range_across_midnight():
    start = datetime(2026, 12, 31, 22, 0, tzinfo=STOCKHOLM)
    end = start + timedelta(hours=3)
    assert swedish_datetime_range(start, end) == (
        "Torsdag 31 december 2026 kl. 22.00 – fredag 1 januari 2027 kl. 01.00"
    )


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # UTC in, Stockholm out: winter +1, summer +2.
        (datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "Torsdag 15 januari 2026 kl. 13.00"),
        (datetime(2026, 6, 20, 12, 30, tzinfo=UTC), "Lördag 20 juni 2026 kl. 14.30"),
        (datetime(2026, 5, 17, 8, 0, tzinfo=STOCKHOLM), "Söndag 17 maj 2026 kl. 08.00"),
    ],
)
def test_range_in_stockholm_time(moment, expected):
    assert swedish_datetime_range(moment, None) == expected


def test_range_refuses_naive_and_backwards_times():
    with pytest.raises(ValueError, match="timezone-aware"):
        swedish_datetime_range(datetime(2026, 12, 8, 13, 0), None)
    with pytest.raises(ValueError, match="before"):
        swedish_datetime_range(ENDS_AT, STARTS_AT)


# iCalendar


def ics_event(**changes) -> IcsEvent:
    values = {
        "uid": "mote-12@systemfel",
        "sequence": 3,
        "summary": "Ledningsgruppen Nacka–Värmdö",
        "starts_at": STARTS_AT,
        "ends_at": ENDS_AT,
        "location": "Nacka stadshus, sal Sickla",
        "description": "Dagordning: https://systemfel.example/moten/12",
        "url": "https://systemfel.example/moten/12",
        "organizer_email": "samordnare@nacka.se",
        "attendee_emails": ("anna.berg@nacka.se", "per.ek@forsakringskassan.se"),
    }
    return IcsEvent(**{**values, **changes})


STAMP = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def test_ics_invitation():
    data = mote_ics(
        [ics_event()], calendar_name="Ledningsgruppen", method="REQUEST", stamped_at=STAMP
    )
    calendar = Calendar.from_ical(data)

    assert b"\r\n" in data
    assert str(calendar["PRODID"]) == "-//Systemfel//SE"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["X-WR-CALNAME"]) == "Ledningsgruppen"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]

    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "mote-12@systemfel"
    assert event["SEQUENCE"] == 3
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTAMP"].dt == STAMP
    assert event["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert event["DTEND"].params["TZID"] == "Europe/Stockholm"
    assert event["DTSTART"].dt == STARTS_AT
    assert event["DTEND"].dt == ENDS_AT
    assert b"DTSTART;TZID=Europe/Stockholm:20261208T130000" in data
    assert str(event["LOCATION"]) == "Nacka stadshus, sal Sickla"
    assert str(event["URL"]) == "https://systemfel.example/moten/12"
    assert str(event["ORGANIZER"]) == "mailto:samordnare@nacka.se"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == [
        "mailto:anna.berg@nacka.se",
        "mailto:per.ek@forsakringskassan.se",
    ]
    assert all(a.params["ROLE"] == "REQ-PARTICIPANT" for a in attendees)
    assert all(a.params["RSVP"] == "TRUE" for a in attendees)


def test_ics_feed_of_meetings_in_utc_and_cancelled():
    summer_start = datetime(2027, 6, 1, 7, 0, tzinfo=UTC)
    events = [
        ics_event(organizer_email="", attendee_emails=()),
        ics_event(
            uid="mote-13@systemfel",
            sequence=1,
            starts_at=summer_start,
            ends_at=summer_start + timedelta(hours=2),
            description="",
            url="",
            organizer_email="",
            attendee_emails=(),
            cancelled=True,
        ),
    ]
    calendar = Calendar.from_ical(mote_ics(events, calendar_name="LG", stamped_at=STAMP))

    assert str(calendar["METHOD"]) == "PUBLISH"
    first, second = calendar.walk("VEVENT")
    assert "ORGANIZER" not in first and "ATTENDEE" not in first
    assert str(second["UID"]) == "mote-13@systemfel"
    assert second["SEQUENCE"] == 1
    assert str(second["STATUS"]) == "CANCELLED"
    assert "DESCRIPTION" not in second and "URL" not in second
    assert second["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert second["DTSTART"].dt.replace(tzinfo=None) == datetime(2027, 6, 1, 9, 0)
    assert second["DTSTART"].dt == summer_start
    # One VTIMEZONE for both, and it covers summer time.
    (timezone,) = calendar.walk("VTIMEZONE")
    assert timezone.walk("DAYLIGHT")


def test_ics_stamps_now_by_default():
    before = datetime.now(UTC).replace(microsecond=0)
    calendar = Calendar.from_ical(mote_ics([ics_event()], calendar_name="LG"))

    assert calendar.walk("VEVENT")[0]["DTSTAMP"].dt >= before


def test_ics_refuses_what_clients_would_reject():
    with pytest.raises(ValueError, match="organizer"):
        mote_ics([ics_event(organizer_email="")], calendar_name="LG", method="REQUEST")
    with pytest.raises(ValueError, match="method"):
        mote_ics([ics_event()], calendar_name="LG", method="REPLY")
    with pytest.raises(ValueError, match="not after"):
        mote_ics([ics_event(ends_at=STARTS_AT)], calendar_name="LG")
    with pytest.raises(ValueError, match="timezone-aware"):
        mote_ics([ics_event(starts_at=datetime(2026, 12, 8, 13))], calendar_name="LG")


def test_ics_without_events_is_a_valid_empty_calendar():
    calendar = Calendar.from_ical(mote_ics([], calendar_name="LG"))

    assert calendar.walk("VEVENT") == []
    assert str(calendar["METHOD"]) == "PUBLISH"
