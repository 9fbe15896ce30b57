"""The rules of background jobs as plain Python: states, progress, who sees, when it goes."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from systemfel.jobs.domain import (
    JobState,
    Progress,
    after_lost_claim,
    expires_at,
    is_expired,
    may_see,
    request_key,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
params = st.dictionaries(
    st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=8), st.none()), max_size=5
)


def test_only_waiting_and_running_jobs_are_active():
    assert {s for s in JobState if s.is_active} == {JobState.WAITING, JobState.RUNNING}


def test_every_state_has_a_swedish_label():
    assert [s.label for s in JobState] == ["Väntar", "Pågår", "Klar", "Misslyckades"]


@given(params, st.integers(min_value=1))
def test_the_same_request_has_the_same_key_whatever_the_order_of_its_parameters(values, user):
    backwards = dict(reversed(list(values.items())))
    assert request_key("rapport", values, user) == request_key("rapport", backwards, user)


@given(params, st.integers(min_value=1), st.integers(min_value=1))
def test_another_user_or_kind_has_another_key(values, user, other):
    key = request_key("rapport", values, user)
    assert key != request_key("brister_csv", values, user)
    if other != user:
        assert key != request_key("rapport", values, other)


def test_a_job_is_seen_by_its_owner_and_administrators_only():
    assert may_see(owner_id=1, user_id=1, is_admin=False)
    assert may_see(owner_id=1, user_id=2, is_admin=True)
    assert not may_see(owner_id=1, user_id=2, is_admin=False)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=-5, max_value=10**9))
def test_progress_is_a_percentage_between_0_and_100(done, total):
    assert 0 <= Progress(done, total, "").percent <= 100


def test_progress_of_an_unknown_total_is_zero():
    assert Progress(5, 0, "").percent == 0
    assert Progress(1, 3, "").percent == 33


@given(st.integers(min_value=0, max_value=365))
def test_a_finished_job_expires_after_its_keeping_time_and_not_before(days):
    expires = expires_at(NOW, timedelta(days=days))
    assert not is_expired(expires, expires - timedelta(seconds=1))
    assert is_expired(expires, expires)


def test_an_unfinished_job_never_expires():
    assert not is_expired(None, NOW + timedelta(days=10_000))


@given(st.integers(min_value=1, max_value=10), st.integers(min_value=1, max_value=10))
def test_a_job_whose_run_died_is_run_again_until_its_attempts_are_used(attempts, most):
    expected = JobState.WAITING if attempts < most else JobState.FAILED
    assert after_lost_claim(attempts, most) == expected
