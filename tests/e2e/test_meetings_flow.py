"""A samordnare sets up a ledningsgrupp, plans a meeting, lets the system propose the agenda,
fastställer it, records a decision in the minutes, and the chosen justerare approves them; the
decision shows on the brist. Every page passes axe."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from systemfel.brister.domain import Niva
from systemfel.clock import local_today
from systemfel.extensions import db
from tests import factories

pytestmark = pytest.mark.e2e

GROUP = "Ledningsgruppen för PO Hemma"
SCREENSHOT = "/tmp/e2e-meeting.png"  # noqa: S108 - a person looks at it after a run


def _lokal_brist(app, world) -> tuple[int, str]:
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        ombud = db.session.get(type(world.users["ombud"]), world.users["ombud"].id)
        brist = factories.brist(
            home, ombud, titel="Boendestöd beviljas med för få timmar", niva=Niva.LOKAL
        )
        db.session.commit()
        values = brist.id, brist.nummer
        db.session.remove()
    return values


def _log_in(page, email: str, axe_audit) -> None:
    page.goto("/login")
    axe_audit.check(page)
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def test_plan_propose_faststall_decide_and_justera(page, app, world, axe_audit):
    brist_id, nummer = _lokal_brist(app, world)
    # Yesterday's meeting: its minutes are written after it has started (issue 13).
    day = local_today() - timedelta(days=1)

    # The samordnare creates the group and adds the psychiatry's representative with a login.
    _log_in(page, world.users["samordnare"].email, axe_audit)
    expect(page.get_by_role("heading", name="Nästa möte")).to_be_visible()  # her start page
    expect(page.get_by_text("Inget möte är planerat.")).to_be_visible()
    axe_audit.check(page)
    page.get_by_role("link", name="Ledningsgrupp", exact=True).click()
    axe_audit.check(page)
    page.get_by_role("link", name="Ny ledningsgrupp").click()
    page.get_by_label("Namn").fill(GROUP)
    page.get_by_label("Stående punkter på dagordningen").fill("Ledningsgruppens sammansättning")
    axe_audit.check(page)
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", level=1, name=GROUP)).to_be_visible()
    page.get_by_label("Namn").fill("Lena Ledamot")
    page.get_by_label("Organisation").fill("Regionens psykiatri")
    page.get_by_label("E-post").fill("lena@psykiatrin.example")
    login_label = "Hemma ledningsgrupp (ledningsgrupp@hemma.example)"
    page.get_by_label("Inloggning").select_option(label=login_label)
    page.get_by_role("button", name="Lägg till", exact=True).click()
    expect(page.get_by_role("cell", name="Lena Ledamot", exact=True)).to_be_visible()
    axe_audit.check(page)

    # Plan the meeting with Lena as justerare.
    page.get_by_role("link", name="Planera möte").click()
    page.get_by_label("Datum").fill(day.isoformat())
    page.get_by_label("Starttid").fill("13:00")
    page.get_by_label("Sluttid").fill("15:00")
    page.get_by_label("Plats eller länk").fill("Stadshuset, sal 2")
    page.get_by_label("Justerare").select_option(label="Lena Ledamot, Regionens psykiatri")
    page.get_by_label("Sekreterare").select_option(label="Lena Ledamot, Regionens psykiatri")
    axe_audit.check(page)
    page.get_by_role("button", name="Spara").click()

    # The system proposes the agenda, with the new lokal brist and why it is there.
    page.get_by_role("button", name="Föreslå dagordning").click()
    dagordning = page.locator("#dagordning")
    expect(dagordning.get_by_role("link", name=re.compile(nummer))).to_be_visible()
    expect(dagordning).to_contain_text("ny sedan föregående möte")
    expect(dagordning).to_contain_text("Ledningsgruppens sammansättning")
    axe_audit.check(page)
    page.get_by_role("button", name="Fastställ dagordningen").click()
    expect(page.get_by_text("Dagordningen är fastställd.")).to_be_visible()
    # Who the agenda reaches is said before it is sent.
    expect(page.get_by_text("Dagordningen skickas till 1 av 1 ledamot.")).to_be_visible()
    expect(page.locator("#dagordning")).to_contain_text("Kort beskrivning")
    axe_audit.check(page)

    # This meeting began yesterday (its minutes may be written): her start page lists only
    # meetings still to come, so it says none is planned (tests/web/test_start_pages.py shows
    # a coming meeting with the state of its agenda).
    mote_url = page.url
    page.goto("/")
    expect(page.locator("#nasta-mote + p")).to_have_text("Inget möte är planerat.")
    axe_audit.check(page)
    page.goto(mote_url)

    # The minutes: escalate the brist to central level, and apply.
    page.get_by_role("link", name="Protokoll", exact=True).click()
    punkt = page.locator("section.protokoll-punkt").filter(
        has=page.get_by_role("heading", name=re.compile(nummer))
    )
    punkt.get_by_label("Anteckningar").fill("Psykiatrin och kommunen ser samma mönster.")
    punkt.get_by_label("Eskalera", exact=True).check()
    # Without JavaScript each kind's fields wait in a closed <details>; only higher levels.
    punkt.get_by_text("Uppgifter om beslutet är: Eskalera").click()
    expect(punkt.get_by_label("Eskaleras till").locator("option")).to_have_count(2)
    punkt.get_by_label("Eskaleras till").select_option("central")
    punkt.get_by_label("Beslutet i ord / åtgärd").fill("Lyfts till samordningsförbundet.")
    axe_audit.check(page)
    # The irreversible step is confirmed on a page that lists what will be carried out.
    page.get_by_role("button", name="Gå vidare till att verkställa besluten").click()
    expect(page.get_by_role("heading", level=1, name="Verkställ besluten")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Beslut: Eskalera. Till Central nivå.")
    axe_audit.check(page)
    page.get_by_role("button", name="Spara protokollet och verkställ besluten").click()
    expect(page.get_by_text("Protokollet är sparat och besluten är verkställda.")).to_be_visible()
    axe_audit.check(page)
    page.get_by_role("button", name="Logga ut").click()

    # Lena, the justerare, approves the minutes with her own login.
    _log_in(page, world.users["ledningsgrupp"].email, axe_audit)
    expect(page.get_by_role("heading", level=1, name="Ledningsgruppens möten")).to_be_visible()
    axe_audit.check(page)  # her start page: the meeting is held, so no next meeting
    page.get_by_role("link", name="Ledningsgrupp", exact=True).click()
    page.get_by_role("link", name=GROUP).click()
    page.get_by_role("link", name=re.compile(day.isoformat())).click()
    axe_audit.check(page)
    page.get_by_role("link", name="Protokoll", exact=True).click()
    page.get_by_role("button", name="Justera protokollet").click()
    expect(page.get_by_text("Protokollet är justerat och låst.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Beslut: Eskalera. Till Central nivå.")
    expect(page.locator("main")).to_contain_text("Till justerare valdes Lena Ledamot.")
    axe_audit.check(page)
    page.screenshot(path=SCREENSHOT, full_page=True)

    # The decision is on the brist.
    page.goto(f"/brister/{brist_id}")
    main = page.locator("main")
    expect(main).to_contain_text(f"Beslut i {GROUP} {day.isoformat()}: Eskalera (Central nivå)")
    expect(main).to_contain_text("Central nivå")
    axe_audit.check(page)
    axe_audit.assert_clean()
