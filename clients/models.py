from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models
from django.db.models import F, Func, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from django.utils.text import capfirst

from billing_admin.iso_codes import country_choices, currency_choices
from billing_admin.money import money_field
from billing_admin.search_indexes import search_index

# WHMCS's GetClients search matches the start of these (the API's
# clients.selectors.clients_matching_start), each served by a prefix index below. "first last"
# also covers the first name: a first name that starts with a term starts "first last" too.
FULL_NAME_LOWER = Lower(Concat("first_name", Value(" "), "last_name"))
LAST_NAME_LOWER = Lower("last_name")
COMPANY_NAME_LOWER = Lower("company_name")


# Phone numbers are stored as typed (WHMCS's "+44.2012345678"); the search matches their digits.
PHONE_DIGITS = Func(
    F("phone_number"), Value(r"\D"), Value(""), Value("g"), function="REGEXP_REPLACE"
)


# Client fields holding money: their history values are shown with the client's currency.
AMOUNT_FIELDS = frozenset({"credit_balance"})
EMAIL_TAKEN = "A client with this email address already exists."

# Who a person is and where to reach them: fields a Client and a Contact both hold, by these names.
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone_number",
    "address1",
    "address2",
    "city",
    "state",
    "postcode",
    "country",
)


def name_search_vector_field() -> models.GeneratedField:
    """The stored word vector of a person's names (first, last, company) that the client list's
    search matches: a client's and a contact's are the same column."""
    return models.GeneratedField(
        expression=SearchVector("first_name", "last_name", "company_name", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY


class ClientGroup(models.Model):
    """A named group of clients (WHMCS client groups: highlighting, discounts, exemptions)."""

    name = models.CharField(max_length=100, unique=True)
    colour = models.CharField(max_length=7, blank=True, help_text="Highlight colour, e.g. #ffcc00")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "Active", "Active"
        INACTIVE = "Inactive", "Inactive"
        CLOSED = "Closed", "Closed"

    class CreditPolicy(models.TextChoices):
        """When credit pays new invoices by itself (credits.selectors.auto_apply_amount)."""

        DEFAULT = "default", "Use the site default"
        NEVER = "never", "Never apply automatically"
        FULL = "full", "Only when it pays the whole invoice"
        AVAILABLE = "available", "Apply whatever is available"

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    company_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254)
    phone_number = models.CharField(max_length=32)
    address1 = models.CharField("address line 1", max_length=200)
    address2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField("state/region", max_length=100)
    postcode = models.CharField(max_length=20)
    country = models.CharField(max_length=2, choices=country_choices)
    currency = models.CharField(max_length=3, choices=currency_choices, default=default_currency)
    language = models.CharField(max_length=7, choices=settings.LANGUAGES, blank=True)
    group = models.ForeignKey(
        ClientGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="clients"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    marketing_opt_in = models.BooleanField(default=False)
    tax_exempt = models.BooleanField(default=False)
    override_auto_close = models.BooleanField(
        "disable automatic status update",
        default=False,
        help_text="Exclude this client from the automatic Active/Inactive status update.",
    )
    # Set once, when the client's personal data is erased (privacy.services): such a client is
    # read-only and never anonymised twice.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    credit_policy = models.CharField(
        "credit policy",
        max_length=9,
        choices=CreditPolicy.choices,
        default=CreditPolicy.DEFAULT,
        # Also in the database: bulk loads that name their columns (the bench, imports) get it.
        db_default=CreditPolicy.DEFAULT,
        help_text="Whether credit pays this client's new invoices automatically. Staff can "
        "always apply credit by hand.",
    )
    # A cached balance, written only by credits.services under a row lock (see credits/).
    credit_balance = money_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Stored rather than an expression index alone: a query that walks rows in id order (the
    # list's first page) compares each row's vector instead of re-parsing its names.
    search_vector = name_search_vector_field()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="client_email_ci_unique",
                violation_error_message=EMAIL_TAKEN,
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["Active", "Inactive", "Closed"]),
                name="client_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(credit_balance__gte=0), name="client_credit_balance_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(credit_policy__in=["default", "never", "full", "available"]),
                name="client_credit_policy_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="client_status_idx"),
            models.Index(fields=["country"], name="client_country_idx"),
            models.Index(fields=["currency"], name="client_currency_idx"),
            models.Index(fields=["created_at"], name="client_created_at_idx"),
            # The retention run's selection (privacy.selectors.retention_candidates): idle
            # Inactive and Closed clients not yet anonymised.
            models.Index(
                fields=["status", "updated_at"],
                condition=models.Q(anonymised_at__isnull=True),
                name="client_retention_idx",
            ),
            # The client list's search (clients.selectors.client_search_filter): word prefixes
            # of name and company by full-text search, email and phone by prefix (LIKE 'x%').
            search_index(fields=["search_vector"], name="client_name_search_idx"),
            models.Index(
                OpClass(Lower("email"), name="text_pattern_ops"), name="client_email_prefix_idx"
            ),
            models.Index(
                OpClass(PHONE_DIGITS, name="text_pattern_ops"), name="client_phone_digits_idx"
            ),
            # The API's GetClients search, by start of field (LIKE 'x%'): a btree range each,
            # where the word index pays for every name holding a common word of the term.
            models.Index(
                OpClass(FULL_NAME_LOWER, name="text_pattern_ops"),
                name="client_full_name_prefix_idx",
            ),
            models.Index(
                OpClass(LAST_NAME_LOWER, name="text_pattern_ops"),
                name="client_last_name_prefix_idx",
            ),
            models.Index(
                OpClass(COMPANY_NAME_LOWER, name="text_pattern_ops"),
                name="client_company_prefix_idx",
            ),
        ]
        permissions = [
            ("change_client_status", "Can change client status"),
            ("manage_client_credit", "Can add and remove client credit"),
            ("adjust_client_balance", "Can edit the credit balance by hand"),
            (
                "change_client_billing",
                "Can change client billing settings (currency, group, tax exemption)",
            ),
            ("export_clients", "Can export the client list as CSV"),
            ("import_clients", "Can import clients from CSV"),
            ("anonymise_client", "Can anonymise clients (erase their personal data)"),
            ("export_client_data", "Can export a client's data"),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} ({self.company_name})" if self.company_name else name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def validate_constraints(self, exclude=None):
        """Every constraint is checked before a save without a query of its own: the status and
        the credit policy are fields with choices, the balance's floor and the unique email are
        checks of ``ClientForm`` and of the services (which the email error names), and the
        database backs all four. Django's own validation asked the database four more
        questions, three in savepoints, on every Profile save."""


class AuditFields(models.Model):
    """Who made a change: a user where there is one, and a label that outlives users and keys."""

    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField("by", max_length=150)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        abstract = True


class ClientEvent(AuditFields):
    """The client's history: status changes, manual balance adjustments, profile edits.

    Append-only. A manual balance adjustment carries ``balance_delta`` so that
    ``credit_balance == sum(credit entries) + sum(balance_delta)`` stays checkable.
    """

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATUS_CHANGED = "status_changed", "Status changed"
        BALANCE_ADJUSTED = "balance_adjusted", "Credit balance edited by hand"
        PROFILE_CHANGED = "profile_changed", "Profile changed"
        CONTACT_ADDED = "contact_added", "Contact added"
        CONTACT_CHANGED = "contact_changed", "Contact changed"
        CONTACT_REMOVED = "contact_removed", "Contact removed"
        NOTE_EDITED = "note_edited", "Note edited"
        NOTE_DELETED = "note_deleted", "Note deleted"
        MERGED = "merged", "Client merged in"
        ANONYMISED = "anonymised", "Personal data erased"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    field = models.CharField(max_length=50, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    balance_delta = money_field(null=True, blank=True, default=None)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "-created_at"], name="clientevent_client_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="balance_adjusted", balance_delta__isnull=False)
                | (~models.Q(kind="balance_adjusted") & models.Q(balance_delta__isnull=True)),
                name="clientevent_delta_only_for_adjustments",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.old_value} → {self.new_value}"

    @property
    def field_label(self) -> str:
        """The field as the Profile labels it ("Credit balance"), not its column name."""
        try:
            return capfirst(Client._meta.get_field(self.field).verbose_name)
        except FieldDoesNotExist:
            return self.field

    @property
    def is_amount(self) -> bool:
        """Its old and new values are money, shown with the client's currency."""
        return self.field in AMOUNT_FIELDS


CONTACT_EMAIL_TAKEN = "This client already has a contact with this email address."
ONE_BILLING_CONTACT = "This client already has a billing contact."
NOTE_MAX_LENGTH = 10_000


class Contact(models.Model):
    """Another person at a client (WHMCS: the client's Contacts tab). Contacts receive the kinds
    of email ticked here as CC of the client's own email; one may be the billing contact."""

    # The unique (client, lower(email)) index leads with client_id and serves every lookup by
    # client, so the foreign key needs no index of its own.
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="contacts", db_index=False
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254)
    phone_number = models.CharField(max_length=32, blank=True)
    address1 = models.CharField("address line 1", max_length=200, blank=True)
    address2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField("state/region", max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, choices=country_choices, blank=True)
    general_emails = models.BooleanField("receives general emails", default=False)
    invoice_emails = models.BooleanField("receives invoice emails", default=False)
    statement_emails = models.BooleanField("receives statement emails", default=False)
    is_billing_contact = models.BooleanField("billing contact", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The client list's search finds a client by a contact's name words (as for the client's).
    search_vector = name_search_vector_field()

    class Meta:
        ordering = ["first_name", "last_name", "id"]
        constraints = [
            models.UniqueConstraint(
                "client",
                Lower("email"),
                name="contact_email_per_client_unique",
                violation_error_message=CONTACT_EMAIL_TAKEN,
            ),
            # WHMCS keeps one billing contact a client (its billingcid); the database holds it.
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(is_billing_contact=True),
                name="contact_one_billing_per_client",
                violation_error_message=ONE_BILLING_CONTACT,
            ),
        ]
        indexes = [
            # The client list's search by a contact (clients.selectors.client_search_filter).
            search_index(fields=["search_vector"], name="contact_name_search_idx"),
            models.Index(
                OpClass(Lower("email"), name="text_pattern_ops"), name="contact_email_prefix_idx"
            ),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def validate_constraints(self, exclude=None):
        """Neither constraint is a form error here: the contact services check the email (as a
        field error, also when the client field is not on the form) and move the billing mark
        from the previous billing contact instead of refusing a second one."""


class ClientNote(models.Model):
    """One entry of the client's notes log (WHMCS: the Notes tab). Sticky notes show as a warning
    on every page about the client. Edits and deletions keep the old text in the history."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="client_notes")
    text = models.TextField(
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH), ProhibitNullCharactersValidator()]
    )
    sticky = models.BooleanField(
        default=False, help_text="Show as a warning on every page about the client."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who wrote it, in words that outlive the user (or API credential).
    author_label = models.CharField("by", max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-created_at"], name="clientnote_client_idx"),
            # The sticky banner on every client page reads only these few rows.
            models.Index(
                fields=["client"], condition=models.Q(sticky=True), name="clientnote_sticky_idx"
            ),
        ]
        permissions = [
            ("change_others_clientnote", "Can edit and delete other staff's client notes"),
        ]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 60 else f"{self.text[:59]}…"


class EmailLog(models.Model):
    """Every email to a client, from the moment it is queued (in the transaction of its cause)
    until a worker has sent it or given up. The rendered message is kept here, so a worker, a
    retry or a resend sends exactly what was recorded (the ``emails`` app does the sending)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="emails")
    # What the email is about ("welcome", "statement", ...): copy-to rules are chosen by kind.
    kind = models.CharField(max_length=30, blank=True)
    template = models.CharField(max_length=50)
    to_address = models.EmailField(max_length=254)
    cc = ArrayField(models.EmailField(max_length=254), default=list, blank=True)
    from_email = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    # Set once when queued: every attempt sends the same Message-ID, so a copy that did get
    # through twice (a worker lost after the server accepted it) is recognisable as one message.
    message_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField("last error", blank=True)
    created_at = models.DateTimeField("queued at", auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # While "sending": the worker holding the message has it until then; after that it is
    # presumed dead and the message goes back to the queue.
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField("queued by", max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-created_at"], name="emaillog_client_idx"),
            # The Emails list: newest first, filtered by status or kind.
            models.Index(fields=["-created_at", "-id"], name="emaillog_created_idx"),
            models.Index(fields=["status", "-created_at"], name="emaillog_status_idx"),
            models.Index(fields=["kind", "-created_at"], name="emaillog_kind_idx"),
            # The sweep for messages whose worker died: only the few rows being sent.
            models.Index(
                fields=["lease_until"],
                name="emaillog_sending_lease_idx",
                condition=models.Q(status="sending"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "sending", "sent", "failed"]),
                name="emaillog_status_valid",
            ),
        ]
        permissions = [("send_client_email", "Can retry and resend client emails")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_address} ({self.status})"


class ClientDeletion(AuditFields):
    """A record of a deleted client that outlives it: who deleted whom, and what went with it."""

    client_id = models.BigIntegerField(db_index=True)
    client_name = models.CharField(max_length=320)
    client_email = models.EmailField(max_length=254)
    removed_counts = models.JSONField(default=dict, blank=True)  # {} for a client with nothing
    kept_transactions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Deleted client #{self.client_id} — {self.client_name}"


class ClientImport(AuditFields):
    """A CSV import: the uploaded file between its preview and its confirmation, and what the
    import did. The file's text is cleared once imported: the clients hold the data now."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        IMPORTED = "imported", "Imported"
        REFUSED = "refused", "Refused"

    filename = models.CharField(max_length=255)
    content = models.TextField(blank=True)
    update_existing = models.BooleanField(default=False)
    skip_invalid = models.BooleanField(default=False)
    send_welcome_email = models.BooleanField(default=False)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PREVIEWED)
    # The dry run's findings, then the import's: counts, problems, the column mapping, a preview.
    report = models.JSONField(default=dict, blank=True)
    rejects_csv = models.TextField(blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.filename} ({self.get_status_display()})"


class ClientDataExport(AuditFields):
    """A record of each export of a client's data (GDPR access and portability): who, when, why."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="data_exports")
    reason = models.CharField("stated reason", max_length=500)
    format_version = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "-created_at"], name="clientexport_client_idx")]

    def __str__(self) -> str:
        return f"Export of client #{self.client_id} by {self.actor_label}"
