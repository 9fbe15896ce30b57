"""benchmarks/generate.py writes history the app can show: every generated entry renders."""

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

from systemfel.brister import history
from systemfel.brister.domain import HandelseTyp

ROOT = Path(__file__).resolve().parents[2]


def _load_generate():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_generated_entry_renders_as_the_detail_page_does(app):
    """An edit's facts once lacked their values: the brist's page answered 500."""
    rows = _load_generate().Generator(seed=5, per_verksamhet=300).verksamhet(1)["handelse"]
    kinds = {row["typ"] for row in rows}
    assert HandelseTyp.ANDRAD.value in kinds
    with app.test_request_context():
        for row in rows:
            entry = SimpleNamespace(
                typ=HandelseTyp(row["typ"]), data=row["data"], changes=row["changes"]
            )
            assert isinstance(history.lines(entry), list)
    edits = [row for row in rows if row["typ"] == HandelseTyp.ANDRAD.value]
    with app.test_request_context():
        label, old, new = history.lines(
            SimpleNamespace(typ=HandelseTyp.ANDRAD, data=edits[0]["data"], changes=[])
        )[0]
    assert label == "Antal klienter" and old and new
