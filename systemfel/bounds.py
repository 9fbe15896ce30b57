"""Limits for values from outside: integers the database's integer holds, dates in a sane range.

A number from a URL, a query string or a form reaches the database as a parameter, and
PostgreSQL refuses one above its integer (2^31 - 1) with an error, not an empty result. So
every integer that comes in is read here: an object id out of range is not found (404), a
form value out of range is refused beside its field.
"""

import re
from datetime import date

from werkzeug.routing import IntegerConverter

# PostgreSQL's integer; SQLite's is larger, but the same rule holds on both.
LARGEST_INT = 2**31 - 1
SMALLEST_INT = -(2**31)

_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,19}")

# Dates a user may give: nothing in this domain happened before 1990 or is planned after 2100.
FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2100, 12, 31)


def whole_number(text: object, low: int = 1, high: int = LARGEST_INT) -> int:
    """Read `text` as an integer from `low` to `high`; raise ValueError for anything else.

    Used as `request.args.get(name, type=whole_number)`: a value that is not one, is too
    large or too small, is then the same as a missing one.
    """
    value = str(text).strip()
    if not _WHOLE_NUMBER.fullmatch(value):
        raise ValueError(f"not a whole number: {value[:30]!r}")
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{number} is outside {low}..{high}")
    return number


def year_number(text: object) -> int:
    """Read `text` as a year within the sane range of dates (a `type=` for query strings)."""
    return whole_number(text, FIRST_DAY.year, LAST_DAY.year)


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: 1 to the largest database integer, else the route is a 404."""

    regex = "[0-9]+"  # ASCII digits only: \d would take any script's digits

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", LARGEST_INT)
        super().__init__(map, *args, **kwargs)
