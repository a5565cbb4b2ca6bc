"""format_money formats two-place amounts without quantizing: the same text as rounding them."""

from decimal import ROUND_HALF_UP, Context, Decimal

from hypothesis import given
from hypothesis import strategies as st

from billing_admin.money import MONEY_PLACES, format_money


def rounded(amount: Decimal) -> str:
    context = Context(prec=max(28, amount.adjusted() + 4))
    return f"{amount.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP, context=context):.2f}"


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=2)
    | st.decimals(allow_nan=False, allow_infinity=False, places=0)
    | st.integers(min_value=-(10**40), max_value=10**40).map(lambda n: Decimal(n).scaleb(30))
)
def test_an_amount_of_two_places_or_fewer_formats_as_it_rounds(amount):
    assert format_money(amount) == rounded(amount)


def test_the_fast_path_keeps_signs_and_zeros():
    assert [format_money(Decimal(text)) for text in ("-0.00", "0", "5", "-3.1", "1E+3")] == [
        "-0.00",
        "0.00",
        "5.00",
        "-3.10",
        "1000.00",
    ]
