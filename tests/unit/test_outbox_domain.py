"""The outbox's rules as plain functions: per-recipient settling, the retry wait, giving up,
and when office hours next open."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from systemfel.notifications.domain import (
    OutboxStatus,
    Outcome,
    RetryPolicy,
    settle,
    still_to_send,
)
from systemfel.workdays import STOCKHOLM, next_office_opening, swedish_calendar

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
POLICY = RetryPolicy()
A, B, C = "a@x.se", "b@x.se", "c@x.se"
CALENDAR = swedish_calendar(2025, 2030)


def test_the_wait_doubles_from_a_minute_up_to_an_hour():
    waits = [POLICY.wait(n) for n in range(1, 12)]
    minutes = [w / timedelta(minutes=1) for w in waits]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60]
    assert POLICY.wait(10**9) == timedelta(hours=1)  # no overflow, however many attempts


def test_all_delivered_is_sent():
    done = settle(
        recipients=[A, B],
        delivered=[],
        refused={},
        outcome=Outcome(delivered=(A, B)),
        attempts=1,
        first_failure_at=None,
        now=NOW,
        policy=POLICY,
    )
    assert (done.status, done.delivered, done.next_attempt_at) == (OutboxStatus.SENT, (A, B), None)


def test_one_refused_for_good_and_one_for_now_waits_for_the_one():
    done = settle(
        recipients=[A, B, C],
        delivered=[],
        refused={},
        outcome=Outcome(delivered=(A,), temporary={B: "450 later"}, permanent={C: "550 no"}),
        attempts=1,
        first_failure_at=None,
        now=NOW,
        policy=POLICY,
    )
    assert done.status == OutboxStatus.PENDING
    assert (done.delivered, done.refused) == ((A,), {C: "550 no"})
    assert (done.next_attempt_at, done.first_failure_at) == (NOW + timedelta(minutes=1), NOW)
    assert still_to_send([A, B, C], list(done.delivered), done.refused) == [B]


@pytest.mark.parametrize(
    ("delivered", "status"), [((A,), OutboxStatus.PARTLY), ((), OutboxStatus.FAILED)]
)
def test_after_three_days_of_temporary_failures_the_rest_are_given_up(delivered, status):
    done = settle(
        recipients=[A, B],
        delivered=list(delivered),
        refused={},
        outcome=Outcome(temporary={B: "451 later"} | ({} if delivered else {A: "451 later"})),
        attempts=80,
        first_failure_at=NOW - timedelta(hours=72),
        now=NOW,
        policy=POLICY,
    )
    assert done.status == status
    assert done.refused[B] == "451 later (gav upp efter 72 timmar)"


ADDRESSES = st.lists(st.sampled_from([A, B, C, "d@x.se"]), min_size=1, max_size=4, unique=True)
REPLY = st.sampled_from(["delivered", "temporary", "permanent"])


@given(recipients=ADDRESSES, rounds=st.lists(st.lists(REPLY, min_size=4, max_size=4), max_size=6))
def test_a_recipient_is_settled_once_and_never_tried_again(recipients, rounds):
    delivered, refused, first, now = [], {}, None, NOW
    for attempt, replies in enumerate(rounds, start=1):
        targets = still_to_send(recipients, delivered, refused)
        if not targets:
            break
        outcome = Outcome(
            delivered=tuple(a for a, r in zip(targets, replies, strict=False) if r == "delivered"),
            temporary={
                a: "4xx" for a, r in zip(targets, replies, strict=False) if r == "temporary"
            },
            permanent={
                a: "5xx" for a, r in zip(targets, replies, strict=False) if r == "permanent"
            },
        )
        done = settle(
            recipients=recipients,
            delivered=delivered,
            refused=refused,
            outcome=outcome,
            attempts=attempt,
            first_failure_at=first,
            now=now,
            policy=POLICY,
        )
        assert set(delivered) <= set(done.delivered)  # delivered stays delivered
        assert set(refused) <= set(done.refused)
        assert not set(done.delivered) & set(done.refused)
        waiting = set(recipients) - set(done.delivered) - set(done.refused)
        assert (done.status == OutboxStatus.PENDING) == bool(waiting)
        if waiting:
            assert timedelta(0) < done.next_attempt_at - now <= POLICY.longest_wait
        delivered, refused, first = list(done.delivered), done.refused, done.first_failure_at
        now = done.next_attempt_at or now
        if done.status != OutboxStatus.PENDING:
            expected = (
                OutboxStatus.SENT
                if not refused
                else OutboxStatus.PARTLY
                if delivered
                else OutboxStatus.FAILED
            )
            assert done.status == expected
            break


# --- When office hours open -----------------------------------------------------------------


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("moment", "opens"),
    [
        (local(date(2026, 12, 4), 17, 0), local(date(2026, 12, 7), 8)),  # Friday → Monday
        (local(date(2026, 12, 2), 7, 59), local(date(2026, 12, 2), 8)),  # before opening
        (local(date(2026, 12, 2), 10, 0), local(date(2026, 12, 2), 10)),  # open now
        (local(date(2026, 12, 23), 17, 31), local(date(2026, 12, 28), 8)),  # julafton, juldagar
        (local(date(2026, 12, 30), 18, 0), local(date(2027, 1, 4), 8)),  # nyår, then a weekend
        (local(date(2026, 6, 18), 17, 30), local(date(2026, 6, 22), 8)),  # midsommar
        (local(date(2026, 3, 28), 12, 0), local(date(2026, 3, 30), 8)),  # DST weekend
    ],
)
def test_the_next_office_opening(moment, opens):
    assert next_office_opening(moment, CALENDAR) == opens


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2029, 12, 31)))
def test_the_next_opening_is_within_office_hours_and_never_before(moment):
    moment = moment.replace(tzinfo=STOCKHOLM)
    opens = next_office_opening(moment, CALENDAR)
    assert opens >= moment
    assert CALENDAR.is_working_day(opens.date())
    assert time(8) <= opens.time() < time(17)
    assert opens - moment < timedelta(days=6)
