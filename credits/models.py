from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import Q
from django.utils import timezone

from billing_admin.money import money_field
from billing_admin.search_indexes import search_index
from clients.models import AuditFields, Client

# The sign each kind of entry must carry; the database's CHECK and the services use these.
POSITIVE_KINDS = ["added", "unapplied", "overpayment", "refund"]
NEGATIVE_KINDS = ["removed", "applied", "overpayment_reversed"]

# Word search in descriptions; the admin's query must use this same expression to hit the index.
DESCRIPTION_SEARCH_VECTOR = SearchVector("description", config="simple")


class CreditEntry(AuditFields):
    """One line of a client's credit log. Append-only: a mistake is corrected by a new entry.

    ``amount`` is signed: positive adds to the balance, negative takes from it. The database
    checks the sign against the kind, so a "removed" entry can never add money.
    """

    class Kind(models.TextChoices):
        ADDED = "added", "Added by staff"
        REMOVED = "removed", "Removed by staff"
        APPLIED = "applied", "Applied to invoice"
        UNAPPLIED = "unapplied", "Removed from invoice"
        OVERPAYMENT = "overpayment", "Overpayment"
        REFUND = "refund", "Refund to credit"
        # The credit an overpayment added, taken back because its transaction was deleted.
        OVERPAYMENT_REVERSED = "overpayment_reversed", "Overpayment reversed"

    # Every insert pays for every index, and Add Credit is the hottest write: the client's
    # entries are found through creditentry_client_idx (it leads with client), and nothing reads
    # entries by created_at (the log is ordered and filtered by date), so neither gets its own.
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="credit_entries", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    date = models.DateField(default=timezone.localdate)
    description = models.CharField(max_length=255)
    amount = money_field(default=None)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Entries that concern an invoice (applied credit, overpayment) point at it.
    invoice = models.ForeignKey(
        "invoices.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_entries",
    )
    # Sent by the Add/Remove Credit form; a second submit of the same form (a double click, a
    # retried request) finds this entry instead of moving the balance twice.
    request_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "credit entries"
        indexes = [
            models.Index(fields=["client", "-date", "-id"], name="creditentry_client_idx"),
            # The credit log admin: newest first, by kind, and word search in descriptions.
            models.Index(fields=["-date", "-id"], name="creditentry_date_idx"),
            models.Index(fields=["kind", "-date", "-id"], name="creditentry_kind_date_idx"),
            search_index(DESCRIPTION_SEARCH_VECTOR, name="creditentry_description_fts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=POSITIVE_KINDS, amount__gt=0)
                | Q(kind__in=NEGATIVE_KINDS, amount__lt=0),
                name="creditentry_amount_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.description}: {self.amount}"
