"""'Ställ in mötet': on a second step, for the group's samordnare; a sent meeting's members
get METHOD:CANCEL (same UID, next SEQUENCE), read by icalendar and vobject alike."""

import base64

import icalendar
import pytest
import vobject
from sqlalchemy import select

from systemfel.extensions import db
from systemfel.meetings.domain import MotesStatus
from systemfel.meetings.models import Mote
from systemfel.notifications.models import OutboxMessage
from tests.sql import count_statements
from tests.web import test_meetings_web as meetings_web
from tests.web.test_meetings_web import MANAGE, ROLES, _propose_and_faststall, _version

planned = meetings_web.planned  # the fixture: a group, two members, a planned meeting


def _url(planned) -> str:
    return f"/moten/{planned['mote']}/stall-in"


def _mote(app, mote_id) -> Mote:
    with app.app_context():
        mote = db.session.get(Mote, mote_id)
        db.session.expunge(mote)
        db.session.remove()
    return mote


def _messages(app) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        for message in found:
            db.session.expunge(message)
        db.session.remove()
    return found


def _send(app, planned, client):
    _propose_and_faststall(app, planned, client)
    url = f"/moten/{planned['mote']}/dagordning/skicka"
    assert client.post(url, {"version": _version(app, planned["mote"])}).status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_only_the_groups_samordnare_or_an_admin_calls_a_meeting_off(app, planned, login, role):
    client = login(role)
    page = client.get(_url(planned))
    expected = 200 if role in MANAGE else 404 if role == "other_samordnare" else 403
    assert page.status_code == expected
    response = client.post(_url(planned), {"version": _version(app, planned["mote"])})
    assert response.status_code == (302 if role in MANAGE else expected)
    assert (_mote(app, planned["mote"]).cancelled_at is not None) == (role in MANAGE)


def test_the_second_step_says_what_happens_and_a_sent_meeting_is_cancelled_in_calendars(
    app, planned, login
):
    client = login("samordnare")
    _send(app, planned, client)
    meeting = client.get(f"/moten/{planned['mote']}").get_data(as_text=True)
    assert _url(planned) in meeting  # offered on the meeting page, done on its own page
    page = client.get(_url(planned)).get_data(as_text=True)
    assert "tar bort mötet ur deras kalendrar" in page and "Det går inte att ångra" in page
    assert _mote(app, planned["mote"]).cancelled_at is None  # looking changes nothing
    assert (
        client.post(_url(planned), {"version": _version(app, planned["mote"])}).status_code == 302
    )
    page = client.get(f"/moten/{planned['mote']}").get_data(as_text=True)
    assert "Mötet är inställt." in page
    assert "Skicka dagordningen" not in page and _url(planned) not in page

    invitation, cancellation = _messages(app)
    assert cancellation.subject.startswith("Inställt: Ledningsgruppen Hemma ")
    assert cancellation.recipients == ["lena@psykiatrin.example"]
    [(name, content_type, data)] = cancellation.attachments
    assert (name, content_type) == ("installt.ics", "text/calendar; method=CANCEL")
    raw = base64.b64decode(data)
    [(_, _, sent)] = [a for a in invitation.attachments if a[0] == "kallelse.ics"]
    first = next(iter(icalendar.Calendar.from_ical(base64.b64decode(sent)).walk("VEVENT")))
    calendar = icalendar.Calendar.from_ical(raw)
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == str(first["UID"]) == _mote(app, planned["mote"]).ics_uid
    assert int(event["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    parsed = vobject.readOne(raw.decode())
    assert parsed.method.value == "CANCEL"
    assert parsed.vevent.uid.value == str(first["UID"])
    assert parsed.vevent.status.value == "CANCELLED"

    feed = client.get(f"/ledningsgrupper/{planned['group']}/kalender/{planned['token']}.ics")
    [listed] = icalendar.Calendar.from_ical(feed.data).walk("VEVENT")
    assert str(listed["STATUS"]) == "CANCELLED"

    again = client.post(_url(planned), {"version": _version(app, planned["mote"])})
    assert again.status_code == 422 and "Mötet är inställt." in again.get_data(as_text=True)
    assert len(_messages(app)) == 2  # told once
    moved = client.post(
        f"/moten/{planned['mote']}/dagordning/skicka", {"version": _version(app, planned["mote"])}
    )
    assert moved.status_code == 302 and len(_messages(app)) == 2  # nothing to send any more


def test_an_unsent_meeting_is_called_off_without_mail(app, planned, login):
    client = login("samordnare")
    assert "ingen ledamot får något meddelande" in client.get(_url(planned)).get_data(as_text=True)
    assert (
        client.post(_url(planned), {"version": _version(app, planned["mote"])}).status_code == 302
    )
    assert _messages(app) == []


@pytest.mark.parametrize("version", ["", "x", "-1", "99999999999999999999", "0"])
def test_a_bad_or_stale_version_is_refused_and_nothing_changes(app, planned, login, version):
    response = login("samordnare").post(_url(planned), {"version": version})
    assert response.status_code in (409, 422)
    assert _mote(app, planned["mote"]).cancelled_at is None


def test_a_held_meeting_cannot_be_called_off(app, planned, login):
    with app.app_context():
        db.session.get(Mote, planned["mote"]).status = MotesStatus.GENOMFORT
        db.session.commit()
        db.session.remove()
    response = login("samordnare").post(_url(planned), {"version": _version(app, planned["mote"])})
    assert response.status_code == 422
    assert "kan inte ställas in" in response.get_data(as_text=True)
    assert _mote(app, planned["mote"]).cancelled_at is None


def test_the_second_step_costs_the_same_statements_sent_or_not(app, planned, login):
    client = login("samordnare")
    client.get(_url(planned))
    with count_statements(app) as unsent:
        assert client.get(_url(planned)).status_code == 200
    _send(app, planned, client)
    with count_statements(app) as sent:
        assert client.get(_url(planned)).status_code == 200
    assert sent["n"] == unsent["n"]
