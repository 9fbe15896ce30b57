"""What every text that enters or leaves the system shares: one cleaner for control characters.

Forms clean what users type with `clean_text`; every writer of a file or header (DOCX, XLSX,
CSV, ICS, e-mail) cleans again what it writes, so text stored before the forms cleaned it
cannot break a document either.
"""

import re
from dataclasses import fields, is_dataclass, replace
from typing import TypeVar

# C0 control characters other than tab and the line breaks, and the two noncharacters: XML 1.0
# (DOCX, XLSX) cannot hold them, PostgreSQL refuses NUL, and mail headers and calendars break.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0c\x0e-\x1f\ufffe\uffff]")
# Word's manual line break, as it arrives when pasted from Word.
MANUAL_LINE_BREAK = "\v"
# Every character Python (and with it the e-mail package) splits lines on that is left.
LINE_BREAKS = re.compile("\\s*[\r\n\x85\u2028\u2029]+\\s*")

# A cell starting with one of these is read as a formula by Excel and LibreOffice.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def clean_text(text: str, *, multiline: bool = True) -> str:
    """Return `text` without control characters; a single-line text also without line breaks.

    Word's manual line break becomes a line break. In a single-line text every line break
    (with the space around it) becomes one space, so two lines read as one.
    """
    text = CONTROL_CHARACTERS.sub("", text.replace(MANUAL_LINE_BREAK, "\n"))
    return text if multiline else LINE_BREAKS.sub(" ", text)


def one_line(text: str) -> str:
    """Text for a header or a file name: no control characters, no line breaks, no tabs."""
    return clean_text(text, multiline=False).replace("\t", " ").strip()


def csv_cell(value: object) -> object:
    """Return `value` safe for a spreadsheet: clean, and text that looks like a formula gets '."""
    if isinstance(value, str):
        value = clean_text(value)
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def cleaned(value: T) -> T:
    """Return `value` with every text in it cleaned: strings, tuples, lists and dataclasses.

    A document built from plain values (a meeting's agenda, a calendar event) passes through
    this once before it is written, so no stored text can break the file.
    """
    if isinstance(value, str):
        return clean_text(value)  # type: ignore[return-value]
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*(cleaned(item) for item in value))  # type: ignore[return-value]
    if isinstance(value, tuple | list):
        return type(value)(cleaned(item) for item in value)  # type: ignore[return-value]
    if is_dataclass(value) and not isinstance(value, type):
        changes = {field.name: cleaned(getattr(value, field.name)) for field in fields(value)}
        return replace(value, **changes)  # type: ignore[return-value]
    return value
