"""Parsing the lists an administrator types in: functional e-mail addresses and kommuner."""

import pytest

from systemfel.verksamheter.domain import parse_emails, parse_kommuner


@pytest.mark.parametrize(
    ("text", "emails"),
    [
        ("", []),
        ("   \n\n  ", []),
        ("po@kommun.se", ["po@kommun.se"]),
        ("a@x.se\nb@y.se", ["a@x.se", "b@y.se"]),
        ("a@x.se, b@y.se", ["a@x.se", "b@y.se"]),
        ("a@x.se; b@y.se", ["a@x.se", "b@y.se"]),
        ("  a@x.se  \r\n\tb@y.se\t\n", ["a@x.se", "b@y.se"]),
        ("a@x.se,,\n;\nb@y.se,", ["a@x.se", "b@y.se"]),
        ("a@x.se, b@y.se\nc@z.se; d@w.se", ["a@x.se", "b@y.se", "c@z.se", "d@w.se"]),
    ],
)
def test_parse_emails(text, emails):
    assert parse_emails(text) == emails


@pytest.mark.parametrize(
    ("text", "kommuner"),
    [
        ("", []),
        (" ,\n , ", []),
        ("Malmö", ["Malmö"]),
        ("Malmö\nLund", ["Malmö", "Lund"]),
        ("Malmö, Lund,Eslöv", ["Malmö", "Lund", "Eslöv"]),
        ("  Malmö  \r\n\tLund \n", ["Malmö", "Lund"]),
        ("Malmö, Lund\nEslöv, Höör", ["Malmö", "Lund", "Eslöv", "Höör"]),
        ("Upplands Väsby", ["Upplands Väsby"]),
    ],
)
def test_parse_kommuner_splits_and_trims(text, kommuner):
    assert parse_kommuner(text) == kommuner


def test_parse_kommuner_drops_repeats_case_insensitively_keeping_the_first():
    assert parse_kommuner("Malmö\nMALMÖ, malmö\nLund\n lund ") == ["Malmö", "Lund"]


def test_parse_kommuner_compares_after_trimming():
    assert parse_kommuner("Örebro,  örebro  ") == ["Örebro"]


def test_parse_kommuner_keeps_order_of_first_appearance():
    assert parse_kommuner("Lund, Malmö, lund, Eslöv") == ["Lund", "Malmö", "Eslöv"]
