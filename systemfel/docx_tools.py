"""What every Word document Systemfel writes starts from: A4, Swedish, few styles."""

from datetime import UTC, datetime

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

TABLE_STYLE = "Table Grid"
KEPT_TABLE_STYLES = ("Normal Table", TABLE_STYLE)


def new_document(title: str) -> Document:
    """An empty A4 document in Swedish, titled `title`."""
    document = docx.Document()
    properties = document.core_properties
    properties.title = title
    properties.language = "sv-SE"
    properties.author = "Systemfel"
    # python-docx writes these with a "Z" whatever the tzinfo, so they must be in UTC.
    now = datetime.now(UTC)
    properties.created = now
    properties.modified = now
    # Spelling and hyphenation follow the language of the default run properties.
    for lang in document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang"):
        lang.set(qn("w:val"), "sv-SE")
    # python-docx finds a style by scanning all of them, for every paragraph: without the
    # template's 98 unused table styles a long document is built about 30 % faster.
    for style in list(document.styles):
        if style.type == WD_STYLE_TYPE.TABLE and style.name not in KEPT_TABLE_STYLES:
            style.delete()
    section = document.sections[0]
    section.page_width = Mm(210)
    section.page_height = Mm(297)
    return document


# ---------------------------------------------------------------------------------------------
# A document that looks finished: its own properties, a header, page numbers


APP_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>Systemfel</Application><DocSecurity>0</DocSecurity>"
    "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>"
    "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
    "</Properties>"
)
THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"


def set_properties(
    document: Document, *, title: str, author: str, subject: str, at: datetime
) -> None:
    """Give the document its own properties and none of python-docx's template.

    Title, subject, author and last modified by as given; created and modified at `at` (the
    time the text was generated or frozen); no comment, keywords or category; revision 1.
    The template's application ("Microsoft Macintosh Word", Normal.dotm) and its blank
    thumbnail go.
    """
    properties = document.core_properties
    properties.title = title
    properties.subject = subject
    properties.author = author
    properties.last_modified_by = author
    properties.comments = ""
    properties.keywords = ""
    properties.category = ""
    properties.revision = 1
    properties.language = "sv-SE"
    # python-docx writes these with a "Z" whatever the tzinfo, so they must be in UTC.
    utc = at.astimezone(UTC).replace(tzinfo=None)
    properties.created = utc
    properties.modified = utc
    package = document.part.package
    for part in package.iter_parts():
        if part.partname == "/docProps/app.xml":
            part._blob = APP_XML.encode("utf-8")  # a plain Part: its bytes are written as they are
    for r_id, rel in list(package.rels.items()):
        if rel.reltype == THUMBNAIL:
            package.rels.pop(r_id)
    for lang in document.settings.element.xpath("w:themeFontLang"):
        lang.set(qn("w:val"), "sv-SE")


def _field(paragraph, instruction: str, shown: str) -> None:
    """Append a simple field (e.g. PAGE) to `paragraph`, showing `shown` until Word updates it."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def add_header_and_page_numbers(document: Document, header: str) -> None:
    """`header` at the top of every page; "Sida X av Y" (PAGE and NUMPAGES fields) at the foot."""
    section = document.sections[0]
    top = section.header.paragraphs[0]
    top.text = header
    top.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot.add_run("Sida ")
    _field(foot, "PAGE", "1")
    foot.add_run(" av ")
    _field(foot, "NUMPAGES", "1")
