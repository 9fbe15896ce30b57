"""The annual report's "uppmärksammade brister" section as DOCX, plain text, CSV and XLSX.

Nothing here knows the database, and nothing here decides what the report says: callers
build a `RapportDocument` (`domain.py`) from the report rules, whose entries hold counts and
brist texts, never a client, and get bytes or text back; this module only renders it.
Only the clients of an entry are a count of people: they go through `shown_observed` with
the times observed beside them, so a small one reads "<3" and the times never give it
away. Counts of brister and observations are printed as they are.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Length
from lxml.etree import SubElement
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from systemfel.brister.domain import Niva
from systemfel.docx_tools import TABLE_STYLE, new_document
from systemfel.exports import clean_text, csv_cell
from systemfel.reports.domain import (
    NIVA_WORDS,
    UTFALL_WORDS,
    CommonBrist,
    Counts,
    Example,
    RapportDocument,
    RapportEntry,
)

TITLE = "Uppmärksammade brister"
ROUTINES_HEADING = "Rutiner för uppmärksammade brister"
ROUTINES_YES = "Ja, det finns rutiner för att hantera uppmärksammade brister."
ROUTINES_NO = "Nej, det finns inga rutiner för att hantera uppmärksammade brister."
SUMMARY_HEADING = (
    "Sammanfattning av brister som rör den enskildes tillgång till vård, stöd och service"
)
NO_BRISTER = "Inga brister har uppmärksammats under året."
EXAMPLES_HEADING = "Exempel på åtgärder som vidtagits"
NO_EXAMPLES = "Inga åtgärder har registrerats under året."
COUNTS_HEADING = "Antal"
BREAKDOWN_HEADING = "Per verksamhet"
COMMON_HEADING = "Gemensamma brister"
NO_COMMON = "Ingen brist hos samma myndighet och område har uppmärksammats av flera verksamheter."
COMMON_INTRO = "Brister som flera verksamheter har uppmärksammat hos samma myndighet och område:"
MERGED_LABEL = "Sammanslagen med"
BY_NIVA = "Brister i rapporten per nivå"
BY_MYNDIGHET = "Brister i rapporten per myndighet"

NEW, CLOSED, OPEN_AT_END = "Nya", "Stängda", "Öppna vid årets slut"
ENTRY_COLUMNS = (
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
)
BREAKDOWN_COLUMNS = (
    "Verksamhet",
    NEW,
    CLOSED,
    OPEN_AT_END,
    *(NIVA_WORDS[niva].capitalize() for niva in Niva),  # as _niva_name() says them
)

# A4 with Word's default margins of 2.54 cm leaves 15.92 cm for text.
COUNTS_WIDTHS = (Cm(9.9), Cm(3.0), Cm(3.0))
BREAKDOWN_WIDTHS = (Cm(4.4), *([Cm(1.9)] * 6))

BLANK_LINE = re.compile(r"\n[ \t]*\n")

# Characters wide in the "Brister" sheet; the long texts wrap instead of widening.
XLSX_ENTRY_WIDTHS = (16, 28, 14, 40, 60, 18, 28, 12, 22, 12, 12, 60)
XLSX_WRAPPED = frozenset({"Rubrik", "Sammanfattning", "Åtgärder"})


# ---------------------------------------------------------------------------------------------
# What every format shares


def _title(doc: RapportDocument) -> str:
    """E.g. "Uppmärksammade brister 2026"."""
    return f"{TITLE} {doc.year}"


def _names(singular: str, plural: str, names: tuple[str, ...]) -> str:
    """E.g. "Kommuner: Nacka kommun, Värmdö kommun"."""
    return f"{singular if len(names) == 1 else plural}: {', '.join(names)}"


def _who_line(doc: RapportDocument) -> str:
    """E.g. "Verksamhet: Personligt ombud Nacka–Värmdö. Kommuner: Nacka kommun, Värmdö kommun"."""
    parts = []
    if doc.verksamheter:
        parts.append(_names("Verksamhet", "Verksamheter", doc.verksamheter))
    if doc.kommuner:
        parts.append(_names("Kommun", "Kommuner", doc.kommuner))
    return ". ".join(parts)


def _paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; a single newline stays inside its paragraph.

    A browser sends a textarea's lines ended by CRLF: they count as newlines too.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [part.strip("\n") for part in BLANK_LINE.split(text.strip()) if part.strip()]


def _lower_first(text: str) -> str:
    """E.g. "Delvis åtgärdad" → "delvis åtgärdad", to sit inside a sentence."""
    return text[:1].lower() + text[1:]


def _niva_name(niva: Niva) -> str:
    """E.g. "Handläggarnivå", as a heading or a column says it."""
    return NIVA_WORDS[niva].capitalize()


def _status(entry: RapportEntry) -> str:
    """E.g. "öppen", "stängd (delvis åtgärdad)"."""
    if entry.is_open:
        return "öppen"
    if entry.utfall is None:
        return "stängd"
    return f"stängd ({_lower_first(UTFALL_WORDS[entry.utfall])})"


def _counted(shown: str, singular: str, plural: str) -> str:
    """E.g. "1 gång", "<3 gånger", "4 klienter"."""
    return f"{shown} {singular if shown == '1' else plural}"


def _status_line(doc: RapportDocument, entry: RapportEntry) -> str:
    """E.g. "Observerad ≥2 gånger, <3 klienter. Status vid årets slut: öppen."."""
    observed = doc.observed(entry)
    times = _counted(observed.times, "gång", "gånger")
    clients = _counted(observed.clients, "klient", "klienter")
    return f"Observerad {times}, {clients}. Status vid årets slut: {_status(entry)}."


def _merged_line(entry: RapportEntry) -> str:
    """E.g. "Sammanslagen med: SF-2026-0003, SF-2026-0009"."""
    return f"{MERGED_LABEL}: {', '.join(entry.merged)}"


def _example_line(example: Example) -> str:
    """E.g. "2026-05-02 SF-2026-0007: Försäkringskassan har infört en kontaktperson."."""
    return f"{example.on.isoformat()} {example.nummer}: {example.text}"


def _common_line(common: CommonBrist) -> str:
    """E.g. "Försäkringskassan, ekonomi: PO Nacka, PO Solna (SF-2026-0007, SF-2026-0012)"."""
    return (
        f"{common.myndighet}, {common.omrade}: {', '.join(common.verksamheter)} "
        f"({', '.join(common.nummer)})"
    )


def _by_myndighet_names(doc: RapportDocument) -> list[str]:
    """Myndigheter of the counts table: this year's order, then those only counted last year."""
    names = list(doc.counts.by_myndighet)
    seen = set(names)
    names.extend(name for name in doc.previous.by_myndighet if name not in seen)
    return names


def _count_rows(doc: RapportDocument) -> list[tuple[str, int | None, int | None]]:
    """Rows of the counts table: label, the year before, the year (raw counts).

    The counts per nivå and per myndighet are of the brister in each year's report, under a
    row of their own that says so (its counts None).
    """
    this, before = doc.counts, doc.previous
    rows: list[tuple[str, int | None, int | None]] = [
        (NEW, before.new, this.new),
        (CLOSED, before.closed, this.closed),
        (OPEN_AT_END, before.open_at_end, this.open_at_end),
        (BY_NIVA, None, None),
    ]
    rows.extend(
        (_niva_name(niva), before.by_niva.get(niva, 0), this.by_niva.get(niva, 0)) for niva in Niva
    )
    rows.append((BY_MYNDIGHET, None, None))
    rows.extend(
        (name, before.by_myndighet.get(name, 0), this.by_myndighet.get(name, 0))
        for name in _by_myndighet_names(doc)
    )
    return rows


def _breakdown_counts(counts: Counts) -> tuple[int, ...]:
    """One verksamhet's row of the breakdown, without its name."""
    return (
        counts.new,
        counts.closed,
        counts.open_at_end,
        *(counts.by_niva.get(niva, 0) for niva in Niva),
    )


def _suppression_note(doc: RapportDocument) -> str:
    """Why some client counts read "<3"; empty when none does."""
    if not doc.has_suppressed():
        return ""
    return (
        f"Antal klienter mellan 1 och {doc.threshold - 1} visas som <{doc.threshold}, och antal "
        "observationer bredvid dem som till exempel ≥2 där det exakta antalet skulle avslöja "
        "antalet klienter."
    )


# ---------------------------------------------------------------------------------------------
# DOCX


W_P, W_PPR, W_PSTYLE = qn("w:p"), qn("w:pPr"), qn("w:pStyle")
W_R, W_RPR, W_B, W_I = qn("w:r"), qn("w:rPr"), qn("w:b"), qn("w:i")
W_T, W_BR, W_TAB, W_VAL = qn("w:t"), qn("w:br"), qn("w:tab"), qn("w:val")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
# Line breaks as a browser may send them (clean_text has made Word's \v one of them).
LINE_BREAK = re.compile(r"\r\n|[\n\r]")


def _add_run(p, text: str, *, bold: bool = False, italic: bool = False) -> None:
    """Append a run with `text` to the paragraph element `p`: tabs and line breaks as Word's."""
    r = SubElement(p, W_R)
    if bold or italic:
        properties = SubElement(r, W_RPR)
        if bold:
            SubElement(properties, W_B)
        if italic:
            SubElement(properties, W_I)
    # Characters XML 1.0 cannot hold would stop the export: lxml refuses them.
    text = clean_text(text)
    for number, line in enumerate(LINE_BREAK.split(text)):
        if number:
            SubElement(r, W_BR)
        for index, piece in enumerate(line.split("\t")):
            if index:
                SubElement(r, W_TAB)
            if piece:
                t = SubElement(r, W_T)
                t.text = piece
                if piece[0].isspace() or piece[-1].isspace():
                    t.set(XML_SPACE, "preserve")


class _Writer:
    """Appends paragraphs to the end of a document, in constant time each.

    python-docx's `add_paragraph` finds the body's closing `w:sectPr` by scanning every
    element of the body, so n paragraphs cost n² steps (minutes for a national roll-up), and
    its `add_run` handles text one character at a time. Here each paragraph is built with
    lxml straight before that `w:sectPr`, in the markup python-docx itself writes, and each
    style is looked up once by name instead of once per paragraph.
    """

    def __init__(self, document: Document) -> None:
        self.document = document
        self._body = document.element.body
        self._end = self._body.sectPr
        self._style_ids: dict[str, str] = {}

    def _style_id(self, name: str) -> str:
        style_id = self._style_ids.get(name)
        if style_id is None:
            style_id = self._style_ids[name] = self.document.styles[name].style_id
        return style_id

    def paragraph(
        self, text: str = "", style: str | None = None, *, bold: bool = False, italic: bool = False
    ) -> None:
        """A new paragraph at the end: `text` in one run, paragraph style `style`."""
        # Made inside the body, so it takes the document's "w" prefix, then moved in place.
        p = SubElement(self._body, W_P)
        if self._end is not None:
            self._end.addprevious(p)
        if style is not None:
            SubElement(SubElement(p, W_PPR), W_PSTYLE, {W_VAL: self._style_id(style)})
        if text:
            _add_run(p, text, bold=bold, italic=italic)

    def heading(self, text: str, level: int) -> None:
        """A heading: "Title" for level 0, else "Heading <level>"."""
        self.paragraph(text, "Title" if level == 0 else f"Heading {level}")

    def bullet(self, text: str) -> None:
        """One item of a bulleted list."""
        self.paragraph(text, "List Bullet")

    def texts(self, text: str) -> None:
        """Free text as paragraphs, split on blank lines."""
        for part in _paragraphs(text):
            self.paragraph(part)

    def table(
        self,
        header: Iterable[str],
        rows: Iterable[tuple[str, ...]],
        widths: tuple[Length, ...],
        bold_rows: frozenset[int] = frozenset(),
    ) -> None:
        """A "Table Grid" table with a bold header row; numeric columns right-aligned.

        `bold_rows` are further rows in bold, counted from the header (0).
        """
        header = tuple(header)
        rows = list(rows)
        table = self.document.add_table(rows=len(rows) + 1, cols=len(header))
        table.style = self.document.styles[TABLE_STYLE]
        table.autofit = False
        # Word reads the cell widths, LibreOffice the grid's: set both.
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        for index, (row, values) in enumerate(zip(table.rows, [header, *rows], strict=True)):
            for column, (cell, value, width) in enumerate(
                zip(row.cells, values, widths, strict=True)
            ):
                cell.width = width
                paragraph = cell.paragraphs[0]
                run = paragraph.add_run(clean_text(value))
                if index == 0 or index in bold_rows:
                    run.bold = True
                if column > 0:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _add_entry(writer: _Writer, doc: RapportDocument, entry: RapportEntry) -> None:
    """Bold "<nummer> <titel>", the summary, the status line, history, actions, merges."""
    writer.paragraph(f"{entry.nummer} {entry.titel}", bold=True)
    writer.texts(doc.summary(entry))
    writer.paragraph(_status_line(doc, entry))
    for line in entry.history:
        writer.bullet(line)
    for action in entry.actions:
        writer.bullet(action)
    if entry.merged:
        writer.paragraph(_merged_line(entry))


def rapport_docx(doc: RapportDocument) -> bytes:
    """The section as DOCX: routines, summary by nivå and myndighet, examples, counts."""
    document = new_document(_title(doc))
    writer = _Writer(document)
    writer.heading(_title(doc), 0)
    if who := _who_line(doc):
        writer.paragraph(who)
    if doc.version_line:
        writer.paragraph(doc.version_line, italic=True)

    writer.heading(ROUTINES_HEADING, 1)
    writer.paragraph(ROUTINES_YES if doc.has_routines else ROUTINES_NO)
    writer.texts(doc.introduction)

    writer.heading(SUMMARY_HEADING, 1)
    if not any(True for _ in doc.entries()):
        writer.paragraph(NO_BRISTER)
    for section in doc.sections:
        writer.heading(_niva_name(section.niva), 2)
        for group in section.groups:
            writer.heading(group.myndighet, 3)
            for entry in group.entries:
                _add_entry(writer, doc, entry)

    writer.heading(EXAMPLES_HEADING, 1)
    if not doc.examples:
        writer.paragraph(NO_EXAMPLES)
    for example in doc.examples:
        writer.bullet(_example_line(example))

    writer.heading(COUNTS_HEADING, 1)
    rows = _count_rows(doc)
    writer.table(
        ("", str(doc.year - 1), str(doc.year)),
        (
            (label, "", "") if this is None else (label, str(before), str(this))
            for label, before, this in rows
        ),
        COUNTS_WIDTHS,
        bold_rows=frozenset(i for i, (_, _, this) in enumerate(rows, start=1) if this is None),
    )
    if note := _suppression_note(doc):
        writer.paragraph(note, italic=True)

    if doc.breakdown:
        writer.heading(BREAKDOWN_HEADING, 1)
        writer.table(
            BREAKDOWN_COLUMNS,
            (
                (name, *(str(n) for n in _breakdown_counts(counts)))
                for name, counts in doc.breakdown.items()
            ),
            BREAKDOWN_WIDTHS,
        )
        writer.heading(COMMON_HEADING, 1)
        writer.paragraph(COMMON_INTRO if doc.common else NO_COMMON)
        for common in doc.common:
            writer.bullet(_common_line(common))

    writer.texts(doc.closing)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Plain text


def _underlined(text: str, mark: str) -> list[str]:
    """The heading and a line of `mark` as long as it."""
    return [text, mark * len(text)]


def _breakdown_line(name: str, counts: Counts) -> str:
    """E.g. "PO Nacka: nya 12, stängda 4, öppna vid årets slut 20, handläggarnivå 1, …"."""
    return f"{name}: " + ", ".join(
        f"{_lower_first(column)} {n}"
        for column, n in zip(BREAKDOWN_COLUMNS[1:], _breakdown_counts(counts), strict=True)
    )


def rapport_text(doc: RapportDocument) -> str:
    """The section as plain text to paste into a web form: numbered headings, no markup.

    Paragraphs are separated by a blank line and not wrapped (the form wraps them); the
    counts are written "Nya: 12 (2025: 10)" so they read the same in any font.
    """
    lines: list[str] = []

    def block(*texts: str) -> None:
        if lines:
            lines.append("")
        lines.extend(texts)

    chapter = 0

    def heading(text: str) -> None:
        nonlocal chapter
        chapter += 1
        block(*_underlined(f"{chapter}. {text}", "-"))

    block(*_underlined(_title(doc).upper(), "="))
    if who := _who_line(doc):
        block(who)
    if doc.version_line:
        block(doc.version_line)

    heading(ROUTINES_HEADING)
    block(ROUTINES_YES if doc.has_routines else ROUTINES_NO)
    for part in _paragraphs(doc.introduction):
        block(part)

    heading(SUMMARY_HEADING)
    if not any(True for _ in doc.entries()):
        block(NO_BRISTER)
    for s, section in enumerate(doc.sections, start=1):
        block(f"{chapter}.{s} {_niva_name(section.niva)}")
        for g, group in enumerate(section.groups, start=1):
            block(f"{chapter}.{s}.{g} {group.myndighet}")
            for entry in group.entries:
                block(f"{entry.nummer} {entry.titel}")
                lines.extend(_paragraphs(doc.summary(entry)))
                lines.append(_status_line(doc, entry))
                lines.extend(f"- {line}" for line in entry.history)
                lines.extend(f"- {action}" for action in entry.actions)
                if entry.merged:
                    lines.append(_merged_line(entry))

    heading(EXAMPLES_HEADING)
    block(*([f"- {_example_line(e)}" for e in doc.examples] or [NO_EXAMPLES]))

    heading(COUNTS_HEADING)
    block(
        *(
            f"{label}:" if this is None else f"{label}: {this} ({doc.year - 1}: {before})"
            for label, before, this in _count_rows(doc)
        )
    )
    if note := _suppression_note(doc):
        block(note)

    if doc.breakdown:
        heading(BREAKDOWN_HEADING)
        block(*(_breakdown_line(name, c) for name, c in doc.breakdown.items()))
        heading(COMMON_HEADING)
        block(COMMON_INTRO if doc.common else NO_COMMON)
        lines.extend(f"- {_common_line(c)}" for c in doc.common)

    for part in _paragraphs(doc.closing):
        block(part)
    return clean_text("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------
# CSV and XLSX: one row per entry


def _entry_row(doc: RapportDocument, niva: Niva, entry: RapportEntry) -> list[object]:
    """The entry's cells, the times observed and clients as numbers or as suppressed."""
    observed = doc.observed(entry)
    return [
        _niva_name(niva),
        entry.myndighet,
        entry.nummer,
        entry.titel,
        doc.summary(entry),
        entry.omrade,
        entry.verksamhet,
        "Öppen" if entry.is_open else "Stängd",
        "" if entry.utfall is None else UTFALL_WORDS[entry.utfall],
        _number(observed.times),
        _number(observed.clients),
        "\n".join(entry.actions),
    ]


def _entry_rows(doc: RapportDocument) -> Iterator[list[object]]:
    """Every entry's row, in the order printed."""
    for section in doc.sections:
        for group in section.groups:
            for entry in group.entries:
                yield _entry_row(doc, section.niva, entry)


def entries_csv(doc: RapportDocument) -> str:
    """One row per entry, ';'-separated, starting with a BOM so Excel reads it as UTF-8.

    Every cell goes through `csv_cell`, so no text is run as a formula; small client counts
    are suppressed.
    Several actions share one cell, one per line.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in ENTRY_COLUMNS])
    for row in _entry_rows(doc):
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def _number(shown: str) -> int | str:
    """A count as a number (a number cell in XLSX), or the text "<3" or "≥2" when hidden."""
    return int(shown) if shown.isdigit() else shown


def _xlsx_value(value: object) -> object:
    """Text without characters XLSX cannot hold, and not run as a formula; "" as an empty cell."""
    if isinstance(value, str):
        return csv_cell(value) if value else None
    return value


def _header(sheet, names: Iterable[str]) -> list[WriteOnlyCell]:
    """Bold header cells for a write-only sheet."""
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(name))
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _sheet(workbook: Workbook, title: str, widths: Iterable[int]):
    """A write-only sheet with its header row frozen and its columns `widths` wide."""
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    return sheet


def rapport_xlsx(doc: RapportDocument) -> bytes:
    """The entries, the counts and (for a roll-up) the breakdown per verksamhet as XLSX.

    Sheets "Brister" (the CSV's columns), "Antal" (the year before and the year side by side),
    and for a roll-up "Per verksamhet" and "Gemensamma brister". Counts are numbers, unless a
    small client count is suppressed ("<3", and "≥2" beside it); text that would start a
    formula gets a leading ' as in the CSV.
    """
    # Write-only: rows are streamed to the file, so a national roll-up fits in memory.
    workbook = Workbook(write_only=True)

    sheet = _sheet(workbook, "Brister", XLSX_ENTRY_WIDTHS)
    sheet.append(_header(sheet, ENTRY_COLUMNS))
    # The long texts wrap, in a styled cell per column given each row's value in turn (openpyxl
    # writes a row as it is appended, and reuses its own cells the same way). Styling every
    # cell would make a national roll-up take more than twice as long.
    wrap = Alignment(wrap_text=True, vertical="top")
    wrapped = {}
    for column, name in enumerate(ENTRY_COLUMNS):
        if name in XLSX_WRAPPED:
            wrapped[column] = WriteOnlyCell(sheet)
            wrapped[column].alignment = wrap
    for row in _entry_rows(doc):
        values: list[object] = [_xlsx_value(value) for value in row]
        for column, cell in wrapped.items():
            cell.value = values[column]
            values[column] = cell
        sheet.append(values)

    sheet = _sheet(workbook, "Antal", (34, 12, 12))
    sheet.append(_header(sheet, ("", str(doc.year - 1), str(doc.year))))
    for label, before, this in _count_rows(doc):
        if this is None:
            sheet.append(_header(sheet, (label,)))
        else:
            sheet.append([_xlsx_value(label), before, this])
    if note := _suppression_note(doc):
        sheet.append([])
        sheet.append([note])

    if doc.breakdown:
        sheet = _sheet(workbook, "Per verksamhet", (40, *([14] * (len(BREAKDOWN_COLUMNS) - 1))))
        sheet.append(_header(sheet, BREAKDOWN_COLUMNS))
        for name, counts in doc.breakdown.items():
            sheet.append([_xlsx_value(name), *_breakdown_counts(counts)])
    if doc.common:
        sheet = _sheet(workbook, "Gemensamma brister", (28, 18, 60, 40))
        sheet.append(_header(sheet, ("Myndighet", "Område", "Verksamheter", "Nummer")))
        for common in doc.common:
            sheet.append(
                [
                    _xlsx_value(common.myndighet),
                    _xlsx_value(common.omrade),
                    _xlsx_value(", ".join(common.verksamheter)),
                    _xlsx_value(", ".join(common.nummer)),
                ]
            )

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
