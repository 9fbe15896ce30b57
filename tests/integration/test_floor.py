"""benchmarks/floor.py, the bare Flask floor load.py measures the app against, serves the same
brister as the app: the same list for the same user, one brist's page, nothing of another
verksamhet's."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _floor_factory():
    """benchmarks/floor.py's create_app (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("floor", ROOT / "benchmarks" / "floor.py")
    assert spec and spec.loader
    floor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(floor)
    return floor.create_app


def test_the_floor_lists_and_shows_what_the_app_does(app, world, login, monkeypatch):
    ombud = world.users["ombud"]
    monkeypatch.setenv("FLOOR_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("FLOOR_EMAIL", ombud.email)
    floor_app = _floor_factory()()
    try:
        _compare(floor_app.test_client(), world, login)
    finally:
        floor_app.extensions["floor_database"].close()


def _compare(floor, world, login) -> None:
    assert floor.get("/login").status_code == 200

    page = floor.get("/brister").get_data(as_text=True)
    own = login("ombud").get("/brister").get_data(as_text=True)
    assert world.brist.nummer in page and world.brist.nummer in own
    assert world.other_brist.titel not in page and world.other_brist.titel not in own
    assert "<p>1 brister</p>" in page and "1 brist<" in own

    assert floor.get(f"/brister?q={world.brist.titel.split()[0]}").status_code == 200
    detail = floor.get(f"/brister/{world.brist.id}")
    assert detail.status_code == 200 and world.brist.titel in detail.get_data(as_text=True)
    assert floor.get(f"/brister/{world.other_brist.id}").status_code == 404
