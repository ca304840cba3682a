"""A connection's mapping and defaults, from source fields to target fields."""

from __future__ import annotations

from resources.connectors.field_mapping import (
    mandatory_source_fields,
    mapped_values,
)

TARGET = ("last_name", "company", "phone_work", "category")


def test_unmapped_fields_come_from_the_same_name_and_defaults_fill_gaps():
    values = {"Nachname": " Weber ", "company": "Acme", "phone_work": "", "extra": "x"}
    mapped = mapped_values(
        values,
        {"last_name": "Nachname"},
        {"phone_work": "+49 30 1", "category": "customer"},
        TARGET,
    )
    assert mapped == {
        "last_name": "Weber",
        "company": "Acme",
        "phone_work": "+49 30 1",
        "category": "customer",
    }


def test_a_source_value_wins_over_the_default():
    mapped = mapped_values({"category": "supplier"}, {}, {"category": "customer"}, TARGET)
    assert mapped["category"] == "supplier"


def test_mandatory_source_fields_follow_the_mapping_and_defaults_relieve_them():
    assert mandatory_source_fields(("last_name", "phone_work"), {"phone_work": "Tel"}, {}) == (
        "last_name",
        "Tel",
    )
    assert mandatory_source_fields(("last_name", "phone_work"), {}, {"phone_work": "+49 30 1"}) == (
        "last_name",
    )
