"""The English catalogue is complete: every Swedish message has a translation in use."""

from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = (
    Path(__file__).resolve().parents[2] / "systemfel/translations/en/LC_MESSAGES/messages.po"
)


def test_every_message_is_translated_and_none_is_fuzzy():
    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle)
    missing = [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not all(message.string if isinstance(message.string, tuple) else [message.string])
        )
    ]
    assert missing == []
