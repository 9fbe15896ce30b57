"""The brist list's CSV export: the rows as lines, and as a background job for a large selection.

Below EXPORT_JOB_MIN_ROWS the list's "Exportera" streams the file from the request; above it
the user orders the file and the scheduler runs `export_csv` for a job of kind CSV_EXPORT.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import fields
from enum import Enum
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext

from systemfel.brister import queries
from systemfel.brister.domain import Niva, Status
from systemfel.clock import local_today
from systemfel.exports import csv_cell
from systemfel.i18n import N_
from systemfel.jobs.runner import JobRun
from systemfel.privacy.domain import shown_observed
from systemfel.verksamheter.scope import Scope

CSV_EXPORT = "brister_csv"
TITLE = N_("Brister som CSV-fil, %(antal)s rader")
# Rows written between two progress reports.
PROGRESS_EVERY = 1000
_ENUMS = {"status": Status, "niva": Niva}


def export_params(criteria: queries.BristFilter, sort: str) -> dict[str, Any]:
    """The list's filters and sort as plain JSON values (the scope is the user's when it runs)."""
    params: dict[str, Any] = {"sort": sort}
    for item in fields(criteria):
        value = getattr(criteria, item.name)
        if item.name != "scope":
            params[item.name] = value.value if isinstance(value, Enum) else value
    return params


def criteria_from(params: dict[str, Any], scope: Scope) -> tuple[queries.BristFilter, str]:
    """The filters and sort a job was asked with, in the scope it runs in."""
    values = {key: value for key, value in params.items() if key != "sort"}
    for name, enum in _ENUMS.items():
        if values.get(name) is not None:
            values[name] = enum(values[name])
    return queries.BristFilter(scope=scope, **values), str(params["sort"])


def export_csv(run: JobRun) -> None:
    """Write the CSV file of the selection, reporting every thousand rows."""
    criteria, sort = criteria_from(run.params, run.scope)
    total = queries.count_matching(criteria)
    step = N_("Skriver CSV-filen")
    run.progress(0, total, step)
    threshold = int(current_app.config["SMALL_COUNT_THRESHOLD"])
    with force_locale("sv"), run.open(f"brister-{local_today().isoformat()}.csv", MIMETYPE) as out:
        for row, line in enumerate(csv_lines(criteria, sort, threshold)):
            out.write(line.encode())
            if row and row % PROGRESS_EVERY == 0:
                run.progress(min(row, total), total, step)
    run.progress(total, total, step)


MIMETYPE = "text/csv; charset=utf-8"


# The columns, worded in the reader's language like the values below them.
CSV_HEADER = [
    N_("Nummer"),
    N_("Rubrik"),
    N_("Verksamhet"),
    N_("Nivå"),
    N_("Status"),
    N_("Utfall"),
    N_("Myndighet"),
    N_("Övriga myndigheter"),
    N_("Område"),
    N_("Först observerad"),
    N_("Antal observationer"),
    N_("Antal klienter totalt"),
    N_("Ansvarig"),
    N_("Registrerad"),
    N_("Beskrivning"),
    N_("Konsekvenser för målgruppen"),
    N_("Förslag till åtgärd"),
]


def csv_lines(criteria: queries.BristFilter, sort: str, threshold: int) -> Iterator[str]:
    """Yield the CSV file line by line, with a BOM so Excel reads å, ä and ö."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write("\ufeff")
    writer.writerow([gettext(column) for column in CSV_HEADER])
    for brist, totals in queries.iter_brister(criteria, sort):
        observed = shown_observed(totals.times, totals.clients, threshold)
        row = [
            brist.nummer,
            brist.titel,
            brist.verksamhet.namn,
            gettext(brist.niva.label),
            gettext(brist.status.label),
            gettext(brist.utfall.label) if brist.utfall else "",
            brist.myndighet.namn,
            ", ".join(m.namn for m in brist.other_myndigheter),
            brist.omrade.namn,
            brist.first_observed_on.isoformat(),
            observed.times,
            observed.clients,
            brist.ansvarig.namn,
            local_today(brist.created_at).isoformat(),
            brist.beskrivning,
            brist.konsekvenser,
            brist.forslag_atgard,
        ]
        writer.writerow([csv_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
