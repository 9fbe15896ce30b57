"""Issue 13's rules of a meeting that guards itself (no app, no database)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from systemfel.dbtypes import utcnow
from systemfel.meetings.domain import MoteRefused, check_started, has_started

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def stockholm(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), STOCKHOLM)


# Spring forward (28 March 2027: 02:00 → 03:00) and fall back (31 October 2027: 03:00 → 02:00).
DST_STARTS = [
    stockholm(date(2027, 3, 28), 13),
    stockholm(date(2027, 3, 28), 3),
    stockholm(date(2027, 10, 31), 13),
    stockholm(date(2027, 10, 31), 1, 30),
    stockholm(date(2026, 12, 15), 13),
]


@pytest.mark.parametrize("starts_at", DST_STARTS)
def test_the_clock_around_the_start_decides(starts_at):
    """With the clock (time-machine) a second before, at and after the start, in any season."""
    for offset, started in ((-1, False), (0, True), (1, True)):
        # In UTC: aware arithmetic in Stockholm is wall-clock arithmetic and 03:00 - 1 s on the
        # spring-forward night is 02:59:59, an hour that does not exist.
        moment = starts_at.astimezone(UTC) + timedelta(seconds=offset)
        with time_machine.travel(moment, tick=False):
            now = utcnow()
            assert has_started(starts_at, now) is started
            if started:
                check_started(starts_at, now)
            else:
                with pytest.raises(MoteRefused, match="Mötet har inte börjat"):
                    check_started(starts_at, now)


def test_the_issues_case_two_weeks_early_is_refused():
    with time_machine.travel(stockholm(date(2026, 12, 1), 10), tick=False):
        with pytest.raises(MoteRefused):
            check_started(stockholm(date(2026, 12, 15), 13), utcnow())


def test_the_rule_compares_instants_not_wall_clock_readings():
    """01:30 to 03:30 local on the spring-forward night is one real hour; on the fall-back
    night 02:30 happens twice, and the meeting at the second 02:30 starts an hour later."""
    starts_at = stockholm(date(2027, 3, 28), 3, 30)
    half_past_one = stockholm(date(2027, 3, 28), 1, 30).astimezone(UTC)
    assert not has_started(starts_at, half_past_one + timedelta(minutes=59))
    assert has_started(starts_at, half_past_one + timedelta(hours=1))
    second = stockholm(date(2027, 10, 31), 2, 30).replace(fold=1)
    first = stockholm(date(2027, 10, 31), 2, 30).astimezone(UTC)
    assert not has_started(second, first)
    assert has_started(second, first + timedelta(hours=1))


@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1),
        max_value=datetime(2030, 12, 31),
        timezones=st.just(STOCKHOLM),
    ),
    st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=30)),
)
def test_started_exactly_when_now_is_not_before_the_start(starts_at, offset):
    now = starts_at.astimezone(UTC) + offset
    assert has_started(starts_at, now) == (offset >= timedelta(0))
