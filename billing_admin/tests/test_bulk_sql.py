import pytest

from billing_admin.bulk_sql import array_literal, copy_rows, copy_text, model_columns
from clients.models import ClientEvent
from invoices.models import InvoiceItem


def test_model_columns_follow_the_model_less_omitted_fields():
    assert model_columns(InvoiceItem, omit=("id",)) == [
        field.column for field in InvoiceItem._meta.concrete_fields if field.name != "id"
    ]
    assert "client_id" in model_columns(ClientEvent)


def test_copy_rows_refuses_rows_that_do_not_match_the_columns():
    with pytest.raises(ValueError, match="InvoiceItem rows have 2 values"):
        copy_rows(InvoiceItem, model_columns(InvoiceItem, omit=("id",)), [(1, 2)])


def test_copy_text_escapes_the_separators():
    assert copy_text("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"


def test_array_literal_writes_none_as_null():
    assert array_literal([1, None, 3]) == "{1,NULL,3}"
