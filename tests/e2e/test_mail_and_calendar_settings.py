"""In a real browser: the samordnare sets the verksamhet's mailbox; a sent meeting is moved,
the page offers the update, and the meeting is called off on a second step. Every page
passes axe."""

import re

import pytest
from playwright.sync_api import expect

from systemfel.extensions import db
from systemfel.meetings import services as meetings
from systemfel.verksamheter.scope import Scope
from tests import factories

pytestmark = pytest.mark.e2e


def _login(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_the_samordnare_sets_the_mailbox_moves_and_calls_off_a_sent_meeting(
    app, page, world, axe_check
):
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        samordnare = db.session.get(type(world.users["samordnare"]), world.users["samordnare"].id)
        _, _, mote = factories.settled_mote(home, samordnare)
        meetings.send_dagordning(
            mote=mote, url="https://x.example/", scope=Scope.everything(), user=samordnare
        )
        db.session.commit()
        mote_id = mote.id
        db.session.remove()

    _login(page, world.users["samordnare"].email)
    page.goto(f"/admin/verksamheter/{world.home.id}")
    page.get_by_label("Verksamhetens e-postadress").fill("po@hemma")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("main")).to_contain_text("Ange en e-postadress")
    axe_check(page)
    page.get_by_label("Verksamhetens e-postadress").fill("po@hemma.example")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Verksamheten är sparad.")).to_be_visible()

    page.goto(f"/moten/{mote_id}/andra")
    page.get_by_label("Starttid").fill("15:00")
    page.get_by_role("button", name="Spara").click()
    offer = page.get_by_role("button", name="Skicka ändringen till ledamöterna")
    expect(offer).to_be_visible()
    axe_check(page)
    offer.click()
    expect(offer).to_have_count(0)

    page.get_by_role("link", name="Ställ in mötet").click()
    expect(page.locator("main")).to_contain_text("Det går inte att ångra.")
    axe_check(page)
    page.get_by_role("button", name="Ställ in mötet").click()
    expect(page.locator("main")).to_contain_text("Mötet är inställt.")
    axe_check(page)
