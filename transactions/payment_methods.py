"""Payment methods: stored by module name ("banktransfer"), shown by display name ("Bank
Transfer"), as WHMCS does. ``PAYMENT_METHODS`` (settings) maps one to the other.

Every write stores the module name: a display name given instead (old scripts, the demo data
once did) is turned into its module name, so filters and totals never list one method twice.
"""

from collections.abc import Mapping

from django.conf import settings
from django.db.models import Case, CharField, F, Value, When


def payment_method_name(module: str) -> str:
    """The display name staff know; a retired method still shows its module name."""
    return settings.PAYMENT_METHODS.get(module, module)


def payment_method_name_sql(column: str) -> Case:
    """``payment_method_name`` of a column, in SQL: for text a query writes (statement lines)."""
    return Case(
        *(
            When(**{column: module}, then=Value(name))
            for module, name in settings.PAYMENT_METHODS.items()
        ),
        default=F(column),
        output_field=CharField(),
    )


def payment_method_module(value: str, methods: Mapping[str, str] | None = None) -> str:
    """``value`` as a module name: a configured display name (any case) becomes its module;
    anything else (a module name, an unconfigured method) is kept as given, trimmed."""
    methods = settings.PAYMENT_METHODS if methods is None else methods
    value = value.strip()
    if value in methods:
        return value
    by_name = {name.casefold(): module for module, name in methods.items()}
    return by_name.get(value.casefold(), value)
