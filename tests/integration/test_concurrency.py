"""Registrations at the same moment from several workers never share a number."""

import threading

from sqlalchemy import select

from systemfel.auth.models import User
from systemfel.brister.models import Brist
from systemfel.extensions import db
from systemfel.verksamheter.models import Verksamhet
from tests import factories


def test_simultaneous_registrations_get_distinct_numbers(app):
    with app.app_context():
        verksamhet = factories.verksamhet("PO Samtidigt")
        ombud = factories.UserFactory(verksamheter=[verksamhet])
        db.session.commit()
        ids = (verksamhet.id, ombud.id)
        db.session.remove()
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def register_five() -> None:
        with app.app_context():
            start.wait()
            try:
                for _ in range(5):
                    verksamhet = db.session.get(Verksamhet, ids[0])
                    factories.brist(verksamhet, db.session.get(User, ids[1]))
                    db.session.commit()
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=register_five) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        serials = sorted(db.session.scalars(select(Brist.serial)))
        db.session.remove()
    assert serials == list(range(1, 16))
