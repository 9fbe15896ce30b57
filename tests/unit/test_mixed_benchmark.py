"""benchmarks/mixed.py's pieces: the mix, the users' weights, and mixed.lua run by real wrk.

wrk runs against a small stub server on loopback, so the Lua script's choices, its form
handling (the page's own tokens posted back) and its error counting are tested as they run
in the benchmark, without the app or a database.
"""

import importlib.util
import math
import re
import secrets
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
WRK = Path("/usr/bin/wrk")


def _load_mixed():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("mixed", ROOT / "benchmarks" / "mixed.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mixed"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


mixed = _load_mixed()
needs_wrk = pytest.mark.skipif(not WRK.exists(), reason="wrk is not installed")


def test_the_mix_is_the_issues():
    """70 % list and detail, 10 % search, 10 % writes, 5 % statistics, 5 % meeting pages."""
    assert math.isclose(sum(mixed.MIX.values()), 100)
    shares = {
        name: sum(mixed.MIX[kind] for kind in kinds) for name, kinds in mixed.CATEGORIES.items()
    }
    assert shares == {
        "list and detail": 70,
        "search": 10,
        "writes": 10,
        "statistics": 5,
        "meeting pages": 5,
    }


@given(
    st.lists(st.sampled_from(["ombud", "samordnare", "admin", "ledningsgrupp"]), min_size=1)
    .filter(lambda roles: any(role != "ledningsgrupp" for role in roles))
    .filter(lambda roles: roles.count("ledningsgrupp") <= 4 * len(roles) // 5)
)
def test_the_users_weights_add_up_to_the_mix(roles):
    """Readers never write; writers write more; all users together follow the mix."""
    weights = mixed.user_weights(roles)
    for role, one in zip(roles, weights, strict=True):
        assert math.isclose(sum(one.values()), 100)
        assert all(value >= -1e-9 for value in one.values())
        if role == "ledningsgrupp":
            assert one["register"] == one["observe"] == 0
    for kind, share in mixed.MIX.items():
        average = sum(one[kind] for one in weights) / len(roles)
        assert math.isclose(average, share, abs_tol=1e-9)


def test_only_readers_is_refused():
    with pytest.raises(ValueError, match="write"):
        mixed.user_weights(["ledningsgrupp", "ledningsgrupp"])


def test_lua_literals():
    literal = mixed.lua_literal({"a": [1, 2.5, 'x"y\\z'], "b": True, "ö": "läkarintyg"})
    assert literal == (
        '{["a"] = {1, 2.5, "x\\034y\\092z"}, ["b"] = true, ["\\195\\182"] = "l\\195\\164karintyg"}'
    )


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert mixed.percentile(values, 0.5) == 50
    assert mixed.percentile(values, 0.95) == 95
    assert mixed.percentile(values, 0.99) == 99
    assert mixed.percentile([7.0], 0.99) == 7.0


class StubApp(BaseHTTPRequestHandler):
    """Answers like the app: a form with fresh tokens, a redirect after a good POST."""

    tokens: set[str]
    posts: list[dict[str, str]]
    bad_posts: list[dict[str, str]]
    refuse = False
    lock = threading.Lock()

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, body: str = "", location: str = "") -> None:
        data = body.encode()
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Set-Cookie", "session=after-" + secrets.token_hex(4) + "; HttpOnly")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if not self.headers.get("Cookie", "").startswith("session="):
            self._send(302, location="/login")
        elif path in ("/brister/ny", "/brister/5/observation"):
            token = secrets.token_urlsafe(16)
            with self.lock:
                self.tokens.add(token)
            self._send(200, FORM.replace("{TOKEN}", token))
        elif path == "/brister/7":
            self._send(200, '<h1><span class="nummer">SF-2026-0001</span> x</h1>')
        elif path == "/brister/8":
            self._send(200, "<h1>Logga in</h1>")  # the wrong page
        else:
            self._send(200, "<h1>Brister</h1>")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        fields = dict(
            urllib.parse.parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)
        )
        with self.lock:
            good = (
                not self.refuse
                and fields.get("csrf_token") == "c.s-r&f"
                and fields.get("submission") in self.tokens
            )
            if good:
                self.tokens.discard(fields["submission"])
            (self.posts if good else self.bad_posts).append(fields)
        if good:
            self._send(302, location=f"http://{self.headers['Host']}/brister/7")
        else:
            self._send(200, '<p class="error">Formuläret har gått ut</p>')


FORM = """<form method="post">
<input id="csrf_token" name="csrf_token" type="hidden" value="c.s-r&amp;f">
<input id="submission" name="submission" type="hidden" value="{TOKEN}">
<input id="version" name="version" type="hidden" value="">
<input id="first_observed_on" name="first_observed_on" type="text" value="2026-12-01">
<input id="observed_on" name="observed_on" type="text" value="2026-12-01">
<select id="myndighet_id" name="myndighet_id"><option value="">Välj</option>
<option value="11">FK</option><option value="12">AF</option></select>
<select id="ansvarig_id" name="ansvarig_id"><option value="">Välj</option>
<option value="3">A</option><option selected value="4">B</option></select>
</form>"""


class QuietServer(ThreadingHTTPServer):
    """wrk drops its connections when its time is up; that is no error here."""

    def handle_error(self, request, client_address):
        pass


@pytest.fixture
def stub():
    StubApp.tokens, StubApp.posts, StubApp.bad_posts = set(), [], []
    StubApp.refuse = False
    server = QuietServer(("127.0.0.1", 0), StubApp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _user(weights: dict[str, float], detail: list[int] | None = None):
    return mixed.User(
        email="ombud1@v1.bench",
        role="ombud",
        verksamhet_id=1,
        weights={kind: weights.get(kind, 0.0) for kind in mixed.MIX},
        paths={kind: ["/brister"] for kind in ("list", "search", "statistics", "meeting")},
        detail=detail or [7],
        observe=[5],
        cookie="session=before",
    )


def _run(stub: str, users, seconds: float, tmp_path, draws: int = 0):
    script = mixed.lua_script(users, think_ms=0, seed=3, selftest_draws=draws)
    out, _cpu = mixed.run_wrk(script, stub, len(users), seconds, tmp_path)
    return out


@needs_wrk
def test_the_lua_draws_follow_the_weights(stub, tmp_path):
    """mixed.lua's own choice, drawn 40,000 times per user, matches each user's weights."""
    users = [_user(one) for one in mixed.user_weights(["ombud", "ledningsgrupp", "admin"])]
    draws = 40_000
    out = _run(stub, users, 1, tmp_path, draws)
    assert set(out.draws) == {1, 2, 3}
    for index, user in enumerate(users, start=1):
        total = sum(user.weights.values())
        assert sum(out.draws[index].values()) == draws
        for kind, weight in user.weights.items():
            p = weight / total
            spread = 5 * math.sqrt(draws * p * (1 - p)) + 1
            assert abs(out.draws[index].get(kind, 0) - draws * p) <= spread, (index, kind)


@needs_wrk
def test_a_write_posts_the_forms_own_tokens_and_follows_the_redirect(stub, tmp_path):
    """GET the form, POST its csrf_token and fresh submission token, GET where it leads."""
    users = [_user({"register": 1.0}), _user({"observe": 1.0})]
    out = _run(stub, users, 1, tmp_path)
    assert not StubApp.bad_posts
    assert StubApp.posts
    assert not out.errors, out.notes
    saved = len(out.samples["register_post"]) + len(out.samples["observe_post"])
    assert 0 <= len(StubApp.posts) - saved <= len(users)  # the end may cut off an answer
    assert len(out.samples["saved"]) >= saved - 2  # a redirect may be cut off by the end
    register = next(post for post in StubApp.posts if "titel" in post)
    assert register["myndighet_id"] == "11"  # the first choice
    assert register["ansvarig_id"] == "4"  # the one the form selected
    assert register["first_observed_on"] == "2026-12-01"
    assert register["version"] == ""
    observe = next(post for post in StubApp.posts if "anteckning" in post)
    assert observe["observed_on"] == "2026-12-01"
    assert out.actions["register"] > 0 and out.actions["observe"] > 0


@needs_wrk
def test_a_wrong_page_or_a_refused_post_is_an_error(stub, tmp_path):
    """A 200 without the page's marker counts, and so does a POST answered with the form."""
    StubApp.refuse = True
    users = [_user({"detail": 1.0}, detail=[8]), _user({"register": 1.0})]
    out = _run(stub, users, 1, tmp_path)
    assert out.errors["detail"] == len(out.samples["detail"]) > 0
    assert out.errors["register_post"] == len(out.samples["register_post"]) > 0
    assert "saved" not in out.samples
    assert any(re.search(r"GET /brister/8: not the expected page", note) for note in out.notes)
    assert any(re.search(r"POST /brister/ny: status 200 Formuläret", note) for note in out.notes)
