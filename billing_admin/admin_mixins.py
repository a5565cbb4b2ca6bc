"""Admin building blocks shared by the apps."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext

from billing_admin.html import format_html
from billing_admin.object_urls import object_url
from billing_admin.parsing import parse_positive_int


class CheckedSelectionMixin:
    """A list action posted with a selected row that is not an id (a tampered or hand-made
    form) gets the admin's own "Items must be selected" message: Django would hand the value to
    the action's queryset, which fails with a server error when the action reads it."""

    def response_action(self, request, queryset):
        primary_key = self.model._meta.pk
        try:
            for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
                primary_key.to_python(value)
        except ValidationError:
            self.message_user(
                request,
                gettext(
                    "Items must be selected in order to perform actions on them. No items have "
                    "been changed."
                ),
                messages.WARNING,
            )
            return None
        return super().response_action(request, queryset)


class AuditLogAdmin(CheckedSelectionMixin, admin.ModelAdmin):
    """An audit or ledger list: visible to those with the view permission, never writable.

    Not even a superuser may add, change or delete these rows through the admin; a mistake in a
    ledger is corrected by a new entry made through a service.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClientIdSearchMixin:
    """A list of rows that belong to a client: a number in the search box is the client's id
    (the client_id index answers it); any other text goes to ``search_text()``."""

    def search_text(self, queryset, term: str):
        raise NotImplementedError

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        client_id = parse_positive_int(term)
        if client_id is not None:
            return queryset.filter(client_id=client_id), False
        return self.search_text(queryset, term), False


class ServiceErrorAsMessageMixin:
    """Add/change pages whose ``save_model`` calls a service, and delete pages whose
    ``delete_model`` does: a ValidationError the service raises after the form validated (a
    rule broken by a concurrent change, a row deleted meanwhile, a deletion the books refuse) is
    shown on the page again, never a 500. Django's atomic block around the save or delete has
    rolled everything back.

    An add page comes back with what was typed and the refusal above the form, so nothing has
    to be typed again. A change or delete page is reloaded with the refusal as a message: what
    it showed (a balance, the row itself) may have changed meanwhile, and a form posted back as
    it was would be refused again."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            if object_id is None and request.method == "POST":
                # The same view once more: its form validates, then fails on the refusal.
                request.service_refusal = error
                return super().changeform_view(request, object_id, form_url, extra_context)
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(request.get_full_path())

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        refusal = getattr(request, "service_refusal", None)
        return form_class if refusal is None else _refused_form(form_class, refusal)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(request.get_full_path())


def _refused_form(form_class, refusal: ValidationError):
    """``form_class`` whose validation ends with ``refusal`` as an error above the form."""

    class RefusedForm(form_class):
        def clean(self):
            cleaned = super().clean()
            self.add_error(None, refusal.messages)
            return cleaned

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


class RowLinkChangeList(ChangeList):
    """Django's ChangeList, each row's link made by ``object_url`` (no ``reverse()`` a row)."""

    def url_for_result(self, result):
        return object_url(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            quote(getattr(result, self.pk_attname)),
            current_app=self.model_admin.admin_site.name,
        )


class CheapListRowsMixin:
    """A list whose rows cost less to draw, with Django's HTML: each row's checkbox written as
    one string, not rendered through the form widget templates (Django's ``action_checkbox``
    renders a ``CheckboxInput``, two template includes a row: a quarter of the client list's
    CPU), and each row's link made without ``reverse()`` (``RowLinkChangeList``)."""

    def get_changelist(self, request, **kwargs):
        return RowLinkChangeList

    def action_checkbox(self, obj):
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )
