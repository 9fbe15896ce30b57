"""From's display name, the Message-ID domain and counted nouns, as plain functions."""

import email
import email.policy
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from systemfel.notifications.delivery import MAX_LINE, as_bytes, build, from_header, mail_domain
from systemfel.notifications.domain import counted, sender_name

NOW = datetime(2026, 12, 2, 8, tzinfo=UTC)


def _message(**values):
    base = {
        "sender_name": "",
        "reply_to": "",
        "recipients": ["a@fk.example"],
        "subject": "Ämne",
        "idempotency_key": "kontakt:1",
        "body_text": "Hej",
        "body_html": None,
        "attachments": [],
    }
    return SimpleNamespace(**(base | values))


@pytest.mark.parametrize(
    ("number", "text"),
    [(0, "0 bevakningar"), (1, "1 bevakning"), (2, "2 bevakningar"), (21, "21 bevakningar")],
)
def test_counted_says_the_noun_in_singular_only_for_one(number, text):
    assert counted(number, "bevakning", "bevakningar") == text


@pytest.mark.parametrize(
    ("config", "domain"),
    [
        ({"MAIL_FROM": "Systemfel <noreply@po.example.se>", "MAIL_DOMAIN": ""}, "po.example.se"),
        ({"MAIL_FROM": "noreply@po.example.se", "MAIL_DOMAIN": " mail.x.se "}, "mail.x.se"),
        ({"MAIL_FROM": "broken", "MAIL_DOMAIN": ""}, "systemfel"),
    ],
)
def test_the_message_id_domain_is_configured_or_mail_froms(config, domain):
    assert mail_domain(config) == domain


def test_system_mail_keeps_mail_froms_name_and_has_no_reply_to():
    mail = build(_message(), "Systemfel <noreply@po.example.se>", NOW, "po.example.se")
    assert str(mail["From"]) == "Systemfel <noreply@po.example.se>"
    assert mail["Reply-To"] is None
    assert str(from_header("noreply@po.example.se", "")) == "Systemfel <noreply@po.example.se>"


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")),
        min_size=1,
        max_size=200,  # the column's length
    ).filter(lambda name: name.strip())
)
def test_any_verksamhet_name_gives_a_from_that_parses_strictly_with_that_name(name):
    mail = build(
        _message(sender_name=sender_name(name), reply_to="po@kommun.se"),
        "Systemfel <noreply@po.example.se>",
        NOW,
        "po.example.se",
    )
    raw = as_bytes(mail)
    assert max(len(line) for line in raw.split(b"\r\n")) <= MAX_LINE
    parsed = email.message_from_bytes(raw, policy=email.policy.strict)
    [sender] = parsed["From"].addresses
    assert sender.addr_spec == "noreply@po.example.se"
    assert sender.display_name == sender_name(name)
    assert not parsed["From"].defects
    assert parsed["Reply-To"].addresses[0].addr_spec == "po@kommun.se"
    assert parsed["Date"].datetime == NOW
