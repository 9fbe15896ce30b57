"""The outbox for admins: partly delivered messages, sending again in bulk, the banner when a
fault in the SMTP settings has paused sending, and the health checks monitoring reads."""

from datetime import timedelta

import lxml.html
import pytest

from systemfel import create_app
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.notifications import services
from systemfel.notifications.domain import OutboxStatus
from systemfel.notifications.models import OutboxMessage
from tests.sql import count_statements

A, B = "registrator@fk.example", "kansli@fk.example"


def _doc(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def _message(app, key: str, status: OutboxStatus, **values) -> int:
    with app.app_context():
        message = OutboxMessage(
            idempotency_key=key,
            to_addresses=f"{A}\n{B}",
            subject=f"Ämne {key}",
            body_text="Hej",
            status=status,
            attempts=1,
            **values,
        )
        db.session.add(message)
        db.session.commit()
        made = message.id
        db.session.remove()
    return made


def _status(app, message_id: int) -> OutboxStatus:
    with app.app_context():
        status = db.session.get(OutboxMessage, message_id).status
        db.session.remove()
    return status


def test_a_partly_delivered_message_says_who_got_it_and_why_the_other_did_not(app, login):
    message_id = _message(
        app,
        "paminnelse:1:1",
        OutboxStatus.PARTLY,
        delivered_to=A,
        refused={B: "550 5.1.1 No such user"},
    )
    client = login("admin")
    page = _doc(client.get(f"/admin/utskick/{message_id}"))
    text = " ".join(page.text_content().split())
    assert "Delvis levererat" in text
    [delivered] = page.xpath('//dt[.="Levererat till"]/following-sibling::dd[1]')
    assert delivered.text_content() == A
    assert f"{B}: 550 5.1.1 No such user" in text

    assert client.post(f"/admin/utskick/{message_id}/skicka-igen").status_code == 302
    assert _status(app, message_id) == OutboxStatus.PENDING
    again = client.post(f"/admin/utskick/{message_id}/skicka-igen", follow_redirects=True)
    assert "väntar redan" in again.get_data(as_text=True)


def test_failed_messages_are_sent_again_in_bulk_by_kind_and_recipient(app, login):
    paminnelse = _message(app, "paminnelse:1:1", OutboxStatus.FAILED)
    digest = _message(app, "digest:1:2026-12-01", OutboxStatus.FAILED)
    sent = _message(app, "kontakt:1", OutboxStatus.SENT)
    client = login("admin")

    response = client.post("/admin/utskick/skicka-om", {"kind": "paminnelse", "recipient": B})
    assert response.status_code == 302
    assert "1 meddelande skickas igen." in client.get("/admin/utskick/").get_data(as_text=True)
    assert [_status(app, m) for m in (paminnelse, digest, sent)] == [
        OutboxStatus.PENDING,
        OutboxStatus.FAILED,
        OutboxStatus.SENT,
    ]
    client.post("/admin/utskick/skicka-om", {"kind": "", "recipient": ""})
    assert _status(app, digest) == OutboxStatus.PENDING


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "påhittat", "recipient": ""}, "kind", "Inte ett giltigt val"),
        ({"kind": "", "recipient": "inte en adress"}, "recipient", "Ange en e-postadress."),
        ({"kind": "", "recipient": "a" * 400 + "@x.se"}, "recipient", "320"),
    ],
)
def test_bulk_resend_refuses_bad_input_next_to_the_field(app, login, data, field, message):
    failed = _message(app, "paminnelse:1:1", OutboxStatus.FAILED)
    response = login("admin").post("/admin/utskick/skicka-om", data)
    assert response.status_code == 422
    doc = _doc(response)
    [error] = doc.xpath(f'//p[@id="{field}-error"]')
    assert message in error.text_content()
    if data["recipient"]:
        assert doc.xpath('//input[@id="recipient"]/@value') == [data["recipient"]]
    assert _status(app, failed) == OutboxStatus.FAILED


def _pause(app, reason: str = "535 5.7.8 Authentication credentials invalid") -> None:
    with app.app_context():
        services.pause_sending(reason, utcnow())
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("url", ["/admin/", "/admin/utskick/", "/brister", "/ledningsgrupper"])
def test_admins_see_a_paused_sending_on_every_page(app, login, url):
    _pause(app)
    page = login("admin").get(url, follow_redirects=True).get_data(as_text=True)
    assert "E-post skickas inte sedan" in page
    assert "535 5.7.8 Authentication credentials invalid" in page


@pytest.mark.parametrize("role", ["ombud", "samordnare"])
def test_others_are_not_shown_the_smtp_fault(app, login, role):
    _pause(app)
    page = login(role).get("/brister").get_data(as_text=True)
    assert "E-post skickas inte" not in page


def test_no_banner_while_sending_works(app, login):
    assert "E-post skickas inte" not in login("admin").get("/admin/").get_data(as_text=True)


def test_readyz_reports_a_paused_sending_and_a_scheduler_that_does_not_run(app, client):
    body = client.get("/readyz").get_json()
    assert body["status"] == "ok"
    assert body["mail"]["sending"] == "ok"
    assert body["mail"]["scheduler"] == "not running"  # it has never run

    _message(app, "kontakt:1", OutboxStatus.PENDING)
    _pause(app)
    with app.app_context():
        services.note_run(utcnow())
        db.session.remove()
    response = client.get("/readyz")
    assert response.status_code == 200
    mail = response.get_json()["mail"]
    assert (mail["sending"], mail["scheduler"], mail["pending"]) == ("paused", "ok", 1)
    assert "535" not in response.get_data(as_text=True)  # states and counts, not server text

    with app.app_context():
        services.note_run(utcnow() - timedelta(minutes=10))
        db.session.remove()
    assert client.get("/readyz").get_json()["mail"]["scheduler"] == "not running"


def test_readyz_is_503_when_the_database_cannot_be_reached(tmp_path, monkeypatch):
    monkeypatch.setenv("SYSTEMFEL_INSTANCE_PATH", str(tmp_path))
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    app = create_app("testing", overrides={"DATABASE_URL": unreachable})
    with app.test_client() as http:
        assert http.get("/healthz").status_code == 200
        response = http.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("partly", [False, True])
def test_the_outbox_page_reads_the_same_statements_however_many_messages(app, login, partly):
    status = OutboxStatus.PARTLY if partly else OutboxStatus.SENT
    admin = login("admin")
    _message(app, "kontakt:0", status)
    admin.get("/admin/utskick/")  # warm up
    with count_statements(app) as few:
        assert admin.get("/admin/utskick/").status_code == 200
    for n in range(1, 31):
        _message(app, f"kontakt:{n}", status)
    with count_statements(app) as many:
        assert admin.get("/admin/utskick/").status_code == 200
    assert many["n"] == few["n"] <= 6


def _fingerprint(node) -> str:
    with node.test_client() as http:
        seen = http.get("/readyz").get_json()["secret_key"]
    with node.app_context():
        db.engine.dispose()
    return seen


def test_readyz_shows_whether_two_nodes_share_the_secret_key(app, client, tmp_path, monkeypatch):
    fingerprint = client.get("/readyz").get_json()["secret_key"]
    monkeypatch.setenv("SYSTEMFEL_INSTANCE_PATH", str(tmp_path))
    url = app.config["DATABASE_URL"]
    same = create_app("testing", overrides={"DATABASE_URL": url})
    other = create_app("testing", overrides={"DATABASE_URL": url, "SECRET_KEY": "another-key"})
    assert _fingerprint(same) == fingerprint
    assert _fingerprint(other) != fingerprint
    assert len(fingerprint) == 12 and app.config["SECRET_KEY"] not in fingerprint
