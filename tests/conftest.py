"""Shared fixtures: an app on a real, migrated database (SQLite, or PostgreSQL when
SYSTEMFEL_TEST_DATABASE_URL says so), a clean database per test, and signed-in clients."""

import os
import re

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from hypothesis import settings

from systemfel import create_app
from systemfel.extensions import db
from tests import factories

# Hypothesis everywhere: no example database written into the repository (runs repeat as
# written), and no per-example deadline (a busy CI machine is slow, not wrong).
settings.register_profile("systemfel", database=None, deadline=None)
settings.load_profile("systemfel")

CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("SYSTEMFEL_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _reset_schema(url: str) -> None:
    """Start from an empty database, so the migrations build every table."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    os.environ["SYSTEMFEL_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    _reset_schema(url)
    app = create_app("testing", overrides={"DATABASE_URL": url})
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Each test owns its data: empty every table afterwards."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        tables = [table.name for table in db.metadata.sorted_tables]
        with db.engine.begin() as connection:
            if db.engine.dialect.name == "postgresql":
                connection.execute(
                    sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
                )
            else:
                for name in reversed(tables):
                    connection.execute(sa.text(f"DELETE FROM {name}"))  # noqa: S608 - our own tables


@pytest.fixture
def ctx(app):
    """An application context with a clean session, for tests that call services."""
    with app.app_context():
        yield
        db.session.remove()


class Client:
    """A test client that signs in and sends the CSRF token like a browser would."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()
        self._token = None

    def token(self) -> str:
        if self._token is None:
            # Every page carries a token (the logout and language forms); anonymous users
            # are sent on to the login page, which has one too.
            page = self.http.get("/brister", follow_redirects=True).get_data(as_text=True)
            match = CSRF.search(page)
            assert match, "no csrf token on the page"
            self._token = match.group(1) or match.group(2)
        return self._token

    def get(self, url, **kwargs):
        return self.http.get(url, **kwargs)

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        return self.http.post(url, data=data, **kwargs)

    def login(self, email, password=factories.PASSWORD):
        response = self.post("/login", {"email": email, "password": password})
        self._token = None  # a new session has a new token
        return response


@pytest.fixture
def client(app):
    return Client(app)


@pytest.fixture
def world(app):
    """Two verksamheter with one user of each role, and a brist in each.

    Built in an app context that is closed before the test runs: a context left open would be
    shared by every request of the test client, and with it `g` (Flask-WTF keeps its token
    there).
    """
    with app.app_context():
        data = factories.world()
        db.session.commit()
        # Load every attribute now, so tests can read ids and values after the session ends.
        for item in [data.home, data.other, data.brist, data.other_brist, *data.users.values()]:
            db.session.refresh(item)
        db.session.expunge_all()
        db.session.remove()
    return data


@pytest.fixture
def login(app, world):
    """Return a client signed in as the named user of `world` ("ombud", "samordnare", ...)."""

    def sign_in(name: str) -> Client:
        client = Client(app)
        response = client.login(world.users[name].email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in
