"""Input for the invoice page's Credit and Add Payment boxes. Parsing only: the services write."""

import uuid

from django import forms
from django.conf import settings
from django.utils import timezone

from billing_admin.money import MONEY_MAX_DIGITS
from invoices.models import Invoice


def money_form_field(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2, **kwargs)


def request_key_field() -> forms.UUIDField:
    """A fresh key per rendered form: submitting the same form twice moves the money once."""
    return forms.UUIDField(required=False, initial=uuid.uuid4, widget=forms.HiddenInput)


class ApplyCreditForm(forms.Form):
    request_key = request_key_field()
    amount = money_form_field(
        required=False,
        min_value=0,
        help_text="Leave empty to apply as much as possible: min(credit balance, balance due).",
    )


class RemoveCreditForm(forms.Form):
    request_key = request_key_field()
    amount = money_form_field(min_value=0)


def payment_method_choices():
    return [("", "---------"), *settings.PAYMENT_METHODS.items()]


class PaymentForm(forms.Form):
    request_key = request_key_field()
    date = forms.DateTimeField(initial=timezone.now)
    gateway = forms.ChoiceField(label="Payment method", choices=payment_method_choices)
    transaction_id = forms.CharField(label="Transaction ID", max_length=255, required=False)
    amount = money_form_field(
        required=False, min_value=0, help_text="Leave empty to pay the balance due."
    )
    fees = money_form_field(initial=0, required=False)

    def clean_fees(self):
        return self.cleaned_data["fees"] or 0


class InvoiceCreateForm(forms.Form):
    client = forms.IntegerField(label="Client ID", min_value=1)
    date = forms.DateField(label="Invoice date", initial=timezone.localdate)
    due_date = forms.DateField(initial=timezone.localdate)
    status = forms.ChoiceField(
        choices=[(Invoice.Status.UNPAID, "Unpaid"), (Invoice.Status.DRAFT, "Draft")]
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    auto_apply_credit = forms.BooleanField(
        required=False, help_text="Apply the client's credit balance to this invoice now."
    )


class InvoiceItemForm(forms.Form):
    description = forms.CharField(max_length=255)
    amount = money_form_field()


InvoiceItemFormSet = forms.formset_factory(InvoiceItemForm, extra=5, min_num=1, validate_min=True)
