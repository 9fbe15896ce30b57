"""An ombud raises a brist with a myndighet, the myndighet answers through its link without an
account, and the ombud records a follow-up, in a real browser; every page passes axe."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from systemfel.clock import local_today
from systemfel.extensions import db
from systemfel.followups import domain
from systemfel.followups.models import Kontakt
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.models import Myndighet
from tests import factories
from tests.e2e.conftest import TIMEOUT_MS

pytestmark = pytest.mark.e2e

FK = "Försäkringskassan"
FK_EPOST = "registrator@fk.example"
SUMMARY = "Besluten om aktivitetsersättning saknar motivering, så klienterna kan inte överklaga."
ANSWER = "Vi ser över beslutsmallarna under våren."
DIARIENUMMER = "FK 2026/4711"
FINDING = "Myndigheten har utlovat en åtgärd; vi bevakar att den blir av."
TOKEN = re.compile(r"/svar/([A-Za-z0-9_-]+)")

# Fixed paths on purpose: a person looks at these after a run.
ANSWER_SCREENSHOT = "/tmp/e2e-answer.png"  # noqa: S108
BEVAKNING_SCREENSHOT = "/tmp/e2e-followup.png"  # noqa: S108


def _give_mailbox(app, world) -> None:
    """The world's brist concerns Försäkringskassan, which starts without a mailbox."""
    with app.app_context():
        myndighet = db.session.scalar(
            select(Myndighet).where(Myndighet.verksamhet_id == world.home.id, Myndighet.namn == FK)
        )
        myndighet.epost = FK_EPOST
        db.session.commit()
        db.session.remove()


def _answer_path(app, brist_id: int) -> str:
    """The answer link, as the request e-mail in the outbox carries it."""
    with app.app_context():
        kontakt_id = db.session.scalar(select(Kontakt.id).where(Kontakt.brist_id == brist_id))
        body = db.session.scalar(
            select(OutboxMessage.body_text).where(
                OutboxMessage.idempotency_key == f"kontakt:{kontakt_id}"
            )
        )
        db.session.remove()
    assert body, "the request e-mail is not in the outbox"
    match = TOKEN.search(body)
    assert match, body
    return f"/svar/{match.group(1)}"


def _log_in(page, email: str, axe_audit) -> None:
    page.goto("/login")
    expect(page.get_by_role("heading", level=1, name="Logga in")).to_be_visible()
    axe_audit.check(page)
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def test_raise_answer_and_follow_up(page, browser, live_server, app, world, axe_audit):
    _give_mailbox(app, world)
    brist = world.brist
    today = local_today()
    calendar = domain.swedish_calendar(today.year - 1, today.year + 2)
    promised = calendar.on_or_after(today + timedelta(days=30))
    answer_due = calendar.add_working_days(today, 20)

    # The ombud lands on their follow-ups; the new brist's first one is coming up.
    _log_in(page, world.users["ombud"].email, axe_audit)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1, name="Mina bevakningar")).to_be_visible()
    coming = page.get_by_role("table", name=re.compile("^Kommande tre veckor"))
    expect(coming.locator("tbody tr")).to_have_count(1)
    axe_audit.check(page)

    # Open the brist and raise it with Försäkringskassan by e-mail.
    coming.get_by_role("link", name=brist.nummer).click()
    expect(page).to_have_url(re.compile(rf"/brister/{brist.id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(brist.titel)
    axe_audit.check(page)
    page.get_by_role("navigation", name="Åtgärder för bristen").get_by_role(
        "link", name="Lyft med myndighet"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Lyft med myndighet")).to_be_visible()
    expect(page.get_by_label("Myndighet", exact=True)).to_have_value(str(brist.myndighet_id))
    expect(page.get_by_label("Datum", exact=True)).to_have_value(today.isoformat())
    expect(page.get_by_label("E-post", exact=True)).to_be_checked()
    axe_audit.check(page)
    page.get_by_label("Vad lyftes?").fill(SUMMARY)
    page.get_by_label(re.compile("^Skicka från systemet")).check()
    page.get_by_role("button", name="Spara kontakt").click()

    # The brist page shows the contact and when an answer is due.
    expect(page).to_have_url(re.compile(rf"/brister/{brist.id}$"))
    expect(page.get_by_role("status").filter(has_text="Kontakten")).to_have_text(
        "Kontakten med myndigheten är sparad."
    )
    contacts = page.get_by_role("region", name="Kontakter med myndigheter")
    expect(contacts).to_contain_text(FK)
    expect(contacts).to_contain_text(SUMMARY)
    expect(contacts).to_contain_text(f"Svar önskas senast {answer_due.isoformat()}.")
    expect(page.locator(".badge-lyft")).to_have_text("Lyft med myndighet")
    axe_audit.check(page)

    # Waiting for the client's consent pauses the clock; sending the information resumes it.
    contacts.get_by_role("button", name=re.compile("^Väntar på klientens samtycke")).click()
    contacts = page.get_by_role("region", name="Kontakter med myndigheter")
    expect(contacts).to_contain_text("Pausad sedan")
    expect(contacts).to_contain_text("arbetsdagar kvar")
    axe_audit.check(page)
    contacts.get_by_role("button", name=re.compile("^Informationen är skickad")).click()
    expect(page.get_by_role("status").filter(has_text="Svarstiden")).to_contain_text(
        f"Svar önskas senast {answer_due.isoformat()}."
    )
    contacts = page.get_by_role("region", name="Kontakter med myndigheter")
    expect(contacts).to_contain_text(f"Svar önskas senast {answer_due.isoformat()}.")

    # The myndighet opens the link in the e-mail, in a browser of its own, without an account.
    answer_path = _answer_path(app, brist.id)
    context = browser.new_context(locale="sv-SE", base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    refused = []
    try:
        myndighet = context.new_page()
        myndighet.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        myndighet.goto(answer_path)
        expect(
            myndighet.get_by_role("heading", level=1, name="Svar om uppmärksammad brist")
        ).to_be_visible()
        # The number and the title as the request carried it.
        expect(myndighet.get_by_role("heading", level=2).first).to_have_text(
            f"Uppmärksammad brist {brist.nummer}: {brist.titel}"
        )
        expect(myndighet.get_by_role("main")).to_contain_text(SUMMARY)
        expect(myndighet.get_by_role("main")).not_to_contain_text(brist.beskrivning)
        expect(myndighet.get_by_role("navigation", name="Huvudmeny")).to_have_count(0)
        axe_audit.check(myndighet)
        myndighet.screenshot(path=ANSWER_SCREENSHOT, full_page=True)

        # "Mottaget" without answering yet: a personnummer is refused beside its field, then
        # the receipt lands on a page of its own; the answer page then says so.
        receipt = myndighet.get_by_role("region", name="Bekräfta att ni tagit emot frågan")
        receipt.get_by_label("Handläggare eller enhet").fill("Enhet Syd 811218-9876")
        receipt.get_by_role("button", name="Mottaget").click()
        receipt = myndighet.get_by_role("region", name="Bekräfta att ni tagit emot frågan")
        expect(receipt.locator(".error-summary")).to_be_visible()
        expect(receipt.get_by_label("Handläggare eller enhet")).to_have_attribute(
            "aria-invalid", "true"
        )
        axe_audit.check(myndighet)
        receipt.get_by_label("Handläggare eller enhet").fill("Enhet Syd")
        receipt.get_by_label("Diarienummer hos er").fill(DIARIENUMMER)
        receipt.get_by_role("button", name="Mottaget").click()
        expect(
            myndighet.get_by_role("heading", level=1, name="Tack för bekräftelsen")
        ).to_be_visible()
        axe_audit.check(myndighet)
        myndighet.get_by_role("link", name="Tillbaka till frågan för att svara").click()
        expect(myndighet.get_by_role("main")).to_contain_text("Ni bekräftade mottagandet")
        axe_audit.check(myndighet)

        # A promise without a date comes back with the message by the field; typing is kept.
        myndighet.get_by_label("Åtgärd utlovad", exact=True).check()
        myndighet.get_by_label("Kommentar").fill(ANSWER)
        myndighet.get_by_label("Ert diarienummer").fill(DIARIENUMMER)
        myndighet.get_by_role("button", name="Skicka svar").click()
        summary = myndighet.locator(".error-summary")
        expect(summary).to_be_visible()
        expect(
            summary.get_by_role(
                "link", name="Åtgärden är klar senast: Ange när åtgärden ska vara klar."
            )
        ).to_have_attribute("href", "#promised_on")
        date_field = myndighet.get_by_label("Åtgärden är klar senast")
        expect(date_field).to_have_attribute("aria-invalid", "true")
        expect(date_field).to_have_accessible_description(
            re.compile("Ange när åtgärden ska vara klar.")
        )
        expect(myndighet.get_by_label("Åtgärd utlovad", exact=True)).to_be_checked()
        expect(myndighet.get_by_label("Kommentar")).to_have_value(ANSWER)
        axe_audit.check(myndighet)

        date_field.fill(promised.isoformat())
        myndighet.get_by_role("button", name="Skicka svar").click()
        expect(myndighet.get_by_role("heading", level=1, name="Tack för ert svar")).to_be_visible()
        expect(myndighet.get_by_role("main")).to_contain_text("PO Hemma")
        axe_audit.check(myndighet)

        # The link takes a later answer: the page lists the earlier one above the form.
        myndighet.goto(answer_path)
        earlier = myndighet.get_by_role("region", name="Era svar hittills")
        expect(earlier).to_contain_text("Åtgärd utlovad")
        expect(earlier).to_contain_text(ANSWER)
        expect(
            myndighet.get_by_role("heading", level=2, name="Lämna ett nytt svar")
        ).to_be_visible()
        axe_audit.check(myndighet)
    finally:
        context.close()
    assert refused == [], "the answer page broke its own Content-Security-Policy"

    # Back as the ombud: the answer is on the brist page, and the follow-up moved to the promise.
    page.reload()
    contacts = page.get_by_role("region", name="Kontakter med myndigheter")
    answer = contacts.locator(".answer")
    expect(answer).to_have_count(1)
    expect(answer.locator("strong")).to_have_text("Åtgärd utlovad")
    expect(answer).to_contain_text(DIARIENUMMER)
    expect(answer).to_contain_text(f"Klart senast {promised.isoformat()}.")
    expect(answer).to_contain_text(ANSWER)
    expect(contacts).to_contain_text("Svar mottaget")
    expect(contacts).to_contain_text("Mottaget av myndigheten")
    expect(contacts).to_contain_text("Handläggare: Enhet Syd.")
    # Answered, the link can still be revoked.
    expect(contacts.get_by_role("button", name=f"Återkalla svarslänken till {FK}")).to_be_visible()
    bevakning = page.get_by_role("region", name="Bevakning")
    expect(bevakning).to_contain_text(f"Nästa bevakning: {promised.isoformat()}")
    history = page.get_by_role("region", name="Historik").locator("ol.history > li")
    expect(history.first.locator("strong")).to_have_text("Bevakningsdatum ändrat")
    expect(history.nth(1).locator("strong")).to_have_text("Svar från myndighet")
    axe_audit.check(page)

    # Record a follow-up; the proposed next date is filled in.
    bevakning.get_by_role("link", name="Genomför bevakning").click()
    expect(page.get_by_role("heading", level=1, name="Genomför bevakning")).to_be_visible()
    next_on = page.get_by_label("Nästa bevakning", exact=True)
    expect(next_on).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    proposed = next_on.input_value()
    axe_audit.check(page)
    page.get_by_label("Vad visade bevakningen?").fill(FINDING)
    page.get_by_role("button", name="Spara bevakningen").click()

    # The history shows the follow-up, and the next one is scheduled.
    expect(page).to_have_url(re.compile(rf"/brister/{brist.id}$"))
    expect(page.get_by_role("status").filter(has_text="Bevakningen")).to_have_text(
        "Bevakningen är genomförd."
    )
    latest = page.get_by_role("region", name="Historik").locator("ol.history > li").first
    expect(latest.locator("strong")).to_have_text("Bevakning genomförd")
    expect(latest.locator("p.prose")).to_have_text(FINDING)
    expect(latest.locator(".old")).to_have_text(promised.isoformat())
    expect(latest.locator(".new")).to_have_text(proposed)
    expect(page.get_by_role("region", name="Bevakning")).to_contain_text(
        f"Nästa bevakning: {proposed}"
    )
    axe_audit.check(page)
    page.screenshot(path=BEVAKNING_SCREENSHOT, full_page=True)

    # Every page above was checked with axe; fail here with all their violations.
    axe_audit.assert_clean()


def _broken_promise_and_due_check(app, world) -> tuple[int, int]:
    """The world's brist has a promise whose date passed; another, closed as åtgärdad four
    months ago, is due for its efterkontroll. Returns both brister's ids."""
    from systemfel.access import scope_for
    from systemfel.auth.models import User
    from systemfel.brister import services as brister_services
    from systemfel.brister.domain import Utfall
    from systemfel.brister.models import Brist
    from systemfel.dbtypes import utcnow
    from systemfel.followups import services as followups_services
    from systemfel.followups.domain import Kanal, SvarTyp
    from systemfel.verksamheter.models import Verksamhet

    _give_mailbox(app, world)
    today = local_today()
    with app.app_context():
        ombud = db.session.get(User, world.users["ombud"].id)
        samordnare = db.session.get(User, world.users["samordnare"].id)
        brist = db.session.get(Brist, world.brist.id)
        then = utcnow() - timedelta(days=40)
        kontakt = followups_services.raise_with_myndighet(
            brist=brist,
            user=ombud,
            scope=scope_for(ombud),
            myndighet=brist.myndighet,
            contacted_on=today - timedelta(days=40),
            kanal=Kanal.EPOST,
            summary=SUMMARY,
            send_email=True,
            answer_due_on=None,
            now=then,
        )
        followups_services.record_answer(
            kontakt=kontakt,
            typ=SvarTyp.ATGARD_UTLOVAD,
            text=ANSWER,
            diarienummer="",
            promised_on=today - timedelta(days=10),
            responsible_body="",
            now=then,
        )
        fixed = factories.brist(
            db.session.get(Verksamhet, world.home.id), ombud, titel="Blanketten var otydlig"
        )
        brister_services.close_brist(
            brist=fixed,
            user=samordnare,
            scope=scope_for(samordnare),
            utfall=Utfall.ATGARDAD,
            comment="Ny blankett.",
            expected_version=fixed.version,
            now=utcnow() - timedelta(days=130),
        )
        db.session.commit()
        ids = (brist.id, fixed.id)
        db.session.remove()
    return ids


def test_broken_promise_and_did_the_fix_last(page, live_server, app, world, axe_audit):
    promised_id, fixed_id = _broken_promise_and_due_check(app, world)
    _log_in(page, world.users["ombud"].email, axe_audit)

    # The start page asks "Håller åtgärden?" about the brist closed as åtgärdad.
    checks = page.get_by_role("table", name=re.compile(r"^Håller åtgärden\?"))
    expect(checks.locator("tbody tr")).to_have_count(1)
    axe_audit.check(page)

    # The brist whose promise was broken says so.
    page.goto(f"/brister/{promised_id}")
    promised_on = (local_today() - timedelta(days=10)).isoformat()
    expect(page.locator(".broken-promise")).to_contain_text(
        f"Utlovad åtgärd inte genomförd (utlovat till {promised_on}"
    )
    axe_audit.check(page)

    # One click: the flaw has come back. The brist is open again and marked for the group.
    page.goto("/")
    checks.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/brister/{fixed_id}"))
    region = page.get_by_role("region", name="Håller åtgärden?")
    axe_audit.check(page)
    region.get_by_role("button", name="Den har återkommit").click()
    expect(page.get_by_role("status").filter(has_text="öppnad igen")).to_have_text(
        "Bristen är öppnad igen och föreslås till ledningsgruppen."
    )
    expect(page.get_by_role("region", name="Ledningsgrupp")).to_contain_text(
        "Föreslås till ledningsgruppens nästa dagordning"
    )
    history = page.get_by_role("region", name="Historik")
    expect(history.get_by_role("link", name="Till stängningen")).to_be_visible()
    axe_audit.check(page)

    # The statistics count the promise and the check.
    page.goto("/statistik")
    expect(page.get_by_role("table", name="Utlovade åtgärder per myndighet")).to_contain_text(FK)
    expect(page.get_by_role("table", name="Kontroll av åtgärdade brister")).to_contain_text(
        "Bristen har återkommit"
    )
    axe_audit.check(page)
    axe_audit.assert_clean()
