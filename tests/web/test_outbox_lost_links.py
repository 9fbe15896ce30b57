"""The admin's outbox page for a failed request whose answer link was removed: no "Skicka
igen", a reason instead, a refused single resend and a bulk resend that says what it left."""

import lxml.html
import pytest

from systemfel.extensions import db
from systemfel.notifications.domain import OutboxStatus
from systemfel.notifications.models import SECRET_REMOVED, OutboxMessage
from tests.web.test_outbox_admin import _status

REASON = "svarslänken i det togs bort när det inte gick att leverera"


def _text(response) -> str:
    return " ".join(lxml.html.fromstring(response.get_data(as_text=True)).text_content().split())


@pytest.fixture
def failed(app):
    """A request that failed for good (its link removed) and a digest that failed too."""
    made = {}
    with app.app_context():
        for name, key, secret in (
            ("request", "kontakt:1", SECRET_REMOVED),
            ("digest", "digest:1:2026-11-02", ""),
        ):
            message = OutboxMessage(
                idempotency_key=key,
                to_addresses="registrator@fk.example",
                subject=f"Ämne {name}",
                body_text=f"Svara här: http://127.0.0.1:5000/svar/{SECRET_REMOVED}",
                status=OutboxStatus.FAILED,
                attempts=1,
                refused={"registrator@fk.example": "550 5.1.1 No such user"},
                secret=secret,
            )
            db.session.add(message)
            db.session.flush()
            made[name] = message.id
        db.session.commit()
        db.session.remove()
    return made


def test_a_request_without_its_link_offers_no_resend_and_says_why(app, login, failed):
    admin = login("admin")
    page = admin.get(f"/admin/utskick/{failed['request']}")
    assert "Skicka igen" not in _text(page)
    assert REASON in _text(page)
    assert "Skicka igen" in _text(admin.get(f"/admin/utskick/{failed['digest']}"))

    response = admin.post(f"/admin/utskick/{failed['request']}/skicka-igen")
    assert response.status_code == 302
    assert REASON in _text(admin.get(response.headers["Location"]))
    assert _status(app, failed["request"]) == OutboxStatus.FAILED


def test_bulk_resend_leaves_requests_without_their_link_and_says_how_many(app, login, failed):
    admin = login("admin")
    response = admin.post("/admin/utskick/skicka-om", {"kind": "", "recipient": ""})
    assert response.status_code == 302
    page = _text(admin.get(response.headers["Location"]))
    assert "1 meddelande skickas igen." in page
    assert f"1 meddelande skickades inte igen: {REASON}" in page
    assert _status(app, failed["request"]) == OutboxStatus.FAILED
    assert _status(app, failed["digest"]) == OutboxStatus.PENDING
