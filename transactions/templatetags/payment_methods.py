"""``{{ module|payment_method_name }}``: a stored payment method module ("banktransfer") as the
display name staff and clients know ("Bank Transfer"), as the admin's lists show it."""

from django import template

from transactions.payment_methods import payment_method_name

register = template.Library()
register.filter("payment_method_name", payment_method_name)
