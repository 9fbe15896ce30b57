"""Working days, follow-up dates, office hours and reminder schedules (no app, no database)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from systemfel.brister.domain import Niva
from systemfel.followups.domain import (
    DEFAULT_INTERVAL_DAYS,
    PaminnelsePolicy,
    Rakning,
    escalation_proposed,
    following_paminnelse_on,
    is_office_hours,
    next_bevakning,
    next_paminnelse_on,
    paminnelse_plan,
    rakning,
    resumed_deadline,
    swedish_calendar,
    working_days_left,
)

CALENDAR = swedish_calendar(2024, 2030)
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 6, 19),  # midsommarafton
        date(2026, 12, 24),  # julafton
        date(2026, 12, 31),  # nyårsafton
        date(2027, 3, 26),  # långfredag 2027
        date(2027, 3, 29),  # annandag påsk 2027
        date(2028, 5, 25),  # Kristi himmelsfärd 2028
        date(2026, 6, 6),  # nationaldagen (a Saturday in 2026)
        date(2029, 6, 6),  # nationaldagen on a Wednesday
        date(2026, 11, 28),  # a Saturday
        date(2026, 11, 29),  # a Sunday
    ],
)
def test_holidays_and_weekends_are_not_working_days(day):
    assert not CALENDAR.is_working_day(day)


@pytest.mark.parametrize(
    "day", [date(2026, 11, 25), date(2026, 12, 23), date(2026, 12, 28), date(2027, 1, 7)]
)
def test_ordinary_weekdays_are_working_days(day):
    assert CALENDAR.is_working_day(day)


def test_christmas_week_rolls_to_the_next_working_day():
    # 24, 25, 26 (Saturday), 27 (Sunday) are off; Monday the 28th is the next working day.
    assert CALENDAR.on_or_after(date(2026, 12, 24)) == date(2026, 12, 28)


def test_add_working_days_skips_the_new_year():
    assert CALENDAR.add_working_days(date(2026, 12, 30), 1) == date(2027, 1, 4)
    assert CALENDAR.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 7)  # 6th is off


@pytest.mark.parametrize(
    ("niva", "expected"),
    [
        (Niva.HANDLAGGARE, date(2026, 6, 22)),  # 5 June + 14 = 19 June, midsommarafton → 22
        (Niva.LOKAL, date(2026, 7, 6)),  # + 30 = 5 July, a Sunday → 6 July
        (Niva.CENTRAL, date(2026, 9, 3)),  # + 90 = 3 September, a Thursday
    ],
)
def test_next_followup_by_level_lands_on_a_working_day(niva, expected):
    assert next_bevakning(date(2026, 6, 5), niva, DEFAULT_INTERVAL_DAYS, CALENDAR) == expected


@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2029, 12, 1)), st.sampled_from(list(Niva))
)
def test_next_followup_is_always_a_working_day_after_the_interval(last, niva):
    proposed = next_bevakning(last, niva, DEFAULT_INTERVAL_DAYS, CALENDAR)
    assert CALENDAR.is_working_day(proposed)
    assert timedelta(days=DEFAULT_INTERVAL_DAYS[niva]) <= proposed - last
    assert proposed - last <= timedelta(days=DEFAULT_INTERVAL_DAYS[niva] + 5)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 11, 25, 8, 0), True),
        (datetime(2026, 11, 25, 16, 59), True),
        (datetime(2026, 11, 25, 17, 0), False),
        (datetime(2026, 11, 25, 7, 59), False),
        (datetime(2026, 11, 28, 10, 0), False),  # Saturday
        (datetime(2026, 12, 24, 10, 0), False),  # julafton
    ],
)
def test_office_hours(local, expected):
    assert is_office_hours(local.replace(tzinfo=STOCKHOLM), CALENDAR) is expected


def test_office_hours_follow_stockholm_time_across_daylight_saving():
    # 06:30 UTC is 08:30 in summer (CEST) but 07:30 in winter (CET).
    summer = datetime(2026, 6, 24, 6, 30, tzinfo=ZoneInfo("UTC")).astimezone(STOCKHOLM)
    winter = datetime(2026, 11, 25, 6, 30, tzinfo=ZoneInfo("UTC")).astimezone(STOCKHOLM)
    assert is_office_hours(summer, CALENDAR) is True
    assert is_office_hours(winter, CALENDAR) is False


def test_reminders_at_the_deadline_then_every_interval_then_escalation():
    policy = PaminnelsePolicy(interval_working_days=10, max_paminnelser=2)
    due = date(2026, 12, 24)  # julafton: the first reminder waits for the next working day
    assert next_paminnelse_on(due, 0, policy, CALENDAR) == date(2026, 12, 28)
    # Ten working days on: 31 Dec, 1 Jan and 6 Jan are holidays besides the weekends.
    assert next_paminnelse_on(due, 1, policy, CALENDAR) == date(2027, 1, 14)
    assert next_paminnelse_on(due, 2, policy, CALENDAR) is None
    assert not escalation_proposed(1, policy)
    assert escalation_proposed(2, policy)


def test_the_deadline_day_is_the_myndighets_and_the_first_reminder_comes_the_day_after():
    policy = PaminnelsePolicy(interval_working_days=10, max_paminnelser=2)
    due = date(2027, 5, 21)  # a Friday, answered "senast 2027-05-21"
    assert next_paminnelse_on(due, 0, policy, CALENDAR) == date(2027, 5, 24)


@given(
    due=st.dates(date(2026, 1, 1), date(2030, 12, 1)),
    interval=st.integers(1, 30),
    sent=st.integers(0, 4),
)
def test_each_reminder_falls_on_a_working_day_after_the_deadline_an_interval_apart(
    due, interval, sent
):
    policy = PaminnelsePolicy(interval_working_days=interval, max_paminnelser=5)
    first = next_paminnelse_on(due, 0, policy, CALENDAR)
    assert first is not None and first > due and CALENDAR.is_working_day(first)
    # No working day lies between the deadline and the first reminder.
    assert all(
        not CALENDAR.is_working_day(due + timedelta(days=n)) for n in range(1, (first - due).days)
    )
    this = next_paminnelse_on(due, sent, policy, CALENDAR)
    assert this == CALENDAR.add_working_days(first, interval * sent)


# --- Defect 5: the reminder rule, and showing how each date was counted (item 9) -------------


def test_a_deadline_is_explained_with_the_holiday_it_skipped():
    # The example: 20 working days from 2027-04-29 pass over Kristi himmelsfärdsdag.
    explained = rakning(date(2027, 4, 29), date(2027, 5, 28), CALENDAR)
    assert explained == Rakning(
        date(2027, 4, 29), 20, date(2027, 5, 28), ((date(2027, 5, 6), "Kristi himmelsfärdsdag"),)
    )


def test_christmas_and_new_year_are_named_and_weekend_holidays_are_not():
    explained = rakning(date(2026, 12, 18), date(2027, 1, 8), CALENDAR)
    assert [name for _, name in explained.skipped] == [
        "Julafton",
        "Juldagen",
        "Nyårsafton",
        "Nyårsdagen",
        "Trettondedag jul",
    ]
    assert explained.working_days == 10  # 21–23, 28–30 Dec, 4, 5, 7, 8 Jan


@given(start=st.dates(date(2025, 1, 1), date(2030, 12, 1)), count=st.integers(0, 60))
def test_explaining_a_count_of_working_days_gives_the_count_back(start, count):
    end = CALENDAR.add_working_days(start, count)
    explained = rakning(start, end, CALENDAR)
    assert (explained.start, explained.working_days, explained.end) == (start, count, end)
    for day, name in explained.skipped:
        assert start < day <= end and day.weekday() < 5 and not CALENDAR.is_working_day(day)
        assert name
    # Every weekday in between that is not counted is listed, so a reader can check the count.
    weekdays = sum(
        1 for n in range(1, (end - start).days + 1) if (start + timedelta(n)).weekday() < 5
    )
    assert weekdays - len(explained.skipped) == count


@given(
    due=st.dates(date(2025, 1, 1), date(2030, 12, 1)),
    interval=st.integers(1, 30),
    most=st.integers(0, 5),
)
def test_the_reminder_plan_is_the_schedule_the_sweep_keeps(due, interval, most):
    policy = PaminnelsePolicy(interval_working_days=interval, max_paminnelser=most)
    plan = paminnelse_plan(due, policy, CALENDAR)
    assert len(plan) == most
    for number, step in enumerate(plan):
        assert step.end == next_paminnelse_on(due, number, policy, CALENDAR)
        assert step.start == (due if number == 0 else plan[number - 1].end)
        assert step.working_days == (1 if number == 0 else interval)
        assert rakning(step.start, step.end, CALENDAR) == step
    assert next_paminnelse_on(due, most, policy, CALENDAR) is None


def test_a_reminder_held_up_in_the_outbox_does_not_move_the_next_one():
    # Written on its day (2027-05-24); however late the mail server took it, the next one
    # is due 10 working days after the first's day.
    policy = PaminnelsePolicy(interval_working_days=10, max_paminnelser=3)
    due = date(2027, 5, 21)
    following = following_paminnelse_on(due, 1, date(2027, 5, 24), policy, CALENDAR)
    assert following == date(2027, 6, 7)
    assert following == paminnelse_plan(due, policy, CALENDAR)[1].end


@given(
    due=st.dates(date(2025, 1, 1), date(2030, 6, 1)),
    late=st.integers(0, 40),
    written=st.integers(1, 4),
    interval=st.integers(1, 20),
)
def test_a_reminder_written_late_keeps_the_next_a_full_interval_away(due, late, written, interval):
    policy = PaminnelsePolicy(interval_working_days=interval, max_paminnelser=5)
    planned_day = next_paminnelse_on(due, written - 1, policy, CALENDAR)
    written_on = CALENDAR.add_working_days(planned_day, late)
    following = following_paminnelse_on(due, written, written_on, policy, CALENDAR)
    planned_next = next_paminnelse_on(due, written, policy, CALENDAR)
    if planned_next is None:
        assert following is None
        return
    assert following >= planned_next  # never before the plan
    assert following >= CALENDAR.add_working_days(written_on, interval)  # never too close
    if late == 0:
        assert following == planned_next  # on time: exactly the plan


# Pausing the clock: the working days left on the day it stops are given again on resume.


def test_days_left_count_the_deadline_day_but_not_the_day_paused():
    # Monday 2026-11-23 to Friday 2026-11-27: Tuesday to Friday are left.
    assert working_days_left(date(2026, 11, 27), date(2026, 11, 23), CALENDAR) == 4
    assert working_days_left(date(2026, 11, 27), date(2026, 11, 27), CALENDAR) == 0
    assert working_days_left(date(2026, 11, 27), date(2026, 12, 2), CALENDAR) == 0


def test_a_pause_over_new_year_gives_back_the_days_left_after_the_holidays():
    # Paused Monday 2026-12-21 with the deadline Wednesday 2026-12-30: 22, 23, 28, 29, 30
    # are left (24-27 are julafton, juldagen, annandag jul and a weekend).
    assert working_days_left(date(2026, 12, 30), date(2026, 12, 21), CALENDAR) == 5
    # Resumed Monday 2026-12-28: 29, 30, (31 nyårsafton, 1 Jan nyårsdagen), 4, 5,
    # (6 trettondagen), 7 -> the fifth working day is 2027-01-07.
    assert resumed_deadline(
        date(2026, 12, 30), date(2026, 12, 21), date(2026, 12, 28), CALENDAR
    ) == date(2027, 1, 7)


def test_a_pause_spanning_easter_skips_langfredag_and_annandag_pask():
    # Easter 2027: långfredag 26 March, annandag påsk 29 March.
    due, paused = date(2027, 3, 19), date(2027, 3, 15)  # Friday; paused Monday: 4 left
    resumed = date(2027, 3, 25)  # skärtorsdag; then 30, 31 March, 1 and 2 April
    assert resumed_deadline(due, paused, resumed, CALENDAR) == date(2027, 4, 2)


def test_a_pause_on_or_after_the_deadline_still_gives_one_whole_working_day():
    due = date(2026, 11, 27)  # Friday
    assert resumed_deadline(due, due, date(2026, 12, 4), CALENDAR) == date(2026, 12, 7)
    late = date(2026, 12, 1)
    assert resumed_deadline(due, late, late, CALENDAR) == date(2026, 12, 2)


def test_a_pause_across_the_change_to_summer_time_counts_stockholm_dates():
    # Paused at 23:30 UTC on Saturday 2027-03-27, i.e. 00:30 CET on Sunday 28 March, the
    # night the clocks go forward; resumed 22:30 UTC on 2027-03-28 = 00:30 CEST on Monday 29
    # (annandag påsk). The rule sees only the Stockholm dates.
    paused = datetime(2027, 3, 27, 23, 30, tzinfo=ZoneInfo("UTC")).astimezone(STOCKHOLM).date()
    resumed = datetime(2027, 3, 28, 22, 30, tzinfo=ZoneInfo("UTC")).astimezone(STOCKHOLM).date()
    assert (paused, resumed) == (date(2027, 3, 28), date(2027, 3, 29))
    due = date(2027, 4, 2)  # Friday: 30 March to 2 April are left after Sunday
    assert working_days_left(due, paused, CALENDAR) == 4
    assert resumed_deadline(due, paused, resumed, CALENDAR) == date(2027, 4, 2)


DAYS = st.dates(date(2025, 1, 1), date(2029, 12, 31))


@given(due=DAYS, paused=DAYS, pause_length=st.integers(0, 120))
def test_the_working_days_left_are_preserved_by_a_pause(due, paused, pause_length):
    resumed = paused + timedelta(days=pause_length)
    new_due = resumed_deadline(due, paused, resumed, CALENDAR)
    left = working_days_left(due, paused, CALENDAR)
    assert working_days_left(new_due, resumed, CALENDAR) == max(left, 1)
    assert CALENDAR.is_working_day(new_due) and new_due > resumed


@given(due=DAYS, paused=DAYS, pause_length=st.integers(0, 120))
def test_a_pause_never_shortens_the_deadline(due, paused, pause_length):
    resumed = paused + timedelta(days=pause_length)
    new_due = resumed_deadline(due, paused, resumed, CALENDAR)
    if paused < due and CALENDAR.is_working_day(due):
        assert new_due >= due
        # A pause that ends the day it began changes nothing.
        if pause_length == 0:
            assert new_due == due
