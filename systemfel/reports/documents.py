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
from datetime import UTC, datetime

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Length
from lxml.etree import SubElement
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from systemfel.brister.domain import Niva
from systemfel.docx_tools import (
    TABLE_STYLE,
    add_header_and_page_numbers,
    new_document,
    set_properties,
)
from systemfel.exports import clean_text, csv_cell
from systemfel.reports.domain import (
    NIVA_WORDS,
    UTFALL_WORDS,
    CommonBrist,
    Counts,
    Measure,
    RapportDocument,
    RapportEntry,
)

TITLE = "Uppmärksammade brister"
# The county board's form asks three questions under 6, "Tillgång till samhällsservice": each
# section that answers one carries its number, so the text can be pasted field by field.
# Antal, Per verksamhet and Gemensamma brister answer none of them: they follow, unnumbered.
ROUTINES_HEADING = "6 a Rutiner för uppmärksammade brister"
ROUTINES_YES = "Ja, det finns rutiner för att hantera uppmärksammade brister."
ROUTINES_NO = "Nej, det finns inga rutiner för att hantera uppmärksammade brister."
SUMMARY_HEADING = (
    "6 b Sammanfattning av brister som rör den enskildes tillgång till vård, stöd och service"
)
NO_BRISTER = "Inga brister har uppmärksammats under året."
EXAMPLES_HEADING = "6 c Exempel på åtgärder som vidtagits"
SUBJECT = "Årsrapport personligt ombud, 6 Tillgång till samhällsservice"
NO_EXAMPLES = "Inga åtgärder har registrerats under året."
COUNTS_HEADING = "Antal"
BREAKDOWN_HEADING = "Per verksamhet"
COMMON_HEADING = "Gemensamma brister"
NO_COMMON = "Ingen brist hos samma myndighet och område har uppmärksammats av flera verksamheter."
COMMON_INTRO = "Brister som flera verksamheter har uppmärksammat hos samma myndighet och område:"
MERGED_LABEL = "Sammanslagen med"
APPENDIX_HEADING = "Bilaga: förteckning"
BY_NIVA = "Brister i rapporten per nivå"
BY_MYNDIGHET = "Brister i rapporten per myndighet"

NEW, CLOSED, OPEN_AT_END = "Nya", "Stängda", "Öppna vid årets slut"
STATUS_AT_END = "Status vid årets slut"
ENTRY_COLUMNS = (
    "Nivå",
    "Myndighet",
    "Nummer",
    "Rubrik",
    "Sammanfattning",
    "Område",
    "Verksamhet",
    STATUS_AT_END,
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
XLSX_COUNT_COLUMNS = frozenset({"Antal observationer", "Antal klienter"})


def _xlsx_suppression_note(doc: RapportDocument) -> str:
    """Why some count cells of the workbook are empty: numbers stay numbers, so sums work."""
    return (
        f"Antal klienter mellan 1 och {doc.threshold - 1} lämnas tomma, och antal observationer "
        "bredvid dem där det exakta antalet skulle avslöja antalet klienter; cellens kommentar "
        f"säger vad som döljs (till exempel Färre än {doc.threshold} — döljs)."
    )


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


def _is_rollup(doc: RapportDocument) -> bool:
    """Does the report cover several verksamheter (whose brist numbers may repeat)?"""
    return len(doc.verksamheter) > 1 or bool(doc.breakdown)


def author(doc: RapportDocument) -> str:
    """Who the document is from: the verksamhet, or "Sammanställning för 3 verksamheter"."""
    if _is_rollup(doc):
        return f"Sammanställning för {len(doc.verksamheter)} verksamheter"
    return doc.verksamheter[0] if doc.verksamheter else TITLE


def header_line(doc: RapportDocument) -> str:
    """The running header: e.g. "PO Nacka · Uppmärksammade brister 2026"."""
    return f"{author(doc)} · {_title(doc)}"


def _named(doc: RapportDocument, verksamhet: str, nummer: str) -> str:
    """A brist's number, with its verksamhet in a roll-up: "PO Norr SF-2026-0002"."""
    return f"{verksamhet} {nummer}" if _is_rollup(doc) and verksamhet else nummer


def _open_label(doc: RapportDocument) -> str:
    """The counts' "Öppna vid årets slut", with this year's day while the year runs."""
    if doc.as_of is None:
        return OPEN_AT_END
    return f"{OPEN_AT_END} ({doc.year}: {doc.when})"


def _entry_columns(doc: RapportDocument) -> tuple[str, ...]:
    """The CSV's and XLSX's columns: "Status per 2026-12-01" while the year runs."""
    status = f"Status {doc.when}"
    return tuple(status if name == STATUS_AT_END else name for name in ENTRY_COLUMNS)


def _breakdown_columns(doc: RapportDocument) -> tuple[str, ...]:
    """The breakdown's columns: "Öppna per 2026-12-01" while the year runs."""
    opened = f"Öppna {doc.when}"
    return tuple(opened if name == OPEN_AT_END else name for name in BREAKDOWN_COLUMNS)


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
    return f"Observerad {times}, {clients}. Status {doc.when}: {_status(entry)}."


def _entry_heading(doc: RapportDocument, entry: RapportEntry) -> str:
    """E.g. "SF-2026-0003 Långa handläggningstider", "PO Norr SF-2026-0003 …" in a roll-up."""
    return f"{_named(doc, entry.verksamhet, entry.nummer)} {entry.titel}"


def _merged_line(doc: RapportDocument, entry: RapportEntry) -> str:
    """E.g. "Sammanslagen med: SF-2026-0003, SF-2026-0009".

    A brist is merged only into one of its own verksamhet: in a roll-up, that one names them.
    """
    named = (_named(doc, entry.verksamhet, nummer) for nummer in entry.merged)
    return f"{MERGED_LABEL}: {', '.join(named)}"


# --- 6 a and 6 c ------------------------------------------------------------------------------

ROUTINES_PER_VERKSAMHET = "Rutiner för att hantera uppmärksammade brister, per verksamhet:"
MEASURES_SHEET = "Åtgärder"
ROUTINES_SHEET = "Rutiner"
ROUTINE_COLUMNS = ("Verksamhet", "Rutiner", "Beskrivning")
MEASURE_COLUMNS = ("Datum", "Verksamhet", "Brister", "Åtgärd")


def routine_lines(doc: RapportDocument) -> list[str]:
    """6 a: "Ja, det finns rutiner …" and its one line; in a roll-up a line per verksamhet."""
    answers = doc.routine_answers()
    if len(answers) <= 1 and not _is_rollup(doc):
        has = answers[0].has_routines if answers else doc.has_routines
        described = answers[0].description.strip() if answers else ""
        return [ROUTINES_YES if has else ROUTINES_NO, *([described] if described else [])]
    lines = [ROUTINES_PER_VERKSAMHET]
    for answer in answers:
        said = "Ja" if answer.has_routines else "Nej"
        described = answer.description.strip()
        lines.append(f"{answer.verksamhet}: {said}" + (f" – {described}" if described else ""))
    return lines


def measure_who(doc: RapportDocument, measure: Measure) -> str:
    """The brister a measure concerns: "SF-2026-0007", "PO Nacka SF-2026-0007" in a roll-up.

    One added by hand names its verksamhet in a roll-up, else nothing.
    """
    named = [_named(doc, verksamhet, nummer) for verksamhet, nummer in measure.brister]
    if not named and _is_rollup(doc) and measure.verksamhet:
        named = [measure.verksamhet]
    return ", ".join(named)


def _example_line(doc: RapportDocument, measure: Measure) -> str:
    """E.g. "2026-05-02 SF-2026-0007: Utförsäkrade: Försäkringskassan har åtgärdat bristen."."""
    who = measure_who(doc, measure)
    return (
        f"{measure.on.isoformat()} {who}: {measure.text}"
        if who
        else (f"{measure.on.isoformat()}: {measure.text}")
    )


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
        (_open_label(doc), before.open_at_end, this.open_at_end),
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
    writer.paragraph(_entry_heading(doc, entry), bold=True)
    writer.texts(doc.summary(entry))
    writer.paragraph(_status_line(doc, entry))
    for line in entry.history:
        writer.bullet(line)
    for action in entry.actions:
        writer.bullet(action)
    if entry.merged:
        writer.paragraph(_merged_line(doc, entry))


def rapport_docx(doc: RapportDocument) -> bytes:
    """The section as DOCX: routines, summary by nivå and myndighet, examples, counts."""
    document = new_document(_title(doc))
    set_properties(
        document,
        title=_title(doc),
        author=author(doc),
        subject=SUBJECT,
        at=doc.made_at or datetime.now(UTC),
    )
    add_header_and_page_numbers(document, header_line(doc))
    writer = _Writer(document)
    writer.heading(_title(doc), 0)
    if who := _who_line(doc):
        writer.paragraph(who)
    if doc.version_line:
        writer.paragraph(doc.version_line, italic=True)

    writer.heading(ROUTINES_HEADING, 1)
    for line in routine_lines(doc):
        writer.paragraph(line)
    writer.texts(doc.introduction)

    writer.heading(SUMMARY_HEADING, 1)
    if doc.in_prose:
        _docx_prose(writer, doc)
    else:
        _docx_register(writer, doc, 2)

    writer.heading(EXAMPLES_HEADING, 1)
    if not doc.shown_measures():
        writer.paragraph(NO_EXAMPLES)
    for measure in doc.shown_measures():
        writer.bullet(_example_line(doc, measure))
    if doc.fixes_line():
        writer.paragraph(doc.fixes_line())

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
            _breakdown_columns(doc),
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
    if doc.in_prose and doc.appendix:
        writer.heading(APPENDIX_HEADING, 1)
        _docx_register(writer, doc, 2)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Plain text


def _underlined(text: str, mark: str) -> list[str]:
    """The heading and a line of `mark` as long as it."""
    return [text, mark * len(text)]


def _breakdown_line(doc: RapportDocument, name: str, counts: Counts) -> str:
    """E.g. "PO Nacka: nya 12, stängda 4, öppna vid årets slut 20, handläggarnivå 1, …"."""
    columns = _breakdown_columns(doc)[1:]
    return f"{name}: " + ", ".join(
        f"{_lower_first(column)} {n}"
        for column, n in zip(columns, _breakdown_counts(counts), strict=True)
    )


def rapport_text(doc: RapportDocument) -> str:
    """The section as plain text to paste into a web form: the form's numbers, no markup.

    Each answer starts at its question's number ("6 a", "6 b", "6 c"), so it can be pasted
    field by field; the counts and the roll-up's parts follow under headings of their own.

    Paragraphs are separated by a blank line and not wrapped (the form wraps them); the
    counts are written "Nya: 12 (2025: 10)" so they read the same in any font.
    """
    lines: list[str] = []

    def block(*texts: str) -> None:
        if lines:
            lines.append("")
        lines.extend(texts)

    def heading(text: str) -> None:
        block(*_underlined(text, "-"))

    block(*_underlined(_title(doc).upper(), "="))
    if who := _who_line(doc):
        block(who)
    if doc.version_line:
        block(doc.version_line)

    heading(ROUTINES_HEADING)
    block(*routine_lines(doc))
    for part in _paragraphs(doc.introduction):
        block(part)

    def register() -> None:
        if not any(True for _ in doc.entries()):
            block(NO_BRISTER)
        for section in doc.sections:
            block(_niva_name(section.niva))
            for group in section.groups:
                block(group.myndighet)
                for entry in group.entries:
                    block(_entry_heading(doc, entry))
                    lines.extend(_paragraphs(doc.summary(entry)))
                    lines.append(_status_line(doc, entry))
                    lines.extend(f"- {line}" for line in entry.history)
                    lines.extend(f"- {action}" for action in entry.actions)
                    if entry.merged:
                        lines.append(_merged_line(doc, entry))

    heading(SUMMARY_HEADING)
    if doc.in_prose:
        for niva, lead, themes in _prose(doc):
            block(_niva_name(niva))
            block(lead)
            for theme in themes:
                block(theme.titel)
                lines.extend(_paragraphs(theme.summary))
    else:
        register()

    heading(EXAMPLES_HEADING)
    block(*([f"- {_example_line(doc, m)}" for m in doc.shown_measures()] or [NO_EXAMPLES]))
    if doc.fixes_line():
        block(doc.fixes_line())

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
        block(*(_breakdown_line(doc, name, c) for name, c in doc.breakdown.items()))
        heading(COMMON_HEADING)
        block(COMMON_INTRO if doc.common else NO_COMMON)
        lines.extend(f"- {_common_line(c)}" for c in doc.common)

    for part in _paragraphs(doc.closing):
        block(part)
    if doc.in_prose and doc.appendix:
        heading(APPENDIX_HEADING)
        register()
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
    writer.writerow([csv_cell(name) for name in _entry_columns(doc)])
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


def _suppressed_note(shown: str, threshold: int) -> str:
    """What an empty count cell holds back: "Färre än 3 — döljs", "Minst 2 — döljs"."""
    if shown.startswith("<"):
        return f"Färre än {threshold} — döljs"
    return f"Minst {shown.removeprefix('≥')} — det exakta antalet döljs"


def _count_cell(sheet, value: object, threshold: int) -> object:
    """A count as a number; one shown as "<3" or "≥2" an empty cell with a note saying so.

    So a column of counts holds only numbers and empty cells: it can be summed and sorted.
    """
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=None)
    cell.comment = Comment(_suppressed_note(value, threshold), "Systemfel", width=200, height=40)
    return cell


def _sheet(workbook: Workbook, title: str, widths: Iterable[int]):
    """A write-only sheet: header row frozen, columns `widths` wide, landscape, fit to width."""
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = "1:1"
    return sheet


def _filter(sheet, columns: int, rows: int) -> None:
    """An autofilter over the header and the `rows` rows of the table under it."""
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{rows + 1}"


def _counts_sheet(
    workbook: Workbook, title: str, first: str, rows: list[tuple[str, int, int]], year: int
) -> None:
    """A table of counts: the label, the year before, the year."""
    sheet = _sheet(workbook, title, (40, 12, 12))
    sheet.append(_header(sheet, (first, str(year - 1), str(year))))
    for label, before, this in rows:
        sheet.append([_xlsx_value(label), before, this])
    _filter(sheet, 3, len(rows))


def rapport_xlsx(doc: RapportDocument) -> bytes:
    """The entries, the counts and (for a roll-up) the breakdown per verksamhet as XLSX.

    One sheet per table, each with a bold frozen header, an autofilter, landscape pages one
    page wide: "Brister" (the CSV's columns), "Antal", "Antal per nivå", "Antal per myndighet"
    (the year before and the year side by side), "Rutiner" (6 a) and "Åtgärder" (6 c), and
    for a roll-up "Per verksamhet" and "Gemensamma brister"; "Brister" only with the appendix,
    and the 6 b themes on a sheet of their own. Counts are numbers; a suppressed small count
    is an empty cell with a note. Text that would start a formula gets a leading ' as in the
    CSV.
    """
    # Write-only: rows are streamed to the file, so a national roll-up fits in memory.
    workbook = Workbook(write_only=True)

    if doc.shows_register:
        _register_sheet(workbook, doc)
    if doc.in_prose:
        _themes_sheet(workbook, doc)
    _count_sheets(workbook, doc)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _register_sheet(workbook: Workbook, doc: RapportDocument) -> None:
    """The "Brister" sheet: one row per entry, the CSV's columns."""
    columns = _entry_columns(doc)
    sheet = _sheet(workbook, "Brister", XLSX_ENTRY_WIDTHS)
    sheet.append(_header(sheet, columns))
    # The long texts wrap, in a styled cell per column given each row's value in turn (openpyxl
    # writes a row as it is appended, and reuses its own cells the same way). Styling every
    # cell would make a national roll-up take more than twice as long.
    wrap = Alignment(wrap_text=True, vertical="top")
    wrapped = {}
    for column, name in enumerate(ENTRY_COLUMNS):
        if name in XLSX_WRAPPED:
            wrapped[column] = WriteOnlyCell(sheet)
            wrapped[column].alignment = wrap
    counted = [column for column, name in enumerate(ENTRY_COLUMNS) if name in XLSX_COUNT_COLUMNS]
    rows = 0
    for row in _entry_rows(doc):
        values: list[object] = [_xlsx_value(value) for value in row]
        for column in counted:
            values[column] = _count_cell(sheet, row[column], doc.threshold)
        for column, cell in wrapped.items():
            cell.value = values[column]
            values[column] = cell
        sheet.append(values)
        rows += 1
    _filter(sheet, len(columns), rows)
    if doc.has_suppressed():
        sheet.append([])
        sheet.append([_xlsx_suppression_note(doc)])


def _count_sheets(workbook: Workbook, doc: RapportDocument) -> None:
    """The counts, and for a roll-up the breakdown and the common brister."""
    this, before = doc.counts, doc.previous
    _counts_sheet(
        workbook,
        "Antal",
        "Brister",
        [
            (NEW, before.new, this.new),
            (CLOSED, before.closed, this.closed),
            (_open_label(doc), before.open_at_end, this.open_at_end),
        ],
        doc.year,
    )
    _counts_sheet(
        workbook,
        "Antal per nivå",
        "Nivå",
        [
            (_niva_name(niva), before.by_niva.get(niva, 0), this.by_niva.get(niva, 0))
            for niva in Niva
        ],
        doc.year,
    )
    _counts_sheet(
        workbook,
        "Antal per myndighet",
        "Myndighet",
        [
            (name, before.by_myndighet.get(name, 0), this.by_myndighet.get(name, 0))
            for name in _by_myndighet_names(doc)
        ],
        doc.year,
    )

    _form_sheets(workbook, doc)

    if doc.breakdown:
        breakdown_columns = _breakdown_columns(doc)
        sheet = _sheet(workbook, "Per verksamhet", (40, *([14] * (len(breakdown_columns) - 1))))
        sheet.append(_header(sheet, breakdown_columns))
        for name, counts in doc.breakdown.items():
            sheet.append([_xlsx_value(name), *_breakdown_counts(counts)])
        _filter(sheet, len(breakdown_columns), len(doc.breakdown))
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
        _filter(sheet, 4, len(doc.common))


def _form_sheets(workbook: Workbook, doc: RapportDocument) -> None:
    """6 a per verksamhet ("Rutiner") and the measures of 6 c ("Åtgärder")."""
    sheet = _sheet(workbook, ROUTINES_SHEET, (40, 12, 80))
    sheet.append(_header(sheet, ROUTINE_COLUMNS))
    answers = doc.routine_answers()
    for answer in answers:
        sheet.append(
            [
                _xlsx_value(answer.verksamhet),
                "Ja" if answer.has_routines else "Nej",
                _xlsx_value(answer.description),
            ]
        )
    _filter(sheet, len(ROUTINE_COLUMNS), len(answers))

    measures = doc.shown_measures()
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet = _sheet(workbook, MEASURES_SHEET, (12, 28, 30, 80))
    sheet.append(_header(sheet, MEASURE_COLUMNS))
    for measure in measures:
        text = WriteOnlyCell(sheet, value=_xlsx_value(measure.text))
        text.alignment = wrap
        sheet.append(
            [
                measure.on,
                _xlsx_value(", ".join(measure.verksamheter())),
                _xlsx_value(", ".join(nummer for _, nummer in measure.brister)),
                text,
            ]
        )
    _filter(sheet, len(MEASURE_COLUMNS), len(measures))


# ---------------------------------------------------------------------------------------------
# 6 b: themes and lead sentences (every format); the register detail as the appendix


def _prose(doc: RapportDocument) -> Iterator[tuple[Niva, str, list]]:
    """Each nivå with brister: its lead sentence and its themes."""
    for niva in Niva:
        if lead := doc.leads.get(niva, ""):
            yield niva, lead, doc.themes_of(niva)


def _docx_prose(writer: _Writer, doc: RapportDocument) -> None:
    """6 b in prose: per nivå its lead sentence, then each theme's title and summary."""
    for niva, lead, themes in _prose(doc):
        writer.heading(_niva_name(niva), 2)
        writer.paragraph(lead)
        for theme in themes:
            writer.heading(theme.titel, 3)
            writer.texts(theme.summary)


def _docx_register(writer: _Writer, doc: RapportDocument, level: int) -> None:
    """The register detail, brist by brist, under headings from `level` down."""
    if not any(True for _ in doc.entries()):
        writer.paragraph(NO_BRISTER)
    for section in doc.sections:
        writer.heading(_niva_name(section.niva), level)
        for group in section.groups:
            writer.heading(group.myndighet, level + 1)
            for entry in group.entries:
                _add_entry(writer, doc, entry)


def _themes_sheet(workbook: Workbook, doc: RapportDocument) -> None:
    """The "Teman" sheet: nivå, theme and summary, one row per theme."""
    sheet = _sheet(workbook, "Teman", (16, 40, 100))
    sheet.append(_header(sheet, ("Nivå", "Tema", "Sammanfattning")))
    rows = 0
    for niva, _lead, themes in _prose(doc):
        for theme in themes:
            sheet.append(
                [
                    _xlsx_value(_niva_name(niva)),
                    _xlsx_value(theme.titel),
                    _xlsx_value(theme.summary),
                ]
            )
            rows += 1
    _filter(sheet, 3, rows)
