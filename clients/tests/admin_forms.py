"""Post admin forms the way a browser does, for tests of the Profile page."""

from django.urls import reverse


def form_post_data(form) -> dict:
    """A form's fields as a browser posts them unchanged (unticked boxes are left out)."""
    data = {}
    for field in form:
        value = field.value()
        if value is None or value is False:
            continue
        data[field.html_name] = "on" if value is True else value
    return data


def profile_post_data(http_client, client, **changes) -> dict:
    """The Profile page (with any inlines) as the browser would submit it, ``changes`` typed in."""
    page = http_client.get(reverse("admin:clients_client_change", args=[client.pk]))
    data = form_post_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        data.update(form_post_data(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(form_post_data(form))
    return {**data, **changes}
