"""Issue 14 in the browser: the minutes propose a savable decision for a central brist whose
reminders went unanswered; the group lifts it to the samordningsförbund instead; the ombud
records the förbund's answer; the samordnare opens Försäkringskassan's page before meeting it.
Every page passes axe."""

import re
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from systemfel.brister.domain import Niva
from systemfel.clock import STOCKHOLM, local_today
from systemfel.extensions import db
from systemfel.meetings import services
from systemfel.meetings.domain import GruppTyp
from systemfel.verksamheter.models import Myndighet
from systemfel.verksamheter.scope import Scope
from tests import factories

pytestmark = pytest.mark.e2e

BODY = "Samordningsförbundet Östra Södertörn"
SCREENSHOT = "/tmp/e2e-myndighet.png"  # noqa: S108 - a person looks at it after a run


def _held_agenda(app, world) -> tuple[int, int, str, int]:
    """A central brist with unanswered reminders on an agenda fastställd three days ago."""
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        ombud = db.session.get(type(world.users["ombud"]), world.users["ombud"].id)
        samordnare = db.session.get(type(ombud), world.users["samordnare"].id)
        brist = factories.brist(
            home, ombud, titel="Kontaktvägarna är bara digitala", niva=Niva.CENTRAL
        )
        brist.escalation_proposed_at = datetime.now(STOCKHOLM)
        group = services.create_group(
            scope=Scope.everything(),
            fields=services.GroupFields("Ledningsgruppen Hemma", GruppTyp.ARBETANDE, [home], ""),
        )
        day = local_today() - timedelta(days=3)
        mote = services.plan_mote(
            scope=Scope.everything(),
            group=group,
            fields=services.MoteFields(
                datetime.combine(day, time(13), STOCKHOLM), None, "Stadshuset", None
            ),
        )
        services.propose_dagordning(
            scope=Scope.everything(), mote=mote, expected_version=mote.version
        )
        services.faststall_dagordning(
            scope=Scope.everything(), mote=mote, user=samordnare, expected_version=mote.version
        )
        fk = db.session.scalar(
            select(Myndighet).where(
                Myndighet.verksamhet_id == home.id, Myndighet.namn == "Försäkringskassan"
            )
        )
        db.session.commit()
        values = mote.id, brist.id, brist.nummer, fk.id
        db.session.remove()
    return values


def _log_in(page, email: str, axe_audit) -> None:
    page.goto("/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def test_lift_answer_and_the_myndighets_page(page, app, world, axe_audit):
    mote_id, brist_id, nummer, fk_id = _held_agenda(app, world)

    # The minutes propose "Bevaka" with a date (not "Eskalera", which could not be saved).
    _log_in(page, world.users["samordnare"].email, axe_audit)
    page.goto(f"/moten/{mote_id}/protokoll")
    punkt = page.locator("section.protokoll-punkt").filter(
        has=page.get_by_role("heading", name=re.compile(nummer))
    )
    expect(punkt.get_by_label("Bevaka", exact=True)).to_be_checked()
    expect(punkt.get_by_label("Bevakas till")).not_to_have_value("")
    axe_audit.check(page)

    # The group lifts it to the samordningsförbund instead; a missing name is refused first.
    # Without JavaScript the lift's own fields are in a closed <details> until opened.
    punkt.get_by_label("Lyft till strategiskt organ", exact=True).check()
    punkt.get_by_text("Uppgifter om beslutet är: Lyft till strategiskt organ").click()
    punkt.get_by_label("Lyfts till (slags organ)").select_option("samordningsforbund")
    page.get_by_role("button", name="Gå vidare till att verkställa besluten").click()
    expect(page.get_by_role("alert")).to_contain_text("Ange organets namn.")
    axe_audit.check(page)
    punkt.get_by_label("Organets namn").fill(BODY)
    punkt.get_by_label("Beslutet i ord / åtgärd").fill("Förbundet tar det till FK centralt.")
    page.get_by_role("button", name="Gå vidare till att verkställa besluten").click()
    expect(page.locator("main")).to_contain_text(f"Till {BODY}")
    axe_audit.check(page)
    page.get_by_role("button", name="Spara protokollet och verkställ besluten").click()
    expect(page.get_by_text("Protokollet är sparat och besluten är verkställda.")).to_be_visible()
    axe_audit.check(page)
    page.get_by_role("button", name="Logga ut").click()

    # The ombud sees the lift on the brist and records the förbund's answer.
    _log_in(page, world.users["ombud"].email, axe_audit)
    page.goto(f"/brister/{brist_id}")
    main = page.locator("main")
    expect(main).to_contain_text(f"Lyft till {BODY} (Samordningsförbund)")
    expect(main).to_contain_text("svar väntas senast")
    axe_audit.check(page)
    page.get_by_role("link", name=f"Registrera svar från {BODY}").click()
    page.get_by_label("Vad organet svarade").fill("")
    page.get_by_role("button", name="Spara svaret").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe_audit.check(page)
    page.get_by_label("Vad organet svarade").fill("Styrelsen tar upp frågan i mars.")
    page.get_by_role("button", name="Spara svaret").click()
    expect(main).to_contain_text("Styrelsen tar upp frågan i mars.")
    expect(main).to_contain_text("Svar från strategiskt organ")
    axe_audit.check(page)
    page.get_by_role("button", name="Logga ut").click()

    # Before meeting Försäkringskassan, the samordnare opens its page from the list.
    _log_in(page, world.users["samordnare"].email, axe_audit)
    page.get_by_role("link", name="Myndigheter", exact=True).click()
    axe_audit.check(page)
    page.get_by_role("link", name="Försäkringskassan", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Försäkringskassan")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Kontaktvägarna är bara digitala")
    assert page.url.endswith(f"/myndigheter/{fk_id}")
    axe_audit.check(page)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    axe_audit.check(page)
    page.screenshot(path=SCREENSHOT, full_page=True)
    axe_audit.assert_clean()
