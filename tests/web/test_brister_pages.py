"""The brist pages end to end through the test client: conflicts, counts, export, headers."""

import re

import pytest
from sqlalchemy import func, select

from systemfel.access import scope_for
from systemfel.brister.domain import Utfall
from systemfel.brister.models import Brist, Handelse, Observation
from systemfel.brister.services import close_brist
from systemfel.extensions import db
from tests import factories
from tests.pages import resubmitted, saved_beside
from tests.sql import count_statements


def _add_brister(app, world, how_many):
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        ombud = db.session.get(type(world.users["ombud"]), world.users["ombud"].id)
        for n in range(how_many):
            brist = factories.brist(home, ombud, titel=f"Brist nummer {n}")
            db.session.add(
                Observation(
                    brist=brist,
                    observed_on=brist.first_observed_on,
                    antal_klienter=1,
                    created_by=ombud,
                )
            )
        db.session.commit()


def _edit_data(world, **changes):
    with_defaults = {
        "titel": "Beslut saknar motivering",
        "beskrivning": "Besluten förklarar inte vad som saknas.",
        "niva": "handlaggare",
        "myndighet_id": str(world.brist.myndighet_id),
        "omrade_id": str(world.brist.omrade_id),
        "first_observed_on": "2026-01-15",
        "antal_klienter": "2",
        "ansvarig_id": str(world.users["ombud"].id),
        "version": "1",
    }
    with_defaults.update(changes)
    return with_defaults


@pytest.mark.parametrize("url", ["/brister", "/brister?q=brist&status=oppna", "/brister.csv"])
def test_list_statement_count_does_not_grow_with_rows(app, world, login, url):
    client = login("ombud")
    _add_brister(app, world, 2)
    client.get(url)  # warm up: first-request work is not per row
    with count_statements(app) as few:
        assert client.get(url).status_code == 200
    _add_brister(app, world, 30)
    with count_statements(app) as many:
        assert client.get(url).status_code == 200
    assert many["n"] == few["n"]
    # The export first counts (up to EXPORT_JOB_MIN_ROWS + 1) whether it is a background job,
    # then reads the matching ids in order once and loads the brister by id batch by batch.
    assert few["n"] <= (8 if url.endswith(".csv") else 6)


def test_detail_statement_count_does_not_grow_with_history(app, world, login):
    client = login("ombud")
    url = f"/brister/{world.brist.id}"
    client.post(f"{url}/observation", {"observed_on": "2026-02-01", "antal_klienter": "1"})
    client.get(url)
    with count_statements(app) as few:
        client.get(url)
    for n in range(10):
        client.post(
            f"{url}/observation",
            {"observed_on": "2026-02-01", "antal_klienter": "1", "anteckning": f"Igen {n}"},
        )
    with count_statements(app) as many:
        page = client.get(url).get_data(as_text=True)
    assert "Igen 9" in page
    assert many["n"] == few["n"]
    # The user with her verksamheter; the brist with its observations (and whether anything was
    # merged into it); its history; its other myndigheter; its follow-ups (and whether it has a
    # contact); its lifts (and whether an agenda has it).
    assert few["n"] == 6


def _merge_into(app, world, how_many):
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        samordnare = db.session.get(type(world.users["ombud"]), world.users["samordnare"].id)
        target = db.session.get(Brist, world.brist.id)
        for _ in range(how_many):
            duplicate = factories.brist(home, samordnare, titel="Samma sak igen")
            close_brist(
                brist=duplicate,
                user=samordnare,
                scope=scope_for(samordnare),
                utfall=Utfall.SAMMANSLAGEN,
                comment="",
                expected_version=duplicate.version,
                merged_into=target,
            )
        db.session.commit()


def test_detail_with_brister_merged_into_it_takes_one_statement_more(app, world, login):
    client = login("ombud")
    url = f"/brister/{world.brist.id}"
    _merge_into(app, world, 1)
    client.get(url)
    with count_statements(app) as one:
        page = client.get(url).get_data(as_text=True)
    assert page.count("Samma sak igen") == 1
    _merge_into(app, world, 4)
    with count_statements(app) as five:
        page = client.get(url).get_data(as_text=True)
    assert page.count("Samma sak igen") == 5
    assert one["n"] == five["n"] == 7  # six, and the brister merged into it


def _titel(app, world) -> str:
    with app.app_context():
        titel = db.session.get(Brist, world.brist.id).titel
        db.session.remove()
    return titel


def _conflict(world, login):
    """Anna saves a new heading; Bo, on the copy he opened before, saves his own: a 409."""
    anna, bo = login("ombud"), login("samordnare")
    url = f"/brister/{world.brist.id}/redigera"
    assert anna.post(url, _edit_data(world, titel="Annas rubrik")).status_code == 302
    refused = bo.post(url, _edit_data(world, titel="Bos rubrik", beskrivning="Bos text"))
    assert refused.status_code == 409
    return bo, url, refused


def test_a_conflict_shows_the_other_change_beside_the_users_own_input(world, login):
    _bo, _url, refused = _conflict(world, login)
    page = refused.get_data(as_text=True)
    assert "Någon annan har ändrat bristen" in page
    assert "„Beslut saknar motivering” → „Annas rubrik”" in page  # the entry Bo missed
    again = resubmitted(refused)
    assert again["titel"] == "Bos rubrik" and again["beskrivning"] == "Bos text"  # kept
    assert saved_beside(refused) == {
        "titel": "Annas rubrik",
        "beskrivning": "Besluten förklarar inte vad som saknas.",
    }
    assert again["version"] == "1"  # the version Bo edited, not the one Anna saved
    assert again["seen_version"] == "2"
    assert "overwrite" not in again  # offered, not ticked
    assert 'name="overwrite"' in page


def test_saving_the_outdated_copy_again_is_refused_again(app, world, login):
    bo, url, refused = _conflict(world, login)
    response = bo.post(url, resubmitted(refused))
    assert response.status_code == 409
    assert saved_beside(response)["titel"] == "Annas rubrik"
    assert _titel(app, world) == "Annas rubrik"


def test_having_gone_through_the_changes_the_user_saves_over_them(app, world, login):
    bo, url, refused = _conflict(world, login)
    response = bo.post(url, {**resubmitted(refused), "overwrite": "y"})
    assert response.status_code == 302
    assert _titel(app, world) == "Bos rubrik"


def test_taking_over_is_refused_when_someone_saved_again_meanwhile(app, world, login):
    bo, url, refused = _conflict(world, login)
    cecilia = login("admin")
    cecilias = _edit_data(world, titel="Cecilias rubrik", version="2")
    assert cecilia.post(url, cecilias).status_code == 302
    response = bo.post(url, {**resubmitted(refused), "overwrite": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "„Annas rubrik” → „Cecilias rubrik”" in page
    assert "„Beslut saknar motivering” → „Annas rubrik”" not in page  # Bo has seen that one
    again = resubmitted(response)
    assert (again["version"], again["seen_version"]) == ("2", "3")
    assert _titel(app, world) == "Cecilias rubrik"


def test_a_save_on_a_brist_closed_meanwhile_keeps_the_input_and_says_why(app, world, login):
    close = {"utfall": "atgardad", "comment": "Löst.", "version": "1"}
    assert login("samordnare").post(f"/brister/{world.brist.id}/stang", close).status_code == 302
    url = f"/brister/{world.brist.id}/redigera"
    response = login("ombud").post(url, _edit_data(world, titel="Min rubrik"))
    assert response.status_code == 422
    assert "En stängd brist kan inte ändras" in response.get_data(as_text=True)
    assert resubmitted(response)["titel"] == "Min rubrik"
    assert _titel(app, world) == "Beslut saknar motivering"


def test_edit_records_old_and_new_values_in_history(app, world, login):
    client = login("ombud")
    client.post(f"/brister/{world.brist.id}/redigera", _edit_data(world, antal_klienter="7"))
    page = client.get(f"/brister/{world.brist.id}").get_data(as_text=True)
    assert re.search(
        r"Antal klienter: <span class=\"old\">2</span> → <span class=\"new\">7</span>", page
    )


def test_observations_add_up_in_list(app, world, login):
    client = login("ombud")
    client.post(
        f"/brister/{world.brist.id}/observation",
        {"observed_on": "2026-02-01", "antal_klienter": "4", "anteckning": ""},
    )
    page = client.get("/brister").get_data(as_text=True)
    row = page[page.index(world.brist.nummer) :]
    cells = re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row)[:2]
    assert cells == ["2", "6"]  # two times; 2 + 4 clients


def test_csv_export_has_bom_semicolons_and_suppresses_small_counts(world, login):
    response = login("ombud").get("/brister.csv")
    body = response.data.decode("utf-8")
    assert response.mimetype == "text/csv"
    assert body.startswith("\ufeffNummer;Rubrik;")
    assert world.brist.nummer in body
    assert world.other_brist.titel not in body
    line = next(line for line in body.splitlines() if line.startswith(world.brist.nummer))
    assert ";<3;" in line  # 2 clients: shown as "<3"


def test_csv_respects_filters(world, login):
    body = login("ombud").get("/brister.csv?status=stangd").data.decode("utf-8")
    assert world.brist.nummer not in body


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly_and_lax(client, world):
    response = client.login(world.users["ombud"].email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_nothing_half_saved_when_service_refuses(app, world, login):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Handelse))
    response = login("ombud").post(
        f"/brister/{world.brist.id}/eskalera", {"niva": "lokal", "reason": "", "version": "1"}
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Handelse)) == before
        assert db.session.get(Brist, world.brist.id).niva.value == "handlaggare"


def test_english_can_be_chosen(client, world):
    client.login(world.users["ombud"].email)
    client.post("/sprak", {"lang": "en", "next": "/brister"})
    page = client.get("/brister").get_data(as_text=True)
    assert '<html lang="en">' in page


def test_list_filter_messages_follow_the_language(client, world):
    client.login(world.users["ombud"].email)
    swedish = client.get("/brister?year=1999").get_data(as_text=True)
    client.post("/sprak", {"lang": "en", "next": "/brister"})
    english = client.get("/brister?year=1999").get_data(as_text=True)
    assert "Numret måste vara mellan 2000 och 2100." in swedish
    assert "Number must be between 2000 and 2100." in english


def test_session_cookie_is_secure_when_configured(app, world):
    from systemfel import create_app

    https_app = create_app(
        "testing",
        overrides={"DATABASE_URL": app.config["DATABASE_URL"], "SESSION_COOKIE_SECURE": True},
    )
    client = https_app.test_client()
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={
            "email": world.users["ombud"].email,
            "password": factories.PASSWORD,
            "csrf_token": token,
        },
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},  # Flask-WTF checks it over HTTPS
    )
    with https_app.app_context():
        db.engine.dispose()  # its own engine: close its connections now, not at collection
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_csv_cells_that_look_like_formulas_are_neutralised(app, world, login):
    _add_brister(app, world, 0)
    client = login("ombud")
    client.post(f"/brister/{world.brist.id}/redigera", _edit_data(world, titel="=HYPERLINK(1)"))
    body = login("ombud").get("/brister.csv").data.decode("utf-8")
    assert ";'=HYPERLINK(1);" in body
