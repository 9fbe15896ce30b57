"""Dates and times as people read them, in the reader's language, with Babel patterns per locale.

Swedish writes ISO dates (2026-12-15, 2026-12-15 14:00); English writes the day, the month's
short name and the year (15 Dec 2026, 15 Dec 2026, 14:00), never the US short form
(12/15/26, 2:00 PM). The patterns are explicit so a Babel/CLDR update cannot change them.
Times are shown in Stockholm time (Flask-Babel's configured timezone).
"""

from datetime import date, datetime

from flask_babel import format_date, format_datetime, get_locale, to_user_timezone

# Babel (CLDR) patterns per language; a language not listed writes the Swedish way.
DATE_PATTERNS = {"sv": "yyyy-MM-dd", "en": "d MMM yyyy"}
DATETIME_PATTERNS = {"sv": "yyyy-MM-dd HH:mm", "en": "d MMM yyyy, HH:mm"}


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "sv"


def day(value: date | str | None) -> str:
    """A day in the reader's language; an ISO string (as history entries store days) too.

    A string that is not an ISO date is returned as it is: stored facts are never refused.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            return value
    else:
        parsed = value.date() if isinstance(value, datetime) else value
    pattern = DATE_PATTERNS.get(_language(), DATE_PATTERNS["sv"])
    if pattern == DATE_PATTERNS["sv"]:  # ISO, written without Babel (a page has dozens)
        return f"{parsed.year:04d}-{parsed.month:02d}-{parsed.day:02d}"
    return format_date(parsed, pattern)


def moment(value: datetime | None) -> str:
    """A UTC timestamp in Stockholm time, in the reader's language."""
    if value is None:
        return ""
    pattern = DATETIME_PATTERNS.get(_language(), DATETIME_PATTERNS["sv"])
    if pattern == DATETIME_PATTERNS["sv"]:  # ISO, written without Babel
        local = to_user_timezone(value)
        return (
            f"{local.year:04d}-{local.month:02d}-{local.day:02d} "
            f"{local.hour:02d}:{local.minute:02d}"
        )
    return format_datetime(value, pattern)
