"""Promises kept and broken, and when a fix is checked (no app, no database)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from systemfel.brister.domain import Utfall
from systemfel.followups.domain import (
    PromiseState,
    add_months,
    broken_promise_needs_attention,
    efterkontroll_due_on,
    needs_efterkontroll,
    promise_broken_on,
    promise_state,
    swedish_calendar,
)

CALENDAR = swedish_calendar(2024, 2032)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
DAYS = st.dates(date(2025, 1, 1), date(2030, 12, 31))


def state(promised_on, today, fixed_on=None, ended_on=None, superseded_on=None):
    return promise_state(
        promised_on,
        fixed_on=fixed_on,
        ended_on=ended_on,
        superseded_on=superseded_on,
        today=today,
        calendar=CALENDAR,
    )


@pytest.mark.parametrize(
    ("promised_on", "broken_on"),
    [
        (date(2026, 11, 25), date(2026, 11, 26)),  # a Wednesday: broken on Thursday
        (date(2026, 11, 27), date(2026, 11, 30)),  # a Friday: broken on Monday
        (date(2026, 11, 28), date(2026, 11, 30)),  # a Saturday: Monday
        (date(2026, 12, 23), date(2026, 12, 28)),  # julafton to annandag jul are off
        (date(2026, 12, 30), date(2027, 1, 4)),  # nyårsafton and nyårsdagen are off
        (date(2027, 3, 25), date(2027, 3, 30)),  # skärtorsdag: långfredag to annandag påsk off
        (date(2026, 6, 18), date(2026, 6, 22)),  # midsommarafton is off
        (date(2026, 3, 28), date(2026, 3, 30)),  # the weekend clocks go forward
        (date(2026, 10, 24), date(2026, 10, 26)),  # the weekend clocks go back
    ],
)
def test_a_promise_breaks_on_the_first_working_day_after_its_date(promised_on, broken_on):
    assert promise_broken_on(promised_on, CALENDAR) == broken_on
    assert state(promised_on, broken_on - timedelta(days=1)) == PromiseState.PENDING
    assert state(promised_on, broken_on) == PromiseState.BROKEN


def test_the_promised_day_itself_is_still_pending():
    assert state(date(2026, 11, 25), date(2026, 11, 25)) == PromiseState.PENDING


def test_fixed_by_the_date_is_kept_and_stays_kept():
    promised = date(2026, 11, 25)
    assert state(promised, date(2027, 6, 1), fixed_on=promised) == PromiseState.KEPT
    assert state(promised, date(2026, 11, 20), fixed_on=date(2026, 11, 20)) == PromiseState.KEPT


def test_fixed_over_the_weekend_after_a_friday_date_is_still_kept():
    # Broken only on Monday: a closing recorded on Saturday is in time.
    assert state(date(2026, 11, 27), date(2026, 12, 1), fixed_on=date(2026, 11, 28)) == (
        PromiseState.KEPT
    )


def test_fixed_after_breaking_stays_broken():
    promised = date(2026, 11, 25)
    assert state(promised, date(2026, 12, 10), fixed_on=date(2026, 11, 26)) == PromiseState.BROKEN


def test_a_fix_not_yet_happened_is_not_seen():
    assert state(date(2026, 11, 25), date(2026, 11, 20), fixed_on=date(2026, 11, 24)) == (
        PromiseState.PENDING
    )


def test_closed_otherwise_in_time_lapses():
    promised = date(2026, 11, 25)
    assert state(promised, date(2027, 1, 1), ended_on=date(2026, 11, 2)) == PromiseState.LAPSED


def test_a_new_promise_in_time_supersedes_a_late_one_does_not():
    promised = date(2026, 11, 25)
    assert state(promised, date(2027, 1, 1), superseded_on=date(2026, 11, 20)) == (
        PromiseState.SUPERSEDED
    )
    assert state(promised, date(2027, 1, 1), superseded_on=date(2026, 12, 1)) == (
        PromiseState.BROKEN
    )


def test_the_first_ending_decides_and_a_fix_wins_a_tie():
    promised = date(2026, 11, 25)
    today = date(2027, 1, 1)
    assert (
        state(promised, today, fixed_on=date(2026, 11, 24), superseded_on=date(2026, 11, 10))
        == PromiseState.SUPERSEDED
    )
    assert (
        state(promised, today, fixed_on=date(2026, 11, 10), superseded_on=date(2026, 11, 10))
        == PromiseState.KEPT
    )


@given(DAYS, st.integers(0, 400))
def test_a_promise_without_endings_is_pending_until_it_breaks_then_broken(promised_on, days):
    today = promised_on + timedelta(days=days)
    broken_on = promise_broken_on(promised_on, CALENDAR)
    assert broken_on > promised_on
    assert CALENDAR.is_working_day(broken_on)
    expected = PromiseState.BROKEN if today >= broken_on else PromiseState.PENDING
    assert state(promised_on, today) == expected


@given(DAYS, st.integers(-60, 30), st.integers(0, 400))
def test_a_fix_before_breaking_is_kept_forever_after(promised_on, fix_offset, later):
    fixed_on = promised_on + timedelta(days=fix_offset)
    broken_on = promise_broken_on(promised_on, CALENDAR)
    today = max(fixed_on, promised_on) + timedelta(days=later)
    result = state(promised_on, today, fixed_on=fixed_on)
    if fixed_on < broken_on:
        assert result == PromiseState.KEPT
    else:
        assert result == PromiseState.BROKEN


@given(st.datetimes(datetime(2025, 1, 1), datetime(2030, 12, 31)))
def test_the_day_a_promise_breaks_is_the_stockholm_day_around_dst(moment):
    # A sweep's "today" is the local day: on DST nights the UTC day and the local day differ
    # at 22:00-24:00 UTC; the rule sees the local day, and breaking happens once, at its start.
    local_today = moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(STOCKHOLM).date()
    promised = local_today - timedelta(days=1)
    broken_on = promise_broken_on(promised, CALENDAR)
    assert (state(promised, local_today) == PromiseState.BROKEN) == (local_today >= broken_on)


def test_a_broken_promise_is_listed_until_a_bevakning_is_recorded_since():
    broken_on = date(2026, 11, 26)
    assert not broken_promise_needs_attention(broken_on, None, date(2026, 11, 25))
    assert broken_promise_needs_attention(broken_on, None, date(2026, 11, 26))
    assert broken_promise_needs_attention(broken_on, date(2026, 11, 25), date(2026, 12, 3))
    assert not broken_promise_needs_attention(broken_on, date(2026, 11, 26), date(2026, 12, 3))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # leap year
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 10, 15), 3, date(2027, 1, 15)),  # over the year end
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 5, 5), 0, date(2026, 5, 5)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("closed_on", "months", "due_on"),
    [
        (date(2026, 11, 30), 3, date(2027, 3, 1)),  # 28 Feb 2027 is a Sunday
        (date(2026, 9, 24), 3, date(2026, 12, 28)),  # 24 Dec: julafton to annandag jul off
        (date(2026, 7, 31), 5, date(2027, 1, 4)),  # 31 Dec nyårsafton, 1 Jan, weekend
        (date(2026, 3, 19), 3, date(2026, 6, 22)),  # 19 June 2026 is midsommarafton
        (date(2026, 1, 14), 3, date(2026, 4, 14)),  # a Tuesday stays
        (date(2026, 12, 28), 6, date(2027, 6, 28)),
    ],
)
def test_the_efterkontroll_is_due_months_after_closing_on_a_working_day(closed_on, months, due_on):
    assert efterkontroll_due_on(closed_on, months, CALENDAR) == due_on


@given(DAYS, st.integers(1, 24))
def test_the_efterkontroll_falls_on_a_working_day_close_to_the_months(closed_on, months):
    due_on = efterkontroll_due_on(closed_on, months, CALENDAR)
    assert CALENDAR.is_working_day(due_on)
    target = add_months(closed_on, months)
    assert target <= due_on <= target + timedelta(days=7)
    assert (target.year - closed_on.year) * 12 + target.month - closed_on.month == months


def test_only_fixed_closings_are_checked():
    assert needs_efterkontroll(Utfall.ATGARDAD)
    assert needs_efterkontroll(Utfall.DELVIS_ATGARDAD)
    assert not needs_efterkontroll(Utfall.EJ_ATGARDAD)
    assert not needs_efterkontroll(Utfall.SAMMANSLAGEN)
    assert not needs_efterkontroll(None)
