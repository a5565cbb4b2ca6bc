"""The client's notes log: adding notes, editing and deleting them.

Staff edit and delete their own notes; editing or deleting someone else's needs the
``clients.change_others_clientnote`` permission (Billing administrators hold it). The old text of
an edited or deleted note stays in the client's history, so nothing written is ever lost.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from billing_admin.actors import actor_fields, actor_user
from clients.models import Client, ClientEvent, ClientNote

NOTE_EMPTY = "Write the note's text."
NOTE_NOT_YOURS = "Only its author or a billing administrator can change or delete this note."
CHANGE_OTHERS_PERMISSION = "clients.change_others_clientnote"


def note_editable_by(note: ClientNote, actor) -> bool:
    """Whether ``actor`` (a user, an API credential or None for the system) may edit ``note``."""
    if actor is None:
        return True
    user = actor_user(actor)
    if user is None:
        return False
    return note.author_id == user.pk or user.has_perm(CHANGE_OTHERS_PERMISSION)


def _validate(note: ClientNote) -> None:
    note.text = (note.text or "").strip()
    if not note.text:
        raise ValidationError({"text": NOTE_EMPTY})
    note.full_clean(exclude=["client", "author"])


def _locked_note(note_id: int, actor) -> ClientNote:
    note = ClientNote.objects.select_for_update().get(pk=note_id)
    if not note_editable_by(note, actor):
        raise PermissionDenied(NOTE_NOT_YOURS)
    return note


@transaction.atomic
def client_note_add(*, client_id: int, actor, text: str, sticky: bool = False) -> ClientNote:
    """Add a note to the client's log, written by ``actor``."""
    if not Client.objects.filter(pk=client_id).exists():
        raise Client.DoesNotExist(f"Client {client_id} does not exist.")
    fields = actor_fields(actor)
    note = ClientNote(
        client_id=client_id,
        text=text,
        sticky=sticky,
        author=fields["actor_user"],
        author_label=fields["actor_label"],
    )
    _validate(note)
    note.save()
    return note


@transaction.atomic
def client_note_update(
    *, note_id: int, actor, text: str | None = None, sticky: bool | None = None
) -> ClientNote:
    """Edit a note's text or sticky flag; the history keeps the old values."""
    note = _locked_note(note_id, actor)
    old_text, old_sticky = note.text, note.sticky
    if text is not None:
        note.text = text
    if sticky is not None:
        note.sticky = sticky
    _validate(note)
    events = []
    if note.text != old_text:
        events.append(("text", old_text, note.text))
    if note.sticky != old_sticky:
        events.append(("sticky", str(old_sticky), str(note.sticky)))
    if not events:
        return note
    note.edited_at = timezone.now()
    note.save(update_fields=["text", "sticky", "edited_at"])
    ClientEvent.objects.bulk_create(
        ClientEvent(
            client_id=note.client_id,
            kind=ClientEvent.Kind.NOTE_EDITED,
            field=f"note #{note.pk} {what}",
            old_value=old,
            new_value=new,
            **actor_fields(actor),
        )
        for what, old, new in events
    )
    return note


@transaction.atomic
def client_note_delete(*, note_id: int, actor) -> None:
    """Delete a note; its text stays in the client's history."""
    note = _locked_note(note_id, actor)
    ClientEvent.objects.create(
        client_id=note.client_id,
        kind=ClientEvent.Kind.NOTE_DELETED,
        field=f"note #{note.pk}",
        old_value=note.text,
        **actor_fields(actor),
    )
    note.delete()
