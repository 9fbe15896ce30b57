"""Who may reach what: every route for every role, scoping by verksamhet, CSRF, logout and the
redirect after login."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from systemfel.auth.models import User
from systemfel.brister.models import Brist, Handelse, Observation
from systemfel.clock import local_today
from systemfel.extensions import db
from systemfel.verksamheter.models import Myndighet, Omrade, Verksamhet
from tests import factories
from tests.conftest import Client

ROLES = ("ombud", "samordnare", "ledningsgrupp", "admin")
READ = frozenset(ROLES)
WORK = frozenset({"ombud", "samordnare", "admin"})
CLOSE = frozenset({"samordnare", "admin"})
MANAGE = frozenset({"samordnare", "admin"})
SYSTEM = frozenset({"admin"})

MISSING_ID = 999_999


@pytest.fixture
def ids(app, world):
    """Ids the URL templates need, read in a fresh app context."""

    def first(model, verksamhet_id):
        return db.session.scalar(
            select(model.id).where(model.verksamhet_id == verksamhet_id).order_by(model.id)
        )

    with app.app_context():
        values = {
            "home": world.home.id,
            "other": world.other.id,
            "brist": world.brist.id,
            "other_brist": world.other_brist.id,
            "myndighet": first(Myndighet, world.home.id),
            "other_myndighet": first(Myndighet, world.other.id),
            "omrade": first(Omrade, world.home.id),
            "other_omrade": first(Omrade, world.other.id),
            "user": world.users["ombud"].id,
            "other_user": world.users["other_ombud"].id,
            "admin_user": world.users["admin"].id,
            "missing": MISSING_ID,
        }
        db.session.remove()
    return values


def _count(app, model, *where) -> int:
    with app.app_context():
        value = db.session.scalar(select(func.count()).select_from(model).where(*where))
        db.session.remove()
    return value


def _brist_state(app, brist_id: int) -> tuple:
    with app.app_context():
        brist = db.session.get(Brist, brist_id)
        state = (
            brist.version,
            brist.titel,
            brist.niva,
            brist.status,
            brist.utfall,
            _count_in_session(Handelse, Handelse.brist_id == brist_id),
            _count_in_session(Observation, Observation.brist_id == brist_id),
        )
        db.session.remove()
    return state


def _count_in_session(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _reference_state(app) -> tuple:
    """Everything an admin page could create or change, to prove nothing was saved."""
    with app.app_context():
        state = (
            sorted(db.session.execute(select(Verksamhet.id, Verksamhet.namn)).all()),
            sorted(
                db.session.execute(
                    select(Myndighet.id, Myndighet.namn, Myndighet.epost, Myndighet.is_active)
                ).all()
            ),
            sorted(db.session.execute(select(Omrade.id, Omrade.namn, Omrade.is_active)).all()),
            sorted(
                db.session.execute(
                    select(
                        User.id,
                        User.email,
                        User.namn,
                        User.role,
                        User.is_active_account,
                        User.password_hash,
                        User.session_token,
                    )
                ).all()
            ),
        )
        db.session.remove()
    return state


def _request(http, method: str, url: str, data=None):
    return http.get(url) if method == "GET" else http.post(url, data or {})


def _assert_login_redirect(response, url: str) -> None:
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [url]


# --- every route × every role -------------------------------------------------------------

# (method, url template, roles allowed, status when allowed, per-role status when allowed)
# POSTs send an empty form: allowed roles get the form back with errors (422).
ROUTES = [
    ("GET", "/", READ, 302, {"ombud": 200, "samordnare": 200, "ledningsgrupp": 200}),
    ("GET", "/brister", READ, 200, {}),
    ("GET", "/brister.csv", READ, 200, {}),
    ("GET", "/brister/{brist}", READ, 200, {}),
    ("GET", "/brister/ny", WORK, 200, {}),
    ("GET", "/brister/ny?verksamhet={home}", WORK, 200, {}),
    ("POST", "/brister/ny?verksamhet={home}", WORK, 422, {}),
    ("GET", "/brister/{brist}/redigera", WORK, 200, {}),
    ("POST", "/brister/{brist}/redigera", WORK, 422, {}),
    ("GET", "/brister/{brist}/observation", WORK, 200, {}),
    ("POST", "/brister/{brist}/observation", WORK, 422, {}),
    ("GET", "/brister/{brist}/eskalera", WORK, 200, {}),
    ("POST", "/brister/{brist}/eskalera", WORK, 422, {}),
    ("GET", "/brister/{brist}/status", WORK, 200, {}),
    ("POST", "/brister/{brist}/status", WORK, 422, {}),
    ("GET", "/brister/{brist}/stang", CLOSE, 200, {}),
    ("POST", "/brister/{brist}/stang", CLOSE, 422, {}),
    ("GET", "/brister/{brist}/uppfoljning", WORK, 200, {}),
    ("POST", "/brister/{brist}/uppfoljning", WORK, 422, {}),
    ("GET", "/brister/{brist}/bevakning", WORK, 200, {}),
    ("POST", "/brister/{brist}/bevakning", WORK, 422, {}),
    ("GET", "/brister/{brist}/kontakt", WORK, 200, {}),
    ("POST", "/brister/{brist}/kontakt", WORK, 422, {}),
    ("GET", "/admin/utskick/", SYSTEM, 200, {}),
    ("POST", "/admin/utskick/skicka-om", SYSTEM, 302, {}),
    ("GET", "/admin/integritet/", SYSTEM, 200, {}),
    ("POST", "/admin/integritet/ta-bort", SYSTEM, 422, {}),
    ("GET", "/brister/{brist}/oppna-igen", WORK, 200, {}),
    ("POST", "/brister/{brist}/oppna-igen", WORK, 422, {}),
    ("GET", "/konto/losenord", READ, 200, {}),
    ("POST", "/konto/losenord", READ, 422, {}),
    ("POST", "/logout", READ, 302, {}),
    ("GET", "/admin/", MANAGE, 200, {"samordnare": 302}),
    ("GET", "/admin/verksamheter/ny", SYSTEM, 200, {}),
    ("POST", "/admin/verksamheter/ny", SYSTEM, 422, {}),
    ("GET", "/admin/verksamheter/{home}", MANAGE, 200, {}),
    ("POST", "/admin/verksamheter/{home}", MANAGE, 422, {}),
    ("GET", "/admin/verksamheter/{home}/myndigheter", MANAGE, 200, {}),
    ("GET", "/admin/verksamheter/{home}/myndigheter/ny", MANAGE, 200, {}),
    ("POST", "/admin/verksamheter/{home}/myndigheter/ny", MANAGE, 422, {}),
    ("GET", "/admin/verksamheter/{home}/myndigheter/{myndighet}", MANAGE, 200, {}),
    ("POST", "/admin/verksamheter/{home}/myndigheter/{myndighet}", MANAGE, 422, {}),
    ("GET", "/admin/verksamheter/{home}/omraden", MANAGE, 200, {}),
    ("GET", "/admin/verksamheter/{home}/omraden/ny", MANAGE, 200, {}),
    ("POST", "/admin/verksamheter/{home}/omraden/ny", MANAGE, 422, {}),
    ("GET", "/admin/verksamheter/{home}/omraden/{omrade}", MANAGE, 200, {}),
    ("POST", "/admin/verksamheter/{home}/omraden/{omrade}", MANAGE, 422, {}),
    ("GET", "/admin/verksamheter/{home}/anvandare", MANAGE, 200, {}),
    ("GET", "/admin/verksamheter/{home}/anvandare/ny", MANAGE, 200, {}),
    ("POST", "/admin/verksamheter/{home}/anvandare/ny", MANAGE, 422, {}),
    ("GET", "/admin/verksamheter/{home}/anvandare/{user}", MANAGE, 200, {}),
    ("POST", "/admin/verksamheter/{home}/anvandare/{user}", MANAGE, 422, {}),
    ("POST", "/admin/verksamheter/{home}/anvandare/{user}/losenord", MANAGE, 200, {}),
]


def _route_params():
    for method, url, allowed, ok, special in ROUTES:
        yield pytest.param(method, url, "anonymous", None, id=f"{method} {url} anonymous")
        for role in ROLES:
            expected = special.get(role, ok) if role in allowed else 403
            yield pytest.param(method, url, role, expected, id=f"{method} {url} {role}")


@pytest.mark.parametrize(("method", "url", "role", "expected"), list(_route_params()))
def test_route_access(app, ids, login, method, url, role, expected):
    target = url.format(**ids)
    if role == "anonymous":
        response = _request(Client(app), method, target)
        _assert_login_redirect(response, target)
        return
    response = _request(login(role), method, target)
    assert response.status_code == expected, response.get_data(as_text=True)[:2000]
    body = response.get_data(as_text=True)
    if expected == 403:
        assert "Ingen behörighet" in body
    if expected == 422:
        assert 'class="error-summary"' in body


@pytest.mark.parametrize(("role", "start"), [("admin", "/brister")])
def test_start_page_of_admin(login, role, start):
    response = login(role).get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == start


@pytest.mark.parametrize(
    ("role", "heading"), [("ombud", "Mina bevakningar"), ("samordnare", "Mina bevakningar")]
)
def test_start_page_of_those_who_work_brister_is_their_follow_ups(login, world, role, heading):
    body = login(role).get("/").get_data(as_text=True)
    assert heading in body


def test_samordnare_with_one_verksamhet_goes_straight_to_it(login, ids):
    response = login("samordnare").get("/admin/")
    assert response.headers["Location"] == f"/admin/verksamheter/{ids['home']}"


def test_admin_chooses_verksamhet_before_registering(login):
    body = login("admin").get("/brister/ny").get_data(as_text=True)
    assert "PO Hemma" in body and "PO Borta" in body


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
@pytest.mark.parametrize("url", ["/logout", "/admin/verksamheter/{home}/anvandare/{user}/losenord"])
def test_post_only_routes_refuse_get(app, ids, login, role, url):
    http = Client(app) if role == "anonymous" else login(role)
    assert http.get(url.format(**ids)).status_code == 405


ACTIONS = {
    "/redigera": WORK,
    "/observation": WORK,
    "/eskalera": WORK,
    "/status": WORK,
    "/stang": CLOSE,
}


@pytest.mark.parametrize("role", ROLES)
def test_detail_page_offers_only_what_the_role_may_do(world, login, role):
    body = login(role).get(f"/brister/{world.brist.id}").get_data(as_text=True)
    for page, allowed in ACTIONS.items():
        link = f'href="/brister/{world.brist.id}{page}"'
        assert (link in body) == (role in allowed), page


@pytest.mark.parametrize("role", ROLES)
def test_menu_offers_only_what_the_role_may_do(login, role):
    body = login(role).get("/brister").get_data(as_text=True)
    assert ('href="/brister/ny"' in body) == (role in WORK)
    assert ('href="/admin/"' in body) == (role in MANAGE)


# --- another verksamhet's data ------------------------------------------------------------

BRIST_PAGES = {
    "": READ,
    "/redigera": WORK,
    "/observation": WORK,
    "/eskalera": WORK,
    "/status": WORK,
    "/stang": CLOSE,
    "/oppna-igen": WORK,
    "/uppfoljning": WORK,
    "/bevakning": WORK,
    "/kontakt": WORK,
}


def _valid_posts(app, world) -> dict[str, dict]:
    """Payloads that would be saved if the other verksamhet's brist were reachable."""
    with app.app_context():
        myndighet = db.session.scalar(
            select(Myndighet.id).where(Myndighet.verksamhet_id == world.other.id)
        )
        omrade = db.session.scalar(select(Omrade.id).where(Omrade.verksamhet_id == world.other.id))
        db.session.remove()
    today = local_today().isoformat()
    return {
        "/redigera": {
            "titel": "Kapad rubrik",
            "beskrivning": "Kapad",
            "niva": "lokal",
            "myndighet_id": myndighet,
            "omrade_id": omrade,
            "first_observed_on": "2026-01-15",
            "antal_klienter": "3",
            "ansvarig_id": world.users["other_ombud"].id,
            "version": "1",
        },
        "/observation": {"observed_on": today, "antal_klienter": "2", "anteckning": "Igen"},
        "/eskalera": {"niva": "lokal", "reason": "Kapad", "version": "1"},
        "/status": {"status": "lyft", "comment": "", "version": "1"},
        "/stang": {"utfall": "atgardad", "comment": "", "version": "1"},
        "/oppna-igen": {"reason": "Kapad", "version": "1"},
        "/uppfoljning": {"finding": "Kapad", "next_on": "2030-01-07"},
        "/bevakning": {"due_on": "2030-01-07"},
        "/kontakt": {
            "myndighet_id": myndighet,
            "contacted_on": today,
            "kanal": "epost",
            "summary": "Kapad",
        },
    }


def _cross_params():
    for page, allowed in BRIST_PAGES.items():
        methods = ["GET"] if page == "" else ["GET", "POST"]
        for method in methods:
            for role in ("ombud", "samordnare", "ledningsgrupp"):
                # A role without the permission is refused before the brist is looked up,
                # the same for every id, so the answer says nothing about the brist.
                expected = 404 if role in allowed else 403
                label = f"{method} {page or '/'} {role}"
                yield pytest.param(page, method, role, expected, id=label)


@pytest.mark.parametrize(("page", "method", "role", "expected"), list(_cross_params()))
def test_other_verksamhets_brist_is_not_found(app, world, login, page, method, role, expected):
    http = login(role)
    data = _valid_posts(app, world).get(page, {})
    before = _brist_state(app, world.other_brist.id)

    response = _request(http, method, f"/brister/{world.other_brist.id}{page}", data)
    missing = _request(http, method, f"/brister/{MISSING_ID}{page}", data)

    assert response.status_code == expected
    assert missing.status_code == expected  # indistinguishable from a brist that does not exist
    assert _brist_state(app, world.other_brist.id) == before


@pytest.mark.parametrize("page", list(BRIST_PAGES))
def test_admin_reaches_every_verksamhets_brist(login, world, page):
    http = login("admin")
    for brist in (world.brist, world.other_brist):
        response = http.get(f"/brister/{brist.id}{page}")
        assert response.status_code == 200
        assert brist.nummer in response.get_data(as_text=True)


def test_admin_list_shows_both_verksamheter(login, world):
    body = login("admin").get("/brister").get_data(as_text=True)
    assert f"/brister/{world.brist.id}" in body
    assert f"/brister/{world.other_brist.id}" in body


@pytest.fixture
def hidden_brist(app, world):
    """A brist in the other verksamhet with a number and title no home brist has."""
    with app.app_context():
        other = db.session.get(Verksamhet, world.other.id)
        author = db.session.get(User, world.users["other_ombud"].id)
        brist = factories.brist(other, author, titel="Hemlig bortabrist om tolkar")
        db.session.commit()
        values = {"id": brist.id, "nummer": brist.nummer, "titel": brist.titel}
        db.session.remove()
    assert values["nummer"] != world.brist.nummer
    return values


@pytest.mark.parametrize("role", ["ombud", "samordnare", "ledningsgrupp"])
@pytest.mark.parametrize(
    "url",
    [
        "/brister",
        "/brister.csv",
        "/brister?verksamhet={other}",
        "/brister.csv?verksamhet={other}",
        "/brister?status=oppna&sort=aldst",
        "/brister?q=bortabrist",
        "/brister.csv?q=tolkar",
        "/brister?sida=2",
    ],
)
def test_list_and_csv_never_show_other_verksamhets_brister(login, world, hidden_brist, role, url):
    response = login(role).get(url.format(other=world.other.id))
    body = response.get_data(as_text=True)
    # The role sees one brist: a second page is after the last one, not found.
    assert response.status_code == (404 if "sida=2" in url else 200)
    assert hidden_brist["nummer"] not in body
    assert hidden_brist["titel"] not in body
    assert f'/brister/{world.other_brist.id}"' not in body
    assert f'/brister/{hidden_brist["id"]}"' not in body


@pytest.mark.parametrize("url", ["/brister", "/brister.csv"])
def test_list_and_csv_show_own_brist(login, world, hidden_brist, url):
    body = login("ombud").get(url).get_data(as_text=True)
    assert world.brist.nummer in body
    assert world.brist.titel in body


@pytest.mark.parametrize("url", ["/brister", "/brister.csv"])
def test_admin_list_and_csv_show_the_other_verksamhets_brist(login, hidden_brist, url):
    body = login("admin").get(url).get_data(as_text=True)
    assert hidden_brist["nummer"] in body
    assert hidden_brist["titel"] in body


OTHER_ADMIN_PAGES = [
    ("GET", "/admin/verksamheter/{other}"),
    ("POST", "/admin/verksamheter/{other}"),
    ("GET", "/admin/verksamheter/{other}/myndigheter"),
    ("GET", "/admin/verksamheter/{other}/myndigheter/ny"),
    ("POST", "/admin/verksamheter/{other}/myndigheter/ny"),
    ("GET", "/admin/verksamheter/{other}/myndigheter/{other_myndighet}"),
    ("POST", "/admin/verksamheter/{other}/myndigheter/{other_myndighet}"),
    ("GET", "/admin/verksamheter/{other}/omraden"),
    ("GET", "/admin/verksamheter/{other}/omraden/ny"),
    ("POST", "/admin/verksamheter/{other}/omraden/ny"),
    ("GET", "/admin/verksamheter/{other}/omraden/{other_omrade}"),
    ("POST", "/admin/verksamheter/{other}/omraden/{other_omrade}"),
    ("GET", "/admin/verksamheter/{other}/anvandare"),
    ("GET", "/admin/verksamheter/{other}/anvandare/ny"),
    ("POST", "/admin/verksamheter/{other}/anvandare/ny"),
    ("GET", "/admin/verksamheter/{other}/anvandare/{other_user}"),
    ("POST", "/admin/verksamheter/{other}/anvandare/{other_user}"),
    ("POST", "/admin/verksamheter/{other}/anvandare/{other_user}/losenord"),
    # The samordnare's own verksamhet in the address, another verksamhet's item.
    ("GET", "/admin/verksamheter/{home}/myndigheter/{other_myndighet}"),
    ("POST", "/admin/verksamheter/{home}/myndigheter/{other_myndighet}"),
    ("GET", "/admin/verksamheter/{home}/omraden/{other_omrade}"),
    ("POST", "/admin/verksamheter/{home}/omraden/{other_omrade}"),
    ("GET", "/admin/verksamheter/{home}/anvandare/{other_user}"),
    ("POST", "/admin/verksamheter/{home}/anvandare/{other_user}"),
    ("POST", "/admin/verksamheter/{home}/anvandare/{other_user}/losenord"),
    ("GET", "/admin/verksamheter/{home}/anvandare/{admin_user}"),
    ("POST", "/admin/verksamheter/{home}/anvandare/{admin_user}/losenord"),
    ("GET", "/admin/verksamheter/{missing}"),
    ("GET", "/admin/verksamheter/{home}/myndigheter/{missing}"),
    ("GET", "/admin/verksamheter/{home}/anvandare/{missing}"),
]

# Valid input, so a missing check would show up as a saved change rather than a form error.
ADMIN_PAYLOADS = {
    "/myndigheter/": {"namn": "Kapad myndighet", "typ": "statlig", "epost": "", "is_active": "y"},
    "/omraden/": {"namn": "Kapat område", "is_active": "y"},
    "/anvandare/": {
        "email": "kapad@test.example",
        "namn": "Kapad",
        "role": "ombud",
        "verksamheter": "{home}",
    },
}


def _admin_payload(url: str, ids: dict) -> dict:
    if url.endswith("/losenord"):
        return {}
    if url == "/admin/verksamheter/{other}":
        return {"namn": "Kapad verksamhet", "kommuner": "Kapstad"}
    for part, payload in ADMIN_PAYLOADS.items():
        if part in url:
            return {name: value.format(**ids) for name, value in payload.items()}
    return {}


@pytest.mark.parametrize(
    ("method", "url"), OTHER_ADMIN_PAGES, ids=[f"{m} {u}" for m, u in OTHER_ADMIN_PAGES]
)
def test_samordnare_cannot_reach_other_verksamhets_admin_pages(app, ids, login, method, url):
    before = _reference_state(app)
    response = _request(login("samordnare"), method, url.format(**ids), _admin_payload(url, ids))
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)
    assert _reference_state(app) == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        (m, u)
        for m, u in OTHER_ADMIN_PAGES
        if m == "GET" and "{home}" not in u and "{missing}" not in u
    ],
)
def test_admin_reaches_other_verksamhets_admin_pages(ids, login, method, url):
    assert login("admin").get(url.format(**ids)).status_code == 200


def test_other_samordnare_cannot_reset_home_users_password(app, world, ids, login):
    response = login("other_samordnare").post(
        f"/admin/verksamheter/{ids['home']}/anvandare/{ids['user']}/losenord"
    )
    assert response.status_code == 404
    assert Client(app).login(world.users["ombud"].email).status_code == 302


# --- CSRF ---------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused(app, world, login):
    ombud = login("ombud")
    before = _brist_state(app, world.brist.id)
    response = ombud.http.post(
        f"/brister/{world.brist.id}/observation",
        data={"observed_on": local_today().isoformat(), "antal_klienter": "2"},
    )
    assert response.status_code == 400
    assert "Formuläret kunde inte skickas" in response.get_data(as_text=True)
    assert _brist_state(app, world.brist.id) == before
    # The same post with the token is saved: the refusal above was the token's doing.
    saved = ombud.post(
        f"/brister/{world.brist.id}/observation",
        {"observed_on": local_today().isoformat(), "antal_klienter": "2"},
    )
    assert saved.status_code == 302
    assert _brist_state(app, world.brist.id) != before


def test_post_with_forged_csrf_token_is_refused(app, world, login):
    before = _brist_state(app, world.brist.id)
    response = login("samordnare").http.post(
        f"/brister/{world.brist.id}/stang",
        data={"utfall": "atgardad", "version": "1", "csrf_token": "forged"},
    )
    assert response.status_code == 400
    assert _brist_state(app, world.brist.id) == before


def test_admin_post_without_csrf_token_is_refused(app, ids, login):
    before = _reference_state(app)
    response = login("samordnare").http.post(
        f"/admin/verksamheter/{ids['home']}/omraden/ny",
        data={"namn": "Utan token", "is_active": "y"},
    )
    assert response.status_code == 400
    assert _reference_state(app) == before


def test_login_without_csrf_token_is_refused(app, world):
    client = Client(app)
    response = client.http.post(
        "/login", data={"email": world.users["ombud"].email, "password": factories.PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/brister").status_code == 302


def test_token_from_before_login_is_refused_after_login(app, world):
    client = Client(app)
    anonymous_token = client.token()
    assert client.login(world.users["ombud"].email).status_code == 302
    response = client.http.post(
        f"/brister/{world.brist.id}/observation",
        data={
            "observed_on": local_today().isoformat(),
            "antal_klienter": "2",
            "csrf_token": anonymous_token,
        },
    )
    assert response.status_code == 400


def test_logout_without_csrf_token_is_refused(login):
    ombud = login("ombud")
    assert ombud.http.post("/logout").status_code == 400
    assert ombud.get("/brister").status_code == 200


# --- logout -------------------------------------------------------------------------------


def test_logout_is_post_only(login):
    ombud = login("ombud")
    assert ombud.get("/logout").status_code == 405
    assert ombud.get("/brister").status_code == 200  # still signed in


def test_logout_ends_the_session(login):
    ombud = login("ombud")
    response = ombud.post("/logout")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    _assert_login_redirect(ombud.get("/brister"), "/brister")


# --- the redirect after login -------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("//evil.example/brister", "/"),
        ("///evil.example", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("http:evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("brister/1", "/"),
        ("", "/"),
        ("/brister/1", "/brister/1"),
        ("/brister?status=oppna&sort=aldst", "/brister?status=oppna&sort=aldst"),
    ],
)
def test_next_after_login_stays_on_the_site(app, world, target, expected):
    client = Client(app)
    # Like a browser: the form keeps `next` from the address in a hidden field.
    response = client.post(
        "/login?" + urlencode({"next": target}),
        {"email": world.users["ombud"].email, "password": factories.PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_next_from_the_address_is_kept_in_the_login_form(app, world):
    client = Client(app)
    page = client.get("/login?next=%2Fbrister%2F1").get_data(as_text=True)
    assert 'value="/brister/1"' in page


@pytest.mark.parametrize(
    ("target", "expected"), [("//evil.example", "/"), ("/brister", "/brister")]
)
def test_language_switch_redirect_stays_on_the_site(app, target, expected):
    response = Client(app).post("/sprak", {"lang": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == expected
