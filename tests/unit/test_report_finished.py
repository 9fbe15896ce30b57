"""Issue 12, items 4 and 5: documents that look finished, and the year in progress.

Golden read-backs of what a samordnare sends: the DOCX with python-docx (headings in the
form's order, header, PAGE and NUMPAGES fields, its own properties), the XLSX with openpyxl
(numbers as numbers, a suppressed count an empty cell with a note, autofilter, frozen header,
landscape one page wide), the plain text in the form's order. And the rule of the year in
progress: "per <date>" until the year has ended in Stockholm.
"""

import io
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime

import docx
import openpyxl
from docx.oxml.ns import qn
from hypothesis import given
from hypothesis import strategies as st

from systemfel.clock import local_today
from systemfel.reports.documents import rapport_docx, rapport_text, rapport_xlsx
from systemfel.reports.domain import (
    CommonBrist,
    Example,
    as_of,
    document_from_dict,
    document_to_dict,
    when_words,
    year_has_ended,
)
from tests.unit.test_report_documents import DOC, E1, EXAMPLES, ROUTINES, SUMMARY

MADE = datetime(2027, 1, 10, 8, 30, tzinfo=UTC)
SINGLE = replace(
    DOC,
    verksamheter=("PO Nacka–Värmdö",),
    kommuner=("Nacka kommun",),
    breakdown={},
    common=(),
    made_at=MADE,
)
RUNNING = replace(DOC, as_of=date(2026, 12, 1))


def _docx(doc) -> tuple[docx.document.Document, zipfile.ZipFile]:
    data = rapport_docx(doc)
    return docx.Document(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(data))


# --- DOCX ------------------------------------------------------------------------------------


def test_docx_headings_follow_the_form():
    document, _ = _docx(SINGLE)
    level_one = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]

    assert level_one == [ROUTINES, SUMMARY, EXAMPLES, "Antal"]
    assert [text[:3] for text in level_one[:3]] == ["6 a", "6 b", "6 c"]


def test_docx_header_and_page_numbers():
    document, _ = _docx(SINGLE)
    section = document.sections[0]
    footer = section.footer._element
    fields = [f.get(qn("w:instr")).strip() for f in footer.iter(qn("w:fldSimple"))]

    assert section.header.paragraphs[0].text == "PO Nacka–Värmdö · Uppmärksammade brister 2026"
    assert fields == ["PAGE", "NUMPAGES"]
    # "Sida 1 av 1" until Word counts the pages.
    assert "".join(t.text for t in footer.iter(qn("w:t"))) == "Sida 1 av 1"


def test_docx_properties_are_the_verksamhets_not_the_librarys():
    document, package = _docx(SINGLE)
    properties = document.core_properties

    assert properties.title == "Uppmärksammade brister 2026"
    assert properties.author == properties.last_modified_by == "PO Nacka–Värmdö"
    assert properties.subject.startswith("Årsrapport personligt ombud")
    assert (properties.comments, properties.keywords, properties.category) == ("", "", "")
    assert properties.revision == 1
    assert properties.language == "sv-SE"
    assert properties.created == properties.modified == MADE
    app = package.read("docProps/app.xml").decode()
    assert "Macintosh" not in app and "Normal.dotm" not in app
    assert "<Application>Systemfel</Application>" in app
    assert "docProps/thumbnail.jpeg" not in package.namelist()
    for name in package.namelist():
        if name.endswith(".xml"):
            assert b"python-docx" not in package.read(name), name


def test_docx_of_a_roll_up_is_from_the_roll_up():
    document, _ = _docx(DOC)

    assert document.core_properties.author == "Sammanställning för 2 verksamheter"
    assert document.sections[0].header.paragraphs[0].text == (
        "Sammanställning för 2 verksamheter · Uppmärksammade brister 2026"
    )


def test_a_roll_up_names_every_brist_with_its_verksamhet():
    doc = replace(
        DOC,
        examples=(Example(date(2026, 5, 2), "SF-2026-0003", "Kontakt", "svar", "PO Solna"),),
        common=(CommonBrist("FK", "Ekonomi", ("PO A", "PO B"), ("PO A SF-1", "PO B SF-1")),),
    )
    texts = [p.text for p in _docx(doc)[0].paragraphs]
    lines = rapport_text(doc).splitlines()

    for found in (texts, lines):
        assert any(
            t.endswith("PO Nacka–Värmdö SF-2026-0003 Långa handläggningstider för sjukpenning")
            for t in found
        )
        assert any(t.endswith("2026-05-02 PO Solna SF-2026-0003: Kontakt") for t in found)
        assert any(t.endswith("FK, Ekonomi: PO A, PO B (PO A SF-1, PO B SF-1)") for t in found)
        assert (
            "Sammanslagen med: PO Nacka–Värmdö SF-2026-0009, PO Nacka–Värmdö SF-2026-0011" in found
        )
    # One verksamhet's report needs no name beside its numbers.
    single = [p.text for p in _docx(SINGLE)[0].paragraphs]
    assert f"{E1.nummer} {E1.titel}" in single
    assert "Sammanslagen med: SF-2026-0009, SF-2026-0011" in single


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_counts_are_numbers_and_a_hidden_one_is_empty_with_a_note():
    sheet = openpyxl.load_workbook(io.BytesIO(rapport_xlsx(DOC)))["Brister"]
    times = [sheet.cell(row, 10) for row in range(2, 7)]
    clients = [sheet.cell(row, 11) for row in range(2, 7)]

    assert [c.value for c in clients] == [5, None, None, 10, 0]
    assert [c.value for c in times] == [4, 3, None, 12, 1]
    for cell in times + clients:
        assert cell.value is None or cell.data_type == "n"
        assert (cell.value is None) == (cell.comment is not None)
    assert clients[1].comment.text == "Färre än 3 — döljs"
    assert times[2].comment.text.startswith("Minst 2")
    assert not any(
        isinstance(cell.value, str) and cell.value.startswith(("<", "≥"))
        for row in sheet.iter_rows()
        for cell in row
    )


def test_xlsx_every_table_filters_freezes_and_prints_landscape_one_page_wide():
    workbook = openpyxl.load_workbook(io.BytesIO(rapport_xlsx(DOC)))
    expected = {
        "Brister": "A1:L6",
        "Antal": "A1:C4",
        "Antal per nivå": "A1:C4",
        "Antal per myndighet": "A1:C5",
        "Rutiner": "A1:C3",
        "Åtgärder": "A1:D3",
        "Per verksamhet": "A1:G3",
        "Gemensamma brister": "A1:D2",
    }

    assert {sheet.title: sheet.auto_filter.ref for sheet in workbook} == expected
    for sheet in workbook:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert all(cell.font.bold for cell in sheet[1] if cell.value is not None)
        if sheet.title.startswith("Antal"):  # the year before and the year: numbers only
            counts = sheet.iter_rows(min_row=2, min_col=2, max_col=3, values_only=True)
            assert all(isinstance(value, int) for row in counts for value in row)


# --- Plain text ------------------------------------------------------------------------------


def test_text_answers_the_form_in_its_order():
    lines = rapport_text(SINGLE).splitlines()
    leads = [line for line in lines if line[:4] in {"6 a ", "6 b ", "6 c "}]

    assert leads == [ROUTINES, SUMMARY, EXAMPLES]
    assert not any(line.startswith(("1.", "2.", "3.")) for line in lines)


# --- The year in progress --------------------------------------------------------------------


def test_the_year_ends_at_midnight_in_stockholm_not_utc():
    last_minute = datetime(2026, 12, 31, 22, 59, tzinfo=UTC)  # 23:59 in Stockholm
    after = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # 00:00 on 1 January in Stockholm

    assert as_of(2026, local_today(last_minute)) == date(2026, 12, 31)
    assert as_of(2026, local_today(after)) is None
    assert not year_has_ended(2026, date(2026, 12, 31))
    assert year_has_ended(2026, date(2027, 1, 1))
    assert as_of(2027, date(2026, 12, 1)) == date(2026, 12, 1)  # a year not begun stands today


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)))
def test_a_report_speaks_of_the_years_end_only_after_it(today):
    for year in (today.year - 1, today.year, today.year + 1):
        words = when_words(as_of(year, today))
        if year < today.year:
            assert words == "vid årets slut"
        else:
            assert words == f"per {today.isoformat()}"


def test_documents_while_the_year_runs():
    texts = [p.text for p in _docx(RUNNING)[0].paragraphs]
    table = _docx(RUNNING)[0].tables[0]
    plain = rapport_text(RUNNING)
    workbook = openpyxl.load_workbook(io.BytesIO(rapport_xlsx(RUNNING)))

    for words in (texts, plain.splitlines()):
        assert "Observerad 4 gånger, 5 klienter. Status per 2026-12-01: öppen." in words
    assert "årets slut:" not in plain
    assert table.rows[3].cells[0].text == "Öppna vid årets slut (2026: per 2026-12-01)"
    assert workbook["Brister"]["H1"].value == "Status per 2026-12-01"
    assert workbook["Per verksamhet"]["D1"].value == "Öppna per 2026-12-01"
    assert "öppna per 2026-12-01 14" in plain


def test_the_day_is_frozen_with_the_version():
    stored = document_to_dict(RUNNING)
    assert stored["as_of"] == "2026-12-01"
    assert document_from_dict(stored).as_of == date(2026, 12, 1)
    # Without it the year's end (frozen after it), or the day it was frozen (stored earlier).
    earlier = document_to_dict(DOC)
    assert "as_of" not in earlier
    assert document_from_dict(earlier).as_of is None
    assert document_from_dict(earlier, frozen_on=date(2026, 11, 3)).as_of == date(2026, 11, 3)
    assert document_from_dict(earlier, frozen_on=date(2027, 1, 3)).as_of is None
    made = datetime(2026, 11, 3, 9, tzinfo=UTC)
    assert document_from_dict(earlier, frozen_at=made).made_at == made
