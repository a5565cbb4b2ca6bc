import pytest

from billing_admin.parsing import MAX_BIGINT, parse_count, parse_positive_int


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("007", 7),
        (str(MAX_BIGINT), MAX_BIGINT),
        (str(MAX_BIGINT + 1), None),  # would overflow the bigint column
        ("0", None),
        ("-1", None),
        ("1.0", None),
        ("1e3", None),
        ("", None),
        ("²", None),  # str.isdigit() accepts it, int() refuses it
        ("١٢", None),  # Arabic-Indic digits: int() would accept them, nobody types them as IDs
        ("9" * 5000, None),  # past Python's 4,300-digit int() limit: checked by length first
        ("0" * 5000 + "7", 7),  # leading zeros are not significant
    ],
)
def test_parse_positive_int(text, expected):
    assert parse_positive_int(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10", 10), ("", 25), ("x", 25), ("0", 1), ("5000", 1000), ("9" * 5000, 1000)],
)
def test_parse_count_is_kept_in_bounds(text, expected):
    assert parse_count(text, default=25, minimum=1, maximum=1000) == expected
