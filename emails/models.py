"""What the email queue keeps beside the client's email log (``clients.EmailLog``)."""

from django.db import models

from clients.models import EmailLog


class EmailAttachment(models.Model):
    """A file sent with a queued email, kept as bytes so every attempt sends the same file (a
    statement's PDF is rendered once, when the statement is made, not again by the worker)."""

    email = models.ForeignKey(EmailLog, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    mimetype = models.CharField(max_length=100)
    content = models.BinaryField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["email"], name="emailattachment_email_idx")]

    def __str__(self) -> str:
        return self.filename
