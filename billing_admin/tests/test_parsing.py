import pytest

from billing_admin.parsing import MAX_BIGINT, parse_positive_int


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
    ],
)
def test_parse_positive_int(text, expected):
    assert parse_positive_int(text) == expected
