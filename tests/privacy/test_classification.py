"""Every field of every model is classified; a new field fails here until someone does it."""

from django.apps import apps

from privacy.classification import FIELDS, KINDS, OWNERS, model_fields


def test_every_field_of_every_model_is_classified():
    missing = [
        f"{model._meta.label}.{name}"
        for model in apps.get_models()
        for name in model_fields(model)
        if name not in FIELDS.get(model._meta.label, {})
    ]
    assert missing == [], "classify these fields in privacy/classification.py: " + ", ".join(missing)


def test_the_registry_names_only_fields_that_exist():
    labels = {model._meta.label: model for model in apps.get_models()}
    stale = [
        f"{label}.{name}"
        for label, fields in FIELDS.items()
        for name in fields
        if label not in labels or name not in model_fields(labels[label])
    ]
    assert stale == []


def test_every_classification_is_one_of_the_four_kinds():
    assert {kind for fields in FIELDS.values() for kind in fields.values()} <= set(KINDS)


def test_every_model_with_a_participants_data_has_an_owner_path():
    for label in OWNERS:
        assert label in FIELDS
