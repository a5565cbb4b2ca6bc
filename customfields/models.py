"""Custom client fields (WHMCS: Setup > Custom Client Fields): definitions and per-client values.

Values are stored as text, whatever the type, as WHMCS stores them: a tick box is "on" when ticked,
a date is ISO ``YYYY-MM-DD``, a number its canonical decimal text. An empty value is no row at all,
so the table holds only what staff filled in.
"""

from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models.functions import Left, Lower

from clients.models import Client

# The list filter (exact option) and the list search (prefix) both compare this expression, which
# the index below covers; a text column itself is too long for a B-tree entry in the worst case.
INDEXED_VALUE_LENGTH = 100
VALUE_KEY = Lower(Left("value", INDEXED_VALUE_LENGTH))

TICKED = "on"


class FieldType(models.TextChoices):
    TEXT = "text", "Text box"
    TEXTAREA = "textarea", "Text area"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    DROPDOWN = "dropdown", "Drop down"
    TICKBOX = "tickbox", "Tick box"
    LINK = "link", "Link"


class CustomField(models.Model):
    Type = FieldType

    name = models.CharField(max_length=100)
    field_type = models.CharField("type", max_length=10, choices=Type.choices, default=Type.TEXT)
    description = models.CharField(
        max_length=255, blank=True, help_text="Shown under the field on the client's Profile."
    )
    options = models.TextField(
        "drop-down options",
        blank=True,
        help_text="Drop down only: the choices, separated by commas (as WHMCS's Select Options).",
    )
    required = models.BooleanField(default=False)
    admin_only = models.BooleanField(
        "admin only",
        default=False,
        help_text="Staff only: never shown to the client, in emails or anything sent to them.",
    )
    show_in_list = models.BooleanField(
        "show in the client list", default=False, help_text="One more column in the Clients list."
    )
    filterable = models.BooleanField(
        "usable as a list filter",
        default=False,
        help_text="Drop down and tick box only: a filter in the Clients list's sidebar.",
    )
    searchable = models.BooleanField(
        default=False,
        help_text="Text box and link only: the Clients list search finds a client by the start "
        "of this value.",
    )
    personal = models.BooleanField(
        "holds personal data",
        default=False,
        help_text="Its values identify a person: data-protection exports and erasure include them.",
    )
    sort_order = models.PositiveIntegerField(
        "display order", default=0, help_text="Lower numbers come first."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = "custom client field"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(field_type__in=FieldType.values),
                name="customfield_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(filterable=False)
                | models.Q(field_type__in=[FieldType.DROPDOWN, FieldType.TICKBOX]),
                name="customfield_filter_only_choices",
            ),
            models.CheckConstraint(
                condition=models.Q(searchable=False)
                | models.Q(field_type__in=[FieldType.TEXT, FieldType.LINK]),
                name="customfield_search_only_text",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def option_list(self) -> list[str]:
        return [option.strip() for option in self.options.split(",") if option.strip()]


class CustomFieldValue(models.Model):
    # PROTECT: a definition with values goes only through the deletion service, which removes its
    # values first, in the same transaction, once staff confirmed.
    # No single-column indexes: the unique (client, field) and the (field, value) index lead with
    # each of them.
    field = models.ForeignKey(
        CustomField, on_delete=models.PROTECT, related_name="values", db_index=False
    )
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="custom_field_values", db_index=False
    )
    value = models.TextField()

    class Meta:
        constraints = [
            # Client first: the Summary, the Profile and GetClientsDetails read one client's values.
            models.UniqueConstraint(fields=["client", "field"], name="customfieldvalue_unique"),
            models.CheckConstraint(
                condition=~models.Q(value=""), name="customfieldvalue_not_empty"
            ),
        ]
        indexes = [
            # The list filter (one drop-down option) and the list search (a prefix of a searchable
            # text field): field, then the lower-cased start of the value, then the client, so a
            # filtered list reads its newest 50 clients straight off the index, already in order.
            models.Index(
                models.F("field"),
                OpClass(VALUE_KEY, name="text_pattern_ops"),
                models.F("client"),
                name="customfieldvalue_lookup_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.value}"
