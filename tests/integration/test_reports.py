"""The report from real history: brister worked through the services over two years, read back
by the report queries, grouped by the rules, frozen, and compared."""

from datetime import date

import pytest

from systemfel.access import scope_for
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Niva, Utfall
from systemfel.errors import OutOfScope
from systemfel.extensions import db
from systemfel.followups import services as followups
from systemfel.followups.domain import SvarTyp
from systemfel.reports import domain, services
from systemfel.reports.queries import brist_facts
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.integration.conftest import at

Y1, Y2 = 2025, 2026


@pytest.fixture
def year_of_brister(scene):
    """Five brister over two years: closed across the new year, reopened, merged, escalated."""
    v = scene.verksamhet
    across = scene.new_brist(
        titel="Över årsskiftet",
        niva=Niva.LOKAL,
        now=at(date(Y1, 10, 1)),
        first_observed_on=date(2024, 1, 1),
    )
    brister_services.close_brist(
        brist=across,
        user=scene.ombud,
        scope=factories.closing_scope(scene.ombud),
        utfall=Utfall.ATGARDAD,
        comment="Rutinen ändrad.",
        expected_version=across.version,
        now=at(date(Y2, 2, 3)),
    )
    reopened = scene.new_brist(
        titel="Kom tillbaka", now=at(date(Y1, 3, 1)), first_observed_on=date(2024, 1, 1)
    )
    brister_services.close_brist(
        brist=reopened,
        user=scene.ombud,
        scope=factories.closing_scope(scene.ombud),
        utfall=Utfall.ATGARDAD,
        comment="",
        expected_version=reopened.version,
        now=at(date(Y1, 6, 1)),
    )
    brister_services.reopen_brist(
        brist=reopened,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        reason="Syns igen.",
        expected_version=reopened.version,
        now=at(date(Y2, 4, 1)),
    )
    target = scene.new_brist(
        titel="Huvudbristen",
        niva=Niva.CENTRAL,
        now=at(date(Y2, 1, 10)),
        first_observed_on=date(2024, 1, 1),
    )
    merged = scene.new_brist(
        titel="Dubbletten",
        antal_klienter=4,
        now=at(date(Y2, 1, 12)),
        first_observed_on=date(2024, 1, 1),
    )
    brister_services.close_brist(
        brist=merged,
        user=scene.ombud,
        scope=factories.closing_scope(scene.ombud),
        utfall=Utfall.SAMMANSLAGEN,
        comment="",
        merged_into=target,
        expected_version=merged.version,
        now=at(date(Y2, 2, 1)),
    )
    escalated = scene.new_brist(
        titel="Eskalerad",
        niva=Niva.HANDLAGGARE,
        now=at(date(Y2, 1, 5)),
        first_observed_on=date(2024, 1, 1),
    )
    brister_services.escalate_brist(
        brist=escalated,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        to_niva=Niva.LOKAL,
        reason="Fler ärenden.",
        expected_version=escalated.version,
        now=at(date(Y2, 3, 2)),
    )
    kontakt = scene.email_request(brist=escalated, now=at(date(Y2, 3, 3)))
    followups.record_answer(
        kontakt=kontakt,
        typ=SvarTyp.ATGARD_UTLOVAD,
        text="Vi utbildar handläggarna.",
        diarienummer="",
        promised_on=date(Y2, 9, 1),
        responsible_body="",
        now=at(date(Y2, 3, 20)),
    )
    db.session.commit()
    return {b.titel: b for b in (across, reopened, target, merged, escalated)} | {"v": v}


def _entries(scene, year):
    document, entries = services.generate(
        scope=Scope.everything(),
        verksamhet_ids=frozenset({scene.verksamhet.id}),
        year=year,
        rapport=None,
        threshold=3,
    )
    return document, {entry.titel: entry for entry in entries}


def test_a_brist_closed_after_new_year_is_open_in_one_year_and_closed_in_the_next(
    scene, year_of_brister
):
    _, first = _entries(scene, Y1)
    _, second = _entries(scene, Y2)
    assert first["Över årsskiftet"].is_open
    assert not second["Över årsskiftet"].is_open
    assert second["Över årsskiftet"].utfall == Utfall.ATGARDAD


def test_a_reopened_brist_is_closed_in_its_first_year_and_open_in_the_next(scene, year_of_brister):
    _, first = _entries(scene, Y1)
    _, second = _entries(scene, Y2)
    assert not first["Kom tillbaka"].is_open
    assert second["Kom tillbaka"].is_open


def test_a_merged_brist_appears_once_under_the_one_it_was_merged_into(scene, year_of_brister):
    _, second = _entries(scene, Y2)
    assert "Dubbletten" not in second
    target = second["Huvudbristen"]
    assert target.merged == (year_of_brister["Dubbletten"].nummer,)
    assert target.clients == 2 + 4


def test_an_escalated_brist_is_reported_at_its_year_end_level_with_its_history(
    scene, year_of_brister
):
    document, second = _entries(scene, Y2)
    entry = second["Eskalerad"]
    assert entry.niva == Niva.LOKAL
    assert any("lokal nivå" in line and "2026-03-02" in line for line in entry.history)
    assert any("Vi utbildar handläggarna." in line for line in entry.actions)
    levels = [section.niva for section in document.sections]
    assert levels == sorted(levels, key=list(Niva).index)


def test_counts_have_the_previous_year_beside_them(scene, year_of_brister):
    document, _ = _entries(scene, Y2)
    # Four registered in 2026; the one merged into another within the year is folded into it.
    assert document.counts.new == 3
    assert document.previous.new == 2


def test_a_frozen_version_does_not_change_when_brister_do(scene, year_of_brister):
    ids = frozenset({scene.verksamhet.id})
    samordnare = factories.UserFactory(
        role=factories.Role.SAMORDNARE, verksamheter=[scene.verksamhet]
    )
    rapport = services.save_draft(
        scope=Scope.everything(),
        verksamhet_ids=ids,
        year=Y2,
        introduction="Inledning.",
        closing="",
        summaries={},
        expected_version=0,
        user=samordnare,
    )
    version = services.freeze_rapport(
        scope=Scope.everything(), verksamhet_ids=ids, year=Y2, user=samordnare, threshold=3
    )
    db.session.commit()
    escalated = year_of_brister["Eskalerad"]
    brister_services.escalate_brist(
        brist=escalated,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        to_niva=Niva.CENTRAL,
        reason="Nationellt.",
        expected_version=escalated.version,
        now=at(date(Y2, 11, 2)),
    )
    db.session.commit()
    frozen = domain.document_from_dict(version.content)
    assert domain.document_to_dict(frozen) == version.content
    kept = {e.titel: e for e in list(frozen.entries())}
    assert kept["Eskalerad"].niva == Niva.LOKAL
    _, fresh = services.generate(
        scope=Scope.everything(), verksamhet_ids=ids, year=Y2, rapport=rapport, threshold=3
    )
    changes = domain.compare(list(frozen.entries()), fresh)
    assert [c.nummer for c in changes] == [escalated.nummer]


def test_the_facts_read_every_kind_of_event_back(scene, year_of_brister):
    facts = {
        f.titel: f for f in brist_facts(Scope.everything(), frozenset({scene.verksamhet.id}), Y2)
    }
    kinds = {e.kind.value for e in facts["Eskalerad"].handelser}
    assert {"registered", "niva", "answer"} <= kinds
    assert facts["Eskalerad"].first_niva == Niva.HANDLAGGARE
    merged = [e for e in facts["Dubbletten"].handelser if e.kind.value == "closed"]
    assert merged[0].merged_into_id == year_of_brister["Huvudbristen"].id


def test_a_merge_years_ago_still_adds_to_its_target(scene):
    target = scene.new_brist(
        titel="Gammal huvudbrist", now=at(date(2024, 2, 1)), first_observed_on=date(2024, 1, 1)
    )
    old = scene.new_brist(
        titel="Gammal dubblett",
        antal_klienter=5,
        now=at(date(2024, 2, 2)),
        first_observed_on=date(2024, 1, 1),
    )
    brister_services.close_brist(
        brist=old,
        user=scene.ombud,
        scope=factories.closing_scope(scene.ombud),
        utfall=Utfall.SAMMANSLAGEN,
        comment="",
        merged_into=target,
        expected_version=old.version,
        now=at(date(2024, 3, 1)),
    )
    db.session.commit()
    _, entries = _entries(scene, Y2)
    assert entries["Gammal huvudbrist"].merged == (old.nummer,)
    assert entries["Gammal huvudbrist"].clients == 2 + 5
    assert "Gammal dubblett" not in entries


def test_golden_docx_of_a_year_of_brister(scene, year_of_brister):
    """A year of real brister, through the services, the rules and the DOCX, read back."""
    import io

    import docx

    from systemfel.reports.documents import rapport_docx

    document, _ = services.generate(
        scope=Scope.everything(),
        verksamhet_ids=frozenset({scene.verksamhet.id}),
        year=Y2,
        rapport=None,
        threshold=3,
    )
    read = docx.Document(io.BytesIO(rapport_docx(document)))
    headings = [
        (p.style.name, p.text) for p in read.paragraphs if p.style.name.startswith("Heading")
    ]
    names = [text for _, text in headings]
    assert names.index("6 a Rutiner för uppmärksammade brister") < names.index(
        "6 b Sammanfattning av brister som rör den enskildes tillgång till vård, stöd och service"
    )
    levels = [text for style, text in headings if style == "Heading 2"]
    # 6 b in prose per nivå, then (included by default) the register as the appendix.
    assert levels == ["Handläggarnivå", "Lokal nivå", "Central nivå"] * 2
    assert ("Heading 3", "Försäkringskassan") in headings  # the appendix, by myndighet
    assert names.index("6 c Exempel på åtgärder som vidtagits") > names.index("Central nivå")
    assert names.index("Bilaga: förteckning") > names.index("6 c Exempel på åtgärder som vidtagits")
    text = "\n".join(p.text for p in read.paragraphs)
    prose = text[: text.index("6 c Exempel")]
    assert "På handläggarnivå har " in prose and "SF-" not in prose  # no numbers in 6 b
    order = ("Kom tillbaka", "Över årsskiftet", "Eskalerad", "Huvudbristen")
    positions = [text.index(year_of_brister[titel].nummer + " " + titel) for titel in order]
    assert positions == sorted(positions)  # handläggare; lokal by number (2025 first); central
    assert year_of_brister["Dubbletten"].nummer in text  # named under its target only
    assert text.count(year_of_brister["Dubbletten"].nummer + " Dubbletten") == 0
    assert "Vi utbildar handläggarna." in text


def test_a_report_outside_the_scope_is_refused_by_the_services(scene, year_of_brister):
    ids = frozenset({scene.verksamhet.id})
    elsewhere = Scope(verksamhet_ids=frozenset({scene.verksamhet.id + 1}))
    with pytest.raises(OutOfScope):
        services.generate(scope=elsewhere, verksamhet_ids=ids, year=Y2, rapport=None, threshold=3)
    with pytest.raises(OutOfScope):
        services.draft_for(elsewhere, ids, Y2)


def test_only_a_scope_that_edits_reports_writes_or_freezes_one(scene, year_of_brister):
    ids = frozenset({scene.verksamhet.id})
    reader = Scope(verksamhet_ids=ids)  # sees the verksamhet, may not edit its report
    with pytest.raises(OutOfScope):
        services.save_draft(
            scope=reader,
            verksamhet_ids=ids,
            year=Y2,
            introduction="Inledning.",
            closing="",
            summaries={},
            expected_version=0,
            user=scene.ombud,
        )
    with pytest.raises(OutOfScope):
        services.freeze_rapport(
            scope=reader, verksamhet_ids=ids, year=Y2, user=scene.ombud, threshold=3
        )
    assert services.draft_for(reader, ids, Y2) is None
