"""The record of a merge: which client went into which, who did it, and what moved.

It outlives the source client, so the source's id keeps resolving to the client it became part
of (the admin redirects its old Summary URL, the API answers for it: ``merges.selectors``).
"""

from django.db import models

from clients.models import AuditFields, Client


class ClientMerge(AuditFields):
    source_id = models.BigIntegerField(unique=True)
    source_name = models.CharField(max_length=320)
    source_email = models.EmailField(max_length=254)
    # Merging the target into another client later re-points this row, so old ids follow.
    target = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="merged_clients")
    moved_counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("merge_clients", "Can merge one client into another")]

    def __str__(self) -> str:
        return f"Client #{self.source_id} ({self.source_name}) merged into #{self.target_id}"
