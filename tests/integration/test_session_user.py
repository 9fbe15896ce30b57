"""The signed-in user is loaded with her verksamheter in one statement, on every request."""

import pytest

from systemfel.access import scope_for
from systemfel.auth import services
from systemfel.extensions import db
from tests import factories
from tests.sql import count_statements


@pytest.mark.parametrize("how_many", [0, 1, 3])
def test_the_session_user_and_her_verksamheter_are_one_statement(app, how_many):
    with app.app_context():
        verksamheter = [factories.verksamhet(f"PO {name}") for name in "CAB"[:how_many]]
        user = factories.UserFactory(verksamheter=verksamheter)
        db.session.commit()
        session_id, user_id = user.get_id(), user.id
        expected = {verksamhet.id for verksamhet in verksamheter}
        db.session.remove()
    with app.app_context(), count_statements(app) as sent:
        loaded = services.load_session_user(session_id)
        assert loaded is not None and loaded.id == user_id
        assert scope_for(loaded).verksamhet_ids == expected
        assert [v.namn for v in loaded.verksamheter] == sorted(v.namn for v in loaded.verksamheter)
    assert sent["n"] == 1


def test_an_old_session_loads_no_one(app):
    with app.app_context():
        user = factories.UserFactory()
        db.session.commit()
        stale = f"{user.id}:not-the-token"
        assert services.load_session_user(stale) is None
        db.session.remove()
