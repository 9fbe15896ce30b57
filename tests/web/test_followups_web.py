"""The follow-up pages through the test client: the start page, recording and moving a
follow-up, raising a brist with a myndighet, the myndighet's answer page, revoking its link,
the admin's outbox, and statement counts that do not grow with the data."""

import re
from contextlib import contextmanager
from datetime import timedelta

import lxml.html
import pytest
from sqlalchemy import func, select, update

from systemfel.access import scope_for
from systemfel.auth.models import User
from systemfel.brister.domain import Status
from systemfel.brister.models import Brist, Handelse
from systemfel.clock import local_today
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.followups import domain
from systemfel.followups import services as followups_services
from systemfel.followups.domain import Kanal, SvarTyp
from systemfel.followups.models import AnswerLink, Bevakning, Kontakt, Svar
from systemfel.notifications.domain import OutboxStatus
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.models import Myndighet, Verksamhet
from tests import factories
from tests.conftest import Client
from tests.sql import count_statements

PERSONNUMMER = "811218-9876"  # a valid personnummer (the Luhn digit checks out)
MASKED = "811218-****"
TODAY = local_today()
CALENDAR = domain.swedish_calendar(TODAY.year - 1, TODAY.year + 3)
TOKEN = re.compile(r"/svar/([A-Za-z0-9_-]+)")

FK = "Försäkringskassan"
FK_EPOST = "registrator@fk.example"


def working_day(days_ahead: int):
    """The first working day at least `days_ahead` days from today."""
    return CALENDAR.on_or_after(TODAY + timedelta(days=days_ahead))


def next_saturday():
    return TODAY + timedelta(days=(5 - TODAY.weekday()) % 7 or 7)


def next_christmas():
    christmas = TODAY.replace(month=12, day=25)
    return christmas if christmas > TODAY else christmas.replace(year=TODAY.year + 1)


# --- reading pages ------------------------------------------------------------------------


def _doc(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _summary(doc) -> str:
    boxes = doc.xpath('//div[contains(concat(" ", @class, " "), " error-summary ")]')
    assert boxes, "no error summary on the page"
    return " ".join(_text(box) for box in boxes)


def assert_refused(response, field_id: str, message: str, status: int = 422):
    """The form came back with `message` beside the field (class field-error) and on top."""
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    doc = _doc(response)
    beside = doc.xpath(
        f'//*[@id="{field_id}-error" and contains(concat(" ", @class, " "), " field-error ")]'
    )
    assert beside, f"no field-error beside {field_id}"
    assert message in _text(beside[0])
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
    if element.get("type") == "checkbox":
        return element.get("checked") is not None
    if element.get("type") == "radio":
        checked = [e.get("value") for e in elements if e.get("checked") is not None]
        return checked[0] if checked else None
    return element.get("value")


def sections(response) -> dict[str, list[str]]:
    """The start page's tables by caption (without the count): the text of each row."""
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    found = {}
    for table in _doc(response).xpath("//main//table"):
        caption = _text(table.xpath("./caption")[0])
        name = re.sub(r" \(\d+\)$", "", caption)
        found[name] = [
            " ".join(_text(cell) for cell in row.xpath("./td")) for row in table.xpath("./tbody/tr")
        ]
    return found


def titles_in(rows: list[str], titles) -> list[str]:
    """Which of `titles` each row shows, in the order of the rows."""
    shown = []
    for row in rows:
        matches = [t for t in titles if t in row]
        assert len(matches) == 1, (row, matches)
        shown.append(matches[0])
    return shown


def h1(response) -> str:
    return _text(_doc(response).xpath("//h1")[0])


# --- reading and writing the database -----------------------------------------------------


@contextmanager
def session(app):
    """A short app context for setting up or checking data, closed before the next request."""
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()


def counts(app) -> dict[str, int]:
    models = (Bevakning, Kontakt, AnswerLink, Svar, OutboxMessage, Handelse, Brist)
    with session(app) as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m)) for m in models}


def brist_state(app, brist_id: int) -> tuple:
    """Everything a follow-up form could change on one brist."""
    with session(app) as s:
        brist = s.get(Brist, brist_id)
        open_one = followups_services.open_bevakning(brist)
        return (
            brist.version,
            brist.status,
            brist.utfall,
            brist.closed_at,
            open_one.id if open_one else None,
            open_one.due_on if open_one else None,
            s.scalar(
                select(func.count()).select_from(Handelse).where(Handelse.brist_id == brist_id)
            ),
        )


def add_brist(app, world, owner: str = "ombud", verksamhet: str = "home", **fields) -> dict:
    """A brist registered through the service; returns its id, number and title."""
    with session(app) as s:
        home = s.get(Verksamhet, getattr(world, verksamhet).id)
        user = s.get(User, world.users[owner].id)
        brist = factories.brist(home, user, **fields)
        s.commit()
        return {"id": brist.id, "nummer": brist.nummer, "titel": brist.titel}


def set_due(app, brist_id: int, due_on) -> None:
    """Move the brist's open follow-up to `due_on`, straight in the database."""
    with session(app) as s:
        s.execute(
            update(Bevakning)
            .where(Bevakning.brist_id == brist_id, Bevakning.completed_at.is_(None))
            .values(due_on=due_on)
        )
        s.commit()


def myndighet_id(app, verksamhet_id: int, namn: str = FK) -> int:
    with session(app) as s:
        return s.scalar(
            select(Myndighet.id).where(
                Myndighet.verksamhet_id == verksamhet_id, Myndighet.namn == namn
            )
        )


def set_epost(app, verksamhet_id: int, epost: str, namn: str = FK) -> int:
    """Give a myndighet functional mailboxes; returns its id."""
    with session(app) as s:
        myndighet = s.scalar(
            select(Myndighet).where(
                Myndighet.verksamhet_id == verksamhet_id, Myndighet.namn == namn
            )
        )
        myndighet.epost = epost
        s.commit()
        return myndighet.id


def raise_by_service(
    app,
    brist_id: int,
    user_id: int,
    summary: str = "Besluten saknar motivering.",
    send_email: bool = True,
) -> tuple[int, str | None]:
    """Raise the brist with its own myndighet through the service; return (kontakt id, token)."""
    with session(app) as s:
        brist = s.get(Brist, brist_id)
        kontakt = followups_services.raise_with_myndighet(
            brist=brist,
            user=s.get(User, user_id),
            scope=scope_for(s.get(User, user_id)),
            myndighet=brist.myndighet,
            contacted_on=TODAY,
            kanal=Kanal.EPOST,
            summary=summary,
            send_email=send_email,
            answer_due_on=None,
        )
        s.commit()
        kontakt_id = kontakt.id
    return kontakt_id, (token_of(app, kontakt_id) if send_email else None)


def token_of(app, kontakt_id: int) -> str:
    """The answer token, read from the body of the request e-mail in the outbox."""
    with session(app) as s:
        body = s.scalar(
            select(OutboxMessage.body_text).where(
                OutboxMessage.idempotency_key == f"kontakt:{kontakt_id}"
            )
        )
    assert body, "no request e-mail in the outbox"
    match = TOKEN.search(body)
    assert match, body
    return match.group(1)


def kontakt_row(app, kontakt_id: int) -> dict:
    with session(app) as s:
        kontakt = s.get(Kontakt, kontakt_id)
        return {
            "answered_at": kontakt.answered_at,
            "links_revoked_at": kontakt.links_revoked_at,
            "next_reminder_on": kontakt.next_reminder_on,
            "answer_due_on": kontakt.answer_due_on,
            "svar": len(kontakt.svar),
        }


# --- the start page -----------------------------------------------------------------------


@pytest.fixture
def work(app, world):
    """Brister of the ombud, of the samordnare and of the other verksamhet, due at set days.

    Late answers: two for Försäkringskassan and one for Kronofogden in the home verksamhet;
    answered, revoked, not yet due and other-verksamhet contacts must not count.
    """
    ombud = {
        "Ombud försenad": TODAY - timedelta(days=3),
        "Ombud i dag": TODAY,
        "Ombud kommande": TODAY + timedelta(days=5),
        "Ombud långt fram": TODAY + timedelta(days=40),
    }
    ids = {}
    for titel, due in ombud.items():
        ids[titel] = add_brist(app, world, "ombud", titel=titel)["id"]
        set_due(app, ids[titel], due)
    ids["Samordnarens försenade"] = add_brist(
        app, world, "samordnare", titel="Samordnarens försenade"
    )["id"]
    set_due(app, ids["Samordnarens försenade"], TODAY - timedelta(days=1))
    ids["Samordnarens kommande"] = add_brist(
        app, world, "samordnare", titel="Samordnarens kommande"
    )["id"]
    set_due(app, ids["Samordnarens kommande"], TODAY + timedelta(days=20))
    # The world's own brister: the home one far away, the other verksamhet's overdue.
    set_due(app, world.brist.id, TODAY + timedelta(days=60))
    set_due(app, world.other_brist.id, TODAY - timedelta(days=2))

    fk = myndighet_id(app, world.home.id)
    kronofogden = myndighet_id(app, world.home.id, "Kronofogden")
    other_fk = myndighet_id(app, world.other.id)
    with session(app) as s:

        def kontakt(brist_id, myndighet, due, author, **extra):
            s.add(
                Kontakt(
                    brist_id=brist_id,
                    myndighet_id=myndighet,
                    contacted_on=TODAY - timedelta(days=40),
                    kanal=Kanal.EPOST,
                    summary="Fråga",
                    created_by_id=world.users[author].id,
                    answer_due_on=due,
                    **extra,
                )
            )

        kontakt(ids["Ombud försenad"], fk, TODAY - timedelta(days=5), "ombud")
        kontakt(ids["Samordnarens försenade"], fk, TODAY - timedelta(days=9), "samordnare")
        kontakt(ids["Ombud i dag"], kronofogden, TODAY - timedelta(days=1), "ombud")
        kontakt(ids["Ombud i dag"], fk, TODAY - timedelta(days=30), "ombud", answered_at=utcnow())
        kontakt(
            ids["Ombud kommande"],
            fk,
            TODAY - timedelta(days=30),
            "ombud",
            links_revoked_at=utcnow(),
        )
        kontakt(ids["Ombud kommande"], fk, TODAY + timedelta(days=3), "ombud")
        kontakt(world.other_brist.id, other_fk, TODAY - timedelta(days=50), "other_ombud")
        s.commit()
    return ids


ALL_TITLES = [
    "Ombud försenad",
    "Ombud i dag",
    "Ombud kommande",
    "Ombud långt fram",
    "Samordnarens försenade",
    "Samordnarens kommande",
    "Beslut saknar motivering",
    "Bortabristen syns inte",
]


def test_ombud_start_page_lists_their_follow_ups_by_when_they_are_due(login, work):
    response = login("ombud").get("/")
    assert h1(response) == "Mina bevakningar"
    found = sections(response)
    # Issue 13: the start page also lists the ombud's requests awaiting an answer.
    awaiting = found.pop("Mina förfrågningar som väntar på svar")
    assert titles_in(awaiting, ALL_TITLES) == ["Ombud försenad", "Ombud i dag", "Ombud kommande"]
    assert {name: titles_in(rows, ALL_TITLES) for name, rows in found.items()} == {
        "Försenade": ["Ombud försenad"],
        "I dag": ["Ombud i dag"],
        "Kommande tre veckor": ["Ombud kommande"],
    }
    body = response.get_data(as_text=True)
    assert "Myndigheter med försenade svar" not in body
    assert "Visa hela verksamheten" not in body
    # The dates are shown, and the rows link to the brister.
    assert (TODAY - timedelta(days=3)).isoformat() in found["Försenade"][0]
    assert f'href="/brister/{work["Ombud försenad"]}"' in body


def test_ombud_cannot_see_the_whole_verksamhet_with_visa_alla(login, work):
    client = login("ombud")
    own = client.get("/")
    asked = client.get("/?visa=alla")
    assert h1(asked) == "Mina bevakningar"
    assert sections(asked) == sections(own)
    body = asked.get_data(as_text=True)
    assert "Samordnarens" not in body
    assert "Myndigheter med försenade svar" not in body


def test_samordnare_start_page_shows_their_own_by_default(login, work):
    response = login("samordnare").get("/")
    assert h1(response) == "Mina bevakningar"
    found = sections(response)
    assert titles_in(found["Försenade"], ALL_TITLES) == ["Samordnarens försenade"]
    assert titles_in(found["Kommande tre veckor"], ALL_TITLES) == ["Samordnarens kommande"]
    assert "I dag" not in found
    assert 'href="/?visa=alla"' in response.get_data(as_text=True)


def test_samordnare_sees_the_whole_verksamhet_and_late_answers(login, world, work):
    response = login("samordnare").get("/?visa=alla")
    assert h1(response) == "Verksamhetens bevakningar"
    found = sections(response)
    late = found.pop("Myndigheter med försenade svar")
    # Her own requests stay hers, also while she looks at the whole verksamhet (issue 13).
    awaiting = found.pop("Mina förfrågningar som väntar på svar")
    assert titles_in(awaiting, ALL_TITLES) == ["Samordnarens försenade"]
    assert {name: titles_in(rows, ALL_TITLES) for name, rows in found.items()} == {
        "Försenade": ["Ombud försenad", "Samordnarens försenade"],  # oldest first
        "I dag": ["Ombud i dag"],
        "Kommande tre veckor": ["Ombud kommande", "Samordnarens kommande"],
    }
    # Whole verksamhet: the responsible ombud is named.
    assert "Hemma ombud" in found["Försenade"][0]
    assert "Hemma samordnare" in found["Försenade"][1]
    # Myndigheter with the most late answers first: how many, and the oldest deadline.
    assert late == [
        f"{FK} 2 {(TODAY - timedelta(days=9)).isoformat()}",
        f"Kronofogden 1 {(TODAY - timedelta(days=1)).isoformat()}",
    ]
    body = response.get_data(as_text=True)
    assert "Bortabristen syns inte" not in body
    assert world.other_brist.nummer not in body


def test_samordnare_without_late_answers_is_told_so(login, world):
    body = login("samordnare").get("/?visa=alla").get_data(as_text=True)
    assert "Myndigheter med försenade svar" in body
    assert "Inga försenade svar." in body


# --- recording a follow-up: bad input -----------------------------------------------------


def _record(client, brist_id, **changes):
    data = {"finding": "Myndigheten har inte svarat ännu.", "next_on": working_day(10).isoformat()}
    data.update(changes)
    return client.post(
        f"/brister/{brist_id}/uppfoljning", {k: v for k, v in data.items() if v is not None}
    )


@pytest.mark.parametrize(
    ("changes", "field_id", "message", "kept"),
    [
        ({"finding": ""}, "finding", "Skriv vad bevakningen visade.", "next_on"),
        ({"finding": "   "}, "finding", "Skriv vad bevakningen visade.", "next_on"),
        (
            {"next_on": (TODAY - timedelta(days=1)).isoformat()},
            "next_on",
            "Nästa bevakning måste ligga efter i dag.",
            "finding",
        ),
        (
            {"next_on": TODAY.isoformat()},
            "next_on",
            "Nästa bevakning måste ligga efter i dag.",
            "finding",
        ),
        (
            {"next_on": next_saturday().isoformat()},
            "next_on",
            "Datumet är inte en arbetsdag. Närmaste arbetsdag är "
            f"{CALENDAR.on_or_after(next_saturday()).isoformat()}.",
            "finding",
        ),
        ({"next_on": ""}, "next_on", "Ange datum för nästa bevakning som ÅÅÅÅ-MM-DD.", "finding"),
        (
            {"finding": f"Klienten {PERSONNUMMER} har fortfarande inget beslut."},
            "finding",
            MASKED,
            "finding",
        ),
    ],
    ids=["empty", "blank", "past", "today", "saturday", "no-date", "personnummer"],
)
def test_record_follow_up_refuses_bad_input(app, world, login, changes, field_id, message, kept):
    before, state = counts(app), brist_state(app, world.brist.id)
    data = {
        "finding": "Myndigheten har inte svarat ännu.",
        "next_on": working_day(10).isoformat(),
        **changes,
    }
    doc = assert_refused(_record(login("ombud"), world.brist.id, **changes), field_id, message)
    assert value(doc, kept) == data[kept]
    assert counts(app) == before
    assert brist_state(app, world.brist.id) == state


def test_saturday_message_suggests_the_next_working_day(app, world, login):
    saturday = next_saturday()
    monday = CALENDAR.on_or_after(saturday)
    assert monday > saturday and monday.weekday() < 5
    doc = assert_refused(
        _record(login("ombud"), world.brist.id, next_on=saturday.isoformat()),
        "next_on",
        monday.isoformat(),
    )
    assert value(doc, "next_on") == saturday.isoformat()


def test_ombud_may_not_close_through_the_follow_up_form(app, world, login):
    before, state = counts(app), brist_state(app, world.brist.id)
    response = _record(
        login("ombud"), world.brist.id, close="y", utfall="atgardad", finding="Det är åtgärdat."
    )
    assert response.status_code == 422
    doc = _doc(response)
    # The closing box is not on an ombud's form, so the message is in the summary.
    assert "Bara samordnaren kan stänga en brist." in _summary(doc)
    assert value(doc, "finding") == "Det är åtgärdat."
    assert counts(app) == before
    assert brist_state(app, world.brist.id) == state


def test_samordnare_closing_needs_an_utfall(app, world, login):
    before, state = counts(app), brist_state(app, world.brist.id)
    response = _record(
        login("samordnare"),
        world.brist.id,
        close="y",
        utfall="",
        finding="Det är åtgärdat.",
        next_on="",
    )
    doc = assert_refused(response, "utfall", "Välj ett utfall.")
    assert value(doc, "finding") == "Det är åtgärdat."
    assert value(doc, "close") is True
    assert counts(app) == before
    assert brist_state(app, world.brist.id) == state


# --- moving the follow-up: bad input ------------------------------------------------------


def test_move_refuses_a_holiday_and_suggests_the_next_working_day(app, world, login):
    christmas = next_christmas()
    before, state = counts(app), brist_state(app, world.brist.id)
    response = login("ombud").post(
        f"/brister/{world.brist.id}/bevakning",
        {"due_on": christmas.isoformat(), "reason": "Myndigheten har semester."},
    )
    doc = assert_refused(
        response,
        "due_on",
        "Datumet är inte en arbetsdag. Närmaste arbetsdag är "
        f"{CALENDAR.on_or_after(christmas).isoformat()}.",
    )
    assert value(doc, "due_on") == christmas.isoformat()
    assert value(doc, "reason") == "Myndigheten har semester."
    assert counts(app) == before
    assert brist_state(app, world.brist.id) == state


def test_move_to_a_working_day_is_saved_in_history(app, world, login):
    client = login("ombud")
    new_day = working_day(30)
    response = client.post(
        f"/brister/{world.brist.id}/bevakning",
        {"due_on": new_day.isoformat(), "reason": "Väntar på beslut."},
    )
    assert response.status_code == 302
    assert brist_state(app, world.brist.id)[5] == new_day
    page = client.get(f"/brister/{world.brist.id}").get_data(as_text=True)
    assert "Bevakningsdatum ändrat" in page
    assert new_day.isoformat() in page


# --- raising with a myndighet: bad input --------------------------------------------------


def _contact_data(app, world, **changes) -> dict:
    data = {
        "myndighet_id": str(myndighet_id(app, world.home.id)),
        "contacted_on": TODAY.isoformat(),
        "kanal": "epost",
        "summary": "Besluten saknar motivering och klienterna kan inte överklaga.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "field_id", "message", "kept"),
    [
        ({"summary": ""}, "summary", "Beskriv vad som lyftes.", "contacted_on"),
        (
            {"contacted_on": (TODAY + timedelta(days=1)).isoformat()},
            "contacted_on",
            "Datumet kan inte ligga i framtiden.",
            "summary",
        ),
        (
            {"send_email": "y"},
            "send_email",
            "Myndigheten har ingen funktionsbrevlåda i Systemfel.",
            "summary",
        ),
        ({"summary": f"Gäller bland annat {PERSONNUMMER}."}, "summary", MASKED, "summary"),
        ({"kanal": ""}, "kanal", "Gör ett val.", "summary"),
    ],
    ids=["empty-summary", "future-date", "no-mailbox", "personnummer", "no-kanal"],
)
def test_raise_refuses_bad_input(app, world, login, changes, field_id, message, kept):
    before, state = counts(app), brist_state(app, world.brist.id)
    data = _contact_data(app, world, **changes)
    response = login("ombud").post(f"/brister/{world.brist.id}/kontakt", data)
    doc = assert_refused(response, field_id, message)
    assert value(doc, kept) == data[kept]
    assert counts(app) == before
    assert brist_state(app, world.brist.id) == state


def test_raise_refuses_an_answer_date_not_after_today(app, world, login):
    set_epost(app, world.home.id, FK_EPOST)
    before = counts(app)
    data = _contact_data(app, world, send_email="y", answer_due_on=TODAY.isoformat())
    response = login("ombud").post(f"/brister/{world.brist.id}/kontakt", data)
    doc = assert_refused(response, "answer_due_on", "Svarsdatumet måste ligga efter i dag.")
    assert value(doc, "send_email") is True
    assert counts(app) == before


def test_raise_refuses_another_verksamhets_myndighet(app, world, login):
    before = counts(app)
    data = _contact_data(app, world, myndighet_id=str(myndighet_id(app, world.other.id)))
    response = login("ombud").post(f"/brister/{world.brist.id}/kontakt", data)
    assert_refused(response, "myndighet_id", "Inte ett giltigt val")
    assert counts(app) == before


# --- happy paths --------------------------------------------------------------------------


def test_record_follow_up_schedules_the_next_and_shows_it(app, world, login):
    client = login("ombud")
    next_on = working_day(12)
    response = _record(
        client,
        world.brist.id,
        finding="Myndigheten utreder fortfarande.",
        next_on=next_on.isoformat(),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/brister/{world.brist.id}"

    page = client.get(f"/brister/{world.brist.id}")
    doc = _doc(page)
    bevakning = _text(doc.xpath('//section[@aria-labelledby="bevakning-title"]')[0])
    assert f"Nästa bevakning: {next_on.isoformat()}" in bevakning
    assert "1 tidigare bevakning" in bevakning
    assert "Myndigheten utreder fortfarande." in bevakning
    latest = doc.xpath('//section[@aria-labelledby="history-title"]/ol/li')[0]
    assert _text(latest.xpath(".//strong")[0]) == "Bevakning genomförd"
    assert "Myndigheten utreder fortfarande." in _text(latest)
    assert f"→ {next_on.isoformat()}" in _text(latest)
    assert "Bevakningen är genomförd." in page.get_data(as_text=True)
    with session(app) as s:
        rows = s.scalars(
            select(Bevakning).where(Bevakning.brist_id == world.brist.id).order_by(Bevakning.id)
        ).all()
        assert len(rows) == 2
        assert rows[0].completed_at is not None
        assert rows[0].finding == "Myndigheten utreder fortfarande."
        assert rows[0].completed_by_id == world.users["ombud"].id
        assert (rows[1].completed_at, rows[1].due_on) == (None, next_on)


def test_samordnare_closes_through_the_follow_up_form(app, world, login):
    client = login("samordnare")
    response = _record(
        client,
        world.brist.id,
        close="y",
        utfall="atgardad",
        next_on="",
        finding="Myndigheten har ändrat sina mallar.",
    )
    assert response.status_code == 302
    with session(app) as s:
        brist = s.get(Brist, world.brist.id)
        assert brist.status == Status.STANGD
        assert brist.utfall.value == "atgardad"
        assert followups_services.open_bevakning(brist) is None
        assert (
            s.scalar(
                select(func.count())
                .select_from(Bevakning)
                .where(Bevakning.brist_id == world.brist.id, Bevakning.completed_at.is_(None))
            )
            == 0
        )
    page = client.get(f"/brister/{world.brist.id}").get_data(as_text=True)
    assert "Ingen bevakning: bristen är stängd." in page
    assert "Myndigheten har ändrat sina mallar." in page
    # A closed brist has no follow-up to record.
    again = client.get(f"/brister/{world.brist.id}/uppfoljning")
    assert again.status_code == 302


def test_raise_by_email_queues_the_request_and_moves_the_status(app, world, login):
    set_epost(app, world.home.id, f"{FK_EPOST}\nkundtjanst@fk.example")
    client = login("ombud")
    data = _contact_data(app, world, send_email="y")
    response = client.post(f"/brister/{world.brist.id}/kontakt", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with session(app) as s:
        kontakt = s.scalar(select(Kontakt).where(Kontakt.brist_id == world.brist.id))
        message = s.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == f"kontakt:{kontakt.id}")
        )
        assert message is not None
        assert message.recipients == [FK_EPOST, "kundtjanst@fk.example"]
        assert message.status == OutboxStatus.PENDING
        assert world.brist.titel in message.subject
        assert data["summary"] in message.body_text
        due = kontakt.answer_due_on
        assert due == CALENDAR.add_working_days(TODAY, 20)
        assert s.get(Brist, world.brist.id).status == Status.LYFT
        # Only the hash of the token is stored with the link.
        token = TOKEN.search(message.body_text).group(1)
        link = s.scalar(select(AnswerLink).where(AnswerLink.kontakt_id == kontakt.id))
        assert link.token_hash == followups_services.hash_token(token) != token
    page = client.get(f"/brister/{world.brist.id}").get_data(as_text=True)
    assert '<span class="badge badge-lyft">Lyft med myndighet</span>' in page
    assert f"Svar önskas senast {due.isoformat()}." in page
    assert f"Återkalla svarslänken till {FK}" in page


def test_raise_without_email_keeps_a_record_only(app, world, login):
    client = login("ombud")
    response = client.post(
        f"/brister/{world.brist.id}/kontakt", _contact_data(app, world, kanal="telefon")
    )
    assert response.status_code == 302
    assert counts(app)["OutboxMessage"] == 0
    assert counts(app)["AnswerLink"] == 0
    page = client.get(f"/brister/{world.brist.id}").get_data(as_text=True)
    assert "Telefon" in page
    assert "Svar önskas senast" not in page


def test_revoke_stops_the_answer_link(app, world, login):
    set_epost(app, world.home.id, FK_EPOST)
    kontakt_id, token = raise_by_service(app, world.brist.id, world.users["ombud"].id)
    anonymous = Client(app)
    assert anonymous.get(f"/svar/{token}").status_code == 200

    client = login("ombud")
    response = client.post(f"/kontakter/{kontakt_id}/aterkalla")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/brister/{world.brist.id}"
    row = kontakt_row(app, kontakt_id)
    assert row["links_revoked_at"] is not None
    assert row["next_reminder_on"] is None
    assert anonymous.get(f"/svar/{token}").status_code == 404
    page = client.get(f"/brister/{world.brist.id}").get_data(as_text=True)
    assert "Svarslänken återkallad." in page
    assert "Återkalla svarslänken" not in page


def test_revoke_of_another_verksamhets_contact_is_not_found(app, world, login):
    set_epost(app, world.other.id, "registrator@fk-borta.example")
    kontakt_id, token = raise_by_service(app, world.other_brist.id, world.users["other_ombud"].id)
    for role in ("ombud", "samordnare"):
        assert login(role).post(f"/kontakter/{kontakt_id}/aterkalla").status_code == 404
    assert login("ombud").post("/kontakter/999999/aterkalla").status_code == 404
    assert kontakt_row(app, kontakt_id)["links_revoked_at"] is None
    assert Client(app).get(f"/svar/{token}").status_code == 200


def test_ledningsgrupp_may_not_revoke(app, world, login):
    set_epost(app, world.home.id, FK_EPOST)
    kontakt_id, token = raise_by_service(app, world.brist.id, world.users["ombud"].id)
    response = login("ledningsgrupp").post(f"/kontakter/{kontakt_id}/aterkalla")
    assert response.status_code == 403
    assert "Ingen behörighet" in response.get_data(as_text=True)
    assert kontakt_row(app, kontakt_id)["links_revoked_at"] is None
    assert Client(app).get(f"/svar/{token}").status_code == 200


def test_revoke_needs_a_post_and_a_login(app, world, login):
    set_epost(app, world.home.id, FK_EPOST)
    kontakt_id, _ = raise_by_service(app, world.brist.id, world.users["ombud"].id)
    assert login("ombud").get(f"/kontakter/{kontakt_id}/aterkalla").status_code == 405
    response = Client(app).post(f"/kontakter/{kontakt_id}/aterkalla")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert kontakt_row(app, kontakt_id)["links_revoked_at"] is None


# --- the answer page ----------------------------------------------------------------------

SECRET_DESCRIPTION = "Intern beskrivning som myndigheten inte ska se."
SECRET_CONSEQUENCES = "Interna konsekvenser som myndigheten inte ska se."
SECRET_PROPOSAL = "Internt förslag som myndigheten inte ska se."
SECRET_FINDING = "Intern uppföljningsanteckning."
SENT_SUMMARY = "Besluten om bostadstillägg saknar motivering."


@pytest.fixture
def asked(app, world, login):
    """A brist with internal text and history, raised by e-mail through the web form."""
    brist = add_brist(
        app,
        world,
        titel="Bostadstillägg utan motivering",
        beskrivning=SECRET_DESCRIPTION,
        konsekvenser=SECRET_CONSEQUENCES,
        forslag_atgard=SECRET_PROPOSAL,
    )
    set_epost(app, world.home.id, FK_EPOST)
    client = login("ombud")
    assert _record(client, brist["id"], finding=SECRET_FINDING).status_code == 302
    response = client.post(
        f"/brister/{brist['id']}/kontakt",
        _contact_data(app, world, summary=SENT_SUMMARY, send_email="y"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with session(app) as s:
        kontakt_id = s.scalar(select(Kontakt.id).where(Kontakt.brist_id == brist["id"]))
    return {**brist, "kontakt": kontakt_id, "token": token_of(app, kontakt_id), "client": client}


def _answer(client, token, **changes):
    data = {
        "typ": "atgard_utlovad",
        "promised_on": working_day(20).isoformat(),
        "text": "Vi ser över mallarna.",
        "diarienummer": "FK 2026/123",
    }
    data.update(changes)
    return client.post(f"/svar/{token}", {k: v for k, v in data.items() if v is not None})


def test_answer_page_shows_only_what_was_sent(app, world, asked):
    response = Client(app).get(f"/svar/{asked['token']}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert asked["nummer"] in body
    assert asked["titel"] in body  # as sent; an edit since is not shown (test_answer_page.py)
    assert SENT_SUMMARY in body
    for secret in (
        SECRET_DESCRIPTION,
        SECRET_CONSEQUENCES,
        SECRET_PROPOSAL,
        SECRET_FINDING,
        "Historik",
        "Bevakning genomförd",
        "Observationer",
        "Hemma ombud",
        world.brist.titel,
        world.brist.nummer,
        world.other_brist.titel,
    ):
        assert secret not in body, secret
    assert f'href="/brister/{asked["id"]}"' not in body
    assert 'aria-label="Huvudmeny"' not in body


def test_myndighet_answers_with_a_promise(app, world, asked):
    promised = working_day(20)
    anonymous = Client(app)
    response = _answer(anonymous, asked["token"], promised_on=promised.isoformat())
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    thanks = anonymous.get(response.headers["Location"])
    assert "Tack för ert svar" in thanks.get_data(as_text=True)
    row = kontakt_row(app, asked["kontakt"])
    assert row["answered_at"] is not None and row["svar"] == 1
    assert row["next_reminder_on"] is None
    # The promise moves the open follow-up; the ombud is told by e-mail.
    assert brist_state(app, asked["id"])[5] == promised
    with session(app) as s:
        told = s.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key.like("svar:%")))
        assert told.recipients == [world.users["ombud"].email]

    page = asked["client"].get(f"/brister/{asked['id']}").get_data(as_text=True)
    assert "Åtgärd utlovad" in page
    assert f"Klart senast {promised.isoformat()}." in page
    assert "FK 2026/123" in page
    assert "Vi ser över mallarna." in page
    assert "Svar från myndighet" in page  # history
    assert "Svar mottaget" in page


def test_answer_page_does_not_sign_anyone_in(app, asked):
    anonymous = Client(app)
    assert anonymous.get(f"/svar/{asked['token']}").status_code == 200
    response = anonymous.get("/brister")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert _answer(anonymous, asked["token"]).status_code == 302
    response = anonymous.get(f"/brister/{asked['id']}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    ("changes", "field_id", "message", "kept"),
    [
        ({"promised_on": ""}, "promised_on", "Ange när åtgärden ska vara klar.", "text"),
        ({"text": f"Gäller {PERSONNUMMER} och fler."}, "text", MASKED, "diarienummer"),
        ({"diarienummer": PERSONNUMMER}, "diarienummer", MASKED, "text"),
        (
            {"typ": "ej_vart_ansvar", "promised_on": ""},
            "responsible_body",
            "Ange vilken myndighet eller verksamhet som ansvarar.",
            "text",
        ),
        ({"typ": None}, "typ", "Gör ett val.", "text"),
    ],
    ids=["no-promised-date", "personnummer-text", "personnummer-dnr", "no-responsible", "no-typ"],
)
def test_answer_refuses_bad_input(app, asked, changes, field_id, message, kept):
    before, state = counts(app), brist_state(app, asked["id"])
    data = {
        "typ": "atgard_utlovad",
        "promised_on": working_day(20).isoformat(),
        "text": "Vi ser över mallarna.",
        "diarienummer": "FK 2026/123",
        **changes,
    }
    doc = assert_refused(_answer(Client(app), asked["token"], **changes), field_id, message)
    assert value(doc, kept) == data[kept]
    assert counts(app) == before
    assert brist_state(app, asked["id"]) == state
    assert kontakt_row(app, asked["kontakt"])["answered_at"] is None


@pytest.mark.parametrize("days", [-30, 0, 3 * 366 + 30])
def test_answer_refuses_a_promised_date_not_ahead_or_too_far(app, asked, days):
    before, state = counts(app), brist_state(app, asked["id"])
    response = _answer(
        Client(app), asked["token"], promised_on=(TODAY + timedelta(days=days)).isoformat()
    )
    assert response.status_code == 422
    doc = _doc(response)
    assert doc.xpath('//*[@id="promised_on-error" and @class="field-error"]')
    assert counts(app) == before
    assert brist_state(app, asked["id"]) == state


def _assert_plain_404(response, asked):
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Sidan finns inte" in body
    for secret in (asked["titel"], asked["nummer"], SENT_SUMMARY, '<form method="post" novalidate'):
        assert secret not in body


def _changed(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


@pytest.mark.parametrize("how", ["wrong", "one-char-changed", "truncated", "too-long"])
def test_answer_link_that_was_never_sent_is_not_found(app, asked, how):
    token = asked["token"]
    bad = {
        "wrong": "x" * len(token),
        "one-char-changed": _changed(token),
        "truncated": token[:-1],
        "too-long": token + "a" * 100,
    }[how]
    anonymous = Client(app)
    _assert_plain_404(anonymous.get(f"/svar/{bad}"), asked)
    _assert_plain_404(_answer(anonymous, bad), asked)
    assert kontakt_row(app, asked["kontakt"])["svar"] == 0


def test_expired_answer_link_is_not_found(app, asked):
    with session(app) as s:
        s.execute(
            update(AnswerLink)
            .where(AnswerLink.kontakt_id == asked["kontakt"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        s.commit()
    anonymous = Client(app)
    _assert_plain_404(anonymous.get(f"/svar/{asked['token']}"), asked)
    _assert_plain_404(_answer(anonymous, asked["token"]), asked)
    assert kontakt_row(app, asked["kontakt"])["svar"] == 0


def test_revoked_answer_link_is_not_found(app, asked):
    assert asked["client"].post(f"/kontakter/{asked['kontakt']}/aterkalla").status_code == 302
    anonymous = Client(app)
    _assert_plain_404(anonymous.get(f"/svar/{asked['token']}"), asked)
    _assert_plain_404(_answer(anonymous, asked["token"]), asked)
    assert kontakt_row(app, asked["kontakt"])["svar"] == 0


def test_answer_link_attempts_are_rate_limited_per_address(app, asked, monkeypatch):
    monkeypatch.setitem(app.config, "ANSWER_LINK_ATTEMPTS_PER_HOUR", 3)
    anonymous = Client(app)
    statuses = [anonymous.get(f"/svar/{_changed(asked['token'])}").status_code for _ in range(3)]
    assert statuses == [404, 404, 404]
    # Past the limit even the right link is refused from that address ...
    limited = anonymous.get(f"/svar/{asked['token']}")
    assert limited.status_code == 429
    body = limited.get_data(as_text=True)
    assert "För många försök" in body
    assert asked["titel"] not in body
    assert _answer(anonymous, asked["token"]).status_code == 429
    assert kontakt_row(app, asked["kontakt"])["svar"] == 0
    # ... while another address still gets through.
    elsewhere = anonymous.http.get(
        f"/svar/{asked['token']}", environ_overrides={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert elsewhere.status_code == 200


# --- the outbox page ----------------------------------------------------------------------


@pytest.fixture
def outbox(app, world):
    """Two request e-mails in the outbox; the first has failed for good."""
    set_epost(app, world.home.id, FK_EPOST)
    first, _ = raise_by_service(app, world.brist.id, world.users["ombud"].id)
    other = add_brist(app, world, titel="Andra brevet")
    second, _ = raise_by_service(app, other["id"], world.users["ombud"].id)
    with session(app) as s:
        ids = {}
        for name, kontakt_id in (("failed", first), ("pending", second)):
            ids[name] = s.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.idempotency_key == f"kontakt:{kontakt_id}"
                )
            )
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == ids["failed"])
            .values(status=OutboxStatus.FAILED, attempts=8, last_error="550 Mailbox unavailable")
        )
        s.commit()
    return ids


def _status(app, message_id):
    with session(app) as s:
        message = s.get(OutboxMessage, message_id)
        return message.status, message.attempts, message.last_error


def test_admin_sees_the_outbox_failed_first(login, world, outbox):
    client = login("admin")
    doc = _doc(client.get("/admin/utskick/"))
    rows = [_text(row) for row in doc.xpath("//main//table/tbody/tr")]
    assert len(rows) == 2
    assert "Misslyckades" in rows[0] and world.brist.titel in rows[0]
    assert "Väntar" in rows[1] and "Andra brevet" in rows[1]
    assert FK_EPOST in rows[0]
    only_failed = _doc(client.get("/admin/utskick/?status=failed"))
    assert len(only_failed.xpath("//main//table/tbody/tr")) == 1


def test_admin_resends_a_failed_message(app, login, outbox):
    client = login("admin")
    page = client.get(f"/admin/utskick/{outbox['failed']}").get_data(as_text=True)
    assert "Skicka igen" in page
    assert "550 Mailbox unavailable" in page
    assert "Skicka igen" not in client.get(f"/admin/utskick/{outbox['pending']}").get_data(
        as_text=True
    )

    response = client.post(f"/admin/utskick/{outbox['failed']}/skicka-igen")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/utskick/{outbox['failed']}"
    assert _status(app, outbox["failed"]) == (OutboxStatus.PENDING, 0, "")
    page = client.get(f"/admin/utskick/{outbox['failed']}").get_data(as_text=True)
    assert "Meddelandet skickas igen vid nästa körning." in page
    assert "Skicka igen" not in page
    assert client.get("/admin/utskick/999999").status_code == 404


@pytest.mark.parametrize("role", ["ombud", "samordnare", "ledningsgrupp"])
def test_only_admin_reaches_the_outbox(app, login, outbox, role):
    client = login(role)
    for url in (
        "/admin/utskick/",
        "/admin/utskick/?status=failed",
        f"/admin/utskick/{outbox['failed']}",
        f"/admin/utskick/{outbox['pending']}",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert FK_EPOST not in response.get_data(as_text=True)
    assert client.post(f"/admin/utskick/{outbox['failed']}/skicka-igen").status_code == 403
    assert _status(app, outbox["failed"])[0] == OutboxStatus.FAILED


def test_outbox_needs_a_login(app, outbox):
    anonymous = Client(app)
    for url in ("/admin/utskick/", f"/admin/utskick/{outbox['failed']}"):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert anonymous.post(f"/admin/utskick/{outbox['failed']}/skicka-igen").status_code == 302
    assert _status(app, outbox["failed"])[0] == OutboxStatus.FAILED


# --- statement counts ---------------------------------------------------------------------


def _busy_brist(app, world, owner: str, titel: str, due, late: bool) -> int:
    """A brist with a done follow-up, an answered and an unanswered contact."""
    brist_id = add_brist(app, world, owner, titel=titel)["id"]
    with session(app) as s:
        brist = s.get(Brist, brist_id)
        user = s.get(User, world.users[owner].id)
        followups_services.record_bevakning(
            brist=brist,
            user=user,
            scope=scope_for(user),
            finding="Ingen ändring.",
            next_on=working_day(15),
        )
        for _ in range(2):
            followups_services.raise_with_myndighet(
                brist=brist,
                user=user,
                scope=scope_for(user),
                myndighet=brist.myndighet,
                contacted_on=TODAY,
                kanal=Kanal.EPOST,
                summary="Fråga",
                send_email=True,
                answer_due_on=None,
            )
        first = s.scalar(select(Kontakt).where(Kontakt.brist_id == brist_id).order_by(Kontakt.id))
        followups_services.record_answer(
            kontakt=first,
            typ=SvarTyp.ATGARDAT,
            text="Vi tittar.",
            diarienummer="",
            promised_on=None,
            responsible_body="",
        )
        s.commit()
    set_due(app, brist_id, due)
    if late:
        with session(app) as s:
            s.execute(
                update(Kontakt)
                .where(Kontakt.brist_id == brist_id, Kontakt.answered_at.is_(None))
                .values(answer_due_on=TODAY - timedelta(days=2))
            )
            s.commit()
    return brist_id


def test_start_page_statement_count_does_not_grow(app, world, login):
    set_epost(app, world.home.id, FK_EPOST)
    dues = [TODAY - timedelta(days=2), TODAY, TODAY + timedelta(days=4)]
    for n, due in enumerate(dues):
        for owner in ("ombud", "samordnare"):
            _busy_brist(app, world, owner, f"Bas {owner} {n}", due, late=True)
    client = login("samordnare")
    url = "/?visa=alla"
    client.get(url)
    with count_statements(app) as few:
        before = sections(client.get(url))
    assert before["Myndigheter med försenade svar"]
    for n in range(4):
        for due in dues:
            for owner in ("ombud", "samordnare"):
                _busy_brist(app, world, owner, f"Fler {owner} {n} {due}", due, late=True)
    with count_statements(app) as many:
        after = sections(client.get(url))
    assert len(after["Försenade"]) == 5 * len(before["Försenade"])
    assert many["n"] == few["n"]
    assert few["n"] <= 16  # issue 13 added her brister, requests, next meetings and the report


def test_detail_statement_count_does_not_grow_with_follow_ups_and_contacts(app, world, login):
    set_epost(app, world.home.id, FK_EPOST)
    brist_id = _busy_brist(app, world, "ombud", "Mycket bevakad", working_day(10), late=True)
    client = login("samordnare")
    url = f"/brister/{brist_id}"
    client.get(url)
    with count_statements(app) as few:
        assert client.get(url).status_code == 200
    with session(app) as s:
        brist = s.get(Brist, brist_id)
        users = [s.get(User, world.users[name].id) for name in ("ombud", "samordnare")]
        for n in range(8):
            user = users[n % 2]
            followups_services.record_bevakning(
                brist=brist,
                user=user,
                scope=scope_for(user),
                finding=f"Runda {n}",
                next_on=working_day(15 + n),
            )
            kontakt = followups_services.raise_with_myndighet(
                brist=brist,
                user=user,
                scope=scope_for(user),
                myndighet=brist.myndighet,
                contacted_on=TODAY,
                kanal=Kanal.EPOST,
                summary=f"Fråga {n}",
                send_email=True,
                answer_due_on=None,
            )
            if n % 2:
                followups_services.record_answer(
                    kontakt=kontakt,
                    typ=SvarTyp.ATGARDAT,
                    text=f"Svar {n}",
                    diarienummer="",
                    promised_on=None,
                    responsible_body="",
                )
        s.commit()
    with count_statements(app) as many:
        page = client.get(url).get_data(as_text=True)
    assert "Runda 7" in page and "Fråga 7" in page and "Svar 7" in page
    assert many["n"] == few["n"]
    assert few["n"] == 7  # one more than without contacts: the contacts with their answers


def test_sent_answer_link_is_masked_for_admins_and_scrubbed_after_sending(app, asked, login):
    from systemfel.notifications.jobs import send_due_messages
    from systemfel.notifications.models import OutboxMessage

    with app.app_context():
        message_id = db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.body_text.contains(asked["token"]))
        )
        db.session.remove()
    page = login("admin").get(f"/admin/utskick/{message_id}").get_data(as_text=True)
    assert asked["token"] not in page and "[borttaget]" in page
    with app.app_context():
        send_due_messages()
        message = db.session.get(OutboxMessage, message_id)
        assert asked["token"] not in message.body_text and message.secret_removed
        db.session.remove()
