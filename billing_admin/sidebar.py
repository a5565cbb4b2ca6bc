"""``{% sidebar_app_list %}``: the admin sidebar's app list (Django's admin/app_list.html with
``show_changelinks=False``) written in Python.

Every admin page but the popups shows the sidebar: about 30 models, each a dozen template
variables, filters and translations, 1.5 ms of CPU a page (a tenth of an invoice page). The
HTML is the template's, tag for tag (billing_admin/tests/test_sidebar.py compares them with
runs of whitespace collapsed). The index page keeps Django's template. Registered as a template
library in settings.TEMPLATES (billing_admin is the admin app's config, not a templatetags app).
"""

from urllib.parse import quote

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


def _model_row(app_label: str, model: dict, path: str) -> str:
    model_name = conditional_escape(model["object_name"].lower())
    label = conditional_escape(app_label)
    admin_url = model["admin_url"]
    current = bool(admin_url) and admin_url in path
    if admin_url:
        aria = ' aria-current="page"' if current else ""
        text = conditional_escape(model["name"])
        name = f'<a href="{conditional_escape(admin_url)}"{aria}>{text}</a>'
    else:
        name = conditional_escape(model["name"])
    if model["add_url"]:
        add = (
            f'<td><a href="{conditional_escape(model["add_url"])}" class="addlink" '
            f'aria-describedby="{label}-{model_name}">{conditional_escape(gettext("Add"))}</a></td>'
        )
    else:
        add = "<td></td>"
    return (
        f'<tr class="model-{model_name}{" current-model" if current else ""}">'
        f'<th scope="row" id="{label}-{model_name}">{name}</th>{add}</tr>'
    )


@register.simple_tag(takes_context=True)
def sidebar_app_list(context, app_list) -> str:
    if not app_list:
        text = conditional_escape(gettext("You don’t have permission to view or edit anything."))
        return mark_safe(f"<p>{text}</p>")
    path = quote(context["request"].path)
    head = "".join(
        f'<th scope="col">{conditional_escape(gettext(text))}</th>'
        for text in ("Model name", "Add link", "Change or view list link")
    )
    parts = []
    for app in app_list:
        label = conditional_escape(app["app_label"])
        title = gettext("Models in the %(name)s application") % {
            "name": conditional_escape(app["name"])
        }
        parts.append(
            f'<div class="app-{label} module{" current-app" if app["app_url"] in path else ""}">'
            f'<table><caption><a href="{conditional_escape(app["app_url"])}" class="section" '
            f'title="{title}">{conditional_escape(app["name"])}</a></caption>'
            f'<thead class="visually-hidden"><tr>{head}</tr></thead>'
            + "".join(_model_row(app["app_label"], model, path) for model in app["models"])
            + "</table></div>"
        )
    return mark_safe("".join(parts))
