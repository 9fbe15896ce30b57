"""Issue 14, item 9: how a request's deadline and reminders were counted is shown where a
reader meets the dates — the request e-mail, the answer page and the brist page — with the
holidays the count passed over, by name."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from systemfel.notifications.models import OutboxMessage
from tests.conftest import Client
from tests.web.test_followups_web import FK_EPOST, add_brist, raise_by_service, session, set_epost

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# The example: asked on 2027-04-29, 20 working days on, Kristi himmelsfärd in between.
SENT = datetime.combine(date(2027, 4, 29), time(10), tzinfo=STOCKHOLM).astimezone(UTC)
FRIST = "20 arbetsdagar från 2027-04-29; Kristi himmelsfärdsdag 2027-05-06 räknas inte"


def _ask(app, world) -> tuple[dict, int, str]:
    brist = add_brist(app, world)
    set_epost(app, world.home.id, FK_EPOST)
    kontakt_id, token = raise_by_service(app, brist["id"], world.users["ombud"].id)
    return brist, kontakt_id, token


def test_the_request_mail_says_how_its_deadline_was_counted(app, world):
    with time_machine.travel(SENT, tick=False):
        _brist, kontakt_id, _token = _ask(app, world)
    with session(app) as s:
        body = s.scalar(
            select(OutboxMessage.body_text).where(
                OutboxMessage.idempotency_key == f"kontakt:{kontakt_id}"
            )
        )
    assert f"Vi ber om ert svar senast 2027-05-28 ({FRIST})." in body


def test_the_answer_page_says_how_the_deadline_was_counted(app, world):
    with time_machine.travel(SENT, tick=False):
        _brist, _kontakt_id, token = _ask(app, world)
        page = Client(app).get(f"/svar/{token}").get_data(as_text=True)
    assert f"Det är {FRIST}." in page


def test_the_brist_page_shows_the_deadline_and_every_reminder_as_counted(app, world, login):
    with time_machine.travel(SENT, tick=False):
        brist, _kontakt_id, _token = _ask(app, world)
        page = login("ombud").get(f"/brister/{brist['id']}").get_data(as_text=True)
    assert "Så räknades datumen" in page
    assert f"Svarsdatum 2027-05-28: {FRIST}." in page
    assert "Påminnelse 1 om svar saknas: 2027-05-31, 1 arbetsdag från 2027-05-28." in page
    assert "Påminnelse 2 om svar saknas: 2027-06-14, 10 arbetsdagar från 2027-05-31." in page
    assert "Nästa påminnelse: 2027-05-31." in page


def test_a_request_over_christmas_names_every_holiday_it_passed_over(app, world, login):
    before_christmas = datetime.combine(date(2026, 12, 10), time(10), tzinfo=STOCKHOLM)
    with time_machine.travel(before_christmas.astimezone(UTC), tick=False):
        brist, _kontakt_id, token = _ask(app, world)
        page = Client(app).get(f"/svar/{token}").get_data(as_text=True)
    # 20 working days from 10 December: julafton, juldagen, annandag jul, nyårsafton,
    # nyårsdagen and trettondedag jul are weekdays that do not count (annandag is a Saturday).
    assert (
        "Det är 20 arbetsdagar från 2026-12-10; Julafton 2026-12-24, Juldagen 2026-12-25, "
        "Nyårsafton 2026-12-31, Nyårsdagen 2027-01-01, Trettondedag jul 2027-01-06 "
        "räknas inte." in page
    )
