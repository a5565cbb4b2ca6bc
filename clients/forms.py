"""Admin forms for clients: they parse and validate; the services do the writing."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from clients.csv_export import available_columns
from clients.models import NOTE_MAX_LENGTH, Client
from clients.services import (
    CLIENT_PROFILE_FIELDS,
    CURRENCY_LOCKED,
    EMAIL_TAKEN,
    client_has_money_history,
    decode_upload,
    decode_upload_size_message,
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
        if "credit_balance" in self.fields and self.instance.pk:
            # An amount always shows its currency.
            self.fields["credit_balance"].label = f"Credit balance ({self.instance.currency})"

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

    def balance_edited(self) -> bool:
        """Whether the clerk typed a new balance. Compared with the balance the form showed, not
        with the one stored now: credit moved meanwhile (Manage Credits, an invoice) makes the
        posted-back balance differ from the stored one without anyone having edited it."""
        if self.cleaned_data.get("credit_balance") is None:  # read-only for this user
            return False
        shown = self.cleaned_data.get("credit_balance_shown")
        if shown is None:  # a form posted without the hidden field: the stored balance decides
            return "credit_balance" in self.changed_data
        return self.cleaned_data["credit_balance"] != shown

    def clean_credit_balance(self):
        balance = self.cleaned_data["credit_balance"]
        if balance is not None and balance < 0:
            raise forms.ValidationError(BALANCE_NEGATIVE)
        return balance


class ClientAddForm(ClientForm):
    """Add New Client: the profile fields, a first note for the notes log and, at the bottom,
    the welcome email tick box."""

    notes = forms.CharField(
        label="Admin notes",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Saved as the first note of the client's notes log.",
    )

    send_welcome_email = forms.BooleanField(
        label="Send welcome email",
        required=False,
        initial=True,
        help_text="Email the client a welcome message once the client is saved.",
    )

    class Meta(ClientForm.Meta):
        fields = [field for field in CLIENT_PROFILE_FIELDS if field != "credit_policy"]


class ClientExportForm(forms.Form):
    """Export CSV: which columns (every one ticked at first, custom fields included)."""

    columns = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one column."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(column.key, column.header) for column in available_columns()]
        self.fields["columns"].choices = choices
        self.fields["columns"].initial = [key for key, _ in choices]


class ClientImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 (with or without BOM), with a header row: the columns of Export CSV "
        "or of a WHMCS client export.",
    )
    update_existing = forms.BooleanField(
        required=False,
        label="Update existing clients",
        help_text="A row whose email belongs to a client updates that client instead of "
        "being refused.",
    )
    skip_invalid = forms.BooleanField(
        required=False,
        label="Skip invalid rows",
        help_text="Import the good rows and list the bad ones (with a rejects file). "
        "Otherwise one bad row means nothing is imported.",
    )
    send_welcome_email = forms.BooleanField(
        required=False, label="Send each new client the welcome email"
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before reading: a huge upload is refused without loading it.
        if upload.size > settings.CLIENT_IMPORT_MAX_BYTES:
            raise forms.ValidationError(decode_upload_size_message(upload.size))
        try:
            self.cleaned_data["text"] = decode_upload(upload.read())
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        return upload
