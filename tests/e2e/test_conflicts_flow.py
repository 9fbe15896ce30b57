"""Two people edit the same brist in two browsers: the second is refused, sees the first's
change beside their own input, is refused again on pressing Save as it stands, and saves over
it once they tick that they have gone through it. The conflict page passes axe."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = pytest.mark.e2e


@pytest.fixture
def second_page(browser, live_server):
    """Another person's browser: a context of its own, with its own session."""
    context = browser.new_context(base_url=live_server, locale="sv-SE")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _open_edit(page, email: str, brist_id: int) -> None:
    page.goto("/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto(f"/brister/{brist_id}/redigera")


def test_the_second_save_is_refused_until_the_change_is_gone_through(
    page, second_page, world, axe_check
):
    anna, bo = page, second_page
    _open_edit(anna, world.users["ombud"].email, world.brist.id)
    _open_edit(bo, world.users["samordnare"].email, world.brist.id)

    anna.get_by_label("Rubrik", exact=True).fill("Annas rubrik")
    anna.get_by_role("button", name="Spara").click()
    expect(anna).to_have_url(re.compile(rf"/brister/{world.brist.id}$"))

    bo.get_by_label("Beskrivning", exact=True).fill("Bos beskrivning")
    bo.get_by_role("button", name="Spara").click()
    alert = bo.get_by_role("alert")
    expect(alert).to_contain_text("Någon annan har ändrat bristen medan du arbetade")
    expect(alert).to_contain_text("„Annas rubrik”")
    titel = bo.get_by_label("Rubrik", exact=True)
    expect(titel).to_have_accessible_description(re.compile("Sparat nu: Annas rubrik"))
    expect(bo.get_by_label("Beskrivning", exact=True)).to_have_value("Bos beskrivning")
    axe_check(bo)

    # Save again as it stands: refused again; Anna's heading stays.
    bo.get_by_role("button", name="Spara").click()
    expect(bo.get_by_role("alert")).to_contain_text("Någon annan har ändrat bristen")

    # Bo takes Anna's heading into his copy, says he has gone through it, and saves.
    titel.fill("Annas rubrik")
    bo.get_by_label("Jag har gått igenom ändringarna – spara min version").check()
    bo.get_by_role("button", name="Spara").click()
    expect(bo).to_have_url(re.compile(rf"/brister/{world.brist.id}$"))
    heading = bo.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Annas rubrik")
    expect(bo.locator("main")).to_contain_text("Bos beskrivning")
