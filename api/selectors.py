"""Reads the API needs that no other app offers: a client's statistics (GetClientsDetails)."""

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from api.protocol import money
from billing_admin.money import ZERO
from clients.models import Client
from invoices.models import ClientService, Invoice
from invoices.selectors import OPEN_STATUSES
from transactions.models import Transaction

# GetClientsDetails stats key -> the invoice status it counts.
INVOICE_COUNTS = {
    "numpaidinvoices": Invoice.Status.PAID,
    "numunpaidinvoices": Invoice.Status.UNPAID,
    "numcancelledinvoices": Invoice.Status.CANCELLED,
    "numrefundedinvoices": Invoice.Status.REFUNDED,
    "numcollectionsinvoices": Invoice.Status.COLLECTIONS,
    "numpaymentpendinginvoices": Invoice.Status.PAYMENT_PENDING,
    "numDraftInvoices": Invoice.Status.DRAFT,
}


def client_stats(client: Client) -> dict:
    """WHMCS's client statistics in three aggregate queries (invoices, services, income)."""
    today = timezone.localdate()
    due = Q(status__in=OPEN_STATUSES)
    overdue = due & Q(due_date__lt=today)
    balance_due = F("total") - F("credit_applied") - F("amount_paid")
    invoices = Invoice.objects.filter(client=client).aggregate(
        numdueinvoices=Count("pk", filter=due),
        dueinvoicesbalance=Coalesce(Sum(balance_due, filter=due), ZERO),
        numoverdueinvoices=Count("pk", filter=overdue),
        overdueinvoicesbalance=Coalesce(Sum(balance_due, filter=overdue), ZERO),
        **{key: Count("pk", filter=Q(status=status)) for key, status in INVOICE_COUNTS.items()},
    )
    services = ClientService.objects.filter(client=client).aggregate(
        productsnumactive=Count("pk", filter=Q(status=ClientService.Status.ACTIVE)),
        productsnumtotal=Count("pk"),
    )
    income = Transaction.objects.filter(client=client).aggregate(
        gross=Coalesce(Sum("amount_in"), ZERO),
        net=Coalesce(Sum(F("amount_in") - F("fees") - F("amount_out")), ZERO),
    )
    suffix = f" {client.currency}"
    return {
        **invoices,
        "dueinvoicesbalance": money(invoices["dueinvoicesbalance"]) + suffix,
        "overdueinvoicesbalance": money(invoices["overdueinvoicesbalance"]) + suffix,
        **services,
        "incredit": client.credit_balance > ZERO,
        "creditbalance": money(client.credit_balance) + suffix,
        "grossRevenue": money(income["gross"]) + suffix,
        "income": money(income["net"]) + suffix,
    }
