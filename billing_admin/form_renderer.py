"""The form renderer (``FORM_RENDERER``): Django's, with its most used templates written in
Python.

A client Profile renders about 40 labels, 40 inputs, 80 empty error lists and selects of 250
countries, 180 currencies and 100 languages, each through the template engine: more than half
of the page's CPU. For the templates below the renderer writes the same string the
template would (``billing_admin/tests/test_form_renderer.py`` compares them with Django's
renderer on awkward input); every other template, and any error list that has errors, goes
through the templates as before. Overriding one of these templates therefore changes nothing:
remove it from ``FAST_TEMPLATES`` first.
"""

import functools

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime


def written(value) -> str:
    """``{{ value }}`` as a template writes a variable: localized, then autoescaped."""
    value = localize(template_localtime(value))
    return conditional_escape(value if isinstance(value, str) else str(value))


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: the filter is is_safe, so safe input stays unescaped."""
    try:
        text = "%s" % (str(value) if isinstance(value, tuple) else value)
    except (ValueError, TypeError):
        return ""
    return text if isinstance(value, SafeData) else conditional_escape(text)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html (and django/forms/attrs.html, the same)."""
    return "".join(
        f" {written(name)}" if value is True else f' {written(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(context) -> str:
    """django/forms/widgets/input.html, which text.html, hidden.html and the rest include."""
    widget = context["widget"]
    value = widget["value"]
    value_attr = "" if value is None else f' value="{_formatted(value)}"'
    return (
        f'<input type="{written(widget["type"])}" name="{written(widget["name"])}"'
        f"{value_attr}{_attrs(widget['attrs'])}>"
    )


def _select(context) -> str | None:
    """django/forms/widgets/select.html with select_option.html for each option."""
    widget = context["widget"]
    parts = [f'<select name="{written(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{written(group_name)}">')
        for option in options:
            if option["template_name"] != SELECT_OPTION_TEMPLATE:
                return None  # a widget with an option template of its own: the templates
            parts.append(_option(option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _option(option) -> str:
    """django/forms/widgets/select_option.html. Each option ends with the template's last
    newline, which the include keeps."""
    value, label, attrs = option["value"], option["label"], option["attrs"]
    # Exactly str: a lazy or safe label, or a number (localized), is written anew each time.
    if not attrs and type(value) is str and type(label) is str:
        return _plain_option(value, label)
    return _option_html(value, label, attrs)


def _option_html(value, label, attrs: dict) -> str:
    return f'\n  <option value="{_formatted(value)}"{_attrs(attrs)}>{written(label)}</option>\n'


# Each unselected option whose value and label are plain strings, written once per process: a
# Profile's country, currency and language lists (about 530 options, a third of the page's
# rendering) are not escaped again on every page. Bounded, for selects whose options come from
# the data.
@functools.lru_cache(maxsize=20_000)
def _plain_option(value: str, label: str) -> str:
    return _option_html(value, label, {})


def _label(context) -> str:
    """django/forms/label.html."""
    if not context["use_tag"]:
        return written(context["label"])
    tag = written(context["tag"])
    return f"<{tag}{_attrs(context['attrs'] or {})}>{written(context['label'])}</{tag}>"


def _error_list(context) -> str | None:
    """django/forms/errors/list/default.html (ul.html): nothing at all for no errors."""
    return None if context["errors"] else ""


SELECT_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
INPUT_TEMPLATES = [
    "django/forms/widgets/input.html",
    *(
        f"django/forms/widgets/{name}.html"
        for name in (
            "text",
            "hidden",
            "number",
            "email",
            "url",
            "tel",
            "search",
            "password",
            "checkbox",
            "date",
            "datetime",
            "time",
            "color",
        )
    ),
]
FAST_TEMPLATES = {
    **dict.fromkeys(INPUT_TEMPLATES, _input),
    "django/forms/widgets/select.html": _select,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _error_list,
    "django/forms/errors/list/ul.html": _error_list,
}


class FormRenderer(DjangoTemplates):
    """Django's default renderer; the templates in FAST_TEMPLATES written in Python."""

    def render(self, template_name, context, request=None):
        fast = FAST_TEMPLATES.get(template_name)
        if fast is not None:
            html = fast(context)
            if html is not None:
                return html.strip()
        return super().render(template_name, context, request=request)
