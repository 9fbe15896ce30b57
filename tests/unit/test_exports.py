"""The one cleaner for text entering and leaving the system, and the bounds on integers from
outside: properties over every text and number (hypothesis)."""

import re
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from systemfel.bounds import LARGEST_INT, whole_number
from systemfel.exports import clean_text, cleaned, csv_cell, one_line

# The list: \x00–\x08, \x0b, \x0c, \x0e–\x1f, \ufffe, \uffff.
CONTROL = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])) + "\ufffe\uffff"
FORBIDDEN = re.compile(f"[{CONTROL}]")
TEXT = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(CONTROL + "\r\n\t"))
)


@given(TEXT)
def test_clean_text_keeps_everything_but_control_characters(text):
    result = clean_text(text)
    assert not FORBIDDEN.search(result)
    assert result == "".join(c for c in text.replace("\v", "\n") if not FORBIDDEN.match(c))


@given(TEXT)
def test_clean_text_is_what_xml_and_postgresql_take(text):
    element = etree.Element("t")
    element.text = clean_text(text)  # lxml refuses what XML 1.0 cannot hold
    assert "\x00" not in element.text


@given(TEXT)
def test_a_single_line_has_no_line_breaks_and_is_idempotent(text):
    line = clean_text(text, multiline=False)
    assert len(line.splitlines()) <= 1  # no break of any kind Python knows
    assert clean_text(line, multiline=False) == line
    assert clean_text(clean_text(text)) == clean_text(text)


@given(TEXT)
def test_one_line_is_a_valid_mail_header(text):
    mail = EmailMessage()
    mail["Subject"] = one_line(text)  # raises on CR or LF
    assert "\t" not in one_line(text) and one_line(text) == one_line(text).strip()


@given(TEXT)
def test_a_spreadsheet_cell_never_starts_a_formula_and_holds_no_control_character(text):
    cell = csv_cell(text)
    assert not FORBIDDEN.search(cell)
    assert not cell.startswith(("=", "+", "-", "@")) or cell.startswith("'")


@dataclass(frozen=True)
class Item:
    rubrik: str
    facts: tuple[tuple[str, str], ...]
    number: int


def test_cleaned_reaches_every_text_of_a_document():
    doc = Item("A\x01b", (("Etikett\x0c", "värde\uffff"),), 3)
    assert cleaned(doc) == Item("Ab", (("Etikett", "värde"),), 3)
    assert cleaned(["x\x00", 1, None]) == ["x", 1, None]


@given(st.integers())
def test_whole_number_reads_exactly_the_database_integers(number):
    if 1 <= number <= LARGEST_INT:
        assert whole_number(str(number)) == number
    else:
        with pytest.raises(ValueError):
            whole_number(str(number))


@pytest.mark.parametrize("text", ["", " ", "1.0", "1e3", "²", "١٢", "0x10", "--1", "1" * 400])
def test_whole_number_refuses_what_is_not_one(text):
    with pytest.raises(ValueError):
        whole_number(text)
