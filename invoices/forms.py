"""Input for the invoice page's Credit and Add Payment boxes. Parsing only: the services write."""

from django import forms
from django.conf import settings
from django.utils import timezone

from billing_admin.money import MONEY_MAX_DIGITS


def money_form_field(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2, **kwargs)


class ApplyCreditForm(forms.Form):
    amount = money_form_field(
        required=False,
        min_value=0,
        help_text="Leave empty to apply as much as possible: min(credit balance, balance due).",
    )


class RemoveCreditForm(forms.Form):
    amount = money_form_field(min_value=0)


def payment_method_choices():
    return [("", "---------"), *settings.PAYMENT_METHODS.items()]


class PaymentForm(forms.Form):
    date = forms.DateTimeField(initial=timezone.now)
    gateway = forms.ChoiceField(label="Payment method", choices=payment_method_choices)
    transaction_id = forms.CharField(label="Transaction ID", max_length=255, required=False)
    amount = money_form_field(
        required=False, min_value=0, help_text="Leave empty to pay the balance due."
    )
    fees = money_form_field(initial=0, required=False)

    def clean_fees(self):
        return self.cleaned_data["fees"] or 0
