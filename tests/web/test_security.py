"""Security findings reproduced from outside, through the test client: changing one's own
password, a session cookie replayed after logout, the login lockout under concurrent guesses,
password spraying from one address, account enumeration at login and when creating a user,
and the HSTS header."""

import threading
from datetime import timedelta
from urllib.parse import urlsplit

import lxml.html
import pytest
import time_machine
from werkzeug.security import generate_password_hash

from systemfel.auth import services as auth_services
from systemfel.auth.models import User
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.web import HSTS
from tests import factories
from tests.conftest import Client

NEW_PASSWORD = "nytt-losen-456"
WRONG = "Fel e-postadress eller lösenord."
LOCKED = "Kontot är tillfälligt låst"
UNKNOWN = "okand.person@hemma.example"


def _summary(response) -> str:
    """The messages in the form's error summary."""
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    items = doc.xpath('//div[contains(concat(" ", @class, " "), " error-summary ")]//li')
    return " ".join(" ".join(item.text_content().split()) for item in items)


def _user(app, world, name: str) -> User:
    with app.app_context():
        user = db.session.get(User, world.users[name].id)
        db.session.expunge(user)
        db.session.remove()
    return user


def _is_sent_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


# --- 1. changing one's own password ---------------------------------------------------------


def test_changing_ones_own_password_keeps_one_signed_in_and_ends_other_sessions(app, world, login):
    ombud = login("ombud")
    elsewhere = login("ombud")

    response = ombud.post(
        "/konto/losenord",
        {"current": factories.PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = ombud.get("/brister")
    assert page.status_code == 200  # still signed in here, and the worker lives
    assert "Lösenordet är bytt" in page.get_data(as_text=True)
    assert _is_sent_to_login(elsewhere.get("/brister"))
    email = world.users["ombud"].email
    assert Client(app).login(email, NEW_PASSWORD).status_code == 302
    assert _summary(Client(app).login(email, factories.PASSWORD)) == WRONG


# --- 2. logout ------------------------------------------------------------------------------


def test_a_session_cookie_copied_before_logout_is_refused_after_it(app, world, login):
    ombud = login("ombud")
    copied = ombud.http.get_cookie("session").value
    assert ombud.get("/brister").status_code == 200

    assert ombud.post("/logout").status_code == 302

    replayed = Client(app)
    replayed.http.set_cookie("session", copied)
    assert _is_sent_to_login(replayed.get("/brister"))
    assert _is_sent_to_login(replayed.get(f"/brister/{world.brist.id}"))
    # Signing in again works, with a new session.
    assert login("ombud").get("/brister").status_code == 200


# --- 3. the lockout under concurrent guesses, and spraying from one address -------------------


def _guess_at_once(app, email: str, guesses: int, threads: int = 4) -> list:
    """`guesses` wrong passwords for `email`, sent from `threads` clients at the same moment."""
    clients = [Client(app) for _ in range(threads)]
    for client in clients:
        client.token()  # fetched before the start, so only the guesses run at once
    start = threading.Barrier(threads)
    answers: list = []
    errors: list[BaseException] = []

    def guess(client: Client) -> None:
        start.wait()
        try:
            for _ in range(guesses // threads):
                response = client.post("/login", {"email": email, "password": "fel-losen-999"})
                answers.append((response.status_code, _summary(response)))
        except BaseException as error:  # reported below
            errors.append(error)

    workers = [threading.Thread(target=guess, args=(client,)) for client in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    assert len(answers) == guesses
    return answers


@pytest.fixture
def slow_hash(app, world):
    """The ombud's password hashed as in production (scrypt), so a guess takes a while."""
    with app.app_context():
        user = db.session.get(User, world.users["ombud"].id)
        user.password_hash = generate_password_hash(factories.PASSWORD)
        db.session.commit()
        db.session.remove()


def test_concurrent_wrong_guesses_are_all_counted(app, world, slow_hash, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 100)
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ADDRESS", 100)

    answers = _guess_at_once(app, world.users["ombud"].email, 16)

    assert {answer for answer in answers} == {(422, WRONG)}
    assert _user(app, world, "ombud").failed_logins == 16


def test_concurrent_wrong_guesses_check_no_more_passwords_than_the_limit(
    app, world, slow_hash, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 5)
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ADDRESS", 100)

    answers = _guess_at_once(app, world.users["ombud"].email, 16)

    assert sorted(answers) == [(422, WRONG)] * 5 + [(422, LOCKED + _LOCKED_TAIL)] * 11
    user = _user(app, world, "ombud")
    assert user.locked_until is not None and user.locked_until > utcnow()
    assert user.failed_logins == 0  # counting starts afresh after the lockout


_LOCKED_TAIL = " efter flera misslyckade inloggningar. Försök senare."


def test_spraying_one_password_across_accounts_from_one_address_is_throttled(
    app, world, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ADDRESS", 4)
    sprayer = Client(app)
    for email in (
        "ombud@hemma.example",
        "samordnare@hemma.example",
        UNKNOWN,
        "ledningsgrupp@hemma.example",
    ):
        response = sprayer.post("/login", {"email": email, "password": "Sommar2026!"})
        assert (response.status_code, _summary(response)) == (422, WRONG)

    # Past the limit the address is refused, the right password too (or a hit would show).
    refused = sprayer.post(
        "/login", {"email": "admin@test.example", "password": factories.PASSWORD}
    )
    assert refused.status_code == 429
    assert "För många försök" in refused.get_data(as_text=True)
    assert _is_sent_to_login(sprayer.get("/brister"))
    assert _user(app, world, "admin").last_login_at is None
    # Another address signs in.
    other = Client(app)
    response = other.post(
        "/login",
        {"email": "admin@test.example", "password": factories.PASSWORD},
        environ_overrides={"REMOTE_ADDR": "192.0.2.9"},
    )
    assert response.status_code == 302
    # The limit is per period: after it the first address may try again.
    with time_machine.travel(utcnow() + timedelta(minutes=16)):
        assert sprayer.login(world.users["ombud"].email).status_code == 302


def test_only_failed_logins_count_against_an_address(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ADDRESS", 2)
    for _ in range(5):  # an office behind one address, everyone signing in
        assert Client(app).login(world.users["ombud"].email).status_code == 302
    client = Client(app)
    assert client.post("/login", {"email": UNKNOWN, "password": "x"}).status_code == 422
    assert client.login(world.users["ombud"].email).status_code == 302


# --- 7. account enumeration at login --------------------------------------------------------


def _attempts(app, email: str, count: int) -> list[tuple[int, str]]:
    answers = []
    for _ in range(count):
        response = Client(app).post("/login", {"email": email, "password": "fel-losen-999"})
        answers.append((response.status_code, _summary(response)))
    return answers


def test_an_unknown_address_is_locked_out_exactly_like_an_account(app, world):
    max_failures = app.config["LOGIN_MAX_FAILURES"]
    known = _attempts(app, world.users["ombud"].email, max_failures + 2)
    unknown = _attempts(app, UNKNOWN, max_failures + 2)

    assert unknown == known
    assert known[-1] == (422, LOCKED + _LOCKED_TAIL)
    # After the lockout both are counted afresh, again alike.
    with time_machine.travel(utcnow() + timedelta(minutes=app.config["LOGIN_LOCKOUT_MINUTES"])):
        assert _attempts(app, UNKNOWN.upper(), 1) == _attempts(app, "OMBUD@hemma.example", 1)
        assert _attempts(app, UNKNOWN, 1) == [(422, WRONG)]


def test_an_unknown_address_costs_a_password_check_like_an_account(app, world, monkeypatch):
    checks: list[str] = []
    real_check = auth_services.check_password_hash

    def counted(hashed: str, password: str) -> bool:
        checks.append(password)
        return real_check(hashed, password)

    monkeypatch.setattr(auth_services, "check_password_hash", counted)
    _attempts(app, world.users["ombud"].email, 1)
    _attempts(app, UNKNOWN, 1)
    assert checks == ["fel-losen-999", "fel-losen-999"]


# --- 7. account enumeration when creating a user --------------------------------------------


def _create(client: Client, world, email: str):
    return client.post(
        f"/admin/verksamheter/{world.home.id}/anvandare/ny",
        {
            "email": email,
            "namn": "Ny Kollega",
            "role": "ombud",
            "verksamheter": str(world.home.id),
            "is_active": "y",
        },
    )


def test_samordnare_is_not_told_that_an_address_is_used_in_another_verksamhet(world, login):
    samordnare = login("samordnare")
    elsewhere = _create(samordnare, world, world.users["other_ombud"].email)
    at_home = _create(samordnare, world, world.users["ombud"].email)

    assert elsewhere.status_code == at_home.status_code == 422
    assert _summary(elsewhere) == _summary(at_home)
    assert "kan inte användas för ett nytt konto" in _summary(elsewhere)
    assert "Kontakta systemadministratören" in _summary(elsewhere)
    for response in (elsewhere, at_home):
        assert "finns redan" not in response.get_data(as_text=True)


def test_admin_is_told_that_the_address_has_an_account(world, login):
    response = _create(login("admin"), world, world.users["other_ombud"].email)
    assert response.status_code == 422
    assert "Det finns redan ett konto med den e-postadressen." in _summary(response)


# --- 6. HSTS --------------------------------------------------------------------------------


def test_hsts_is_sent_when_served_over_https(app, monkeypatch):
    assert "Strict-Transport-Security" not in Client(app).get("/login").headers
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    response = Client(app).get("/login")
    assert response.headers["Strict-Transport-Security"] == HSTS == "max-age=31536000"
