"""The floor: a bare Flask app doing the essential work of the list, search and detail pages.

    gunicorn -w 2 --pythonpath benchmarks "floor:create_app()"   # what `load.py --floor` starts

Reads `FLOOR_DATABASE_URL` (the same SQLAlchemy URL Systemfel uses, SQLite or PostgreSQL),
talks to the database with sqlite3 or psycopg directly (one connection per worker), and
renders the pages with plain Jinja. `GET /login` puts the user named by `FLOOR_EMAIL` in
Flask's signed cookie session; every page reads it and looks the user's verksamheter up, as
Systemfel loads the signed-in user. No ORM, forms, translations, CSRF or access rules.

The pages do what Systemfel's do, at their core:

- `/brister?status=oppna&niva=lokal` and `/brister?q=word`: the count of matching brister in
  the user's verksamheter, one page of them (`FLOOR_PAGE_SIZE`, default 25 like the app's
  PAGE_SIZE) newest first with myndighet, område and ansvarig, and their observation totals;
  the text is matched with the app's own full-text index and query (FTS5 / tsvector);
- `/brister/<id>`: one brist with its names, its observations and its history with users.

load.py serves it beside Systemfel with the same gunicorn settings and reports each page's
median against this floor (`load.py --floor`).
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from flask import Flask, abort, g, render_template_string, request, session
from sqlalchemy.engine import make_url

from systemfel.brister.domain import search_query_words
from systemfel.brister.search import fts5_query, tsquery

OPEN_STATUSES = ("registrerad", "bevakas", "lyft")  # every status but "stangd"

LAYOUT = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>{{ title }} – floor</title>
<link rel="stylesheet" href="/static/floor.css"></head>
<body><header><a href="/">Systemfel</a> <span>{{ user_name }}</span></header>
<main>{% block content %}{% endblock %}</main></body></html>"""

LIST = (
    LAYOUT.split("{% block content %}")[0]
    + """<h1>Brister</h1>
<form method="get"><input name="q" value="{{ q }}"><button>Visa</button></form>
<p>{{ total }} brister</p>
<table><thead><tr><th>Nummer</th><th>Rubrik</th><th>Nivå</th><th>Myndighet</th><th>Område</th>
<th>Status</th><th>Gånger</th><th>Klienter</th><th>Ansvarig</th></tr></thead><tbody>
{% for row in rows %}<tr>
<td data-label="Nummer"><a href="/brister/{{ row.id }}">{{ row.nummer }}</a></td>
<td data-label="Rubrik">{{ row.titel }}</td><td data-label="Nivå">{{ row.niva }}</td>
<td data-label="Myndighet">{{ row.myndighet }}</td><td data-label="Område">{{ row.omrade }}</td>
<td data-label="Status"><span class="badge">{{ row.status }}</span></td>
<td data-label="Gånger">{{ row.times }}</td><td data-label="Klienter">{{ row.clients }}</td>
<td data-label="Ansvarig">{{ row.ansvarig }}</td></tr>
{% endfor %}</tbody></table>
<nav><a href="?{{ query }}&amp;sida=2">Nästa</a></nav>"""
    + LAYOUT.split("{% endblock %}")[1]
)

DETAIL = (
    LAYOUT.split("{% block content %}")[0]
    + """<h1>{{ brist.nummer }} {{ brist.titel }}</h1>
<dl><dt>Nivå</dt><dd>{{ brist.niva }}</dd><dt>Status</dt><dd>{{ brist.status }}</dd>
<dt>Myndighet</dt><dd>{{ brist.myndighet }}</dd><dt>Område</dt><dd>{{ brist.omrade }}</dd>
<dt>Ansvarig</dt><dd>{{ brist.ansvarig }}</dd><dt>Verksamhet</dt><dd>{{ brist.verksamhet }}</dd>
<dt>Först observerad</dt><dd>{{ brist.first_observed_on }}</dd></dl>
<p>{{ brist.beskrivning }}</p><p>{{ brist.konsekvenser }}</p><p>{{ brist.forslag_atgard }}</p>
<h2>Observationer</h2><ul>{% for o in observations %}
<li>{{ o.observed_on }}: {{ o.antal_klienter }} ({{ o.namn }}) {{ o.anteckning }}</li>
{% endfor %}</ul>
<h2>Historik</h2><ol>{% for h in history %}
<li>{{ h.happened_on }} {{ h.typ }} {{ h.namn or "" }} {{ h.data }} {{ h.text }}</li>
{% endfor %}</ol>"""
    + LAYOUT.split("{% endblock %}")[1]
)

USER = (
    "SELECT u.id, u.namn, uv.verksamhet_id FROM user_account u "
    "JOIN user_verksamhet uv ON uv.user_id = u.id WHERE u.id = ? AND u.is_active"
)
LIST_COLUMNS = (
    "SELECT b.id, b.nummer, b.titel, b.niva, b.status, b.antal_klienter, m.namn AS myndighet, "
    "o.namn AS omrade, a.namn AS ansvarig FROM brist b "
    "JOIN myndighet m ON m.id = b.myndighet_id JOIN omrade o ON o.id = b.omrade_id "
    "JOIN user_account a ON a.id = b.ansvarig_id"
)
TOTALS = (
    "SELECT brist_id, count(*), sum(antal_klienter) FROM observation "
    "WHERE brist_id IN ({marks}) GROUP BY brist_id"
)
DETAIL_BRIST = (
    "SELECT b.*, m.namn AS myndighet, o.namn AS omrade, a.namn AS ansvarig, "
    "v.namn AS verksamhet FROM brist b JOIN myndighet m ON m.id = b.myndighet_id "
    "JOIN omrade o ON o.id = b.omrade_id JOIN user_account a ON a.id = b.ansvarig_id "
    "JOIN verksamhet v ON v.id = b.verksamhet_id "
    "WHERE b.id = ? AND b.verksamhet_id IN ({marks})"
)
OBSERVATIONS = (
    "SELECT o.observed_on, o.antal_klienter, o.anteckning, u.namn FROM observation o "
    "JOIN user_account u ON u.id = o.created_by_id WHERE o.brist_id = ? ORDER BY o.observed_on"
)
HISTORY = (
    "SELECT h.happened_on, h.typ, h.data, h.text, u.namn FROM handelse h "
    "LEFT JOIN user_account u ON u.id = h.user_id WHERE h.brist_id = ? ORDER BY h.created_at"
)


class Database:
    """One DB-API connection per worker process, opened on first use (after gunicorn forks)."""

    def __init__(self, url: str):
        parsed = make_url(url)
        self.backend = parsed.get_backend_name()
        if self.backend == "sqlite":
            self.target: Any = parsed.database
        elif self.backend == "postgresql":
            self.target = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        else:
            raise ValueError(f"The floor speaks SQLite and PostgreSQL, not {self.backend}")
        self.connection: Any = None

    def connect(self) -> Any:
        if self.connection is None:
            if self.backend == "sqlite":
                self.connection = sqlite3.connect(self.target, check_same_thread=False)
                self.connection.execute("PRAGMA busy_timeout=10000")
            else:
                import psycopg

                self.connection = psycopg.connect(self.target, autocommit=True)
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def rows(self, sql: str, parameters: list[Any]) -> list[tuple]:
        """Run `sql` (with ? placeholders) and return its rows."""
        if self.backend == "postgresql":
            sql = sql.replace("?", "%s")
        cursor = self.connect().execute(sql, parameters)
        return cursor.fetchall()


def create_app() -> Flask:
    """The floor app for gunicorn; FLOOR_DATABASE_URL and FLOOR_EMAIL say what it serves."""
    app = Flask(__name__, static_folder=None)
    # The same in every worker, or a cookie one worker signed is refused by the other.
    app.secret_key = os.environ.get("FLOOR_SECRET_KEY", "floor-benchmark-only-not-secret")
    database = Database(os.environ["FLOOR_DATABASE_URL"])
    app.extensions["floor_database"] = database
    email = os.environ.get("FLOOR_EMAIL", "ombud1@v1.bench")
    page_size = int(os.environ.get("FLOOR_PAGE_SIZE", "25"))

    @app.get("/login")
    def login():
        found = database.rows("SELECT id FROM user_account WHERE email = ?", [email])
        if not found:
            abort(404)
        session["uid"] = found[0][0]
        return "ok"

    @app.before_request
    def load_user():
        if request.endpoint == "login":
            return None
        rows = database.rows(USER, [session.get("uid", 0)])
        if not rows:
            abort(401)
        g.user_name = rows[0][1]
        g.verksamheter = [row[2] for row in rows]
        return None

    @app.get("/brister")
    def list_brister():
        where, parameters = _where(g.verksamheter)
        words = request.args.get("q", "").casefold().split()
        if request.args.get("status") == "oppna":
            where.append(f"b.status IN ({_marks(OPEN_STATUSES)})")
            parameters += OPEN_STATUSES
        if request.args.get("niva"):
            where.append("b.niva = ?")
            parameters.append(request.args["niva"])
        stems = search_query_words(" ".join(words))
        if stems and database.backend == "postgresql":
            where.append("b.search_vector @@ ?::tsquery")
            parameters.append(tsquery(stems))
        elif stems:  # the app's FTS5 query, narrowed to the user's few verksamheter
            where.append("b.id IN (SELECT rowid FROM brist_fts WHERE brist_fts MATCH ?)")
            parameters.append(fts5_query(stems, set(g.verksamheter)))
        # Fixed fragments with ? placeholders; every value goes in as a parameter.
        condition = " AND ".join(where)
        total = database.rows(
            f"SELECT count(*) FROM brist b WHERE {condition}",  # noqa: S608
            parameters,
        )[0][0]
        rows = database.rows(
            f"{LIST_COLUMNS} WHERE {condition} ORDER BY b.year DESC, b.serial DESC LIMIT ?",
            [*parameters, page_size],
        )
        columns = ("id", "nummer", "titel", "niva", "status", "antal_klienter")
        items = [
            dict(zip(columns + ("myndighet", "omrade", "ansvarig"), row, strict=True))
            for row in rows
        ]
        seen = {}
        if items:
            ids = [item["id"] for item in items]
            seen = {
                brist_id: (count, clients or 0)
                for brist_id, count, clients in database.rows(TOTALS.format(marks=_marks(ids)), ids)
            }
        for item in items:
            count, clients = seen.get(item["id"], (0, 0))
            item["times"] = count + 1
            item["clients"] = item["antal_klienter"] + clients
        return render_template_string(
            LIST,
            title="Brister",
            user_name=g.user_name,
            total=total,
            rows=items,
            q=" ".join(words),
            query=request.query_string.decode(),
        )

    @app.get("/brister/<int:brist_id>")
    def detail(brist_id: int):
        cursor_rows = database.connect().execute(
            _placeholders(database, DETAIL_BRIST.format(marks=_marks(g.verksamheter))),
            [brist_id, *g.verksamheter],
        )
        names = [column[0] for column in cursor_rows.description]
        row = cursor_rows.fetchone()
        if row is None:
            abort(404)
        brist = dict(zip(names, row, strict=True))
        observations = [
            dict(zip(("observed_on", "antal_klienter", "anteckning", "namn"), r, strict=True))
            for r in database.rows(OBSERVATIONS, [brist_id])
        ]
        history = [
            dict(zip(("happened_on", "typ", "data", "text", "namn"), r, strict=True))
            for r in database.rows(HISTORY, [brist_id])
        ]
        return render_template_string(
            DETAIL,
            title=brist["nummer"],
            user_name=g.user_name,
            brist=brist,
            observations=observations,
            history=history,
        )

    return app


def _where(verksamheter: list[int]) -> tuple[list[str], list[Any]]:
    return [f"b.verksamhet_id IN ({_marks(verksamheter)})"], list(verksamheter)


def _marks(values: Any) -> str:
    return ", ".join("?" for _ in values)


def _placeholders(database: Database, sql: str) -> str:
    return sql.replace("?", "%s") if database.backend == "postgresql" else sql
