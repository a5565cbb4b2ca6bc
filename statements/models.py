from django.db import models

from clients.models import AuditFields, Client


class SentStatement(AuditFields):
    """A statement emailed for a period: send_statements sends each (client, period) once, and a
    run that stopped half-way resumes by skipping the clients it finds here."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sent_statements")
    period_start = models.DateField()
    period_end = models.DateField()
    to_address = models.EmailField(max_length=254)
    # The EmailLog row of the send (its status says whether the mail server took it).
    email_log = models.ForeignKey(
        "clients.EmailLog", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The command's "never twice" and its resume both read this (client, period) key;
            # --resend deletes the row first, so the unique index stays true.
            models.UniqueConstraint(
                fields=["client", "period_start", "period_end"], name="sentstatement_once"
            )
        ]
        indexes = [
            # send_statements skips the clients already sent for a period: by period first.
            models.Index(fields=["period_start", "period_end"], name="sentstatement_period_idx")
        ]

    def __str__(self) -> str:
        return f"Statement {self.period_start}..{self.period_end} to {self.to_address}"
