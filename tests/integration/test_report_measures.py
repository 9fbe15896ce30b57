"""6 c from real history: closings, answers and ledningsgrupp decisions recorded through the
services, read back by the report queries (kinds and data, dated by when they happened)."""

from datetime import date

from systemfel.brister import history
from systemfel.brister.domain import HandelseTyp
from systemfel.extensions import db
from systemfel.followups import services as followups
from systemfel.followups.domain import SvarTyp
from systemfel.reports import services
from systemfel.verksamheter.scope import Scope
from tests.integration.conftest import at
from tests.integration.test_reports import Y1, Y2, year_of_brister  # noqa: F401 (a fixture)


def _decide(brist, beslut: str, on: date, text: str, **more) -> None:
    data = {"grupp": "LG Norr", "mote_on": on.isoformat(), "beslut": beslut, **more}
    history.record(
        brist, HandelseTyp.BESLUT, data, None, on, at(date(Y2, 12, 1)), text, touches_brist=False
    )


def _measures(scene, year: int) -> list[tuple[date, str]]:
    document, _ = services.generate(
        scope=Scope.everything(),
        verksamhet_ids=frozenset({scene.verksamhet.id}),
        year=year,
        rapport=None,
        threshold=3,
    )
    return [(measure.on, measure.text) for measure in document.shown_measures()]


def test_measures_come_from_the_history_dated_when_they_happened(scene, year_of_brister):  # noqa: F811
    escalated = year_of_brister["Eskalerad"]
    kontakt = scene.email_request(brist=escalated, now=at(date(Y2, 5, 3)))
    followups.record_answer(
        kontakt=kontakt,
        typ=SvarTyp.ATGARDAT,
        text="Handläggarna är utbildade.",
        diarienummer="",
        promised_on=None,
        responsible_body="",
        now=at(date(Y2, 6, 20)),
    )
    target = year_of_brister["Huvudbristen"]
    _decide(target, "information", date(Y2, 4, 14), "Lägesrapport.")
    _decide(target, "atgard", date(Y2, 4, 14), "Möte med FK.", ansvarig="Sara")
    _decide(target, "eskalera", date(Y2, 9, 8), "Brett problem.", till_niva="central")
    db.session.commit()

    assert _measures(scene, Y2) == [
        (date(Y2, 2, 3), "Över årsskiftet: bristen är åtgärdad. Rutinen ändrad."),
        (date(Y2, 4, 14), "Huvudbristen: LG Norr beslutade om en åtgärd. Möte med FK."),
        (
            date(Y2, 6, 20),
            "Eskalerad: Försäkringskassan har åtgärdat bristen. Handläggarna är utbildade.",
        ),
        (
            date(Y2, 9, 8),
            "Huvudbristen: LG Norr beslutade att eskalera bristen till central nivå. "
            "Brett problem.",
        ),
    ]
    # The closing reopened only the next year stands in its own year; the promise never does.
    assert _measures(scene, Y1) == [(date(Y1, 6, 1), "Kom tillbaka: bristen är åtgärdad.")]


def _shown(scene) -> tuple[list[str], list[str]]:
    """6 c of the draft as the document lists it, and the measures the edit form shows."""
    ids = frozenset({scene.verksamhet.id})
    document, _, rows = services.generate_for_editing(
        scope=Scope.everything(),
        verksamhet_ids=ids,
        year=Y2,
        rapport=services.draft_for(Scope.everything(), ids, Y2),
        threshold=3,
    )
    return [m.text for m in document.shown_measures()], [row.measure.text for row in rows]


def _leave_out(scene, brist, version: int, back: bool = False) -> None:
    verb = services.include_brist if back else services.exclude_brist
    more = {} if back else {"reason": "Registrerad av misstag"}
    verb(
        scope=Scope.everything(),
        verksamhet_ids=frozenset({scene.verksamhet.id}),
        year=Y2,
        brist_id=brist.id,
        expected_version=version,
        user=scene.ombud,
        **more,
    )
    db.session.commit()


def test_a_brist_left_out_of_the_report_takes_its_measures_with_it(scene, year_of_brister):  # noqa: F811
    target, escalated = year_of_brister["Huvudbristen"], year_of_brister["Eskalerad"]
    _decide(target, "atgard", date(Y2, 4, 14), "Handlingsplan med FK.")
    _decide(escalated, "atgard", date(Y2, 4, 14), "Handlingsplan med FK.")
    db.session.commit()
    closing = "Över årsskiftet: bristen är åtgärdad. Rutinen ändrad."
    plan = "LG Norr beslutade om en åtgärd. Handlingsplan med FK."
    both = "; ".join(b.titel for b in sorted([target, escalated], key=lambda b: b.nummer))
    shared = f"{both}: {plan}"
    assert _shown(scene) == ([closing, shared], [closing, shared])

    # One of the two left out: the shared measure names only the other.
    _leave_out(scene, escalated, 0)
    assert _shown(scene) == ([closing, f"Huvudbristen: {plan}"],) * 2
    # Both left out: the measure is gone; so is a closing of a brist left out.
    _leave_out(scene, target, 1)
    _leave_out(scene, year_of_brister["Över årsskiftet"], 2)
    assert _shown(scene) == ([], [])
    # Taken back in, its measures are back.
    _leave_out(scene, escalated, 3, back=True)
    assert _shown(scene) == ([f"Eskalerad: {plan}"],) * 2
