"""The whole state of the billing tables, to prove a request changed nothing."""

from django.apps import apps

BILLING_APPS = ("clients", "credits", "invoices", "transactions", "api", "customfields")
# Bookkeeping an API call legitimately updates on every authenticated request.
IGNORED_FIELDS = {("api", "apicredential"): {"last_used_at", "last_used_ip"}}


def billing_state() -> dict:
    """Every row of every billing model, ordered by pk (test databases are small)."""
    state = {}
    for app_label in BILLING_APPS:
        for model in apps.get_app_config(app_label).get_models():
            ignored = IGNORED_FIELDS.get((app_label, model._meta.model_name), set())
            columns = [f.attname for f in model._meta.concrete_fields if f.name not in ignored]
            state[model._meta.label] = list(model.objects.order_by("pk").values_list(*columns))
    return state


def billing_rows() -> dict[str, dict[object, dict]]:
    """Every row of every billing model as ``{label: {pk: {attname: value}}}``, to say which rows
    a request added or changed and what they hold."""
    rows = {}
    for app_label in BILLING_APPS:
        for model in apps.get_app_config(app_label).get_models():
            ignored = IGNORED_FIELDS.get((app_label, model._meta.model_name), set())
            columns = [f.attname for f in model._meta.concrete_fields if f.name not in ignored]
            rows[model._meta.label] = {
                row[model._meta.pk.attname]: row for row in model.objects.values(*columns)
            }
    return rows


def rows_written(before: dict, after: dict) -> dict[str, list[dict]]:
    """Per model, the rows ``after`` holds that ``before`` did not hold as they are (added or
    changed); models without such rows are left out."""
    written = {}
    for label, rows in after.items():
        new = [row for pk, row in rows.items() if before[label].get(pk) != row]
        if new:
            written[label] = new
    return written
