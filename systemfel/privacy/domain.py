"""Finding what could identify a client in free text: personnummer, e-mail, phone numbers.

A personnummer or samordningsnummer is refused outright; e-mail addresses and phone numbers
only warn, because agencies' functional addresses and switchboard numbers are fine to store.
"""

import re
from dataclasses import dataclass
from datetime import date

from systemfel.i18n import N_

# 10 or 12 digits: (century)YYMMDD, an optional separator (-, + or a space), then NNNC.
# Not part of a longer run of digits (nor of "2023-..." style case numbers), so account and
# case numbers are not matched; after a letter and a hyphen ("pnr-811218-9876") it is.
_PERSONNUMMER = re.compile(r"(?<!\d)(?<!\d-)(\d{2})?(\d{6})[-+ ]?(\d{4})(?![\d])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Swedish numbers: 07X mobile and area codes (0X / 0XX), or +46, with spaces or dashes.
_PHONE = re.compile(
    r"(?<![\d/])(?:\+46[ -]?|0)(?:7\d|[1-9]\d{0,2})[ -]?\d{2,3}[ -]?\d{2}[ -]?\d{2}(?![\d/])"
)


@dataclass(frozen=True)
class Finding:
    """One identifying pattern found in a text; `shown` is safe to display back."""

    kind: str
    shown: str


def luhn_valid(digits: str) -> bool:
    """Check the Luhn check digit of a 10-digit personnummer (YYMMDDNNNC)."""
    total = 0
    for position, char in enumerate(digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def _is_birth_date(century: str | None, yymmdd: str) -> bool:
    """Is YYMMDD a real date? Samordningsnummer add 60 to the day."""
    year, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if day > 60:
        day -= 60
    full_year = int(century) * 100 + year if century else 2000 + year
    if full_year < 1800:
        return False
    try:
        date(full_year, month, day)
    except ValueError:
        # 29 February of a year that is not a leap year in this century may be one in the
        # other: without a century the number is still a date in 1900 + YY.
        if century is None and month == 2 and day == 29:
            return (1900 + year) % 4 == 0
        return False
    return True


def find_personnummer(text: str) -> list[Finding]:
    """Return every valid personnummer or samordningsnummer in `text`, masked."""
    found = []
    for match in _PERSONNUMMER.finditer(text or ""):
        century, yymmdd, serial = match.groups()
        if century is not None and century not in {"18", "19", "20"}:
            continue
        if _is_birth_date(century, yymmdd) and luhn_valid(yymmdd + serial):
            kind = N_("samordningsnummer") if int(yymmdd[4:]) > 60 else N_("personnummer")
            found.append(Finding(kind, f"{match.group(0)[:-4]}****"))
    return found


def find_warnings(text: str) -> list[Finding]:
    """Return e-mail addresses and phone numbers in `text`: they may identify a person."""
    found = [Finding("e-post", match.group(0)) for match in _EMAIL.finditer(text or "")]
    found += [Finding("telefon", match.group(0)) for match in _PHONE.finditer(text or "")]
    return found


def suppress_small(count: int, threshold: int) -> str:
    """Show a count leaving the system, or "<threshold" when it is small enough to identify."""
    if threshold > 0 and 0 < count < threshold:
        return f"<{threshold}"
    return str(count)
