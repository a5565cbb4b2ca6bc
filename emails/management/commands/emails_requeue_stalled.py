"""``manage.py emails_requeue_stalled``: queue again the emails whose worker died while sending.

Every worker already sweeps now and then before a message; this is for cron, so a message
stranded while no email is being sent goes out without waiting for the next one.
"""

from django.core.management.base import BaseCommand

from emails.tasks import SWEEP_BATCH, requeue_stalled


class Command(BaseCommand):
    help = "Queue again the emails left 'sending' past their lease by a worker that stopped."

    def handle(self, *args, **options):
        requeued = total = 0
        while True:
            requeued = len(requeue_stalled())
            total += requeued
            if requeued < SWEEP_BATCH:
                break
        self.stdout.write(f"{total} email(s) queued again.")
