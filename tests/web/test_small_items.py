"""Issue 13, item 7: the smaller items, each as the user meets it on a page."""

from datetime import timedelta

from systemfel.auth.models import User
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
