"""Bad input on every form: the form comes back (422, or 409 on a conflict) with a Swedish
message beside the field and in the error summary, the typed input kept, and nothing saved."""

from datetime import timedelta

import lxml.html
import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from systemfel.auth.models import User
from systemfel.brister.domain import Niva
from systemfel.brister.models import Brist, Handelse, Observation, brist_myndighet
from systemfel.clock import local_today
from systemfel.extensions import db
from systemfel.verksamheter.models import Kommun, Myndighet, Omrade, Verksamhet
from tests import factories
from tests.conftest import Client

PERSONNUMMER = "811218-9876"  # a valid personnummer (the Luhn digit checks out)
MASKED = "811218-****"
TODAY = local_today()
FUTURE = (TODAY + timedelta(days=1)).isoformat()


# --- reading the page ---------------------------------------------------------------------


def _doc(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def _summary(doc) -> str:
    boxes = doc.xpath('//div[contains(concat(" ", @class, " "), " error-summary ")]')
    assert boxes, "no error summary on the page"
    return " ".join(box.text_content() for box in boxes)


def assert_refused(response, field_id: str, message: str, status: int = 422):
    """The form came back with `message` beside the field and in the error summary."""
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    doc = _doc(response)
    beside = doc.xpath(
        f'//*[@id="{field_id}-error" and contains(concat(" ", @class, " "), " field-error ")]'
    )
    assert beside, f"no field-error beside {field_id}"
    assert message in beside[0].text_content()
    summary = _summary(doc)
    assert message in summary
    return doc


def assert_form_error(response, message: str, status: int = 422):
    """The form came back with `message` in the error summary (it belongs to no one field)."""
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    doc = _doc(response)
    assert message in _summary(doc)
    return doc


def value(doc, name: str):
    """What the form shows for `name`: the text typed, the option chosen, the boxes ticked."""
    elements = doc.xpath(f'//form[@novalidate]//*[@name="{name}"]')
    assert elements, f"no field {name} in the form"
    element = elements[0]
    if element.tag == "textarea":
        return element.text_content().strip("\r\n")
    if element.tag == "select":
        chosen = element.xpath(".//option[@selected]/@value")
        return chosen[0] if chosen else None
    if element.get("type") in ("radio", "checkbox"):
        checked = [e.get("value") for e in elements if e.get("checked") is not None]
        return checked if element.get("type") == "checkbox" else (checked[0] if checked else None)
    return element.get("value")


# --- reading the database -----------------------------------------------------------------

MODELS = (Verksamhet, Kommun, Myndighet, Omrade, User, Brist, Observation, Handelse)


def counts(app) -> dict[str, int]:
    with app.app_context():
        result = {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in MODELS
        }
        result["brist_myndighet"] = db.session.scalar(
            select(func.count()).select_from(brist_myndighet)
        )
        db.session.remove()
    return result


def row(app, model, item_id: int) -> dict:
    """Every column of one row, to prove an edit changed nothing."""
    with app.app_context():
        item = db.session.get(model, item_id)
        values = {attr.key: getattr(item, attr.key) for attr in sa.inspect(model).column_attrs}
        db.session.remove()
    return values


def everything(app) -> tuple:
    """Counts and every row of the tables forms write to.

    A user's last login time is left out: signing the test's user in sets it.
    """
    with app.app_context():
        rows = tuple(
            sorted(
                tuple(r)
                for r in db.session.execute(
                    select(*(c for c in model.__table__.columns if c.name != "last_login_at"))
                ).all()
            )
            for model in MODELS
        )
        db.session.remove()
    return counts(app), rows


# --- test data ----------------------------------------------------------------------------


@pytest.fixture
def refs(app, world) -> dict:
    """Ids of the home verksamhet's lists."""
    with app.app_context():

        def ids(model, verksamhet_id):
            return list(
                db.session.scalars(
                    select(model.id).where(model.verksamhet_id == verksamhet_id).order_by(model.id)
                )
            )

        values = {
            "myndigheter": ids(Myndighet, world.home.id),
            "omraden": ids(Omrade, world.home.id),
            "other_myndigheter": ids(Myndighet, world.other.id),
        }
        db.session.remove()
    return values


def brist_data(world, refs, **changes) -> dict:
    data = {
        "titel": "Långa väntetider på beslut",
        "beskrivning": "Besluten dröjer mer än åtta veckor utan besked.",
        "niva": "handlaggare",
        "myndighet_id": str(refs["myndigheter"][0]),
        "other_myndighet_ids": str(refs["myndigheter"][1]),
        "omrade_id": str(refs["omraden"][0]),
        "first_observed_on": "2026-01-10",
        "antal_klienter": "4",
        "konsekvenser": "Klienterna står utan pengar under väntan.",
        "forslag_atgard": "Fler handläggare under våren.",
        "ansvarig_id": str(world.users["ombud"].id),
    }
    data.update(changes)
    return {key: val for key, val in data.items() if val is not None}


def _version(app, brist_id: int) -> str:
    return str(row(app, Brist, brist_id)["version"])


def _add_home_brist(app, world, **fields) -> dict:
    with app.app_context():
        home = db.session.get(Verksamhet, world.home.id)
        ombud = db.session.get(User, world.users["ombud"].id)
        brist = factories.brist(home, ombud, **fields)
        db.session.commit()
        values = {"id": brist.id, "nummer": brist.nummer}
        db.session.remove()
    return values


# --- register a brist ---------------------------------------------------------------------

REGISTER_CASES = [
    # (changes, field id, message, field whose typed value must come back)
    ({"titel": ""}, "titel", "Fyll i fältet.", "konsekvenser"),
    ({"beskrivning": "   "}, "beskrivning", "Fyll i fältet.", "titel"),
    ({"titel": "x" * 201}, "titel", "Högst 200 tecken.", "titel"),
    ({"niva": None}, "niva", "Gör ett val.", "titel"),
    ({"niva": "hogsta"}, "niva", "Inte ett giltigt val", "titel"),
    ({"myndighet_id": ""}, "myndighet_id", "Gör ett val.", "beskrivning"),
    ({"omrade_id": ""}, "omrade_id", "Gör ett val.", "beskrivning"),
    ({"ansvarig_id": ""}, "ansvarig_id", "Gör ett val.", "beskrivning"),
    ({"first_observed_on": ""}, "first_observed_on", "Ange ett datum som ÅÅÅÅ-MM-DD.", "titel"),
    (
        {"first_observed_on": "15/1 2026"},
        "first_observed_on",
        "Inte ett giltigt datum",
        "first_observed_on",
    ),
    (
        {"first_observed_on": FUTURE},
        "first_observed_on",
        "Datumet kan inte ligga i framtiden.",
        "first_observed_on",
    ),
    ({"antal_klienter": ""}, "antal_klienter", "Ange ett antal.", "titel"),
    (
        {"antal_klienter": "-3"},
        "antal_klienter",
        "Ange ett antal mellan 0 och 100 000.",
        "antal_klienter",
    ),
    ({"antal_klienter": "tre"}, "antal_klienter", "Inte ett giltigt heltal", "antal_klienter"),
    (
        {"antal_klienter": "100001"},
        "antal_klienter",
        "Ange ett antal mellan 0 och 100 000.",
        "antal_klienter",
    ),
    (
        {"beskrivning": f"Klienten {PERSONNUMMER} fick avslag utan motivering."},
        "beskrivning",
        MASKED,
        "beskrivning",
    ),
    ({"titel": "Avslag för 19811218-9876"}, "titel", "19811218-****", "titel"),
    ({"konsekvenser": f"Gäller {PERSONNUMMER}."}, "konsekvenser", MASKED, "konsekvenser"),
    ({"forslag_atgard": f"Ring om {PERSONNUMMER}"}, "forslag_atgard", MASKED, "forslag_atgard"),
]


@pytest.mark.parametrize(
    ("changes", "field_id", "message", "echo"),
    REGISTER_CASES,
    ids=[f"{case[1]}={str(list(case[0].values())[0])[:20]}" for case in REGISTER_CASES],
)
def test_register_refuses_bad_input(app, world, refs, login, changes, field_id, message, echo):
    data = brist_data(world, refs, **changes)
    before = counts(app)

    response = login("ombud").post("/brister/ny", data)

    doc = assert_refused(response, field_id, message)
    assert value(doc, echo) == data[echo]
    assert value(doc, "other_myndighet_ids") == [data["other_myndighet_ids"]]
    assert counts(app) == before


def test_register_with_valid_input_is_saved(app, world, refs, login):
    """The baseline the cases above vary: without the fault, the same post is saved."""
    before = counts(app)
    response = login("ombud").post("/brister/ny", brist_data(world, refs))
    assert response.status_code == 302
    assert counts(app)["Brist"] == before["Brist"] + 1


def test_register_refuses_another_verksamhets_myndighet(app, world, refs, login):
    data = brist_data(world, refs, myndighet_id=str(refs["other_myndigheter"][0]))
    before = counts(app)
    assert_refused(login("ombud").post("/brister/ny", data), "myndighet_id", "Inte ett giltigt val")
    assert counts(app) == before


def test_register_refuses_ledningsgrupp_as_ansvarig(app, world, refs, login):
    data = brist_data(world, refs, ansvarig_id=str(world.users["ledningsgrupp"].id))
    before = counts(app)
    assert_refused(login("ombud").post("/brister/ny", data), "ansvarig_id", "Inte ett giltigt val")
    assert counts(app) == before


def test_personnummer_message_names_the_kind_and_shows_it_masked(app, world, refs, login):
    text = f"Klienten {PERSONNUMMER} fick avslag."
    response = login("ombud").post("/brister/ny", brist_data(world, refs, beskrivning=text))
    doc = assert_refused(response, "beskrivning", "personnummer")
    beside = doc.xpath('//*[@id="beskrivning-error"]')[0].text_content()
    assert MASKED in beside
    assert value(doc, "beskrivning") == text  # the user's text is kept to be corrected


def test_samordningsnummer_is_refused_too(app, world, refs, login):
    before = counts(app)
    response = login("ombud").post(
        "/brister/ny", brist_data(world, refs, beskrivning="Nummer 811278-9873 saknas.")
    )
    assert_refused(response, "beskrivning", "samordningsnummer")
    assert counts(app) == before


@pytest.mark.parametrize(
    ("field", "text", "shown"),
    [
        (
            "beskrivning",
            "Kontakta anna.svensson@example.com om detta.",
            "anna.svensson@example.com",
        ),
        ("konsekvenser", "Ring 070-123 45 67 för mer.", "070-123 45 67"),
    ],
)
def test_register_with_email_or_phone_needs_confirmation(
    app, world, refs, login, field, text, shown
):
    ombud = login("ombud")
    before = counts(app)
    data = brist_data(world, refs, **{field: text})

    response = ombud.post("/brister/ny", data)

    doc = assert_form_error(response, "Texten innehåller e-postadresser, telefonnummer")
    warning = doc.xpath(f'//*[@id="{field}-warning"]')
    assert warning and shown in warning[0].text_content()
    assert doc.xpath('//input[@name="confirm_identifying"]'), "no box to confirm with"
    assert value(doc, field) == text
    assert counts(app) == before

    confirmed = ombud.post("/brister/ny", {**data, "confirm_identifying": "y"})

    assert confirmed.status_code == 302
    assert counts(app)["Brist"] == before["Brist"] + 1


def test_register_with_email_and_personnummer_is_refused_even_when_confirmed(
    app, world, refs, login
):
    before = counts(app)
    data = brist_data(
        world, refs, beskrivning=f"{PERSONNUMMER} nås på a@example.com", confirm_identifying="y"
    )
    assert_refused(login("ombud").post("/brister/ny", data), "beskrivning", MASKED)
    assert counts(app) == before


# --- edit a brist -------------------------------------------------------------------------

EDIT_CASES = [
    ({"titel": ""}, "titel", "Fyll i fältet.", "beskrivning"),
    (
        {"first_observed_on": FUTURE},
        "first_observed_on",
        "Datumet kan inte ligga i framtiden.",
        "first_observed_on",
    ),
    (
        {"antal_klienter": "-1"},
        "antal_klienter",
        "Ange ett antal mellan 0 och 100 000.",
        "antal_klienter",
    ),
    ({"antal_klienter": "två"}, "antal_klienter", "Inte ett giltigt heltal", "antal_klienter"),
    ({"konsekvenser": f"Drabbar {PERSONNUMMER} hårt."}, "konsekvenser", MASKED, "konsekvenser"),
    ({"myndighet_id": ""}, "myndighet_id", "Gör ett val.", "titel"),
]


@pytest.mark.parametrize(
    ("changes", "field_id", "message", "echo"),
    EDIT_CASES,
    ids=[f"{case[1]}={list(case[0].values())[0][:20]}" for case in EDIT_CASES],
)
def test_edit_refuses_bad_input(app, world, refs, login, changes, field_id, message, echo):
    data = brist_data(
        world, refs, **{"titel": "Ny rubrik som inte sparas", "version": "1", **changes}
    )
    before = everything(app)

    response = login("ombud").post(f"/brister/{world.brist.id}/redigera", data)

    doc = assert_refused(response, field_id, message)
    assert value(doc, echo) == data[echo]
    assert everything(app) == before


def test_edit_with_email_needs_confirmation(app, world, refs, login):
    ombud = login("ombud")
    data = brist_data(world, refs, forslag_atgard="Skriv till chef@fk.example", version="1")
    before = everything(app)

    response = ombud.post(f"/brister/{world.brist.id}/redigera", data)

    doc = assert_form_error(response, "Texten innehåller e-postadresser, telefonnummer")
    assert value(doc, "forslag_atgard") == "Skriv till chef@fk.example"
    assert everything(app) == before

    saved = ombud.post(f"/brister/{world.brist.id}/redigera", {**data, "confirm_identifying": "y"})
    assert saved.status_code == 302
    assert row(app, Brist, world.brist.id)["forslag_atgard"] == "Skriv till chef@fk.example"


def test_edit_on_outdated_copy_is_a_conflict(app, world, refs, login):
    ombud = login("ombud")
    first = ombud.post(
        f"/brister/{world.brist.id}/redigera",
        brist_data(world, refs, titel="Första ändringen", version="1"),
    )
    assert first.status_code == 302
    before = everything(app)

    response = ombud.post(
        f"/brister/{world.brist.id}/redigera",
        brist_data(world, refs, titel="Andra ändringen", version="1"),
    )

    assert response.status_code == 409
    doc = _doc(response)
    assert "Någon annan har ändrat bristen" in _summary(doc)
    assert value(doc, "titel") == "Andra ändringen"
    assert everything(app) == before


# --- observation --------------------------------------------------------------------------

OBSERVATION_CASES = [
    ({"observed_on": ""}, "observed_on", "Ange ett datum som ÅÅÅÅ-MM-DD.", "anteckning"),
    ({"observed_on": "igår"}, "observed_on", "Inte ett giltigt datum", "observed_on"),
    ({"observed_on": FUTURE}, "observed_on", "Datumet kan inte ligga i framtiden.", "observed_on"),
    ({"antal_klienter": ""}, "antal_klienter", "Ange ett antal.", "anteckning"),
    (
        {"antal_klienter": "0"},
        "antal_klienter",
        "Ange ett antal mellan 1 och 100 000.",
        "antal_klienter",
    ),
    (
        {"antal_klienter": "-2"},
        "antal_klienter",
        "Ange ett antal mellan 1 och 100 000.",
        "antal_klienter",
    ),
    ({"antal_klienter": "många"}, "antal_klienter", "Inte ett giltigt heltal", "antal_klienter"),
    ({"anteckning": f"Samma sak för {PERSONNUMMER}"}, "anteckning", MASKED, "anteckning"),
]


@pytest.mark.parametrize(
    ("changes", "field_id", "message", "echo"),
    OBSERVATION_CASES,
    ids=[f"{case[1]}={list(case[0].values())[0][:20]}" for case in OBSERVATION_CASES],
)
def test_observation_refuses_bad_input(app, world, login, changes, field_id, message, echo):
    data = {
        "observed_on": TODAY.isoformat(),
        "antal_klienter": "2",
        "anteckning": "Sågs igen på mottagningen.",
        **changes,
    }
    before = everything(app)

    response = login("ombud").post(f"/brister/{world.brist.id}/observation", data)

    doc = assert_refused(response, field_id, message)
    assert value(doc, echo) == data[echo]
    assert everything(app) == before


def test_observation_with_email_needs_confirmation(app, world, login):
    ombud = login("ombud")
    data = {
        "observed_on": TODAY.isoformat(),
        "antal_klienter": "2",
        "anteckning": "Svar från handlaggare@kommun.example dröjer.",
    }
    before = counts(app)

    response = ombud.post(f"/brister/{world.brist.id}/observation", data)

    doc = assert_form_error(response, "Texten innehåller e-postadresser, telefonnummer")
    assert value(doc, "anteckning") == data["anteckning"]
    assert counts(app) == before

    saved = ombud.post(
        f"/brister/{world.brist.id}/observation", {**data, "confirm_identifying": "y"}
    )
    assert saved.status_code == 302
    assert counts(app)["Observation"] == before["Observation"] + 1


# --- escalate -----------------------------------------------------------------------------


def _escalate(http, app, brist_id, **changes):
    data = {
        "niva": "lokal",
        "reason": "Samma brist hos flera handläggare.",
        "version": _version(app, brist_id),
        **changes,
    }
    return http.post(f"/brister/{brist_id}/eskalera", data), data


@pytest.mark.parametrize(
    ("changes", "field_id", "message", "echo"),
    [
        ({"niva": "handlaggare"}, "niva", "Inte ett giltigt val", "reason"),
        ({"niva": ""}, "niva", "Gör ett val.", "reason"),
        ({"reason": ""}, "reason", "Fyll i fältet.", "niva"),
        ({"reason": f"Gäller {PERSONNUMMER}"}, "reason", MASKED, "reason"),
    ],
    ids=["same-level", "no-level", "no-reason", "personnummer"],
)
def test_escalate_refuses_bad_input(app, world, login, changes, field_id, message, echo):
    before = everything(app)
    response, data = _escalate(login("ombud"), app, world.brist.id, **changes)
    doc = assert_refused(response, field_id, message)
    assert value(doc, echo) == data[echo]
    assert everything(app) == before


@pytest.mark.parametrize("target", ["handlaggare", "lokal"])
def test_escalate_to_lower_or_same_level_is_refused(app, world, login, target):
    ombud = login("ombud")
    first, _ = _escalate(ombud, app, world.brist.id, niva="lokal")
    assert first.status_code == 302
    before = everything(app)

    response, _ = _escalate(ombud, app, world.brist.id, niva=target)

    doc = assert_refused(response, "niva", "Inte ett giltigt val")
    assert value(doc, "reason") == "Samma brist hos flera handläggare."
    offered = doc.xpath('//input[@name="niva"]/@value')
    assert offered == ["central"]
    assert everything(app) == before


def test_escalate_beyond_central_is_refused(app, world, login):
    brist = _add_home_brist(app, world, niva=Niva.CENTRAL)
    before = everything(app)
    response, _ = _escalate(login("ombud"), app, brist["id"], niva="central")
    assert_refused(response, "niva", "Inte ett giltigt val")
    assert everything(app) == before


# --- status -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"status": ""}, "status", "Gör ett val."),
        ({"status": "stangd"}, "status", "Inte ett giltigt val"),
        ({"status": "registrerad"}, "status", "Inte ett giltigt val"),
        ({"comment": f"Se {PERSONNUMMER}"}, "comment", MASKED),
    ],
    ids=["none", "closed", "same", "personnummer"],
)
def test_status_refuses_bad_input(app, world, login, changes, field_id, message):
    data = {
        "status": "lyft",
        "comment": "Lyft på samverkansmöte.",
        "version": _version(app, world.brist.id),
        **changes,
    }
    before = everything(app)
    response = login("ombud").post(f"/brister/{world.brist.id}/status", data)
    doc = assert_refused(response, field_id, message)
    assert value(doc, "comment") == data["comment"]
    assert everything(app) == before


def test_status_on_outdated_copy_is_a_conflict(app, world, login):
    ombud = login("ombud")
    first = ombud.post(f"/brister/{world.brist.id}/status", {"status": "bevakas", "version": "1"})
    assert first.status_code == 302
    before = everything(app)

    response = ombud.post(
        f"/brister/{world.brist.id}/status",
        {"status": "lyft", "comment": "Min kommentar", "version": "1"},
    )

    doc = assert_form_error(response, "Någon annan har ändrat bristen", status=409)
    assert value(doc, "comment") == "Min kommentar"
    assert everything(app) == before


# --- close --------------------------------------------------------------------------------


def _close(http, app, brist_id, **changes):
    data = {
        "utfall": "sammanslagen",
        "merged_into": "",
        "comment": "Samma sak som en annan.",
        "version": _version(app, brist_id),
        **changes,
    }
    return http.post(f"/brister/{brist_id}/stang", data), data


def test_close_without_utfall_is_refused(app, world, login):
    before = everything(app)
    response, _ = _close(login("samordnare"), app, world.brist.id, utfall="")
    doc = assert_refused(response, "utfall", "Gör ett val.")
    assert value(doc, "comment") == "Samma sak som en annan."
    assert everything(app) == before


def test_close_merged_without_number_is_refused(app, world, login):
    before = everything(app)
    response, _ = _close(login("samordnare"), app, world.brist.id)
    doc = assert_refused(response, "merged_into", "Ange vilken brist den ska slås samman med.")
    assert value(doc, "utfall") == "sammanslagen"
    assert value(doc, "comment") == "Samma sak som en annan."
    assert everything(app) == before


@pytest.mark.parametrize("number", ["SF-2099-0042", "inte ett nummer"])
def test_close_merged_with_unknown_number_is_refused(app, world, login, number):
    before = everything(app)
    response, _ = _close(login("samordnare"), app, world.brist.id, merged_into=number)
    doc = assert_refused(response, "merged_into", "Det finns ingen brist med det numret.")
    assert value(doc, "merged_into") == number
    assert everything(app) == before


def test_close_merged_with_another_verksamhets_number_is_refused(app, world, login):
    with app.app_context():
        other = db.session.get(Verksamhet, world.other.id)
        author = db.session.get(User, world.users["other_ombud"].id)
        nummer = factories.brist(other, author).nummer  # no home brist has this number
        db.session.commit()
        db.session.remove()
    before = everything(app)
    response, _ = _close(login("samordnare"), app, world.brist.id, merged_into=nummer)
    assert_refused(response, "merged_into", "Det finns ingen brist med det numret.")
    assert everything(app) == before


def test_close_merged_with_itself_is_refused(app, world, login):
    before = everything(app)
    response, _ = _close(login("samordnare"), app, world.brist.id, merged_into=world.brist.nummer)
    assert_refused(response, "merged_into", "En brist kan inte slås samman med sig själv.")
    assert everything(app) == before


def test_close_with_number_but_other_utfall_is_refused(app, world, login):
    other = _add_home_brist(app, world, titel="En annan brist")
    before = everything(app)
    response, _ = _close(
        login("samordnare"), app, world.brist.id, utfall="atgardad", merged_into=other["nummer"]
    )
    assert_refused(response, "utfall", "Ange bara en annan brist när utfallet är sammanslagen.")
    assert everything(app) == before


def test_close_with_personnummer_in_comment_is_refused(app, world, login):
    before = everything(app)
    response, _ = _close(
        login("samordnare"),
        app,
        world.brist.id,
        utfall="atgardad",
        comment=f"Klart för {PERSONNUMMER}",
    )
    doc = assert_refused(response, "comment", MASKED)
    assert value(doc, "comment") == f"Klart för {PERSONNUMMER}"
    assert everything(app) == before


# --- reopen -------------------------------------------------------------------------------


def _closed_brist(app, world, login) -> None:
    response, _ = _close(login("samordnare"), app, world.brist.id, utfall="atgardad")
    assert response.status_code == 302


def test_reopen_an_open_brist_is_refused(app, world, login):
    before = everything(app)
    response = login("ombud").post(
        f"/brister/{world.brist.id}/oppna-igen", {"reason": "Den kom tillbaka.", "version": "1"}
    )
    doc = assert_form_error(response, "Bara en stängd brist kan öppnas igen.")
    assert value(doc, "reason") == "Den kom tillbaka."
    assert everything(app) == before


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "Fyll i fältet."), ("  ", "Fyll i fältet."), (f"Ny klient {PERSONNUMMER}", MASKED)],
    ids=["empty", "blank", "personnummer"],
)
def test_reopen_refuses_bad_reason(app, world, login, reason, message):
    _closed_brist(app, world, login)
    before = everything(app)
    response = login("ombud").post(
        f"/brister/{world.brist.id}/oppna-igen",
        {"reason": reason, "version": _version(app, world.brist.id)},
    )
    doc = assert_refused(response, "reason", message)
    assert value(doc, "reason") == reason
    assert everything(app) == before


# --- login --------------------------------------------------------------------------------


def _user_row(app, world, name: str) -> dict:
    return row(app, User, world.users[name].id)


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        ({"email": "", "password": "x"}, "email", "Fyll i din e-postadress."),
        ({"email": "ombud@hemma.example", "password": ""}, "password", "Fyll i ditt lösenord."),
    ],
    ids=["no-email", "no-password"],
)
def test_login_refuses_empty_fields(app, world, data, field_id, message):
    client = Client(app)
    doc = assert_refused(client.post("/login", data), field_id, message)
    assert value(doc, "email") == data["email"]
    assert client.get("/brister").status_code == 302


@pytest.mark.parametrize("email", ["ombud@hemma.example", "okand@hemma.example"])
def test_login_with_wrong_credentials(app, world, email):
    client = Client(app)
    before = _user_row(app, world, "ombud")

    response = client.post("/login", {"email": email, "password": "fel-losen-999"})

    doc = assert_form_error(response, "Fel e-postadress eller lösenord.")
    assert value(doc, "email") == email
    assert value(doc, "password") in (None, "")  # a password is never sent back
    assert "fel-losen-999" not in response.get_data(as_text=True)
    assert client.get("/brister").status_code == 302
    failures = _user_row(app, world, "ombud")["failed_logins"]
    assert failures == before["failed_logins"] + (1 if email.startswith("ombud") else 0)


def test_login_locks_the_account_after_max_failures(app, world):
    email = world.users["ombud"].email
    assert app.config["LOGIN_MAX_FAILURES"] == 3
    for _ in range(3):
        wrong = Client(app).post("/login", {"email": email, "password": "fel-losen-999"})
        assert_form_error(wrong, "Fel e-postadress eller lösenord.")

    client = Client(app)
    response = client.post("/login", {"email": email, "password": factories.PASSWORD})

    assert_form_error(response, "Kontot är tillfälligt låst")
    assert client.get("/brister").status_code == 302
    assert _user_row(app, world, "ombud")["locked_until"] is not None


def test_login_below_max_failures_still_works(app, world):
    email = world.users["ombud"].email
    for _ in range(2):
        Client(app).post("/login", {"email": email, "password": "fel-losen-999"})
    client = Client(app)
    assert client.login(email).status_code == 302
    assert client.get("/brister").status_code == 200
    assert _user_row(app, world, "ombud")["failed_logins"] == 0


# --- change password ----------------------------------------------------------------------

PASSWORD_CASES = [
    ({"current": ""}, "current", "Fyll i ditt nuvarande lösenord."),
    ({"current": "fel-losen-999"}, "current", "Det nuvarande lösenordet stämmer inte."),
    ({"password": "", "confirm": ""}, "password", "Fyll i ett nytt lösenord."),
    (
        {"password": "kort-1", "confirm": "kort-1"},
        "password",
        "Lösenordet måste ha minst 10 tecken.",
    ),
    (
        {"password": "barabokstaver", "confirm": "barabokstaver"},
        "password",
        "både bokstäver och siffror",
    ),
    (
        {"password": "1234567890123", "confirm": "1234567890123"},
        "password",
        "både bokstäver och siffror",
    ),
    ({"confirm": "nytt-losen-457"}, "confirm", "Lösenorden är inte likadana."),
]


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    PASSWORD_CASES,
    ids=[
        "no-current",
        "wrong-current",
        "no-new",
        "short",
        "letters-only",
        "digits-only",
        "mismatch",
    ],
)
def test_change_password_refuses_bad_input(app, world, login, changes, field_id, message):
    ombud = login("ombud")
    data = {
        "current": factories.PASSWORD,
        "password": "nytt-losen-456",
        "confirm": "nytt-losen-456",
        **changes,
    }
    before = _user_row(app, world, "ombud")

    response = ombud.post("/konto/losenord", data)

    assert_refused(response, field_id, message)
    body = response.get_data(as_text=True)
    for typed in filter(None, data.values()):
        assert f'value="{typed}"' not in body  # passwords are never sent back
    after = _user_row(app, world, "ombud")
    assert after["password_hash"] == before["password_hash"]
    assert after["session_token"] == before["session_token"]
    assert ombud.get("/brister").status_code == 200  # still signed in


# --- admin: verksamhet --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field_id", "message", "echo"),
    [
        ({"namn": ""}, "namn", "Fyll i fältet.", "kommuner"),
        ({"kommuner": ""}, "kommuner", "Ange minst en kommun.", "namn"),
        ({"namn": "po borta"}, "namn", "Det finns redan en verksamhet med det namnet.", "namn"),
        ({"kommuner": f"Lund\n{PERSONNUMMER}"}, "kommuner", MASKED, "kommuner"),
    ],
    ids=["no-name", "no-kommun", "duplicate", "personnummer"],
)
def test_edit_verksamhet_refuses_bad_input(app, world, login, changes, field_id, message, echo):
    data = {"namn": "PO Hemma och omnejd", "kommuner": "Lund\nLomma", **changes}
    before = everything(app)
    response = login("samordnare").post(f"/admin/verksamheter/{world.home.id}", data)
    doc = assert_refused(response, field_id, message)
    assert value(doc, echo) == data[echo]
    assert everything(app) == before


@pytest.mark.parametrize(
    ("changes", "field_id", "message", "echo"),
    [
        ({"namn": ""}, "namn", "Fyll i fältet.", "kommuner"),
        ({"kommuner": " \n "}, "kommuner", "Ange minst en kommun.", "namn"),
        ({"namn": "PO HEMMA"}, "namn", "Det finns redan en verksamhet med det namnet.", "namn"),
    ],
    ids=["no-name", "no-kommun", "duplicate"],
)
def test_create_verksamhet_refuses_bad_input(app, world, login, changes, field_id, message, echo):
    data = {"namn": "PO Nya", "kommuner": "Malmö\nBurlöv", **changes}
    before = everything(app)
    response = login("admin").post("/admin/verksamheter/ny", data)
    doc = assert_refused(response, field_id, message)
    assert value(doc, echo) == data[echo]
    assert everything(app) == before


# --- admin: myndighet ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field_id", "message", "echo"),
    [
        (
            {"epost": "registrator@kommun.example\ninte-en-adress"},
            "epost",
            "Ogiltig e-postadress: inte-en-adress",
            "epost",
        ),
        ({"epost": "a@b"}, "epost", "Ogiltig e-postadress: a@b", "namn"),
        ({"namn": ""}, "namn", "Fyll i fältet.", "epost"),
        ({"namn": "försäkringskassan"}, "namn", "Namnet finns redan i listan.", "namn"),
        ({"typ": "okand"}, "typ", "Inte ett giltigt val", "namn"),
        ({"namn": f"Handläggare {PERSONNUMMER}"}, "namn", MASKED, "namn"),
        ({"sammandrag": "varannan_vecka"}, "sammandrag", "Inte ett giltigt val", "epost"),
        ({"sammandrag": ""}, "sammandrag", "Gör ett val.", "namn"),
    ],
    ids=[
        "bad-email-line",
        "no-tld",
        "no-name",
        "duplicate",
        "bad-typ",
        "personnummer",
        "bad-sammandrag",
        "no-sammandrag",
    ],
)
def test_create_myndighet_refuses_bad_input(app, world, login, changes, field_id, message, echo):
    data = {
        "namn": "Budget- och skuldrådgivningen",
        "typ": "kommun",
        "epost": "radgivning@kommun.example",
        "sammandrag": "veckovis",
        "is_active": "y",
        **changes,
    }
    before = everything(app)
    response = login("samordnare").post(f"/admin/verksamheter/{world.home.id}/myndigheter/ny", data)
    doc = assert_refused(response, field_id, message)
    assert value(doc, echo) == data[echo]
    assert everything(app) == before


def test_edit_myndighet_to_a_taken_name_is_refused(app, world, refs, login):
    item = refs["myndigheter"][0]
    before = everything(app)
    response = login("samordnare").post(
        f"/admin/verksamheter/{world.home.id}/myndigheter/{item}",
        {
            "namn": "Arbetsförmedlingen",
            "typ": "statlig",
            "epost": "",
            "sammandrag": "av",
            "is_active": "y",
        },
    )
    doc = assert_refused(response, "namn", "Namnet finns redan i listan.")
    assert value(doc, "namn") == "Arbetsförmedlingen"
    assert everything(app) == before


# --- admin: område ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("namn", "message"),
    [
        ("", "Fyll i fältet."),
        ("Ekonomi", "Namnet finns redan i listan."),
        ("  ekonomi ", "Namnet finns redan i listan."),
        ("x" * 101, "Fältet får inte vara längre än 100 tecken."),
    ],
    ids=["empty", "duplicate", "duplicate-case-and-space", "too-long"],
)
def test_create_omrade_refuses_bad_input(app, world, login, namn, message):
    before = everything(app)
    response = login("samordnare").post(
        f"/admin/verksamheter/{world.home.id}/omraden/ny", {"namn": namn, "is_active": "y"}
    )
    doc = assert_refused(response, "namn", message)
    if namn.strip():
        assert value(doc, "namn") == namn
    assert everything(app) == before


def test_duplicate_omrade_name_in_another_verksamhet_is_allowed(app, world, login):
    """The name check is per verksamhet (a control for the duplicate cases above)."""
    response = login("samordnare").post(
        f"/admin/verksamheter/{world.home.id}/omraden/ny", {"namn": "Tolkfrågor", "is_active": "y"}
    )
    assert response.status_code == 302
    other = login("other_samordnare").post(
        f"/admin/verksamheter/{world.other.id}/omraden/ny", {"namn": "Tolkfrågor", "is_active": "y"}
    )
    assert other.status_code == 302


def test_rename_omrade_to_a_taken_name_is_refused(app, world, refs, login):
    before = everything(app)
    response = login("samordnare").post(
        f"/admin/verksamheter/{world.home.id}/omraden/{refs['omraden'][1]}",
        {"namn": "ekonomi", "is_active": "y"},
    )
    doc = assert_refused(response, "namn", "Namnet finns redan i listan.")
    assert value(doc, "namn") == "ekonomi"
    assert everything(app) == before


# --- admin: user --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field_id", "message", "echo"),
    [
        # The same answer wherever the account is: a samordnare does not learn who works in
        # a verksamhet they cannot see (tests/web/test_security.py has the admin's answer).
        (
            {"email": "ombud@hemma.example"},
            "email",
            "Den e-postadressen kan inte användas för ett nytt konto.",
            "email",
        ),
        (
            {"email": "SAMORDNARE@Hemma.Example"},
            "email",
            "Den e-postadressen kan inte användas för ett nytt konto.",
            "email",
        ),
        (
            {"email": "ombud@borta.example"},
            "email",
            "Den e-postadressen kan inte användas för ett nytt konto.",
            "email",
        ),
        ({"email": "inte-en-adress"}, "email", "Ange en giltig e-postadress.", "email"),
        ({"email": ""}, "email", "Fyll i fältet.", "namn"),
        ({"namn": ""}, "namn", "Fyll i fältet.", "email"),
        ({"role": ""}, "role", "Gör ett val.", "namn"),
        ({"verksamheter": None}, "verksamheter", "Välj minst en verksamhet.", "namn"),
        ({"namn": f"Kalle {PERSONNUMMER}"}, "namn", MASKED, "namn"),
    ],
    ids=[
        "duplicate",
        "duplicate-case",
        "duplicate-other-verksamhet",
        "bad-email",
        "no-email",
        "no-name",
        "no-role",
        "no-verksamhet",
        "personnummer",
    ],
)
def test_create_user_refuses_bad_input(app, world, login, changes, field_id, message, echo):
    data = {
        "email": "ny.kollega@hemma.example",
        "namn": "Ny Kollega",
        "role": "ombud",
        "verksamheter": str(world.home.id),
        "is_active": "y",
        **changes,
    }
    data = {key: val for key, val in data.items() if val is not None}
    before = everything(app)
    response = login("samordnare").post(f"/admin/verksamheter/{world.home.id}/anvandare/ny", data)
    doc = assert_refused(response, field_id, message)
    assert value(doc, echo) == data[echo]
    assert "Tillfälligt lösenord" not in response.get_data(as_text=True)
    assert everything(app) == before


def test_edit_user_without_verksamhet_is_refused(app, world, login):
    user = world.users["ombud"]
    url = f"/admin/verksamheter/{world.home.id}/anvandare/{user.id}"
    samordnare = login("samordnare")
    # Send what the page's form holds, as a browser would, with the name changed and the
    # only verksamhet unticked.
    form = _doc(samordnare.get(url)).xpath("//form[@novalidate]")[0]
    data: dict[str, list[str]] = {}
    for name, typed in form.form_values():
        data.setdefault(name, []).append(typed)
    data["namn"] = ["Nytt namn"]
    data.pop("verksamheter")
    before = everything(app)

    response = samordnare.http.post(url, data=data)

    doc = assert_refused(response, "verksamheter", "Välj minst en verksamhet.")
    assert value(doc, "namn") == "Nytt namn"
    assert everything(app) == before


# --- the privacy guard reads text as it is pasted -----------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "811218\u20139876",
        "811218\u00a09876",
        "811218\r\n9876",
        "81 12 18-98 76",
        "8112\u00ad189876",
    ],
)
def test_a_personnummer_pasted_from_word_or_a_pdf_is_refused(app, world, refs, login, written):
    before = counts(app)
    text = f"Klienten {written} fick avslag."
    response = login("ombud").post("/brister/ny", brist_data(world, refs, beskrivning=text))
    doc = assert_refused(response, "beskrivning", "personnummer")
    assert "9876" not in doc.xpath('//*[@id="beskrivning-error"]')[0].text_content()
    assert value(doc, "beskrivning").replace("\r\n", "\n") == text.replace("\r\n", "\n")
    assert counts(app) == before


def test_a_mistyped_personnummer_must_be_confirmed_and_says_why(app, world, refs, login):
    ombud = login("ombud")
    data = brist_data(world, refs, beskrivning="Nummer 811218\u20139877 i beslutet.")
    response = ombud.post("/brister/ny", data)
    doc = assert_form_error(response, "något som liknar ett personnummer")
    warning = doc.xpath('//*[@id="beskrivning-warning"]')[0].text_content()
    assert "fel kontrollsiffra" in warning and "9877" not in warning
    assert ombud.post("/brister/ny", {**data, "confirm_identifying": "y"}).status_code == 302


def test_ten_digits_of_a_mobile_number_are_refused_with_advice(app, world, refs, login):
    response = login("ombud").post(
        "/brister/ny", brist_data(world, refs, konsekvenser="Ring 0701234569 vid frågor.")
    )
    assert_refused(response, "konsekvenser", "Personnummer eller telefonnummer?")
