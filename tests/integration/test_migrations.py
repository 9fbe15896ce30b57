"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import upgrade

from systemfel import create_app
from systemfel.brister import search
from systemfel.extensions import db


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        opts = {"compare_type": True, "include_name": search.outside_search_index}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, db.metadata) == []


def test_flask_db_check_is_clean(app):
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_upgrading_a_sqlite_database_with_data_keeps_it(tmp_path):
    """Each migration since the register runs on a database that already holds brister.

    SQLite cannot alter a column in place; a migration that copies a table others point at
    would fail here on the foreign keys (they are on, as in production).
    """
    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app("testing", overrides={"DATABASE_URL": url})
    with app.app_context():
        upgrade(revision="cb30d0f9e3f7")
        # Rows as the schema of that revision had them (the models describe the newest one).
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO verksamhet (id, namn, created_at) VALUES (1, 'PO Gammal', :t)"
                ),
                {"t": "2026-01-01 00:00:00"},
            )
            connection.execute(
                sa.text("INSERT INTO kommun (verksamhet_id, namn) VALUES (1, 'Gammelby')")
            )
            connection.execute(
                sa.text(
                    "INSERT INTO omrade (verksamhet_id, namn, is_active) VALUES (1, 'Bostad', 1)"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT count(*) FROM kommun")) == 1
            assert connection.scalar(sa.text("SELECT has_routines FROM verksamhet")) in (0, False)
        db.session.remove()
        db.engine.dispose()
