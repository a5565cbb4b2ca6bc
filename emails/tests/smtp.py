"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the queue's tests and bench, and a worker to
run in a test: the database worker of django-tasks-db, as ``manage.py db_worker`` runs it."""

import asyncio
import email
import socket
import threading
from collections import Counter
from email import policy

from aiosmtpd.controller import Controller
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker

from emails.tasks import close_connection

ACCEPTED = "250 OK"
TRY_LATER = "451 4.3.0 Try again later"
NO_SUCH_USER = "550 5.1.1 No such user here"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SinkHandler:
    """Accepts every message (or refuses the first ``refuse`` ones with ``refusal``, or holds
    each DATA until ``release`` is set) and keeps what arrived."""

    def __init__(self, *, refuse: int = 0, refusal: str = TRY_LATER, hold: bool = False):
        self.refuse = refuse
        self.refusal = refusal
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.holding = threading.Event()  # set while a message waits for release
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusal.startswith("5") and self.refuse:
            self.refuse -= 1
            return self.refusal
        envelope.rcpt_tos.append(address)
        return ACCEPTED

    async def handle_DATA(self, server, session, envelope):
        if not self.release.is_set():
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
        if self.refuse:
            self.refuse -= 1
            return self.refusal
        with self.lock:
            self.envelopes.append(envelope)
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return ACCEPTED

    def message_ids(self) -> Counter:
        with self.lock:
            return Counter(message["Message-ID"] for message in self.messages)


class SmtpServer:
    """``with SmtpServer(handler) as server:`` serves on ``server.port`` until the block ends."""

    def __init__(self, handler: SinkHandler):
        self.handler = handler
        self.port = free_port()
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.handler.release.set()
        close_connection()
        self.controller.stop()

    def settings(self) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }


def run_worker(worker_id: str = "test-worker") -> None:
    """Run a database worker until no task is ready, as ``db_worker --batch`` does, on this
    thread's own database connection (closed at the end, so a test thread leaves none open)."""
    # A worker keeps its connection between tasks (CONN_MAX_AGE in production); the test
    # settings' 0 would reconnect for every task, which measures nothing but connecting.
    connection.settings_dict = {**connection.settings_dict, "CONN_MAX_AGE": None}
    try:
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        ).run()
    finally:
        close_connection()
        connection.close()
