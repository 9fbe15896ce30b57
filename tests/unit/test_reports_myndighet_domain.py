"""The figures of a myndighet's page: answer record over a rolling year, answer time in working
days, brister by nivå, where a promise's date stands (no app, no database)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from systemfel.brister.domain import Niva
from systemfel.reports.domain import (
    NivaCount,
    RequestFacts,
    answer_record,
    counts_by_niva,
    median_value,
    one_year_before,
    working_days_between,
)
from systemfel.workdays import swedish_calendar

CALENDAR = swedish_calendar(2024, 2031)
TODAY = date(2026, 12, 1)  # a Tuesday


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 11, 27), date(2026, 11, 27), 0),  # the same day
        (date(2026, 11, 27), date(2026, 11, 30), 1),  # Friday to Monday
        (date(2026, 11, 27), date(2026, 11, 28), 0),  # Friday to Saturday
        (date(2026, 12, 23), date(2027, 1, 7), 6),  # 24-26 Dec, 31 Dec, 1 and 6 Jan are off
        (date(2026, 12, 1), date(2026, 11, 20), 0),  # an end before the start
    ],
)
def test_working_days_between(start, end, expected):
    assert working_days_between(start, end, CALENDAR) == expected


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 6, 30)),
    days=st.integers(min_value=0, max_value=120),
)
def test_working_days_between_undoes_adding_working_days(start, days):
    assert working_days_between(start, CALENDAR.add_working_days(start, days), CALENDAR) == days


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 6, 30)),
    first=st.integers(min_value=0, max_value=90),
    second=st.integers(min_value=0, max_value=90),
)
def test_working_days_add_up_over_a_day_between(start, first, second):
    middle = start + timedelta(days=first)
    end = middle + timedelta(days=second)
    assert working_days_between(start, end, CALENDAR) == working_days_between(
        start, middle, CALENDAR
    ) + working_days_between(middle, end, CALENDAR)


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([4], 4.0), ([3, 1, 2], 2.0), ([1, 2, 3, 10], 2.5), ([5, 5], 5.0)],
)
def test_median_value(values, expected):
    assert median_value(values) == expected


@given(st.lists(st.integers(min_value=0, max_value=500), min_size=1))
def test_median_value_has_as_many_values_on_each_side(values):
    middle = median_value(values)
    assert sum(v < middle for v in values) <= len(values) // 2
    assert sum(v > middle for v in values) <= len(values) // 2


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 12, 1), date(2025, 12, 1)), (date(2028, 2, 29), date(2027, 2, 28))],
)
def test_one_year_before(day, expected):
    assert one_year_before(day) == expected


def test_answer_record_over_the_last_twelve_months():
    requests = [
        RequestFacts(date(2026, 11, 27), answered_on=date(2026, 11, 30)),  # 1 working day
        RequestFacts(date(2026, 11, 2), answered_on=date(2026, 11, 9)),  # 5
        RequestFacts(date(2026, 10, 1), answered_on=date(2026, 10, 1)),  # 0, same day
        RequestFacts(date(2026, 11, 20)),  # not answered (yet): counts against the rate
        RequestFacts(date(2026, 11, 10), is_revoked=True),  # revoked: not counted
        RequestFacts(date(2025, 12, 1), answered_on=date(2025, 12, 2)),  # a year ago: outside
        RequestFacts(date(2025, 12, 2), answered_on=date(2025, 12, 4)),  # inside: 2
    ]
    record = answer_record(requests, TODAY, CALENDAR)
    assert (record.since, record.until) == (date(2025, 12, 1), TODAY)
    assert (record.requests, record.answered) == (5, 4)
    assert record.rate == 0.8
    assert record.median_working_days == 1.5  # of 0, 1, 2, 5


def test_answer_record_without_requests_has_no_rate_or_median():
    record = answer_record([], TODAY, CALENDAR)
    assert (record.requests, record.answered, record.rate, record.median_working_days) == (
        0,
        0,
        None,
        None,
    )


request_facts = st.builds(
    RequestFacts,
    sent_on=st.dates(min_value=date(2025, 1, 1), max_value=TODAY),
    answered_on=st.none() | st.dates(min_value=date(2025, 1, 1), max_value=TODAY),
    is_revoked=st.booleans(),
)


@given(st.lists(request_facts, max_size=30))
def test_answer_record_is_a_rate_between_zero_and_one(requests):
    record = answer_record(requests, TODAY, CALENDAR)
    assert 0 <= record.answered <= record.requests
    assert record.rate is None or 0 <= record.rate <= 1
    assert (record.median_working_days is None) == (record.answered == 0)


def test_counts_by_niva_lists_every_level_in_order():
    rows = [(Niva.CENTRAL, False, 2), (Niva.CENTRAL, True, 1), (Niva.HANDLAGGARE, True, 4)]
    assert counts_by_niva(rows) == [
        NivaCount(Niva.HANDLAGGARE, open=0, closed=4),
        NivaCount(Niva.LOKAL, open=0, closed=0),
        NivaCount(Niva.CENTRAL, open=2, closed=1),
    ]
    assert [count.total for count in counts_by_niva(rows)] == [4, 0, 3]
