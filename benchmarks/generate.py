"""Fill a database with a national-scale Systemfel register for the load benchmark.

300 verksamheter, each with the standard myndigheter and områden, four staff accounts and
1,000 brister spread over 2022–2026, plus about a million rows of history and observations.
The schema comes from the real migrations (`systemfel db upgrade`); rows go in with SQLAlchemy
Core executemany in chunks (or COPY on PostgreSQL, the default there).

    .venv/bin/python benchmarks/generate.py --scale 0.01            # quick try, 3 verksamheter
    .venv/bin/python benchmarks/generate.py --reset                 # SQLite, full scale
    .venv/bin/python benchmarks/generate.py --reset \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Every staff account has the password `bench-losen-2026`; the ombud load.py logs in as is
ombud1@v1.bench. An admin account admin@bench.se (no verksamhet, sees everything) exists too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from werkzeug.security import generate_password_hash

from systemfel.auth.models import new_session_token
from systemfel.brister.domain import (
    NIVA_LABELS,
    STATUS_LABELS,
    UTFALL_LABELS,
    HandelseTyp,
    Niva,
    Status,
    Utfall,
    check_history_data,
    format_number,
    search_text,
)
from systemfel.verksamheter.domain import STANDARD_MYNDIGHETER, STANDARD_OMRADEN

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
DEFAULT_URL = f"sqlite:///{RESULTS / 'national.db'}"
SYSTEMFEL_CLI = ROOT / ".venv" / "bin" / "systemfel"

PASSWORD = "bench-losen-2026"  # noqa: S105 - a throwaway benchmark database
PREFIX = "SF"
YEARS = (2022, 2023, 2024, 2025, 2026)
# "Now" for the generated history: nothing happens after this moment.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
VERKSAMHETER = 300
PER_VERKSAMHET = 1000
CHUNK_VERKSAMHETER = 10  # verksamheter generated and inserted per transaction
EXECUTEMANY_ROWS = 5000  # rows per executemany call

# Share of a year's brister that are closed by now: old ones mostly are.
CLOSED_SHARE = {2022: 0.88, 2023: 0.78, 2024: 0.62, 2025: 0.42, 2026: 0.15}
NIVA_WEIGHTS = [(Niva.HANDLAGGARE, 30), (Niva.LOKAL, 45), (Niva.CENTRAL, 25)]
OPEN_STATUS_WEIGHTS = [(Status.REGISTRERAD, 35), (Status.LYFT, 35), (Status.BEVAKAS, 30)]
UTFALL_WEIGHTS = [
    (Utfall.ATGARDAD, 33),
    (Utfall.DELVIS_ATGARDAD, 25),
    (Utfall.EJ_ATGARDAD, 30),
    (Utfall.SAMMANSLAGEN, 12),
]
# How many further observations a brist gets (beyond the first one on registration).
OBSERVATION_WEIGHTS = [(0, 60), (1, 25), (2, 9), (3, 4), (6, 2)]
# Brister are not spread evenly over the myndigheter: Försäkringskassan dominates.
MYNDIGHET_WEIGHTS = [30, 12, 8, 6, 3, 4, 10, 6, 4, 2, 14, 6, 4, 6, 5]
# Share of open brister with a request e-mailed to their myndighet and awaiting its answer:
# about 40,000 at full scale, the load the letters to myndigheter are benchmarked with.
KONTAKT_SHARE = 0.31

# Words a title is made of; "sjukpenning", "e-legitimation", "boendestöd" recur on purpose.
TITLE_PROBLEMS = [
    "Beslut om {sak} saknar förklaring av vad som fattas",
    "Lång handläggningstid för {sak}",
    "Svårt att nå handläggare i ärenden om {sak}",
    "Digitala kontaktvägar för {sak} kräver e-legitimation",
    "Klienter nekas hjälp på plats med {sak}",
    "Brev om {sak} skickas bara till digital brevlåda",
    "Ingen samordning mellan myndigheter kring {sak}",
    "Krav på dokument som klienten inte kan skaffa för {sak}",
    "Bristande bemötande vid frågor om {sak}",
    "Avslag på {sak} utan utredning av behovet",
    "Återkrav av {sak} utan dialog",
    "Tidsfrister för {sak} är för korta för målgruppen",
]
TITLE_SUBJECTS = [
    "sjukpenning",
    "sjukersättning",
    "aktivitetsersättning",
    "bostadstillägg",
    "försörjningsstöd",
    "boendestöd",
    "god man",
    "skuldsanering",
    "folkbokföring",
    "LSS-insatser",
    "samordnad individuell plan",
    "arbetslivsinriktad rehabilitering",
    "förstahandskontrakt",
    "läkarintyg",
    "betalningsplan",
    "färdtjänst",
    "id-kort",
    "aktivitetsstöd",
    "bostadsbidrag",
    "hemtjänst",
]
SENTENCES = [
    "Klienterna förstår inte vad de ska komplettera med och missar tidsfristen.",
    "Det går bara att nå handläggaren under en timme två dagar i veckan.",
    "Mottagningarna hänvisar till varandra och ingen tar ansvar för samordningen.",
    "Under väntetiden finns inga pengar till hyra och mat.",
    "Klienter har blivit tillsagda att klara de digitala tjänsterna själva.",
    "Flera klienter kan inte få e-legitimation och nekas då service.",
    "Informationen skickas till digital brevlåda, som många i målgruppen inte öppnar.",
    "Beslutet räknar upp paragrafer men säger inte vilket underlag som saknas.",
    "Ombudet har fått ringa om flera gånger för samma ärende.",
    "Handläggaren byts ofta och klienten får börja om från början varje gång.",
    "Klienten har fått avslag på sjukpenning trots läkarintyg om nedsatt arbetsförmåga.",
    "Väntetiden för ett första möte är längre än tre månader.",
    "Blanketterna finns bara på svenska och är svåra att fylla i.",
    "Kontoret har stängt för spontanbesök och tidsbokning kräver BankID.",
    "Beslut om boendestöd ger oftast en timme i veckan, också när behovet är större.",
    "Det tar ofta över ett halvår innan en god man förordnas.",
    "Räkningar blir obetalda och skulderna växer hos Kronofogden.",
    "Klienten kallas till möten utan att få veta vad mötet gäller.",
    "Ingen återkoppling ges när ett ärende har skickats vidare internt.",
    "Myndigheten kräver ett personligt besök som klienten inte klarar av.",
    "Kommunen och regionen är oense om vem som ska betala insatsen.",
    "Ansökan avvisas för att en bilaga saknas, utan att klienten fått chans att komplettera.",
    "Klienter med ångest ger upp kontakten när kön bryts.",
    "Hyresvärden godtar inte sjukersättning eller försörjningsstöd som inkomst.",
]
KONSEKVENSER = [
    "Ärenden avslutas i onödan och klienter blir utan inkomst i flera månader.",
    "Risk att förlora bostaden och ökad isolering.",
    "Vården uteblir eller kommer sent, med ökad risk för akuta inläggningar.",
    "Hyresskulder, risk för vräkning och beroende av tillfälliga lån.",
    "Klienterna skrivs ut från myndigheten och förlorar ersättning.",
    "Skulder hos Kronofogden som hade kunnat undvikas.",
    "",
]
FORSLAG = [
    "Beslutsbreven bör ange konkret vilket underlag som behövs och hur det lämnas.",
    "Möjlighet att boka telefontid, eller en särskild kontaktväg för ombud.",
    "Gemensam rutin för samsjuklighet och att SIP erbjuds utan att ombudet påkallar det.",
    "Alternativa kontaktvägar som inte kräver e-legitimation ska finnas och vara kända.",
    "Papperspost som standard när den enskilde inte aktivt valt digital brevlåda.",
    "Information till personalen om målgruppen och om serviceskyldigheten.",
    "",
]
ANTECKNINGAR = [
    "",
    "",
    "Samma sak igen.",
    "Ny klient med samma problem.",
    "Ringde tre gånger utan svar.",
    "Handläggaren hänvisade till webben.",
    "Beslutet kom efter sju veckor.",
]
COMMENTS = [
    "",
    "Lyft på samverkansmöte.",
    "Skickat skrivelse till myndigheten.",
    "Myndigheten har svarat att de ser över rutinen.",
    "Följs upp nästa kvartal.",
]
FIRST_NAMES = [
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Johan",
    "Sara",
    "Ali",
    "Fatima",
    "Mikael",
    "Elin",
    "Omar",
    "Linnea",
    "Per",
    "Aisha",
    "Jonas",
]
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Hussein",
    "Lindberg",
]
FINDINGS = [
    "Ingen förändring.",
    "Myndigheten har inte svarat.",
    "Fortfarande samma problem.",
    "Rutinen ses över enligt myndigheten.",
    "Färre klienter drabbas nu.",
    "",
]
MAX_DONE_BEVAKNINGAR = 4
# (email local part, role, can work brister)
STAFF = [
    ("ombud1", "ombud", True),
    ("ombud2", "ombud", True),
    ("samordnare", "samordnare", True),
    ("ledning", "ledningsgrupp", False),
]

BRIST_COLUMNS = [
    "id",
    "verksamhet_id",
    "year",
    "serial",
    "nummer",
    "titel",
    "beskrivning",
    "niva",
    "status",
    "utfall",
    "merged_into_id",
    "myndighet_id",
    "omrade_id",
    "first_observed_on",
    "antal_klienter",
    "konsekvenser",
    "forslag_atgard",
    "ansvarig_id",
    "created_by_id",
    "created_at",
    "updated_at",
    "closed_at",
    "search_text",
    "version",
]
HANDELSE_COLUMNS = ["brist_id", "typ", "user_id", "created_at", "version", "text", "changes"]
OBSERVATION_COLUMNS = [
    "brist_id",
    "observed_on",
    "antal_klienter",
    "anteckning",
    "created_by_id",
    "created_at",
]


def weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    """Pick a value from (value, weight) pairs."""
    return rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]


# --- the database ---------------------------------------------------------------------------


def absolute_url(url: str) -> str:
    """Make a relative SQLite path absolute (relative to the current directory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.is_absolute():
            return str(parsed.set(database=str(path.resolve())))
    return url


def psql(url: str, sql: str) -> str:
    """Run SQL with psql against the server's maintenance database `postgres`."""
    parsed = make_url(url)
    command = [
        "psql",
        "-X",
        "-q",
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        parsed.host or "127.0.0.1",
        "-p",
        str(parsed.port or 5432),
        "-U",
        parsed.username or "postgres",
        "-d",
        "postgres",
        "-c",
        sql,
    ]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return subprocess.run(
        command, check=True, capture_output=True, text=True, env=env, timeout=120
    ).stdout.strip()


def prepare_database(url: str, reset: bool) -> None:
    """Create (or with `reset`, recreate) the empty database the migrations will fill."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = Path(parsed.database)
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        if path.exists():
            if not reset:
                sys.exit(f"{path} exists; pass --reset to replace it.")
            for file in files:
                file.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    elif backend == "postgresql":
        name = parsed.database
        if not name or not name.replace("_", "").isalnum():
            sys.exit(f"Refusing unusual database name {name!r}.")
        # The name was checked to be alphanumeric above.
        exists = psql(url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"  # noqa: S608
        if exists:
            if not reset:
                sys.exit(f"Database {name} exists; pass --reset to drop and recreate it.")
            psql(url, f'DROP DATABASE "{name}" WITH (FORCE)')
        psql(url, f'CREATE DATABASE "{name}"')
    else:
        sys.exit(f"Unsupported database {backend}.")


def run_migrations(url: str) -> None:
    """Create the schema the way production does: `systemfel db upgrade`."""
    instance = RESULTS / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        SYSTEMFEL_ENV="production",
        SYSTEMFEL_BASE_URL="https://systemfel.bench.example",
        SYSTEMFEL_DATABASE_URL=url,
        SYSTEMFEL_SECRET_KEY="benchmark-only-not-secret-" + "0" * 40,
        SYSTEMFEL_INSTANCE_PATH=str(instance),
    )
    subprocess.run(
        [str(SYSTEMFEL_CLI), "db", "upgrade"], check=True, env=env, cwd=ROOT, timeout=300
    )


# --- generating rows ------------------------------------------------------------------------


class Generator:
    """Make the rows of one verksamhet at a time, with ids assigned here."""

    def __init__(self, seed: int, per_verksamhet: int):
        self.rng = random.Random(seed)
        # Follow-ups draw from their own generator: the rest of the data stays the same
        # whether or not the schema has them.
        self.bevakning_rng = random.Random(seed + 1)
        # Requests to myndigheter likewise (kontakt): they change nothing else.
        self.kontakt_rng = random.Random(seed + 2)
        self.per_verksamhet = per_verksamhet
        self.password_hash = generate_password_hash(PASSWORD)  # hashed once, reused
        self.next_brist_id = 1
        self.next_user_id = 1
        self.myndighet_cumweights = list(_cumulative(MYNDIGHET_WEIGHTS))

    def admin_user(self) -> dict[str, Any]:
        """The system administrator, who belongs to no verksamhet."""
        return self._user("admin@bench.se", "Bench Admin", "admin")

    def _user(self, email: str, namn: str, role: str) -> dict[str, Any]:
        user = {
            "id": self.next_user_id,
            "email": email,
            "namn": namn,
            "password_hash": self.password_hash,
            "role": role,
            "is_active": True,
            "session_token": new_session_token(),
            "failed_logins": 0,
            "locked_until": None,
            "last_login_at": None,
            "created_at": datetime(2021, 12, 1, 9, tzinfo=UTC),
        }
        self.next_user_id += 1
        return user

    def verksamhet(self, number: int) -> dict[str, list[dict[str, Any]]]:
        """All rows of verksamhet number `number` (1-based): lists, staff, brister, history."""
        rng = self.rng
        rows: dict[str, list[dict[str, Any]]] = {
            "verksamhet": [],
            "kommun": [],
            "myndighet": [],
            "omrade": [],
            "user_account": [],
            "user_verksamhet": [],
            "brist": [],
            "brist_myndighet": [],
            "handelse": [],
            "observation": [],
            "bevakning": [],
            "kontakt": [],
        }
        rows["verksamhet"].append(
            {
                "id": number,
                "namn": f"PO Bench {number:03d}",
                "created_at": datetime(2021, 12, 1, 9, tzinfo=UTC),
            }
        )
        for k in range(1 + number % 3):
            rows["kommun"].append(
                {"verksamhet_id": number, "namn": f"Benchkommun {number}-{k + 1}"}
            )
        myndighet_ids = []
        for position, (namn, typ) in enumerate(STANDARD_MYNDIGHETER):
            myndighet_id = (number - 1) * len(STANDARD_MYNDIGHETER) + position + 1
            myndighet_ids.append(myndighet_id)
            rows["myndighet"].append(
                {
                    "id": myndighet_id,
                    "verksamhet_id": number,
                    "namn": namn,
                    "typ": typ.value,
                    "epost": f"registrator@m{myndighet_id}.bench.example",
                    "is_active": True,
                }
            )
        omrade_ids = []
        for position, namn in enumerate(STANDARD_OMRADEN):
            omrade_id = (number - 1) * len(STANDARD_OMRADEN) + position + 1
            omrade_ids.append(omrade_id)
            rows["omrade"].append(
                {"id": omrade_id, "verksamhet_id": number, "namn": namn, "is_active": True}
            )
        workers = []
        for local, role, can_work in STAFF:
            namn = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            user = self._user(f"{local}@v{number}.bench", namn, role)
            rows["user_account"].append(user)
            rows["user_verksamhet"].append({"user_id": user["id"], "verksamhet_id": number})
            if can_work:
                workers.append(user["id"])

        per_year = _split(self.per_verksamhet, len(YEARS))
        open_ids: list[tuple[int, str]] = []  # (id, nummer) of open brister, for merges
        for year, count in zip(YEARS, per_year, strict=True):
            start = datetime(year, 1, 2, 8, tzinfo=UTC)
            end = min(datetime(year, 12, 30, 16, tzinfo=UTC), NOW - timedelta(days=1))
            span = (end - start).total_seconds()
            moments = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(count))
            for serial, created_at in enumerate(moments, start=1):
                brist = self._brist(
                    number,
                    year,
                    serial,
                    created_at,
                    myndighet_ids,
                    omrade_ids,
                    workers,
                    open_ids,
                    rows,
                )
                if brist["status"] != Status.STANGD.value:
                    open_ids.append((brist["id"], brist["nummer"]))
        return rows

    def _brist(
        self,
        verksamhet_id: int,
        year: int,
        serial: int,
        created_at: datetime,
        myndighet_ids: list[int],
        omrade_ids: list[int],
        workers: list[int],
        open_ids: list[tuple[int, str]],
        rows: dict[str, list],
    ) -> dict[str, Any]:
        rng = self.rng
        brist_id = self.next_brist_id
        self.next_brist_id += 1
        nummer = format_number(PREFIX, year, serial)
        subject = rng.choice(TITLE_SUBJECTS)
        titel = rng.choice(TITLE_PROBLEMS).format(sak=subject)
        beskrivning = " ".join(rng.sample(SENTENCES, rng.randint(2, 4)))
        niva = weighted(rng, NIVA_WEIGHTS)
        closed = rng.random() < CLOSED_SHARE[year]
        status = Status.STANGD if closed else weighted(rng, OPEN_STATUS_WEIGHTS)
        utfall = weighted(rng, UTFALL_WEIGHTS) if closed else None
        merged_into = None
        if utfall == Utfall.SAMMANSLAGEN:
            if open_ids:
                merged_into = rng.choice(open_ids)
            else:
                utfall = Utfall.EJ_ATGARDAD
        creator = rng.choice(workers)
        ansvarig = creator if rng.random() < 0.8 else rng.choice(workers)
        antal = rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 8])
        first_observed = (created_at - timedelta(days=rng.randint(0, 60))).date()

        # The history, oldest first: what happened to the brist after it was registered.
        handelser: list[tuple[str, Any]] = [("observation", None)] * weighted(
            rng, OBSERVATION_WEIGHTS
        )
        if rng.random() < 0.10:
            handelser.append(("andrad", None))
        if niva != Niva.HANDLAGGARE and rng.random() < 0.08:
            handelser.append(("eskalerad", None))
        rng.shuffle(handelser)
        moves: list[Status] = []
        if status == Status.LYFT or (closed and rng.random() < 0.4):
            moves = [Status.LYFT]
        elif status == Status.BEVAKAS:
            moves = [Status.LYFT, Status.BEVAKAS] if rng.random() < 0.5 else [Status.BEVAKAS]
        position = 0
        for move in moves:
            position = rng.randint(position, len(handelser))
            handelser.insert(position, ("status", move))
            position += 1
        if closed:
            handelser.append(("stangd", None))

        horizon = min(NOW, created_at + timedelta(days=rng.randint(30, 500)))
        span = (horizon - created_at).total_seconds()
        times = sorted(created_at + timedelta(seconds=rng.random() * span) for _ in handelser)

        history = rows["handelse"]
        # Without "niva": the level it was registered at is not the final one when escalated.
        history.append(_handelse(brist_id, HandelseTyp.REGISTRERAD, creator, created_at, 1))
        version = 1
        current = Status.REGISTRERAD
        closed_at = None
        for (kind, move), moment in zip(handelser, times, strict=True):
            user = rng.choice(workers)
            if kind == "observation":
                observed_on = min(
                    moment.date(),
                    first_observed
                    + timedelta(days=rng.randint(0, max(0, (moment.date() - first_observed).days))),
                )
                clients = rng.choice([1, 1, 1, 2, 3])
                note = rng.choice(ANTECKNINGAR)
                rows["observation"].append(
                    {
                        "brist_id": brist_id,
                        "observed_on": observed_on,
                        "antal_klienter": clients,
                        "anteckning": note,
                        "created_by_id": user,
                        "created_at": moment,
                    }
                )
                text = f"{observed_on.isoformat()}: {clients}. {note}".strip()
                history.append(
                    _handelse(
                        brist_id,
                        HandelseTyp.OBSERVATION,
                        user,
                        moment,
                        version,
                        text,
                        data={"antal_klienter": clients},
                    )
                )
            elif kind == "andrad":
                version += 1
                old = rng.choice([1, 2, 3])
                history.append(
                    _handelse(
                        brist_id,
                        HandelseTyp.ANDRAD,
                        user,
                        moment,
                        version,
                        changes=[["Antal klienter", str(old), str(antal)]],
                        data={"fields": [["antal_klienter", old, antal]]},
                    )
                )
            elif kind == "eskalerad":
                version += 1
                lower = list(Niva)[list(Niva).index(niva) - 1]
                history.append(
                    _handelse(
                        brist_id,
                        HandelseTyp.ESKALERAD,
                        user,
                        moment,
                        version,
                        "Frågan kan inte lösas lokalt.",
                        [["Nivå", NIVA_LABELS[lower], NIVA_LABELS[niva]]],
                        {"from": lower.value, "to": niva.value},
                    )
                )
            elif kind == "status":
                version += 1
                history.append(
                    _handelse(
                        brist_id,
                        HandelseTyp.STATUS,
                        user,
                        moment,
                        version,
                        rng.choice(COMMENTS),
                        [["Status", STATUS_LABELS[current], STATUS_LABELS[move]]],
                        {"from": current.value, "to": move.value},
                    )
                )
                current = move
            else:  # stangd
                version += 1
                changes = [
                    ["Status", STATUS_LABELS[current], STATUS_LABELS[Status.STANGD]],
                    ["Utfall", "", UTFALL_LABELS[utfall]],
                ]
                facts: dict[str, Any] = {"from": current.value, "utfall": utfall.value}
                if merged_into is not None:
                    changes.append(["Sammanslagen med", "", merged_into[1]])
                    facts |= {
                        "merged_into_id": merged_into[0],
                        "merged_into_nummer": merged_into[1],
                    }
                    history.append(
                        _handelse(
                            merged_into[0],
                            HandelseTyp.SAMMANSLAGEN_HIT,
                            user,
                            moment,
                            1,
                            nummer,
                            data={"brist_id": brist_id, "nummer": nummer},
                        )
                    )
                history.append(
                    _handelse(
                        brist_id,
                        HandelseTyp.STANGD,
                        user,
                        moment,
                        version,
                        rng.choice(COMMENTS),
                        changes,
                        facts,
                    )
                )
                closed_at = moment
        updated_at = times[-1] if times else created_at
        self._bevakningar(brist_id, created_at, closed_at, workers, rows["bevakning"])

        if rng.random() < 0.2:
            main_position = _pick(rng, self.myndighet_cumweights)
            others = rng.sample(
                [m for i, m in enumerate(myndighet_ids) if i != main_position], rng.randint(1, 2)
            )
            for other in others:
                rows["brist_myndighet"].append({"brist_id": brist_id, "myndighet_id": other})
        else:
            main_position = _pick(rng, self.myndighet_cumweights)
        brist = {
            "id": brist_id,
            "verksamhet_id": verksamhet_id,
            "year": year,
            "serial": serial,
            "nummer": nummer,
            "titel": titel,
            "beskrivning": beskrivning,
            "niva": niva.value,
            "status": status.value,
            "utfall": utfall.value if utfall else None,
            "merged_into_id": merged_into[0] if merged_into else None,
            "myndighet_id": myndighet_ids[main_position],
            "omrade_id": rng.choice(omrade_ids),
            "first_observed_on": first_observed,
            "antal_klienter": antal,
            "konsekvenser": rng.choice(KONSEKVENSER),
            "forslag_atgard": rng.choice(FORSLAG),
            "ansvarig_id": ansvarig,
            "created_by_id": creator,
            "created_at": created_at,
            "updated_at": updated_at,
            "closed_at": closed_at,
            "search_text": search_text(nummer, titel, beskrivning),
            "version": version,
        }
        rows["brist"].append(brist)
        if closed_at is None and self.kontakt_rng.random() < KONTAKT_SHARE:
            self._kontakt(brist, workers, rows["kontakt"])
        return brist

    def _kontakt(
        self, brist: dict[str, Any], workers: list[int], rows: list[dict[str, Any]]
    ) -> None:
        """A request e-mailed to the brist's myndighet in the last 90 days, awaiting its answer.

        Its deadline is four weeks on; an overdue one has had 0–2 reminders, the next one
        due within the coming two weeks (none after the last), as the reminder sweep leaves
        them.
        """
        rng = self.kontakt_rng
        sent_at = NOW - timedelta(days=rng.randint(1, 90), hours=rng.randint(0, 6))
        due = (sent_at + timedelta(days=28)).date()
        reminders, next_on = 0, due + timedelta(days=1)
        if due < NOW.date():
            reminders = rng.choice([0, 1, 1, 2])
            next_on = NOW.date() + timedelta(days=rng.randint(-3, 14))
            if reminders == 2:
                next_on = None
        rows.append(
            {
                "brist_id": brist["id"],
                "myndighet_id": brist["myndighet_id"],
                "contacted_on": sent_at.date(),
                "kanal": "epost",
                "summary": rng.choice(SENTENCES),
                "created_by_id": rng.choice(workers),
                "created_at": sent_at,
                "emailed_to": f"registrator@m{brist['myndighet_id']}.bench.example",
                "sent_titel": brist["titel"],
                "answer_due_on": due,
                "links_revoked_at": None,
                "reminders_sent": reminders,
                "next_reminder_on": next_on,
                "answered_at": None,
            }
        )

    def _bevakningar(
        self,
        brist_id: int,
        created_at: datetime,
        closed_at: datetime | None,
        workers: list[int],
        rows: list[dict[str, Any]],
    ) -> None:
        """Follow-ups about every three months while the brist is open.

        As the app requires, an open brist has exactly one open follow-up (which may be
        overdue); a closed one has only completed ones. This is a register after years of
        use: the migration that introduced follow-ups gave old brister only the open one.
        """
        rng = self.bevakning_rng
        end = closed_at or NOW
        started = created_at
        for _ in range(MAX_DONE_BEVAKNINGAR):
            done_at = started + timedelta(days=rng.randint(60, 120))
            if done_at >= end:
                break
            rows.append(
                {
                    "brist_id": brist_id,
                    "due_on": done_at.date(),
                    "created_at": started,
                    "completed_at": done_at,
                    "completed_by_id": rng.choice(workers),
                    "finding": rng.choice(FINDINGS),
                }
            )
            started = done_at
        if closed_at is None:
            rows.append(
                {
                    "brist_id": brist_id,
                    "due_on": (started + timedelta(days=rng.randint(30, 120))).date(),
                    "created_at": started,
                    "completed_at": None,
                    "completed_by_id": None,
                    "finding": "",
                }
            )


def _handelse(
    brist_id: int,
    typ: HandelseTyp,
    user_id: int | None,
    created_at: datetime,
    version: int,
    text: str = "",
    changes: list | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A history row as `brister.history.record` writes it: its facts checked by the schema."""
    facts = data or {}
    check_history_data(typ, facts)
    return {
        "brist_id": brist_id,
        "typ": typ.value,
        "user_id": user_id,
        "created_at": created_at,
        "happened_on": created_at.date(),
        "data": facts,
        "version": version,
        "text": text,
        "changes": changes or [],
    }


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _cumulative(weights: Iterable[int]) -> Iterator[int]:
    total = 0
    for weight in weights:
        total += weight
        yield total


def _pick(rng: random.Random, cumulative: list[int]) -> int:
    target = rng.random() * cumulative[-1]
    for index, bound in enumerate(cumulative):
        if target < bound:
            return index
    return len(cumulative) - 1


# --- inserting ------------------------------------------------------------------------------

# Parents before children, so foreign keys always point at existing rows.
INSERT_ORDER = [
    "verksamhet",
    "kommun",
    "myndighet",
    "omrade",
    "user_account",
    "user_verksamhet",
    "brist",
    "brist_myndighet",
    "handelse",
    "observation",
    "bevakning",
    "kontakt",
]


def reflect(engine: Engine) -> dict[str, sa.Table]:
    """The tables as the migrations made them (not as the models say: those may be ahead)."""
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    missing = [name for name in INSERT_ORDER if name not in metadata.tables]
    if missing:
        print(f"Not in this schema, left out: {', '.join(missing)}")
    return {name: metadata.tables[name] for name in INSERT_ORDER if name in metadata.tables}


def insert_executemany(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """SQLAlchemy Core executemany, a few thousand rows a call."""
    for start in range(0, len(rows), EXECUTEMANY_ROWS):
        conn.execute(table.insert(), rows[start : start + EXECUTEMANY_ROWS])


def insert_copy(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY through psycopg 3; JSON goes in as text, the rest as Python values."""
    if not rows:
        return
    columns = list(rows[0])
    json_columns = {column for column in columns if column in ("changes", "data")}
    cursor = conn.connection.driver_connection.cursor()
    quoted = ", ".join(f'"{column}"' for column in columns)
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[column]) if column in json_columns else row[column]
                    for column in columns
                ]
            )
    cursor.close()


def insert_all(
    engine: Engine,
    tables: dict[str, sa.Table],
    batches: Iterable[dict[str, list]],
    method: str,
    counts: dict[str, int],
) -> None:
    """Insert each batch of rows in its own transaction, parents first."""
    insert = insert_copy if method == "copy" else insert_executemany
    for batch in batches:
        with engine.begin() as conn:
            for name in INSERT_ORDER:
                rows = batch.get(name) or []
                if rows and name in tables:
                    insert(conn, tables[name], rows)
                    counts[name] = counts.get(name, 0) + len(rows)


def batches(generator: Generator, verksamheter: int) -> Iterator[dict[str, list]]:
    """Rows for CHUNK_VERKSAMHETER verksamheter at a time (the admin account comes first)."""
    yield {"user_account": [generator.admin_user()]}
    batch: dict[str, list] = {}
    started = time.monotonic()
    for number in range(1, verksamheter + 1):
        for name, rows in generator.verksamhet(number).items():
            batch.setdefault(name, []).extend(rows)
        if number % CHUNK_VERKSAMHETER == 0 or number == verksamheter:
            yield batch
            batch = {}
            elapsed = time.monotonic() - started
            print(f"  {number}/{verksamheter} verksamheter, {elapsed:.0f} s", flush=True)


def finish(engine: Engine, tables: dict[str, sa.Table]) -> None:
    """Move sequences past the ids given here (PostgreSQL), refresh planner statistics."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for name, table in tables.items():
                if "id" in table.c:
                    top = sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0) + 1)
                    conn.execute(
                        sa.select(
                            sa.func.setval(
                                sa.func.pg_get_serial_sequence(name, "id"),
                                top.scalar_subquery(),
                                False,
                            )
                        )
                    )
        # A live server's autovacuum would have done this minutes after such a load.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def count_rows(engine: Engine, tables: dict[str, sa.Table]) -> dict[str, int]:
    """Row counts of every table, from the database itself."""
    with engine.connect() as conn:
        return {
            name: conn.scalar(sa.select(sa.func.count()).select_from(table))
            for name, table in tables.items()
        }


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, build the schema by migration, fill it and report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=DEFAULT_URL, help=f"SQLAlchemy URL (default {DEFAULT_URL})"
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of the 300 verksamheter to generate (0.01 = 3)",
    )
    parser.add_argument(
        "--per-verksamhet",
        type=int,
        default=PER_VERKSAMHET,
        help="brister per verksamhet (default 1000)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--method",
        choices=["auto", "executemany", "copy"],
        default="auto",
        help="auto: COPY on PostgreSQL, executemany on SQLite",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="replace an existing database (SQLite file / PostgreSQL database)",
    )
    args = parser.parse_args(argv)

    url = absolute_url(args.database_url)
    backend = make_url(url).get_backend_name()
    method = (
        args.method
        if args.method != "auto"
        else ("copy" if backend == "postgresql" else "executemany")
    )
    if method == "copy" and backend != "postgresql":
        parser.error("--method copy needs PostgreSQL")
    verksamheter = max(1, round(VERKSAMHETER * args.scale))
    safe_url = make_url(url).render_as_string(hide_password=True)
    print(
        f"Database: {safe_url}  ({verksamheter} verksamheter x {args.per_verksamhet} brister, "
        f"insert by {method})",
        flush=True,
    )

    started = time.monotonic()
    prepare_database(url, args.reset)
    run_migrations(url)
    migrated = time.monotonic()
    print(f"Schema migrated in {migrated - started:.1f} s", flush=True)

    engine = sa.create_engine(url)
    if backend == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _fast_load(dbapi_connection, _record) -> None:
            # The app runs SQLite in WAL mode; skip fsyncs while loading a throwaway database.
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=OFF")
            dbapi_connection.execute("PRAGMA cache_size=-200000")

    tables = reflect(engine)
    generator = Generator(args.seed, args.per_verksamhet)
    counts: dict[str, int] = {}
    insert_all(engine, tables, batches(generator, verksamheter), method, counts)
    inserted = time.monotonic()
    finish(engine, tables)
    finished = time.monotonic()
    actual = count_rows(engine, tables)
    engine.dispose()

    print(
        f"Rows inserted in {inserted - migrated:.1f} s; "
        f"{'VACUUM ANALYZE' if backend == 'postgresql' else 'checkpoint'} "
        f"{finished - inserted:.1f} s; total {finished - started:.1f} s"
    )
    for name in tables:
        print(f"  {name:16} {actual[name]:>10,}")
    print(f"  {'handelse+observation':16} {actual['handelse'] + actual['observation']:>10,}")
    if backend == "sqlite":
        size = sum(
            Path(make_url(url).database + suffix).stat().st_size
            for suffix in ("", "-wal")
            if Path(make_url(url).database + suffix).exists()
        )
        print(f"  file size        {size / 2**20:>10,.0f} MB")
    print(f"Log in as ombud1@v1.bench / {PASSWORD} (or admin@bench.se).")
    mismatched = {
        name: (counts.get(name, 0), actual[name])
        for name in tables
        if counts.get(name, 0) != actual[name]
    }
    if mismatched:
        sys.exit(f"Row counts differ from what was inserted: {mismatched}")


if __name__ == "__main__":
    main()
