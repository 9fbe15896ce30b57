"""The "uppmärksammade brister" section as DOCX, text, CSV and XLSX, read back (no app, no DB)."""

import csv
import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import docx
import openpyxl
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn

from systemfel.brister.domain import Niva, Utfall
from systemfel.reports.documents import (
    ENTRY_COLUMNS,
    entries_csv,
    rapport_docx,
    rapport_text,
    rapport_xlsx,
)
from systemfel.reports.domain import (
    CommonBrist,
    Counts,
    Example,
    MyndighetGroup,
    NivaSection,
    RapportDocument,
    RapportEntry,
)
from tests.small_counts import assert_not_recoverable

HYPERLINK = '=HYPERLINK("http://example.com","Klicka")'


def entry(brist_id: int, nummer: str, niva: Niva, myndighet: str, **fields) -> RapportEntry:
    values = {
        "titel": f"Titel {nummer}",
        "summary": f"Sammanfattning {nummer}.",
        "verksamhet": "PO Nacka–Värmdö",
        "omrade": "Ekonomi",
        "is_open": True,
        "utfall": None,
        "times_observed": 4,
        "clients": 5,
        "history": (),
        "actions": (),
        "merged": (),
    }
    values.update(fields)
    return RapportEntry(brist_id=brist_id, nummer=nummer, niva=niva, myndighet=myndighet, **values)


FK, PSYK, AF = "Försäkringskassan", "Regionens psykiatri", "Arbetsförmedlingen"

E1 = entry(
    1,
    "SF-2026-0003",
    Niva.LOKAL,
    FK,
    titel="Långa handläggningstider för sjukpenning",
    summary="Beslut dröjer i över fyra månader.\n\nFlera blir utan inkomst.",
    history=("2026-02-01 Lyft med Försäkringskassan", "2026-04-15 Eskalerad till lokal nivå"),
    actions=("2026-05-02 Försäkringskassan inför en kontaktperson",),
)
E2 = entry(
    2,
    "SF-2026-0007",
    Niva.LOKAL,
    FK,
    titel="Avslag utan hänsyn till sjukskrivning",
    is_open=False,
    utfall=Utfall.ATGARDAD,
    times_observed=3,
    clients=2,
    merged=("SF-2026-0009", "SF-2026-0011"),
)
E3 = entry(
    3,
    "SF-2025-0042",
    Niva.LOKAL,
    PSYK,
    titel="Ingen kontinuitet i psykiatrins öppenvård",
    summary="Den ursprungliga sammanfattningen.",
    omrade="Vård",
    times_observed=3,
    clients=2,
)
E4 = entry(
    4,
    "SF-2026-0012",
    Niva.CENTRAL,
    FK,
    titel=HYPERLINK,
    summary="-Regler som är svåra att förstå.",
    verksamhet="PO Solna",
    times_observed=12,
    clients=10,
    actions=("Skrivelse till Socialstyrelsen", "+46 ringde tillbaka"),
)
E5 = entry(
    5,
    "SF-2026-0020",
    Niva.CENTRAL,
    AF,
    titel="Digital kontakt som enda väg",
    omrade="Sysselsättning",
    is_open=False,
    utfall=Utfall.DELVIS_ATGARDAD,
    times_observed=1,
    clients=0,
)

COUNTS = Counts(
    new=12,
    closed=2,
    open_at_end=20,
    by_niva={Niva.HANDLAGGARE: 0, Niva.LOKAL: 15, Niva.CENTRAL: 5},
    by_myndighet={FK: 14, PSYK: 4, AF: 2},
)
PREVIOUS = Counts(
    new=9,
    closed=7,
    open_at_end=10,
    by_niva={Niva.LOKAL: 8, Niva.CENTRAL: 2},
    by_myndighet={FK: 8, "Kronofogden": 2},
)

DOC = RapportDocument(
    year=2026,
    verksamheter=("PO Nacka–Värmdö", "PO Solna"),
    kommuner=("Nacka kommun", "Solna stad", "Värmdö kommun"),
    has_routines=True,
    introduction="Ombuden registrerar brister löpande.\n\nLedningsgruppen följer upp dem.",
    closing="Rapporten är godkänd av socialnämnden.",
    sections=(
        NivaSection(
            Niva.LOKAL,
            (MyndighetGroup(FK, (E1, E2)), MyndighetGroup(PSYK, (E3,))),
        ),
        NivaSection(
            Niva.CENTRAL,
            (MyndighetGroup(FK, (E4,)), MyndighetGroup(AF, (E5,))),
        ),
    ),
    summaries={3: "Den redigerade sammanfattningen."},
    counts=COUNTS,
    previous=PREVIOUS,
    examples=(
        Example(date(2026, 5, 2), "SF-2026-0003", "Kontaktperson för målgruppen", "åtgärd"),
        Example(date(2026, 9, 1), "SF-2026-0007", "Nya rutiner för avslag", "utfall"),
    ),
    version_line="Fryst version 2, 2027-01-10, Sara Samordnare",
    breakdown={
        "PO Nacka–Värmdö": Counts(8, 1, 14, {Niva.LOKAL: 12, Niva.CENTRAL: 2}, {FK: 10}),
        "PO Solna": Counts(4, 1, 6, {Niva.LOKAL: 3, Niva.CENTRAL: 3}, {FK: 4}),
    },
    common=(
        CommonBrist(
            FK, "Ekonomi", ("PO Nacka–Värmdö", "PO Solna"), ("SF-2026-0003", "SF-2026-0012")
        ),
    ),
)

NOTE = (
    "Antal klienter mellan 1 och 2 visas som <3, och antal observationer bredvid dem som till "
    "exempel ≥2 där det exakta antalet skulle avslöja antalet klienter."
)
# In the workbook a held-back count is an empty cell with a comment: sums and sorting work.
XLSX_NOTE = (
    "Antal klienter mellan 1 och 2 lämnas tomma, och antal observationer bredvid dem där det "
    "exakta antalet skulle avslöja antalet klienter; cellens kommentar säger vad som döljs "
    "(till exempel Färre än 3 — döljs)."
)
SUMMARY = "6 b Sammanfattning av brister som rör den enskildes tillgång till vård, stöd och service"
ROUTINES = "6 a Rutiner för uppmärksammade brister"
EXAMPLES = "6 c Exempel på åtgärder som vidtagits"

# Every paragraph of the body (tables aside), in order: (style, text).
GOLDEN = [
    ("Title", "Uppmärksammade brister 2026"),
    (
        "Normal",
        "Verksamheter: PO Nacka–Värmdö, PO Solna. "
        "Kommuner: Nacka kommun, Solna stad, Värmdö kommun",
    ),
    ("Normal", "Fryst version 2, 2027-01-10, Sara Samordnare"),
    ("Heading 1", ROUTINES),
    # A roll-up answers 6 a per verksamhet (a version frozen before that: its one answer each).
    ("Normal", "Rutiner för att hantera uppmärksammade brister, per verksamhet:"),
    ("Normal", "PO Nacka–Värmdö: Ja"),
    ("Normal", "PO Solna: Ja"),
    ("Normal", "Ombuden registrerar brister löpande."),
    ("Normal", "Ledningsgruppen följer upp dem."),
    ("Heading 1", SUMMARY),
    ("Heading 2", "Lokal nivå"),
    ("Heading 3", "Försäkringskassan"),
    ("Normal", "PO Nacka–Värmdö SF-2026-0003 Långa handläggningstider för sjukpenning"),
    ("Normal", "Beslut dröjer i över fyra månader."),
    ("Normal", "Flera blir utan inkomst."),
    ("Normal", "Observerad 4 gånger, 5 klienter. Status vid årets slut: öppen."),
    ("List Bullet", "2026-02-01 Lyft med Försäkringskassan"),
    ("List Bullet", "2026-04-15 Eskalerad till lokal nivå"),
    ("List Bullet", "2026-05-02 Försäkringskassan inför en kontaktperson"),
    ("Normal", "PO Nacka–Värmdö SF-2026-0007 Avslag utan hänsyn till sjukskrivning"),
    ("Normal", "Sammanfattning SF-2026-0007."),
    (
        "Normal",
        "Observerad 3 gånger, <3 klienter. Status vid årets slut: stängd (åtgärdad).",
    ),
    (
        "Normal",
        "Sammanslagen med: PO Nacka–Värmdö SF-2026-0009, PO Nacka–Värmdö SF-2026-0011",
    ),
    ("Heading 3", "Regionens psykiatri"),
    ("Normal", "PO Nacka–Värmdö SF-2025-0042 Ingen kontinuitet i psykiatrins öppenvård"),
    ("Normal", "Den redigerade sammanfattningen."),
    ("Normal", "Observerad ≥2 gånger, <3 klienter. Status vid årets slut: öppen."),
    ("Heading 2", "Central nivå"),
    ("Heading 3", "Försäkringskassan"),
    ("Normal", f"PO Solna SF-2026-0012 {HYPERLINK}"),
    ("Normal", "-Regler som är svåra att förstå."),
    ("Normal", "Observerad 12 gånger, 10 klienter. Status vid årets slut: öppen."),
    ("List Bullet", "Skrivelse till Socialstyrelsen"),
    ("List Bullet", "+46 ringde tillbaka"),
    ("Heading 3", "Arbetsförmedlingen"),
    ("Normal", "PO Nacka–Värmdö SF-2026-0020 Digital kontakt som enda väg"),
    ("Normal", "Sammanfattning SF-2026-0020."),
    (
        "Normal",
        "Observerad 1 gång, 0 klienter. Status vid årets slut: stängd (delvis åtgärdad).",
    ),
    ("Heading 1", EXAMPLES),
    ("List Bullet", "2026-05-02 SF-2026-0003: Kontaktperson för målgruppen"),
    ("List Bullet", "2026-09-01 SF-2026-0007: Nya rutiner för avslag"),
    ("Heading 1", "Antal"),
    ("Normal", NOTE),
    ("Heading 1", "Per verksamhet"),
    ("Heading 1", "Gemensamma brister"),
    (
        "Normal",
        "Brister som flera verksamheter har uppmärksammat hos samma myndighet och område:",
    ),
    (
        "List Bullet",
        "Försäkringskassan, Ekonomi: PO Nacka–Värmdö, PO Solna (SF-2026-0003, SF-2026-0012)",
    ),
    ("Normal", "Rapporten är godkänd av socialnämnden."),
]

COUNTS_TABLE = [
    ["", "2025", "2026"],
    ["Nya", "9", "12"],
    ["Stängda", "7", "2"],
    ["Öppna vid årets slut", "10", "20"],
    ["Brister i rapporten per nivå", "", ""],
    ["Handläggarnivå", "0", "0"],
    ["Lokal nivå", "8", "15"],
    ["Central nivå", "2", "5"],
    ["Brister i rapporten per myndighet", "", ""],
    ["Försäkringskassan", "8", "14"],
    ["Regionens psykiatri", "0", "4"],
    ["Arbetsförmedlingen", "0", "2"],
    ["Kronofogden", "2", "0"],
]

BREAKDOWN_TABLE = [
    [
        "Verksamhet",
        "Nya",
        "Stängda",
        "Öppna vid årets slut",
        "Handläggarnivå",
        "Lokal nivå",
        "Central nivå",
    ],
    ["PO Nacka–Värmdö", "8", "1", "14", "0", "12", "2"],
    ["PO Solna", "4", "1", "6", "0", "3", "3"],
]


def read_docx(doc: RapportDocument) -> docx.document.Document:
    return docx.Document(io.BytesIO(rapport_docx(doc)))


def table_texts(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


# --- DOCX ------------------------------------------------------------------------------------


def test_docx_golden_paragraphs_in_order():
    document = read_docx(DOC)

    assert [(p.style.name, p.text) for p in document.paragraphs] == GOLDEN


def test_docx_headings_are_real_word_styles():
    document = read_docx(DOC)
    headings = [
        (p.style.name, p.text)
        for p in document.paragraphs
        if p.style.name == "Title" or p.style.name.startswith("Heading")
    ]

    assert headings == [
        ("Title", "Uppmärksammade brister 2026"),
        ("Heading 1", ROUTINES),
        ("Heading 1", SUMMARY),
        ("Heading 2", "Lokal nivå"),
        ("Heading 3", "Försäkringskassan"),
        ("Heading 3", "Regionens psykiatri"),
        ("Heading 2", "Central nivå"),
        ("Heading 3", "Försäkringskassan"),
        ("Heading 3", "Arbetsförmedlingen"),
        ("Heading 1", EXAMPLES),
        ("Heading 1", "Antal"),
        ("Heading 1", "Per verksamhet"),
        ("Heading 1", "Gemensamma brister"),
    ]


def test_docx_entry_title_is_bold_and_version_line_italic():
    document = read_docx(DOC)
    by_text = {p.text: p for p in document.paragraphs}

    title = by_text["PO Nacka–Värmdö SF-2026-0003 Långa handläggningstider för sjukpenning"]
    assert [run.bold for run in title.runs] == [True]
    assert by_text["Fryst version 2, 2027-01-10, Sara Samordnare"].runs[0].italic


def test_docx_tables_counts_and_breakdown():
    document = read_docx(DOC)

    assert len(document.tables) == 2
    counts, breakdown = document.tables
    assert counts.style.name == "Table Grid"
    assert table_texts(counts) == COUNTS_TABLE
    assert table_texts(breakdown) == BREAKDOWN_TABLE
    assert all(run.bold for cell in counts.rows[0].cells for run in cell.paragraphs[0].runs)
    # The tables sit under their headings.
    body = [child.tag for child in document.element.body]
    assert body.count(qn("w:tbl")) == 2


def test_docx_hides_small_client_counts_but_not_small_counts_of_brister():
    document = read_docx(DOC)
    texts = [p.text for p in document.paragraphs]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]

    status_lines = [text for text in texts if text.startswith("Observerad ")]
    assert len(status_lines) == 5
    assert not any(re.search(r"\b[12] klient", text) for text in status_lines)
    for line, shown in zip(status_lines, DOC.entries(), strict=True):
        times, clients = re.match(r"Observerad (\S+) gånge?r?, (\S+) klient", line).groups()
        assert_not_recoverable(times, clients, 1 + len(shown.merged), threshold=3)
    # Brister are not people: 1 and 2 are printed as they are.
    assert "<3" not in cells and {"1", "2"} <= set(cells)


def test_docx_threshold_is_the_documents():
    document = read_docx(replace(DOC, threshold=5))
    texts = [p.text for p in document.paragraphs]

    assert "Observerad 4 gånger, 5 klienter. Status vid årets slut: öppen." in texts
    # A floor of 2 under "<5" leaves 2, 3 or 4: the times are exact.
    assert "Observerad 3 gånger, <5 klienter. Status vid årets slut: öppen." in texts
    assert any(text.startswith("Antal klienter mellan 1 och 4 visas som <5,") for text in texts)


def test_docx_singular_and_no_suppression_at_threshold_one():
    texts = [p.text for p in read_docx(replace(DOC, threshold=1)).paragraphs]

    assert (
        "Observerad 1 gång, 0 klienter. Status vid årets slut: stängd (delvis åtgärdad)." in texts
    )
    assert not any("visas som" in text for text in texts)


def test_docx_without_routines_brister_examples_or_rollup():
    doc = replace(
        DOC,
        has_routines=False,
        introduction="",
        closing="",
        sections=(),
        examples=(),
        breakdown={},
        common=(),
        version_line="",
    )
    document = read_docx(doc)

    assert [(p.style.name, p.text) for p in document.paragraphs] == [
        ("Title", "Uppmärksammade brister 2026"),
        (
            "Normal",
            "Verksamheter: PO Nacka–Värmdö, PO Solna. "
            "Kommuner: Nacka kommun, Solna stad, Värmdö kommun",
        ),
        ("Heading 1", ROUTINES),
        ("Normal", "Rutiner för att hantera uppmärksammade brister, per verksamhet:"),
        ("Normal", "PO Nacka–Värmdö: Nej"),
        ("Normal", "PO Solna: Nej"),
        ("Heading 1", SUMMARY),
        ("Normal", "Inga brister har uppmärksammats under året."),
        ("Heading 1", EXAMPLES),
        ("Normal", "Inga åtgärder har registrerats under året."),
        ("Heading 1", "Antal"),
    ]
    assert len(document.tables) == 1


def test_docx_is_swedish_and_stamped_in_utc():
    document = read_docx(DOC)
    properties = document.core_properties

    assert properties.title == "Uppmärksammade brister 2026"
    assert properties.language == "sv-SE"
    assert abs(properties.created.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(minutes=5)
    langs = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang")
    assert [lang.get(qn("w:val")) for lang in langs] == ["sv-SE"]
    table_styles = {s.name for s in document.styles if s.type == WD_STYLE_TYPE.TABLE}
    assert table_styles == {"Normal Table", "Table Grid"}


# --- Plain text ------------------------------------------------------------------------------


def test_text_structure_and_order():
    text = rapport_text(DOC)
    lines = text.splitlines()

    assert lines[:2] == ["UPPMÄRKSAMMADE BRISTER 2026", "=" * 27]
    underlined = [
        above
        for above, line in zip(lines, lines[1:], strict=False)
        if line == "-" * len(above) and line
    ]
    assert underlined == [
        ROUTINES,
        SUMMARY,
        EXAMPLES,
        "Antal",
        "Per verksamhet",
        "Gemensamma brister",
    ]
    # The form's numbers lead the three answers, in the form's order, to paste field by field.
    assert [line[:3] for line in lines if re.match(r"6 [a-z] ", line)] == ["6 a", "6 b", "6 c"]
    assert lines.index(ROUTINES) < lines.index(SUMMARY) < lines.index(EXAMPLES)
    # Levels and myndigheter inside 6 b, unnumbered, each a block of its own.
    inside = lines[lines.index(SUMMARY) : lines.index(EXAMPLES)]
    assert [line for line in inside if line in {"Lokal nivå", "Central nivå", FK, PSYK, AF}] == [
        "Lokal nivå",
        FK,
        PSYK,
        "Central nivå",
        FK,
        AF,
    ]
    # Entries in order, each a block: title, summary, status, bullets.
    positions = [text.index(e.nummer + " ") for e in (E1, E2, E3, E4, E5)]
    assert positions == sorted(positions)
    block = text.split("PO Nacka–Värmdö SF-2026-0003 Långa handläggningstider för sjukpenning\n")[1]
    assert block.split("\n\n")[0].splitlines() == [
        "Beslut dröjer i över fyra månader.",
        "Flera blir utan inkomst.",
        "Observerad 4 gånger, 5 klienter. Status vid årets slut: öppen.",
        "- 2026-02-01 Lyft med Försäkringskassan",
        "- 2026-04-15 Eskalerad till lokal nivå",
        "- 2026-05-02 Försäkringskassan inför en kontaktperson",
    ]
    assert "Den redigerade sammanfattningen." in text
    assert "Den ursprungliga sammanfattningen." not in text
    assert "Sammanslagen med: PO Nacka–Värmdö SF-2026-0009, PO Nacka–Värmdö SF-2026-0011" in lines
    assert "- 2026-05-02 SF-2026-0003: Kontaktperson för målgruppen" in lines


def test_text_counts_and_suppression():
    lines = rapport_text(DOC).splitlines()

    assert "Nya: 12 (2025: 9)" in lines
    assert "Stängda: 2 (2025: 7)" in lines
    assert "Kronofogden: 0 (2025: 2)" in lines
    assert (
        "PO Solna: nya 4, stängda 1, öppna vid årets slut 6, "
        "handläggarnivå 0, lokal nivå 3, central nivå 3"
    ) in lines
    # Three times: two brister merged into it each brought a registration of no clients or more.
    assert "Observerad 3 gånger, <3 klienter. Status vid årets slut: stängd (åtgärdad)." in lines
    assert "Observerad ≥2 gånger, <3 klienter. Status vid årets slut: öppen." in lines
    assert NOTE in lines
    assert lines[-1] == "Rapporten är godkänd av socialnämnden."


def test_text_has_no_markup():
    text = rapport_text(DOC)

    assert "<w:" not in text and "**" not in text and "#" not in text
    assert "\r" not in text


# --- CSV -------------------------------------------------------------------------------------


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def test_csv_header_bom_and_rows_in_order():
    text = entries_csv(DOC)
    rows = read_csv(text)

    assert text.startswith("\ufeffNivå;Myndighet;Nummer;")
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert rows[0] == list(ENTRY_COLUMNS)
    assert rows[0] == [
        "Nivå",
        "Myndighet",
        "Nummer",
        "Rubrik",
        "Sammanfattning",
        "Område",
        "Verksamhet",
        "Status vid årets slut",
        "Utfall",
        "Antal observationer",
        "Antal klienter",
        "Åtgärder",
    ]
    assert [row[2] for row in rows[1:]] == [e.nummer for e in (E1, E2, E3, E4, E5)]
    assert rows[1] == [
        "Lokal nivå",
        "Försäkringskassan",
        "SF-2026-0003",
        "Långa handläggningstider för sjukpenning",
        "Beslut dröjer i över fyra månader.\n\nFlera blir utan inkomst.",
        "Ekonomi",
        "PO Nacka–Värmdö",
        "Öppen",
        "",
        "4",
        "5",
        "2026-05-02 Försäkringskassan inför en kontaktperson",
    ]
    assert rows[3][4] == "Den redigerade sammanfattningen."
    assert rows[2][7:9] == ["Stängd", "Åtgärdad"]


def test_csv_neutralises_formulas():
    rows = read_csv(entries_csv(DOC))
    row = rows[4]

    assert row[3] == "'" + HYPERLINK
    assert row[4] == "'-Regler som är svåra att förstå."
    assert row[11] == "Skrivelse till Socialstyrelsen\n+46 ringde tillbaka"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@"))


def test_csv_suppresses_small_counts():
    rows = read_csv(entries_csv(DOC))

    assert [row[9:11] for row in rows[1:]] == [
        ["4", "5"],
        ["3", "<3"],
        ["≥2", "<3"],
        ["12", "10"],
        ["1", "0"],
    ]


# --- XLSX ------------------------------------------------------------------------------------


def load_xlsx(doc: RapportDocument) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(rapport_xlsx(doc)))


def values(sheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_sheets_header_and_entries():
    workbook = load_xlsx(DOC)

    assert workbook.sheetnames == [
        "Brister",
        "Antal",
        "Antal per nivå",
        "Antal per myndighet",
        "Rutiner",
        "Åtgärder",
        "Per verksamhet",
        "Gemensamma brister",
    ]
    sheet = workbook["Brister"]
    rows = values(sheet)
    assert rows[0] == list(ENTRY_COLUMNS)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width >= 30
    assert [row[2] for row in rows[1:6]] == [e.nummer for e in (E1, E2, E3, E4, E5)]
    assert rows[6] == [None] * len(ENTRY_COLUMNS)  # the note stands below the table
    assert rows[1][9:11] == [4, 5]
    assert rows[2][9:11] == [3, None]
    assert rows[3][9:11] == [None, None]
    assert rows[5][9:11] == [1, 0]
    assert rows[3][4] == "Den redigerade sammanfattningen."
    assert rows[-1][0] == XLSX_NOTE


def test_xlsx_neutralises_formulas():
    workbook = load_xlsx(DOC)
    sheet = workbook["Brister"]

    assert sheet["D5"].value == "'" + HYPERLINK
    assert sheet["D5"].data_type == "s"
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_xlsx_counts_side_by_side_one_sheet_per_table():
    workbook = load_xlsx(DOC)

    def table(first: int, last: int) -> list[list[object]]:
        return [[label, int(before), int(this)] for label, before, this in COUNTS_TABLE[first:last]]

    assert values(workbook["Antal"]) == [["Brister", "2025", "2026"], *table(1, 4)]
    assert values(workbook["Antal per nivå"]) == [["Nivå", "2025", "2026"], *table(5, 8)]
    assert values(workbook["Antal per myndighet"]) == [["Myndighet", "2025", "2026"], *table(9, 13)]


def test_xlsx_breakdown_only_for_a_rollup():
    rows = values(load_xlsx(DOC)["Per verksamhet"])
    assert rows == [
        BREAKDOWN_TABLE[0],
        ["PO Nacka–Värmdö", 8, 1, 14, 0, 12, 2],
        ["PO Solna", 4, 1, 6, 0, 3, 3],
    ]

    single = load_xlsx(replace(DOC, breakdown={}, common=()))
    assert single.sheetnames == [
        "Brister",
        "Antal",
        "Antal per nivå",
        "Antal per myndighet",
        "Rutiner",
        "Åtgärder",
    ]


@pytest.mark.parametrize("render", [rapport_docx, rapport_xlsx])
def test_binary_exports_of_an_empty_report(render):
    empty = Counts(0, 0, 0, {}, {})
    doc = replace(DOC, sections=(), examples=(), counts=empty, previous=empty)

    assert render(doc)[:2] == b"PK"


# --- Text as users type and paste it -----------------------------------------------------------

PASTED = "  Rad ett\tmed tab\vrad två\x0cmed sidbrytning\x01\r\nrad tre  "


def test_docx_keeps_tabs_and_line_breaks_and_drops_what_xml_cannot_hold():
    doc = replace(DOC, introduction=PASTED)
    document = read_docx(doc)
    texts = [p.text for p in document.paragraphs]

    assert "Rad ett\tmed tab\nrad tvåmed sidbrytning\nrad tre" in texts


def test_xlsx_drops_what_xlsx_cannot_hold_and_wraps_long_texts():
    entry = replace(E1, titel="Rubrik\x01 med styrtecken", summary=PASTED)
    doc = replace(DOC, sections=(NivaSection(Niva.LOKAL, (MyndighetGroup(FK, (entry,)),)),))
    sheet = load_xlsx(doc)["Brister"]

    assert sheet["D2"].value == "Rubrik med styrtecken"
    assert "\x01" not in sheet["E2"].value and "\x0c" not in sheet["E2"].value
    assert sheet["D2"].alignment.wrap_text
    assert sheet["E2"].alignment.wrap_text
    assert sheet["L2"].alignment.wrap_text
    assert sheet["I2"].value is None  # an open brist has no utfall


def test_paragraphs_split_on_blank_lines_as_a_browser_sends_them():
    doc = replace(DOC, introduction="Första stycket.\r\n \r\nAndra stycket,\r\nsamma stycke.")
    texts = [p.text for p in read_docx(doc).paragraphs]
    lines = rapport_text(doc).splitlines()

    assert texts[7:9] == ["Första stycket.", "Andra stycket,\nsamma stycke."]
    assert lines[lines.index("Första stycket.") :][:4] == [
        "Första stycket.",
        "",
        "Andra stycket,",
        "samma stycke.",
    ]


def test_rollup_without_common_brister_says_so():
    doc = replace(DOC, common=())
    texts = [p.text for p in read_docx(doc).paragraphs]
    lines = rapport_text(doc).splitlines()

    none = "Ingen brist hos samma myndighet och område har uppmärksammats av flera verksamheter."
    assert texts[texts.index("Gemensamma brister") + 1] == none
    assert lines[lines.index("Gemensamma brister") + 3] == none
