"""From a source's fields to a target's (seed 004): the connection's mapping says which
source field fills which target field, and its defaults fill what the source left empty.

A target field the mapping does not name is filled from the source field of the same name,
so a CSV whose header uses the documented codes needs no mapping at all.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping


def source_field_for(target: str, mapping: Mapping[str, str]) -> str:
    return mapping.get(target) or target


def mapped_values(
    values: Mapping[str, str],
    mapping: Mapping[str, str],
    defaults: Mapping[str, str],
    target_fields: Collection[str],
) -> dict[str, str]:
    """The target's values for one source record: mapped, trimmed, then defaulted."""
    mapped: dict[str, str] = {}
    for target in target_fields:
        value = str(values.get(source_field_for(target, mapping), "") or "").strip()
        mapped[target] = value or defaults.get(target, "")
    return mapped


def mapper(
    mapping: Mapping[str, str], defaults: Mapping[str, str], target_fields: Collection[str]
) -> Callable[[Mapping[str, str]], dict[str, str]]:
    """`mapped_values` with the mapping worked out once, for a run's many records."""
    plan = [
        (target, source_field_for(target, mapping), defaults.get(target, ""))
        for target in target_fields
    ]

    def mapped(values: Mapping[str, str]) -> dict[str, str]:
        found = values.get
        return {
            target: str(found(source, "") or "").strip() or default
            for target, source, default in plan
        }

    return mapped


def mandatory_source_fields(
    mandatory_targets: Collection[str], mapping: Mapping[str, str], defaults: Mapping[str, str]
) -> tuple[str, ...]:
    """The source fields a source must have: those that fill a mandatory target field
    for which no default stands in."""
    return tuple(
        source_field_for(target, mapping)
        for target in mandatory_targets
        if not defaults.get(target)
    )
