"""Forms for Manage Credits. They parse input; credits.services moves the money."""

import re
import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from billing_admin.money import format_money
from credits.services import AMOUNT_NOT_POSITIVE, AMOUNT_TOO_LARGE, MAX_CREDIT_AMOUNT

# Plain decimal notation only: no exponent ("1e3"), NaN, Infinity, signs or thousands separators.
PLAIN_AMOUNT = re.compile(r"-?\d+(?:\.\d*)?|-?\.\d+")

AMOUNT_NOT_A_NUMBER = "Enter the amount as a number, such as 10.00."
AMOUNT_TOO_PRECISE = "Enter at most 2 decimal places."


class CreditAmountField(forms.CharField):
    """A positive money amount as staff type it, with exact error messages for each mistake."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 12}),
        )
        super().__init__(**kwargs)

    def to_python(self, value) -> Decimal | None:
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if not PLAIN_AMOUNT.fullmatch(value):
            raise ValidationError(AMOUNT_NOT_A_NUMBER, code="invalid")
        return Decimal(value)

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)  # required
        if value is None:
            return
        if value <= 0:
            raise ValidationError(AMOUNT_NOT_POSITIVE, code="min_value")
        if value.as_tuple().exponent < -2:
            raise ValidationError(AMOUNT_TOO_PRECISE, code="max_decimal_places")
        if value > MAX_CREDIT_AMOUNT:
            raise ValidationError(
                AMOUNT_TOO_LARGE.format(maximum=format_money(MAX_CREDIT_AMOUNT)), code="max_value"
            )


class CreditChangeForm(forms.Form):
    """Add Credit / Remove Credit: what the credit is for, and how much."""

    description = forms.CharField(
        max_length=255, widget=forms.TextInput(attrs={"size": 60, "autofocus": True})
    )
    amount = CreditAmountField()
    # A fresh key per rendered form: submitting the same form twice records one entry.
    request_key = forms.UUIDField(required=False, initial=uuid.uuid4, widget=forms.HiddenInput)
