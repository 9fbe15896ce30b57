"""The pure helpers behind the statistics: medians from day histograms, rates, ordering."""

import pytest

from systemfel.reports.statistics import (
    Bar,
    chart,
    largest_first,
    median,
    median_of_counts,
    rank,
    rate,
    year_span,
)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([], None),
        ([(5, 0)], None),
        ([(7, 1)], 7),
        ([(1, 1), (3, 1)], 2),
        ([(10, 3), (1, 1)], 10),
        ([(1, 2), (10, 2)], 5.5),
        ([(4, 1), (2, 2), (9, 1), (1, 1)], 2),
    ],
)
def test_median_of_counts(counts, expected):
    assert median_of_counts(counts) == expected


def test_median_agrees_with_the_histogram():
    assert median([3, 1, 2, 8]) == 2.5
    assert median([]) is None


def test_rate():
    assert rate(1, 4) == 0.25
    assert rate(0, 0) is None


def test_suppressed_counts_rank_as_the_threshold():
    assert [rank(n, 3) for n in (0, 1, 2, 3, 4)] == [0, 3, 3, 3, 4]
    assert rank(1, 0) == 1
    assert largest_first({"Ö": 1, "A": 2, "B": 5, "C": 0}, 3) == [("B", 5), ("A", 2), ("Ö", 1)]
    assert largest_first({"Ö": 1, "A": 2}, 0) == [("A", 2), ("Ö", 1)]


def test_bars_carry_the_shown_text_and_the_length_to_draw():
    made = chart("T", "D", "brister", [("a", 0), ("b", 2), ("c", 5)], 3)

    assert made.bars == (Bar("a", 0, "0"), Bar("b", 2, "<3"), Bar("c", 5, "5"))
    assert [bar.extent for bar in made.bars] == [0, 3, 5]
    assert made.scale == 5
    assert chart("T", "D", "brister", [("a", 0)], 3).scale == 1


def test_year_span_fills_the_gaps():
    assert year_span({2024: 1}, [2021]) == (2021, 2022, 2023, 2024)
    assert year_span([], []) == ()
