"""The rules of a brist: status moves, closing, reopening, escalation, numbering, search, diff."""

from itertools import product

import pytest

from systemfel.brister.domain import (
    REOPENED_STATUS,
    TRANSITIONS,
    Change,
    Closing,
    Niva,
    Status,
    TransitionRefused,
    Utfall,
    allowed_moves,
    check_close,
    check_escalate,
    check_move,
    check_raised,
    check_reopen,
    diff,
    differing,
    format_number,
    next_level,
    search_text,
    times_observed,
)

OPEN_STATUSES = [status for status in Status if status != Status.STANGD]
ENDED_WITHOUT_MERGE = [utfall for utfall in Utfall if utfall != Utfall.SAMMANSLAGEN]

# --- status moves ------------------------------------------------------------------------


def test_transition_table_is_the_documented_state_machine():
    allowed = {(current, target) for current in Status for target in TRANSITIONS[current]}
    assert allowed == {
        (Status.REGISTRERAD, Status.LYFT),
        (Status.REGISTRERAD, Status.BEVAKAS),
        (Status.LYFT, Status.BEVAKAS),
        (Status.BEVAKAS, Status.LYFT),
    }


def test_every_status_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(Status)


@pytest.mark.parametrize(("current", "target"), list(product(Status, Status)))
def test_check_move_refuses_exactly_the_moves_outside_the_table(current, target):
    refused = target not in TRANSITIONS[current] or target == Status.STANGD
    if refused:
        with pytest.raises(TransitionRefused):
            check_move(current, target)
    else:
        assert check_move(current, target) is None


@pytest.mark.parametrize("current", list(Status))
def test_moving_to_stangd_points_to_the_close_action(current):
    with pytest.raises(TransitionRefused, match="Stäng"):
        check_move(current, Status.STANGD)


@pytest.mark.parametrize("status", list(Status))
def test_no_status_moves_to_itself(status):
    with pytest.raises(TransitionRefused):
        check_move(status, status)


def test_a_closed_brist_cannot_be_moved_anywhere():
    assert allowed_moves(Status.STANGD) == frozenset()
    for target in Status:
        with pytest.raises(TransitionRefused):
            check_move(Status.STANGD, target)


@pytest.mark.parametrize("current", list(Status))
def test_allowed_moves_is_the_table_row(current):
    assert allowed_moves(current) == TRANSITIONS[current]
    assert Status.STANGD not in allowed_moves(current)


def test_transition_refused_is_a_value_error():
    assert issubclass(TransitionRefused, ValueError)


# --- closing -------------------------------------------------------------------------------


@pytest.mark.parametrize("utfall", list(Utfall))
def test_closing_a_closed_brist_is_refused(utfall):
    merged_into = 2 if utfall == Utfall.SAMMANSLAGEN else None
    with pytest.raises(TransitionRefused, match="redan stängd"):
        check_close(Status.STANGD, Closing(utfall, merged_into), brist_id=1)


@pytest.mark.parametrize("current", OPEN_STATUSES)
def test_merge_without_other_brist_is_refused(current):
    with pytest.raises(TransitionRefused, match="slås samman"):
        check_close(current, Closing(Utfall.SAMMANSLAGEN), brist_id=1)


@pytest.mark.parametrize("current", OPEN_STATUSES)
def test_merge_with_itself_is_refused(current):
    with pytest.raises(TransitionRefused, match="sig själv"):
        check_close(current, Closing(Utfall.SAMMANSLAGEN, merged_into_id=7), brist_id=7)


@pytest.mark.parametrize(("current", "utfall"), list(product(OPEN_STATUSES, ENDED_WITHOUT_MERGE)))
def test_other_brist_with_another_outcome_is_refused(current, utfall):
    with pytest.raises(TransitionRefused, match="sammanslagen"):
        check_close(current, Closing(utfall, merged_into_id=2), brist_id=1)


@pytest.mark.parametrize(("current", "utfall"), list(product(OPEN_STATUSES, ENDED_WITHOUT_MERGE)))
def test_each_outcome_without_merge_closes_an_open_brist(current, utfall):
    assert check_close(current, Closing(utfall), brist_id=1) is None


@pytest.mark.parametrize("current", OPEN_STATUSES)
def test_merge_into_another_brist_is_accepted(current):
    assert check_close(current, Closing(Utfall.SAMMANSLAGEN, merged_into_id=2), brist_id=1) is None


def test_closing_defaults_to_no_other_brist():
    assert Closing(Utfall.ATGARDAD).merged_into_id is None


# --- reopening -----------------------------------------------------------------------------


def test_a_closed_brist_can_be_reopened():
    assert check_reopen(Status.STANGD) is None


@pytest.mark.parametrize("current", OPEN_STATUSES)
def test_an_open_brist_cannot_be_reopened(current):
    with pytest.raises(TransitionRefused):
        check_reopen(current)


def test_a_reopened_brist_is_watched():
    assert REOPENED_STATUS == Status.BEVAKAS


# --- escalation ----------------------------------------------------------------------------


def test_levels_are_ordered_lowest_first():
    assert list(Niva) == [Niva.HANDLAGGARE, Niva.LOKAL, Niva.CENTRAL]


@pytest.mark.parametrize(
    ("current", "above"),
    [(Niva.HANDLAGGARE, Niva.LOKAL), (Niva.LOKAL, Niva.CENTRAL), (Niva.CENTRAL, None)],
)
def test_next_level(current, above):
    assert next_level(current) == above


@pytest.mark.parametrize(("status", "current", "target"), list(product(OPEN_STATUSES, Niva, Niva)))
def test_an_open_brist_escalates_upwards_only(status, current, target):
    order = list(Niva)
    if order.index(target) > order.index(current):
        assert check_escalate(status, current, target) is None
    else:
        with pytest.raises(TransitionRefused, match="högre nivå"):
            check_escalate(status, current, target)


@pytest.mark.parametrize(("current", "target"), list(product(Niva, Niva)))
def test_a_closed_brist_cannot_be_escalated(current, target):
    with pytest.raises(TransitionRefused, match="stängd"):
        check_escalate(Status.STANGD, current, target)


@pytest.mark.parametrize("current", [Niva.HANDLAGGARE, Niva.LOKAL])
def test_escalating_to_the_next_level_is_accepted(current):
    target = next_level(current)
    assert target is not None
    assert check_escalate(Status.REGISTRERAD, current, target) is None


# --- numbering -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("serial", "number"),
    [
        (7, "SF-2026-0007"),
        (1, "SF-2026-0001"),
        (42, "SF-2026-0042"),
        (123, "SF-2026-0123"),
        (9999, "SF-2026-9999"),
        (10000, "SF-2026-10000"),
        (12345, "SF-2026-12345"),
    ],
)
def test_format_number(serial, number):
    assert format_number("SF", 2026, serial) == number


def test_format_number_uses_prefix_and_year():
    assert format_number("PO", 2031, 5) == "PO-2031-0005"


# --- search text ---------------------------------------------------------------------------


def test_search_text_casefolds_swedish_letters():
    assert search_text("ÅTGÄRD", "Överförmyndaren") == "åtgärd överförmyndaren"


def test_search_text_casefolds_beyond_lowercase():
    assert search_text("Straße") == "strasse"


def test_search_text_skips_missing_and_empty_parts():
    assert search_text("Boende", None, "", "Stöd") == "boende stöd"


def test_search_text_of_nothing_is_empty():
    assert search_text() == ""
    assert search_text(None, "") == ""


# --- diff ----------------------------------------------------------------------------------

LABELS = {"titel": "Titel", "niva": "Nivå", "myndighet": "Myndighet", "omrade": "Område"}


def test_diff_lists_changes_in_label_order():
    old = {"omrade": "Bostad", "titel": "Gammal", "niva": "Lokal nivå", "myndighet": "FK"}
    new = {"myndighet": "AF", "niva": "Lokal nivå", "titel": "Ny", "omrade": "Ekonomi"}
    assert diff(LABELS, old, new) == [
        Change("Titel", "Gammal", "Ny"),
        Change("Myndighet", "FK", "AF"),
        Change("Område", "Bostad", "Ekonomi"),
    ]


def test_diff_of_equal_snapshots_is_empty():
    snapshot = {"titel": "Samma", "niva": "Central nivå"}
    assert diff(LABELS, snapshot, dict(snapshot)) == []


def test_diff_treats_a_missing_value_as_empty():
    assert diff(LABELS, {}, {"titel": "Ny"}) == [Change("Titel", "", "Ny")]
    assert diff(LABELS, {"niva": "Lokal nivå"}, {}) == [Change("Nivå", "Lokal nivå", "")]
    assert diff(LABELS, {"titel": ""}, {}) == []


def test_diff_ignores_keys_without_a_label():
    assert diff(LABELS, {"intern": "a"}, {"intern": "b"}) == []


# --- differing: what a refused save shows beside the user's input ---------------------------


def test_differing_names_the_fields_the_user_filled_in_otherwise_in_their_order():
    saved = {"titel": "Annas rubrik", "antal": 2, "niva": Niva.LOKAL, "andra": [1, 2]}
    mine = {"andra": [3], "antal": 2, "titel": "Bos rubrik", "niva": Niva.CENTRAL}
    assert differing(saved, mine) == ["andra", "titel", "niva"]


def test_differing_ignores_what_a_save_would_not_keep():
    saved = {"text": "Rad ett\nRad två", "andra": [2, 1], "tom": ""}
    mine = {"text": "  Rad ett\r\nRad två\n", "andra": [1, 2], "tom": "  "}
    assert differing(saved, mine) == []


# --- issue 13: "Lyft med myndighet" needs a contact ------------------------------------------


@pytest.mark.parametrize(("target", "has_contact"), list(product(Status, [True, False])))
def test_only_lyft_without_a_contact_is_refused(target, has_contact):
    if target == Status.LYFT and not has_contact:
        with pytest.raises(TransitionRefused, match="ingen kontakt med en myndighet"):
            check_raised(target, has_contact=has_contact)
    else:
        assert check_raised(target, has_contact=has_contact) is None


def test_the_registration_is_the_first_time_observed():
    assert times_observed(0) == 1
    assert times_observed(1) == 2  # one observation row after the registration
