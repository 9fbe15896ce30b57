"""One letter per myndighet and period: periods, the letter's day, what it lists (no app)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from systemfel.followups.domain import (
    OppenFraga,
    Sammandrag,
    myndighetsbrev_rader,
    period_end,
    period_start,
    reminded_alone,
    sammandrag_day,
    sammandrag_due,
    sammandrag_period,
    swedish_calendar,
)
from systemfel.workdays import office_hours_now

CALENDAR = swedish_calendar(2023, 2031)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
LETTERS = st.sampled_from([Sammandrag.VECKOVIS, Sammandrag.MANADSVIS])
DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


def fraga(kontakt_id: int, myndighet_id: int = 1, **values) -> OppenFraga:
    defaults = dict(
        nummer=f"SF-2026-{kontakt_id:04d}",
        titel="Beslut saknar motivering",
        contacted_on=date(2026, 11, 2),
        sent_on=date(2026, 11, 2),
        answer_due_on=date(2026, 11, 30),
        reminders_sent=0,
        next_reminder_on=date(2026, 12, 1),
    )
    defaults.update(values)
    return OppenFraga(kontakt_id=kontakt_id, myndighet_id=myndighet_id, **defaults)


# --- Periods --------------------------------------------------------------------------------


def test_the_iso_week_keeps_the_week_of_new_year_whole():
    assert sammandrag_period(date(2026, 12, 31), Sammandrag.VECKOVIS) == "2026-W53"
    assert sammandrag_period(date(2027, 1, 1), Sammandrag.VECKOVIS) == "2026-W53"
    assert sammandrag_period(date(2027, 1, 4), Sammandrag.VECKOVIS) == "2027-W01"
    assert sammandrag_period(date(2025, 12, 29), Sammandrag.VECKOVIS) == "2026-W01"
    assert sammandrag_period(date(2026, 12, 31), Sammandrag.MANADSVIS) == "2026-12"
    assert sammandrag_period(date(2027, 1, 1), Sammandrag.MANADSVIS) == "2027-01"


def test_a_myndighet_without_letters_has_no_period_and_no_letter_day():
    with pytest.raises(ValueError):
        sammandrag_period(date(2026, 12, 1), Sammandrag.AV)
    assert sammandrag_day(date(2026, 12, 1), Sammandrag.AV, CALENDAR) is None
    assert not sammandrag_due(date(2026, 12, 7), Sammandrag.AV, CALENDAR)
    assert reminded_alone(Sammandrag.AV)
    assert not reminded_alone(Sammandrag.VECKOVIS)
    assert not reminded_alone(Sammandrag.MANADSVIS)


@given(DAYS, LETTERS)
def test_every_day_of_a_period_shares_its_name_and_the_day_before_its_start_does_not(day, kind):
    start, end = period_start(day, kind), period_end(day, kind)
    assert start <= day <= end
    assert sammandrag_period(start, kind) == sammandrag_period(day, kind)
    assert sammandrag_period(end, kind) == sammandrag_period(day, kind)
    assert sammandrag_period(start - timedelta(days=1), kind) != sammandrag_period(day, kind)
    assert sammandrag_period(end + timedelta(days=1), kind) != sammandrag_period(day, kind)


# --- The letter's day -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "kind", "expected"),
    [
        (date(2026, 12, 2), Sammandrag.VECKOVIS, date(2026, 11, 30)),  # an ordinary Monday
        (date(2026, 4, 8), Sammandrag.VECKOVIS, date(2026, 4, 7)),  # annandag påsk: Tuesday
        (date(2026, 5, 27), Sammandrag.VECKOVIS, date(2026, 5, 25)),  # pingst Monday is work
        (date(2027, 1, 1), Sammandrag.VECKOVIS, date(2026, 12, 28)),  # the year-end week
        (date(2025, 12, 30), Sammandrag.VECKOVIS, date(2025, 12, 29)),  # week 2026-W01
        (date(2027, 1, 8), Sammandrag.VECKOVIS, date(2027, 1, 4)),
        (date(2027, 1, 20), Sammandrag.MANADSVIS, date(2027, 1, 4)),  # 1st Fri; 2, 3 weekend
        (date(2026, 3, 30), Sammandrag.VECKOVIS, date(2026, 3, 30)),  # Monday after DST begins
        (date(2026, 11, 15), Sammandrag.MANADSVIS, date(2026, 11, 2)),  # 1 Nov is a Sunday
    ],
)
def test_the_letter_is_due_on_the_periods_first_working_day(day, kind, expected):
    assert sammandrag_day(day, kind, CALENDAR) == expected


@given(DAYS, LETTERS)
def test_the_letter_day_is_the_first_working_day_of_the_period(day, kind):
    letter_day = sammandrag_day(day, kind, CALENDAR)
    assert letter_day is not None  # every Swedish week and month has a working day
    assert CALENDAR.is_working_day(letter_day)
    assert period_start(day, kind) <= letter_day <= period_end(day, kind)
    earlier = period_start(day, kind)
    while earlier < letter_day:
        assert not CALENDAR.is_working_day(earlier)
        earlier += timedelta(days=1)


@given(DAYS, LETTERS)
def test_the_letter_is_due_from_its_day_on_working_days_of_the_same_period_only(day, kind):
    letter_day = sammandrag_day(day, kind, CALENDAR)
    assert letter_day is not None
    expected = letter_day <= day and CALENDAR.is_working_day(day)
    assert sammandrag_due(day, kind, CALENDAR) == expected


def test_no_letter_on_holidays_even_when_the_period_started_earlier():
    # 2027-03-29 is annandag påsk, the Monday right after DST begins: the letter is Tuesday's.
    assert sammandrag_day(date(2027, 3, 31), Sammandrag.VECKOVIS, CALENDAR) == date(2027, 3, 30)
    assert not sammandrag_due(date(2026, 12, 24), Sammandrag.VECKOVIS, CALENDAR)  # julafton
    assert sammandrag_due(date(2026, 12, 23), Sammandrag.VECKOVIS, CALENDAR)  # catch-up
    assert not sammandrag_due(date(2026, 4, 6), Sammandrag.VECKOVIS, CALENDAR)  # annandag påsk


@given(
    st.sampled_from([date(2026, 3, 30), date(2026, 10, 26), date(2028, 3, 27), date(2027, 11, 1)]),
    st.integers(min_value=0, max_value=24 * 60 - 1),
)
def test_office_hours_on_a_letter_day_follow_stockholm_time_across_dst_changes(day, minute):
    # The Mondays right after a DST change: 08:00 local is 06:00 or 07:00 UTC.
    local = datetime(day.year, day.month, day.day, tzinfo=STOCKHOLM) + timedelta(minutes=minute)
    instant = local.astimezone(UTC)
    assert sammandrag_due(day, Sammandrag.VECKOVIS, CALENDAR)
    assert office_hours_now(instant) == (8 * 60 <= minute < 17 * 60)


# --- What a letter lists --------------------------------------------------------------------


def test_letters_group_by_myndighet_and_list_the_most_overdue_first():
    rows = [
        fraga(1, 1, answer_due_on=date(2026, 12, 10)),
        fraga(2, 2),
        fraga(3, 1, answer_due_on=date(2026, 11, 20)),
        fraga(4, 1, answer_due_on=date(2026, 12, 10)),
        fraga(5, 3),  # its myndighet's letter is not due
    ]
    letters = myndighetsbrev_rader(rows, {1: date(2026, 11, 30), 2: date(2026, 11, 30)})
    assert {m: [r.kontakt_id for r in rader] for m, rader in letters.items()} == {
        1: [3, 1, 4],
        2: [2],
    }


def test_a_request_sent_on_the_letter_day_or_later_waits_for_the_next_letter():
    monday = date(2026, 11, 30)
    rows = [
        fraga(1, sent_on=monday - timedelta(days=3)),
        fraga(2, sent_on=monday),
        fraga(3, sent_on=monday + timedelta(days=2)),
    ]
    letters = myndighetsbrev_rader(rows, {1: monday})
    assert [r.kontakt_id for r in letters[1]] == [1]
    assert myndighetsbrev_rader([fraga(2, sent_on=monday)], {1: monday}) == {}


@given(
    st.lists(
        st.tuples(st.integers(1, 4), DAYS, st.dates(date(2024, 1, 1), date(2031, 6, 30))),
        max_size=40,
    ),
    st.dictionaries(st.integers(1, 4), DAYS, max_size=4),
)
def test_each_request_is_in_at_most_one_letter_and_only_if_sent_before_its_day(rows, days):
    fragor = [
        fraga(i, myndighet_id=m, sent_on=sent, answer_due_on=due)
        for i, (m, sent, due) in enumerate(rows)
    ]
    letters = myndighetsbrev_rader(fragor, days)
    listed = [r.kontakt_id for rader in letters.values() for r in rader]
    assert len(listed) == len(set(listed))
    for myndighet_id, rader in letters.items():
        assert rader
        assert all(r.myndighet_id == myndighet_id for r in rader)
        assert all(r.sent_on < days[myndighet_id] for r in rader)
        assert [r.answer_due_on for r in rader] == sorted(r.answer_due_on for r in rader)
    expected = {
        f.kontakt_id for f in fragor if f.myndighet_id in days and f.sent_on < days[f.myndighet_id]
    }
    assert set(listed) == expected


def test_overdue_and_reminder_due_read_the_whole_deadline_day_as_the_myndighets():
    row = fraga(1, answer_due_on=date(2026, 11, 30), next_reminder_on=date(2026, 12, 1))
    assert not row.is_overdue(date(2026, 11, 30))
    assert row.is_overdue(date(2026, 12, 1))
    assert not row.reminder_due(date(2026, 11, 30))
    assert row.reminder_due(date(2026, 12, 7))
    assert not fraga(2, next_reminder_on=None).reminder_due(date(2027, 1, 1))
