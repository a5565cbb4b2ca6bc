"""Admin forms for clients: they parse and validate; the services do the writing."""

from django import forms

from clients.models import Client
from clients.services import (
    CLIENT_PROFILE_FIELDS,
    CURRENCY_LOCKED,
    EMAIL_TAKEN,
    client_has_money_history,
    email_in_use,
)

BALANCE_NEGATIVE = "The credit balance cannot be negative."


class ClientForm(forms.ModelForm):
    """The Profile (change page). Checks what the services check, so errors land on the field."""

    class Meta:
        model = Client
        fields = [*CLIENT_PROFILE_FIELDS, "status", "credit_balance"]
        help_texts = {
            "status": "To take a client out of use, set it Inactive rather than deleting it: "
            "its invoices, transactions and history stay intact.",
            "credit_balance": "Editing this changes the balance without a credit log entry "
            "(the change is recorded in the history). Use Manage Credits to add or remove "
            "credit with a log entry.",
        }

    # The balance the editor was shown, posted back so that a credit change made meanwhile (Manage
    # Credits, an invoice) is detected instead of overwritten by a stale Profile form.
    credit_balance_shown = forms.DecimalField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credit_balance_shown"].initial = self.instance.credit_balance

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email_in_use(email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(EMAIL_TAKEN)
        return email

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"]
        client = self.instance
        if client.pk and currency != client.currency and client_has_money_history(client):
            raise forms.ValidationError(CURRENCY_LOCKED)
        return currency

    def clean_credit_balance(self):
        balance = self.cleaned_data["credit_balance"]
        if balance is not None and balance < 0:
            raise forms.ValidationError(BALANCE_NEGATIVE)
        return balance


class ClientAddForm(ClientForm):
    """Add New Client: the profile fields and, at the bottom, the welcome email tick box."""

    send_welcome_email = forms.BooleanField(
        label="Send welcome email",
        required=False,
        initial=True,
        help_text="Email the client a welcome message once the client is saved.",
    )

    class Meta(ClientForm.Meta):
        fields = [field for field in CLIENT_PROFILE_FIELDS if field != "credit_policy"]
