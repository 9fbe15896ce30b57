"""Time the privacy guard on 1 MB of text, adversarial and ordinary; print JSON.

The guard runs on every free-text field a user sends (and on the answer page, without a
login), so it must be linear in the length of the text: no input may hold a worker.

    .venv/bin/python benchmarks/privacy_guard.py
"""

import json
import time

from systemfel.privacy import domain
from systemfel.privacy.domain import find_personnummer, find_warnings

MB = 1_000_000
PROSE = (
    "Ombudet har sett att Försäkringskassan avslår ansökningar utan motivering, 12 500 kr, "
    "Dnr 2023-00456, beslut 2024-05-03, ring växeln 08-123 45 67 eller skriv till "
    "registrator@fk.example. "
)
TEXTS = {
    "letters without a space": "a" * MB,
    "digits without a space": "1" * MB,
    "two-digit groups": "12 " * (MB // 3),
    "digits and dashes": "1-" * (MB // 2),
    "at signs": "a@" * (MB // 2),
    "en dashes and no-break spaces": "81\u201312\u00a0" * (MB // 6),
    "dates in personnummer layout": "81 12 18\u201312 " * (MB // 12),
    "soft hyphens between digits": "8\u00ad" * (MB // 2),
    "ordinary prose": (PROSE * (MB // len(PROSE) + 1))[:MB],
}


def best_of(runs: int, check, text: str) -> float:
    """The fastest of `runs` timings, in seconds, each reading the text afresh."""
    timings = []
    for _ in range(runs):
        domain._read.cache_clear()  # the guard remembers the last few texts it read
        started = time.perf_counter()
        check(text)
        timings.append(time.perf_counter() - started)
    return min(timings)


def guard(text: str) -> None:
    """What a form does with one field: refusals, then warnings."""
    find_personnummer(text)
    find_warnings(text)


def main() -> None:
    """Time each check, and the two as a form runs them, on every text; print the results."""
    results = {
        name: {
            "characters": len(text),
            "personnummer_s": round(best_of(3, find_personnummer, text), 3),
            "warnings_s": round(best_of(3, find_warnings, text), 3),
            "form_guard_s": round(best_of(3, guard, text), 3),
        }
        for name, text in TEXTS.items()
    }
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
