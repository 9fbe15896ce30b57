"""The invitation and the group's feed, as two independent calendar parsers read them.

`icalendar` (which writes them) and `vobject` (which does not) each parse the invitation as
the member's mail client gets it over SMTP, and the feed as a calendar subscribing to it
gets it: ORGANIZER a mailto: with CN, ATTENDEE with CN and RSVP, DESCRIPTION with the agenda
or a link, a UUID-based UID stable per meeting, DTSTAMP, VTIMEZONE for Europe/Stockholm,
SEQUENCE; moving a sent meeting sends the update with the same UID and SEQUENCE + 1.
"""

import re
from datetime import timedelta

import icalendar
import pytest
import vobject

from systemfel.auth.domain import Role
from systemfel.extensions import db
from systemfel.meetings import services as meetings
from systemfel.notifications.jobs import send_due_messages
from systemfel.verksamheter.scope import Scope
from tests import factories

PUBLIC = "https://systemfel.example.se"
UUID_UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}@systemfel")


@pytest.fixture
def sent(app, ctx, smtp_server, monkeypatch):
    """A settled meeting of PO Kalender (mailbox po@kalender.example), its agenda sent."""
    monkeypatch.setitem(app.config, "BASE_URL", PUBLIC)
    verksamhet = factories.verksamhet("PO Kalender")
    verksamhet.epost = "po@kalender.example"
    samordnare = factories.UserFactory(
        email="sam@kalender.example",
        namn="Sam Ordnare",
        role=Role.SAMORDNARE,
        verksamheter=[verksamhet],
    )
    group, member, mote = factories.settled_mote(verksamhet, samordnare)
    meetings.add_member(
        scope=Scope.everything(),
        group=group,
        namn="Utan Adress",
        organisation="FK",
        epost="",
        user=None,
    )
    meetings.send_dagordning(
        mote=mote, url=f"{PUBLIC}/moten/{mote.id}", scope=Scope.everything(), user=samordnare
    )
    db.session.commit()
    send_due_messages()
    return {"mote": mote, "group": group, "member": member, "samordnare": samordnare}


def _invitations(smtp_server) -> list[bytes]:
    found = []
    for got in smtp_server.received:
        for part in got.message.iter_attachments():
            if part.get_filename() == "kallelse.ics":
                assert part.get_content_type() == "text/calendar"
                assert part.get_param("method") == "REQUEST"
                found.append(part.get_payload(decode=True))
    return found


def _check_with_icalendar(raw: bytes, mote, *, sequence: int, method: str) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(raw)
    assert str(calendar["METHOD"]) == method
    [timezone] = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Europe/Stockholm"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == mote.ics_uid and UUID_UID.fullmatch(mote.ics_uid)
    assert int(event["SEQUENCE"]) == sequence
    assert event["DTSTAMP"].dt.tzinfo is not None
    assert event["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert event["DTSTART"].dt == mote.starts_at
    return event


def test_the_invitation_reads_the_same_in_icalendar_and_vobject(sent, smtp_server):
    mote = sent["mote"]
    [raw] = _invitations(smtp_server)  # one member has an address, one has none
    event = _check_with_icalendar(raw, mote, sequence=0, method="REQUEST")
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:po@kalender.example"
    assert organizer.params["CN"] == "Ledningsgruppen"
    [attendee] = (
        [event["ATTENDEE"]] if not isinstance(event["ATTENDEE"], list) else event["ATTENDEE"]
    )
    assert str(attendee) == "mailto:lena@example.org"
    assert (attendee.params["CN"], attendee.params["RSVP"]) == ("Lena", "TRUE")
    description = str(event["DESCRIPTION"])
    assert "§ 1 " in description
    assert f"{PUBLIC}/moten/{mote.id}" in description

    parsed = vobject.readOne(raw.decode("utf-8"))
    assert parsed.method.value == "REQUEST"
    assert parsed.vtimezone.tzid.value == "Europe/Stockholm"
    vevent = parsed.vevent
    assert vevent.uid.value == mote.ics_uid
    assert int(vevent.sequence.value) == 0
    assert vevent.dtstamp.value.tzinfo is not None
    assert vevent.dtstart.value == mote.starts_at  # aware, through the VTIMEZONE
    assert vevent.organizer.value == "mailto:po@kalender.example"
    assert vevent.organizer.params["CN"] == ["Ledningsgruppen"]
    [vattendee] = vevent.attendee_list
    assert vattendee.value == "mailto:lena@example.org"
    assert (vattendee.params["CN"], vattendee.params["RSVP"]) == (["Lena"], ["TRUE"])
    assert "§ 1 " in vevent.description.value and f"/moten/{mote.id}" in vevent.description.value


def test_moving_a_sent_meeting_sends_an_update_with_the_same_uid_and_the_next_sequence(
    app, sent, smtp_server
):
    mote = sent["mote"]
    uid = mote.ics_uid
    assert not meetings.was_sent_before_change(mote)
    fields = meetings.MoteFields(
        mote.starts_at + timedelta(days=1), None, "Stadshuset, sal 2", mote.justerare
    )
    meetings.update_mote(
        mote=mote, fields=fields, expected_version=mote.version, scope=Scope.everything()
    )
    db.session.commit()
    assert meetings.was_sent_before_change(mote)  # the meeting page offers the update
    meetings.send_dagordning(
        mote=mote,
        url=f"{PUBLIC}/moten/{mote.id}",
        scope=Scope.everything(),
        user=sent["samordnare"],
    )
    db.session.commit()
    assert not meetings.was_sent_before_change(mote)
    send_due_messages()
    first, update = _invitations(smtp_server)
    event = _check_with_icalendar(update, mote, sequence=1, method="REQUEST")
    assert str(event["UID"]) == uid == mote.ics_uid
    assert str(event["LOCATION"]) == "Stadshuset, sal 2"
    assert int(vobject.readOne(update.decode()).vevent.sequence.value) == 1
    subject = str(smtp_server.received[-1].message["Subject"])
    assert subject.startswith("Ändrad tid eller plats: Ledningsgruppen ")


def test_the_feed_reads_the_same_in_both_parsers_and_names_no_one(app, sent):
    mote, group = sent["mote"], sent["group"]
    response = app.test_client().get(f"/ledningsgrupper/{group.id}/kalender/{group.ics_token}.ics")
    assert response.status_code == 200
    event = _check_with_icalendar(response.data, mote, sequence=0, method="PUBLISH")
    assert "ATTENDEE" not in event and "ORGANIZER" not in event  # a shared address: no people
    assert str(event["DESCRIPTION"]) == f"Mötet i Systemfel: {PUBLIC}/moten/{mote.id}"
    assert str(event["URL"]) == f"{PUBLIC}/moten/{mote.id}"
    parsed = vobject.readOne(response.get_data(as_text=True))
    assert parsed.vevent.uid.value == mote.ics_uid
    assert parsed.vtimezone.tzid.value == "Europe/Stockholm"
    assert parsed.vevent.dtstamp.value.tzinfo is not None


def test_every_meeting_has_its_own_uid(app, sent):
    other = factories.settled_mote(factories.verksamhet("PO Annan"), sent["samordnare"])[2]
    assert other.ics_uid != sent["mote"].ics_uid
    assert UUID_UID.fullmatch(other.ics_uid)
