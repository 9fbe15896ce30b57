"""6 c: the measures a year's report lists, chosen from the brister's history (no app, no
database), and 6 a's routines per verksamhet in the frozen JSON."""

import json
from datetime import date

from systemfel.brister.domain import Niva, Utfall
from systemfel.followups.domain import SvarTyp
from systemfel.reports.domain import (
    BristFacts,
    Counts,
    Example,
    HandelseSteg,
    Kind,
    Measure,
    MeasureDraft,
    MeasureEdit,
    RapportDocument,
    Routine,
    chosen_measures,
    document_from_dict,
    document_to_dict,
    measure_draft_from_dict,
    measure_draft_to_dict,
    measure_rows,
    select_measures,
    without,
)

YEAR = 2026
NACKA, SOLNA = "PO Nacka", "PO Solna"


def _brist(
    brist_id: int,
    nummer: str,
    titel: str,
    myndighet: str,
    *handelser: HandelseSteg,
    verksamhet: str = NACKA,
) -> BristFacts:
    return BristFacts(
        brist_id=brist_id,
        nummer=nummer,
        titel=titel,
        summary="",
        verksamhet=verksamhet,
        myndighet=myndighet,
        omrade="",
        first_niva=Niva.HANDLAGGARE,
        handelser=(HandelseSteg(date(YEAR, 1, 10), Kind.REGISTERED, antal_klienter=1), *handelser),
    )


def closed(on: date, utfall: Utfall, ref: str, text: str = "", into: int | None = None):
    return HandelseSteg(on, Kind.CLOSED, utfall=utfall, text=text, ref=ref, merged_into_id=into)


def reopened(on: date) -> HandelseSteg:
    return HandelseSteg(on, Kind.REOPENED, ref="")


def answer(on: date, svar: SvarTyp, ref: str, myndighet: str, text: str = "") -> HandelseSteg:
    return HandelseSteg(on, Kind.ANSWER, svar=svar, text=text, myndighet=myndighet, ref=ref)


def decision(on: date, beslut: str, ref: str, note: str = "", till: Niva | None = None):
    return HandelseSteg(
        on,
        Kind.DECISION,
        text=f"Beslut i Ledningsgruppen {on}: …",
        ref=ref,
        beslut=beslut,
        grupp="Ledningsgruppen",
        till_niva=till,
        note=note,
    )


def seed_year() -> list[BristFacts]:
    """The kinds of brister of the seed documents, each with a year of history."""
    return [
        # Housing: the kommun closed it as åtgärdad, with the words of the closing.
        _brist(
            1,
            "SF-2026-0001",
            "Bostad saknas efter utskrivning",
            "Nacka kommun",
            closed(date(YEAR, 9, 14), Utfall.ATGARDAD, "handelse:11", "Ny boendesamordnare."),
        ),
        # Utförsäkrade: a promise, then a measure reported by the agency.
        _brist(
            2,
            "SF-2026-0002",
            "Utförsäkrade utan inkomst",
            "Försäkringskassan",
            answer(date(YEAR, 3, 2), SvarTyp.ATGARD_UTLOVAD, "svar:21", "Försäkringskassan"),
            answer(
                date(YEAR, 5, 2),
                SvarTyp.ATGARDAT,
                "svar:22",
                "Försäkringskassan",
                "En kontaktperson för ombuden.",
            ),
        ),
        # Psychiatry continuity: an information-only decision, then one of kind åtgärd.
        _brist(
            3,
            "SF-2026-0003",
            "Brist på kontinuitet i psykiatrin",
            "Region Stockholm",
            decision(date(YEAR, 2, 5), "information", "handelse:31", "Lägesrapport."),
            decision(date(YEAR, 4, 9), "atgard", "handelse:32", "Möte med verksamhetschefen."),
        ),
        # Gode män: closed as delvis åtgärdad, then reopened in the year: no measure.
        _brist(
            4,
            "SF-2026-0004",
            "Gode män saknas",
            "Överförmyndaren",
            closed(date(YEAR, 6, 1), Utfall.DELVIS_ATGARDAD, "handelse:41"),
            reopened(date(YEAR, 8, 20)),
        ),
        # Long handläggningstider: escalated by the ledningsgrupp.
        _brist(
            5,
            "SF-2026-0005",
            "Långa handläggningstider",
            "Försäkringskassan",
            decision(
                date(YEAR, 10, 7), "eskalera", "handelse:51", "Skrivelse till FK.", Niva.CENTRAL
            ),
        ),
        # Digitalisation: closed as not åtgärdad; its 2025 closing is not this year's.
        _brist(
            6,
            "SF-2026-0006",
            "Digitala tjänster utestänger",
            "Arbetsförmedlingen",
            closed(date(YEAR, 11, 3), Utfall.EJ_ATGARDAD, "handelse:61"),
        ),
    ]


def test_the_seed_year_lists_only_what_was_done_dated_when_it_happened() -> None:
    assert select_measures(seed_year(), YEAR) == [
        Measure(
            "handelse:32",
            date(YEAR, 4, 9),
            "Brist på kontinuitet i psykiatrin: Ledningsgruppen beslutade om en åtgärd. "
            "Möte med verksamhetschefen.",
            "beslut",
            ((NACKA, "SF-2026-0003"),),
        ),
        Measure(
            "svar:22",
            date(YEAR, 5, 2),
            "Utförsäkrade utan inkomst: Försäkringskassan har åtgärdat bristen. "
            "En kontaktperson för ombuden.",
            "svar",
            ((NACKA, "SF-2026-0002"),),
        ),
        Measure(
            "handelse:11",
            date(YEAR, 9, 14),
            "Bostad saknas efter utskrivning: bristen är åtgärdad. Ny boendesamordnare.",
            "stangning",
            ((NACKA, "SF-2026-0001"),),
        ),
        Measure(
            "handelse:51",
            date(YEAR, 10, 7),
            "Långa handläggningstider: Ledningsgruppen beslutade att eskalera bristen till "
            "central nivå. Skrivelse till FK.",
            "beslut",
            ((NACKA, "SF-2026-0005"),),
        ),
    ]


def test_a_closing_reopened_only_the_next_year_stands_in_its_year() -> None:
    brist = _brist(
        7,
        "SF-2026-0007",
        "Gode män saknas",
        "Överförmyndaren",
        closed(date(YEAR, 12, 30), Utfall.DELVIS_ATGARDAD, "handelse:71"),
        reopened(date(YEAR + 1, 1, 5)),
    )
    assert [m.text for m in select_measures([brist], YEAR)] == [
        "Gode män saknas: bristen är delvis åtgärdad."
    ]
    assert select_measures([brist], YEAR + 1) == []


def test_measures_of_other_years_are_not_listed() -> None:
    assert select_measures(seed_year(), YEAR + 1) == []


def test_the_same_decision_for_several_brister_is_one_measure_naming_each() -> None:
    on = date(YEAR, 4, 9)
    brister = [
        _brist(1, "SF-2026-0001", "Bostad saknas", "Nacka kommun",
               decision(on, "atgard", "handelse:12", "Handlingsplan för boende.")),
        _brist(2, "SF-2026-0002", "Utförsäkrade", "Försäkringskassan",
               decision(on, "atgard", "handelse:9", "Handlingsplan för boende.")),
        _brist(3, "SF-2026-0003", "Psykiatrin", "Region Stockholm",
               decision(on, "atgard", "handelse:13")),
        _brist(4, "SF-2026-0004", "Gode män", "Överförmyndaren",
               decision(on, "atgard", "handelse:14")),
    ]  # fmt: skip
    assert [(m.key, m.text, m.brister) for m in select_measures(brister, YEAR)] == [
        (
            "handelse:12",
            "Bostad saknas; Utförsäkrade: Ledningsgruppen beslutade om en åtgärd. "
            "Handlingsplan för boende.",
            ((NACKA, "SF-2026-0001"), (NACKA, "SF-2026-0002")),
        ),
        # Without words of their own, two decisions of a day are two measures.
        ("handelse:13", "Psykiatrin: Ledningsgruppen beslutade om en åtgärd.",
         ((NACKA, "SF-2026-0003"),)),
        ("handelse:14", "Gode män: Ledningsgruppen beslutade om en åtgärd.",
         ((NACKA, "SF-2026-0004"),)),
    ]  # fmt: skip


def test_a_roll_up_names_the_verksamhet_and_does_not_repeat_an_answer() -> None:
    on = date(YEAR, 5, 2)
    words = "Nytt arbetssätt för utförsäkrade."
    brister = [
        _brist(1, "SF-2026-0002", "Utförsäkrade", "Försäkringskassan",
               answer(on, SvarTyp.ATGARDAT, "svar:5", "Försäkringskassan", words)),
        _brist(2, "SF-2026-0002", "Utförsäkrade", "Försäkringskassan",
               answer(on, SvarTyp.ATGARDAT, "svar:6", "Försäkringskassan", words),
               verksamhet=SOLNA),
    ]  # fmt: skip
    assert [(m.text, m.brister) for m in select_measures(brister, YEAR)] == [
        (
            "Utförsäkrade: Försäkringskassan har åtgärdat bristen. Nytt arbetssätt för "
            "utförsäkrade.",
            ((NACKA, "SF-2026-0002"), (SOLNA, "SF-2026-0002")),
        )
    ]


def test_a_merged_brist_speaks_through_the_one_it_was_merged_into() -> None:
    words = "Förenklad ansökan."
    on = date(YEAR, 6, 3)
    source = _brist(
        1, "SF-2026-0001", "Ansökan krånglig", "Försäkringskassan",
        answer(on, SvarTyp.ATGARDAT, "svar:1", "Försäkringskassan", words),
        closed(date(YEAR, 7, 1), Utfall.SAMMANSLAGEN, "handelse:2", into=2),
    )  # fmt: skip
    target = _brist(
        2, "SF-2026-0005", "Långa handläggningstider", "Försäkringskassan",
        answer(on, SvarTyp.ATGARDAT, "svar:3", "Försäkringskassan", words),
        closed(date(YEAR, 9, 1), Utfall.ATGARDAD, "handelse:4"),
    )  # fmt: skip
    assert [(m.key, m.text, m.brister) for m in select_measures([source, target], YEAR)] == [
        (
            "svar:1",
            "Långa handläggningstider: Försäkringskassan har åtgärdat bristen. Förenklad ansökan.",
            ((NACKA, "SF-2026-0005"),),
        ),
        (
            "handelse:4",
            "Långa handläggningstider: bristen är åtgärdad.",
            ((NACKA, "SF-2026-0005"),),
        ),
    ]


def test_the_samordnare_leaves_out_edits_reorders_and_adds() -> None:
    selected = select_measures(seed_year(), YEAR)
    own = Measure("manuell:abc", date(YEAR, 3, 1), "Mottagningstelefon öppnad.", "manuell",
                  verksamhet=NACKA)  # fmt: skip
    draft = MeasureDraft(
        edits={
            "svar:22": MeasureEdit(include=False),
            "handelse:11": MeasureEdit(text="Boendesamordnare anställd i Nacka."),
        },
        order=("handelse:51", "handelse:11", "gone:1"),
        manual=(own,),
    )
    assert [(m.key, m.text) for m in chosen_measures(selected, draft)] == [
        ("handelse:51", selected[3].text),
        ("handelse:11", "Boendesamordnare anställd i Nacka."),
        ("manuell:abc", "Mottagningstelefon öppnad."),
        ("handelse:32", selected[0].text),
    ]
    rows = measure_rows(selected, draft)
    left_out = [row for row in rows if not row.include]
    assert [row.measure.key for row in left_out] == ["svar:22"]
    assert rows[1].drafted == selected[2].text
    assert measure_draft_from_dict(json.loads(json.dumps(measure_draft_to_dict(draft)))) == draft


def _document(**more) -> RapportDocument:
    counts = Counts(0, 0, 0, {}, {})
    return RapportDocument(
        year=YEAR,
        verksamheter=(NACKA, SOLNA),
        kommuner=(),
        has_routines=False,
        introduction="",
        closing="",
        sections=(),
        summaries={},
        counts=counts,
        previous=counts,
        examples=(Example(date(YEAR, 5, 2), "SF-2026-0002", "Gammalt exempel.", "svar", NACKA),),
        **more,
    )


def test_a_frozen_document_keeps_its_measures_and_routines() -> None:
    measures = tuple(select_measures(seed_year(), YEAR))
    routines = (Routine(NACKA, True, "Rutin för brister sedan 2024."), Routine(SOLNA, False))
    document = _document(measures=measures, routines=routines)
    again = document_from_dict(json.loads(json.dumps(document_to_dict(document))))
    assert again.shown_measures() == measures
    assert again.routine_answers() == routines


def test_a_version_frozen_before_measures_lists_its_examples() -> None:
    stored = document_to_dict(_document())
    assert "measures" not in stored
    assert "routines" not in stored
    old = document_from_dict(stored)
    assert old.shown_measures() == (
        Measure("exempel:0", date(YEAR, 5, 2), "Gammalt exempel.", "svar",
                ((NACKA, "SF-2026-0002"),)),
    )  # fmt: skip
    assert old.routine_answers() == (Routine(NACKA, False), Routine(SOLNA, False))


def test_a_roll_up_names_the_verksamhet_of_every_measure_in_the_text() -> None:
    from systemfel.reports.documents import rapport_text

    measures = (
        Measure("manuell:1", date(YEAR, 3, 1), "Handlingsplan antagen.", "manuell",
                verksamhet=SOLNA),
        Measure("svar:5", date(YEAR, 5, 2), "Utförsäkrade: FK har åtgärdat bristen.", "svar",
                ((NACKA, "SF-2026-0002"), (SOLNA, "SF-2026-0002"))),
    )  # fmt: skip
    lines = rapport_text(_document(measures=measures)).splitlines()
    start = lines.index("6 c Exempel på åtgärder som vidtagits") + 3
    assert lines[start : start + 2] == [
        f"- 2026-03-01 {SOLNA}: Handlingsplan antagen.",
        f"- 2026-05-02 {NACKA} SF-2026-0002, {SOLNA} SF-2026-0002: "
        "Utförsäkrade: FK har åtgärdat bristen.",
    ]


def test_a_left_out_brist_has_no_measures_and_a_shared_one_names_only_the_rest() -> None:
    """The report takes the brister left out away before it selects (as for 6 b and the
    counts): their measures are not selected, a shared one names only the brister still in,
    and one naming none of them is not there."""
    on = date(YEAR, 4, 9)
    brister = [
        _brist(1, "SF-2026-0001", "Bostad saknas", "Nacka kommun",
               decision(on, "atgard", "handelse:12", "Handlingsplan för boende."),
               closed(date(YEAR, 9, 14), Utfall.ATGARDAD, "handelse:15")),
        _brist(2, "SF-2026-0002", "Utförsäkrade", "Försäkringskassan",
               decision(on, "atgard", "handelse:9", "Handlingsplan för boende.")),
        _brist(3, "SF-2026-0003", "Psykiatrin", "Region Stockholm",
               decision(on, "atgard", "handelse:13")),
    ]  # fmt: skip
    shown = [(m.key, m.brister) for m in select_measures(brister, YEAR)]
    assert shown == [
        ("handelse:12", ((NACKA, "SF-2026-0001"), (NACKA, "SF-2026-0002"))),
        ("handelse:13", ((NACKA, "SF-2026-0003"),)),
        ("handelse:15", ((NACKA, "SF-2026-0001"),)),
    ]
    shown = [(m.key, m.text, m.brister) for m in select_measures(without(brister, {1}), YEAR)]
    assert shown == [
        ("handelse:9", "Utförsäkrade: Ledningsgruppen beslutade om en åtgärd. "
         "Handlingsplan för boende.", ((NACKA, "SF-2026-0002"),)),
        ("handelse:13", "Psykiatrin: Ledningsgruppen beslutade om en åtgärd.",
         ((NACKA, "SF-2026-0003"),)),
    ]  # fmt: skip
    shown = [(m.key, m.brister) for m in select_measures(without(brister, {1, 2}), YEAR)]
    assert shown == [("handelse:13", ((NACKA, "SF-2026-0003"),))]
    assert select_measures(without(brister, {1, 2, 3}), YEAR) == []
