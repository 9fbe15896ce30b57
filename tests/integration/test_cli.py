"""The `systemfel` command: creating accounts and loading the demo once."""

from sqlalchemy import func, select

from systemfel.auth.models import User
from systemfel.brister.models import Brist
from systemfel.cli import main
from systemfel.extensions import db


def test_users_create_refuses_an_unknown_verksamhet(app):
    result = app.test_cli_runner().invoke(
        main,
        ["users", "create", "--email", "ny@exempel.se", "--namn", "Ny", "--role", "ombud",
         "--verksamhet", "PO Felstavad", "--password", "langt-losen-1"],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "No verksamhet is named 'PO Felstavad'" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "ny@exempel.se")) is None
        db.session.remove()


def test_users_create_makes_a_verksamhet_when_asked_to(app):
    result = app.test_cli_runner().invoke(
        main,
        [
            "users",
            "create",
            "--email",
            "Ny@Exempel.se",
            "--namn",
            "Ny Person",
            "--role",
            "samordnare",
            "--verksamhet",
            "PO Ny",
            "--new-verksamhet",
            "--password",
            "langt-losen-1",
        ],
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ny@exempel.se"))
        assert [v.namn for v in user.verksamheter] == ["PO Ny"]
        db.session.remove()


def test_users_create_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        main,
        [
            "users",
            "create",
            "--email",
            "a@b.se",
            "--namn",
            "A",
            "--role",
            "ombud",
            "--verksamhet",
            "PO A",
            "--new-verksamhet",
            "--password",
            "kort",
        ],
    )
    assert result.exit_code != 0
    assert "minst 10 tecken" in result.output


def test_demo_loads_once_and_prints_the_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["demo", "load", "--if-empty"])
    second = runner.invoke(main, ["demo", "load", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "ombud@sjostad.demo.se" in first.output
    assert "nothing loaded" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Brist)) == 10
        db.session.remove()
