"""What could identify a client: personnummer, e-mail and phone numbers in text; small counts.

A personnummer or samordningsnummer is refused outright; e-mail addresses and phone numbers
only warn, because agencies' functional addresses and switchboard numbers are fine to store.

Small counts: `suppress_small` and `shown_observed` decide how every count of people leaves
the system (the report in each format, the brister CSV). Counts of people are the clients a
brist hit: a registration's and an observation's antal klienter, and their sums per brist.
They read "<3" when 1 or 2 (the threshold is configured). Everything else is not about people
and is shown as it is: brister (new, closed, open, per nivå, myndighet, område or year), how
many times a brist was observed (observations are events), requests, answers, late answers,
answer rates and meetings.

A number shown beside a suppressed count must not give it away (secondary suppression). The
times a brist was observed put a floor under its clients, so beside a suppressed count they
may read "≥2" (see `shown_observed`). No output shows a total, difference or rate of client
counts today; one that does must hide a second cell in every line (row or column with its
total) that has a hidden cell, and must not show a rate whose part or whole is hidden.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from systemfel.i18n import N_

# --- Reading text as people paste it -------------------------------------------------------
# Word turns " - " into an en dash, PDFs carry non-breaking and narrow spaces, wrapped lines
# break numbers in two, and soft hyphens or zero-width spaces hide inside them. Before
# looking, every dash becomes "-", every space-like character (line breaks too) " ", every
# digit its ASCII form (fullwidth "８"), and invisible formatting characters are removed.


def _plain_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(c): " " for c in "\t\n\r\x0b\x0c\x85"}
    table[0x2212] = "-"  # the minus sign is a math symbol, not a dash, to Unicode
    for code in range(0x80, 0x10000):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Pd":
            table[code] = "-"
        elif category in {"Zs", "Zl", "Zp"}:
            table[code] = " "
        elif category == "Cf":
            table[code] = None  # soft hyphen, zero-width space, BOM, direction marks
        elif category == "Nd":
            table[code] = str(unicodedata.digit(char))
    return table


_PLAIN = _plain_table()
_INVISIBLE = re.compile("[" + "".join(chr(c) for c, v in _PLAIN.items() if v is None) + "]")


def plain(text: str) -> tuple[str, list[int]]:
    """Return `text` as the detectors read it, and where characters were removed from it."""
    return text.translate(_PLAIN), [match.start() for match in _INVISIBLE.finditer(text)]


def original_index(index: int, removed: Sequence[int]) -> int:
    """Map a position in the plain text back to the text as written."""
    for position in removed:
        if position <= index:
            index += 1
        else:
            break
    return index


# --- Personnummer and samordningsnummer ----------------------------------------------------
# Digit groups are joined by one separator: "-", "+", ".", "/" or "_" with up to three spaces
# around it, or up to three spaces alone (a line break counts as a space).
_SEPARATOR = r"[ ]{0,3}[-+./_][ ]{0,3}|[ ]{1,3}"
_DASH = r"[ ]{0,3}[-+][ ]{0,3}"

# How a personnummer is written, as the lengths of its digit groups. True: the date is split
# into parts; then they are joined alike and a dash or plus stands before the last four (else
# two dates in a row, "2024-05-03 2024-05-03", would read as one number).
LAYOUTS: dict[tuple[int, ...], bool] = {
    (10,): False,  # 8112189876
    (6, 4): False,  # 811218-9876, 811218 9876, 811218–9876
    (6, 2, 2): False,  # 811218-98 76
    (3, 3, 4): False,  # 811 218 9876
    (2, 2, 2, 4): True,  # 81-12-18-9876
    (2, 2, 2, 2, 2): True,  # 81 12 18-98 76
    (12,): False,  # 198112189876
    (8, 4): False,  # 19811218-9876
    (8, 2, 2): False,  # 19811218-98 76
    (2, 6, 4): False,  # 19 811218-9876
    (2, 10): False,  # 19 8112189876
    (4, 2, 2, 4): True,  # 1981-12-18-9876
    (4, 2, 2, 2, 2): True,  # 1981 12 18-98 76
}


def _layout_pattern(number: int, sizes: tuple[int, ...], split_date: bool) -> str:
    """The regex of one layout: its digit groups and the separators between them.

    Where the date is split, its parts are joined by the same separator ("81 12 18", not
    "81-12 18") and a dash or plus stands before the last four digits.
    """
    serial_gap = len(sizes) - (1 if sizes[-1] == 4 else 2)
    parts = [rf"\d{{{sizes[0]}}}"]
    for index, size in enumerate(sizes[1:], start=1):
        if not split_date:
            parts.append(f"(?:{_SEPARATOR})")
        elif index == 1:
            parts.append(f"(?P<date{number}>{_SEPARATOR})")
        elif index < serial_gap:
            parts.append(f"(?P=date{number})")
        elif index == serial_gap:
            parts.append(f"(?:{_DASH})")
        else:
            parts.append(f"(?:{_SEPARATOR})")
        parts.append(rf"\d{{{size}}}")
    return "".join(parts)


# Every layout at once, as a look-ahead, so that matches may overlap ("12 811218-9876").
# At most one layout can match at a place: the separators split the digits into groups.
# Not after a digit, nor after "digit-" (it would continue a case number, "2023-811218...").
_NUMBER = re.compile(
    r"(?<!\d)(?<!\d-)(?=("
    + "|".join(
        _layout_pattern(number, sizes, split)
        for number, (sizes, split) in enumerate(LAYOUTS.items())
    )
    + r")(?!\d))"
)
_PARTS = re.compile(r"\d+|\D+")
# Where a number could be at all: ten characters or more of digits and separators. Looking
# only there keeps the check fast on long text with few digits.
_REGION = re.compile(r"\d[\d \-+./_]{9,}")


@dataclass(frozen=True)
class Finding:
    """One identifying pattern found in a text; `shown` is safe to display back.

    `start` and `end` locate it in the text as written (for redaction); `advice` is an
    extra sentence for the user, where the finding needs one.
    """

    kind: str
    shown: str
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)
    advice: str = field(default="", compare=False)


@dataclass(frozen=True)
class _Candidate:
    digits: str
    sizes: tuple[int, ...]
    separators: tuple[str, ...]
    start: int
    end: int
    text: str
    luhn_ok: bool


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # a digit times two, its digits added


def luhn_valid(digits: str) -> bool:
    """Check the Luhn check digit of a 10-digit personnummer (YYMMDDNNNC)."""
    total = sum(map(_DOUBLED.__getitem__, map(int, digits[0::2]))) + sum(map(int, digits[1::2]))
    return total % 10 == 0


def _is_birth_date(century: str | None, yymmdd: str, today: date) -> bool:
    """Is YYMMDD a real date, not in the future? Samordningsnummer add 60 to the day."""
    born = _birth_date(century, yymmdd)
    return born is not None and (century is None or born <= today)


@lru_cache(maxsize=1 << 17)  # every century and date there is: a text repeating one is cheap
def _birth_date(century: str | None, yymmdd: str) -> date | None:
    year, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if day > 60:
        day -= 60
    full_year = int(century) * 100 + year if century else 2000 + year
    if full_year < 1800:
        return None
    try:
        return date(full_year, month, day)
    except ValueError:
        # 29 February of a year that is not a leap year in this century may be one in the
        # other: without a century the number is still a date in 1900 + YY.
        if century is None and month == 2 and day == 29 and (1900 + year) % 4 == 0:
            return date(1904, 2, 29)  # a leap day: it is a date, in the past
        return None


@lru_cache(maxsize=8)
def _read(text: str) -> tuple[tuple["_Candidate", ...], tuple[int, ...]]:
    """The candidates in a text and where invisible characters were removed from it.

    Remembered for the last few texts: a form's guard asks for the same text twice
    (refusals, then warnings).
    """
    readable, removed = plain(text)
    return tuple(_candidates(readable)), tuple(removed)


def _candidates(text: str) -> list[_Candidate]:
    """Every number written the way a personnummer is (see LAYOUTS) with a plausible date.

    Linear in the text: one regex looks once at every place.
    """
    found = []
    matches = (
        match
        for region in _REGION.finditer(text)
        for match in _NUMBER.finditer(text, region.start(), region.end())
    )
    for match in matches:
        written = match.group(1)
        parts = _PARTS.findall(written)
        digits = "".join(parts[::2])
        month, day = int(digits[-8:-6]), int(digits[-6:-4])
        if 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91):
            sizes = tuple(len(part) for part in parts[::2])
            start = match.start()
            found.append(
                _Candidate(
                    digits,
                    sizes,
                    tuple(parts[1::2]),
                    start,
                    start + len(written),
                    written,
                    luhn_valid(digits[-10:]),
                )
            )
    return found


def _serial_separator(candidate: _Candidate) -> str | None:
    """The separator just before the last four digits (None when they are not apart)."""
    written = 0
    for size, separator in zip(candidate.sizes, candidate.separators, strict=False):
        written += size
        if written == len(candidate.digits) - 4:
            return separator
    return None


def _well_formed(candidate: _Candidate) -> bool:
    """Not a mobile number: "070 123 4567" is how people write those."""
    return not (candidate.sizes == (3, 3, 4) and candidate.digits.startswith("07"))


def _masked(candidate: _Candidate) -> str:
    """The number as written, its last four digits replaced by stars."""
    text, hidden, out = candidate.text, 0, []
    for char in reversed(text):
        if char.isdigit() and hidden < 4:
            out.append("*")
            hidden += 1
        else:
            out.append(char)
    return "".join(reversed(out))


def _split(candidate: _Candidate) -> tuple[str | None, str, str]:
    digits = candidate.digits
    century = digits[:2] if len(digits) == 12 else None
    return century, digits[-10:-4], digits[-4:]


def find_personnummer(text: str, today: date | None = None) -> list[Finding]:
    """Return every valid personnummer or samordningsnummer in `text`, masked.

    However it is written: with any dash or space, spread over a line break, grouped
    ("81 12 18-98 76", "811 218 9876"), or with invisible characters inside.
    """
    if not text:
        return []
    today = today or date.today()
    candidates, removed = _read(text)
    found = []
    for candidate in candidates:
        century, yymmdd, serial = _split(candidate)
        if not candidate.luhn_ok or century not in {None, "18", "19", "20"}:
            continue
        if _well_formed(candidate) and _is_birth_date(century, yymmdd, today):
            found.append(_finding(candidate, yymmdd, removed))
    return found


def _finding(candidate: _Candidate, yymmdd: str, removed: Sequence[int]) -> Finding:
    kind = N_("samordningsnummer") if int(yymmdd[4:]) > 60 else N_("personnummer")
    advice = ""
    if candidate.sizes == (10,) and candidate.digits.startswith("07"):
        advice = N_(
            "Personnummer eller telefonnummer? Ett telefonnummer kan skrivas med mellanslag "
            "eller bindestreck (070-123 45 67)."
        )
    start = original_index(candidate.start, removed)
    end = original_index(candidate.end - 1, removed) + 1
    return Finding(kind, _masked(candidate), start, end, advice)


def find_mistyped_personnummer(
    text: str, today: date | None = None, limit: int | None = None
) -> list[Finding]:
    """Numbers written like a personnummer, with a real date, whose check digit is wrong.

    A mistyped personnummer still points at one person: the user is asked to confirm. Only
    numbers that set the last four apart, or carry a century, count; ten digits in a row are
    as often something else. At most `limit` are returned.
    """
    if not text:
        return []
    today = today or date.today()
    candidates, removed = _read(text)
    found: list[Finding] = []
    for candidate in candidates:
        if candidate.luhn_ok or (limit is not None and len(found) >= limit):
            continue
        century, yymmdd, _serial = _split(candidate)
        apart = _serial_separator(candidate) is not None or century in {"19", "20"}
        if century not in {None, "19", "20"} or not apart or not _well_formed(candidate):
            continue
        if not _is_birth_date(century, yymmdd, today):
            continue
        start = original_index(candidate.start, removed)
        found.append(
            Finding(N_("möjligt personnummer med fel kontrollsiffra"), _masked(candidate), start)
        )
    return found


# --- What only warns: e-mail addresses and phone numbers -----------------------------------
# Each pattern starts only where a word starts (the look-behind), so a long word without
# an "@" is read once, not once per letter: the check is linear in the length of the text.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Swedish numbers: 07X mobile and area codes (0X / 0XX), or +46, with spaces or dashes.
_PHONE = re.compile(
    r"(?<![\d/])(?:\+46[ -]?|0)(?:7\d|[1-9]\d{0,2})[ -]?\d{2,3}[ -]?\d{2}[ -]?\d{2}(?![\d/])"
)


# A text with more numbers like these than this needs confirming all the same; these are named.
MISTYPED_NAMED = 20


def find_warnings(text: str, today: date | None = None) -> list[Finding]:
    """Return e-mail addresses, phone numbers and mistyped personnummer in `text`.

    They may identify a person: the user is asked to confirm that they do not.
    """
    if not text:
        return []
    readable, _removed = plain(text)
    found = [Finding("e-post", match.group(0)) for match in _EMAIL.finditer(readable)]
    found += [Finding("telefon", match.group(0)) for match in _PHONE.finditer(readable)]
    return found + find_mistyped_personnummer(text, today, limit=MISTYPED_NAMED)


# --- Small counts of people ----------------------------------------------------------------


def is_small(count: int, threshold: int) -> bool:
    """Is this count of people small enough to identify someone (1 to threshold - 1)?"""
    return threshold > 0 and 0 < count < threshold


def suppress_small(count: int, threshold: int) -> str:
    """Show a count of people leaving the system: "<threshold" when it is small, 0 as "0"."""
    return f"<{threshold}" if is_small(count, threshold) else str(count)


@dataclass(frozen=True)
class Observed:
    """How many times a brist was observed and how many clients it hit, as they may be shown."""

    times: str
    clients: str

    @property
    def is_suppressed(self) -> bool:
        """Is the number of clients hidden as "<threshold"?"""
        return self.clients.startswith("<")


def shown_observed(times: int, clients: int, threshold: int, registrations: int = 1) -> Observed:
    """Show the times a brist was observed beside its clients, so that neither reveals them.

    `times` counts the registrations (folded together when brister are merged), each of zero
    clients or more, and the observations, each of at least one: so the clients are at least
    `times - registrations`. Beside a suppressed count the times are exact only while that
    floor leaves the clients two values or more, even to a reader who knows this rule; above
    that they read "≥n". With threshold 3 and one registration: "1" or "≥2" (observed three
    times, two of them observations, would otherwise say "<3 klienter" is 2).
    """
    if not is_small(clients, threshold):
        return Observed(str(times), str(clients))
    most_exact = registrations + threshold - 3
    shown = str(times) if times <= most_exact else f"≥{most_exact + 1}"
    return Observed(shown, suppress_small(clients, threshold))
