"""The verksamhet's own mailbox: its samordnare sets it; it becomes Reply-To of its mail."""

import pytest

from systemfel.extensions import db
from systemfel.verksamheter.models import Verksamhet
from tests.sql import count_statements
from tests.web.test_admin import submit


def _url(world, which="home"):
    return f"/admin/verksamheter/{getattr(world, which).id}"


def _mailbox(app, world) -> str:
    with app.app_context():
        return db.session.get(Verksamhet, world.home.id).epost


def test_samordnare_sets_the_verksamhets_mailbox(app, world, login):
    client = login("samordnare")
    page = client.get(_url(world)).get_data(as_text=True)
    assert "Verksamhetens e-postadress" in page
    response = submit(client, _url(world), {"epost": "  po@hemma.example "})
    assert response.status_code == 302
    assert _mailbox(app, world) == "po@hemma.example"
    assert 'value="po@hemma.example"' in client.get(_url(world)).get_data(as_text=True)
    assert submit(client, _url(world), {"epost": ""}).status_code == 302
    assert _mailbox(app, world) == ""


@pytest.mark.parametrize("bad", ["po", "po@hemma", "po @hemma.example", "a" * 250 + "@x.se"])
def test_a_mailbox_that_is_no_address_is_refused_next_to_the_field_and_kept(app, world, login, bad):
    client = login("samordnare")
    response = submit(client, _url(world), {"epost": bad})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Ange en e-postadress" in page or "högst 254 tecken" in page
    assert 'id="epost-error"' in page or "epost" in page
    assert _mailbox(app, world) == ""


@pytest.mark.parametrize(
    ("role", "which", "status"),
    [
        ("ombud", "home", 403),
        ("ledningsgrupp", "home", 403),
        ("other_samordnare", "home", 404),
        ("samordnare", "other", 404),
        ("admin", "home", 302),
    ],
)
def test_only_the_verksamhets_samordnare_or_an_admin_sets_it(
    app, world, login, role, which, status
):
    client = login(role)
    response = client.post(
        _url(world, which), {"namn": "PO Hemma", "kommuner": "PO Hemma", "epost": "po@x.example"}
    )
    if which == "other":
        assert response.status_code == status
        return
    assert response.status_code in ((status,) if status == 302 else (403, 404)), (
        response.status_code
    )
    assert _mailbox(app, world) == ("po@x.example" if status == 302 else "")


def test_the_settings_page_sends_a_constant_number_of_statements(app, world, login):
    client = login("samordnare")
    client.get(_url(world))
    with count_statements(app) as first:
        assert client.get(_url(world)).status_code == 200
    submit(client, _url(world), {"epost": "po@hemma.example"})
    with count_statements(app) as second:
        assert client.get(_url(world)).status_code == 200
    assert first["n"] == second["n"]
