"""A brist's history keeps facts: the report reads kinds and data, people read lines rendered
in their language, and the migration reads the entries written before that back."""

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_migrate import downgrade, upgrade

from systemfel.access import scope_for
from systemfel.brister import history
from systemfel.brister import services as brister_services
from systemfel.brister.domain import NIVA_LABELS, UTFALL_LABELS, HandelseTyp, Niva, Utfall
from systemfel.brister.models import Handelse
from systemfel.extensions import db
from systemfel.meetings.domain import GruppTyp, Sektion
from systemfel.meetings.models import Ledningsgrupp, Mote, Punkt
from systemfel.reports import services as reports
from systemfel.reports.domain import Kind
from systemfel.reports.queries import brist_facts
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.integration.conftest import at

Y = 2026
BEFORE = "2454be7d0344"  # the revision before history kept facts


def _entries(scene):
    document, entries = reports.generate(
        scope=Scope.everything(),
        verksamhet_ids=frozenset({scene.verksamhet.id}),
        year=Y,
        rapport=None,
        threshold=3,
    )
    return document, {entry.titel: entry for entry in entries}


def _escalated_and_closed(scene, titel: str, reason: str, comment: str):
    """A brist registered in January, escalated to lokal in March, closed åtgärdad in May."""
    brist = scene.new_brist(titel=titel, now=at(date(Y, 1, 5)), first_observed_on=date(2024, 1, 1))
    brister_services.escalate_brist(
        brist=brist,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        to_niva=Niva.LOKAL,
        reason=reason,
        expected_version=brist.version,
        now=at(date(Y, 3, 2)),
    )
    brister_services.close_brist(
        brist=brist,
        user=scene.ombud,
        scope=factories.closing_scope(scene.ombud),
        utfall=Utfall.ATGARDAD,
        comment=comment,
        expected_version=brist.version,
        now=at(date(Y, 5, 6)),
    )
    db.session.commit()
    return brist


def test_an_ombuds_reason_that_begins_beslut_i_is_not_reported_as_a_decision(scene):
    _escalated_and_closed(
        scene,
        "Egna ord",
        reason="Beslut i socialnämnden 2026-02-01 följs inte av handläggarna.",
        comment="Beslut i Ledningsgruppen PO Bevakning 2026-05-05: avslutas som åtgärdad.",
    )

    [facts] = [
        f
        for f in brist_facts(Scope.everything(), frozenset({scene.verksamhet.id}), Y)
        if f.titel == "Egna ord"
    ]
    assert Kind.DECISION not in {handelse.kind for handelse in facts.handelser}
    document, entries = _entries(scene)
    assert not any(line.startswith("Beslut i") for line in entries["Egna ord"].actions)
    assert all(example.source != "beslut" for example in document.examples)


def test_rewording_a_label_does_not_change_the_report(scene, monkeypatch):
    """History written while the UI said something else is reported the same."""
    monkeypatch.setitem(NIVA_LABELS, Niva.LOKAL, "Kommunal nivå")
    monkeypatch.setitem(UTFALL_LABELS, Utfall.ATGARDAD, "Löst")
    _escalated_and_closed(scene, "Omdöpt", reason="Fler ärenden.", comment="Klart.")
    monkeypatch.undo()  # the labels are worded again as today

    _, entries = _entries(scene)
    entry = entries["Omdöpt"]
    assert (entry.niva, entry.is_open, entry.utfall) == (Niva.LOKAL, False, Utfall.ATGARDAD)
    assert any("lokal nivå" in line and "2026-03-02" in line for line in entry.history)


def test_history_lines_are_rendered_in_the_readers_language(app, scene):
    brist = scene.new_brist(
        titel="På engelska", now=at(date(Y, 1, 5)), first_observed_on=date(2024, 1, 1)
    )
    brister_services.escalate_brist(
        brist=brist,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        to_niva=Niva.LOKAL,
        reason="Fler ärenden.",
        expected_version=brist.version,
        now=at(date(Y, 3, 2)),
    )
    brister_services.close_brist(
        brist=brist,
        user=scene.ombud,
        scope=factories.closing_scope(scene.ombud),
        utfall=Utfall.ATGARDAD,
        comment="",
        expected_version=brist.version,
        now=at(date(Y, 5, 6)),
    )
    db.session.commit()
    escalated, closed = brist.handelser[-2:]
    with app.test_request_context(), force_locale("en"):
        assert history.title(escalated) == "Escalated"
        assert history.lines(escalated) == [("Level", "Case officer level", "Local level")]
        assert ("Outcome", "", "Resolved") in history.lines(closed)
    with app.test_request_context(), force_locale("sv"):
        assert history.lines(escalated) == [("Nivå", "Handläggarnivå", "Lokal nivå")]


def test_an_entry_records_the_day_it_happened_apart_from_when_it_was_recorded(scene):
    brist = scene.new_brist(now=at(date(Y, 3, 1)), first_observed_on=date(2024, 1, 1))
    brister_services.add_observation(
        brist=brist,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        observed_on=date(Y, 2, 20),
        antal_klienter=3,
        anteckning="Igen.",
        now=at(date(Y, 3, 4)),
    )
    db.session.commit()
    entry = brist.handelser[-1]
    assert (entry.typ, entry.happened_on, entry.data) == (
        HandelseTyp.OBSERVATION,
        date(Y, 2, 20),
        {"antal_klienter": 3},
    )
    assert entry.created_at == at(date(Y, 3, 4))


def _old_row(connection, brist_id, typ, text="", changes=(), day=date(Y, 3, 2)):
    connection.execute(
        sa.text(
            "INSERT INTO handelse (brist_id, typ, user_id, created_at, version, text, changes)"
            " VALUES (:b, :typ, NULL, :t, 1, :text, :changes)"
        ),
        {
            "b": brist_id,
            "typ": typ,
            "t": datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
            "text": text,
            "changes": json.dumps(list(changes)),
        },
    )


def test_the_migration_reads_old_entries_back_and_keeps_what_it_cannot_read(app, scene):
    one = scene.new_brist(titel="Ett", now=at(date(Y, 1, 5)), first_observed_on=date(2024, 1, 1))
    two = scene.new_brist(titel="Två", now=at(date(Y, 1, 6)), first_observed_on=date(2024, 1, 1))
    group = Ledningsgrupp(namn="LG Norr", typ=GruppTyp.ARBETANDE, ics_token="t" * 40)
    mote = Mote(ledningsgrupp=group, starts_at=at(date(Y, 4, 14)))
    db.session.add_all([group, mote])
    db.session.flush()
    db.session.add(Punkt(mote=mote, key="brist", sektion=Sektion.NYA, position=1, brist_id=one.id))
    db.session.execute(sa.delete(Handelse))
    db.session.commit()
    ids = {"one": one.id, "two": two.id, "nummer_two": two.nummer, "mote": mote.id}
    verksamhet_id = scene.verksamhet.id
    db.session.remove()

    downgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        _old_row(connection, ids["one"], "registrerad")
        _old_row(
            connection,
            ids["one"],
            "eskalerad",
            "Beslut i LG Norr 2026-04-14: eskaleras till lokal nivå. Brett problem.",
            [["Nivå", "Handläggarnivå", "Lokal nivå"]],
        )
        _old_row(
            connection,
            ids["two"],
            "eskalerad",
            "Beslut i socialnämnden 2026-02-01: eskaleras till lokal nivå. Mina ord.",
            [["Nivå", "Handläggarnivå", "Lokal nivå"]],
        )
        _old_row(
            connection,
            ids["two"],
            "stangd",
            "Dubblett.",
            [["Status", "Registrerad", "Stängd"], ["Utfall", "", "Sammanslagen med annan brist"],
             ["Sammanslagen med", "", ids["nummer_two"]]],
        )  # fmt: skip
        _old_row(connection, ids["two"], "observation", "2026-02-20: 4. Igen.")
        _old_row(connection, ids["two"], "andrad", "", [["Okänt fält", "a", "b"]])
        _old_row(connection, ids["two"], "svar", "Försäkringskassan: Åtgärd utlovad")
        _old_row(
            connection,
            ids["one"],
            "beslut",
            "Beslut i LG Norr 2026-04-14: bevakas till 2026-06-01. Håll koll.",
        )
    upgrade()

    rows = db.session.execute(
        sa.select(
            Handelse.brist_id, Handelse.typ, Handelse.data, Handelse.text, Handelse.happened_on
        ).order_by(Handelse.id)
    ).all()
    one_rows = [(r.typ, r.data, r.text, r.happened_on) for r in rows if r.brist_id == ids["one"]]
    two_rows = [(r.typ, r.data, r.text, r.happened_on) for r in rows if r.brist_id == ids["two"]]
    day, mote_day = date(Y, 3, 2), date(Y, 4, 14)
    decision = "Beslut i LG Norr 2026-04-14: eskaleras till lokal nivå. Brett problem."
    assert one_rows == [
        (HandelseTyp.REGISTRERAD, {}, "", day),
        (HandelseTyp.ESKALERAD, {"from": "handlaggare", "to": "lokal", "mote_id": ids["mote"]},
         decision, day),
        (HandelseTyp.BESLUT, {"mote_id": ids["mote"], "grupp": "LG Norr", "mote_on": "2026-04-14",
                              "beslut": "bevaka", "senast_on": "2026-06-01"}, "Håll koll.",
         mote_day),
        (HandelseTyp.BESLUT, {"mote_id": ids["mote"], "grupp": "LG Norr", "mote_on": "2026-04-14",
                              "beslut": "eskalera", "till_niva": "lokal"}, "Brett problem.",
         mote_day),
    ]  # fmt: skip
    assert two_rows == [
        # Not a meeting's decision: no meeting of "socialnämnden" had the brist on its agenda.
        (HandelseTyp.ESKALERAD, {"from": "handlaggare", "to": "lokal"},
         "Beslut i socialnämnden 2026-02-01: eskaleras till lokal nivå. Mina ord.", day),
        (HandelseTyp.STANGD, {"from": "registrerad", "utfall": "sammanslagen",
                              "merged_into_nummer": ids["nummer_two"],
                              "merged_into_id": ids["two"]}, "Dubblett.", day),
        (HandelseTyp.OBSERVATION, {"antal_klienter": 4}, "Igen.", date(Y, 2, 20)),
        (HandelseTyp.NOTERING, {"was": "andrad"}, "", day),
        (HandelseTyp.NOTERING, {"was": "svar"}, "Försäkringskassan: Åtgärd utlovad", day),
    ]  # fmt: skip
    unread = db.session.scalars(
        sa.select(Handelse).where(Handelse.typ == HandelseTyp.NOTERING).order_by(Handelse.id)
    ).all()
    assert unread[0].changes == [["Okänt fält", "a", "b"]]  # kept, and shown as it was
    assert history.lines(unread[0]) == [("Okänt fält", "a", "b")]
    for row in rows:
        HandelseTyp(row.typ)  # every kind is known
    [facts] = [
        f
        for f in brist_facts(Scope.everything(), frozenset({verksamhet_id}), Y)
        if f.titel == "Två"
    ]
    assert Kind.DECISION not in {handelse.kind for handelse in facts.handelser}
