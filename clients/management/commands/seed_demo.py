from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from clients.models import Client, ClientGroup
from clients.services import client_create, client_set_status
from credits.services import add_credit

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
            if n % 3 == 0:
                add_credit(
                    client_id=client.pk,
                    amount=Decimal(10 + n),
                    description="Welcome credit",
                    actor=None,
                )
        self.stdout.write(self.style.SUCCESS(f"Loaded {DEMO_CLIENT_COUNT} demo clients."))
