"""PDF from a print page: WeasyPrint with the print stylesheet; nothing is fetched."""

from pathlib import Path

from flask import current_app


def render_pdf(html: str) -> bytes:
    """Render a print page's HTML to PDF with static/css/print.css."""
    from weasyprint import CSS, HTML  # slow to import: only where a PDF is asked for

    stylesheet = Path(current_app.static_folder or "") / "css" / "print.css"
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(stylesheet))])
