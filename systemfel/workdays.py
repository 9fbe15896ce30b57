"""Swedish working days and office hours: plain rules shared by follow-ups and the outbox.

A WorkCalendar knows Sweden's public holidays and the de facto ones (midsommarafton,
julafton, nyårsafton); weekends are never working days. Office hours are 08–17 Stockholm
time on a working day: reminders and digests reach people only then.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OFFICE_OPENS = time(8, 0)
OFFICE_CLOSES = time(17, 0)


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: Monday to Friday, except the given holidays."""

    holidays: frozenset[date]
    # The holidays' Swedish names, to explain a count of working days to its reader.
    names: tuple[tuple[date, str], ...] = field(default=(), compare=False)

    def holiday_name(self, day: date) -> str:
        """Return the Swedish name of the holiday on `day`, or "" for any other day."""
        return dict(self.names).get(day, "")

    def weekday_holidays(self, after: date, through: date) -> tuple[tuple[date, str], ...]:
        """The holidays on a Monday to Friday after `after` up to `through`, with names.

        These are the days a reader would count as working days and the calendar does not.
        """
        return tuple(
            (day, name)
            for day, name in sorted(self.names)
            if after < day <= through and day.weekday() < 5 and day in self.holidays
        )

    def is_working_day(self, day: date) -> bool:
        """Is `day` a weekday that is not a holiday?"""
        return day.weekday() < 5 and day not in self.holidays

    def on_or_after(self, day: date) -> date:
        """Return `day` if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """Return the working day `count` working days after `day`."""
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day


def swedish_calendar(first_year: int, last_year: int) -> WorkCalendar:
    """Sweden's public and de facto holidays for the years given (inclusive)."""
    found = holidays.country_holidays(
        "SE",
        years=range(first_year, last_year + 1),
        categories=("public", "de_facto"),
        language="sv",
    )
    return WorkCalendar(frozenset(found), tuple(sorted(found.items())))


@lru_cache(maxsize=8)
def calendar_around(year: int) -> WorkCalendar:
    """Sweden's working days from the year before `year` to five years after (memoised)."""
    return swedish_calendar(year - 1, year + 5)


def is_office_hours(local: datetime, calendar: WorkCalendar) -> bool:
    """Is `local` (Stockholm time) within 08–17 on a working day?"""
    return calendar.is_working_day(local.date()) and OFFICE_OPENS <= local.time() < OFFICE_CLOSES


def next_office_opening(local: datetime, calendar: WorkCalendar) -> datetime:
    """When office hours next begin after `local` (Stockholm time): 08:00 on a working day.

    Within office hours the answer is `local` itself: there is nothing to wait for.
    """
    if is_office_hours(local, calendar):
        return local
    day = local.date()
    if local.time() >= OFFICE_OPENS or not calendar.is_working_day(day):
        day = calendar.add_working_days(day, 1)
    return datetime.combine(day, OFFICE_OPENS, tzinfo=STOCKHOLM)


def office_hours_now(now: datetime) -> bool:
    """Is the aware instant `now` within office hours in Stockholm?"""
    local = now.astimezone(STOCKHOLM)
    return is_office_hours(local, calendar_around(local.year))
