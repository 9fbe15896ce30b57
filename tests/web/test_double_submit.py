"""A form sent twice (a reload, a double click, the back button) does its work once: one brist,
one observation, one contact and one e-mail to the myndighet."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from systemfel import once
from systemfel.brister.models import Brist, Observation
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.followups.models import Kontakt
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.models import Myndighet, Omrade
from tests.conftest import Client
from tests.pages import resubmitted

MODELS = (Brist, Observation, Kontakt, OutboxMessage)


def _counts(app) -> dict[str, int]:
    with app.app_context():
        counts = {
            model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in MODELS
        }
        db.session.remove()
    return counts


@pytest.fixture
def mailbox(app, world):
    """The brist's myndighet has a functional mailbox, so a contact can be sent by e-mail."""
    with app.app_context():
        myndighet = db.session.get(Brist, world.brist.id).myndighet
        myndighet.epost = "registrator@example.org"
        db.session.commit()
        db.session.remove()


def _filled(page, **fields) -> dict:
    """What the browser sends for the page's form with `fields` typed in."""
    data = resubmitted(page)
    data.update(fields)
    return data


def _register(app, world, ombud) -> tuple[str, dict]:
    page = ombud.get("/brister/ny")
    with app.app_context():
        myndighet, omrade = (
            db.session.scalar(sa.select(model.id).where(model.verksamhet_id == world.home.id))
            for model in (Myndighet, Omrade)
        )
        db.session.remove()
    data = _filled(
        page,
        titel="Långa väntetider",
        beskrivning="Besluten dröjer.",
        niva="lokal",
        myndighet_id=str(myndighet),
        omrade_id=str(omrade),
    )
    return "/brister/ny", data


def _observe(app, world, ombud) -> tuple[str, dict]:
    url = f"/brister/{world.brist.id}/observation"
    return url, _filled(ombud.get(url), antal_klienter="3", anteckning="Igen.")


def _raise(app, world, ombud) -> tuple[str, dict]:
    url = f"/brister/{world.brist.id}/kontakt"
    return url, _filled(ombud.get(url), summary="Lyft per e-post.", send_email="y")


@pytest.mark.parametrize(
    ("form", "created"),
    [
        (_register, {"Brist": 1}),
        (_observe, {"Observation": 1}),
        (_raise, {"Kontakt": 1, "OutboxMessage": 1}),
    ],
    ids=["register", "observe", "raise-contact"],
)
def test_the_same_form_sent_twice_is_saved_once(app, world, login, mailbox, form, created):
    ombud = login("ombud")
    url, data = form(app, world, ombud)
    before = _counts(app)

    first = ombud.post(url, data)
    again = ombud.post(url, data)

    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    after = _counts(app)
    assert {name: after[name] - before[name] for name in after} == {
        name: created.get(name, 0) for name in after
    }
    page = ombud.get(again.headers["Location"]).get_data(as_text=True)
    assert "Det här var redan sparat." in page


def test_the_client_count_grows_once_for_an_observation_sent_twice(app, world, login):
    ombud = login("ombud")
    url, data = _observe(app, world, ombud)
    ombud.post(url, data)
    ombud.post(url, data)
    with app.app_context():
        counted = db.session.scalars(
            sa.select(Observation.antal_klienter).where(Observation.brist_id == world.brist.id)
        ).all()
        db.session.remove()
    assert sorted(counted)[-1:] == [3] and counted.count(3) == 1


def test_a_form_shown_again_saves_again(app, world, login):
    """Two observations on purpose: each showing of the form is its own."""
    ombud = login("ombud")
    before = _counts(app)
    for _ in range(2):
        url, data = _observe(app, world, ombud)
        assert ombud.post(url, data).status_code == 302
    assert _counts(app)["Observation"] == before["Observation"] + 2


def test_a_refused_form_is_not_remembered(app, world, login):
    """The first send is refused (no count); corrected and sent with the same token, it saves."""
    ombud = login("ombud")
    url, data = _observe(app, world, ombud)
    before = _counts(app)

    assert ombud.post(url, {**data, "antal_klienter": ""}).status_code == 422
    assert ombud.post(url, data).status_code == 302

    assert _counts(app)["Observation"] == before["Observation"] + 1


@pytest.mark.parametrize(
    ("form", "model"),
    [(_register, "Brist"), (_observe, "Observation"), (_raise, "Kontakt")],
    ids=["register", "observe", "raise-contact"],
)
def test_a_double_click_sends_two_requests_at_once_and_saves_once(
    app, world, login, mailbox, form, model
):
    """Both requests carry the same cookie and token, released together: the token's unique key
    in the database lets one through; the other is sent where the first went."""
    ombud = login("ombud")
    twin = Client(app)
    for _round in range(3):
        url, data = form(app, world, ombud)
        twin.http.set_cookie("session", ombud.http.get_cookie("session").value)  # one browser
        before = _counts(app)
        start = threading.Barrier(2)
        answers: list[int] = []

        def send(client, data=data, url=url, answers=answers, start=start) -> None:
            start.wait(timeout=10)
            answers.append(client.http.post(url, data=data).status_code)

        threads = [threading.Thread(target=send, args=(c,)) for c in (ombud, twin)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert answers == [302, 302]
        assert _counts(app)[model] == before[model] + 1


def test_tokens_are_forgotten_after_a_week(app, world, login):
    ombud = login("ombud")
    url, data = _observe(app, world, ombud)
    assert ombud.post(url, data).status_code == 302
    with app.app_context():
        assert once.forget_old(now=utcnow() + timedelta(days=6)) == 0
        assert once.forget_old(now=utcnow() + timedelta(days=8)) == 1
        db.session.commit()
        db.session.remove()
