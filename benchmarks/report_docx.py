"""Time the report's "uppmärksammade brister" exports (no app, no database).

Builds two seeded `RapportDocument`s, one verksamhet's year (~120 brister, ~3 actions each)
and a national roll-up (~30,000 brister over 300 verksamheter), and times `rapport_docx`,
`rapport_text`, `entries_csv` and `rapport_xlsx` over N runs, printing min/median and sizes;
for the national one also the peak of Python's allocations (tracemalloc) and how much the
resident memory grows while rendering once (in a forked child: Linux only).

    .venv/bin/python benchmarks/report_docx.py --runs 5 --national-runs 2
"""

import argparse
import os
import random
import statistics
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

from systemfel.brister.domain import Niva, Utfall
from systemfel.reports.documents import (
    entries_csv,
    rapport_docx,
    rapport_text,
    rapport_xlsx,
)
from systemfel.reports.domain import (
    CommonBrist,
    Counts,
    Example,
    MyndighetGroup,
    NivaSection,
    RapportDocument,
    RapportEntry,
    build_themes,
    lead_sentences,
)

YEAR = 2026
MYNDIGHETER = (
    "Försäkringskassan",
    "Arbetsförmedlingen",
    "Regionens psykiatri",
    "Regionens primärvård",
    "Socialtjänsten, ekonomiskt bistånd",
    "Socialtjänsten, boendestöd",
    "Socialtjänsten, LSS",
    "Kronofogden",
    "Överförmyndaren",
    "Skatteverket",
    "Migrationsverket",
    "Bostadsbolaget",
    "Beroendevården",
    "Patientnämnden",
    "Tandvården",
)
OMRADEN = (
    "Ekonomi",
    "Bostad",
    "Sysselsättning",
    "Vård",
    "Socialt stöd",
    "Juridik",
    "Skulder",
    "Försörjning",
    "Övrigt",
)
SUBJECTS = (
    "Långa handläggningstider för sjukpenning vid psykisk ohälsa",
    "Ingen kontinuitet bland läkare i psykiatrins öppenvård",
    "Digital kontakt som enda väg stänger ute målgruppen",
    "Boendestöd beviljas med för få timmar för att göra skillnad",
    "Gode män saknas för personer med komplexa behov",
    "Avslag på ekonomiskt bistånd utan hänsyn till pågående sjukskrivning",
)
SENTENCES = (
    "Ombuden har under året mött flera personer som beskriver samma svårighet.",
    "Problemet kvarstår trots tidigare kontakter med myndigheten.",
    "Följden blir att personer står utan inkomst under flera månader.",
    "Myndigheten har bekräftat bilden men inte angett när den kan åtgärdas.",
)
HISTORY = (
    "Lyft med myndigheten per brev",
    "Eskalerad till lokal nivå",
    "Tagen upp i ledningsgruppen",
    "Svar från myndigheten: ses över",
)
ACTIONS = (
    "Myndigheten har infört en kontaktperson för målgruppen",
    "Rutinen för avslag har ändrats",
    "Ledningsgruppen har skrivit till regionen",
    "Utbildning för handläggare om psykisk funktionsnedsättning",
)
VERKSAMHETER = 300
PER_VERKSAMHET = 100


def _day(rng: random.Random) -> str:
    return (date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))).isoformat()


def _entry(rng: random.Random, brist_id: int, verksamhet: str, serial: int) -> RapportEntry:
    is_open = rng.random() < 0.6
    return RapportEntry(
        brist_id=brist_id,
        nummer=f"SF-{YEAR}-{serial:04d}",
        titel=rng.choice(SUBJECTS),
        summary=" ".join(rng.sample(SENTENCES, rng.randint(2, 3))),
        verksamhet=verksamhet,
        myndighet=rng.choice(MYNDIGHETER),
        omrade=rng.choice(OMRADEN),
        niva=rng.choices(list(Niva), weights=(30, 45, 25))[0],
        is_open=is_open,
        utfall=None if is_open else rng.choice(list(Utfall)),
        times_observed=rng.randint(1, 12),
        clients=rng.randint(1, 15),
        history=tuple(f"{_day(rng)} {h}" for h in rng.sample(HISTORY, rng.randint(1, 3))),
        actions=tuple(f"{_day(rng)} {a}" for a in rng.sample(ACTIONS, rng.randint(2, 4))),
        merged=(f"SF-{YEAR}-{serial + 500:04d}",) if rng.random() < 0.1 else (),
    )


def _counts(rng: random.Random, entries: list[RapportEntry]) -> Counts:
    return Counts(
        new=len(entries),
        closed=sum(not e.is_open for e in entries),
        open_at_end=sum(e.is_open for e in entries) + rng.randint(0, 20),
        by_niva=dict(Counter(e.niva for e in entries)),
        by_myndighet=dict(Counter(e.myndighet for e in entries).most_common()),
    )


def _sections(entries: list[RapportEntry]) -> tuple[NivaSection, ...]:
    sections = []
    for niva in Niva:
        by_myndighet: dict[str, list[RapportEntry]] = {}
        for e in sorted(entries, key=lambda e: (e.myndighet, e.nummer)):
            if e.niva == niva:
                by_myndighet.setdefault(e.myndighet, []).append(e)
        groups = tuple(MyndighetGroup(m, tuple(es)) for m, es in by_myndighet.items())
        if groups:
            sections.append(NivaSection(niva, groups))
    return tuple(sections)


def build_rapport(seed: int, verksamheter: int, per_verksamhet: int) -> RapportDocument:
    """A seeded report over `verksamheter` verksamheter (a roll-up when more than one)."""
    rng = random.Random(seed)
    names = [f"Personligt ombud {n + 1}" for n in range(verksamheter)]
    entries = [
        _entry(rng, v * per_verksamhet + i, name, i + 1)
        for v, name in enumerate(names)
        for i in range(per_verksamhet)
    ]
    rollup = verksamheter > 1
    by_verksamhet: dict[str, list[RapportEntry]] = {}
    for e in entries:
        by_verksamhet.setdefault(e.verksamhet, []).append(e)
    summaries = {e.brist_id: "Redigerad: " + e.summary for e in entries[::7]}
    return RapportDocument(
        year=YEAR,
        verksamheter=tuple(names),
        kommuner=tuple(f"Kommun {n + 1}" for n in range(verksamheter * 2)),
        has_routines=True,
        introduction="\n\n".join(SENTENCES[:2]),
        closing=SENTENCES[3],
        sections=_sections(entries),
        summaries=summaries,
        counts=_counts(rng, entries),
        previous=_counts(rng, entries[: len(entries) * 3 // 4]),
        examples=tuple(
            Example(date(YEAR, rng.randint(1, 12), rng.randint(1, 28)), e.nummer, e.actions[0], "")
            for e in rng.sample(entries, min(20, len(entries)))
        ),
        version_line="Utkast – inte fryst",
        breakdown={n: _counts(rng, es) for n, es in by_verksamhet.items()} if rollup else {},
        common=tuple(
            CommonBrist(m, o, tuple(rng.sample(names, 5)), ("SF-2026-0001", "SF-2026-0002"))
            for m in MYNDIGHETER
            for o in OMRADEN[:4]
        )
        if rollup
        else (),
        # 6 b in prose (issue 12): themes and lead sentences, the register as the appendix.
        themes=tuple(build_themes(entries, rollup=rollup, summaries=summaries)),
        leads=lead_sentences(entries, entries[: len(entries) * 3 // 4], YEAR),
        appendix=True,
    )


def _size(result: bytes | str) -> int:
    return len(result.encode("utf-8") if isinstance(result, str) else result)


def measure(render: Callable[[RapportDocument], bytes | str], doc: RapportDocument, runs: int):
    """Wall times in ms of `runs` renderings (the first one is the size's, unmeasured)."""
    size = _size(render(doc))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        render(doc)
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times), size


def peak_memory(render: Callable[[RapportDocument], bytes | str], doc: RapportDocument) -> float:
    """Peak MB of Python allocations while rendering once (libxml2's own are not seen)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    render(doc)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc (Linux), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def rss_growth(render: Callable[[RapportDocument], bytes | str], doc: RapportDocument) -> float:
    """MB the resident memory grows by while rendering once, in a forked child.

    tracemalloc sees only Python's allocations, not libxml2's, which hold python-docx's
    document tree; the child starts with the parent's pages and its own high-water mark.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        before = _status_mb("VmRSS")
        render(doc)
        os.write(write, str(_status_mb("VmHWM") - before).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        growth = float(pipe.read())
    os.waitpid(pid, 0)
    return growth


RENDERERS = (
    ("docx", rapport_docx),
    ("text", rapport_text),
    ("csv", entries_csv),
    ("xlsx", rapport_xlsx),
)


def main() -> None:
    """Parse the options, build both reports, time each export and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="measured runs, one verksamhet")
    parser.add_argument("--national-runs", type=int, default=2, help="measured runs, national")
    parser.add_argument("--per-verksamhet", type=int, default=PER_VERKSAMHET)
    parser.add_argument("--verksamheter", type=int, default=VERKSAMHETER)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-national", action="store_true")
    args = parser.parse_args()

    rapporter = [("verksamhet", build_rapport(args.seed, 1, 120), args.runs)]
    if not args.skip_national:
        national = build_rapport(args.seed, args.verksamheter, args.per_verksamhet)
        rapporter.append(("national", national, args.national_runs))
    baseline = _status_mb("VmRSS")
    print(
        f"{'report':<11} {'entries':>7} {'export':<5} {'min_ms':>9} {'median_ms':>10} "
        f"{'size_kb':>9} {'py_peak_mb':>10} {'rss_growth_mb':>13}"
    )
    # Before anything is timed: memory freed by earlier renderings would hide the growth.
    growths = {} if args.skip_national else {e: rss_growth(r, national) for e, r in RENDERERS}
    for name, doc, runs in rapporter:
        entries = sum(1 for _ in doc.entries())
        for export, render in RENDERERS:
            memory = f"{'':>10} {'':>13}"
            if name == "national":
                memory = f"{peak_memory(render, doc):>10.1f} {growths[export]:>13.1f}"
            low, median, size = measure(render, doc, runs)
            print(
                f"{name:<11} {entries:>7} {export:<5} {low:>9.1f} {median:>10.1f} "
                f"{size / 1024:>9.1f} {memory}"
            )
    print(f"resident memory after building the reports: {baseline:.0f} MB")


if __name__ == "__main__":
    main()
