"""Every kind of message the app writes, as a real mail client reads it.

Each kind is written by the real service or sweep, delivered over SMTP to a real server, and
parsed from its bytes with Python's `email` package: with `policy.default` and — for the
headers — `policy.strict`, which raises on any defect. Checked: Date (the moment of sending),
Message-ID on MAIL_DOMAIN, From with a display name, Reply-To the verksamhet's mailbox (none
for system mail), no header defects, and every link on BASE_URL.
"""

import email
import email.policy
import re
from datetime import date, datetime
from email.headerregistry import Address
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from systemfel.auth.domain import Role
from systemfel.extensions import db
from systemfel.followups import services
from systemfel.followups.domain import SvarTyp
from systemfel.followups.jobs import sweep_digests, sweep_myndighet_paminnelser
from systemfel.followups.myndighetsbrev import sweep_myndighetsbrev
from systemfel.meetings import services as meetings
from systemfel.notifications.jobs import send_due_messages
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.domain import Sammandrag
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.integration.conftest import MAILBOX, T0, at

PUBLIC = "https://systemfel.example.se"
MAILBOX_OF_VERKSAMHET = "po@bevakning.example"
LINK = re.compile(r"https?://[^\s<>\"]+")
SENT_AT = at(date(2026, 12, 2), 9, 0)  # a Wednesday in office hours


@pytest.fixture
def public(app, monkeypatch):
    """BASE_URL as production has it; MAIL_DOMAIN set apart from MAIL_FROM's domain."""
    monkeypatch.setitem(app.config, "BASE_URL", PUBLIC)
    monkeypatch.setitem(app.config, "MAIL_DOMAIN", "mail.systemfel.example.se")


def _every_kind(scene) -> dict[str, str]:
    """Write one message of every kind; return the outbox key of each, by kind."""
    scene.verksamhet.epost = MAILBOX_OF_VERKSAMHET
    first = scene.email_request(now=T0)
    second = scene.email_request(brist=scene.new_brist(titel="Ingen når handläggaren"), now=T0)
    db.session.commit()
    scene.myndighet.sammandrag = Sammandrag.VECKOVIS
    db.session.commit()
    assert sweep_myndighetsbrev(now=at(date(2026, 11, 9), 8, 0)) == 1
    scene.myndighet.sammandrag = Sammandrag.AV
    db.session.commit()
    services.acknowledge_receipt(
        kontakt=first, handlaggare="Enhet Syd", diarienummer="", now=at(date(2026, 11, 10))
    )
    services.record_answer(
        kontakt=second,
        typ=SvarTyp.EJ_VART_ANSVAR,
        text="Frågan hör till kommunen.",
        diarienummer="",
        promised_on=None,
        responsible_body="Kommunen",
        now=at(date(2026, 11, 11)),
    )
    db.session.commit()
    assert sweep_myndighet_paminnelser(now=at(date(2026, 12, 1), 8, 0)) == 1
    services.open_bevakning(scene.brist).due_on = date(2026, 11, 16)
    db.session.commit()
    assert sweep_digests(now=at(date(2026, 12, 2), 8, 0)) >= 1
    samordnare = factories.UserFactory(
        email="samordnare@bevakning.example",
        namn="Sara Samordnare",
        role=Role.SAMORDNARE,
        verksamheter=[scene.verksamhet],
    )
    _, _, mote = factories.settled_mote(scene.verksamhet, samordnare)
    meetings.send_dagordning(
        mote=mote,
        url=f"{PUBLIC}/moten/{mote.id}",
        scope=Scope.everything(),
        user=samordnare,
        now=T0,
    )
    db.session.commit()
    keys = list(db.session.scalars(select(OutboxMessage.idempotency_key)))
    kinds = {
        "request": f"kontakt:{first.id}",
        "letter": next(k for k in keys if k.startswith("myndighetsbrev:")),
        "receipt": f"svar:mottaget:{first.id}",
        "answer": next(k for k in keys if k.startswith("svar:") and "mottaget" not in k),
        "reminder": f"paminnelse:{first.id}:1",
        "digest": f"digest:{scene.ombud.id}:2026-12-02",
        "agenda": next(k for k in keys if k.startswith("agenda:")),
    }
    assert set(kinds.values()) <= set(keys), keys
    return kinds


def _strict_headers(raw: bytes) -> email.message.EmailMessage:
    """Parse with policy.strict: a defect in any header raises instead of being noted."""
    message = email.message_from_bytes(raw, policy=email.policy.strict)
    for name, value in message.items():
        assert not value.defects, (name, value, value.defects)
    return message


def test_every_kind_of_message_has_the_headers_real_clients_need(app, scene, smtp_server, public):
    kinds = _every_kind(scene)
    assert send_due_messages(now=SENT_AT) == len(db.session.scalars(select(OutboxMessage.id)).all())
    by_key = {
        key: smtp_server.with_key(re.sub(r"[^A-Za-z0-9.-]", ".", key)) for key in kinds.values()
    }
    for kind, key in kinds.items():
        [got] = by_key[key]
        assert got.raw, kind
        mail = email.message_from_bytes(got.raw, policy=email.policy.default)
        strict = _strict_headers(got.raw)
        assert not mail.defects, (kind, mail.defects)
        # Date: the moment of sending, RFC 5322.
        assert parsedate_to_datetime(str(mail["Date"])) == SENT_AT, kind
        assert strict["Date"].datetime == SENT_AT
        # Message-ID: stable per message (the outbox key), on the configured domain.
        message_id = str(mail["Message-ID"])
        assert re.fullmatch(r"<[A-Za-z0-9.-]+@mail\.systemfel\.example\.se>", message_id), kind
        # From: a display name, the configured sender address.
        [sender] = strict["From"].addresses
        assert sender.addr_spec == "noreply@systemfel.invalid"
        if kind == "digest":  # to our own ombud, about several verksamheters' work: system mail
            assert sender.display_name == "Systemfel"
            assert mail["Reply-To"] is None
        else:
            assert sender.display_name == "PO Bevakning via Systemfel", kind
            [reply_to] = strict["Reply-To"].addresses
            assert reply_to.addr_spec == MAILBOX_OF_VERKSAMHET, kind
        assert mail["Subject"] and mail["To"]
        # 7-bit headers (RFC 2047 words) to a server that was not asked for SMTPUTF8, and no
        # subject that a client shows with a leading space.
        assert got.raw.split(b"\r\n\r\n", 1)[0].isascii(), kind
        assert str(mail["Subject"]) == str(mail["Subject"]).strip(), kind
        # Every link is on BASE_URL, whoever wrote the message (web or scheduler).
        body = mail.get_body(preferencelist=("plain",)).get_content()
        links = LINK.findall(body)
        assert links, kind
        assert all(link.startswith(f"{PUBLIC}/") for link in links), (kind, links)


def test_the_agenda_is_signed_by_the_samordnare_who_sends_it(app, scene, smtp_server, public):
    kinds = _every_kind(scene)
    send_due_messages(now=SENT_AT)
    [got] = smtp_server.with_key(re.sub(r"[^A-Za-z0-9.-]", ".", kinds["agenda"]))
    body = got.body
    assert body.rstrip().endswith("Med vänliga hälsningar\nSara Samordnare\nPO Bevakning"), body
    assert "Systemfel\n" not in body.split("Med vänliga hälsningar")[1]
    # The weekday is lower-case mid-sentence in the subject, capitalised where a line opens.
    subject = str(got.message["Subject"])
    assert re.match(r"Dagordning: Ledningsgruppen (måndag|tisdag|onsdag|torsdag|fredag) ", subject)
    assert re.search(r"^Tid: (Måndag|Tisdag|Onsdag|Torsdag|Fredag) ", body, re.MULTILINE)


def test_a_verksamhet_without_a_mailbox_has_the_ombud_reply(app, scene, smtp_server, public):
    scene.email_request(now=T0)
    db.session.commit()
    send_due_messages(now=SENT_AT)
    [got] = smtp_server.received
    assert _strict_headers(got.raw)["Reply-To"].addresses == (Address(addr_spec=scene.ombud.email),)


@pytest.mark.parametrize(("items", "subject"), [(1, "1 bevakning"), (2, "2 bevakningar")])
def test_the_digest_subject_counts_in_singular_and_plural(app, scene, items, subject):
    for n in range(items):
        brist = scene.brist if n == 0 else scene.new_brist(titel=f"Brist {n}")
        services.open_bevakning(brist).due_on = date(2026, 11, 16)
    db.session.commit()
    assert sweep_digests(now=at(date(2026, 12, 2), 8, 0)) == 1
    [message] = db.session.scalars(select(OutboxMessage))
    assert message.subject == f"Systemfel: {subject} att följa upp"


def test_the_letter_to_a_myndighet_counts_in_singular(app, scene):
    scene.email_request(now=T0)
    scene.myndighet.sammandrag = Sammandrag.VECKOVIS
    db.session.commit()
    assert sweep_myndighetsbrev(now=at(date(2026, 11, 9), 8, 0)) == 1
    letter = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("myndighetsbrev:"))
    )
    assert letter.subject == "1 fråga som väntar på ert svar från PO Bevakning"


def test_the_message_id_domain_defaults_to_mail_froms(app, scene, smtp_server):
    assert app.config["MAIL_DOMAIN"] == ""
    scene.email_request(now=T0)
    db.session.commit()
    send_due_messages(now=datetime.fromisoformat("2026-11-02T10:00:00+01:00"))
    [got] = smtp_server.received
    assert str(got.message["Message-ID"]).endswith("@systemfel.invalid>")
    assert MAILBOX in got.rcpt_tos
