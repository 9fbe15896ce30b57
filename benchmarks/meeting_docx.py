"""Time the agenda and minutes DOCX of a large ledningsgrupp meeting (no app, no database).

Builds a 40-item meeting (30 brist items with 5 facts each, minutes with notes and decisions)
and times `agenda_docx` and `minutes_docx` over N runs, printing min/median/p95 and sizes.

    .venv/bin/python benchmarks/meeting_docx.py --runs 20
"""

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from systemfel.meetings.documents import DocItem, MoteDoc, dagordning_docx, protokoll_docx

STOCKHOLM = ZoneInfo("Europe/Stockholm")

MYNDIGHETER = (
    "Försäkringskassan",
    "Arbetsförmedlingen",
    "Regionens psykiatri",
    "Regionens primärvård",
    "Socialtjänsten, ekonomiskt bistånd",
    "Överförmyndaren",
    "Kronofogden",
)
NIVAER = ("Handläggarnivå", "Lokal nivå", "Central nivå")
STATUSAR = ("Ny", "Bevakas", "Besvarad", "Eskalerad")
SUBJECTS = (
    "Långa handläggningstider för sjukpenning vid psykisk ohälsa",
    "Ingen kontinuitet bland läkare i psykiatrins öppenvård",
    "Digital kontakt som enda väg stänger ute målgruppen",
    "Boendestöd beviljas med för få timmar för att göra skillnad",
    "Gode män saknas för personer med komplexa behov",
    "Avslag på ekonomiskt bistånd utan hänsyn till pågående sjukskrivning",
)
SENTENCE = (
    "Ombuden har under perioden mött flera personer som beskriver samma svårighet, "
    "och problemet kvarstår trots tidigare kontakter med myndigheten."
)


def build_mote(seed: int) -> MoteDoc:
    """A 40-item meeting: 5 opening, 30 brist items in two sections, 5 closing items."""
    rng = random.Random(seed)
    items = []

    def add(rubrik: str, section: str, **fields) -> None:
        items.append(DocItem(number=len(items) + 1, rubrik=rubrik, section=section, **fields))

    for rubrik in (
        "Mötets öppnande",
        "Val av justerare",
        "Godkännande av dagordningen",
        "Föregående protokoll",
        "Information från verksamheten",
    ):
        add(rubrik, "Inledning", notes=SENTENCE, decision="Beslut: informationen noteras.")
    for n in range(30):
        section = "Nya brister" if n < 12 else "Bevakade brister"
        add(
            f"SF-2026-{n + 7:04d} {rng.choice(SUBJECTS)}",
            section,
            reasons=("ny sedan föregående möte",)
            if n < 12
            else ("svar har kommit", "obesvarad i mer än 90 dagar"),
            facts=(
                ("Nivå", rng.choice(NIVAER)),
                ("Myndighet", rng.choice(MYNDIGHETER)),
                ("Status", rng.choice(STATUSAR)),
                (
                    "Senaste svar",
                    f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}: "
                    "Myndigheten ser över rutinerna och återkommer under våren.",
                ),
                ("Förslag till beslut", rng.choice(("Eskalera", "Bevaka", "Avsluta"))),
            ),
            notes="\n\n".join([SENTENCE] * rng.randint(1, 3)),
            decision=rng.choice(
                (
                    "Beslut: eskaleras till central nivå.",
                    "Beslut: bevakas till nästa möte.",
                    "Beslut: avslutas, åtgärdad.",
                )
            ),
            not_dealt_with=rng.random() < 0.1,
        )
    for rubrik in ("Övriga frågor", "Kommande möten", "Årsrapporten", "Utvärdering", "Avslut"):
        add(rubrik, "Avslutning", notes=SENTENCE)
    return MoteDoc(
        ledningsgrupp="Ledningsgruppen för personligt ombud Nacka–Värmdö",
        verksamheter=("Personligt ombud Nacka–Värmdö",),
        kommuner=("Nacka kommun", "Värmdö kommun"),
        starts_at=datetime(2026, 12, 8, 13, 0, tzinfo=STOCKHOLM),
        ends_at=datetime(2026, 12, 8, 16, 0, tzinfo=STOCKHOLM),
        plats="Nacka stadshus, sal Sickla",
        items=tuple(items),
        status_line="Dagordningen fastställd 2026-11-20",
        members=tuple((f"Ledamot {n}", rng.choice(MYNDIGHETER)) for n in range(12)),
        justerare="Ledamot 3",
    )


def measure(render: Callable[[MoteDoc], bytes], doc: MoteDoc, runs: int) -> dict:
    """Wall times in ms of `runs` renderings (after one unmeasured warm-up) and the size."""
    size = len(render(doc))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        render(doc)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "min": times[0],
        "median": statistics.median(times),
        "p95": p95,
        "bytes": size,
    }


def main() -> None:
    """Parse the options, build the meeting, time both documents and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="measured runs per document")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    doc = build_mote(args.seed)
    print(f"{len(doc.items)} items, {sum(len(i.facts) for i in doc.items)} facts, {args.runs} runs")
    print(f"{'document':<10} {'min_ms':>8} {'median_ms':>10} {'p95_ms':>8} {'size_kb':>8}")
    for name, render in (("agenda", dagordning_docx), ("minutes", protokoll_docx)):
        result = measure(render, doc, args.runs)
        print(
            f"{name:<10} {result['min']:>8.1f} {result['median']:>10.1f} "
            f"{result['p95']:>8.1f} {result['bytes'] / 1024:>8.1f}"
        )


if __name__ == "__main__":
    main()
