"""Admin for a client's contacts and notes log, reached from the client's Summary.

Each is an ordinary admin (add, change, delete) whose writes go through the contact and note
services; after a save or a deletion staff return to the client's Summary. The Summary itself
gets its Contacts and Notes sections and Quick Links from ``ContactsAndNotesAdminMixin``.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from billing_admin.admin_mixins import ServiceErrorAsMessageMixin
from clients.admin_links import ORDER_DEFAULT, QuickLink
from clients.admin_pagination import EstimatedCountPaginator
from clients.admin_tabs import (
    TAB_CONTACTS,
    TAB_NOTES,
    ClientFilter,
    ClientTabsChangelistMixin,
    model_list_tab,
    register_client_tab,
)
from clients.models import CONTACT_EMAIL_TAKEN, Client, ClientNote, Contact
from clients.selectors import client_contacts, client_notes
from clients.services import (
    CONTACT_FIELDS,
    client_note_add,
    client_note_delete,
    client_note_update,
    contact_create,
    contact_delete,
    contact_email_in_use,
    contact_update,
    note_editable_by,
)

SUMMARY_NOTES = 10
ORDER_ADD_CONTACT = ORDER_DEFAULT + 1
ORDER_ADD_NOTE = ORDER_DEFAULT + 2
MSG_BILLING_CONTACT = "%(contact)s is now the billing contact."


def summary_url(client_id: int) -> str:
    return reverse("admin:clients_client_summary", args=[client_id])


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["client", *CONTACT_FIELDS]
        help_texts = {
            "is_billing_contact": "One per client: marking this contact moves the mark here.",
        }

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        client_id = self.instance.client_id or getattr(self.cleaned_data.get("client"), "pk", None)
        if client_id and contact_email_in_use(client_id, email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(CONTACT_EMAIL_TAKEN)
        return email


class ClientRecordAdmin(ServiceErrorAsMessageMixin, ClientTabsChangelistMixin, admin.ModelAdmin):
    """Shared by contacts and notes: rows of one client, opened from its Summary or its tab
    (``?client=<id>``, for the list and the add page alike), written by services, and back to
    the Summary afterwards."""

    raw_id_fields = ["client"]
    list_filter = [ClientFilter]
    list_select_related = ["client"]
    list_per_page = 50
    ordering = ["-id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    @admin.display(description="Client", ordering="client_id")
    def client_link(self, obj) -> str:
        return format_html('<a href="{}">{}</a>', summary_url(obj.client_id), obj.client)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "client"] if obj is not None else readonly

    def get_actions(self, request):
        # The stock bulk delete would bypass the services (and the history they write).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def _back_to_summary(self, request, obj, response):
        if "_continue" in request.POST or "_addanother" in request.POST or "_popup" in request.POST:
            return response
        return HttpResponseRedirect(summary_url(obj.client_id))

    def response_add(self, request, obj, post_url_continue=None):
        return self._back_to_summary(request, obj, super().response_add(request, obj))

    def response_change(self, request, obj):
        return self._back_to_summary(request, obj, super().response_change(request, obj))

    def response_delete(self, request, obj_display, obj_id):
        response = super().response_delete(request, obj_display, obj_id)
        client_id = getattr(request, "_deleted_client_id", None)
        return HttpResponseRedirect(summary_url(client_id)) if client_id else response

    def delete_model(self, request, obj):
        # response_delete() is given only the deleted row's id: keep its client's for it.
        request._deleted_client_id = obj.client_id
        self.delete_with_service(request, obj)

    def delete_with_service(self, request, obj) -> None:
        raise NotImplementedError


register_client_tab(model_list_tab("contacts", "Contacts", Contact, TAB_CONTACTS))
register_client_tab(model_list_tab("notes", "Notes", ClientNote, TAB_NOTES))


@admin.register(Contact)
class ContactAdmin(ClientRecordAdmin):
    form = ContactForm
    client_tab = "contacts"
    list_display = ["name", "email", "client_link", "receives", "is_billing_contact"]
    fieldsets = [
        (None, {"fields": ["client"]}),
        ("Contact", {"fields": [("first_name", "last_name"), "company_name", "email"]}),
        (
            "Address",
            {
                "fields": ["phone_number", "address1", "address2", "city", "state", "postcode"]
                + ["country"],
                "classes": ["collapse"],
            },
        ),
        (
            "Emails",
            {
                "fields": [
                    "general_emails",
                    "invoice_emails",
                    "statement_emails",
                    "is_billing_contact",
                ],
                "description": "The contact is copied (CC) on the client's emails of the kinds "
                "ticked here. The welcome email goes to the client only.",
            },
        ),
    ]

    @admin.display(description="Name", ordering="first_name")
    def name(self, contact: Contact) -> str:
        return contact.full_name

    @admin.display(description="Receives")
    def receives(self, contact: Contact) -> str:
        kinds = [
            label
            for label, flag in (
                ("general", contact.general_emails),
                ("invoice", contact.invoice_emails),
                ("statement", contact.statement_emails),
            )
            if flag
        ]
        return ", ".join(kinds) or "—"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            contact = contact_create(
                client_id=data["client"].pk,
                actor=request.user,
                **{field: data[field] for field in CONTACT_FIELDS},
            )
            obj.pk = contact.pk
            return
        changed = {field: data[field] for field in CONTACT_FIELDS if field in form.changed_data}
        if changed:
            contact_update(contact_id=obj.pk, actor=request.user, **changed)

    def delete_with_service(self, request, obj) -> None:
        contact_delete(contact_id=obj.pk, actor=request.user)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/make-billing-contact/",
                self.admin_site.admin_view(self.make_billing_contact_view),
                name="clients_contact_make_billing",
            ),
            *super().get_urls(),
        ]

    def make_billing_contact_view(self, request, object_id):
        """Mark billing contact, a button in the Summary's Contacts section (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        contact = self.get_object(request, unquote(object_id))
        if contact is None:
            raise Http404(f"Contact {object_id!r} does not exist.")
        if not self.has_change_permission(request, contact):
            raise PermissionDenied
        contact_update(contact_id=contact.pk, actor=request.user, is_billing_contact=True)
        messages.success(request, MSG_BILLING_CONTACT % {"contact": contact.full_name})
        return HttpResponseRedirect(summary_url(contact.client_id))


class ClientNoteForm(forms.ModelForm):
    class Meta:
        model = ClientNote
        fields = ["client", "text", "sticky"]
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}


@admin.register(ClientNote)
class ClientNoteAdmin(ClientRecordAdmin):
    """The notes log. Staff change and delete their own notes; with
    ``clients.change_others_clientnote`` (Billing administrators) anyone's."""

    form = ClientNoteForm
    client_tab = "notes"
    list_display = ["created_at", "client_link", "short_text", "sticky", "author_label"]
    fields = ["client", "text", "sticky"]

    @admin.display(description="Note")
    def short_text(self, note: ClientNote) -> str:
        return str(note)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or note_editable_by(obj, request.user))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or note_editable_by(obj, request.user))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            note = client_note_add(
                client_id=data["client"].pk,
                actor=request.user,
                text=data["text"],
                sticky=data["sticky"],
            )
            obj.pk = note.pk
            return
        client_note_update(
            note_id=obj.pk, actor=request.user, text=data["text"], sticky=data["sticky"]
        )

    def delete_with_service(self, request, obj) -> None:
        client_note_delete(note_id=obj.pk, actor=request.user)


class ContactsAndNotesAdminMixin:
    """For ClientAdmin: the Summary's Contacts and Notes sections and their Quick Links."""

    def get_summary_context(self, request, client: Client) -> dict:
        user = request.user
        notes = client_notes(client)[:SUMMARY_NOTES]
        return {
            **super().get_summary_context(request, client),
            "contacts": client_contacts(client),
            "can_change_contacts": user.has_perm("clients.change_contact"),
            "can_add_contacts": user.has_perm("clients.add_contact"),
            # (note, may this user edit it?): decided here, the template cannot ask per note.
            "notes": [
                (note, user.has_perm("clients.change_clientnote") and note_editable_by(note, user))
                for note in notes
            ],
            "can_add_notes": user.has_perm("clients.add_clientnote"),
        }

    def get_quick_links(self, request, client: Client) -> list[QuickLink]:
        links = super().get_quick_links(request, client)
        query = f"?client={client.pk}"
        if request.user.has_perm("clients.add_contact"):
            links.append(
                QuickLink(
                    label="Add Contact",
                    url=reverse("admin:clients_contact_add") + query,
                    order=ORDER_ADD_CONTACT,
                )
            )
        if request.user.has_perm("clients.add_clientnote"):
            links.append(
                QuickLink(
                    label="Add Note",
                    url=reverse("admin:clients_clientnote_add") + query,
                    order=ORDER_ADD_NOTE,
                )
            )
        return links
