"""Issue 13 on the meeting pages: a meeting guards itself before it has started."""

from datetime import datetime, time, timedelta

import pytest
import time_machine

from systemfel.clock import STOCKHOLM
from systemfel.meetings.domain import MotesStatus
from tests.web import test_meetings_web
from tests.web.test_meetings_web import (
    DAY,
    _mote,
    _propose_and_faststall,
    _protokoll_data,
    _punkter,
)

planned = test_meetings_web.planned

START = datetime.combine(DAY, time(13), STOCKHOLM)


@pytest.fixture
def before_start():
    with time_machine.travel(START - timedelta(minutes=1), tick=False):
        yield


def test_the_minutes_page_before_the_start_says_when_and_offers_no_saving(
    app, planned, login, before_start
):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    page = samordnare.get(f"/moten/{planned['mote']}/protokoll").get_data(as_text=True)
    assert "Mötet har inte börjat än" in page
    assert "Spara protokollet och verkställ besluten" not in page
    assert "Spara utkast" not in page


@pytest.mark.parametrize("button", [{"spara": "1"}, {"verkstall": "1"}])
def test_minutes_posted_before_the_start_are_refused_and_nothing_is_applied(
    app, planned, login, before_start, button
):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    response = samordnare.post(
        f"/moten/{planned['mote']}/protokoll", _protokoll_data(app, planned, **button)
    )
    assert response.status_code == 302
    assert _mote(app, planned["mote"]).status == MotesStatus.DAGORDNING_FASTSTALLD
    assert all(p.anteckning == "" for p in _punkter(app, planned["mote"]))
    page = samordnare.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mötet har inte börjat än" in page


def test_from_the_start_minute_the_minutes_are_saved(app, planned, login):
    with time_machine.travel(START, tick=False):
        samordnare = login("samordnare")
        _propose_and_faststall(app, planned, samordnare)
        response = samordnare.post(
            f"/moten/{planned['mote']}/protokoll", _protokoll_data(app, planned, spara="1")
        )
    assert response.status_code == 302
    assert _punkter(app, planned["mote"])[0].anteckning == "Anteckning 0"
