"""The rules of the annual report on brister: which are in a year, grouping, counts, examples,
the roll-up, small counts, and comparing frozen versions (no app, no database)."""

import json
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from systemfel.brister.domain import Niva, Utfall
from systemfel.followups.domain import SvarTyp
from systemfel.privacy.domain import Observed
from systemfel.reports.domain import (
    BristFacts,
    Change,
    ChangeFact,
    CommonBrist,
    FixesChecked,
    HandelseSteg,
    Kind,
    RapportEntry,
    YearState,
    breakdown,
    common_brister,
    compare,
    compare_facts,
    count_year,
    entry_from_dict,
    entry_to_dict,
    examples,
    fixes_checked,
    fixes_sentence,
    group_by_niva,
    is_active,
    observed,
    select_year,
    shown_observed,
    state_at,
)


def registered(on: date, clients: int = 1) -> HandelseSteg:
    return HandelseSteg(on, Kind.REGISTERED, antal_klienter=clients)


def closed(
    on: date, utfall: Utfall = Utfall.ATGARDAD, into: int | None = None, text=""
) -> HandelseSteg:
    return HandelseSteg(on, Kind.CLOSED, utfall=utfall, merged_into_id=into, text=text)


def reopened(on: date) -> HandelseSteg:
    return HandelseSteg(on, Kind.REOPENED)


def escalated(on: date, niva: Niva) -> HandelseSteg:
    return HandelseSteg(on, Kind.NIVA, niva=niva)


def observation(on: date, clients: int) -> HandelseSteg:
    return HandelseSteg(on, Kind.OBSERVATION, antal_klienter=clients)


def answer(on: date, svar: SvarTyp, text="", myndighet="Försäkringskassan") -> HandelseSteg:
    return HandelseSteg(on, Kind.ANSWER, svar=svar, text=text, myndighet=myndighet)


def decision(on: date, text: str) -> HandelseSteg:
    return HandelseSteg(on, Kind.DECISION, text=text)


def brist(brist_id: int, *handelser: HandelseSteg, **fields) -> BristFacts:
    values = {
        "nummer": f"SF-2025-{brist_id:04d}",
        "titel": f"Brist {brist_id}",
        "summary": "Beskrivning",
        "verksamhet": "Nacka",
        "myndighet": "Försäkringskassan",
        "omrade": "Ekonomi",
        "first_niva": Niva.LOKAL,
    }
    values.update(fields)
    return BristFacts(brist_id=brist_id, handelser=handelser, **values)


def entry_of(entries: list[RapportEntry], brist_id: int) -> RapportEntry:
    (found,) = [entry for entry in entries if entry.brist_id == brist_id]
    return found


# --- state and activity --------------------------------------------------------------------


def test_state_at_replays_only_the_events_up_to_the_day_in_date_order():
    facts = brist(
        1,
        closed(date(2026, 3, 1)),
        registered(date(2025, 5, 1)),
        escalated(date(2025, 9, 1), Niva.CENTRAL),
    )
    assert state_at(facts, date(2025, 8, 31)) == YearState(Niva.LOKAL, True, None, None)
    assert state_at(facts, date(2025, 12, 31)) == YearState(Niva.CENTRAL, True, None, None)
    assert state_at(facts, date(2026, 3, 1)) == YearState(
        Niva.CENTRAL, False, Utfall.ATGARDAD, None
    )


def test_events_on_one_day_keep_the_order_given():
    day = date(2026, 2, 2)
    closed_then_reopened = brist(1, registered(date(2026, 1, 5)), closed(day), reopened(day))
    reopened_then_closed = brist(2, registered(date(2026, 1, 5)), reopened(day), closed(day))
    assert state_at(closed_then_reopened, day).status_open is True
    assert state_at(reopened_then_closed, day).status_open is False


def test_reopening_forgets_the_outcome_and_the_merge():
    facts = brist(
        1,
        registered(date(2026, 1, 5)),
        closed(date(2026, 2, 1), Utfall.SAMMANSLAGEN, into=9),
        reopened(date(2026, 3, 1)),
    )
    assert state_at(facts, date(2026, 2, 15)).merged_into_id == 9
    assert state_at(facts, date(2026, 3, 1)) == YearState(Niva.LOKAL, True, None, None)


@pytest.mark.parametrize(
    ("handelser", "year", "active"),
    [
        ((registered(date(2025, 12, 31)),), 2025, True),
        ((registered(date(2025, 12, 31)),), 2024, False),
        ((registered(date(2026, 1, 1)),), 2025, False),
        ((registered(date(2025, 3, 1)), closed(date(2026, 1, 1))), 2026, True),
        ((registered(date(2024, 3, 1)), closed(date(2025, 12, 31))), 2026, False),
        ((registered(date(2024, 3, 1)), closed(date(2025, 12, 31))), 2025, True),
        ((registered(date(2023, 3, 1)),), 2026, True),  # open all along
        (
            (registered(date(2023, 3, 1)), closed(date(2024, 1, 1)), reopened(date(2026, 6, 1))),
            2025,
            False,
        ),
        (
            (registered(date(2023, 3, 1)), closed(date(2024, 1, 1)), reopened(date(2026, 6, 1))),
            2026,
            True,
        ),
    ],
)
def test_is_active_at_the_year_boundaries(handelser, year, active):
    assert is_active(brist(1, *handelser), year) is active


def test_observed_counts_the_registration_and_observations_up_to_the_day():
    facts = brist(
        1,
        registered(date(2025, 3, 1), clients=2),
        observation(date(2025, 6, 1), 3),
        answer(date(2025, 7, 1), SvarTyp.MOTTAGET),
        observation(date(2026, 2, 1), 4),
    )
    assert observed(facts, date(2025, 12, 31)) == (2, 5)
    assert observed(facts, date(2026, 12, 31)) == (3, 9)
    assert observed(facts, date(2025, 2, 28)) == (0, 0)


# --- the four edge cases of the issue ------------------------------------------------------


def test_a_brist_opened_one_year_and_closed_the_next_is_in_both_with_the_right_status():
    facts = [
        brist(
            1,
            registered(date(2025, 10, 1)),
            closed(date(2026, 6, 1), Utfall.DELVIS_ATGARDAD, text="Ny rutin."),
        )
    ]
    (in_2025,) = select_year(facts, 2025)
    (in_2026,) = select_year(facts, 2026)
    assert (in_2025.is_open, in_2025.utfall, in_2025.actions) == (True, None, ())
    assert (in_2026.is_open, in_2026.utfall) == (False, Utfall.DELVIS_ATGARDAD)
    assert in_2026.actions == ("Stängd 2026-06-01: Delvis åtgärdad. Ny rutin.",)
    assert select_year(facts, 2027) == []


def test_a_reopened_brist_is_open_at_year_end_and_its_history_says_so():
    facts = [
        brist(
            1,
            registered(date(2025, 2, 1)),
            closed(date(2025, 11, 1)),
            reopened(date(2026, 5, 1)),
        )
    ]
    (in_2025,) = select_year(facts, 2025)
    (in_2026,) = select_year(facts, 2026)
    assert (in_2025.is_open, in_2025.utfall) == (False, Utfall.ATGARDAD)
    assert in_2025.history == ()
    assert (in_2026.is_open, in_2026.utfall) == (True, None)
    assert in_2026.history == ("Öppnad igen 2026-05-01.",)
    assert in_2026.actions == ()


def test_a_merged_brist_appears_once_under_the_brist_it_was_merged_into():
    target = brist(1, registered(date(2026, 1, 10), clients=2), observation(date(2026, 4, 1), 1))
    merged = brist(
        2,
        registered(date(2026, 2, 1), clients=3),
        observation(date(2026, 3, 1), 2),
        closed(date(2026, 5, 1), Utfall.SAMMANSLAGEN, into=1),
    )
    entries = select_year([merged, target], 2026)
    assert [entry.brist_id for entry in entries] == [1]
    assert entries[0].merged == ("SF-2025-0002",)
    assert (entries[0].times_observed, entries[0].clients) == (4, 8)
    assert entries[0].is_open is True


def test_a_brist_merged_only_next_year_is_still_listed_on_its_own():
    target = brist(1, registered(date(2025, 1, 10)))
    merged = brist(
        2, registered(date(2025, 2, 1)), closed(date(2026, 5, 1), Utfall.SAMMANSLAGEN, into=1)
    )
    assert [entry.brist_id for entry in select_year([target, merged], 2025)] == [1, 2]
    assert [entry.merged for entry in select_year([target, merged], 2026)] == [("SF-2025-0002",)]


def test_a_merge_chain_ends_in_the_last_brist():
    first = brist(
        1, registered(date(2026, 1, 1)), closed(date(2026, 2, 1), Utfall.SAMMANSLAGEN, into=2)
    )
    second = brist(
        2, registered(date(2026, 1, 2)), closed(date(2026, 3, 1), Utfall.SAMMANSLAGEN, into=3)
    )
    last = brist(3, registered(date(2026, 1, 3)))
    (entry,) = select_year([first, second, last], 2026)
    assert (entry.brist_id, entry.merged, entry.times_observed) == (
        3,
        ("SF-2025-0001", "SF-2025-0002"),
        3,
    )


@pytest.mark.parametrize("target_given", [True, False])
def test_a_brist_merged_into_one_not_shown_is_listed_on_its_own(target_given):
    old_target = brist(1, registered(date(2024, 1, 1)), closed(date(2024, 6, 1)))
    merged = brist(
        2, registered(date(2026, 2, 1)), closed(date(2026, 5, 1), Utfall.SAMMANSLAGEN, into=1)
    )
    given_brister = [old_target, merged] if target_given else [merged]
    (entry,) = select_year(given_brister, 2026)
    assert (entry.brist_id, entry.is_open, entry.utfall) == (2, False, Utfall.SAMMANSLAGEN)
    assert entry.actions == ("Stängd 2026-05-01: Sammanslagen.",)


def test_an_escalated_brist_shows_its_level_at_year_end_and_its_history():
    facts = [
        brist(
            1,
            registered(date(2025, 11, 3)),
            escalated(date(2025, 12, 1), Niva.LOKAL),
            escalated(date(2026, 3, 2), Niva.CENTRAL),
            escalated(date(2027, 1, 5), Niva.LOKAL),
            first_niva=Niva.HANDLAGGARE,
        )
    ]
    (entry,) = select_year(facts, 2026)
    assert entry.niva == Niva.CENTRAL
    assert entry.history == (
        "Registrerad på handläggarnivå 2025-11-03.",
        "Eskalerad från handläggarnivå till lokal nivå 2025-12-01.",
        "Eskalerad från lokal nivå till central nivå 2026-03-02.",
    )
    assert [section.niva for section in group_by_niva([entry])] == [Niva.CENTRAL]
    (in_2027,) = select_year(facts, 2027)
    assert (in_2027.niva, in_2027.history[-1]) == (
        Niva.LOKAL,
        "Flyttad från central nivå till lokal nivå 2027-01-05.",
    )


def test_a_brist_never_escalated_has_no_history():
    (entry,) = select_year([brist(1, registered(date(2026, 1, 1)))], 2026)
    assert entry.history == ()


def test_actions_are_the_years_answers_decisions_and_closings_in_date_order():
    facts = brist(
        1,
        registered(date(2025, 1, 1)),
        answer(date(2025, 6, 1), SvarTyp.MOTTAGET),
        closed(date(2026, 6, 1)),
        decision(date(2026, 5, 3), "Beslut i Ledningsgruppen 2026-05-03: Avsluta."),
        answer(date(2026, 4, 2), SvarTyp.ATGARD_UTLOVAD, "Vi ser över rutinen."),
        answer(date(2026, 4, 20), SvarTyp.MOTTAGET, myndighet=""),
        observation(date(2026, 4, 21), 1),
    )
    (entry,) = select_year([facts], 2026)
    assert entry.actions == (
        "2026-04-02 Försäkringskassan: Åtgärd utlovad – Vi ser över rutinen.",
        "2026-04-20 Myndigheten: Mottaget – vi återkommer",
        "Beslut i Ledningsgruppen 2026-05-03: Avsluta.",
        "Stängd 2026-06-01: Åtgärdad.",
    )


# --- grouping ------------------------------------------------------------------------------


def test_group_by_niva_orders_levels_myndigheter_and_numbers_and_leaves_empty_levels_out():
    facts = [
        brist(4, registered(date(2026, 1, 1)), myndighet="psykiatrin", first_niva=Niva.CENTRAL),
        brist(3, registered(date(2026, 1, 1)), myndighet="Arbetsförmedlingen"),
        brist(2, registered(date(2026, 1, 1)), myndighet="Försäkringskassan"),
        brist(1, registered(date(2026, 1, 1)), myndighet="försäkringskassan "),
        brist(5, registered(date(2026, 1, 1)), myndighet="Psykiatrin", first_niva=Niva.CENTRAL),
    ]
    sections = group_by_niva(select_year(facts, 2026))
    shape = [
        (s.niva, [(g.myndighet, [e.brist_id for e in g.entries]) for g in s.groups])
        for s in sections
    ]
    assert shape == [
        (Niva.LOKAL, [("Arbetsförmedlingen", [3]), ("Försäkringskassan", [1, 2])]),
        (Niva.CENTRAL, [("Psykiatrin", [4, 5])]),
    ]


def test_group_by_niva_of_nothing_is_empty():
    assert group_by_niva([]) == []


# --- counts --------------------------------------------------------------------------------


def year_of_brister() -> list[BristFacts]:
    return [
        # 2025: new, still open at the end of 2025, closed in 2026.
        brist(1, registered(date(2025, 3, 1)), closed(date(2026, 2, 1))),
        # 2026: new, escalated to central, open.
        brist(2, registered(date(2026, 1, 1)), escalated(date(2026, 3, 1), Niva.CENTRAL)),
        # 2026: new, merged into 2.
        brist(
            3, registered(date(2026, 4, 1)), closed(date(2026, 5, 1), Utfall.SAMMANSLAGEN, into=2)
        ),
        # 2026: closed and reopened within the year: not closed, open at the end.
        brist(
            4,
            registered(date(2024, 1, 1)),
            closed(date(2026, 3, 1)),
            reopened(date(2026, 4, 1)),
            myndighet="Arbetsförmedlingen",
        ),
        # Closed long ago: in no count of 2025 or 2026.
        brist(5, registered(date(2023, 1, 1)), closed(date(2023, 6, 1))),
    ]


def test_count_year_and_the_previous_year():
    facts = year_of_brister()
    this_year, previous = count_year(facts, 2026), count_year(facts, 2025)
    # 3 was merged into 2 within the year: folded into 2, neither new nor closed on its own.
    assert (this_year.new, this_year.closed, this_year.open_at_end) == (1, 1, 2)
    assert this_year.by_niva == {Niva.HANDLAGGARE: 0, Niva.LOKAL: 2, Niva.CENTRAL: 1}
    assert this_year.by_myndighet == {"Arbetsförmedlingen": 1, "Försäkringskassan": 2}
    assert (previous.new, previous.closed, previous.open_at_end) == (1, 0, 2)
    assert previous.by_niva == {Niva.HANDLAGGARE: 0, Niva.LOKAL: 2, Niva.CENTRAL: 0}


def test_a_brist_closed_twice_in_a_year_counts_once():
    facts = [
        brist(
            1,
            registered(date(2026, 1, 1)),
            closed(date(2026, 2, 1)),
            reopened(date(2026, 3, 1)),
            closed(date(2026, 4, 1), Utfall.EJ_ATGARDAD),
        )
    ]
    counts = count_year(facts, 2026)
    assert (counts.new, counts.closed, counts.open_at_end) == (1, 1, 0)


def test_breakdown_gives_each_verksamhet_its_own_counts_by_name():
    facts = [
        brist(1, registered(date(2026, 1, 1)), verksamhet="Värmdö"),
        brist(2, registered(date(2026, 1, 1)), closed(date(2026, 2, 1)), verksamhet="Nacka"),
        brist(3, registered(date(2025, 1, 1)), verksamhet="Nacka"),
    ]
    result = breakdown(facts, 2026)
    assert list(result) == ["Nacka", "Värmdö"]
    nacka, varmdo = result["Nacka"], result["Värmdö"]
    assert (nacka.new, nacka.closed, nacka.open_at_end) == (1, 1, 1)
    assert (varmdo.new, varmdo.closed, varmdo.open_at_end) == (1, 0, 1)


def test_an_entry_shows_its_observations_and_hides_a_small_number_of_clients():
    twice = [observation(date(2026, 3, day), 1) for day in (1, 2)]
    facts = [
        brist(1, registered(date(2026, 1, 1), 2)),
        brist(2, registered(date(2026, 1, 1), 0), *twice),
        brist(3, registered(date(2026, 1, 1), 2), observation(date(2026, 4, 1), 1)),
    ]
    shown = [shown_observed(entry) for entry in select_year(facts, 2026)]
    # Once, 2 clients; 3 times and 2 clients ("3 gånger" would say at least 2); 3 clients.
    assert shown == [Observed("1", "<3"), Observed("≥2", "<3"), Observed("2", "3")]
    assert [seen.is_suppressed for seen in shown] == [True, True, False]


def test_each_brist_merged_into_an_entry_brings_a_registration_of_no_clients_or_more():
    facts = [
        brist(1, registered(date(2026, 1, 1), 1)),
        brist(2, registered(date(2026, 1, 1), 0), closed(date(2026, 5, 1), Utfall.SAMMANSLAGEN, 1)),
    ]
    (merged,) = select_year(facts, 2026)
    # Two registrations, no observation: "2 gånger" puts no floor under the one client.
    assert (merged.times_observed, merged.clients, merged.merged) == (2, 1, ("SF-2025-0002",))
    assert shown_observed(merged) == Observed("2", "<3")
    # As one brist (one registration) the times are exact only when 1.
    assert shown_observed(replace(merged, merged=())) == Observed("≥2", "<3")
    assert shown_observed(merged, threshold=0) == Observed("2", "1")


# --- examples ------------------------------------------------------------------------------


def test_examples_take_only_measures_of_the_year_and_word_them():
    facts = [
        brist(
            1,
            registered(date(2025, 1, 1)),
            answer(date(2025, 12, 31), SvarTyp.ATGARDAT, "Förra året."),
            answer(date(2026, 2, 1), SvarTyp.AVVISAT, "Nej."),
            answer(date(2026, 3, 1), SvarTyp.ATGARD_UTLOVAD, "Ny blankett."),
            closed(date(2026, 4, 1), Utfall.EJ_ATGARDAD),
            reopened(date(2026, 4, 2)),
            closed(date(2026, 9, 1), Utfall.ATGARDAD, text="Rutinen ändrad."),
            decision(date(2026, 5, 5), "Beslut i Ledningsgruppen 2026-05-05: Åtgärd."),
        )
    ]
    assert [(e.on, e.source, e.text) for e in examples(facts, 2026)] == [
        (date(2026, 9, 1), "stangning", "Brist 1: stängd som åtgärdad. Rutinen ändrad."),
        (date(2026, 5, 5), "beslut", "Brist 1: Beslut i Ledningsgruppen 2026-05-05: Åtgärd."),
        (
            date(2026, 3, 1),
            "svar",
            "Brist 1: Försäkringskassan har utlovat en åtgärd. Ny blankett.",
        ),
    ]


def test_examples_mix_the_sources_before_taking_more_of_one_and_show_newest_first():
    closings = [
        brist(i, registered(date(2026, 1, 1)), closed(date(2026, 10, i))) for i in range(1, 6)
    ]
    answered = brist(10, registered(date(2026, 1, 1)), answer(date(2026, 2, 1), SvarTyp.ATGARDAT))
    decided = brist(11, registered(date(2026, 1, 1)), decision(date(2026, 3, 1), "Beslut i X: Y."))
    chosen = examples([*closings, answered, decided], 2026, limit=4)
    assert [(e.on, e.source) for e in chosen] == [
        (date(2026, 10, 5), "stangning"),
        (date(2026, 10, 4), "stangning"),
        (date(2026, 3, 1), "beslut"),
        (date(2026, 2, 1), "svar"),
    ]
    assert len(examples([*closings, answered, decided], 2026)) == 7
    assert examples([*closings, answered, decided], 2025) == []


# --- roll-up -------------------------------------------------------------------------------


def test_common_brister_are_the_pairs_several_verksamheter_have_seen():
    def entry(brist_id, verksamhet, myndighet, omrade):
        facts = brist(
            brist_id,
            registered(date(2026, 1, 1)),
            verksamhet=verksamhet,
            myndighet=myndighet,
            omrade=omrade,
        )
        return select_year([facts], 2026)[0]

    entries = [
        entry(1, "Nacka", "Försäkringskassan", "Ekonomi"),
        entry(2, "Värmdö", "försäkringskassan", "ekonomi"),
        entry(3, "Tyresö", "Försäkringskassan", "Ekonomi"),
        entry(4, "Nacka", "Arbetsförmedlingen", "Sysselsättning"),
        entry(5, "Värmdö", "Arbetsförmedlingen", "Sysselsättning"),
        entry(6, "Nacka", "Kronofogden", "Ekonomi"),
        entry(7, "Nacka", "Kronofogden", "Ekonomi"),
    ]
    assert common_brister(entries) == [
        CommonBrist(
            "Försäkringskassan",
            "Ekonomi",
            ("Nacka", "Tyresö", "Värmdö"),
            # Numbers are unique only within a verksamhet: each is named with its own.
            ("Nacka SF-2025-0001", "Värmdö SF-2025-0002", "Tyresö SF-2025-0003"),
        ),
        CommonBrist(
            "Arbetsförmedlingen",
            "Sysselsättning",
            ("Nacka", "Värmdö"),
            ("Nacka SF-2025-0004", "Värmdö SF-2025-0005"),
        ),
    ]
    assert [c.myndighet for c in common_brister(entries, min_verksamheter=3)] == [
        "Försäkringskassan"
    ]
    assert len(common_brister(entries, min_verksamheter=1)) == 3


# --- frozen versions -----------------------------------------------------------------------


def an_entry(**changes) -> RapportEntry:
    base = RapportEntry(
        brist_id=1,
        nummer="SF-2026-0001",
        titel="Brist",
        summary="Text",
        verksamhet="Nacka",
        myndighet="Försäkringskassan",
        omrade="Ekonomi",
        niva=Niva.LOKAL,
        is_open=True,
        utfall=None,
        times_observed=3,
        clients=4,
        history=(),
        actions=("Beslut i X: Y.",),
        merged=(),
    )
    return replace(base, **changes)


def test_compare_names_each_kind_of_change_by_number():
    frozen = [
        an_entry(),
        an_entry(brist_id=2, nummer="SF-2026-0002"),
        an_entry(brist_id=3, nummer="SF-2026-0003"),
    ]
    fresh = [
        an_entry(
            is_open=False,
            utfall=Utfall.ATGARDAD,
            niva=Niva.CENTRAL,
            times_observed=5,
            actions=("Beslut i X: Y.", "Stängd 2026-06-01: Åtgärdad."),
        ),
        an_entry(brist_id=4, nummer="SF-2026-0004"),
        an_entry(brist_id=3, nummer="SF-2026-0003", times_observed=2, actions=()),
    ]
    assert compare(frozen, fresh) == [
        Change("SF-2026-0001", "status ändrad: öppen → stängd (Åtgärdad)"),
        Change("SF-2026-0001", "nivå ändrad: lokal nivå → central nivå"),
        Change("SF-2026-0001", "fler observationer: 3 → 5"),
        Change("SF-2026-0001", "nya åtgärder"),
        Change("SF-2026-0002", "inte längre med"),
        Change("SF-2026-0003", "färre observationer: 3 → 2"),
        Change("SF-2026-0004", "ny i rapporten"),
    ]


def test_compare_sees_a_reopening_and_a_change_of_outcome():
    frozen = [an_entry(is_open=False, utfall=Utfall.ATGARDAD), an_entry(nummer="B", is_open=False)]
    fresh = [an_entry(), an_entry(nummer="B", is_open=False, utfall=Utfall.SAMMANSLAGEN)]
    assert compare(frozen, fresh) == [
        Change("B", "status ändrad: stängd → stängd (Sammanslagen)"),
        Change("SF-2026-0001", "status ändrad: stängd (Åtgärdad) → öppen"),
    ]


def test_compare_of_the_same_entries_is_empty():
    assert compare([an_entry()], [an_entry()]) == []


def test_entry_dict_is_json_and_comes_back_the_same():
    entry = an_entry(utfall=Utfall.DELVIS_ATGARDAD, is_open=False, merged=("SF-2026-0009",))
    data = json.loads(json.dumps(entry_to_dict(entry)))
    assert data["niva"] == "lokal" and data["utfall"] == "delvis_atgardad"
    assert entry_from_dict(data) == entry


texts = st.text(max_size=30)
entries = st.builds(
    RapportEntry,
    brist_id=st.integers(min_value=1),
    nummer=texts,
    titel=texts,
    summary=texts,
    verksamhet=texts,
    myndighet=texts,
    omrade=texts,
    niva=st.sampled_from(Niva),
    is_open=st.booleans(),
    utfall=st.none() | st.sampled_from(Utfall),
    times_observed=st.integers(min_value=0),
    clients=st.integers(min_value=0),
    history=st.tuples(texts) | st.just(()),
    actions=st.lists(texts, max_size=3).map(tuple),
    merged=st.lists(texts, max_size=3).map(tuple),
)


@given(entries)
def test_any_entry_survives_a_json_round_trip(entry):
    assert entry_from_dict(json.loads(json.dumps(entry_to_dict(entry)))) == entry


# --- a property of the selection ----------------------------------------------------------

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))
steps = st.one_of(
    st.builds(closed, days, st.sampled_from([Utfall.ATGARDAD, Utfall.EJ_ATGARDAD])),
    st.builds(reopened, days),
    st.builds(escalated, days, st.sampled_from(Niva)),
    st.builds(observation, days, st.integers(min_value=0, max_value=5)),
)


@st.composite
def histories(draw):
    count = draw(st.integers(min_value=1, max_value=6))
    found = []
    for brist_id in range(1, count + 1):
        handelser = [registered(draw(days))] + draw(st.lists(steps, max_size=4))
        if brist_id > 1 and draw(st.booleans()):
            into = draw(st.integers(min_value=1, max_value=brist_id - 1))
            handelser.append(closed(draw(days), Utfall.SAMMANSLAGEN, into=into))
        found.append(brist(brist_id, *handelser))
    return found


@given(histories(), st.integers(min_value=2024, max_value=2027))
def test_every_active_brist_is_shown_once_on_its_own_or_merged(brister, year):
    entries = select_year(brister, year)
    shown = [entry.nummer for entry in entries]
    folded = [nummer for entry in entries for nummer in entry.merged]
    active = {facts.nummer for facts in brister if is_active(facts, year)}
    assert len(shown) == len(set(shown))
    assert not set(shown) & set(folded)
    assert active <= set(shown) | set(folded)
    assert set(shown) <= active
    assert sum(entry.times_observed for entry in entries) <= sum(
        observed(facts, date(year, 12, 31))[0] for facts in brister
    )


def test_brister_merged_into_each_other_are_both_listed_on_their_own():
    first = brist(
        1, registered(date(2026, 1, 1)), closed(date(2026, 2, 1), Utfall.SAMMANSLAGEN, into=2)
    )
    second = brist(
        2, registered(date(2026, 1, 2)), closed(date(2026, 3, 1), Utfall.SAMMANSLAGEN, into=1)
    )
    entries = select_year([first, second], 2026)
    assert [(entry.brist_id, entry.merged) for entry in entries] == [(1, ()), (2, ())]


def test_a_brist_merged_in_an_earlier_year_still_adds_to_its_target():
    target = brist(1, registered(date(2025, 1, 10), clients=2))
    merged = brist(
        2,
        registered(date(2025, 2, 1), clients=5),
        closed(date(2025, 3, 1), Utfall.SAMMANSLAGEN, into=1),
    )
    assert not is_active(merged, 2026)
    (entry,) = select_year([target, merged], 2026)
    assert (entry.merged, entry.times_observed, entry.clients) == (("SF-2025-0002",), 2, 7)


# --- Did the year's fixes last? (issue 14, item 11) ------------------------------------------


def test_fixes_are_counted_by_the_year_of_their_closing():
    closings = [
        (date(2026, 2, 3), "haller"),
        (date(2026, 5, 4), "aterkommit"),
        (date(2026, 12, 31), None),
        (date(2025, 12, 31), "haller"),  # the year before
    ]
    assert fixes_checked(closings, 2026) == FixesChecked(3, 2, 1, 1)
    assert fixes_checked(closings, None) == FixesChecked(4, 3, 2, 1)


@pytest.mark.parametrize(
    ("fixes", "expected"),
    [
        (FixesChecked(), ""),
        (
            FixesChecked(1, 0, 0, 0),
            "Av 1 brist som stängdes som åtgärdad eller delvis åtgärdad under 2026 har ingen "
            "kontrollerats i efterhand ännu.",
        ),
        (
            FixesChecked(4, 3, 2, 1),
            "Av 4 brister som stängdes som åtgärdade eller delvis åtgärdade under 2026 har 3 "
            "kontrollerats i efterhand: 2 håller, 1 har återkommit.",
        ),
    ],
)
def test_the_reports_line_on_fixes_that_lasted(fixes, expected):
    assert fixes_sentence(fixes, 2026) == expected


def test_compare_facts_say_the_same_as_compare_without_words():
    frozen = [an_entry(), an_entry(brist_id=2, nummer="SF-2026-0002")]
    fresh = [
        an_entry(
            niva=Niva.CENTRAL,
            is_open=False,
            utfall=Utfall.ATGARDAD,
            times_observed=5,
            actions=("Beslut i X: Y.", "Ny."),
        ),
        an_entry(brist_id=4, nummer="SF-2026-0004"),
    ]
    assert compare_facts(frozen, fresh) == [
        ChangeFact("SF-2026-0001", "status", "oppen", "stangd:atgardad"),
        ChangeFact("SF-2026-0001", "niva", "lokal", "central"),
        ChangeFact("SF-2026-0001", "fler", "3", "5"),
        ChangeFact("SF-2026-0001", "atgarder"),
        ChangeFact("SF-2026-0002", "borta"),
        ChangeFact("SF-2026-0004", "ny"),
    ]
    assert len(compare(frozen, fresh)) == len(compare_facts(frozen, fresh))
