"""Issue 13, item 7: the smaller items, each as the user meets it on a page."""

from datetime import timedelta

import lxml.html

from systemfel.auth.models import User
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Status
from systemfel.brister.models import Brist
from systemfel.clock import local_today
from systemfel.extensions import db
from systemfel.followups import services as followups_services
from systemfel.followups.domain import Kanal
from systemfel.verksamheter.scope import Scope
from tests.web.test_bad_input import assert_refused, value

NO_CONTACT = "Bristen har ingen kontakt med en myndighet ännu."


def _status(app, brist_id: int) -> Status:
    with app.app_context():
        status = db.session.get(Brist, brist_id).status
        db.session.remove()
    return status


# --- "Lyft med myndighet" needs a contact ----------------------------------------------------


def test_lyft_without_a_contact_is_refused_beside_the_field(app, world, login):
    ombud = login("ombud")
    response = ombud.post(
        f"/brister/{world.brist.id}/status",
        {"status": "lyft", "comment": "Ringde", "version": "1"},
    )
    doc = assert_refused(response, "status", NO_CONTACT)
    assert value(doc, "comment") == "Ringde"  # what was typed is kept
    assert _status(app, world.brist.id) == Status.REGISTRERAD
    # The brist page agrees: not raised, and the status says so too.
    page = ombud.get(f"/brister/{world.brist.id}").get_data(as_text=True)
    assert "Bristen har inte lyfts med någon myndighet ännu." in page


def test_lyft_after_a_contact_is_allowed(app, world, login):
    with app.app_context():
        brist = db.session.get(Brist, world.brist.id)
        followups_services.raise_with_myndighet(
            brist=brist, user=db.session.get(User, world.users["ombud"].id),
            scope=Scope.everything(), myndighet=brist.myndighet,
            contacted_on=local_today() - timedelta(days=1), kanal=Kanal.TELEFON,
            summary="Ringde handläggaren.", send_email=False, answer_due_on=None,
        )  # fmt: skip
        db.session.commit()
        version = brist.version
        db.session.remove()
    ombud = login("ombud")
    moved = ombud.post(
        f"/brister/{world.brist.id}/status", {"status": "bevakas", "version": str(version)}
    )
    assert moved.status_code == 302
    back = ombud.post(
        f"/brister/{world.brist.id}/status", {"status": "lyft", "version": str(version + 1)}
    )
    assert back.status_code == 302, back.get_data(as_text=True)[:2000]
    assert _status(app, world.brist.id) == Status.LYFT
    page = ombud.get(f"/brister/{world.brist.id}").get_data(as_text=True)
    assert "Bristen har inte lyfts med någon myndighet ännu." not in page


# --- "Skicka från systemet" needs a mailbox --------------------------------------------------


def _send_box(body: str):
    doc = lxml.html.fromstring(body)
    box = doc.xpath('//input[@name="send_email"]')
    assert box, "no send_email box"
    hint = doc.xpath('//*[@id="send_email-hint"]')
    return box[0], (hint[0].text_content() if hint else "")


def _set_mailbox(app, world, address: str) -> None:
    with app.app_context():
        brist = db.session.get(Brist, world.brist.id)
        brist.myndighet.epost = address
        db.session.commit()
        db.session.remove()


def test_sending_is_not_offered_to_an_ombud_without_a_mailbox(app, world, login):
    body = login("ombud").get(f"/brister/{world.brist.id}/kontakt").get_data(as_text=True)
    box, hint = _send_box(body)
    assert box.get("disabled") is not None
    assert box.get("aria-describedby") == "send_email-hint"
    assert "ingen funktionsbrevlåda" in hint
    assert "Be samordnaren eller administratören" in hint
    assert "/admin/" not in lxml.html.tostring(box.getparent()).decode()  # she cannot go there


def test_a_samordnare_is_shown_where_to_add_the_mailbox(app, world, login):
    body = login("samordnare").get(f"/brister/{world.brist.id}/kontakt").get_data(as_text=True)
    box, hint = _send_box(body)
    assert box.get("disabled") is not None
    assert f'href="/admin/verksamheter/{world.home.id}/myndigheter"' in body
    assert "Lägg till brevlådan under Administration" in hint


def test_with_a_mailbox_sending_is_offered_without_a_hint(app, world, login):
    _set_mailbox(app, world, "samverkan@fk.example")
    body = login("ombud").get(f"/brister/{world.brist.id}/kontakt").get_data(as_text=True)
    box, hint = _send_box(body)
    assert box.get("disabled") is None and hint == ""


def test_sending_anyway_is_refused_with_advice_an_ombud_can_follow(app, world, login):
    response = login("ombud").post(
        f"/brister/{world.brist.id}/kontakt",
        {
            "myndighet_id": str(world.brist.myndighet_id),
            "contacted_on": local_today().isoformat(),
            "kanal": "epost",
            "summary": "Besluten saknar motivering.",
            "send_email": "y",
        },
    )
    assert_refused(response, "send_email", "be samordnaren eller administratören")
    assert "under Administration" not in response.get_data(as_text=True).split("error-summary")[1]


# --- "Observerad N gånger" agrees with the rows ----------------------------------------------


def _observation_rows(body: str) -> list[str]:
    doc = lxml.html.fromstring(body)
    return [
        row.text_content() for row in doc.xpath('//section[@aria-labelledby="obs-title"]//tbody/tr')
    ]


def _list_times(body: str, brist_id: int) -> str:
    doc = lxml.html.fromstring(body)
    row = doc.xpath(f'//tr[.//a[@href="/brister/{brist_id}"]]')
    assert row, "the brist is not in the list"
    return [cell.text_content().strip() for cell in row[0].xpath("./td[@class='num']")][0]


def test_observed_once_is_the_registration_row(app, world, login):
    ombud = login("ombud")
    body = ombud.get(f"/brister/{world.brist.id}").get_data(as_text=True)
    assert "1 gång," in body
    rows = _observation_rows(body)
    assert len(rows) == 1 and "vid registreringen" in rows[0]
    assert _list_times(ombud.get("/brister").get_data(as_text=True), world.brist.id) == "1"


def test_observed_count_agrees_with_the_rows_after_an_observation(app, world, login):
    ombud = login("ombud")
    with app.app_context():
        brister_services.add_observation(
            brist=db.session.get(Brist, world.brist.id),
            user=db.session.get(User, world.users["ombud"].id),
            scope=Scope.everything(), observed_on=local_today(), antal_klienter=3,
            anteckning="Igen.",
        )  # fmt: skip
        db.session.commit()
        db.session.remove()
    body = ombud.get(f"/brister/{world.brist.id}").get_data(as_text=True)
    rows = _observation_rows(body)
    assert len(rows) == 2
    assert "2 gånger, 5 klienter totalt" in body  # 2 at registration, 3 now
    assert _list_times(ombud.get("/brister").get_data(as_text=True), world.brist.id) == "2"
