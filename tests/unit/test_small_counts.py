"""Small counts of people: which are hidden, and that nothing shown beside one gives it away."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from systemfel.privacy.domain import Observed, is_small, shown_observed
from tests.small_counts import assert_not_recoverable, possible_clients

# No example database: the tests must not write a .hypothesis directory into the repository.
PROPERTY = settings(database=None, max_examples=500, deadline=None)


def test_zero_and_counts_from_the_threshold_up_are_not_small():
    assert [is_small(n, 3) for n in (0, 1, 2, 3, 4)] == [False, True, True, False, False]
    assert not is_small(1, 0)


@pytest.mark.parametrize(
    ("times", "clients", "registrations", "shown"),
    [
        (1, 2, 1, Observed("1", "<3")),  # registered with two clients
        (2, 2, 1, Observed("≥2", "<3")),
        (3, 2, 1, Observed("≥2", "<3")),  # "3 gånger" would say 2: each observation is one
        (3, 2, 3, Observed("3", "<3")),  # three brister merged: three registrations
        (4, 2, 3, Observed("≥4", "<3")),
        (2, 3, 1, Observed("2", "3")),
        (12, 40, 1, Observed("12", "40")),
        (1, 0, 1, Observed("1", "0")),
    ],
)
def test_the_times_observed_are_exact_unless_beside_a_hidden_count(
    times, clients, registrations, shown
):
    assert shown_observed(times, clients, 3, registrations) == shown


def test_the_rule_of_today_would_give_a_hidden_count_away():
    # Observed three times (a registration and two observations): at least two clients.
    assert possible_clients("3", "<3") == {2}
    assert possible_clients("≥2", "<3") == {1, 2}


@st.composite
def brister(draw) -> tuple[int, int, int, int]:
    """A brist (and those merged into it): (threshold, registrations, times, clients).

    Mostly few clients per registration and observation, where a floor can pin a count down.
    """
    threshold = draw(st.integers(min_value=3, max_value=8))
    registrations = draw(st.integers(min_value=1, max_value=4))
    few = st.one_of(st.just(0), st.integers(0, 4))
    at_registration = draw(st.lists(few, min_size=registrations, max_size=registrations))
    observations = draw(st.lists(st.one_of(st.just(1), st.integers(1, 4)), max_size=10))
    times = registrations + len(observations)
    return threshold, registrations, times, sum(at_registration) + sum(observations)


@PROPERTY
@given(brister())
@example((3, 1, 3, 2))  # a registration of none and two observations of one each
def test_no_hidden_count_can_be_recovered_from_the_times_beside_it(brist):
    threshold, registrations, times, clients = brist
    shown = shown_observed(times, clients, threshold, registrations)

    if is_small(clients, threshold):
        # Even a reader who knows the rule keeps two values or more, the true one among them.
        for knows_rule in (None, threshold):
            possible = possible_clients(
                shown.times, shown.clients, registrations, threshold=knows_rule
            )
            assert clients in possible
        assert_not_recoverable(shown.times, shown.clients, registrations, threshold=threshold)
    else:
        assert shown == Observed(str(times), str(clients))
