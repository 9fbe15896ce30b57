"""Free-text search against a real index (SQLite FTS5, PostgreSQL GIN): stems, numbers, sync."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from systemfel.access import scope_for
from systemfel.brister import queries, search, services
from systemfel.brister.domain import search_words
from systemfel.errors import ValidationError
from systemfel.extensions import db
from systemfel.privacy import stored
from systemfel.verksamheter.scope import Scope
from tests import factories

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Inflected Swedish words, so that stems and beginnings of words both come into play.
VOCABULARY = [
    "läkarbyte", "läkarbyten", "sjukpenning", "sjukpenningen", "bostadstillägg", "tolk",
    "tolkar", "beslut", "besluten", "handläggare", "handläggaren", "överförmyndaren",
    "försäkringskassan", "väntetid", "väntetider", "aktivitetsersättning",
]  # fmt: skip
# Text a person can save: no control characters (PostgreSQL stores no NUL) or lone surrogates.
SAVABLE = st.characters(blacklist_categories=("Cc", "Cs"))


@pytest.fixture
def home(ctx):
    verksamhet = factories.verksamhet("PO Sök")
    ombud = factories.UserFactory(verksamheter=[verksamhet])
    db.session.flush()
    return verksamhet, ombud


def found(text: str, scope: Scope) -> set[int]:
    """The ids of every brist a search for `text` finds within `scope`."""
    criteria = queries.BristFilter(scope=scope, text=text)
    return {brist.id for brist in queries.list_brister(criteria, "nummer", 1, 10_000).items}


def edit(brist, ombud, titel: str, beskrivning: str) -> None:
    """Change the title and description through the service, as the edit page does."""
    fields = services.BristFields(
        titel=titel, beskrivning=beskrivning, niva=brist.niva, myndighet_id=brist.myndighet_id,
        other_myndighet_ids=[], omrade_id=brist.omrade_id,
        first_observed_on=brist.first_observed_on, antal_klienter=brist.antal_klienter,
        konsekvenser="", forslag_atgard="", ansvarig_id=brist.ansvarig_id,
    )  # fmt: skip
    services.update_brist(
        brist=brist, user=ombud, scope=scope_for(ombud), fields=fields,
        expected_version=brist.version,
    )  # fmt: skip
    db.session.flush()


def test_an_inflected_word_finds_the_other_forms(ctx, home):
    verksamhet, ombud = home
    byte = factories.brist(verksamhet, ombud, titel="Nekat läkarbyte")
    factories.brist(verksamhet, ombud, titel="Något annat")
    scope = Scope(frozenset({verksamhet.id}))
    assert found("läkarbyten", scope) == {byte.id}
    assert found("LÄKARBYTET", scope) == {byte.id}


def test_the_beginning_of_a_word_finds_it(ctx, home):
    verksamhet, ombud = home
    brist = factories.brist(verksamhet, ombud, beskrivning="Ingen sjukpenning på tre månader.")
    scope = Scope(frozenset({verksamhet.id}))
    assert found("sjukpen", scope) == {brist.id}
    assert found("sjukpenningen", scope) == {brist.id}


def test_every_word_must_be_found(ctx, home):
    verksamhet, ombud = home
    both = factories.brist(verksamhet, ombud, titel="Tolk saknas", beskrivning="Lång väntetid.")
    factories.brist(verksamhet, ombud, titel="Tolk saknas", beskrivning="Inget mer.")
    assert found("tolk väntetiden", Scope(frozenset({verksamhet.id}))) == {both.id}


def test_the_number_whole_or_in_part_finds_the_brist(ctx, home):
    verksamhet, ombud = home
    first = factories.brist(verksamhet, ombud)
    second = factories.brist(verksamhet, ombud)
    scope = Scope(frozenset({verksamhet.id}))
    assert found(first.nummer, scope) == {first.id}
    assert found(second.nummer.lower(), scope) == {second.id}
    assert found(second.nummer.rsplit("-", 1)[1], scope) == {second.id}


@pytest.mark.parametrize("many_hits", [1, search.MANY_HITS])
def test_search_keeps_to_the_scope(ctx, home, monkeypatch, many_hits):
    """Both ways SQLite reads the hits (few, or many: in the list's order) find the same."""
    monkeypatch.setattr(search, "MANY_HITS", many_hits)
    verksamhet, ombud = home
    other, third = factories.verksamhet("PO Annan"), factories.verksamhet("PO Tredje")
    other_ombud = factories.UserFactory(verksamheter=[other, third])
    mine = factories.brist(verksamhet, ombud, titel="Tolk saknas")
    theirs = factories.brist(other, other_ombud, titel="Tolk saknas")
    third_brist = factories.brist(third, other_ombud, titel="Tolkar saknas")
    factories.brist(third, other_ombud, titel="Något annat")
    assert found("tolk", Scope(frozenset({verksamhet.id}))) == {mine.id}
    assert found("tolk", Scope(frozenset({other.id, third.id}))) == {theirs.id, third_brist.id}
    assert found("tolk", Scope.everything()) == {mine.id, theirs.id, third_brist.id}
    chosen = queries.BristFilter(scope=Scope.everything(), verksamhet_id=third.id, text="tolk")
    page = queries.list_brister(chosen, "nummer", 1, 25)
    assert [brist.id for brist in page.items] == [third_brist.id]


def test_an_edit_changes_what_finds_the_brist(ctx, home):
    verksamhet, ombud = home
    brist = factories.brist(verksamhet, ombud, titel="Tolk saknas")
    edit(brist, ombud, "Besked dröjer", "Väntetiden är lång.")
    scope = Scope(frozenset({verksamhet.id}))
    assert found("tolk", scope) == set()
    assert found("besked väntetid", scope) == {brist.id}


# Pieces of FTS5's and tsquery's syntax, and sizes no form would send.
HOSTILE = [
    '"', "*", "-", ":", "AND", "NEAR(", "()", "\x00", "😀", "a" * 10_000, "x " * 5_000,
    "' & | !", "\\", "OR NOT", "^a", "{titel}:", 'a" OR "b', "sjuk*",
]  # fmt: skip


@SETTINGS
@given(text=st.text(max_size=300) | st.sampled_from(HOSTILE))
def test_any_text_searches_without_error(ctx, home, text):
    verksamhet, _ombud = home
    found(text, Scope(frozenset({verksamhet.id})))
    found(text, Scope.everything())


@SETTINGS
@given(titel=st.text(SAVABLE, min_size=1, max_size=200))
def test_a_brist_is_found_by_any_word_of_its_title(ctx, home, titel):
    verksamhet, ombud = home
    assume(titel.strip())
    try:
        brist = factories.brist(verksamhet, ombud, titel=titel)
    except ValidationError:  # looks like a personnummer: refused, as it should be
        assume(False)
    scope = Scope(frozenset({verksamhet.id}))
    for word in titel.split():
        if search_words(word):
            assert brist.id in found(word, scope), word


def reference(texts: dict[int, str], query: str) -> set[int]:
    """Plain Python: each query stem begins some stem of the brist's text."""
    wanted = search_words(query)[:32]

    def has(stem: str, text: str) -> bool:
        if len(stem) == 1:
            return stem in search_words(text)
        return any(have.startswith(stem) for have in search_words(text))

    return {brist_id for brist_id, text in texts.items() if all(has(stem, text) for stem in wanted)}


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
@pytest.mark.parametrize("many_hits", [1, search.MANY_HITS])
def test_search_agrees_with_plain_python_after_random_edits(
    ctx, home, monkeypatch, many_hits, data
):
    monkeypatch.setattr(search, "MANY_HITS", many_hits)
    verksamhet, ombud = home
    phrase = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=4).map(" ".join)
    brister, texts = [], {}
    for titel in data.draw(st.lists(phrase, min_size=3, max_size=8)):
        brist = factories.brist(verksamhet, ombud, titel=titel, beskrivning="")
        brister.append(brist)
    for index, titel, beskrivning in data.draw(
        st.lists(st.tuples(st.integers(0, len(brister) - 1), phrase, phrase), max_size=8)
    ):
        edit(brister[index], ombud, titel, beskrivning)
    scope = Scope(frozenset({verksamhet.id}))
    mine = {brist.id for brist in brister}
    texts = {b.id: f"{b.nummer} {b.titel} {b.beskrivning}" for b in brister}
    prefix = st.sampled_from(VOCABULARY).flatmap(
        lambda w: st.integers(3, len(w)).map(lambda n: w[:n])
    )
    for query in data.draw(st.lists(phrase | prefix, min_size=5, max_size=10)):
        expected = reference(texts, query)
        assert found(query, scope) & mine == expected, query
        assert found(query, Scope.everything()) & mine == expected, query


def test_a_redaction_removes_the_number_from_the_index(ctx, home):
    verksamhet, ombud = home
    brist = factories.brist(verksamhet, ombud, titel="Tolk saknas", beskrivning="Se ärendet.")
    db.session.execute(
        db.update(type(brist)).where(type(brist).id == brist.id)
        .values(beskrivning="Se 19121212-1212.", search_stems="se 19121212 1212")
    )  # fmt: skip
    db.session.flush()
    scope = Scope(frozenset({verksamhet.id}))
    assert found("19121212", scope) == {brist.id}
    findings = stored.scan().findings
    stored.redact(findings, user_id=None, now=brist.created_at)
    assert found("19121212", scope) == set()
    assert found("borttaget tolk", scope) == {brist.id}


def test_the_migration_goes_down_and_up_again_and_backfills(app, ctx, home):
    """Down to the revision before (index and stems gone), and up: the brist is found again."""
    verksamhet, ombud = home
    brist = factories.brist(verksamhet, ombud, titel="Läkarbyten nekas")
    brist_id, verksamhet_id = brist.id, verksamhet.id
    db.session.commit()
    db.session.remove()
    downgrade(revision="a16search001-1")
    assert "search_stems" not in {c["name"] for c in sa.inspect(db.engine).get_columns("brist")}
    upgrade()
    db.session.remove()
    assert found("läkarbyte", Scope(frozenset({verksamhet_id}))) == {brist_id}
