"""The personal-data registry covers every model and every text column: a model added without a
declaration in billing_admin.personal_data fails here."""

import pytest
from django.apps import apps
from django.db import models

from billing_admin import personal_data
from billing_admin.personal_data import Holder, client_related_models, holders, undeclared


def test_registry_declares_every_model_and_text_column():
    assert undeclared() == []


def test_registry_declares_every_model_related_to_clients():
    declared = set(holders())
    missing = [m._meta.label for m in client_related_models() if m not in declared]
    assert missing == []


def test_undeclared_reports_a_new_text_column(monkeypatch):
    client_holder = next(h for h in personal_data.REGISTRY if h.model == "clients.Client")
    trimmed = Holder(
        client_holder.model,
        client=client_holder.client,
        erase={k: v for k, v in client_holder.erase.items() if k != "city"},
        keep=client_holder.keep,
    )
    monkeypatch.setattr(
        personal_data,
        "REGISTRY",
        [trimmed if h is client_holder else h for h in personal_data.REGISTRY],
    )
    assert undeclared() == ["clients.Client.city: neither erased nor kept"]


def test_undeclared_reports_a_new_model(monkeypatch):
    monkeypatch.setattr(
        personal_data,
        "REGISTRY",
        [h for h in personal_data.REGISTRY if h.model != "clients.EmailLog"],
    )
    assert "clients.EmailLog: no Holder in billing_admin.personal_data.REGISTRY" in undeclared()


@pytest.mark.parametrize("holder", personal_data.REGISTRY, ids=lambda h: h.model)
def test_erasers_build_expressions_for_declared_columns(holder):
    model = apps.get_model(holder.model)
    for name, eraser in holder.erase.items():
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)
        if not holder.deletes_rows:
            assert eraser.expression(model) is not None
