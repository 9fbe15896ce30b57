"""Bad input on every route and every form, as every role: no 500, and nothing half-saved.

The routes come from the app's url_map, the forms from the pages each role is shown, so a new
route or field is fuzzed without touching this file. The bad values are a fixed, deterministic
list (huge and negative integers, NUL and control characters, very long text, invalid dates,
unknown choices, a missing CSRF token): every run asks the same thousands of questions, within
about a minute on SQLite and on PostgreSQL.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urlencode, urljoin, urlsplit

import lxml.html
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from systemfel.access import scope_for
from systemfel.auth.models import User
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Utfall
from systemfel.brister.models import Brist
from systemfel.clock import local_today
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.followups import services as followups_services
from systemfel.followups.domain import Kanal
from systemfel.followups.models import Efterkontroll
from systemfel.jobs.domain import JobState
from systemfel.jobs.models import Job, JobFile
from systemfel.meetings.domain import OrganTyp
from systemfel.meetings.models import Lyft
from systemfel.notifications.domain import OutboxStatus
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.models import Myndighet, Omrade, Verksamhet
from tests import factories
from tests.conftest import Client

ROLES = ("anonymous", "ombud", "ledningsgrupp", "samordnare", "admin")

BAD_INTS = ("2147483648", "1" + "0" * 30, "-2147483649")
BAD_TEXTS = (
    "Text\x00med NUL",
    "Rad\x01\x08\x0b\x0c\x0e\x1f\ufffe\uffff ett\r\nrad två",
    "Lång " + "x" * 20_000 + "\x00",
)
BAD_DATES = ("0001-01-01", "1989-12-31", "2101-01-01", "99999-01-01", "2026-02-30")
BAD_CHOICES = ("okänt-val\x00", "2147483648")
BAD_SEGMENTS = ("%00", "x%0d%0ay", "%ef%bf%bf", "x" * 3000)
# Query parameters the views read (request.args / request.values).
QUERY_NAMES = (
    "sida",
    "verksamhet",
    "ar",
    "version",
    "q",
    "status",
    "niva",
    "myndighet",
    "omrade",
    "ansvarig",
    "year",
    "sort",
    "visa",
    "next",
)
# Tables that change on purpose when a request is refused: rate limits count refusals.
COUNTING_TABLES = {"rate_limit_window", "outbox_sender"}
# Posting these as a signed-in role would end the session the fuzz goes on with.
SIGN_OUT = {"auth.logout"}
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
VARIABLE = re.compile(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>")


# --- the data the routes need ------------------------------------------------------------------


@pytest.fixture
def places(app, world) -> dict[str, object]:
    """A group with a member, a meeting with a settled agenda, a contact and an e-mail."""
    with app.app_context():
        home = db.session.get(Verksamhet, world.home.id)
        ombud = db.session.get(User, world.users["ombud"].id)
        samordnare = db.session.get(User, world.users["samordnare"].id)
        brist = db.session.get(Brist, world.brist.id)
        group, member, mote = factories.settled_mote(
            home, samordnare, db.session.get(User, world.users["ledningsgrupp"].id)
        )
        myndighet = db.session.scalars(
            sa.select(Myndighet).where(Myndighet.verksamhet_id == home.id).order_by(Myndighet.id)
        ).first()
        myndighet.epost = "registrator@example.org"
        kontakt = followups_services.raise_with_myndighet(
            brist=brist,
            user=ombud,
            scope=scope_for(ombud),
            myndighet=myndighet,
            contacted_on=local_today(),
            kanal=Kanal.EPOST,
            summary="Lyft per e-post.",
            send_email=False,
            answer_due_on=None,
        )
        message = OutboxMessage(
            idempotency_key="fuzz",
            to_addresses="a@example.org",
            subject="Ämne",
            body_text="Hej",
            status=OutboxStatus.FAILED,
            attempts=1,
        )
        db.session.add(message)
        fixed = factories.brist(home, ombud, titel="Åtgärdad för länge sedan")
        brister_services.close_brist(
            brist=fixed,
            user=samordnare,
            scope=scope_for(samordnare),
            utfall=Utfall.ATGARDAD,
            comment="",
            expected_version=fixed.version,
            now=utcnow() - timedelta(days=200),
        )
        kontroll_id = db.session.scalar(
            sa.select(Efterkontroll.id).where(Efterkontroll.brist_id == fixed.id)
        )
        # A lift of the brist to a strategic body, awaiting its answer (item 12 of issue 14).
        lyft = Lyft(
            brist=brist,
            mote=mote,
            organ_typ=OrganTyp.SAMORDNINGSFORBUND,
            organ_namn="Samordningsförbundet",
            lifted_on=local_today(),
            svar_senast_on=local_today() + timedelta(days=42),
        )
        db.session.add(lyft)
        # An ombud's finished background job with a file (the admin may see it, others not).
        job = Job(
            kind="brister_csv",
            title="Brister",
            user_id=ombud.id,
            request_key="fuzz",
            state=JobState.DONE,
            finished_at=utcnow(),
            expires_at=utcnow() + timedelta(days=7),
            files=[JobFile(name="brister.csv", mimetype="text/csv", size=0)],
        )
        db.session.add(job)
        db.session.commit()
        values = {
            "job_id": job.id,
            "file_id": job.files[0].id,
            "kontroll_id": kontroll_id,
            "verksamhet_id": home.id,
            "brist_id": brist.id,
            "group_id": group.id,
            "member_id": member.id,
            "mote_id": mote.id,
            "punkt_id": mote.visible_punkter[0].id,
            "kontakt_id": kontakt.id,
            "message_id": message.id,
            "version_id": 1,
            "myndighet": myndighet.id,
            "myndighet_id": myndighet.id,
            "lyft_id": lyft.id,
            "omrade": db.session.scalar(
                sa.select(Omrade.id).where(Omrade.verksamhet_id == home.id).order_by(Omrade.id)
            ),
            "user": ombud.id,
            "token": group.ics_token,
            "kind": "dagordning",
            "fmt": "docx",
            "action": "ned",
        }
        db.session.remove()
    return values


def _id_for(endpoint: str, name: str, places: dict) -> object:
    """The valid value of a URL variable: an id of the fixture's data, by what the route is."""
    if name == "item_id":
        kind = endpoint.removeprefix("admin.")
        return places["user" if kind in ("user", "reset_password") else kind]
    if name == "token" and endpoint == "followups.answer":
        return "ingen-sadan-lank"
    if name == "fmt" and endpoint == "reports.export":
        return "xlsx"  # cheap, and writes text; PDFs are read back in their own tests
    return places[name]


# --- the database's state ----------------------------------------------------------------------


def _fingerprint(app) -> tuple:
    """Rows per table and the sum of every version: what a refused request must not change."""
    parts = []
    for table in db.metadata.sorted_tables:
        if table.name in COUNTING_TABLES:
            continue
        parts.append(sa.select(sa.func.count()).select_from(table).scalar_subquery())
        if "version" in table.c:
            parts.append(
                sa.select(sa.func.coalesce(sa.func.sum(table.c.version), 0)).scalar_subquery()
            )
    with app.app_context():
        row = tuple(db.session.execute(sa.select(*parts)).one())
        db.session.remove()
    return row


def _stored_control_characters(app) -> list[str]:
    """Every stored text with a control character in it, as table.column."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.c:
                if isinstance(column.type, sa.String | sa.Text) and not isinstance(
                    column.type, sa.Enum
                ):
                    for value in db.session.scalars(sa.select(column)):
                        if isinstance(value, str) and CONTROL.search(value):
                            found.append(f"{table.name}.{column.name}")
        db.session.remove()
    return found


# --- requests ----------------------------------------------------------------------------------


@dataclass
class Form:
    """A form as a page offers it: where it posts and its fields, by kind."""

    action: str
    values: list[tuple[str, str]]
    kinds: dict[str, str] = field(default_factory=dict)

    def varied(self, kinds: set[str], bad: str) -> list[tuple[str, str]]:
        """The form as the browser sends it, with every field of `kinds` set to `bad`."""
        varied = [(n, bad if self.kinds.get(n) in kinds else v) for n, v in self.values]
        missing = [
            (n, bad)
            for n, kind in self.kinds.items()
            if kind in kinds and n not in dict(self.values)
        ]
        return varied + missing


@dataclass
class Fuzz:
    """One role's run: every request is checked, every failure kept for the report."""

    app: object
    http: Client
    state: tuple
    failures: list[str] = field(default_factory=list)
    forms: dict[str, Form] = field(default_factory=dict)
    sent: int = 0

    def request(self, method: str, url: str, data=None, csrf: bool = True):
        """Send it; a 500 or a refused request that changed the database is a failure."""
        if data is not None and csrf:
            data = [("csrf_token", self.http.token()), *data]
        body = MultiDict(data) if data is not None else None
        label = f"{method} {url[:120]!r} {_short(data)}"
        self.sent += 1
        try:
            response = self.http.http.open(url, method=method, data=body)
        except Exception as error:  # testing propagates what would be a 500
            self.failures.append(f"{type(error).__name__} {str(error)[:200]!r} on {label}")
            self.state = _fingerprint(self.app)
            return None
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {label}")
        after = _fingerprint(self.app)
        if response.status_code >= 400 and after != self.state:
            self.failures.append(f"half-saved by refused {response.status_code} {label}")
        self.state = after
        return response

    def collect_forms(self, page_url: str, response) -> None:
        """Remember every post form of the page by where it posts."""
        if response is None or response.status_code != 200 or "html" not in response.mimetype:
            return
        doc = lxml.html.fromstring(response.get_data(as_text=True))
        for form in doc.forms:
            if (form.method or "get").lower() != "post":
                continue
            action = urljoin(page_url, form.get("action") or page_url)
            if action not in self.forms:
                self.forms[action] = _form_of(action, form)


def _form_of(action: str, form) -> Form:
    kinds = {}
    for element in form.inputs:
        name = element.get("name")
        if not name or name == "csrf_token":
            continue
        if element.tag == "textarea":
            kinds[name] = "text"
        elif element.tag == "select":
            kinds[name] = "choice"
        else:
            kind = (element.get("type") or "text").lower()
            kinds[name] = {
                "radio": "choice",
                "checkbox": "choice",
                "email": "text",
                "search": "text",
                "password": "password",
                "submit": "button",
            }.get(kind, kind)
    values = [(n, v) for n, v in form.form_values() if n != "csrf_token"]
    return Form(action=action, values=values, kinds=kinds)


def _short(data) -> str:
    if not data:
        return ""
    return repr([(n, v[:40]) for n, v in data if n != "csrf_token"])[:300]


def _url(rule, values: dict) -> str:
    """The rule's path with `values` put in, quoted as a browser would."""

    def fill(match: re.Match) -> str:
        return quote(str(values[match.group(2)]), safe="%")

    return VARIABLE.sub(fill, rule.rule)


def _rules(app) -> Iterator:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint != "static":
            yield rule


def _bad_urls(rule, places: dict) -> Iterator[str]:
    """The rule with each variable in turn given each bad value its kind can meet."""
    valid = {name: _id_for(rule.endpoint, name, places) for name in rule.arguments}
    for name, converter in rule._converters.items():  # how a rule reads its URL
        is_int = isinstance(converter, IntegerConverter)
        for bad in (*BAD_INTS, "0") if is_int else BAD_SEGMENTS:
            yield _url(rule, {**valid, name: bad})


def _query_variants() -> Iterator[str]:
    for bad in (*BAD_INTS[:2], *BAD_TEXTS[:2]):
        yield urlencode({name: bad for name in QUERY_NAMES})


def _every_field_name(app) -> list[str]:
    """Every field name of every form class, and the minutes' first item's."""
    from wtforms import Form as WtForm
    from wtforms.fields.core import UnboundField

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = set()
    for cls in subclasses(WtForm):
        if cls.__module__.startswith("systemfel."):
            names.update(n for n in dir(cls) if isinstance(getattr(cls, n), UnboundField))
    names.update(
        f"punkter-0-{n}"
        for n in ("punkt_id", "anteckning", "beslut_typ", "beslut_senast_on", "beslut_ansvarig")
    )
    return sorted(names | {"markera", "lang", "verkstall", "spara"})


# --- the run -----------------------------------------------------------------------------------


def _run_role(app, http: Client, places: dict, field_names: list[str]) -> Fuzz:
    fuzz = Fuzz(app=app, http=http, state=_fingerprint(app))
    rules = list(_rules(app))
    for rule in rules:
        methods = rule.methods - {"HEAD", "OPTIONS"}
        valid = _url(rule, {n: _id_for(rule.endpoint, n, places) for n in rule.arguments})
        if "GET" in methods:
            fuzz.collect_forms(valid, fuzz.request("GET", valid))
            for query in _query_variants():
                fuzz.request("GET", f"{valid}?{query}")
        for method in sorted(methods):
            for url in _bad_urls(rule, places):
                fuzz.request(method, url, [] if method == "POST" else None)
    for rule in rules:
        if "POST" not in rule.methods or rule.endpoint in SIGN_OUT and http.signed_in:
            continue
        valid = _url(rule, {n: _id_for(rule.endpoint, n, places) for n in rule.arguments})
        fuzz.request("POST", valid, [(n, "1") for n in field_names], csrf=False)
        for bad in (*BAD_INTS, *BAD_TEXTS, *BAD_DATES[:2], *BAD_CHOICES[:1]):
            fuzz.request("POST", valid, [(n, bad) for n in field_names])
    for action, form in sorted(fuzz.forms.items()):
        path = urlsplit(action).path
        if http.signed_in and path == "/logout":
            continue
        for kinds, values in (
            ({"text"}, BAD_TEXTS),
            ({"hidden", "number"}, BAD_INTS),
            ({"date"}, BAD_DATES),
            ({"choice"}, BAD_CHOICES),
        ):
            if kinds & set(form.kinds.values()):
                for bad in values:
                    fuzz.request("POST", action, form.varied(kinds, bad))
    return fuzz


@pytest.mark.parametrize("role", ROLES)
def test_no_bad_input_breaks_anything(app, world, places, login, role):
    """Every route and form as `role`: never a 500, a refusal changes nothing, no control
    character is ever stored."""
    http = Client(app) if role == "anonymous" else login(role)
    http.signed_in = role != "anonymous"

    fuzz = _run_role(app, http, places, _every_field_name(app))

    assert fuzz.sent > 300, fuzz.sent
    assert not fuzz.failures, "\n".join(fuzz.failures[:40])
    assert _stored_control_characters(app) == []
