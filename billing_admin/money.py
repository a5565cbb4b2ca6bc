"""Money: Decimal with two places, everywhere. The one place that knows how to make an amount."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Sum

MONEY_PLACES = Decimal("0.01")
MONEY_MAX_DIGITS = 12
# The largest amount a 12-digit, 2-place column holds.
MONEY_MAX = Decimal("9999999999.99")
ZERO = Decimal("0.00")
AMOUNT_INVALID = "Enter an amount such as 10.00."


def to_money(value: Decimal | int | str) -> Decimal:
    """Return ``value`` as a Decimal quantized to cents (half up).

    Floats are refused outright: by the time a float reaches us the cents may already be wrong.
    NaN, infinities and amounts too large for a money column raise ``ValueError``.
    """
    if isinstance(value, float) or isinstance(value, bool):
        raise TypeError(f"money must be Decimal, int or str, not {type(value).__name__}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    try:
        amount = amount.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the decimal context holds: far out of range
        raise ValueError(f"amount out of range: {value!r}") from None
    if abs(amount) > MONEY_MAX:
        raise ValueError(f"amount out of range: {value!r}")
    return amount


def parse_money_field(value, *, field: str = "amount") -> Decimal:
    """An amount from any caller (API strings included) as money, or a ``field`` error: bad
    input is the caller's mistake, never a 500. Floats still raise ``TypeError``: passing one is
    a programming error, not bad input."""
    try:
        return to_money(value)
    except ValueError:
        raise ValidationError({field: AMOUNT_INVALID}) from None


def format_money(amount: Decimal | int | str) -> str:
    """Two-decimal string, as WHMCS and our pages show money ("45.90").

    Any finite amount, however large: a sum of valid amounts (a client's income, a day's
    invoicing) can pass what one money column holds and must still be shown, so this does not
    apply ``to_money``'s column range. The context is widened to the amount's own digits, as the
    default 28 would make quantize() raise for a sum that long.
    """
    if isinstance(amount, float | bool):
        raise TypeError(f"money must be Decimal, int or str, not {type(amount).__name__}")
    amount = Decimal(amount)
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {amount!r}")
    if amount.as_tuple().exponent >= -2:
        # Two places or fewer (every money column's value): nothing to round, so formatting
        # alone is exact, and five times cheaper (a 1,000-row GetInvoices formats 4,000).
        return f"{amount:.2f}"
    context = Context(prec=max(28, amount.adjusted() + 4))
    return f"{amount.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP, context=context):.2f}"


def money_field(**kwargs) -> models.DecimalField:
    """Every money column: 12 digits, 2 places, defaulting to 0.00."""
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2, **kwargs)


def currency_totals(queryset: models.QuerySet, amount_fields: Iterable[str]) -> list[dict]:
    """Per currency (in currency order): the row count and the sum of each of ``amount_fields``,
    in one aggregate query. Amounts in different currencies are never added up together."""
    return list(
        queryset.order_by("currency")
        .values("currency")
        .annotate(count=Count("pk"), **{name: Sum(name) for name in amount_fields})
    )
