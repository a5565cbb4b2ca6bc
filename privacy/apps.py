from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Data protection: anonymising clients, exporting a client's data, the retention run.

    It sits on top of clients, credits, invoices and transactions (it closes clients through the
    invoices layer) and owns no models: its records live in clients (ClientEvent, ClientDataExport)
    and where personal data lives is declared in ``billing_admin.personal_data``.
    """

    name = "privacy"
    verbose_name = "Data protection"
