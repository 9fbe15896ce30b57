"""The brist list page for users who see many verksamheter: count, pages and filter choices."""

import re

import pytest
from sqlalchemy import select

from systemfel.auth.domain import Role
from systemfel.auth.models import User
from systemfel.brister import queries
from systemfel.extensions import db
from systemfel.verksamheter.models import Myndighet, Verksamhet
from tests import factories
from tests.sql import count_statements


def _add_brister(app, world, how_many, where="home"):
    with app.app_context():
        verksamhet = db.session.get(Verksamhet, getattr(world, where).id)
        user = db.session.get(User, world.users["ombud" if where == "home" else "other_ombud"].id)
        for n in range(how_many):
            factories.brist(verksamhet, user, titel=f"Brist nummer {n}")
        db.session.commit()


def _myndighet_id(app, verksamhet_id, namn="Försäkringskassan"):
    with app.app_context():
        return db.session.scalar(
            select(Myndighet.id).where(
                Myndighet.verksamhet_id == verksamhet_id, Myndighet.namn == namn
            )
        )


def _options(page, name):
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select_html.group(1)) if select_html else []


@pytest.fixture
def samordnare_of_both(app, world):
    """A samordnare of both verksamheter of `world`, signed in."""
    with app.app_context():
        factories.UserFactory(
            email="tva@samordnare.example",
            role=Role.SAMORDNARE,
            verksamheter=[
                db.session.get(Verksamhet, world.home.id),
                db.session.get(Verksamhet, world.other.id),
            ],
        )
        db.session.commit()

    def sign_in(client):
        assert client.login("tva@samordnare.example").status_code == 302
        return client

    return sign_in


URLS = [
    "/brister",
    "/brister?status=oppna&niva=handlaggare&sort=rubrik",
    "/brister?sort=uppdaterad&sida=2",
    "/brister?verksamhet={home}",
    "/brister?myndighet={fk}&status=oppna",
]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("who", ["admin", "samordnare_of_both"])
def test_whole_country_statement_count_does_not_grow_with_rows(
    app, world, login, client, samordnare_of_both, who, url
):
    user = login("admin") if who == "admin" else samordnare_of_both(client)
    url = url.format(home=world.home.id, fk=_myndighet_id(app, world.home.id))
    _add_brister(app, world, 30)
    user.get(url)  # warm up: first-request work is not per row
    with count_statements(app) as few:
        assert user.get(url).status_code == 200
    _add_brister(app, world, 30, where="other")
    _add_brister(app, world, 30)
    with count_statements(app) as many:
        assert user.get(url).status_code == 200
    assert many["n"] == few["n"]
    assert few["n"] <= 8


def test_beyond_the_limit_the_count_says_more_than_and_no_last_page(app, world, login, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_LIMIT", 4)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    _add_brister(app, world, 4)  # 6 brister in all, the world's two included
    admin = login("admin")
    first = admin.get("/brister").get_data(as_text=True)
    assert "Fler än 4 brister" in first
    assert "Sida 1</span>" in first and "Sista" not in first and 'rel="next"' in first
    last = admin.get("/brister?sida=2").get_data(as_text=True)
    assert 'rel="next"' not in last and "Listan går inte längre än så här" in last
    assert admin.get("/brister?sida=3").status_code == 404


def test_up_to_the_limit_the_count_is_exact_and_the_last_page_is_linked(
    app, world, login, monkeypatch
):
    monkeypatch.setattr(queries, "COUNT_LIMIT", 6)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    _add_brister(app, world, 4)
    admin = login("admin")
    first = admin.get("/brister").get_data(as_text=True)
    assert "6 brister" in first and "Fler än" not in first
    assert "Sida 1 av 3" in first and "sida=3" in first and "Sista" in first
    last = admin.get("/brister?sida=3").get_data(as_text=True)
    assert "Sida 3 av 3" in last and 'rel="next"' not in last and "Första" in last
    assert admin.get("/brister?sida=4").status_code == 404


def test_one_brist_is_counted_in_the_singular(world, login):
    assert "1 brist<" in login("ombud").get("/brister").get_data(as_text=True)


def test_a_page_after_the_last_is_not_found_and_a_bad_page_number_is_the_first(world, login):
    ombud = login("ombud")
    assert ombud.get("/brister?sida=2").status_code == 404
    assert ombud.get("/brister?sida=2147483647").status_code == 404
    assert ombud.get("/brister?sida=2147483648").status_code == 200
    assert ombud.get("/brister?sida=-1").status_code == 200


def test_the_whole_country_chooses_a_verksamhet_before_its_myndigheter(app, world, login):
    admin = login("admin")
    page = admin.get("/brister").get_data(as_text=True)
    assert 'id="choose-verksamhet"' in page
    assert _options(page, "myndighet") == [] and _options(page, "ansvarig") == []
    assert _options(page, "verksamhet") == ["Alla", "PO Borta", "PO Hemma"]
    chosen = admin.get(f"/brister?verksamhet={world.home.id}").get_data(as_text=True)
    assert 'id="choose-verksamhet"' not in chosen
    with app.app_context():
        home_myndigheter = db.session.scalars(
            select(Myndighet.namn)
            .where(Myndighet.verksamhet_id == world.home.id)
            .order_by(Myndighet.namn)
        ).all()
    assert _options(chosen, "myndighet") == ["Alla", *home_myndigheter]
    assert "Hemma ombud" in _options(chosen, "ansvarig")
    assert "Borta ombud" not in _options(chosen, "ansvarig")


def test_a_link_naming_a_myndighet_filters_the_whole_country_list(app, world, login):
    other_fk = _myndighet_id(app, world.other.id)
    page = login("admin").get(f"/brister?myndighet={other_fk}").get_data(as_text=True)
    assert _options(page, "myndighet") == ["Alla", "Försäkringskassan"]
    assert world.other_brist.nummer in page or world.other_brist.titel in page
    assert world.brist.titel not in page


def test_a_samordnare_of_several_may_not_name_another_verksamhets_myndighet(
    app, world, client, samordnare_of_both
):
    outside = _outside_myndighet(app)
    page = samordnare_of_both(client).get(f"/brister?myndighet={outside}").get_data(as_text=True)
    assert 'id="myndighet-error"' in page  # not a choice: shown beside the field and ignored
    assert world.brist.titel in page and world.other_brist.titel in page


def _outside_myndighet(app) -> int:
    """A myndighet of a third verksamhet, outside both of `world`'s."""
    with app.app_context():
        third = factories.verksamhet("PO Tredje")
        db.session.commit()
        return _myndighet_id(app, third.id)
