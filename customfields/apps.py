from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "customfields"
    verbose_name = "Custom client fields"

    def ready(self):
        from clients.csv_export import register_csv_extension
        from customfields.csv import CustomFieldsCsv

        register_csv_extension(CustomFieldsCsv())
