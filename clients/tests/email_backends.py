"""An email backend for tests that behaves like an unreachable mail server."""

from django.core.mail.backends.base import BaseEmailBackend

MAIL_SERVER_DOWN = "Connection refused by mail.example.com"


class FailingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(MAIL_SERVER_DOWN)
