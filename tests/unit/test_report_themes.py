"""6 b in prose: themes, lead sentences per nivå, default theme summaries, and left-out
brister, on a year built from the kinds of brister in the seed documents (no app, no database)."""

from datetime import date

from systemfel.brister.domain import Niva
from systemfel.reports.domain import (
    NEW_THEME,
    BristFacts,
    HandelseSteg,
    Kind,
    RapportDocument,
    ThemeDraft,
    build_themes,
    count_year,
    default_theme_summary,
    document_from_dict,
    document_to_dict,
    edit_themes,
    lead_sentence,
    lead_sentences,
    left_out,
    select_year,
    without,
)


def facts(brist_id, titel, summary, myndighet, omrade, niva, on, verksamhet="PO Nacka"):
    return BristFacts(
        brist_id=brist_id,
        nummer=f"SF-{on.year}-{brist_id:04d}",
        titel=titel,
        summary=summary,
        verksamhet=verksamhet,
        myndighet=myndighet,
        omrade=omrade,
        first_niva=niva,
        handelser=(HandelseSteg(on, Kind.REGISTERED, antal_klienter=2),),
    )


H, L, C = Niva.HANDLAGGARE, Niva.LOKAL, Niva.CENTRAL
YEAR = [
    facts(1, "Inga bostäder för personer med skulder", "Hyresvärdar kräver skuldfrihet",
          "Socialtjänsten", "Boende", H, date(2026, 2, 3)),
    facts(2, "Utförsäkrade utan försörjning", "Ingen tar över när sjukpenningen upphör",
          "Försäkringskassan", "Sjukpenning", L, date(2026, 3, 9)),
    facts(3, "Bruten kontinuitet i psykiatrin", "Ny läkare vid varje besök.",
          "Region Stockholm", "Psykiatri", H, date(2025, 10, 1)),
    facts(4, "Brist på gode män", "Väntetiden på god man är över ett år",
          "Överförmyndaren", "God man", L, date(2026, 4, 14)),
    facts(5, "Långa handläggningstider", "Beslut om sjukpenning dröjer i månader",
          "Försäkringskassan", "Sjukpenning", H, date(2026, 5, 20)),
    facts(6, "Digitala tjänster stänger ute", "Den som saknar BankID kan inte ansöka",
          "Försäkringskassan", "Digitala tjänster", H, date(2026, 6, 1)),
]  # fmt: skip


def entries(year=2026, brister=YEAR):
    return select_year(brister, year)


def test_default_themes_group_by_niva_myndighet_and_omrade():
    themes = build_themes(entries())
    assert [(t.niva, t.titel, t.brist_ids) for t in themes] == [
        (H, "Försäkringskassan, Digitala tjänster", (6,)),
        (H, "Försäkringskassan, Sjukpenning", (5,)),
        (H, "Region Stockholm, Psykiatri", (3,)),
        (H, "Socialtjänsten, Boende", (1,)),
        (L, "Försäkringskassan, Sjukpenning", (2,)),
        (L, "Överförmyndaren, God man", (4,)),
    ]


def test_default_theme_summary_is_plain_sentences_without_numbers():
    found = [e for e in entries() if e.brist_id in (2, 5)]
    assert default_theme_summary(found) == (
        "Utförsäkrade utan försörjning. Ingen tar över när sjukpenningen upphör. "
        "Långa handläggningstider. Beslut om sjukpenning dröjer i månader."
    )
    assert default_theme_summary(found, {5: "dröjer.\n\nMycket"}, name_verksamhet=True) == (
        "Utförsäkrade utan försörjning (PO Nacka). Ingen tar över när sjukpenningen upphör. "
        "Långa handläggningstider (PO Nacka). Dröjer. Mycket."
    )


def test_lead_sentences_per_niva_against_the_year_before():
    leads = lead_sentences(entries(), entries(2025), 2026)
    assert leads == {
        H: "På handläggarnivå har 4 brister redovisats under 2026. Flest gäller myndigheten "
        "Försäkringskassan, med 2 brister. De rör områdena Boende, Digitala tjänster och "
        "Psykiatri med flera. 3 av dem är nya sedan 2025. Nytt på handläggarnivå är brister "
        "hos Försäkringskassan och Socialtjänsten.",
        L: "På lokal nivå har 2 brister redovisats under 2026. De gäller myndigheterna "
        "Försäkringskassan och Överförmyndaren. De rör områdena God man och Sjukpenning. "
        "Alla är nya sedan 2025.",
    }


def test_lead_sentence_one_brist_and_no_year_before():
    one = [e for e in entries() if e.brist_id == 4]
    assert lead_sentence(L, one, [], 2026) == (
        "På lokal nivå har 1 brist redovisats under 2026. Den gäller myndigheten "
        "Överförmyndaren. Den rör området God man."
    )
    assert lead_sentence(C, [], [], 2026) == ""


def test_while_the_year_runs_the_lead_counts_the_year_so_far():
    one = [e for e in entries() if e.brist_id == 4]
    assert lead_sentence(L, one, [], 2026, date(2026, 12, 1)).startswith(
        "På lokal nivå har 1 brist redovisats under 2026 (per 2026-12-01). "
    )


def test_moving_a_brist_renaming_and_rewriting_a_theme():
    year = entries()
    themes = build_themes(year)
    fk_h = next(t for t in themes if t.brist_ids == (5,))
    digital = next(t for t in themes if t.brist_ids == (6,))
    draft = edit_themes(
        themes,
        year,
        placement={6: fk_h.key, 1: NEW_THEME, 3: NEW_THEME},
        titles={fk_h.key: "Försäkringskassan stänger dörrar", digital.key: digital.titel},
        summaries={fk_h.key: fk_h.summary, digital.key: "Kvar?"},
    )
    # Only changes are kept: the unchanged summary and the emptied theme's texts are not.
    assert draft == ThemeDraft(
        placement={1: "egen1", 3: "egen1", 6: fk_h.key},
        titles={fk_h.key: "Försäkringskassan stänger dörrar"},
        summaries={},
    )
    after = build_themes(year, ThemeDraft.from_dict(draft.to_dict()))
    assert [(t.niva, t.titel, t.brist_ids) for t in after] == [
        (H, "Bruten kontinuitet i psykiatrin", (3, 1)),
        (H, "Försäkringskassan stänger dörrar", (5, 6)),
        (L, "Försäkringskassan, Sjukpenning", (2,)),
        (L, "Överförmyndaren, God man", (4,)),
    ]
    moved = after[1]
    assert moved.summary == (
        "Långa handläggningstider. Beslut om sjukpenning dröjer i månader. Digitala tjänster "
        "stänger ute. Den som saknar BankID kan inte ansöka."
    )
    # A second new theme gets the next number; a brist moved back to its default is no change.
    again = edit_themes(
        after, year, placement={2: NEW_THEME, 6: digital.key}, titles={}, summaries={}
    )
    assert again.placement == {1: "egen1", 3: "egen1", 2: "egen2"}


def test_a_theme_stands_under_the_highest_niva_of_its_brister():
    year = entries()
    draft = ThemeDraft(placement={2: "egen1", 1: "egen1"}, titles={"egen1": "Försörjning"})
    theme = next(t for t in build_themes(year, draft) if t.key == "egen1")
    assert (theme.niva, theme.titel, theme.brist_ids) == (L, "Försörjning", (1, 2))


def test_rollup_common_brister_are_themes_of_their_own_naming_the_verksamhet():
    solna = facts(7, "Utförsäkrade hänvisas runt", "Ingen handläggare svarar",
                  "Försäkringskassan", "Sjukpenning", H, date(2026, 8, 1), "PO Solna")  # fmt: skip
    year = entries(brister=[*YEAR, solna])
    themes = build_themes(year, rollup=True)
    common = [t for t in themes if t.common]
    assert [(t.niva, t.titel, t.brist_ids) for t in common] == [
        (L, "Försäkringskassan, Sjukpenning", (2, 5, 7)),
    ]
    assert common[0].summary == (
        "Utförsäkrade utan försörjning (PO Nacka). Ingen tar över när sjukpenningen upphör. "
        "Långa handläggningstider (PO Nacka). Beslut om sjukpenning dröjer i månader. "
        "Utförsäkrade hänvisas runt (PO Solna). Ingen handläggare svarar."
    )
    assert not any(t.common for t in build_themes(year))


def test_left_out_brister_are_in_no_count_theme_or_entry():
    reasons = {5: "Registrerad av misstag"}
    kept = without(YEAR, reasons)
    year = select_year(kept, 2026)
    assert 5 not in {e.brist_id for e in year}
    assert count_year(kept, 2026, year).new == 4
    assert count_year(YEAR, 2026).new == 5
    assert all(5 not in t.brist_ids for t in build_themes(year))
    assert [(x.nummer, x.reason) for x in left_out(YEAR, reasons)] == [
        ("SF-2026-0005", "Registrerad av misstag")
    ]


def test_themes_leads_and_exclusions_survive_freezing():
    year = entries()
    kept = without(YEAR, {5: "Av misstag"})
    document = RapportDocument(
        year=2026, verksamheter=("PO Nacka",), kommuner=(), has_routines=True,
        introduction="", closing="", sections=(), summaries={},
        counts=count_year(YEAR, 2026), previous=count_year(YEAR, 2025), examples=(),
        themes=tuple(build_themes(year)), leads=lead_sentences(year, [], 2026),
        appendix=False, excluded=tuple(left_out(YEAR, {5: "Av misstag"})),
    )  # fmt: skip
    back = document_from_dict(document_to_dict(document))
    assert [(t.key, t.titel, t.summary, t.brist_ids) for t in back.themes] == [
        (t.key, t.titel, t.summary, ()) for t in document.themes
    ]  # sections were empty: the entries a theme names are stored beside it
    assert back.leads == document.leads
    assert back.appendix is False
    assert back.excluded == document.excluded
    assert kept and back.in_prose and not back.shows_register


def test_a_version_frozen_before_themes_reads_as_the_register():
    document = RapportDocument(
        year=2026, verksamheter=("PO Nacka",), kommuner=(), has_routines=True,
        introduction="", closing="", sections=(), summaries={},
        counts=count_year(YEAR, 2026), previous=count_year(YEAR, 2025), examples=(),
    )  # fmt: skip
    old = document_to_dict(document)
    assert not {"themes", "leads", "appendix", "excluded"} & set(old)
    back = document_from_dict(old)
    assert back.themes == () and back.appendix and back.shows_register and not back.in_prose
