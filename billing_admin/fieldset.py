"""``{% admin_fieldset %}``: the admin's ``admin/includes/fieldset.html`` written in Python.

Every add and change form renders its fields through that template: per field about twenty
tags, filters and method calls through the template engine, so a client's Profile (40 fields)
spent 20 ms of its 49 in it, half of it outside the widgets. ``templates/admin/includes/
fieldset.html`` calls this tag instead, which writes the same HTML, whitespace included
(``billing_admin/tests/test_fieldset.py`` compares admin pages with Django's template). The
context is the include's: ``fieldset``, ``heading_level``, ``prefix``, ``id_prefix`` and
``id_suffix``. Registered as a template library in settings.TEMPLATES, like the sidebar.
"""

from django import template
from django.utils.safestring import mark_safe

from billing_admin.form_renderer import written

register = template.Library()


def _heading(context, fieldset, heading_id: str) -> str:
    level = written(context.get("heading_level") or 2)
    collapsible = fieldset.is_collapsible
    return (
        f"\n        {'<details><summary>' if collapsible else ''}"
        f'\n        <h{level} id="{heading_id}" class="fieldset-heading">{written(fieldset.name)}'
        f"</h{level}>\n        {'</summary>' if collapsible else ''}\n    "
    )


def _name(field) -> str:
    # field.field is a BoundField; for a read-only field, a dict that stands in for one.
    return field.field["name"] if field.is_readonly else field.field.name


def _field(field, single: bool) -> str:
    bound = field.field
    readonly = field.is_readonly
    name = _name(field)
    is_hidden = bound["is_hidden"] if readonly else bound.is_hidden
    help_text = bound["help_text"] if readonly else bound.help_text
    errors = "" if single or readonly else field.errors()
    classes = ""
    if not single:
        classes = " fieldBox"
        if name:
            classes += f" field-{written(name)}"
        if errors:
            classes += " errors"
        if is_hidden:
            classes += " hidden"
    if field.is_checkbox:
        classes += " checkbox-row"
        body = f"\n                                {written(bound)}{written(field.label_tag())}"
    else:
        if readonly:
            shown = f'<div class="readonly">{written(field.contents())}</div>'
        else:
            shown = written(bound)
        body = (
            f"\n                                {written(field.label_tag())}"
            f"\n                                \n                                    {shown}"
            "\n                                "
        )
    parts = [
        f"\n                <div>\n                    {written(errors)}"
        f'\n                        <div class="flex-container{classes}">'
        f"\n                            {body}\n                            "
        "\n                        </div>\n                    "
    ]
    if help_text:
        id_for_label = "" if readonly else bound.id_for_label
        help_id = f' id="{written(id_for_label)}_helptext"' if id_for_label else ""
        parts.append(
            f'\n                        <div class="help{" hidden" if is_hidden else ""}"{help_id}>'
            f"\n                            <div>{mark_safe(str(help_text))}</div>"
            "\n                        </div>\n                    "
        )
    parts.append("\n                </div>\n            ")
    return "".join(parts)


def _line(line) -> str:
    single = len(line.fields) == 1
    fields = list(line)
    errors = line.errors() if single else ""
    classes = " errors" if single and errors else ""
    if not line.has_visible_field:
        classes += " hidden"
    for field in fields:
        if name := _name(field):
            classes += f" field-{written(name)}"
    opening = written(errors) if single else '<div class="flex-container form-multiline">'
    return (
        f'\n        <div class="form-row{classes}">\n            {opening}\n            '
        + "".join(_field(field, single) for field in fields)
        + f"\n            {'' if single else '</div>'}\n        </div>\n    "
    )


def fieldset_html(context) -> str:
    fieldset = context["fieldset"]
    parts = [f'<fieldset class="module aligned {written(fieldset.classes)}"']
    if fieldset.name:
        heading_id = "-".join(
            written(context.get(name, "")) for name in ("prefix", "id_prefix", "id_suffix")
        )
        heading_id += "-heading"
        parts += [
            f' aria-labelledby="{heading_id}">\n    ',
            _heading(context, fieldset, heading_id),
        ]
    else:
        parts.append(">\n    ")
    parts.append("\n    ")
    if fieldset.description:
        parts.append(
            f'\n        <div class="description">{mark_safe(str(fieldset.description))}</div>\n    '
        )
    parts.append("\n    ")
    parts.extend(_line(line) for line in fieldset)
    closing = "</details>" if fieldset.name and fieldset.is_collapsible else ""
    parts.append(f"\n    {closing}\n</fieldset>\n")
    return "".join(parts)


@register.simple_tag(takes_context=True)
def admin_fieldset(context) -> str:
    return mark_safe(fieldset_html(context))
