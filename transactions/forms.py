"""The admin's Add Transaction form. It parses and validates; transaction_create saves, or
invoices.services.invoice_transaction_record when an invoice is chosen (it pays or refunds it)."""

import uuid

from django import forms

from transactions.models import Transaction
from transactions.services import (
    DESCRIPTION_REQUIRED,
    INVOICE_NOT_CLIENTS,
    TRANSACTION_INPUT_FIELDS,
)

CURRENCY_REQUIRED = "A currency is required for a transaction without a client."


class TransactionForm(forms.ModelForm):
    class Meta:
        model = Transaction
        fields = list(TRANSACTION_INPUT_FIELDS)
        help_texts = {
            "currency": "Leave empty to use the client’s currency.",
            "description": "Required unless the transaction is for an invoice.",
            "fees": "The gateway’s fee; may be negative.",
        }

    # A fresh key per rendered form: submitting the same form twice records one transaction.
    # (Stored as Transaction.request_key; named apart from that non-editable model field, which
    # a ModelForm field of the same name would clash with in the admin.)
    submit_key = forms.UUIDField(required=False, initial=uuid.uuid4, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "currency" in self.fields:
            self.fields["currency"].required = False

    def clean(self):
        cleaned = super().clean()
        client, invoice = cleaned.get("client"), cleaned.get("invoice")
        if invoice is None and not cleaned.get("description", "").strip():
            self.add_error("description", DESCRIPTION_REQUIRED)
        if invoice is not None and client is not None and invoice.client_id != client.pk:
            self.add_error("invoice", INVOICE_NOT_CLIENTS)
        if not cleaned.get("currency"):
            owner = client or (invoice.client if invoice is not None else None)
            if owner is None:
                self.add_error("currency", CURRENCY_REQUIRED)
            else:
                # Model validation runs on the instance next; give it the currency the
                # service would use.
                cleaned["currency"] = invoice.currency if invoice is not None else owner.currency
        return cleaned
