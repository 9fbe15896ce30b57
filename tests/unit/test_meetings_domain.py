"""The rules of ledningsgrupp meetings: the proposed agenda, regenerating a draft, statuses,
decisions (no app, no database)."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from systemfel.brister.domain import Niva, Utfall
from systemfel.followups.domain import SvarTyp
from systemfel.meetings.domain import (
    DECISION_OUTCOMES,
    FIRST_MOTE_LOOKBACK,
    PROPOSED_BEVAKA_DAYS,
    PROPOSED_DECISION,
    SECTION_OF_REASON,
    Beslut,
    BeslutTyp,
    BristLage,
    CarriedPunkt,
    DagordningInput,
    DraftPunkt,
    MoteRefused,
    MotesStatus,
    OrganTyp,
    Sektion,
    Skal,
    check_dagordning_editable,
    check_decisions_open,
    check_justering,
    check_protokoll_editable,
    decision_allowed_at,
    decision_problem,
    lyft_svar_senast,
    merge_draft,
    move_in_section,
    organ_svar_problem,
    propose_dagordning,
    proposed_beslut,
    proposed_decision,
    reasons_for,
)
from systemfel.workdays import swedish_calendar

MOTE_ON = date(2026, 3, 10)
PREVIOUS = date(2025, 11, 20)
BETWEEN = date(2026, 1, 15)  # after the previous meeting, before this one
LONG_AGO = date(2025, 3, 1)  # before the previous meeting

OPENING = [
    ("oppnande", Sektion.OPPNING, (), None),
    ("justerare", Sektion.OPPNING, (), None),
    ("foregaende_protokoll", Sektion.OPPNING, (), None),
]
CLOSING = [
    ("ovriga_fragor", Sektion.AVSLUTNING, (), None),
    ("nasta_mote", Sektion.AVSLUTNING, (), None),
    ("avslutning", Sektion.AVSLUTNING, (), None),
]


def brist(brist_id, niva=Niva.LOKAL, registered_on=LONG_AGO, **changes):
    """Build a BristLage; by default an old, open, lokal brist with no reason to be on."""
    return BristLage(brist_id=brist_id, niva=niva, registered_on=registered_on, **changes)


def dagordning(*brister, previous=PREVIOUS, mote_on=MOTE_ON, carried=(), standing=()):
    return DagordningInput(
        mote_on=mote_on,
        previous_mote_on=previous,
        brister=brister,
        carried_over=carried,
        standing_punkter=standing,
    )


def rows(punkter):
    return [(punkt.key, punkt.sektion, punkt.skal, punkt.forslag) for punkt in punkter]


def brist_rows(punkter):
    return [row for row in rows(punkter) if row[0].startswith("brist:")]


def reasons(lage, dagordning_input=None, carried=frozenset()):
    return reasons_for(lage, dagordning_input or dagordning(lage), frozenset(carried))


# --- the proposed agenda: the full scenario ----------------------------------------------


def full_scenario():
    return dagordning(
        brist(1, Niva.LOKAL, date(2026, 1, 15)),
        brist(2, Niva.CENTRAL, date(2026, 2, 1)),
        brist(3, Niva.HANDLAGGARE, date(2026, 1, 5)),
        brist(4, Niva.HANDLAGGARE, date(2026, 1, 10), marked_for_group=True),
        brist(
            5,
            Niva.LOKAL,
            date(2025, 6, 1),
            discussed_before=True,
            bevakning_due_on=date(2026, 3, 1),
        ),
        brist(
            6,
            Niva.CENTRAL,
            date(2025, 9, 1),
            discussed_before=True,
            last_answer_on=date(2026, 1, 20),
            last_answer_typ=SvarTyp.MOTTAGET,
        ),
        brist(
            7,
            Niva.LOKAL,
            date(2025, 5, 1),
            discussed_before=True,
            promised_on=date(2026, 2, 13),
            promise_broken_on=date(2026, 2, 16),
        ),
        brist(8, Niva.LOKAL, date(2025, 8, 1), discussed_before=True),
        brist(9, Niva.LOKAL, date(2025, 4, 1), discussed_before=True, escalation_proposed=True),
        brist(
            10,
            Niva.CENTRAL,
            date(2025, 7, 1),
            discussed_before=True,
            last_answer_on=date(2026, 2, 10),
            last_answer_typ=SvarTyp.ATGARDAT,
        ),
        brist(
            11,
            Niva.CENTRAL,
            date(2026, 2, 1),
            is_closed=True,
            marked_for_group=True,
            escalation_proposed=True,
            last_answer_on=date(2026, 2, 2),
            last_answer_typ=SvarTyp.ATGARDAT,
        ),
        brist(
            12,
            Niva.LOKAL,
            date(2025, 2, 1),
            discussed_before=True,
            bevakning_due_on=date(2026, 6, 1),
            last_answer_on=date(2025, 10, 1),
            last_answer_typ=SvarTyp.ATGARD_UTLOVAD,
            promised_on=date(2026, 5, 1),
        ),
        carried=(
            CarriedPunkt("brist:8", "Bristen om boendestöd", brist_id=8),
            CarriedPunkt("fri:3", "Lokalfrågan i Värmdö"),
        ),
        standing=["Ekonomi", "  Rapport från   RSMH ", "ekonomi", "   "],
    )


def test_full_scenario_gives_the_exact_agenda():
    assert rows(propose_dagordning(full_scenario())) == [
        *OPENING,
        ("brist:2", Sektion.NYA, (Skal.NY,), BeslutTyp.INFORMATION),
        ("brist:1", Sektion.NYA, (Skal.NY,), BeslutTyp.INFORMATION),
        ("brist:4", Sektion.NYA, (Skal.MARKERAD,), BeslutTyp.INFORMATION),
        ("brist:6", Sektion.UPPFOLJNING, (Skal.SVAR_INKOMMET,), BeslutTyp.BEVAKA),
        ("brist:7", Sektion.UPPFOLJNING, (Skal.LOFTE_PASSERAT,), BeslutTyp.BEVAKA),
        ("brist:5", Sektion.UPPFOLJNING, (Skal.BEVAKNING_FORFALLEN,), BeslutTyp.BEVAKA),
        ("brist:10", Sektion.FORSLAG, (Skal.AVSLUT, Skal.SVAR_INKOMMET), BeslutTyp.AVSLUTA),
        ("brist:9", Sektion.FORSLAG, (Skal.ESKALERING,), BeslutTyp.ESKALERA),
        ("brist:8", Sektion.OVERFORDA, (Skal.OVERFORD,), None),
        ("fri:3", Sektion.OVERFORDA, (Skal.OVERFORD,), None),
        ("staende:ekonomi", Sektion.STAENDE, (), None),
        ("staende:rapport från rsmh", Sektion.STAENDE, (), None),
        *CLOSING,
    ]


def test_full_scenario_headings_of_free_and_standing_items():
    by_key = {punkt.key: punkt for punkt in propose_dagordning(full_scenario())}
    assert by_key["fri:3"].rubrik == "Lokalfrågan i Värmdö"
    assert by_key["fri:3"].brist_id is None
    assert by_key["staende:ekonomi"].rubrik == "Ekonomi"
    assert by_key["staende:rapport från rsmh"].rubrik == "Rapport från RSMH"
    assert by_key["foregaende_protokoll"].rubrik == "Föregående mötes protokoll"
    assert by_key["brist:10"].brist_id == 10


def test_full_scenario_leaves_out_unmarked_handlaggare_closed_and_quiet_brister():
    keys = {punkt.key for punkt in propose_dagordning(full_scenario())}
    assert {"brist:3", "brist:11", "brist:12"}.isdisjoint(keys)


def test_every_brist_key_appears_once():
    keys = [punkt.key for punkt in propose_dagordning(full_scenario())]
    assert len(keys) == len(set(keys))


def test_no_brister_gives_only_the_fixed_items():
    assert rows(propose_dagordning(dagordning())) == [*OPENING, *CLOSING]


# --- the first meeting -------------------------------------------------------------------


def test_first_meeting_has_no_previous_minutes_item():
    keys = [punkt.key for punkt in propose_dagordning(dagordning(previous=None))]
    assert keys == ["oppnande", "justerare", "ovriga_fragor", "nasta_mote", "avslutning"]


def test_first_meeting_looks_back_a_year_for_new_brister():
    edge = MOTE_ON - FIRST_MOTE_LOOKBACK
    proposal = propose_dagordning(
        dagordning(
            brist(1, Niva.LOKAL, edge),
            brist(2, Niva.LOKAL, edge - timedelta(days=1)),
            brist(3, Niva.CENTRAL, MOTE_ON - timedelta(days=30)),
            brist(4, Niva.HANDLAGGARE, MOTE_ON - timedelta(days=30)),
            previous=None,
        )
    )
    assert brist_rows(proposal) == [
        ("brist:3", Sektion.NYA, (Skal.NY,), BeslutTyp.INFORMATION),
        ("brist:1", Sektion.NYA, (Skal.NY,), BeslutTyp.INFORMATION),
    ]


def test_first_meeting_lookback_is_a_year():
    assert timedelta(days=365) == FIRST_MOTE_LOOKBACK


def test_first_meeting_takes_any_atgardat_answer_as_closure_proposal():
    lage = brist(1, last_answer_on=date(2020, 1, 1), last_answer_typ=SvarTyp.ATGARDAT)
    assert reasons(lage, dagordning(lage, previous=None)) == (Skal.AVSLUT,)


def test_first_meeting_marked_old_brist_is_on_it():
    lage = brist(1, Niva.HANDLAGGARE, date(2020, 1, 1), marked_for_group=True)
    assert reasons(lage, dagordning(lage, previous=None)) == (Skal.MARKERAD,)


# --- single rules and their edges --------------------------------------------------------


def test_new_means_registered_after_the_previous_meeting():
    assert reasons(brist(1, registered_on=PREVIOUS + timedelta(days=1))) == (Skal.NY,)
    assert reasons(brist(1, registered_on=PREVIOUS - timedelta(days=1))) == ()


def test_brist_registered_on_previous_meeting_day_but_not_discussed_is_new():
    assert reasons(brist(1, registered_on=PREVIOUS)) == (Skal.NY,)


def test_new_brist_discussed_before_is_not_new_again():
    assert reasons(brist(1, registered_on=BETWEEN, discussed_before=True)) == ()


def test_new_handlaggare_brist_needs_a_mark():
    assert reasons(brist(1, Niva.HANDLAGGARE, BETWEEN)) == ()
    assert reasons(brist(1, Niva.HANDLAGGARE, BETWEEN, marked_for_group=True)) == (Skal.MARKERAD,)


def test_followup_due_on_the_meeting_day_counts():
    due_today = brist(1, discussed_before=True, bevakning_due_on=MOTE_ON)
    due_tomorrow = brist(1, discussed_before=True, bevakning_due_on=MOTE_ON + timedelta(days=1))
    assert reasons(due_today) == (Skal.BEVAKNING_FORFALLEN,)
    assert reasons(due_tomorrow) == ()


def test_followup_rules_need_the_brist_discussed_before():
    lage = brist(
        1,
        bevakning_due_on=BETWEEN,
        last_answer_on=BETWEEN,
        last_answer_typ=SvarTyp.MOTTAGET,
        promised_on=BETWEEN,
    )
    assert reasons(lage) == ()
    # A broken promise is the exception: it goes on the agenda discussed before or not.
    assert reasons(replace(lage, promise_broken_on=BETWEEN)) == (Skal.LOFTE_PASSERAT,)


def test_answer_counts_only_after_the_previous_meeting():
    before = brist(
        1,
        discussed_before=True,
        last_answer_on=PREVIOUS - timedelta(days=1),
        last_answer_typ=SvarTyp.MOTTAGET,
    )
    after = brist(
        1,
        discussed_before=True,
        last_answer_on=PREVIOUS + timedelta(days=1),
        last_answer_typ=SvarTyp.MOTTAGET,
    )
    assert reasons(before) == ()
    assert reasons(after) == (Skal.SVAR_INKOMMET,)


def test_a_promise_broken_since_the_previous_meeting_puts_the_brist_on_the_agenda():
    broken = brist(1, discussed_before=True, promise_broken_on=BETWEEN)
    on_mote_day = brist(1, promise_broken_on=MOTE_ON)
    still_ahead = brist(1, discussed_before=True, promise_broken_on=MOTE_ON + timedelta(days=1))
    before_last_mote = brist(1, discussed_before=True, promise_broken_on=LONG_AGO)
    # The promised date alone (a promise pending, kept or superseded) is no reason.
    only_promised = brist(1, discussed_before=True, promised_on=BETWEEN)
    assert reasons(broken) == (Skal.LOFTE_PASSERAT,)
    assert reasons(on_mote_day) == (Skal.LOFTE_PASSERAT,)
    assert reasons(still_ahead) == ()
    assert reasons(before_last_mote) == ()
    assert reasons(only_promised) == ()
    assert Skal.LOFTE_PASSERAT.label == "utlovad åtgärd inte genomförd"


def test_a_fix_found_not_to_last_since_the_previous_meeting_is_followed_up():
    returned = brist(1, fix_returned_on=BETWEEN, marked_for_group=True)
    before_last_mote = brist(1, discussed_before=True, fix_returned_on=LONG_AGO)
    after_the_mote = brist(1, fix_returned_on=MOTE_ON + timedelta(days=1))
    assert reasons(returned) == (Skal.ATERKOMMEN, Skal.MARKERAD)
    assert reasons(before_last_mote) == ()
    assert reasons(after_the_mote) == ()
    assert SECTION_OF_REASON[Skal.ATERKOMMEN] == Sektion.UPPFOLJNING
    assert Skal.ATERKOMMEN.label == "åtgärden höll inte — bristen har återkommit"


def test_closure_proposal_needs_an_atgardat_answer_since_the_previous_meeting():
    other = brist(1, last_answer_on=BETWEEN, last_answer_typ=SvarTyp.AVVISAT)
    old = brist(1, last_answer_on=LONG_AGO, last_answer_typ=SvarTyp.ATGARDAT)
    fresh = brist(1, last_answer_on=BETWEEN, last_answer_typ=SvarTyp.ATGARDAT)
    assert reasons(other) == ()
    assert reasons(old) == ()
    assert reasons(fresh) == (Skal.AVSLUT,)


def test_escalation_proposal_is_on_without_other_reasons():
    assert reasons(brist(1, escalation_proposed=True)) == (Skal.ESKALERING,)


def test_carried_over_brist_is_on_by_its_id():
    lage = brist(1)
    assert reasons(lage, carried={1}) == (Skal.OVERFORD,)
    assert reasons(lage, carried={2}) == ()


def test_closed_brist_is_never_on_it():
    lage = brist(
        1,
        Niva.CENTRAL,
        BETWEEN,
        is_closed=True,
        marked_for_group=True,
        discussed_before=True,
        bevakning_due_on=BETWEEN,
        escalation_proposed=True,
    )
    carried = (CarriedPunkt("brist:1", "x", brist_id=1),)
    assert reasons(lage, carried={1}) == ()
    assert brist_rows(propose_dagordning(dagordning(lage, carried=carried))) == []


def test_standing_items_are_deduplicated_by_normalised_text_and_blanks_skipped():
    proposal = propose_dagordning(
        dagordning(standing=["Ekonomi ", "EKONOMI", "", "  ", "Övrigt  läge"])
    )
    staende = [(i.key, i.rubrik) for i in proposal if i.sektion == Sektion.STAENDE]
    assert staende == [("staende:ekonomi", "Ekonomi"), ("staende:övrigt läge", "Övrigt läge")]


# --- ordering within a section -----------------------------------------------------------


def test_section_order_is_central_first_then_oldest_then_id():
    proposal = propose_dagordning(
        dagordning(
            brist(5, Niva.LOKAL, date(2026, 1, 1)),
            brist(4, Niva.HANDLAGGARE, date(2025, 12, 1), marked_for_group=True),
            brist(3, Niva.CENTRAL, date(2026, 2, 1)),
            brist(2, Niva.LOKAL, date(2025, 12, 15)),
            brist(7, Niva.LOKAL, date(2025, 12, 15)),
            brist(1, Niva.CENTRAL, date(2026, 1, 20)),
        )
    )
    assert [punkt.key for punkt in proposal if punkt.sektion == Sektion.NYA] == [
        "brist:1",
        "brist:3",
        "brist:2",
        "brist:7",
        "brist:5",
        "brist:4",
    ]


def test_input_order_does_not_change_the_agenda():
    scenario = full_scenario()
    reversed_input = DagordningInput(
        mote_on=scenario.mote_on,
        previous_mote_on=scenario.previous_mote_on,
        brister=list(reversed(scenario.brister)),
        carried_over=scenario.carried_over,
        standing_punkter=scenario.standing_punkter,
    )
    assert propose_dagordning(reversed_input) == propose_dagordning(scenario)


def test_carried_brister_come_before_carried_free_items():
    proposal = propose_dagordning(
        dagordning(
            brist(1),
            carried=(CarriedPunkt("fri:1", "Fri"), CarriedPunkt("brist:1", "B", brist_id=1)),
        )
    )
    assert [i.key for i in proposal if i.sektion == Sektion.OVERFORDA] == ["brist:1", "fri:1"]


# --- several reasons ---------------------------------------------------------------------


def test_brist_with_several_reasons_is_on_once_in_the_section_of_its_first_reason():
    lage = brist(
        1,
        Niva.LOKAL,
        LONG_AGO,
        discussed_before=True,
        escalation_proposed=True,
        bevakning_due_on=BETWEEN,
        marked_for_group=True,
    )
    carried = (CarriedPunkt("brist:1", "B", brist_id=1),)
    assert brist_rows(propose_dagordning(dagordning(lage, carried=carried))) == [
        (
            "brist:1",
            Sektion.FORSLAG,
            (Skal.ESKALERING, Skal.OVERFORD, Skal.BEVAKNING_FORFALLEN, Skal.MARKERAD),
            BeslutTyp.ESKALERA,
        )
    ]


def test_carried_brist_with_an_answer_is_in_carried_section():
    lage = brist(
        1, discussed_before=True, last_answer_on=BETWEEN, last_answer_typ=SvarTyp.EJ_VART_ANSVAR
    )
    carried = (CarriedPunkt("brist:1", "B", brist_id=1),)
    assert brist_rows(propose_dagordning(dagordning(lage, carried=carried))) == [
        ("brist:1", Sektion.OVERFORDA, (Skal.OVERFORD, Skal.SVAR_INKOMMET), None)
    ]


def test_new_and_marked_brist_is_in_new_section_with_both_reasons():
    lage = brist(1, Niva.CENTRAL, BETWEEN, marked_for_group=True)
    assert brist_rows(propose_dagordning(dagordning(lage))) == [
        ("brist:1", Sektion.NYA, (Skal.NY, Skal.MARKERAD), BeslutTyp.INFORMATION)
    ]


def test_all_followup_reasons_listed_in_rule_order():
    lage = brist(
        1,
        discussed_before=True,
        bevakning_due_on=BETWEEN,
        promised_on=BETWEEN,
        promise_broken_on=BETWEEN,
        last_answer_on=BETWEEN,
        last_answer_typ=SvarTyp.ATGARD_UTLOVAD,
    )
    assert reasons(lage) == (
        Skal.BEVAKNING_FORFALLEN,
        Skal.SVAR_INKOMMET,
        Skal.LOFTE_PASSERAT,
    )


def test_section_of_reason_covers_every_reason():
    assert set(SECTION_OF_REASON) == set(Skal)


# --- merging a regenerated proposal into a draft ------------------------------------------


def draft_from(proposal):
    """A draft saved straight from a proposal: rule items at their index."""
    return [DraftPunkt(punkt.key, punkt.sektion, index) for index, punkt in enumerate(proposal)]


def apply(existing, plan):
    """Save a plan the way the app would: positions follow the order, tombstones stay."""
    sections = {punkt.key: punkt.sektion for punkt in existing}
    sections.update({punkt.key: punkt.sektion for punkt in plan.add})
    manual = {punkt.key for punkt in existing if punkt.is_manual}
    visible = [
        DraftPunkt(key, sections[key], index, is_manual=key in manual)
        for index, key in enumerate(plan.order)
    ]
    removed = [punkt for punkt in existing if punkt.is_removed and punkt.key not in plan.delete]
    return visible + removed


def proposal_of(*brister, **kwargs):
    return propose_dagordning(dagordning(*brister, **kwargs))


def nya_lokal(brist_id, day):
    return brist(brist_id, Niva.LOKAL, day)


def test_merge_into_an_empty_draft_adds_the_whole_proposal_in_order():
    proposal = propose_dagordning(full_scenario())
    plan = merge_draft([], proposal)
    assert plan.order == tuple(punkt.key for punkt in proposal)
    assert plan.add == tuple(proposal)
    assert plan.delete == frozenset()


def test_merging_the_same_proposal_again_changes_nothing():
    proposal = propose_dagordning(full_scenario())
    saved = apply([], merge_draft([], proposal))
    again = merge_draft(saved, proposal)
    assert again.order == tuple(punkt.key for punkt in proposal)
    assert again.add == ()
    assert again.delete == frozenset()


def with_manual_after(saved, after_key, manual_key):
    """Insert a hand-added item right after `after_key`, renumbering positions."""
    result = []
    for punkt in saved:
        result.append(replace(punkt, position=len(result)))
        if punkt.key == after_key:
            result.append(DraftPunkt(manual_key, punkt.sektion, len(result), is_manual=True))
    return result


def test_manual_item_stays_in_place_and_new_item_joins_end_of_its_section():
    first = proposal_of(nya_lokal(1, date(2026, 1, 1)), nya_lokal(2, date(2026, 1, 2)))
    saved = with_manual_after(draft_from(first), "brist:1", "fri:1")
    regenerated = proposal_of(
        nya_lokal(1, date(2026, 1, 1)),
        nya_lokal(2, date(2026, 1, 2)),
        brist(3, Niva.CENTRAL, date(2026, 1, 3)),
        brist(4, discussed_before=True, bevakning_due_on=BETWEEN),
    )
    plan = merge_draft(saved, regenerated)
    assert plan.order == (
        "oppnande",
        "justerare",
        "foregaende_protokoll",
        "brist:1",
        "fri:1",
        "brist:2",
        "brist:3",
        "brist:4",
        "ovriga_fragor",
        "nasta_mote",
        "avslutning",
    )
    assert [punkt.key for punkt in plan.add] == ["brist:3", "brist:4"]
    assert plan.delete == frozenset()


def test_manual_item_in_the_closing_section_stays_among_the_closing_items():
    saved = with_manual_after(draft_from(proposal_of()), "ovriga_fragor", "fri:9")
    plan = merge_draft(saved, proposal_of(nya_lokal(1, BETWEEN)))
    assert plan.order[-4:] == ("ovriga_fragor", "fri:9", "nasta_mote", "avslutning")
    assert plan.order.index("brist:1") < plan.order.index("ovriga_fragor")


def test_removed_item_is_not_added_again():
    proposal = proposal_of(nya_lokal(1, BETWEEN), nya_lokal(2, BETWEEN))
    saved = [
        DraftPunkt(i.key, i.sektion, i.position, is_removed=i.key == "brist:1")
        for i in draft_from(proposal)
    ]
    plan = merge_draft(saved, proposal)
    assert "brist:1" not in plan.order
    assert plan.add == ()
    assert plan.delete == frozenset()


def test_moved_items_keep_their_place():
    proposal = proposal_of(brist(1, Niva.CENTRAL, BETWEEN), nya_lokal(2, BETWEEN))
    saved = draft_from(proposal)
    sections = {punkt.key: punkt.sektion for punkt in saved}
    keys = move_in_section([(i.key, i.sektion) for i in saved], "brist:2", -1)
    saved = [DraftPunkt(key, sections[key], n) for n, key in enumerate(keys)]
    plan = merge_draft(saved, proposal)
    assert plan.order.index("brist:2") < plan.order.index("brist:1")
    assert plan.order == tuple(keys)
    assert plan.add == ()


def test_rule_item_no_longer_proposed_is_deleted():
    saved = draft_from(proposal_of(nya_lokal(1, BETWEEN), nya_lokal(2, BETWEEN)))
    plan = merge_draft(saved, proposal_of(nya_lokal(2, BETWEEN)))
    assert "brist:1" not in plan.order
    assert plan.delete == frozenset({"brist:1"})
    assert plan.add == ()


def test_removed_rule_item_no_longer_proposed_is_deleted_too():
    proposal = proposal_of(nya_lokal(1, BETWEEN))
    saved = [
        DraftPunkt(i.key, i.sektion, i.position, is_removed=i.key == "brist:1")
        for i in draft_from(proposal)
    ]
    assert merge_draft(saved, proposal_of()).delete == frozenset({"brist:1"})


def test_manual_items_are_never_deleted():
    saved = with_manual_after(draft_from(proposal_of()), "justerare", "fri:1")
    saved.append(DraftPunkt("fri:2", Sektion.STAENDE, 99, is_manual=True, is_removed=True))
    plan = merge_draft(saved, proposal_of())
    assert plan.delete == frozenset()
    assert "fri:1" in plan.order
    assert "fri:2" not in plan.order


def test_standing_item_renamed_replaces_the_old_one():
    saved = draft_from(proposal_of(standing=["Ekonomi"]))
    plan = merge_draft(saved, proposal_of(standing=["Ekonomi och budget"]))
    assert plan.delete == frozenset({"staende:ekonomi"})
    assert [punkt.key for punkt in plan.add] == ["staende:ekonomi och budget"]


# --- merge as a property ------------------------------------------------------------------

DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 6, 30))
MAYBE_DAY = st.none() | DAYS


@st.composite
def brist_lagen(draw):
    ids = draw(st.lists(st.integers(1, 30), unique=True, max_size=12))
    return [
        BristLage(
            brist_id=brist_id,
            niva=draw(st.sampled_from(list(Niva))),
            registered_on=draw(DAYS),
            is_closed=draw(st.booleans()),
            marked_for_group=draw(st.booleans()),
            discussed_before=draw(st.booleans()),
            bevakning_due_on=draw(MAYBE_DAY),
            last_answer_on=draw(MAYBE_DAY),
            last_answer_typ=draw(st.none() | st.sampled_from(list(SvarTyp))),
            promised_on=draw(MAYBE_DAY),
            escalation_proposed=draw(st.booleans()),
        )
        for brist_id in ids
    ]


@st.composite
def dagordning_inputs(draw):
    brister = draw(brist_lagen())
    carried_ids = draw(
        st.lists(st.sampled_from([b.brist_id for b in brister] or [0]), unique=True, max_size=4)
    )
    carried = [CarriedPunkt(f"brist:{i}", "B", brist_id=i) for i in carried_ids if i]
    carried += [CarriedPunkt(f"fri:{n}", "Fri") for n in draw(st.sets(st.integers(1, 3)))]
    standing = draw(
        st.lists(st.sampled_from(["Ekonomi", "ekonomi ", "RSMH", " ", "Läget"]), max_size=4)
    )
    return DagordningInput(
        mote_on=date(2026, 3, 10),
        previous_mote_on=draw(st.none() | st.just(date(2025, 11, 20))),
        brister=brister,
        carried_over=carried,
        standing_punkter=standing,
    )


@st.composite
def edited_drafts(draw):
    """A draft saved from one proposal, then edited: items moved, removed, added by hand."""
    saved = apply([], merge_draft([], propose_dagordning(draw(dagordning_inputs()))))
    for _ in range(draw(st.integers(0, 5))):
        if not saved:
            break
        key = draw(st.sampled_from([punkt.key for punkt in saved]))
        sections = {punkt.key: punkt.sektion for punkt in saved}
        keys = move_in_section(
            [(i.key, i.sektion) for i in saved], key, draw(st.sampled_from([-1, 1]))
        )
        saved = [DraftPunkt(k, sections[k], n) for n, k in enumerate(keys)]
    removed = draw(st.sets(st.sampled_from([i.key for i in saved]), max_size=3))
    saved = [DraftPunkt(i.key, i.sektion, i.position, is_removed=i.key in removed) for i in saved]
    for n in draw(st.sets(st.integers(100, 105), max_size=3)):
        after = draw(st.sampled_from([i.key for i in saved if not i.is_removed]))
        saved = with_manual_after(saved, after, f"fri:{n}")
    return saved


def sections_now(existing, proposal):
    """Manual items keep their section; rule items take the one proposed now."""
    sections = {punkt.key: punkt.sektion for punkt in existing}
    sections.update({punkt.key: punkt.sektion for punkt in proposal})
    sections.update({punkt.key: punkt.sektion for punkt in existing if punkt.is_manual})
    return sections


def sections_in_order(order, existing, plan, proposal=()):
    sections = sections_now(existing, proposal)
    sections.update({punkt.key: punkt.sektion for punkt in plan.add})
    ranks = [sections[key].rank for key in order]
    return ranks == sorted(ranks)


@given(dagordning_inputs())
def test_proposal_keys_are_unique_and_sections_in_agenda_order(dagordning_input):
    proposal = propose_dagordning(dagordning_input)
    keys = [punkt.key for punkt in proposal]
    ranks = [punkt.sektion.rank for punkt in proposal]
    assert len(keys) == len(set(keys))
    assert ranks == sorted(ranks)


@given(dagordning_inputs())
def test_brist_items_sit_in_the_section_of_their_first_reason(dagordning_input):
    for punkt in propose_dagordning(dagordning_input):
        if punkt.brist_id is not None:
            assert punkt.skal
            assert punkt.sektion == SECTION_OF_REASON[punkt.skal[0]]


@given(edited_drafts(), dagordning_inputs())
def test_regenerating_twice_is_idempotent(draft, dagordning_input):
    proposal = propose_dagordning(dagordning_input)
    first = merge_draft(draft, proposal)
    saved = apply(draft, first)
    second = merge_draft(saved, proposal)
    assert second.order == first.order
    assert second.add == ()
    assert second.delete == frozenset()


@given(edited_drafts(), dagordning_inputs())
def test_regenerating_keeps_manual_edits(draft, dagordning_input):
    proposal = propose_dagordning(dagordning_input)
    plan = merge_draft(draft, proposal)
    proposed = {punkt.key for punkt in proposal}
    visible_manual = [
        i.key for i in sorted(draft, key=lambda i: i.position) if i.is_manual and not i.is_removed
    ]
    removed = {i.key for i in draft if i.is_removed}
    position = {i.key: i.position for i in draft}
    kept_rule = [
        i.key
        for i in sorted(draft, key=lambda i: i.position)
        if not i.is_manual and not i.is_removed and i.key in proposed
    ]
    sections = sections_now(draft, proposal)
    kept = visible_manual + kept_rule
    for sektion in Sektion:
        # Within each section, the items that were there keep their relative order.
        before = [k for k in sorted(kept, key=lambda k: position[k]) if sections[k] == sektion]
        assert [k for k in plan.order if k in set(before)] == before
    assert removed.isdisjoint(plan.order)
    assert not plan.delete & {i.key for i in draft if i.is_manual}
    assert plan.delete == {i.key for i in draft if not i.is_manual} - proposed
    assert len(plan.order) == len(set(plan.order))
    assert set(kept) <= set(plan.order)
    assert sections_in_order(plan.order, draft, plan, proposal)


@given(edited_drafts(), dagordning_inputs())
def test_regenerating_adds_exactly_the_unknown_proposed_items(draft, dagordning_input):
    proposal = propose_dagordning(dagordning_input)
    plan = merge_draft(draft, proposal)
    known = {i.key for i in draft}
    assert [i.key for i in plan.add] == [i.key for i in proposal if i.key not in known]
    order = list(plan.order)
    sections = sections_now(draft, proposal)
    for punkt in plan.add:
        later_in_section = [
            k
            for k in order[order.index(punkt.key) + 1 :]
            if k in known and sections[k] == punkt.sektion
        ]
        assert later_in_section == []


# --- moving within a section -------------------------------------------------------------

ORDER = [
    ("oppnande", Sektion.OPPNING),
    ("justerare", Sektion.OPPNING),
    ("brist:1", Sektion.NYA),
    ("brist:2", Sektion.NYA),
    ("brist:3", Sektion.NYA),
    ("brist:4", Sektion.UPPFOLJNING),
]
KEYS = [key for key, _ in ORDER]


def test_move_up_within_section():
    assert move_in_section(ORDER, "brist:2", -1) == [
        "oppnande",
        "justerare",
        "brist:2",
        "brist:1",
        "brist:3",
        "brist:4",
    ]


def test_move_down_within_section():
    assert move_in_section(ORDER, "brist:2", 1) == [
        "oppnande",
        "justerare",
        "brist:1",
        "brist:3",
        "brist:2",
        "brist:4",
    ]


@pytest.mark.parametrize(
    ("key", "step"),
    [
        ("brist:1", -1),  # would cross into the opening
        ("brist:3", 1),  # would cross into follow-up
        ("brist:4", -1),  # first of its section
        ("justerare", 1),
        ("oppnande", -1),  # top of the agenda
        ("brist:4", 1),  # bottom of the agenda
    ],
)
def test_move_across_a_section_or_past_an_edge_stays_put(key, step):
    assert move_in_section(ORDER, key, step) == KEYS


def test_move_does_not_change_its_input():
    order = list(ORDER)
    move_in_section(order, "brist:2", -1)
    assert order == ORDER


# --- meeting status ----------------------------------------------------------------------

CHECKS_ALLOWED = {
    check_dagordning_editable: {MotesStatus.PLANERAT},
    check_protokoll_editable: {MotesStatus.DAGORDNING_FASTSTALLD, MotesStatus.GENOMFORT},
    check_decisions_open: {MotesStatus.DAGORDNING_FASTSTALLD},
    check_justering: {MotesStatus.GENOMFORT},
}


@pytest.mark.parametrize("status", list(MotesStatus))
@pytest.mark.parametrize("check", list(CHECKS_ALLOWED), ids=lambda check: check.__name__)
def test_status_check(check, status):
    if status in CHECKS_ALLOWED[check]:
        assert check(status) is None
    else:
        with pytest.raises(MoteRefused):
            check(status)


@pytest.mark.parametrize(
    ("check", "status", "message"),
    [
        (check_dagordning_editable, MotesStatus.GENOMFORT, "Dagordningen är fastställd"),
        (check_protokoll_editable, MotesStatus.PLANERAT, "Fastställ dagordningen"),
        (check_protokoll_editable, MotesStatus.PROTOKOLL_JUSTERAT, "Protokollet är justerat"),
        (check_decisions_open, MotesStatus.GENOMFORT, "Besluten är redan verkställda"),
        (check_decisions_open, MotesStatus.PLANERAT, "Fastställ dagordningen"),
        (check_justering, MotesStatus.PROTOKOLL_JUSTERAT, "Protokollet är redan justerat"),
        (check_justering, MotesStatus.DAGORDNING_FASTSTALLD, "Spara protokollet"),
    ],
)
def test_status_refusal_explains_itself(check, status, message):
    with pytest.raises(MoteRefused, match=message):
        check(status)


# --- decisions ---------------------------------------------------------------------------

AFTER = MOTE_ON + timedelta(days=1)
VALID = [
    Beslut(BeslutTyp.INFORMATION),
    Beslut(
        BeslutTyp.ATGARD, text="Rutin ses över", ansvarig="Regionens psykiatri", senast_on=AFTER
    ),
    Beslut(BeslutTyp.BEVAKA, senast_on=AFTER),
    Beslut(BeslutTyp.ESKALERA, till_niva=Niva.CENTRAL),
    *[Beslut(BeslutTyp.AVSLUTA, utfall=utfall) for utfall in DECISION_OUTCOMES],
]


@pytest.mark.parametrize("beslut", VALID, ids=lambda b: f"{b.typ}-{b.utfall}")
def test_valid_decision_has_no_problem(beslut):
    assert decision_problem(beslut, Niva.LOKAL, MOTE_ON) is None


def test_decision_outcomes_are_all_but_merged():
    assert set(DECISION_OUTCOMES) == set(Utfall) - {Utfall.SAMMANSLAGEN}


ATGARD = VALID[1]


@pytest.mark.parametrize(
    ("beslut", "field"),
    [
        (replace(ATGARD, text=""), "text"),
        (replace(ATGARD, text="   \n"), "text"),
        (replace(ATGARD, ansvarig=""), "ansvarig"),
        (replace(ATGARD, ansvarig="  "), "ansvarig"),
        (replace(ATGARD, senast_on=None), "senast_on"),
        (replace(ATGARD, senast_on=MOTE_ON), "senast_on"),
        (replace(ATGARD, senast_on=MOTE_ON - timedelta(days=1)), "senast_on"),
        (replace(ATGARD, text="", ansvarig="", senast_on=None), "text"),
        (Beslut(BeslutTyp.BEVAKA), "senast_on"),
        (Beslut(BeslutTyp.BEVAKA, senast_on=MOTE_ON), "senast_on"),
        (Beslut(BeslutTyp.ESKALERA), "till_niva"),
        (Beslut(BeslutTyp.ESKALERA, till_niva=Niva.LOKAL), "till_niva"),
        (Beslut(BeslutTyp.ESKALERA, till_niva=Niva.HANDLAGGARE), "till_niva"),
        (Beslut(BeslutTyp.AVSLUTA), "utfall"),
        (Beslut(BeslutTyp.AVSLUTA, utfall=Utfall.SAMMANSLAGEN), "utfall"),
    ],
)
def test_invalid_decision_names_the_field(beslut, field):
    problem = decision_problem(beslut, Niva.LOKAL, MOTE_ON)
    assert problem is not None
    assert problem[0] == field
    assert problem[1]


def test_escalation_from_central_level_is_refused_and_points_to_the_alternatives():
    beslut = Beslut(BeslutTyp.ESKALERA, till_niva=Niva.CENTRAL)
    field, message = decision_problem(beslut, Niva.CENTRAL, MOTE_ON)
    assert field == "typ"
    assert "Lyft till strategiskt organ" in message and "Bevaka" in message


def test_escalation_from_handlaggare_to_lokal_is_valid():
    beslut = Beslut(BeslutTyp.ESKALERA, till_niva=Niva.LOKAL)
    assert decision_problem(beslut, Niva.HANDLAGGARE, MOTE_ON) is None


def test_information_ignores_other_fields():
    beslut = Beslut(BeslutTyp.INFORMATION, senast_on=MOTE_ON, utfall=Utfall.SAMMANSLAGEN)
    assert decision_problem(beslut, Niva.CENTRAL, MOTE_ON) is None


# --- Defect 3 and item 12: proposals are valid decisions; lifting to a strategic body ---------

LYFT = Beslut(
    BeslutTyp.LYFTA,
    organ_typ=OrganTyp.SAMORDNINGSFORBUND,
    organ_namn="Samordningsförbundet Östra Södertörn",
)


@given(
    skal=st.sampled_from(list(Skal)),
    niva=st.sampled_from(list(Niva)),
    mote_on=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
)
def test_every_proposal_is_a_decision_the_minutes_accept(skal, niva, mote_on):
    """Every reason at every nivå proposes a decision that passes the minutes' own check."""
    beslut = proposed_beslut(proposed_decision(skal, niva), niva, mote_on)
    if PROPOSED_DECISION[skal] is None:
        assert beslut is None
    else:
        assert beslut is not None
        assert decision_problem(beslut, niva, mote_on) is None


@given(
    forslag=st.sampled_from(list(BeslutTyp)),
    niva=st.sampled_from(list(Niva)),
    mote_on=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
)
def test_a_stale_proposal_still_gives_a_valid_decision_at_the_brists_nivå_now(
    forslag, niva, mote_on
):
    """An agenda proposed before the brist was escalated fills the minutes with a valid one."""
    beslut = proposed_beslut(forslag, niva, mote_on)
    assert beslut is None or decision_problem(beslut, niva, mote_on) is None
    if forslag in (BeslutTyp.ATGARD, BeslutTyp.LYFTA) and decision_allowed_at(forslag, niva):
        assert beslut is None  # what and who / to whom: only the group can say


@given(
    forslag=st.sampled_from(list(BeslutTyp)),
    niva=st.sampled_from(list(Niva)),
)
def test_a_brist_closed_since_the_agenda_is_proposed_information(forslag, niva):
    assert proposed_beslut(forslag, niva, MOTE_ON, is_closed=True) == Beslut(BeslutTyp.INFORMATION)


def test_unanswered_reminders_propose_bevaka_at_central_nivå_and_escalation_below():
    assert proposed_decision(Skal.ESKALERING, Niva.HANDLAGGARE) == BeslutTyp.ESKALERA
    assert proposed_decision(Skal.ESKALERING, Niva.LOKAL) == BeslutTyp.ESKALERA
    assert proposed_decision(Skal.ESKALERING, Niva.CENTRAL) == BeslutTyp.BEVAKA


def test_a_proposed_escalation_goes_one_level_up():
    assert proposed_beslut(BeslutTyp.ESKALERA, Niva.LOKAL, MOTE_ON).till_niva == Niva.CENTRAL
    assert proposed_beslut(BeslutTyp.ESKALERA, Niva.HANDLAGGARE, MOTE_ON).till_niva == Niva.LOKAL


def test_a_proposed_bevaka_is_watched_until_about_the_next_meeting():
    beslut = proposed_beslut(BeslutTyp.BEVAKA, Niva.CENTRAL, MOTE_ON)
    assert beslut.senast_on == MOTE_ON + timedelta(days=PROPOSED_BEVAKA_DAYS)


def test_a_proposed_closure_is_atgardad():
    assert proposed_beslut(BeslutTyp.AVSLUTA, Niva.LOKAL, MOTE_ON).utfall == Utfall.ATGARDAD


def test_a_central_brist_with_unanswered_reminders_gets_a_savable_proposal_on_the_agenda():
    lage = brist(1, niva=Niva.CENTRAL, escalation_proposed=True)
    (punkt,) = [p for p in propose_dagordning(dagordning(lage)) if p.brist_id == 1]
    assert punkt.skal == (Skal.ESKALERING,) and punkt.forslag == BeslutTyp.BEVAKA


def test_a_lift_is_valid_at_central_nivå_with_a_body():
    assert decision_problem(LYFT, Niva.CENTRAL, MOTE_ON) is None


@pytest.mark.parametrize("niva", [Niva.HANDLAGGARE, Niva.LOKAL])
def test_a_lift_below_central_nivå_is_refused(niva):
    field, message = decision_problem(LYFT, niva, MOTE_ON)
    assert field == "typ" and "central nivå" in message


@pytest.mark.parametrize(
    ("beslut", "field"),
    [
        (replace(LYFT, organ_typ=None), "organ_typ"),
        (replace(LYFT, organ_namn=""), "organ_namn"),
        (replace(LYFT, organ_namn="  \n "), "organ_namn"),
    ],
)
def test_a_lift_needs_the_kind_and_name_of_the_body(beslut, field):
    assert decision_problem(beslut, Niva.CENTRAL, MOTE_ON)[0] == field


def test_a_lift_kind_is_allowed_only_at_central_nivå():
    assert [n for n in Niva if decision_allowed_at(BeslutTyp.LYFTA, n)] == [Niva.CENTRAL]
    assert [n for n in Niva if not decision_allowed_at(BeslutTyp.ESKALERA, n)] == [Niva.CENTRAL]


def test_the_body_answers_within_working_days_of_the_meeting():
    calendar = swedish_calendar(2026, 2027)
    # Thursday 10 December 2026: 30 working days skip Christmas, New Year and Epiphany.
    day = lyft_svar_senast(date(2026, 12, 10), 30, calendar)
    assert day == date(2027, 1, 28)  # counted by hand: 9 in December, 21 in January
    assert calendar.is_working_day(day)


@given(
    mote_on=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=1, max_value=60),
)
def test_the_answer_deadline_is_a_working_day_after_the_meeting(mote_on, days):
    calendar = swedish_calendar(2025, 2031)
    due = lyft_svar_senast(mote_on, days, calendar)
    assert due > mote_on and calendar.is_working_day(due)
    working = [
        mote_on + timedelta(days=n)
        for n in range(1, (due - mote_on).days + 1)
        if calendar.is_working_day(mote_on + timedelta(days=n))
    ]
    assert len(working) == days


LIFTED = date(2026, 12, 10)
TODAY = date(2027, 1, 5)


@pytest.mark.parametrize(
    ("svar_on", "text", "field"),
    [
        (None, "Svar", "svar_on"),
        (LIFTED - timedelta(days=1), "Svar", "svar_on"),
        (TODAY + timedelta(days=1), "Svar", "svar_on"),
        (TODAY, "   ", "text"),
    ],
)
def test_a_recorded_answer_from_the_body_is_checked(svar_on, text, field):
    assert organ_svar_problem(svar_on, text, LIFTED, TODAY)[0] == field


@pytest.mark.parametrize("svar_on", [LIFTED, TODAY])
def test_an_answer_on_the_day_of_the_lift_or_today_is_fine(svar_on):
    assert organ_svar_problem(svar_on, "Tas upp i förbundets styrelse.", LIFTED, TODAY) is None
