"""An ombud registers, finds and escalates a brist in a real browser; every page passes axe."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = pytest.mark.e2e

TITLE = "Handläggningstiden för bostadstillägg är orimligt lång"
SEARCH_WORD = "bostadstillägg"
DESCRIPTION = "Ansökningar om bostadstillägg ligger obehandlade i flera månader."
REASON = "Samma mönster finns i hela landet och beror på regelverket."

# Fixed paths on purpose: a person looks at these after a run.
LIST_SCREENSHOT = "/tmp/e2e-list.png"  # noqa: S108
DETAIL_SCREENSHOT = "/tmp/e2e-detail.png"  # noqa: S108


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    # An ombud starts on their follow-ups; the brist list is one click away.
    expect(page.get_by_role("heading", level=1, name="Mina bevakningar")).to_be_visible()
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Brister").click()
    expect(page).to_have_url(re.compile(r"/brister$"))
    expect(page.get_by_role("heading", level=1, name="Brister")).to_be_visible()


def fill_register_form(page, title: str) -> None:
    """Fill every field of the register form through its label, as a user would."""
    expect(page.get_by_role("heading", level=1, name="Registrera brist")).to_be_visible()
    page.get_by_label("Rubrik", exact=True).fill(title)
    page.get_by_label("Beskrivning", exact=True).fill(DESCRIPTION)
    page.get_by_label("Lokal nivå", exact=True).check()
    page.get_by_label("Myndighet som berörs", exact=True).select_option(label="Försäkringskassan")
    omrade = page.get_by_label("Område", exact=True)
    first_omrade = omrade.locator("option:not([value=''])").first.text_content()
    omrade.select_option(label=first_omrade)
    observed = (date.today() - timedelta(days=3)).isoformat()
    page.get_by_label("Först observerad", exact=True).fill(observed)
    page.get_by_label("Antal klienter som berörts", exact=True).fill("3")
    page.get_by_label("Ansvarigt ombud", exact=True).select_option(label="Hemma ombud")


def expected_number(world) -> str:
    """The home verksamhet already has world.brist (…-0001); the next one is …-0002."""
    first = world.brist.nummer
    assert first.endswith("-0001"), first
    return first[: -len("0001")] + "0002"


def test_ombud_registers_finds_and_escalates_a_brist(page, world, axe_audit):
    nummer = expected_number(world)

    log_in(page, world.users["ombud"].email)
    axe_audit.check(page)

    # Register.
    page.get_by_role("main").get_by_role("link", name="Registrera brist").click()
    fill_register_form(page, TITLE)
    axe_audit.check(page)
    page.get_by_role("button", name="Registrera", exact=True).click()

    # The detail page of the new brist.
    expect(page).to_have_url(re.compile(r"/brister/\d+$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(nummer)
    expect(heading).to_contain_text(TITLE)
    expect(page.get_by_role("status").filter(has_text="är registrerad")).to_contain_text(nummer)
    expect(page.locator(".facts")).to_contain_text("Lokal nivå")
    expect(page.locator(".facts")).to_contain_text("Försäkringskassan")
    axe_audit.check(page)

    # Find it in the list by free text.
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Brister").click()
    expect(page.get_by_role("heading", level=1, name="Brister")).to_be_visible()
    page.get_by_label("Fritext").fill(SEARCH_WORD)
    page.get_by_role("button", name="Visa").click()
    expect(page).to_have_url(re.compile(r"[?&]q=bostadstill"))
    expect(page.locator("#result-count")).to_have_text("1 brist")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(TITLE)
    expect(rows.first).to_contain_text("Lokal nivå")
    expect(rows.first.get_by_role("link", name=nummer)).to_be_visible()
    axe_audit.check(page)
    page.screenshot(path=LIST_SCREENSHOT, full_page=True)

    # Open it and escalate.
    rows.first.get_by_role("link", name=nummer).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(nummer)
    page.get_by_role("navigation", name="Åtgärder för bristen").get_by_role(
        "link", name="Eskalera"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Eskalera")).to_be_visible()
    expect(page.get_by_text("Nuvarande nivå: Lokal nivå.")).to_be_visible()
    page.get_by_label("Central nivå", exact=True).check()
    page.get_by_label("Varför eskaleras bristen?").fill(REASON)
    axe_audit.check(page)
    page.get_by_role("button", name="Eskalera").click()

    # Back on the detail page: the level changed and the history says so.
    expect(page).to_have_url(re.compile(r"/brister/\d+$"))
    expect(page.get_by_role("status").filter(has_text="eskalerad")).to_have_text(
        "Bristen är eskalerad."
    )
    expect(page.locator(".facts")).to_contain_text("Central nivå")
    history = page.get_by_role("region", name="Historik").locator("ol.history > li")
    latest = history.first
    expect(latest.locator("strong")).to_have_text("Eskalerad")
    expect(latest.locator("ul > li")).to_have_text("Nivå: Lokal nivå → Central nivå")
    expect(latest.locator(".old")).to_have_text("Lokal nivå")
    expect(latest.locator(".new")).to_have_text("Central nivå")
    expect(latest.locator("p.prose")).to_have_text(REASON)
    expect(history.last.locator("strong")).to_have_text("Registrerad")
    axe_audit.check(page)
    page.screenshot(path=DETAIL_SCREENSHOT, full_page=True)

    # Every page above was checked with axe; fail here with all their violations.
    axe_audit.assert_clean()


def test_empty_title_shows_a_focusable_error_summary(page, world, axe_check):
    log_in(page, world.users["ombud"].email)
    page.goto("/brister/ny")
    fill_register_form(page, "")
    page.get_by_role("button", name="Registrera", exact=True).click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_have_attribute("tabindex", "-1")
    summary_title = summary.get_by_role("heading", name="Formuläret har fel som måste rättas")
    expect(summary_title).to_be_visible()
    link = summary.get_by_role("link", name="Rubrik: Fyll i fältet.")
    expect(link).to_have_attribute("href", "#titel")
    summary.focus()
    expect(summary).to_be_focused()

    title = page.get_by_label("Rubrik", exact=True)
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description(re.compile("Fyll i fältet."))
    # What the user typed elsewhere is kept.
    expect(page.get_by_label("Beskrivning", exact=True)).to_have_value(DESCRIPTION)
    expect(page.get_by_label("Lokal nivå", exact=True)).to_be_checked()

    # The summary's link takes the user to the field.
    link.click()
    expect(title).to_be_focused()

    # The error state passes axe too.
    axe_check(page)


def test_register_works_without_javascript(page_without_js, world):
    page = page_without_js
    nummer = expected_number(world)

    log_in(page, world.users["ombud"].email)
    page.get_by_role("main").get_by_role("link", name="Registrera brist").click()
    fill_register_form(page, TITLE)
    page.get_by_role("button", name="Registrera", exact=True).click()

    expect(page).to_have_url(re.compile(r"/brister/\d+$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(nummer)
    expect(heading).to_contain_text(TITLE)
    expect(page.locator(".facts")).to_contain_text("Lokal nivå")
