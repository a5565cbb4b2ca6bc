"""Form widgets whose HTML is written in Python rather than through the form templates.

A ``<select>`` of countries (250 options), currencies (180) and languages (100) on the client
Profile costs a template include per option and another for each option's attributes: most of
the page's CPU. ``PlainSelect`` writes the same HTML as Django's ``select.html`` and
``select_option.html`` (compared byte for byte in billing_admin/tests/test_widgets.py), in one
pass. Overriding those two templates would no longer change these widgets.
"""

from django import forms
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime


def _value(value) -> str:
    """``{{ value }}``, as the form templates render a variable (autoescaped, localized)."""
    value = localize(template_localtime(value))
    return conditional_escape(value if isinstance(value, str) else str(value))


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: safe input stays unescaped, as the filter is is_safe."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)
    return text if isinstance(value, SafeData) else conditional_escape(text)


def render_attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {_value(name)}" if value is True else f' {_value(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class PlainSelect(forms.Select):
    """``forms.Select`` with its HTML written in Python (see the module's docstring)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{_value(widget["name"])}"{render_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_value(group_name)}">')
            # Each option ends with select_option.html's last newline, which the include keeps.
            parts.extend(
                f'\n  <option value="{_formatted(option["value"])}"'
                f"{render_attrs(option['attrs'])}>{_value(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))
