"""The local calendar: what day and year it is in Stockholm."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from systemfel.dbtypes import utcnow

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_today(now: datetime | None = None) -> date:
    """Return today's date in Stockholm."""
    return (now or utcnow()).astimezone(STOCKHOLM).date()
