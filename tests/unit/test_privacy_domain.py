"""Finding personnummer, samordningsnummer, e-mail and phone numbers in free text."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from systemfel.privacy.domain import (
    Finding,
    find_personnummer,
    find_warnings,
    luhn_valid,
    suppress_small,
)

# No example database: the tests must not write a .hypothesis directory into the repository.
PROPERTY = settings(database=None, max_examples=300, deadline=None)

MONTHS = [
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
]  # fmt: skip

# Surrounding text: Swedish letters, digits, punctuation and whitespace. An explicit alphabet
# keeps Hypothesis from caching Unicode tables on disk.
SURROUNDING_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzåäöABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ0123456789 .,:;!?()/-+\n"
)
surrounding = st.text(alphabet=SURROUNDING_ALPHABET, max_size=40)
# Text without any digit, for checks that nothing at all is found.
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäöÅÄÖ .,:;!?()\n", max_size=40)

birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))
serials = st.integers(min_value=0, max_value=999)
FORMATS = ["10", "10-", "10+", "10 ", "12", "12-"]


def check_digit(nine_digits: str) -> str:
    """Return the Luhn check digit for YYMMDDNNN."""
    total = 0
    for position, char in enumerate(nine_digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return str((10 - total % 10) % 10)


def identity_number(born: date, serial: int, form: str, *, coordination: bool = False) -> str:
    """Write a valid personnummer (or samordningsnummer: day + 60) in one of FORMATS."""
    day = born.day + 60 if coordination else born.day
    yymmdd = f"{born.year % 100:02d}{born.month:02d}{day:02d}"
    last_four = f"{serial:03d}" + check_digit(f"{yymmdd}{serial:03d}")
    date_part = f"{born.year // 100}{yymmdd}" if form.startswith("12") else yymmdd
    separator = form[2:]
    return f"{date_part}{separator}{last_four}"


def masked(number: str) -> str:
    return number[:-4] + "****"


# --- the generator itself, so the properties below test what they claim ------------------


def test_generated_number_matches_a_known_personnummer():
    assert identity_number(date(1981, 12, 18), 987, "10-") == "811218-9876"
    assert identity_number(date(1981, 12, 18), 987, "12") == "198112189876"


@PROPERTY
@given(born=birth_dates, serial=serials, form=st.sampled_from(FORMATS))
def test_generated_numbers_pass_luhn(born, serial, form):
    number = identity_number(born, serial, form)
    ten_digits = "".join(c for c in number if c.isdigit())[-10:]
    assert luhn_valid(ten_digits)


# --- personnummer and samordningsnummer are always found ----------------------------------


@PROPERTY
@given(
    born=birth_dates,
    serial=serials,
    form=st.sampled_from(FORMATS),
    before=surrounding,
    after=surrounding,
)
def test_valid_personnummer_is_always_found(born, serial, form, before, after):
    number = identity_number(born, serial, form)
    findings = find_personnummer(f"{before} {number} {after}")
    assert Finding("personnummer", masked(number)) in findings


@PROPERTY
@given(
    born=birth_dates,
    serial=serials,
    form=st.sampled_from(FORMATS),
    before=surrounding,
    after=surrounding,
)
def test_valid_samordningsnummer_is_always_found(born, serial, form, before, after):
    number = identity_number(born, serial, form, coordination=True)
    findings = find_personnummer(f"{before} {number} {after}")
    assert Finding("samordningsnummer", masked(number)) in findings


@PROPERTY
@given(born=birth_dates, serial=serials, form=st.sampled_from(FORMATS), before=words, after=words)
def test_a_lone_personnummer_is_the_only_finding(born, serial, form, before, after):
    number = identity_number(born, serial, form)
    assert find_personnummer(f"{before} {number} {after}") == [
        Finding("personnummer", masked(number))
    ]


@pytest.mark.parametrize(
    "text",
    [
        "8112189876",
        "811218-9876",
        "811218+9876",
        "19811218-9876",
        "198112189876",
        "Klienten (811218-9876) ringde.",
        "pnr:811218-9876, ärende öppnat",
        "Född 811218-9876\nbor i Malmö",
    ],
)
def test_known_personnummer_is_found(text):
    assert [finding.kind for finding in find_personnummer(text)] == ["personnummer"]


def test_several_numbers_in_one_text_are_all_found():
    first = identity_number(date(1981, 12, 18), 987, "10-")
    second = identity_number(date(2003, 2, 28), 42, "12-", coordination=True)
    assert find_personnummer(f"{first} och {second}") == [
        Finding("personnummer", masked(first)),
        Finding("samordningsnummer", masked(second)),
    ]


def test_29_february_without_century_is_found():
    # 1904-02-29 written without century; 2004 is also a leap year.
    number = identity_number(date(1904, 2, 29), 123, "10-")
    assert find_personnummer(number) == [Finding("personnummer", masked(number))]


def test_empty_and_none_text_finds_nothing():
    assert find_personnummer("") == []
    assert find_personnummer(None) == []  # type: ignore[arg-type]


# --- masking ---------------------------------------------------------------------------


@PROPERTY
@given(
    born=birth_dates,
    serial=serials,
    form=st.sampled_from(FORMATS),
    coordination=st.booleans(),
)
def test_shown_hides_the_last_four_digits(born, serial, form, coordination):
    number = identity_number(born, serial, form, coordination=coordination)
    (finding,) = find_personnummer(number)
    assert finding.shown.endswith("****")
    assert finding.shown[:-4] == number[:-4]
    digits_shown = sum(char.isdigit() for char in finding.shown)
    assert digits_shown == sum(char.isdigit() for char in number) - 4


def test_shown_does_not_contain_the_last_four_digits():
    (finding,) = find_personnummer("Pnr 811218-9876 i journalen")
    assert "9876" not in finding.shown
    assert finding.shown == "811218-****"


# --- wrong numbers are not flagged ------------------------------------------------------


@PROPERTY
@given(
    born=birth_dates,
    serial=serials,
    form=st.sampled_from(FORMATS),
    coordination=st.booleans(),
    wrong=st.integers(min_value=1, max_value=9),
)
def test_wrong_check_digit_is_not_flagged(born, serial, form, coordination, wrong):
    number = identity_number(born, serial, form, coordination=coordination)
    wrong_digit = str((int(number[-1]) + wrong) % 10)
    assert find_personnummer(f"Nummer {number[:-1]}{wrong_digit} här") == []


@pytest.mark.parametrize(
    "text",
    [
        "811218-9877",  # check digit off by one
        "811218-9870",
        "198112189875",
        "811318-9876",  # month 13 (check digit is not the issue here)
        "810230-1234",  # 30 February
        "17811218-9876",  # century 17
    ],
)
def test_invalid_numbers_are_not_flagged(text):
    assert find_personnummer(text) == []


def test_numbers_inside_longer_digit_runs_are_not_flagged():
    assert find_personnummer("Konto 18112189876") == []
    assert find_personnummer("Konto 81121898761") == []


# --- ordinary dates, amounts and diarienummer are never flagged --------------------------

any_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def ordinary_tokens(draw):
    """A date, an amount or a diarienummer as written in Swedish case notes."""
    kind = draw(st.sampled_from(["iso", "slash", "words", "amount", "decimal", "sn", "dnr", "ks"]))
    day = draw(any_dates)
    year = day.year
    if kind == "iso":
        return day.isoformat()
    if kind == "slash":
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if kind == "words":
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    if kind == "amount":
        kronor = draw(st.integers(min_value=0, max_value=10**9))
        return f"{kronor:,}".replace(",", " ") + " kr"
    if kind == "decimal":
        kronor = draw(st.integers(min_value=0, max_value=10**9))
        ore = draw(st.integers(min_value=0, max_value=99))
        return f"{kronor:,}".replace(",", " ") + f",{ore:02d} kr"
    if kind == "sn":
        return f"SN {year}/{draw(st.integers(min_value=1, max_value=9999))}"
    if kind == "dnr":
        return f"Dnr {year}-{draw(st.integers(min_value=1, max_value=99999)):05d}"
    return f"KS/{year}:{draw(st.integers(min_value=1, max_value=999))}"


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-03",
        "03/05/2024",
        "3 maj 2024",
        "12 500 kr",
        "1 234,50 kr",
        "SN 2024/123",
        "Dnr 2023-00456",
        "KS/2024:17",
        "Beslut 2024-05-03 om 12 500 kr, Dnr 2023-00456.",
    ],
)
def test_known_ordinary_numbers_are_not_flagged(text):
    assert find_personnummer(text) == []


@PROPERTY
@given(token=ordinary_tokens(), before=words, after=words)
def test_ordinary_number_is_never_flagged(token, before, after):
    assert find_personnummer(f"{before} {token} {after}") == []


@PROPERTY
@given(tokens=st.lists(ordinary_tokens(), min_size=1, max_size=8))
def test_sentence_of_ordinary_numbers_is_never_flagged(tokens):
    assert find_personnummer(" ".join(tokens)) == []


# --- warnings: e-mail and phone numbers --------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["anna.svensson@kommun.se", "po-team+brister@region.skane.se", "x@y.com"],
)
def test_email_address_is_a_warning(address):
    assert find_warnings(f"Skicka till {address} i dag") == [Finding("e-post", address)]


@pytest.mark.parametrize("number", ["070-123 45 67", "08-123 45 67", "+46 70 123 45 67"])
def test_swedish_phone_number_is_a_warning(number):
    assert find_warnings(f"Ring {number} efter lunch") == [Finding("telefon", number)]


MOBILE_FORMS = [
    "07{op}-{a} {b} {c}",
    "07{op}-{a}{b}{c}",
    "07{op} {a} {b} {c}",
    "07{op}{a}{b}{c}",
    "+46 7{op} {a} {b} {c}",
    "+467{op}{a}{b}{c}",
]


@PROPERTY
@given(
    operator=st.integers(min_value=0, max_value=9),
    digits=st.text(alphabet="0123456789", min_size=7, max_size=7),
    form=st.sampled_from(MOBILE_FORMS),
    before=words,
    after=words,
)
def test_mobile_number_is_always_a_warning(operator, digits, form, before, after):
    number = form.format(op=operator, a=digits[:3], b=digits[3:5], c=digits[5:])
    assert Finding("telefon", number) in find_warnings(f"{before} {number} {after}")


@PROPERTY
@given(
    digits=st.text(alphabet="0123456789", min_size=7, max_size=7),
    before=words,
    after=words,
)
def test_stockholm_number_is_always_a_warning(digits, before, after):
    number = f"08-{digits[:3]} {digits[3:5]} {digits[5:]}"
    assert Finding("telefon", number) in find_warnings(f"{before} {number} {after}")


def test_email_and_phone_in_one_text_are_both_found():
    text = "Kontakt: handlaggare@fk.se eller 070-123 45 67."
    assert find_warnings(text) == [
        Finding("e-post", "handlaggare@fk.se"),
        Finding("telefon", "070-123 45 67"),
    ]


def test_warnings_are_not_personnummer_findings():
    assert find_personnummer("Ring 070-123 45 67 eller skriv till a@b.se") == []


@pytest.mark.parametrize("text", ["2024-05-03", "03/05/2024", "3 maj 2024", "", None])
def test_known_dates_are_not_warnings(text):
    assert find_warnings(text) == []  # type: ignore[arg-type]


@PROPERTY
@given(day=any_dates, form=st.sampled_from(["iso", "slash", "words"]), before=words, after=words)
def test_dates_are_never_warnings(day, form, before, after):
    written = {
        "iso": day.isoformat(),
        "slash": f"{day.day:02d}/{day.month:02d}/{day.year}",
        "words": f"{day.day} {MONTHS[day.month - 1]} {day.year}",
    }[form]
    assert find_warnings(f"{before} {written} {after}") == []


# --- small counts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "threshold", "shown"),
    [
        (0, 3, "0"),
        (1, 3, "<3"),
        (2, 3, "<3"),
        (3, 3, "3"),
        (17, 3, "17"),
        (4, 5, "<5"),
        (5, 5, "5"),
        (1, 0, "1"),
        (2, 0, "2"),
        (0, 0, "0"),
    ],
)
def test_suppress_small(count, threshold, shown):
    assert suppress_small(count, threshold) == shown


@PROPERTY
@given(count=st.integers(min_value=0, max_value=10_000))
def test_threshold_zero_shows_every_count(count):
    assert suppress_small(count, 0) == str(count)


# --- Luhn ----------------------------------------------------------------------------------


@pytest.mark.parametrize("digits", ["8112189876", "6403273813", "0001010008"])
def test_luhn_accepts_valid_numbers(digits):
    assert luhn_valid(digits)


@pytest.mark.parametrize("digits", ["8112189877", "8112189866", "6403273814", "1234567890"])
def test_luhn_refuses_invalid_numbers(digits):
    assert not luhn_valid(digits)


@pytest.mark.parametrize("text", ["pnr-811218-9876", "pnr-198112189876", "(811218-9876)"])
def test_number_after_punctuation_is_found(text):
    assert [f.kind for f in find_personnummer(text)] == ["personnummer"]


def test_number_continuing_a_case_number_is_not_flagged():
    assert find_personnummer("Dnr 2023-8112189876") == []
