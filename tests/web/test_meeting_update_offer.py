"""Moving a meeting whose agenda was sent: the meeting page offers to send the update."""

import base64
from datetime import datetime, time

import icalendar
from sqlalchemy import select

from systemfel.clock import STOCKHOLM
from systemfel.extensions import db
from systemfel.notifications.models import OutboxMessage
from tests.sql import count_statements
from tests.web import test_meetings_web as meetings_web
from tests.web.test_meetings_web import DAY, _propose_and_faststall, _version

planned = meetings_web.planned  # the fixture: a group, two members, a planned meeting

OFFER = "Skicka ändringen till ledamöterna"


def _move(client, app, planned, hour: int):
    return client.post(
        f"/moten/{planned['mote']}/andra",
        {
            "datum": DAY.isoformat(),
            "starttid": f"{hour:02d}:00",
            "plats": "Stadshuset",
            "justerare_id": str(planned["member"]),
            "version": _version(app, planned["mote"]),
        },
    )


def _invitations(app) -> list[tuple[str, icalendar.Event]]:
    with app.app_context():
        found = []
        for message in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
            [(_, _, data)] = [a for a in message.attachments if a[0] == "kallelse.ics"]
            calendar = icalendar.Calendar.from_ical(base64.b64decode(data))
            found.append((message.subject, next(iter(calendar.walk("VEVENT")))))
        db.session.remove()
    return found


def test_a_moved_meeting_offers_the_update_to_its_samordnare_only(app, planned, login):
    client = login("samordnare")
    url = f"/moten/{planned['mote']}"
    _propose_and_faststall(app, planned, client)
    assert OFFER not in client.get(url).get_data(as_text=True)  # not sent: nothing to update
    client.post(f"{url}/dagordning/skicka", {"version": _version(app, planned["mote"])})
    assert OFFER not in client.get(url).get_data(as_text=True)  # sent, unchanged
    assert _move(client, app, planned, 15).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert OFFER in page and "Ledamöternas kalendrar visar fortfarande den gamla" in page
    assert OFFER not in login("ledningsgrupp").get(url).get_data(as_text=True)

    assert (
        client.post(
            f"{url}/dagordning/skicka", {"version": _version(app, planned["mote"])}
        ).status_code
        == 302
    )
    assert OFFER not in client.get(url).get_data(as_text=True)
    (first_subject, first), (subject, update) = _invitations(app)
    assert first_subject.startswith("Dagordning: ")
    assert subject.startswith("Ändrad tid eller plats: ")
    assert str(update["UID"]) == str(first["UID"])
    assert (int(first["SEQUENCE"]), int(update["SEQUENCE"])) == (0, 1)
    assert update["DTSTART"].dt == datetime.combine(DAY, time(15), STOCKHOLM)


def test_the_offer_costs_the_same_statements_moved_or_not(app, planned, login):
    client = login("samordnare")
    url = f"/moten/{planned['mote']}"
    _propose_and_faststall(app, planned, client)
    client.post(f"{url}/dagordning/skicka", {"version": _version(app, planned["mote"])})
    client.get(url)
    with count_statements(app) as unchanged:
        assert client.get(url).status_code == 200
    _move(client, app, planned, 15)
    with count_statements(app) as moved:
        assert OFFER in client.get(url).get_data(as_text=True)
    assert moved["n"] == unchanged["n"]
