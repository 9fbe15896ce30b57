"""Translations in templates are looked up once per request and locale, and links for a
list's rows are built from one url_for(), its filters' options written in one step: each
request still gets its own language, a document forced into Swedish is Swedish, and every
link and option is the one url_for() and WTForms give, and every Swedish date the one Babel
writes."""

from datetime import UTC, date, datetime

from flask import render_template_string, url_for
from flask_babel import force_locale, format_date, format_datetime
from hypothesis import given
from hypothesis import strategies as st
from wtforms.widgets import Select

from systemfel import dates
from systemfel.bounds import LARGEST_INT
from systemfel.forms import OptionsSelect
from systemfel.links import IdLinks
from tests.conftest import Client

LIST_WORDS = {
    "sv": ('<html lang="sv">', "<h1>Brister</h1>", 'data-label="Nummer"', "Registrera brist"),
    "en": ('<html lang="en">', "<h1>Flaws</h1>", 'data-label="Number"', "Register flaw"),
}


def _client_in(app, email: str, lang: str) -> Client:
    client = Client(app)
    assert client.login(email).status_code == 302
    if lang != "sv":
        assert client.post("/sprak", {"lang": lang, "next": "/"}).status_code == 302
    return client


def test_swedish_and_english_requests_interleaved_each_get_their_own_language(app, world):
    email = world.users["ombud"].email
    clients = {"sv": _client_in(app, email, "sv"), "en": _client_in(app, email, "en")}
    for lang in ("sv", "en", "en", "sv", "en", "sv", "sv", "en"):
        page = clients[lang].get("/brister").get_data(as_text=True)
        other = "en" if lang == "sv" else "sv"
        for word in LIST_WORDS[lang]:
            assert word in page, (lang, word)
        for word in LIST_WORDS[other][1:3]:
            assert word not in page, (lang, word)


def test_a_template_forced_into_swedish_inside_an_english_request_is_swedish(app):
    source = (
        "{% from '_macros/ui.html' import pagination %}{{ _('Brister') }}|"
        "{{ ngettext('%(num)s brist', '%(num)s brister', 2) }}|"
        "{{ pagination(result, 'brister.list_brister', {}) }}"
    )

    class Result:
        page, pages, is_exact = 1, 2, True

    with app.test_request_context("/brister"):
        with force_locale("en"):
            english = render_template_string(source, result=Result())
            with force_locale("sv"):
                swedish = render_template_string(source, result=Result())
            again = render_template_string(source, result=Result())
    assert english.startswith("Flaws|2 flaws|") and "Page 1 of 2" in english
    assert swedish.startswith("Brister|2 brister|") and "Sida 1 av 2" in swedish
    assert again == english


def test_translations_in_templates_format_and_escape_as_jinja_newstyle_gettext(app):
    with app.test_request_context("/brister"):
        html = render_template_string(
            "{{ _('100%% klart') }}|{{ _('Hej %(namn)s', namn='<b>') }}|"
            "{{ ngettext('%(num)s av %(of)s', '%(num)s av %(of)s', 3, of='<3>') }}|"
            "{{ pgettext('ctx', '%(context)s') }}"
        )
        text = render_template_string(
            "{% autoescape false %}{{ _('Hej %(namn)s', namn='<b>') }}{% endautoescape %}"
        )
    assert html == "100% klart|Hej &lt;b&gt;|3 av &lt;3&gt;|ctx"
    assert text == "Hej <b>"  # a template that does not escape (e-mail text) leaves it alone


@given(row_id=st.integers(min_value=1, max_value=LARGEST_INT))
def test_a_rows_link_is_the_one_url_for_gives(app, row_id):
    for root in ("/", "/systemfel/"):
        with app.test_request_context("/brister", base_url=f"https://example.se{root}"):
            links = IdLinks("brister.detail", "brist_id")
            assert links(row_id) == url_for("brister.detail", brist_id=row_id)
            with_query = IdLinks("brister.detail", "brist_id", flik="historik")
            assert with_query(row_id) == url_for("brister.detail", brist_id=row_id, flik="historik")


@given(
    value=st.one_of(st.text(), st.integers(), st.none()),
    label=st.text(),
    selected=st.booleans(),
)
def test_the_filters_options_are_written_as_wtforms_writes_them(value, label, selected):
    assert OptionsSelect.render_option(value, label, selected) == Select.render_option(
        value, label, selected
    )


@given(
    day=st.dates(min_value=date(1000, 1, 1)),
    moment=st.datetimes(
        min_value=datetime(1900, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, None]),
    ),
)
def test_swedish_days_and_moments_are_written_as_babel_writes_them(app, day, moment):
    with app.test_request_context(), force_locale("sv"):
        assert dates.day(day) == format_date(day, dates.DATE_PATTERNS["sv"])
        assert dates.day(day.isoformat()) == format_date(day, dates.DATE_PATTERNS["sv"])
        assert dates.moment(moment) == format_datetime(moment, dates.DATETIME_PATTERNS["sv"])
