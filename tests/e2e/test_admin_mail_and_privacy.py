"""An admin's pages for mail and privacy in a real browser: the banner while an SMTP settings
fault pauses sending, a partly delivered message, sending failed mail again in bulk, and the
stored text with a personnummer removed after confirmation. Every page passes axe."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from systemfel.brister.models import Brist
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.notifications import services
from systemfel.notifications.domain import OutboxStatus
from systemfel.notifications.models import OutboxMessage
from tests import factories

pytestmark = pytest.mark.e2e


def _login(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


@pytest.fixture
def troubled_mail(app, world):
    """A partly delivered reminder, a failed one, sending paused by a wrong password."""
    with app.app_context():
        db.session.add_all(
            [
                OutboxMessage(
                    idempotency_key="paminnelse:1:1", to_addresses="a@fk.example\nb@fk.example",
                    subject="Påminnelse: Beslut saknar motivering", body_text="Hej",
                    status=OutboxStatus.PARTLY, delivered_to="a@fk.example",
                    refused={"b@fk.example": "550 5.1.1 No such user"}, attempts=1,
                ),
                OutboxMessage(
                    idempotency_key="paminnelse:2:1", to_addresses="c@fk.example",
                    subject="Påminnelse: Väntetider", body_text="Hej",
                    status=OutboxStatus.FAILED, refused={"c@fk.example": "550 no"}, attempts=1,
                ),
            ]
        )  # fmt: skip
        services.pause_sending("535 5.7.8 Authentication credentials invalid", utcnow())
        db.session.commit()
        db.session.remove()


def test_an_admin_sees_the_fault_and_sends_failed_mail_again(page, world, troubled_mail, axe_check):
    _login(page, world.users["admin"].email)
    page.goto("/admin/")
    expect(page.get_by_role("status").first).to_contain_text("E-post skickas inte sedan")
    axe_check(page)

    page.get_by_role("link", name="Utskick (e-post)").click()
    expect(page.get_by_role("heading", name="Utskick (e-post)")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Påminnelse: Beslut saknar motivering").click()
    expect(page.get_by_text("b@fk.example: 550 5.1.1 No such user")).to_be_visible()
    axe_check(page)

    page.goto("/admin/utskick/")
    page.get_by_label("Mottagare").fill("inte en adress")
    page.get_by_role("button", name="Skicka igen").click()
    expect(page.get_by_role("alert")).to_contain_text("Ange en e-postadress.")
    axe_check(page)
    page.get_by_label("Mottagare").fill("")
    page.get_by_label("Slag").select_option(label="Påminnelser till myndigheter")
    page.get_by_role("button", name="Skicka igen").click()
    expect(page.get_by_text("2 meddelanden skickas igen.")).to_be_visible()


def test_an_admin_removes_a_personnummer_from_stored_text(app, page, world, axe_check):
    with app.app_context():
        db.session.execute(
            sa.update(Brist)
            .where(Brist.id == world.brist.id)
            .values(beskrivning="Klienten 811218\u20139876 fick avslag.")
        )
        db.session.commit()
        db.session.remove()
    _login(page, world.users["admin"].email)
    page.goto("/admin/")
    page.get_by_role("link", name="Personnummer i sparad text").click()
    expect(page.get_by_role("cell", name="811218-****")).to_be_visible()
    axe_check(page)

    page.get_by_role("button", name="Ta bort numren").click()
    expect(page.get_by_role("alert")).to_contain_text("Bekräfta att numren ska tas bort.")
    axe_check(page)
    page.get_by_label("Jag vill ta bort numren ur texterna ovan").check()
    page.get_by_role("button", name="Ta bort numren").click()
    expect(page.get_by_text("Ingen sparad text innehåller")).to_be_visible()
    page.goto(f"/brister/{world.brist.id}")
    expect(page.get_by_text("Klienten [borttaget] fick avslag.")).to_be_visible()
    axe_check(page)


def test_a_samordnare_sets_a_myndighets_letter_to_monthly(app, page, world, axe_check):
    _login(page, world.users["samordnare"].email)
    page.goto(f"/admin/verksamheter/{world.home.id}/myndigheter")
    axe_check(page)
    page.get_by_role("link", name="Försäkringskassan").click()
    letter = page.get_by_label("Samlat brev med alla frågor som väntar på svar")
    expect(letter).to_have_value("veckovis")
    axe_check(page)
    letter.select_option(label="Varje månad")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("row", name=re.compile("Försäkringskassan"))).to_contain_text(
        "Varje månad"
    )
    axe_check(page)
