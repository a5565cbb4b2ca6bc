from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clients.models import Client, ClientGroup
from clients.services import client_create, client_note_add, client_set_status, contact_create
from credits.services import add_credit
from customfields.models import FieldType
from customfields.services import client_set_custom_field_values, custom_field_create
from invoices.models import ClientService, Invoice
from invoices.services import client_service_create, invoices_generate, payment_record

DEMO_EMAIL_DOMAIN = "demo.example.com"

FIRST_NAMES = [
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Radia",
    "Tim",
    "Frances",
    "John",
]
LAST_NAMES = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Perlman",
]
COMPANIES = [
    "",
    "Analytical Engines Ltd",
    "Cobol Systems",
    "",
    "Kernel Hosting",
    "Apollo Web",
    "",
    "Unix Partners",
]
PLACES = [
    ("GB", "London", "Greater London", "EC1A 1BB", "GBP"),
    ("US", "Austin", "TX", "73301", "USD"),
    ("DE", "Berlin", "Berlin", "10115", "EUR"),
    ("FR", "Lyon", "Auvergne-Rhône-Alpes", "69001", "EUR"),
    ("CA", "Toronto", "ON", "M5H 2N2", "CAD"),
]
DEMO_CLIENT_COUNT = 36
# What the open clients hold: (product, billing cycle, price).
PRODUCTS = [
    ("Shared Hosting - Starter", ClientService.BillingCycle.MONTHLY, Decimal("9.99")),
    ("VPS 2 GB", ClientService.BillingCycle.MONTHLY, Decimal("24.00")),
    ("Business Email", ClientService.BillingCycle.MONTHLY, Decimal("6.00")),
    ("Domain registration (.com)", ClientService.BillingCycle.ANNUALLY, Decimal("14.95")),
]
# Every fourth client has an accounts contact (its billing contact, copied on invoices) and a
# note; every eighth note is sticky, so the warning banner shows on a few clients' pages.
CONTACT_EVERY = 4
STICKY_NOTES = [
    "Pays by bank transfer only: do not chase card payments.",
    "Reseller: check with the account manager before suspending anything.",
]
NOTES = ["Asked about moving to annual billing.", "Prefers email over phone calls."]
SUPPORT_PLANS = ["Standard", "Priority", "Enterprise"]
# Every sixth client Inactive and every ninth Closed, the rest Active (as a real book looks).
INACTIVE_EVERY = 6
CLOSED_EVERY = 9


class Command(BaseCommand):
    help = "Load demo clients once (a few dozen, in every status). Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        if Client.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").exists():
            self.stdout.write("Demo data is already loaded; nothing to do.")
            return
        vip, _ = ClientGroup.objects.get_or_create(name="VIP", defaults={"colour": "#f5c542"})
        resellers, _ = ClientGroup.objects.get_or_create(
            name="Resellers", defaults={"colour": "#6fa8dc"}
        )
        groups = [None, None, vip, resellers]
        for n in range(DEMO_CLIENT_COUNT):
            first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[n % len(LAST_NAMES)]
            country, city, state, postcode, currency = PLACES[n % len(PLACES)]
            client = client_create(
                actor=None,
                first_name=first,
                last_name=last,
                company_name=COMPANIES[n % len(COMPANIES)],
                email=f"{first}.{last}.{n}@{DEMO_EMAIL_DOMAIN}".lower(),
                phone_number=f"+44.20{n:08d}",
                address1=f"{n + 1} Demo Street",
                city=city,
                state=state,
                postcode=postcode,
                country=country,
                currency=currency,
                group=groups[n % len(groups)],
            )
            if n % CLOSED_EVERY == CLOSED_EVERY - 1:
                client_set_status(client_id=client.pk, status=Client.Status.CLOSED, actor=None)
            elif n % INACTIVE_EVERY == INACTIVE_EVERY - 1:
                client_set_status(client_id=client.pk, status=Client.Status.INACTIVE, actor=None)
            if n % CONTACT_EVERY == 0:
                self._contact_and_note(client, n)
            if n % 3 == 0:
                add_credit(
                    client_id=client.pk,
                    amount=Decimal(10 + n),
                    description="Welcome credit",
                    actor=None,
                )
        self._custom_fields(Client.objects.order_by("pk"))
        invoices = self._bill(Client.objects.exclude(status=Client.Status.CLOSED).order_by("pk"))
        self.stdout.write(
            self.style.SUCCESS(f"Loaded {DEMO_CLIENT_COUNT} demo clients and {invoices} invoices.")
        )

    def _contact_and_note(self, client: Client, n: int) -> None:
        contact_create(
            client_id=client.pk,
            actor=None,
            first_name="Accounts",
            last_name=client.last_name,
            email=f"accounts.{n}@{DEMO_EMAIL_DOMAIN}",
            invoice_emails=True,
            statement_emails=True,
            is_billing_contact=True,
        )
        sticky = n % (2 * CONTACT_EVERY) == 0
        texts = STICKY_NOTES if sticky else NOTES
        client_note_add(
            client_id=client.pk, actor=None, text=texts[n // CONTACT_EVERY % 2], sticky=sticky
        )

    def _custom_fields(self, clients) -> None:
        """Two custom client fields as a billing team would define them, filled in."""
        plan = custom_field_create(
            actor=None,
            name="Support plan",
            field_type=FieldType.DROPDOWN,
            options=", ".join(SUPPORT_PLANS),
            description="The support level the client pays for.",
            show_in_list=True,
            filterable=True,
            sort_order=1,
        )
        vat = custom_field_create(
            actor=None,
            name="VAT number",
            field_type=FieldType.TEXT,
            searchable=True,
            sort_order=2,
        )
        for n, client in enumerate(clients):
            # Mostly Standard, as a real book looks.
            values = {plan.pk: SUPPORT_PLANS[0 if n % 4 < 2 else n % 4 - 1]}
            if client.country == "GB":
                values[vat.pk] = f"GB{100000000 + n * 7919}"
            client_set_custom_field_values(
                client_id=client.pk, values=values, actor=None, new_client=True
            )

    def _bill(self, clients) -> int:
        """A service each, today's invoice run (which applies the welcome credit), and payments
        for every other invoice still unpaid: what Invoices and Transactions show at first."""
        today = timezone.localdate()
        for n, client in enumerate(clients):
            product, cycle, price = PRODUCTS[n % len(PRODUCTS)]
            client_service_create(
                client_id=client.pk,
                actor=None,
                product_name=product,
                billing_cycle=cycle,
                recurring_amount=price,
                status=ClientService.Status.ACTIVE,
                registration_date=today - timedelta(days=30 * (n % 12 + 1)),
                next_due_date=today - timedelta(days=n % 5),
            )
        created = invoices_generate(today=today).invoices
        unpaid = Invoice.objects.filter(status=Invoice.Status.UNPAID).order_by("pk")
        # Payment methods by module name, as the admin and the API store them.
        gateways = list(settings.PAYMENT_METHODS)
        for n, invoice in enumerate(unpaid.only("pk")[::2]):
            payment_record(
                invoice_id=invoice.pk,
                gateway=gateways[n % len(gateways)],
                transaction_id=f"DEMO-{invoice.pk:05d}",
                actor=None,
            )
        return created
