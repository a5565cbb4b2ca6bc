"""``{{ module|payment_method_name }}``: a stored payment method module ("banktransfer") as the
display name staff and clients know ("Bank Transfer"), as the admin's lists show it."""

from django import template

from transactions.payment_methods import payment_method_name as display_name

register = template.Library()


@register.filter
def payment_method_name(module: str) -> str:
    return display_name(module) if module else module
