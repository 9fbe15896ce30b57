"""Issue 14 on the pages: revoke in every state, earlier answers and "Mottaget" on the answer
page, and the ombud's pause ("Väntar på klientens samtycke") and resume on the brist page."""

# ruff: noqa: F401, F811 - `asked` is a fixture from test_followups_web, used as a parameter

import pytest
from sqlalchemy import select

from systemfel.access import scope_for
from systemfel.auth.models import User
from systemfel.brister.domain import HandelseTyp
from systemfel.brister.models import Handelse
from systemfel.followups import services as followups_services
from systemfel.followups.domain import SvarTyp
from systemfel.followups.models import Kontakt, Svar
from systemfel.notifications.models import OutboxMessage
from tests.conftest import Client
from tests.sql import count_statements
from tests.web.test_followups_web import (
    FK_EPOST,
    MASKED,
    PERSONNUMMER,
    _answer,
    _doc,
    _text,
    asked,
    assert_refused,
    counts,
    kontakt_row,
    raise_by_service,
    session,
    set_epost,
    value,
)


def _acknowledge(client, token, **changes):
    data = {"mottaget-handlaggare": "Enhet Syd", "mottaget-diarienummer": "FK 2026/77"}
    data.update(changes)
    return client.post(f"/svar/{token}/mottaget", data)


def _kontakt(app, kontakt_id: int) -> dict:
    with session(app) as s:
        kontakt = s.get(Kontakt, kontakt_id)
        return {
            "acknowledged_at": kontakt.acknowledged_at,
            "handlaggare": kontakt.acknowledged_handlaggare,
            "diarienummer": kontakt.acknowledged_diarienummer,
            "paused_on": kontakt.paused_on,
            "pause_orsak": kontakt.pause_orsak,
            "answer_due_on": kontakt.answer_due_on,
            "next_reminder_on": kontakt.next_reminder_on,
            "answered_at": kontakt.answered_at,
        }


def _history(app, brist_id: int, typ: HandelseTyp) -> int:
    with session(app) as s:
        return len(
            s.scalars(
                select(Handelse).where(Handelse.brist_id == brist_id, Handelse.typ == typ)
            ).all()
        )


# --- The answer page: earlier answers, a new answer adds to them ---------------------------


def test_the_answer_page_lists_earlier_answers_and_takes_a_later_one(app, asked):
    anonymous = Client(app)
    first = anonymous.get(f"/svar/{asked['token']}").get_data(as_text=True)
    assert "Era svar hittills" not in first and "Svara" in first
    assert _answer(anonymous, asked["token"]).status_code == 302

    page = anonymous.get(f"/svar/{asked['token']}")
    doc = _doc(page)
    earlier = _text(doc.xpath('//section[@aria-labelledby="earlier-title"]')[0])
    assert "Åtgärd utlovad" in earlier and "Vi ser över mallarna." in earlier
    assert "FK 2026/123" in earlier
    assert "Det senaste svaret är det som gäller." in earlier
    assert _text(doc.xpath("//h2[@id='answer-title']")[0]) == "Lämna ett nytt svar"
    assert "Bekräfta att ni tagit emot frågan" not in page.get_data(as_text=True)

    later = _answer(anonymous, asked["token"], typ="atgardat", promised_on="", text="Klart nu.")
    assert later.status_code == 302
    with session(app) as s:
        typer = s.scalars(
            select(Svar.typ).where(Svar.kontakt_id == asked["kontakt"]).order_by(Svar.id)
        ).all()
    assert [t.value for t in typer] == ["atgard_utlovad", "atgardat"]
    assert _history(app, asked["id"], HandelseTyp.SVAR) == 2
    brist_page = asked["client"].get(f"/brister/{asked['id']}").get_data(as_text=True)
    assert "Klart nu." in brist_page and "Vi ser över mallarna." in brist_page


def test_mottaget_is_not_offered_as_an_answer(app, asked):
    doc = _doc(Client(app).get(f"/svar/{asked['token']}"))
    offered = doc.xpath('//input[@name="typ"]/@value')
    assert "mottaget" not in offered and "begar_komplettering" in offered
    before = counts(app)
    response = _answer(Client(app), asked["token"], typ="mottaget", promised_on="")
    assert response.status_code == 422
    assert counts(app) == before


def test_a_request_for_more_information_needs_text_and_pauses_the_clock(app, asked):
    before = counts(app)
    refused = _answer(
        Client(app), asked["token"], typ="begar_komplettering", promised_on="", text=""
    )
    doc = assert_refused(refused, "text", "Skriv vilken information ni behöver.")
    assert value(doc, "diarienummer") == "FK 2026/123"
    assert counts(app) == before

    asking = _answer(
        Client(app),
        asked["token"],
        typ="begar_komplettering",
        promised_on="",
        text="Vilka ärenden gäller det?",
    )
    assert asking.status_code == 302
    thanks = Client(app).get(asking.headers["Location"]).get_data(as_text=True)
    assert "Svarstiden är pausad tills ombudet har skickat informationen" in thanks
    row = _kontakt(app, asked["kontakt"])
    assert row["paused_on"] is not None and row["answered_at"] is None
    assert row["next_reminder_on"] is None

    answer_page = Client(app).get(f"/svar/{asked['token']}").get_data(as_text=True)
    assert "Svarstiden är pausad sedan" in answer_page
    page = asked["client"].get(f"/brister/{asked['id']}").get_data(as_text=True)
    assert "Pausad sedan" in page and "arbetsdagar kvar" in page
    assert "Myndigheten har begärt komplettering" in page
    assert "Informationen är skickad till Försäkringskassan" in page
    assert "Svarstiden pausad" in page  # history


# --- Item 7: "Mottaget" -------------------------------------------------------------------


def test_mottaget_is_shown_on_the_brist_page_and_leaves_the_deadline(app, world, asked):
    before = _kontakt(app, asked["kontakt"])
    anonymous = Client(app)
    response = _acknowledge(anonymous, asked["token"])
    assert response.status_code == 302
    assert response.headers["Location"] == f"/svar/{asked['token']}/mottaget/tack"
    thanks = anonymous.get(response.headers["Location"])
    assert thanks.status_code == 200 and thanks.headers["Cache-Control"] == "no-store"
    assert "Tack för bekräftelsen" in thanks.get_data(as_text=True)

    row = _kontakt(app, asked["kontakt"])
    assert (row["handlaggare"], row["diarienummer"]) == ("Enhet Syd", "FK 2026/77")
    assert row["answered_at"] is None
    assert (row["answer_due_on"], row["next_reminder_on"]) == (
        before["answer_due_on"],
        before["next_reminder_on"],
    )
    with session(app) as s:
        told = s.scalar(
            select(OutboxMessage).where(
                OutboxMessage.idempotency_key == f"svar:mottaget:{asked['kontakt']}"
            )
        )
        assert told.recipients == [world.users["ombud"].email]

    # The answer page now says so and keeps the details; the answer form is still there.
    doc = _doc(anonymous.get(f"/svar/{asked['token']}"))
    assert "Ni bekräftade mottagandet" in _text(doc.xpath("//main")[0])
    assert value(doc, "mottaget-handlaggare") == "Enhet Syd"
    assert doc.xpath('//input[@name="typ"]')

    page = asked["client"].get(f"/brister/{asked['id']}").get_data(as_text=True)
    assert "Mottaget av myndigheten" in page and "Handläggare: Enhet Syd." in page
    assert "Mottagandet bekräftat av myndighet" in page  # history
    assert "Återkalla svarslänken" in page


@pytest.mark.parametrize(
    ("changes", "field_id", "message", "kept"),
    [
        (
            {"mottaget-handlaggare": f"Gäller {PERSONNUMMER}"},
            "mottaget-handlaggare",
            MASKED,
            "mottaget-diarienummer",
        ),
        (
            {"mottaget-diarienummer": PERSONNUMMER},
            "mottaget-diarienummer",
            MASKED,
            "mottaget-handlaggare",
        ),
        (
            {"mottaget-handlaggare": "x" * 201},
            "mottaget-handlaggare",
            "201",
            "mottaget-diarienummer",
        ),
    ],
    ids=["personnummer-handlaggare", "personnummer-dnr", "too-long"],
)
def test_mottaget_refuses_bad_input(app, asked, changes, field_id, message, kept):
    before = counts(app)
    data = {"mottaget-handlaggare": "Enhet Syd", "mottaget-diarienummer": "FK 2026/77", **changes}
    response = _acknowledge(Client(app), asked["token"], **changes)
    if message == "201":
        assert response.status_code == 422
        assert _doc(response).xpath(f'//*[@id="{field_id}-error"]')
    else:
        doc = assert_refused(response, field_id, message)
        assert value(doc, kept) == data[kept]
    assert counts(app) == before
    assert _kontakt(app, asked["kontakt"])["acknowledged_at"] is None


def test_mottaget_needs_a_working_link(app, asked):
    assert _acknowledge(Client(app), "not-a-token").status_code == 404
    assert Client(app).get("/svar/not-a-token/mottaget/tack").status_code == 404
    assert Client(app).get(f"/svar/{asked['token']}/mottaget").status_code == 405
    assert asked["client"].post(f"/kontakter/{asked['kontakt']}/aterkalla").status_code == 302
    assert _acknowledge(Client(app), asked["token"]).status_code == 404
    assert _kontakt(app, asked["kontakt"])["acknowledged_at"] is None


# --- Defect 2: revoke in every state ------------------------------------------------------


@pytest.mark.parametrize("state", ["answered", "acknowledged", "paused"])
def test_revoke_is_offered_and_works_in_every_state(app, asked, state):
    anonymous = Client(app)
    if state == "answered":
        assert _answer(anonymous, asked["token"]).status_code == 302
    elif state == "acknowledged":
        assert _acknowledge(anonymous, asked["token"]).status_code == 302
    else:
        assert asked["client"].post(f"/kontakter/{asked['kontakt']}/pausa").status_code == 302
    page = asked["client"].get(f"/brister/{asked['id']}").get_data(as_text=True)
    assert "Återkalla svarslänken till Försäkringskassan" in page

    response = asked["client"].post(f"/kontakter/{asked['kontakt']}/aterkalla")
    assert response.status_code == 302
    assert kontakt_row(app, asked["kontakt"])["links_revoked_at"] is not None
    assert anonymous.get(f"/svar/{asked['token']}").status_code == 404
    page = asked["client"].get(f"/brister/{asked['id']}").get_data(as_text=True)
    assert "Återkalla svarslänken" not in page and "Informationen är skickad" not in page


# --- Item 8: the ombud pauses and resumes -------------------------------------------------


def test_the_ombud_pauses_for_consent_and_resumes(app, asked):
    client = asked["client"]
    due = _kontakt(app, asked["kontakt"])["answer_due_on"]
    page = client.get(f"/brister/{asked['id']}").get_data(as_text=True)
    assert "Väntar på klientens samtycke: pausa svarstiden för Försäkringskassan" in page

    paused = client.post(f"/kontakter/{asked['kontakt']}/pausa", follow_redirects=True)
    text = paused.get_data(as_text=True)
    assert "Svarstiden är pausad och påminnelserna väntar." in text
    assert "Väntar på klientens samtycke" in text and "Pausad sedan" in text
    row = _kontakt(app, asked["kontakt"])
    assert row["paused_on"] is not None and row["next_reminder_on"] is None

    again = client.post(f"/kontakter/{asked['kontakt']}/pausa", follow_redirects=True)
    assert "Svarstiden är redan pausad." in again.get_data(as_text=True)
    assert _history(app, asked["id"], HandelseTyp.KLOCKA_PAUSAD) == 1

    seen = {"paused_on": row["paused_on"].isoformat()}
    resumed = client.post(f"/kontakter/{asked['kontakt']}/ateruppta", seen, follow_redirects=True)
    text = resumed.get_data(as_text=True)
    # Paused and resumed the same day: the deadline stays where it was.
    assert f"Svarstiden löper igen. Svar önskas senast {due.isoformat()}." in text
    assert "Svarstiden löper igen" in text  # history
    row = _kontakt(app, asked["kontakt"])
    assert row["paused_on"] is None and row["answer_due_on"] == due
    assert row["next_reminder_on"] is not None and row["next_reminder_on"] > due

    twice = client.post(f"/kontakter/{asked['kontakt']}/ateruppta", seen, follow_redirects=True)
    assert "Svarstiden är inte pausad." in twice.get_data(as_text=True)
    assert _history(app, asked["id"], HandelseTyp.KLOCKA_ATERUPPTAGEN) == 1


@pytest.mark.parametrize("seen", ["2001-01-01", "", "inte ett datum", "9" * 400])
def test_resume_from_a_page_older_than_the_pause_is_refused(app, asked, seen):
    client = asked["client"]
    assert client.post(f"/kontakter/{asked['kontakt']}/pausa").status_code == 302
    paused = _kontakt(app, asked["kontakt"])
    response = client.post(
        f"/kontakter/{asked['kontakt']}/ateruppta", {"paused_on": seen}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Svarstiden har pausats på nytt sedan du läste sidan." in response.get_data(as_text=True)
    assert _kontakt(app, asked["kontakt"]) == paused
    assert _history(app, asked["id"], HandelseTyp.KLOCKA_ATERUPPTAGEN) == 0


@pytest.mark.parametrize("action", ["pausa", "ateruppta"])
def test_pause_and_resume_are_for_those_who_work_the_brists_verksamhet(app, world, login, action):
    set_epost(app, world.other.id, "registrator@fk-borta.example")
    kontakt_id, _ = raise_by_service(app, world.other_brist.id, world.users["other_ombud"].id)
    for role in ("ombud", "samordnare"):
        assert login(role).post(f"/kontakter/{kontakt_id}/{action}").status_code == 404
    assert login("ombud").post(f"/kontakter/999999/{action}").status_code == 404

    set_epost(app, world.home.id, FK_EPOST)
    home_kontakt, _ = raise_by_service(app, world.brist.id, world.users["ombud"].id)
    response = login("ledningsgrupp").post(f"/kontakter/{home_kontakt}/{action}")
    assert response.status_code == 403
    assert login("ombud").get(f"/kontakter/{home_kontakt}/{action}").status_code == 405
    anonymous = Client(app).post(f"/kontakter/{home_kontakt}/{action}")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    for kontakt in (kontakt_id, home_kontakt):
        assert _kontakt(app, kontakt)["paused_on"] is None


def test_pause_and_mottaget_need_the_csrf_token(app, asked):
    refused = asked["client"].http.post(f"/kontakter/{asked['kontakt']}/pausa")
    assert refused.status_code == 400
    anonymous = Client(app)
    receipt = anonymous.http.post(
        f"/svar/{asked['token']}/mottaget", data={"mottaget-handlaggare": "Enhet Syd"}
    )
    assert receipt.status_code == 400
    row = _kontakt(app, asked["kontakt"])
    assert row["paused_on"] is None and row["acknowledged_at"] is None


# --- A constant number of SQL statements per page ----------------------------------------


def test_answer_page_statement_count_does_not_grow_with_answers(app, asked):
    anonymous = Client(app)
    url = f"/svar/{asked['token']}"
    assert _answer(anonymous, asked["token"]).status_code == 302
    anonymous.get(url)
    with count_statements(app) as few:
        assert anonymous.get(url).status_code == 200
    for n in range(6):
        later = _answer(anonymous, asked["token"], typ="atgardat", promised_on="", text=f"Nu {n}")
        assert later.status_code == 302
    assert _acknowledge(anonymous, asked["token"]).status_code == 302
    with count_statements(app) as many:
        page = anonymous.get(url).get_data(as_text=True)
    assert "Nu 5" in page
    assert many["n"] == few["n"]
    assert few["n"] <= 12


def test_brist_page_statement_count_does_not_grow_with_paused_and_acknowledged_contacts(
    app, world, asked
):
    client = asked["client"]
    url = f"/brister/{asked['id']}"
    client.get(url)
    with count_statements(app) as few:
        assert client.get(url).status_code == 200
    for n in range(6):
        kontakt_id, _ = raise_by_service(
            app, asked["id"], world.users["ombud"].id, summary=f"Fråga {n}"
        )
        with session(app) as s:
            kontakt = s.get(Kontakt, kontakt_id)
            user = s.get(User, world.users["ombud"].id)
            followups_services.acknowledge_receipt(
                kontakt=kontakt, handlaggare=f"Enhet {n}", diarienummer=f"Dnr {n}"
            )
            if n % 3 == 0:
                followups_services.pause_kontakt(kontakt=kontakt, user=user, scope=scope_for(user))
            elif n % 3 == 1:
                followups_services.record_answer(
                    kontakt=kontakt,
                    typ=SvarTyp.BEGAR_KOMPLETTERING,
                    text=f"Vad menar ni med {n}?",
                    diarienummer="",
                    promised_on=None,
                    responsible_body="",
                )
            s.commit()
    with count_statements(app) as many:
        page = client.get(url).get_data(as_text=True)
    assert "Enhet 5" in page and "Vad menar ni med 4?" in page and "Pausad sedan" in page
    assert many["n"] == few["n"]
