"""The agenda and the minutes to print or download (DOCX, PDF), and the meeting as .ics."""

from flask import Response, abort, render_template
from flask_babel import force_locale
from flask_login import login_required

from systemfel.clock import STOCKHOLM
from systemfel.meetings import documents, present, queries
from systemfel.meetings.models import Mote
from systemfel.meetings.views.common import blueprint, mote_or_404
from systemfel.notifications.links import public_url
from systemfel.pdf import render_pdf


def _filename(mote: Mote, kind: str, ext: str) -> str:
    return f"{kind}-{mote.starts_at.astimezone(STOCKHOLM):%Y-%m-%d}.{ext}"


def _check_kind(mote: Mote, kind: str) -> None:
    if kind not in ("dagordning", "protokoll"):
        abort(404)
    if kind == "protokoll" and mote.status not in queries.HELD:
        abort(404)


@blueprint.route("/moten/<int:mote_id>/<kind>/utskrift")
@login_required
def printable(mote_id: int, kind: str):
    """The agenda or the minutes as a page made for printing."""
    mote = mote_or_404(mote_id)
    _check_kind(mote, kind)
    doc = present.mote_doc(mote)
    return render_template("meetings/print.html", **_print_context(doc, kind, mote))


def _print_context(doc: documents.MoteDoc, kind: str, mote: Mote) -> dict:
    when = documents.swedish_datetime_range(doc.starts_at, doc.ends_at)
    title = documents.doc_title("Dagordning" if kind == "dagordning" else "Protokoll", doc)
    return {
        "doc": doc,
        "kind": kind,
        "mote": mote,
        "when": when,
        "author": documents.author(doc),
        "header": title,
    }


@blueprint.route("/moten/<int:mote_id>/<kind>.<fmt>")
@login_required
def download(mote_id: int, kind: str, fmt: str):
    """The agenda or the minutes as DOCX or PDF, always with Swedish headings."""
    mote = mote_or_404(mote_id)
    _check_kind(mote, kind)
    with force_locale("sv"):
        doc = present.mote_doc(mote)
        if fmt == "docx":
            make = documents.dagordning_docx if kind == "dagordning" else documents.protokoll_docx
            body, mimetype = make(doc), documents.DOCX
        elif fmt == "pdf":
            html = render_template(
                "meetings/print.html", **_print_context(doc, kind, mote), for_pdf=True
            )
            body, mimetype = render_pdf(html), "application/pdf"
        else:
            abort(404)
    disposition = f'attachment; filename="{_filename(mote, kind, fmt)}"'
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


@blueprint.route("/moten/<int:mote_id>/kallelse.ics")
@login_required
def invitation(mote_id: int):
    """The meeting as a calendar file to open in one's calendar."""
    mote = mote_or_404(mote_id)
    url = public_url("meetings.mote", mote_id=mote.id)
    with force_locale("sv"):
        body = documents.mote_ics(
            [present.ics_event(mote, url)], calendar_name=mote.ledningsgrupp.namn
        )
    disposition = f'attachment; filename="{_filename(mote, "mote", "ics")}"'
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": disposition})
