"""Frozen versions are stored as JSON: a version stored before the data model moved into
domain.py loads as it was, and loading then storing gives the same JSON back."""

import json
from dataclasses import replace
from pathlib import Path

from systemfel.brister.domain import Niva, Utfall
from systemfel.reports.documents import rapport_text
from systemfel.reports.domain import FixesChecked, document_from_dict, document_to_dict
from tests.unit.test_report_documents import DOC

STORED = Path(__file__).parent / "data" / "frozen_report.json"


def _stored() -> dict:
    return json.loads(STORED.read_text(encoding="utf-8"))


def test_a_version_stored_earlier_loads_as_it_was():
    loaded = document_from_dict(_stored(), DOC.version_line)
    assert loaded == DOC
    entries = list(loaded.entries())
    assert [e.niva for e in entries] == sorted((e.niva for e in entries), key=list(Niva).index)
    assert any(e.utfall == Utfall.DELVIS_ATGARDAD for e in entries)
    assert rapport_text(loaded) == rapport_text(DOC)


def test_loading_and_storing_again_gives_the_same_json():
    stored = _stored()
    assert document_to_dict(document_from_dict(stored)) == stored
    assert json.loads(json.dumps(document_to_dict(DOC))) == stored


def test_the_version_line_is_added_when_loaded_not_stored():
    loaded = document_from_dict(_stored(), "Fryst version 2")
    assert loaded.version_line == "Fryst version 2"
    assert "version_line" not in document_to_dict(loaded)


def test_a_frozen_report_keeps_its_fixes_and_one_frozen_before_them_has_none():
    document = replace(DOC, fixes=FixesChecked(2, 1, 1, 0))
    stored = json.loads(json.dumps(document_to_dict(document)))
    assert document_from_dict(stored).fixes == FixesChecked(2, 1, 1, 0)
    loaded = document_from_dict(_stored())  # frozen before the efterkontroll existed
    assert loaded.fixes is None and loaded.fixes_line() == ""
