"""The report roll-up as a background job: the documents of many verksamheter, made off the request.

The scheduler runs `build_rollup` for a job of kind ROLLUP; the files it keeps are the ones
the report page offers for a single verksamhet: DOCX, PDF, XLSX, CSV and plain text. The PDF
is left out of a roll-up of more than REPORT_JOB_PDF_MAX_BRISTER brister (WeasyPrint lays out
every page in memory: over 2 GB for 30,000 brister); Word saves the DOCX as PDF instead.
"""

from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from systemfel.brister.domain import Niva
from systemfel.i18n import N_
from systemfel.jobs.domain import JobFailed
from systemfel.jobs.runner import JobRun
from systemfel.pdf import render_pdf
from systemfel.reports import documents, services
from systemfel.reports.domain import RapportDocument

ROLLUP = "rapport"
TITLE = N_("Redovisning %(ar)s, sammanställning av %(antal)s verksamheter")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OUT_OF_SCOPE = N_("Du har inte längre behörighet till alla verksamheterna i sammanställningen.")


def doc_context(document: RapportDocument) -> dict:
    """What the report templates need beside the document: levels in order, suppression."""
    return {
        "doc": document,
        "niva_order": list(Niva),
        "observed": document.observed,
        "measure_who": lambda measure: documents.measure_who(document, measure),
    }


def rollup_params(ids: frozenset[int], year: int) -> dict[str, Any]:
    """The parameters of a roll-up job: the verksamheter in order, and the year."""
    return {"verksamheter": sorted(ids), "ar": year}


def build_rollup(run: JobRun) -> None:
    """Make the roll-up's documents as the draft reads now, reporting each step."""
    ids = frozenset(int(i) for i in run.params["verksamheter"])
    year = int(run.params["ar"])
    if not run.scope.covers_all(ids):
        raise JobFailed(OUT_OF_SCOPE)
    run.progress(0, 6, N_("Hämtar brister och deras historik"))
    document, entries = services.generate(
        scope=run.scope,
        verksamhet_ids=ids,
        year=year,
        rapport=services.draft_for(run.scope, ids, year),
        threshold=int(current_app.config["SMALL_COUNT_THRESHOLD"]),
    )
    stem = f"uppmarksammade-brister-{year}-utkast"
    with_pdf = len(entries) <= int(current_app.config["REPORT_JOB_PDF_MAX_BRISTER"])
    steps = 6 if with_pdf else 5
    with force_locale("sv"):
        run.progress(1, steps, N_("Skriver Word-dokumentet"))
        run.save(f"{stem}.docx", DOCX, documents.rapport_docx(document))
        run.progress(2, steps, N_("Skriver Excel-filen"))
        run.save(f"{stem}.xlsx", XLSX, documents.rapport_xlsx(document))
        run.progress(3, steps, N_("Skriver CSV-filen"))
        run.save(f"{stem}.csv", "text/csv; charset=utf-8", documents.entries_csv(document).encode())
        run.progress(4, steps, N_("Skriver textfilen"))
        run.save(
            f"{stem}.txt", "text/plain; charset=utf-8", documents.rapport_text(document).encode()
        )
        if with_pdf:  # WeasyPrint holds every page in memory: gigabytes for a national roll-up
            run.progress(5, steps, N_("Skriver PDF-filen"))
            run.save(f"{stem}.pdf", "application/pdf", _pdf(document))
    run.progress(steps, steps, N_("Sparar filerna"))


def _pdf(document: RapportDocument) -> bytes:
    html = render_template(
        "reports/print.html",
        author=documents.author(document),
        header=documents.header_line(document),
        subject=documents.SUBJECT,
        **doc_context(document),
    )
    return render_pdf(html)
