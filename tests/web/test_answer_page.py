"""The myndighet's answer page (/svar/<token>): it shows only what was sent, is never cached,
limits requests per link and failures per address, and takes an answer once
(post/redirect/get)."""

# ruff: noqa: F401, F811 - `asked` is a fixture from test_followups_web, used as a parameter

import threading

import pytest
from sqlalchemy import select, update

from systemfel.brister.models import Brist
from systemfel.followups.models import Svar
from systemfel.notifications.models import OutboxMessage
from tests.conftest import Client
from tests.web.test_followups_web import (
    SENT_SUMMARY,
    _answer,
    _changed,
    add_brist,
    asked,
    kontakt_row,
    raise_by_service,
    session,
)

ELSEWHERE = {"REMOTE_ADDR": "192.0.2.7"}


def test_answer_page_shows_what_was_sent_not_the_title_edited_since(app, asked):
    with session(app) as s:
        s.execute(
            update(Brist).where(Brist.id == asked["id"]).values(titel="Intern rubrik, ändrad")
        )
        s.commit()

    body = Client(app).get(f"/svar/{asked['token']}").get_data(as_text=True)

    assert "Intern rubrik, ändrad" not in body
    assert f"{asked['nummer']}: Bostadstillägg utan motivering" in body  # the title as sent
    assert SENT_SUMMARY in body


def test_answer_pages_are_never_stored(app, asked):
    anonymous = Client(app)
    page = anonymous.get(f"/svar/{asked['token']}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    answered = _answer(anonymous, asked["token"])
    thanks = anonymous.get(answered.headers["Location"])
    assert thanks.status_code == 200
    assert thanks.headers["Cache-Control"] == "no-store"


def _svar(app, kontakt_id: int) -> list[tuple]:
    with session(app) as s:
        return [
            (svar.typ.value, svar.text, svar.diarienummer)
            for svar in s.scalars(select(Svar).where(Svar.kontakt_id == kontakt_id))
        ]


def test_an_answer_posted_twice_is_stored_once_and_refresh_lands_on_the_thanks(app, asked):
    anonymous = Client(app)

    first = _answer(anonymous, asked["token"])
    again = _answer(anonymous, asked["token"])  # the back button and send, or a double click

    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == f"/svar/{asked['token']}/tack"
    for _ in range(2):  # a refresh of the page landed on sends nothing
        thanks = anonymous.get(first.headers["Location"])
        assert thanks.status_code == 200
        assert "Tack för ert svar" in thanks.get_data(as_text=True)
    assert _svar(app, asked["kontakt"]) == [
        ("atgard_utlovad", "Vi ser över mallarna.", "FK 2026/123")
    ]
    with session(app) as s:
        told = s.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.like("svar:%"))
        ).all()
    assert len(told) == 1  # the ombud is told once


def test_an_answer_posted_twice_at_the_same_moment_is_stored_once(app, asked):
    clients = [Client(app) for _ in range(2)]
    for client in clients:
        client.token()
    start = threading.Barrier(2)
    statuses: list[int] = []

    def post(client: Client) -> None:
        start.wait()
        statuses.append(_answer(client, asked["token"]).status_code)

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [302, 302]
    assert len(_svar(app, asked["kontakt"])) == 1


def test_a_different_second_answer_is_kept(app, asked):
    anonymous = Client(app)
    assert _answer(anonymous, asked["token"]).status_code == 302
    later = _answer(anonymous, asked["token"], typ="atgardat", promised_on="", text="Nu klart.")
    assert later.status_code == 302
    assert len(_svar(app, asked["kontakt"])) == 2


def test_working_links_do_not_use_up_the_address(app, asked, monkeypatch):
    monkeypatch.setitem(app.config, "ANSWER_LINK_ATTEMPTS_PER_HOUR", 2)
    office = Client(app)  # a municipality behind one proxy: one address for everyone
    for _ in range(5):
        assert office.get(f"/svar/{asked['token']}").status_code == 200
    assert [office.get(f"/svar/{_changed(asked['token'])}").status_code for _ in range(2)] == [
        404,
        404,
    ]
    # Past the failures allowed, the address is refused every link, the right one too.
    assert office.get(f"/svar/{asked['token']}").status_code == 429
    elsewhere = office.http.get(f"/svar/{asked['token']}", environ_overrides=ELSEWHERE)
    assert elsewhere.status_code == 200


def test_each_link_has_a_limit_of_its_own(app, world, asked, monkeypatch):
    other = add_brist(app, world, titel="Ett annat ärende")
    _, other_token = raise_by_service(app, other["id"], world.users["ombud"].id)
    monkeypatch.setitem(app.config, "ANSWER_LINK_REQUESTS_PER_LINK_PER_HOUR", 3)
    anonymous = Client(app)

    assert [anonymous.get(f"/svar/{asked['token']}").status_code for _ in range(3)] == [200] * 3
    limited = anonymous.get(f"/svar/{asked['token']}")
    assert limited.status_code == 429
    assert "För många försök" in limited.get_data(as_text=True)
    assert _answer(anonymous, asked["token"]).status_code == 429
    assert kontakt_row(app, asked["kontakt"])["svar"] == 0
    # The limit follows the link, from any address; another link from this address works.
    limited_elsewhere = anonymous.http.get(f"/svar/{asked['token']}", environ_overrides=ELSEWHERE)
    assert limited_elsewhere.status_code == 429
    assert anonymous.get(f"/svar/{other_token}").status_code == 200


@pytest.mark.parametrize("path", ["/svar/{token}", "/svar/{token}/tack"])
def test_a_link_that_does_not_work_is_not_found_on_either_page(app, asked, path):
    assert Client(app).get(path.format(token=_changed(asked["token"]))).status_code == 404
