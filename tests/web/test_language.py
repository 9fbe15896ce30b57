"""One vocabulary, both languages: dates, the history's lines and the UI's words per locale."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale

from systemfel import dates
from systemfel.brister import history
from systemfel.brister.domain import HISTORY_SCHEMA, HandelseTyp, check_history_data
from systemfel.brister.models import Handelse
from systemfel.errors import FieldError
from systemfel.formtools import worded
from systemfel.i18n import N_
from systemfel.reports import wording
from systemfel.reports.domain import CHANGE_KINDS, ChangeFact

ROOT = Path(__file__).resolve().parents[2]

# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "day", "expected"),
    [
        ("sv", date(2026, 12, 15), "2026-12-15"),
        ("en", date(2026, 12, 15), "15 Dec 2026"),
        ("sv", "2026-01-05", "2026-01-05"),
        ("en", "2026-01-05", "5 Jan 2026"),
        ("en", "not a date", "not a date"),  # a stored fact is shown, never refused
        ("en", None, ""),
    ],
)
def test_a_day_is_written_the_way_its_language_writes_it(app, locale, day, expected):
    with app.test_request_context(), force_locale(locale):
        assert dates.day(day) == expected


@pytest.mark.parametrize(
    ("locale", "moment", "expected"),
    [
        # 13:00 UTC is 14:00 in Stockholm in winter, 15:00 in summer.
        ("sv", datetime(2026, 12, 15, 13, 0, tzinfo=UTC), "2026-12-15 14:00"),
        ("en", datetime(2026, 12, 15, 13, 0, tzinfo=UTC), "15 Dec 2026, 14:00"),
        ("sv", datetime(2026, 6, 1, 13, 5, tzinfo=UTC), "2026-06-01 15:05"),
        ("en", datetime(2026, 6, 1, 13, 5, tzinfo=UTC), "1 Jun 2026, 15:05"),
        # Stockholm's day, not UTC's: 23:30 UTC on New Year's Eve is already next year.
        ("en", datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "1 Jan 2027, 00:30"),
    ],
)
def test_a_moment_is_stockholm_time_in_the_readers_language(app, locale, moment, expected):
    with app.test_request_context(), force_locale(locale):
        assert dates.moment(moment) == expected


def test_the_template_filters_use_the_same_formats(app):
    with app.test_request_context(), force_locale("en"):
        env = app.jinja_env
        rendered = env.from_string("{{ d | datum }} / {{ t | tidpunkt }}").render(
            d=date(2026, 12, 15), t=datetime(2026, 12, 15, 13, 0, tzinfo=UTC)
        )
    assert rendered == "15 Dec 2026 / 15 Dec 2026, 14:00"
    assert "12/15/26" not in rendered and "PM" not in rendered


# --- history lines ---------------------------------------------------------------------------

# One example of the facts each kind stores (names are plain ASCII so that any Swedish
# letter in an English line comes from the app's own wording).
EXAMPLES: dict[HandelseTyp, dict] = {
    HandelseTyp.REGISTRERAD: {"niva": "lokal"},
    HandelseTyp.ANDRAD: {
        "fields": [
            ["niva", "handlaggare", "lokal"],
            ["first_observed_on", "2026-01-02", "2026-01-05"],
        ]
    },
    HandelseTyp.OBSERVATION: {"antal_klienter": 3},
    HandelseTyp.ESKALERAD: {"from": "lokal", "to": "central"},
    HandelseTyp.STATUS: {"from": "registrerad", "to": "lyft"},
    HandelseTyp.STANGD: {"from": "lyft", "utfall": "sammanslagen", "merged_into_nummer": "SF-1"},
    HandelseTyp.ATEROPPNAD: {"to": "registrerad", "utfall": "atgardad"},
    HandelseTyp.SAMMANSLAGEN_HIT: {"nummer": "SF-2026-0002"},
    HandelseTyp.UPPFOLJNING: {"from": "2026-12-01", "to": "2026-12-15"},
    HandelseTyp.BEVAKNING_FLYTTAD: {"from": "2026-12-01", "to": "2026-12-15", "cause": "utlovat"},
    HandelseTyp.KONTAKT: {"myndighet": "FK Nacka", "kanal": "epost"},
    HandelseTyp.SVAR: {
        "myndighet": "FK Nacka",
        "svar": "atgard_utlovad",
        "promised_on": "2026-12-15",
        "responsible_body": "CSN",
        "diarienummer": "12-345",
    },
    HandelseTyp.PAMINNELSE: {"myndighet": "FK Nacka", "number": 2},
    HandelseTyp.ESKALERING_FORESLAS: {"myndighet": "FK Nacka", "reminders": 2},
    HandelseTyp.LANK_ATERKALLAD: {"myndighet": "FK Nacka"},
    HandelseTyp.MOTTAGET: {"myndighet": "FK Nacka", "handlaggare": "Eva", "diarienummer": "1"},
    HandelseTyp.KLOCKA_PAUSAD: {
        "myndighet": "FK Nacka",
        "orsak": "komplettering",
        "due": "2026-12-15",
        "days_left": 4,
    },
    HandelseTyp.KLOCKA_ATERUPPTAGEN: {
        "myndighet": "FK Nacka",
        "paused_on": "2026-12-01",
        "to": "2026-12-15",
        "days_left": 4,
    },
    HandelseTyp.TAS_UPP_I_LEDNINGSGRUPP: {"marked": False},
    HandelseTyp.BESLUT: {
        "grupp": "LG Nacka",
        "mote_on": "2026-12-15",
        "beslut": "lyfta",
        "organ_namn": "SKR",
        "svar_senast_on": "2027-01-15",
        "ansvarig": "Eva",
        "senast_on": "2027-01-31",
    },
    HandelseTyp.ORGAN_SVAR: {"organ_namn": "SKR", "svar_on": "2026-12-15"},
    HandelseTyp.UPPGIFT_BORTTAGEN: {"fields": ["titel", "beskrivning"]},
    HandelseTyp.NOTERING: {},
    HandelseTyp.EFTERKONTROLL: {"svar": "haller", "closed_on": "2026-12-15", "handelse_id": 1},
    HandelseTyp.UTELAMNAD_UR_RAPPORT: {"year": 2026, "scope": "1"},
    HandelseTyp.MED_I_RAPPORT_IGEN: {"year": 2026, "scope": "1"},
}

# Words that give a Swedish line away (whole words, case-insensitive), and Swedish letters.
SWEDISH_WORDS = (
    "och",
    "av",
    "till",
    "från",
    "efter",
    "har",
    "inte",
    "svarade",
    "påminnelse",
    "bevakning",
    "brist",
    "myndighet",
    "nivå",
    "klienter",
    "beslut",
    "stängd",
    "redovisningen",
    "arbetsdagar",
    "kvar",
    "senast",
    "ansvarig",
    "handläggare",
    "sammanslagen",
    "återtaget",
    "lokal",
    "utfall",
    "datum",
    "enligt",
    "klart",
    "rubrik",
    "beskrivning",
    "årsrapporten",
)
SWEDISH = re.compile(r"\b(" + "|".join(SWEDISH_WORDS) + r")\b|[åäöÅÄÖ]", re.IGNORECASE)


def _entry(kind: HandelseTyp) -> Handelse:
    data = EXAMPLES[kind]
    check_history_data(kind, data)  # the example is facts the app could have stored
    changes = [["Status", "Ny", "Lyft"]] if kind == HandelseTyp.NOTERING else []
    return Handelse(typ=kind, data=data, changes=changes, text="")


def _flat(entry: Handelse) -> str:
    parts = [history.title(entry)]
    for line in history.lines(entry):
        parts.extend(line if isinstance(line, tuple) else [line])
    return " | ".join(parts)


def test_every_kind_has_an_example():
    assert set(EXAMPLES) == set(HISTORY_SCHEMA) == set(HandelseTyp)


@pytest.mark.parametrize("kind", [k for k in HandelseTyp if k != HandelseTyp.NOTERING])
def test_each_kind_reads_in_english_without_swedish_words(app, kind):
    entry = _entry(kind)
    with app.test_request_context(), force_locale("en"):
        english = _flat(entry)
    with app.test_request_context(), force_locale("sv"):
        swedish = _flat(entry)
    assert SWEDISH.findall(english) == [], english
    assert english != swedish
    assert re.search(r"\d{4}-\d{2}-\d{2}", english) is None, english  # English dates


def test_swedish_lines_keep_iso_dates_and_swedish_words(app):
    with app.test_request_context(), force_locale("sv"):
        moved = _flat(_entry(HandelseTyp.BEVAKNING_FLYTTAD))
        decided = _flat(_entry(HandelseTyp.BESLUT))
    assert moved == (
        "Bevakningsdatum ändrat | Nästa bevakning | 2026-12-01 | 2026-12-15 | "
        "Datum som myndigheten utlovat."
    )
    assert "Beslut i LG Nacka 2026-12-15" in decided and "(senast 2027-01-31)" in decided


def test_english_lines_write_english_dates(app):
    with app.test_request_context(), force_locale("en"):
        moved = _flat(_entry(HandelseTyp.BEVAKNING_FLYTTAD))
        paused = _flat(_entry(HandelseTyp.KLOCKA_PAUSAD))
    assert "1 Dec 2026 | 15 Dec 2026" in moved
    assert "15 Dec 2026" in paused


# --- the report page's lines about the report ---------------------------------------------------


def test_changes_since_a_frozen_version_read_in_the_readers_language(app):
    facts = [
        ChangeFact("SF-1", "status", "oppen", "stangd:atgardad"),
        ChangeFact("SF-1", "niva", "lokal", "central"),
        ChangeFact("SF-1", "farre", "3", "2"),
        ChangeFact("SF-1", "atgarder"),
        ChangeFact("SF-2", "borta"),
        ChangeFact("SF-3", "ny"),
    ]
    assert {fact.kind for fact in facts} | {"fler"} == set(CHANGE_KINDS)
    with app.test_request_context(), force_locale("sv"):
        swedish = [change.what for change in wording.changes(facts)]
    with app.test_request_context(), force_locale("en"):
        english = [change.what for change in wording.changes(facts)]
    assert swedish[0] == "status ändrad: öppen → Stängd (Åtgärdad)"
    assert swedish[5] == "ny i redovisningen"
    assert english[0] == "status changed: open → Closed (Resolved)"
    for line in english:
        assert SWEDISH.findall(line) == [], line


# --- one word per idea -----------------------------------------------------------------------

# (the word chosen, a synonym that may not be used for the same idea) in Swedish msgids,
# and in the English catalogue's translations. README "One word per idea" decides.
SWEDISH_SYNONYMS = [
    ("bevakning", r"uppföljning"),
    ("redovisning", r"årsrapport|\brapport(en|ens)?\b"),
]
ENGLISH_SYNONYMS = [
    ("flaw", r"\bdeficienc(y|ies)\b"),
    ("follow-up", r"\bmonitoring\b"),
]


def _message_ids() -> list[tuple[str, str]]:
    method_map = [("systemfel/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "_l": None,
        "N_": None,
        "lazy_gettext": None,
    }
    found = []
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options, keywords=keywords
    ):
        if filename.startswith(("systemfel/translations", ".")):
            continue
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.append((filename, text))
    return found


def test_no_swedish_synonym_in_the_ui():
    messages = _message_ids()
    assert len(messages) > 500  # the extraction found the strings
    bad = [
        (filename, text, chosen)
        for filename, text in messages
        for chosen, banned in SWEDISH_SYNONYMS
        if re.search(banned, text, re.IGNORECASE)
    ]
    assert bad == []


def test_no_english_synonym_in_the_catalogue():
    path = ROOT / "systemfel/translations/en/LC_MESSAGES/messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    strings = [
        text
        for message in catalog
        if message.id
        for text in (message.string if isinstance(message.string, tuple) else (message.string,))
    ]
    bad = [
        (text, chosen)
        for text in strings
        for chosen, banned in ENGLISH_SYNONYMS
        if re.search(banned, text, re.IGNORECASE)
    ]
    assert bad == []


# --- the English UI --------------------------------------------------------------------------


def test_english_pages_speak_english(client, world):
    client.login(world.users["samordnare"].email)
    client.post("/sprak", {"lang": "en", "next": "/"})
    pages = (
        "/",
        "/brister",
        f"/brister/{world.brist.id}",
        f"/brister/{world.brist.id}/uppfoljning",
        f"/rapport?ar=2026&verksamhet={world.home.id}",
        "/ledningsgrupper",
    )
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert '<html lang="en">' in page
        assert re.search(r"\d{1,2}/\d{1,2}/\d{2}\b", page) is None, url  # no US short dates
        for swedish in ("Nästa bevakning", "Registrera brist", "Redovisning", "Brister<"):
            assert swedish not in page, (url, swedish)


def test_a_refusal_with_a_day_is_worded_in_the_readers_language(app):
    error = FieldError(
        N_("Datumet är inte en arbetsdag. Närmaste arbetsdag är %(day)s."),
        "next_on",
        params={"day": date(2027, 1, 4)},
    )
    with app.test_request_context(), force_locale("sv"):
        assert worded(error).endswith("Närmaste arbetsdag är 2027-01-04.")
    with app.test_request_context(), force_locale("en"):
        english = worded(error)
    assert "4 Jan 2027" in english and SWEDISH.findall(english) == []


def test_history_counts_agree_with_their_nouns(app):
    one_day = dict(EXAMPLES[HandelseTyp.KLOCKA_PAUSAD], days_left=1)
    one_reminder = dict(EXAMPLES[HandelseTyp.ESKALERING_FORESLAS], reminders=1)
    paused = Handelse(typ=HandelseTyp.KLOCKA_PAUSAD, data=one_day, changes=[], text="")
    proposed = Handelse(typ=HandelseTyp.ESKALERING_FORESLAS, data=one_reminder, changes=[], text="")
    with app.test_request_context(), force_locale("sv"):
        assert "1 arbetsdag kvar till 2026-12-15." in _flat(paused)
        assert "efter 1 påminnelse." in _flat(proposed)
    with app.test_request_context(), force_locale("en"):
        assert "1 working day left until 15 Dec 2026." in _flat(paused)
        assert "after 1 reminder." in _flat(proposed)


# (a Swedish word in the msgid, an English word its translation may not use for it)
TRANSLATED_AS = [
    (r"verksamhet", r"(?<!PO )\bservices?\b"),  # a verksamhet is a "PO service"
    (r"åtgärd(?!er för)", r"\bactions?\b"),  # an åtgärd is a "measure" (not the actions menu)
    (r"\bbrist", r"\bdeficienc"),  # a brist is a "flaw"
]


@pytest.mark.parametrize(("swedish", "banned"), TRANSLATED_AS)
def test_one_english_word_for_a_swedish_one(swedish, banned):
    path = ROOT / "systemfel/translations/en/LC_MESSAGES/messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    bare = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if not any(re.search(swedish, text, re.IGNORECASE) for text in ids if text):
            continue
        if any("samhällsservice" in text for text in ids if text):
            continue  # "public services" is another idea
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        bare += [text for text in strings if re.search(banned, text, re.IGNORECASE)]
    assert bare == []


def test_the_brist_page_writes_its_days_the_readers_way(client, world):
    client.login(world.users["ombud"].email)
    swedish = client.get(f"/brister/{world.brist.id}").get_data(as_text=True)
    client.post("/sprak", {"lang": "en", "next": "/"})
    english = client.get(f"/brister/{world.brist.id}").get_data(as_text=True)
    stamp = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"  # the history's "recorded at"
    assert re.search(stamp, swedish)
    assert re.search(r"\b\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}\b", english)
    assert re.search(stamp, english) is None


def test_the_csv_header_follows_the_readers_language(client, world):
    client.login(world.users["ombud"].email)
    swedish = client.get("/brister.csv").get_data(as_text=True)
    client.post("/sprak", {"lang": "en", "next": "/"})
    english = client.get("/brister.csv").get_data(as_text=True)
    assert swedish.startswith("\ufeffNummer;Rubrik;Verksamhet;Nivå;")
    header = english.splitlines()[0]
    assert header.startswith("\ufeffNumber;Title;PO service;Level;")
    assert SWEDISH.findall(header) == [], header
