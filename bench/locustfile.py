"""Staff at work, for ``make bench ARGS="--load"`` (bench/load.py starts gunicorn and Locust).

Each simulated staff member logs in with its own account, then clicks through what a billing
clerk does all day, with a think time of 0.5-1.5 s (none in the capacity scenarios): the client
list and its search, a Summary, the Manage Credits popup, Add Credit, a Profile save and an
invoice page. The weights are the proportions of a working day (lists and searches most, writes
least).

The staff arrive at once: their logins and first clicks come as one burst, while each gunicorn
worker still compiles its templates. The statistics start ``BENCH_SETTLE_SECONDS`` after the
start, so a run measures the working day that follows, not the arrival.
"""

import itertools
import os
import random
import re
from html.parser import HTMLParser

import gevent
from locust import HttpUser, between, constant, events, task

CLIENTS = int(os.environ["BENCH_CLIENTS"])
INVOICES = int(os.environ["BENCH_INVOICES"])
PASSWORD = os.environ["BENCH_STAFF_PASSWORD"]
STAFF = int(os.environ["BENCH_STAFF"])
STAFF_NUMBERS = itertools.count()
SEARCHES = ["olivia.smith1", "Castillo", "Northwind", "james", "+44.20"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SETTLE_SECONDS = float(os.environ.get("BENCH_SETTLE_SECONDS", "0"))
# Off for bench/load.py's capacity scenarios: staff clicking without a pause, as many pages as
# the workers can serve.
THINK_TIME = between(0.5, 1.5) if os.environ.get("BENCH_THINK_TIME", "on") == "on" else constant(0)


@events.test_start.add_listener
def _measure_after_settling(environment, **kwargs):
    # Locust's own --reset-stats fires once the users are spawned, before their logins answer.
    gevent.spawn_later(SETTLE_SECONDS, environment.stats.reset_all)


class FormValues(HTMLParser):
    """The values a browser would post back from a form (inputs, ticked boxes, selections)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.values[name] = attrs.get("value") or (
                "on" if attrs.get("type") == "checkbox" else ""
            )
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


class Staff(HttpUser):
    wait_time = THINK_TIME

    def on_start(self):
        self.username = f"load{next(STAFF_NUMBERS) % STAFF}"
        page = self.client.get("/admin/login/", name="login")
        token = CSRF.search(page.text).group(1)
        self.client.post(
            "/admin/login/?next=/admin/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token,
                "next": "/admin/",
            },
            name="login",
        )

    def client_id(self) -> int:
        return random.randint(1, CLIENTS)

    @task(6)
    def client_list(self):
        self.client.get("/admin/clients/client/", name="client list")

    @task(4)
    def search(self):
        self.client.get(f"/admin/clients/client/?q={random.choice(SEARCHES)}", name="search")

    @task(4)
    def summary(self):
        self.client.get(f"/admin/clients/client/{self.client_id()}/summary/", name="summary")

    @task(2)
    def manage_credits(self):
        self.client.get(
            f"/admin/clients/client/{self.client_id()}/credits/?_popup=1", name="manage credits"
        )

    @task(1)
    def add_credit(self):
        url = f"/admin/clients/client/{self.client_id()}/credits/add/?_popup=1"
        form = self.client.get(url, name="add credit (form)")
        values = FormValues()
        values.feed(form.text)
        values.values.update(description="Load test goodwill", amount="1.00")
        self.client.post(url, values.values, name="add credit (save)")

    @task(1)
    def profile_save(self):
        url = f"/admin/clients/client/{self.client_id()}/change/"
        form = self.client.get(url, name="profile (form)")
        values = FormValues()
        values.feed(form.text)
        values.values["_save"] = "Save"
        self.client.post(url, values.values, name="profile (save)")

    @task(2)
    def invoice(self):
        self.client.get(
            f"/admin/invoices/invoice/{random.randint(1, INVOICES)}/change/", name="invoice"
        )
