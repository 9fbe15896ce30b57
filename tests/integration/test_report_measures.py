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
