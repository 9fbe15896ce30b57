"""The bar chart macro: an accessible SVG with the same numbers in a table beside it, and
suppressed counts never drawn or written exactly."""

import xml.etree.ElementTree as ET
from pathlib import Path

import jinja2
import pytest

from systemfel.reports.statistics import Bar, Chart, chart

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
    )
    environment.install_null_translations(newstyle=True)
    return environment


def render(env: jinja2.Environment, made: Chart, chart_id: str = "c1") -> ET.Element:
    template = env.from_string(
        '{% from "reports/_charts.html" import bar_chart %}{{ bar_chart(chart, id) }}'
    )
    return ET.fromstring(template.render(chart=made, id=chart_id))  # noqa: S314 - our own template


def sample(threshold: int = 3) -> Chart:
    return chart(
        "Brister per nivå",
        "Antal brister per nivå.",
        "brister",
        [("Handläggarnivå", 12), ("Lokal nivå", 1), ("Central nivå", 0)],
        threshold,
    )


def test_the_svg_is_an_image_with_a_title_and_a_description(env):
    figure = render(env, sample(), "niva")
    svg = figure.find(f".//{SVG}svg")

    assert figure.tag == "figure"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "niva-title niva-desc"
    assert svg.find(f"{SVG}title").get("id") == "niva-title"
    assert svg.find(f"{SVG}title").text == "Brister per nivå"
    desc = svg.find(f"{SVG}desc")
    assert desc.get("id") == "niva-desc"
    assert "Handläggarnivå: 12; Lokal nivå: <3; Central nivå: 0." in desc.text


def test_one_bar_per_value_scaled_to_the_longest(env):
    svg = render(env, sample()).find(f".//{SVG}svg")
    rects = svg.findall(f".//{SVG}rect")

    assert len(rects) == 3
    widths = [float(rect.get("width")) for rect in rects]
    assert widths[0] == 340
    assert widths[2] == 0
    labels = [text.text for text in svg.iter(f"{SVG}text")]
    assert labels == ["Handläggarnivå", "12", "Lokal nivå", "<3", "Central nivå", "0"]


def test_a_suppressed_bar_is_hatched_at_the_thresholds_length(env):
    svg = render(env, sample(), "niva").find(f".//{SVG}svg")
    small = svg.findall(f".//{SVG}rect")[1]

    # As long as 3 would be, never as long as the exact 1.
    assert float(small.get("width")) == pytest.approx(340 * 3 / 12, abs=0.1)
    assert small.get("fill") == "url(#niva-hatch)"
    assert "chart-bar-suppressed" in small.get("class")
    assert svg.find(f".//{SVG}pattern").get("id") == "niva-hatch"


def test_the_table_has_the_same_numbers(env):
    figure = render(env, sample())
    table = figure.find(".//table")

    assert table.find("caption").text == "Brister per nivå"
    rows = [(row.find("th").text, row.find("td").text) for row in table.findall("tbody/tr")]
    assert rows == [("Handläggarnivå", "12"), ("Lokal nivå", "<3"), ("Central nivå", "0")]


def test_the_exact_small_count_is_nowhere_in_the_output(env):
    made = Chart("Per år", "Antal per år.", "brister", (Bar("2026", 2, "<3"),))
    rendered = ET.tostring(render(env, made), encoding="unicode")

    assert "&lt;3" in rendered
    assert ">2<" not in rendered.replace(">2026<", "")


def test_without_suppression_no_hatching(env):
    figure = render(env, sample(threshold=0))

    assert figure.find(f".//{SVG}pattern") is None
    assert [text.text for text in figure.iter(f"{SVG}text")][3] == "1"


def test_an_empty_chart_has_a_table_that_says_so(env):
    figure = render(env, Chart("Per myndighet", "Antal.", "brister", ()))

    assert figure.find(f".//{SVG}svg") is None
    assert figure.find(".//table/tbody/tr/td").text == "Inga uppgifter."
