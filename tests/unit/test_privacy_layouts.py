"""The personnummer guard reads text as people paste it: every dash and space Word and PDFs
produce, wrapped lines, grouped digits, invisible characters; and it stays quiet on what is
not a personnummer."""

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from systemfel.privacy.domain import find_personnummer, find_warnings, plain

PROPERTY = settings(database=None, max_examples=400, deadline=None)
TODAY = date(2026, 12, 1)

DASHES = ["-", "\u2013", "\u2014", "\u2212", "\u2010", "\u2011", "\uff0d", "\ufe63", "+"]
SPACES = [" ", "\u00a0", "\u202f", "\u2009", "  ", "\t", "\n", "\r\n", "\u3000"]
OTHER = [".", "/", "_"]
INVISIBLE = ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


def check_digit(nine: str) -> str:
    total = 0
    for position, char in enumerate(nine):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return str((10 - total % 10) % 10)


@st.composite
def personnummer_digits(draw, coordination: bool = False) -> tuple[str, str]:
    """(century, ten digits) of a valid personnummer or samordningsnummer born before TODAY."""
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    day = born.day + 60 if coordination else born.day
    yymmdd = f"{born.year % 100:02d}{born.month:02d}{day:02d}"
    serial = f"{draw(st.integers(0, 999)):03d}"
    return str(born.year // 100), yymmdd + serial + check_digit(yymmdd + serial)


separator = st.one_of(
    st.sampled_from(DASHES + SPACES + OTHER),
    st.builds(lambda a, d, b: a + d + b, st.sampled_from(["", " ", "\u00a0"]),
              st.sampled_from(DASHES), st.sampled_from(["", " ", "\u00a0"])),
)  # fmt: skip
dash = st.builds(
    lambda a, d, b: a + d + b,
    st.sampled_from(["", " "]),
    st.sampled_from(DASHES),
    st.sampled_from(["", " "]),
)


@st.composite
def written(draw) -> str:
    """A valid number in one of the layouts people write, with random separators."""
    century, ten = draw(personnummer_digits(coordination=draw(st.booleans())))
    sep = draw(separator)
    part = draw(separator)  # the parts of a date are joined alike: "81 12 18", "81-12-18"
    layouts = [
        ten[:6] + sep + ten[6:],
        century + ten[:6] + sep + ten[6:],
        century + ten,
        ten[:2] + part + ten[2:4] + part + ten[4:6] + draw(dash) + ten[6:],
        century + ten[:2] + part + ten[2:4] + part + ten[4:6] + draw(dash) + ten[6:],
        ten[:2] + part + ten[2:4] + part + ten[4:6] + draw(dash)
        + ten[6:8] + draw(separator) + ten[8:],
        ten[:3] + draw(separator) + ten[3:6] + draw(separator) + ten[6:],
        ten[:6] + draw(separator) + ten[6:8] + draw(separator) + ten[8:],
    ]  # fmt: skip
    number = draw(st.sampled_from(layouts))
    groups = tuple(len(group) for group in re.findall(r"\d+", number))
    if ten.startswith("07") and (
        groups == (3, 3, 4) or number.count(" ") + number.count("\u00a0") >= 2
    ):
        # "070 123 4567" and "070-123-4567" are how mobile numbers are written: see the
        # phone test below.
        number = ten[:6] + "-" + ten[6:]
    hidden = draw(st.sampled_from(INVISIBLE))
    where = draw(st.integers(1, len(number) - 1))
    if draw(st.booleans()):
        number = number[:where] + hidden + number[where:]
    return number


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäöÅÄÖ .,:;!?()\n", max_size=30)


@PROPERTY
@given(number=written(), before=words, after=words)
def test_a_personnummer_is_caught_however_it_is_written(number, before, after):
    text = f"{before} {number} {after}"
    [finding] = find_personnummer(text, TODAY)
    assert finding.shown.endswith("*") and finding.shown.count("*") == 4
    start, end = finding.start, finding.end
    assert text[start:end].strip() == text[start:end]
    digits = [c for c in plain(text[start:end])[0] if c.isdigit()]
    assert len(digits) in (10, 12)


@pytest.mark.parametrize(
    "text",
    [
        "811218\u20139876",  # Word's en dash
        "811218 \u2013 9876",
        "811218\u20149876",
        "811218\u22129876",
        "811218\u20109876",
        "811218\u20119876",
        "811218\uff0d9876",
        "811218\u00a09876",
        "811218\u202f9876",
        "811218  9876",
        "811218\t9876",
        "811218\n9876",
        "811218\r\n9876",
        "811218 - 9876",
        "811218.9876",
        "811218/9876",
        "811218_9876",
        "81 12 18-98 76",
        "811 218 9876",
        "1981-12-18-9876",
        "81-12-18-9876",
        "8112\u00ad189876",
        "811218\u200b-9876",
        "\uff18\uff11\uff11\uff12\uff11\uff18-9876",  # fullwidth digits
        "Klienten (pnr 811218 – 9876) fick avslag.",
    ],
)
def test_the_layouts_found_from_outside_are_caught(text):
    [finding] = find_personnummer(text, TODAY)
    assert finding.kind == "personnummer"
    assert finding.shown.endswith("**")


# fmt: off
def test_what_the_old_detector_caught_is_still_caught():
    old_layouts = ["811218-9876", "811218+9876", "811218 9876", "8112189876", "198112189876",
                   "19811218-9876", "pnr-811218-9876", "(811218-9876)", "12 811218-9876"]
    for text in old_layouts:
        assert [f.kind for f in find_personnummer(text, TODAY)] == ["personnummer"], text
# fmt: on


def test_the_span_points_at_the_number_as_written_for_redaction():
    text = "Hej \u200b811218\u00ad\u2013 9876 och mer"
    [finding] = find_personnummer(text, TODAY)
    assert text[finding.start : finding.end] == "811218\u00ad\u2013 9876"


# --- mistyped numbers, future dates, phones -----------------------------------------------


@PROPERTY
@given(digits=personnummer_digits(), wrong=st.integers(1, 9), sep=st.sampled_from(DASHES))
def test_a_wrong_check_digit_asks_for_confirmation(digits, wrong, sep):
    _century, ten = digits
    mistyped = ten[:6] + sep + ten[6:9] + str((int(ten[9]) + wrong) % 10)
    assert find_personnummer(mistyped, TODAY) == []
    kinds = [f.kind for f in find_warnings(f"Nr {mistyped}.", TODAY)]
    assert "möjligt personnummer med fel kontrollsiffra" in kinds


def test_a_twelve_digit_number_born_in_the_future_is_not_a_personnummer():
    _nine = "281218987"
    future = "20" + _nine + check_digit(_nine)
    assert find_personnummer(future, TODAY) == []
    assert find_personnummer("19" + _nine + check_digit(_nine), TODAY) != []


def test_ten_digits_of_a_mobile_number_collide_and_the_message_says_so():
    nine = "070123456"
    number = nine + check_digit(nine)
    [finding] = find_personnummer(f"Ring {number}", TODAY)
    assert "telefonnummer" in finding.advice
    assert find_personnummer(f"Ring {number[:3]}-{number[3:6]} {number[6:8]} {number[8:]}") == []
    assert find_personnummer(f"Ring {number[:3]} {number[3:6]} {number[6:]}", TODAY) == []


@pytest.mark.parametrize(
    "text",
    [
        "070-123 45 67",
        "08-123 45 67",
        "+46 70 123 45 67",
        "Org.nr 556677-8899",
        "Org nr 212000-0142",
        "2024-05-03 2024-05-03",
        "03/05/2024 03/05/2024",
        "Dnr 2023\u20138112189876",
        "Beslut 2024\u201305\u201303 om 12\u00a0500 kr",
        "1 234 567 890 kr",
        "SN 2024/123, KS/2024:17",
    ],
)
def test_phones_org_numbers_dates_and_amounts_are_not_personnummer(text):
    assert find_personnummer(text, TODAY) == []


@PROPERTY
@given(
    kind=st.sampled_from(["org", "phone", "date", "amount"]),
    digits=st.text(alphabet="0123456789", min_size=9, max_size=9),
    sep=st.sampled_from(DASHES[:-1] + [" ", "\u00a0"]),
)
def test_generated_org_numbers_phones_dates_and_amounts_pass(kind, digits, sep):
    if kind == "org":  # the third digit of an organisation number is 2 or more
        text = f"{digits[:2]}{max(2, int(digits[2]))}{digits[3:6]}{sep}{digits[6:9]}0"
    elif kind == "phone":
        text = f"07{digits[0]}{sep}{digits[1:4]} {digits[4:6]} {digits[6:8]}"
    elif kind == "date":
        text = f"20{digits[:2]}{sep}0{int(digits[2]) % 9 + 1}{sep}1{int(digits[3]) % 9}"
    else:
        text = f"{int(digits):,} kr".replace(",", "\u00a0")
    assert find_personnummer(text, TODAY) == []
