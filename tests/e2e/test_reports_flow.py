"""A samordnare takes out the year's report, writes its introduction, regroups a theme, leaves
a brist out and takes it back, adds and edits a measure (6 c), freezes a version, exports it as
Word and looks at the statistics, in a real browser; every page passes axe."""

import docx
import pytest
from playwright.sync_api import expect

from systemfel.clock import local_today
from tests import factories

pytestmark = pytest.mark.e2e

SCREENSHOT = "/tmp/e2e-report.png"  # noqa: S108 - a person looks at it after a run


def test_generate_edit_freeze_and_statistics(page, world, axe_audit):
    year = local_today().year
    page.goto("/login")
    page.get_by_label("E-postadress").fill(world.users["samordnare"].email)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()

    # With one verksamhet, the samordnare goes straight to its report for this year.
    page.get_by_role("link", name="Redovisning", exact=True).click()
    page.get_by_label("År").fill(str(year - 1))
    page.get_by_role("button", name="Visa år").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Redovisning {year - 1}")
    axe_audit.check(page)
    page.get_by_label("År").fill(str(year))
    page.get_by_role("button", name="Visa år").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Redovisning {year}")
    expect(page.locator(".rapport-document")).to_contain_text(world.brist.nummer)
    axe_audit.check(page)

    intro = "Verksamheten har under året sett brister i bemötandet."
    page.get_by_label("Inledande text").fill(intro)
    page.get_by_role("button", name="Spara texterna").click()
    expect(page.get_by_text("Texterna är sparade.")).to_be_visible()
    expect(page.locator(".rapport-document")).to_contain_text("sett brister i bemötandet")

    # 6 b: the brist to a theme of its own, renamed; the lead sentence stays above it.
    page.get_by_label(f"Tema för {world.brist.titel}").select_option(label="Ett nytt tema")
    page.get_by_role("button", name="Spara texterna").click()
    expect(page.get_by_text("Texterna är sparade.")).to_be_visible()
    page.get_by_label("Temats rubrik").fill("Beslut som ingen förstår")
    page.get_by_role("button", name="Spara texterna").click()
    document = page.locator(".rapport-document")
    expect(document.get_by_role("heading", name="Beslut som ingen förstår")).to_be_visible()
    expect(document).to_contain_text("På handläggarnivå har 1 brist redovisats")
    axe_audit.check(page)

    # Left out with a reason, listed under Utelämnade, then taken back in.
    page.get_by_label("Brist", exact=True).select_option(index=0)
    page.get_by_label("Varför lämnas den utanför?").fill("Registrerad av misstag")
    page.get_by_role("button", name="Lämna utanför").click()
    expect(page.get_by_text("Bristen är utelämnad ur redovisningen.")).to_be_visible()
    expect(page.locator("#utelamnade")).to_contain_text("Registrerad av misstag")
    expect(document).not_to_contain_text(world.brist.nummer)
    axe_audit.check(page)
    page.get_by_role("button", name=f"Ta med {world.brist.nummer} igen").click()
    expect(page.get_by_text("Bristen är med i redovisningen igen.")).to_be_visible()
    expect(document).to_contain_text("Beslut som ingen förstår")

    # 6 c: a measure of her own, then its text edited and kept in place 1.
    page.get_by_label("Datum").fill(f"{year}-01-15")
    page.get_by_label("Vad gjordes?").fill("En mottagningstelefon för ombuden.")
    page.get_by_role("button", name="Lägg till åtgärden").click()
    expect(page.get_by_text("Åtgärden är tillagd.")).to_be_visible()
    measures = page.locator(".rapport-document ul.measures")
    expect(measures).to_contain_text(f"{year}-01-15: En mottagningstelefon för ombuden.")
    axe_audit.check(page)
    page.get_by_label("Text", exact=True).fill("Mottagningstelefon öppnad i januari.")
    page.get_by_label("Plats", exact=True).fill("1")
    page.get_by_role("button", name="Spara åtgärderna").click()
    expect(page.get_by_text("Åtgärderna är sparade.")).to_be_visible()
    expect(measures).to_contain_text("Mottagningstelefon öppnad i januari.")
    expect(page.get_by_text("Ursprunglig text: En mottagningstelefon för ombuden.")).to_be_visible()
    axe_audit.check(page)

    page.get_by_role("button", name="Frys en version").click()
    expect(page.get_by_text("Version 1 är fryst.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Fryst version 1")
    expect(page.locator("main")).to_contain_text("Mottagningstelefon öppnad i januari.")
    expect(page.locator("main")).to_contain_text("Beslut som ingen förstår")
    axe_audit.check(page)
    page.screenshot(path=SCREENSHOT, full_page=True)

    # Export the report as Word: the form's questions in order, the samordnare's measure in 6 c.
    with page.expect_download() as download:
        page.get_by_role("link", name="Word").first.click()
    word = docx.Document(download.value.path())
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    form = [h for h in headings if h[:3] in ("6 a", "6 b", "6 c")]
    assert [h[:3] for h in form] == ["6 a", "6 b", "6 c"]
    assert any("Mottagningstelefon öppnad i januari." in p.text for p in word.paragraphs)

    page.goto("/statistik")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistik")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    axe_audit.check(page)
    axe_audit.assert_clean()
