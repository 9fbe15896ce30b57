"""Issue 13's rules of a meeting that guards itself (no app, no database)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from systemfel.brister.domain import Niva, Utfall
from systemfel.dbtypes import utcnow
from systemfel.meetings.domain import (
    DECISION_FIELDS,
    AgendaReach,
    Beslut,
    BeslutTyp,
    MoteRefused,
    OrganTyp,
    agenda_reach,
    check_started,
    decision_kinds_at,
    decision_problem,
    escalation_targets,
    has_started,
    only_fields_of,
    short_description,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def stockholm(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), STOCKHOLM)


# Spring forward (28 March 2027: 02:00 → 03:00) and fall back (31 October 2027: 03:00 → 02:00).
DST_STARTS = [
    stockholm(date(2027, 3, 28), 13),
    stockholm(date(2027, 3, 28), 3),
    stockholm(date(2027, 10, 31), 13),
    stockholm(date(2027, 10, 31), 1, 30),
    stockholm(date(2026, 12, 15), 13),
]


@pytest.mark.parametrize("starts_at", DST_STARTS)
def test_the_clock_around_the_start_decides(starts_at):
    """With the clock (time-machine) a second before, at and after the start, in any season."""
    for offset, started in ((-1, False), (0, True), (1, True)):
        # In UTC: aware arithmetic in Stockholm is wall-clock arithmetic and 03:00 - 1 s on the
        # spring-forward night is 02:59:59, an hour that does not exist.
        moment = starts_at.astimezone(UTC) + timedelta(seconds=offset)
        with time_machine.travel(moment, tick=False):
            now = utcnow()
            assert has_started(starts_at, now) is started
            if started:
                check_started(starts_at, now)
            else:
                with pytest.raises(MoteRefused, match="Mötet har inte börjat"):
                    check_started(starts_at, now)


def test_the_issues_case_two_weeks_early_is_refused():
    with time_machine.travel(stockholm(date(2026, 12, 1), 10), tick=False):
        with pytest.raises(MoteRefused):
            check_started(stockholm(date(2026, 12, 15), 13), utcnow())


def test_the_rule_compares_instants_not_wall_clock_readings():
    """01:30 to 03:30 local on the spring-forward night is one real hour; on the fall-back
    night 02:30 happens twice, and the meeting at the second 02:30 starts an hour later."""
    starts_at = stockholm(date(2027, 3, 28), 3, 30)
    half_past_one = stockholm(date(2027, 3, 28), 1, 30).astimezone(UTC)
    assert not has_started(starts_at, half_past_one + timedelta(minutes=59))
    assert has_started(starts_at, half_past_one + timedelta(hours=1))
    second = stockholm(date(2027, 10, 31), 2, 30).replace(fold=1)
    first = stockholm(date(2027, 10, 31), 2, 30).astimezone(UTC)
    assert not has_started(second, first)
    assert has_started(second, first + timedelta(hours=1))


@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1),
        max_value=datetime(2030, 12, 31),
        timezones=st.just(STOCKHOLM),
    ),
    st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=30)),
)
def test_started_exactly_when_now_is_not_before_the_start(starts_at, offset):
    now = starts_at.astimezone(UTC) + offset
    assert has_started(starts_at, now) == (offset >= timedelta(0))


# --- Eskaleras till: only higher levels -------------------------------------------------------


@pytest.mark.parametrize(
    ("niva", "targets"),
    [
        (Niva.HANDLAGGARE, (Niva.LOKAL, Niva.CENTRAL)),
        (Niva.LOKAL, (Niva.CENTRAL,)),
        (Niva.CENTRAL, ()),
    ],
)
def test_escalation_offers_only_higher_levels(niva, targets):
    assert escalation_targets(niva) == targets


@given(st.sampled_from(list(Niva)))
def test_every_offered_level_passes_the_decision_rule(niva):
    for target in escalation_targets(niva):
        beslut = Beslut(BeslutTyp.ESKALERA, till_niva=target)
        assert decision_problem(beslut, niva, date(2026, 12, 8)) is None
    refused = [n for n in Niva if n not in escalation_targets(niva)]
    for target in refused:
        beslut = Beslut(BeslutTyp.ESKALERA, till_niva=target)
        assert decision_problem(beslut, niva, date(2026, 12, 8)) is not None


# --- Who the agenda reaches -------------------------------------------------------------------


def test_members_without_e_mail_are_named_in_order():
    reach = agenda_reach([("Ann", "ann@x.se"), ("Bo", ""), ("Cia", "  "), ("Dan", "")])
    assert reach == AgendaReach(reached=1, total=4, missing=("Bo", "Cia", "Dan"))


def test_everyone_reached_names_no_one():
    assert agenda_reach([("Ann", "ann@x.se")]) == AgendaReach(1, 1, ())
    assert agenda_reach([]) == AgendaReach(0, 0, ())


# --- The minutes form shows and reads only the chosen decision's fields -----------------------

EVERYTHING = {
    "text": "Motivering",
    "ansvarig": "Försäkringskassan",
    "senast_on": date(2027, 3, 1),
    "till_niva": Niva.CENTRAL,
    "utfall": Utfall.ATGARDAD,
    "organ_typ": OrganTyp.ANNAT,
    "organ_namn": "Förbundet",
}


@given(st.sampled_from(list(BeslutTyp)))
def test_a_decision_keeps_only_its_own_kinds_fields_and_its_text(typ):
    kept = only_fields_of(Beslut(typ, **EVERYTHING))
    assert kept.typ == typ and kept.text == "Motivering"
    for name in ("ansvarig", "senast_on", "till_niva", "utfall", "organ_typ", "organ_namn"):
        value = getattr(kept, name)
        assert bool(value) == (name in DECISION_FIELDS[typ])


def test_every_field_the_decision_rule_asks_for_belongs_to_its_kind():
    """A kind's group in the form holds every field decision_problem may name for it."""
    for typ in BeslutTyp:
        problem = decision_problem(Beslut(typ), Niva.HANDLAGGARE, date(2026, 12, 8))
        problem = problem or decision_problem(Beslut(typ), Niva.CENTRAL, date(2026, 12, 8))
        if problem is not None and problem[0] not in ("typ", "text"):
            assert problem[0] in DECISION_FIELDS[typ]


def test_the_kinds_offered_follow_the_level():
    assert BeslutTyp.ESKALERA not in decision_kinds_at(Niva.CENTRAL)
    assert BeslutTyp.LYFTA in decision_kinds_at(Niva.CENTRAL)
    assert BeslutTyp.LYFTA not in decision_kinds_at(Niva.LOKAL)
    assert BeslutTyp.ESKALERA in decision_kinds_at(Niva.HANDLAGGARE)


# --- The agenda's short description of a brist ------------------------------------------------


@pytest.mark.parametrize(
    ("beskrivning", "kort"),
    [
        ("Beslut saknar motivering. Klienterna förstår inte.", "Beslut saknar motivering."),
        ("Vem ringer? Ingen vet.", "Vem ringer?"),
        ("Första raden\nandra raden", "Första raden"),
        ("  Version 2.1 av blanketten   saknas  ", "Version 2.1 av blanketten saknas"),
        ("", ""),
    ],
)
def test_the_short_description_is_the_first_sentence(beskrivning, kort):
    assert short_description(beskrivning) == kort


@given(st.text(), st.integers(min_value=10, max_value=300))
def test_the_short_description_is_short_and_on_one_line(text, limit):
    kort = short_description(text, limit)
    assert len(kort) <= limit
    assert "\n" not in kort and "  " not in kort
