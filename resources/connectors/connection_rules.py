"""What a connection's parts may hold, checked before anything is saved: its name, the
settings against its type's schema, the mapping and defaults against its target's
fields, the priority, the interval and the scope (accounts and groups that exist).

Every refusal is an InvalidProperty with a catalogue code and the field it concerns, so
the API and the admin UI say the same sentence next to the same field.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from resources.connectors.catalogue import connector_types, run_targets
from resources.connectors.connector_types import BOOL, CHOICE, ConnectorType, SettingSpec
from resources.connectors.run_executor import RunTarget
from resources.connectors.run_queue import INTERVALS_MINUTES
from resources.errors import InvalidProperty
from resources.store.organisation import AccountGroup, UserAccount

PRIORITY_MIN, PRIORITY_MAX = -1000, 1000
DESCRIPTION_MAX = 2000
VALUE_MAX = 2000  # a default's text, a mapping's source field name
ID_MIN, ID_MAX = 1, 2**63 - 1  # ids the databases can hold


@dataclass(frozen=True)
class Scope:
    """Who sees a connection's entries: everyone, or the named accounts and groups."""

    everyone: bool = True
    users: tuple[int, ...] = ()
    groups: tuple[int, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"everyone": self.everyone, "users": list(self.users), "groups": list(self.groups)}


@dataclass(frozen=True)
class Parts:
    """The checked parts of a connection besides its settings (create and update)."""

    mapping: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    scope: Scope = Scope()
    priority: int = 0
    interval_minutes: int = 0
    enabled: bool = True


def connector_type(key: str) -> ConnectorType:
    found = connector_types().get(key) if isinstance(key, str) else None
    if found is None:
        raise InvalidProperty(
            code="connector_type_unknown",
            field="type",
            type=str(key)[:100],
            types=", ".join(connector_types().keys()),
        )
    return found


def run_target(key: str) -> RunTarget:
    found = run_targets().get(key) if isinstance(key, str) else None
    if found is None:
        raise InvalidProperty(
            code="connection_target_invalid",
            field="target",
            targets=", ".join(sorted(run_targets())),
        )
    return found


def checked_name(name: object) -> str:
    cleaned = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(cleaned) <= 200:
        raise InvalidProperty(code="connection_name_length", field="name")
    return cleaned


def checked_description(description: object) -> str:
    if not isinstance(description, str) or len(description) > DESCRIPTION_MAX:
        raise InvalidProperty(
            code="connection_description_invalid", field="description", max=DESCRIPTION_MAX
        )
    return description


def checked_interval(minutes: object) -> int:
    if isinstance(minutes, bool) or minutes not in INTERVALS_MINUTES:
        raise InvalidProperty(code="connection_interval_invalid", field="interval_minutes")
    return next(choice for choice in INTERVALS_MINUTES if choice == minutes)


def checked_priority(priority: object) -> int:
    if (
        not isinstance(priority, int)
        or isinstance(priority, bool)
        or not PRIORITY_MIN <= priority <= PRIORITY_MAX
    ):
        raise InvalidProperty(
            code="connection_priority_invalid",
            field="priority",
            min=PRIORITY_MIN,
            max=PRIORITY_MAX,
        )
    return priority


def checked_enabled(enabled: object) -> bool:
    if not isinstance(enabled, bool):
        raise InvalidProperty(code="connection_enabled_invalid", field="enabled")
    return enabled


def _text_object(value: object, name: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and len(v) <= VALUE_MAX for k, v in value.items()
    ):
        raise InvalidProperty(code="connection_object_invalid", field=name, name=name)
    return dict(value)


def _known_targets(names: Collection[str], target: RunTarget, part: str) -> None:
    unknown = sorted(set(names) - set(target.fields))
    if unknown:
        raise InvalidProperty(
            code="connection_field_unknown",
            field=part,
            names=", ".join(unknown),
            target=target.key,
            fields=", ".join(target.fields),
        )


def checked_mapping(
    mapping: object, target: RunTarget, source_fields: Collection[str] = ()
) -> dict[str, str]:
    """target field -> source field; when a test listed the source's fields, the mapped
    source fields must be among them (an empty source field means: the same name)."""
    checked = {k: v.strip() for k, v in _text_object(mapping, "mapping").items()}
    _known_targets(checked, target, "mapping")
    if source_fields:
        missing = sorted({v for v in checked.values() if v and v not in source_fields})
        if missing:
            raise InvalidProperty(
                code="connection_source_field_unknown",
                field="mapping",
                names=", ".join(missing),
                fields=", ".join(source_fields),
            )
    return {k: v for k, v in checked.items() if v}


def checked_defaults(defaults: object, target: RunTarget) -> dict[str, str]:
    checked = {k: v.strip() for k, v in _text_object(defaults, "defaults").items()}
    _known_targets(checked, target, "defaults")
    return {k: v for k, v in checked.items() if v}


def _ids(value: object) -> list[int] | None:
    if not isinstance(value, list | tuple):
        return None
    if not all(
        isinstance(v, int) and not isinstance(v, bool) and ID_MIN <= v <= ID_MAX for v in value
    ):
        return None
    return sorted(set(value))


def _refuse_unknown(ids: list[int], model: type[UserAccount | AccountGroup], code: str) -> None:
    known = {row.id for row in model.select(model.id).where(model.id.in_(ids))} if ids else set()
    unknown = [str(i) for i in ids if i not in known]
    if unknown:
        raise InvalidProperty(code=code, field="scope", ids=", ".join(unknown))


def checked_scope(scope: object) -> Scope:
    """{"everyone": bool, "users": [account ids], "groups": [group ids]}; the ids must
    exist. Left-out lists are empty; everyone is true when left out."""
    if not isinstance(scope, Mapping) or set(scope) - {"everyone", "users", "groups"}:
        raise InvalidProperty(code="connection_scope_invalid", field="scope")
    everyone = scope.get("everyone", True)
    users, groups = _ids(scope.get("users", [])), _ids(scope.get("groups", []))
    if not isinstance(everyone, bool) or users is None or groups is None:
        raise InvalidProperty(code="connection_scope_invalid", field="scope")
    _refuse_unknown(users, UserAccount, "connection_scope_unknown_users")
    _refuse_unknown(groups, AccountGroup, "connection_scope_unknown_groups")
    return Scope(everyone, tuple(users), tuple(groups))


def _checked_setting(spec: SettingSpec, value: object, type_key: str) -> str | bool:
    if spec.kind == BOOL:
        if not isinstance(value, bool):
            raise InvalidProperty(
                code="connection_setting_not_bool", field=f"settings.{spec.name}", name=spec.name
            )
        return value
    if not isinstance(value, str) or "\x00" in value:
        raise InvalidProperty(
            code="connection_setting_not_text", field=f"settings.{spec.name}", name=spec.name
        )
    if len(value) > spec.max_length:
        raise InvalidProperty(
            code="connection_setting_too_long",
            field=f"settings.{spec.name}",
            name=spec.name,
            max=spec.max_length,
        )
    if spec.kind == CHOICE and value not in spec.choices:
        raise InvalidProperty(
            code="connection_setting_choice",
            field=f"settings.{spec.name}",
            name=spec.name,
            choices=", ".join(spec.choices),
        )
    return value


def checked_settings(kind: ConnectorType, values: object) -> dict[str, str | bool | None]:
    """The given settings, each checked against the type's schema; None stays None (a
    secret left as it is, another setting back to its default)."""
    if not isinstance(values, Mapping):
        raise InvalidProperty(code="connection_object_invalid", field="settings", name="settings")
    specs = {spec.name: spec for spec in kind.settings}
    unknown = sorted(str(name) for name in values if name not in specs)
    if unknown:
        raise InvalidProperty(
            code="connection_setting_unknown",
            field="settings",
            names=", ".join(unknown),
            type=kind.key,
        )
    return {
        name: None if _kept(specs[name], value) else _checked_setting(specs[name], value, kind.key)
        for name, value in values.items()
    }


def _kept(spec: SettingSpec, value: object) -> bool:
    """None keeps a secret (and resets another setting); a secret sent back as it was
    read ({"set": ...}) is kept too, so a client may send what it was given."""
    return value is None or (spec.secret and isinstance(value, Mapping) and set(value) == {"set"})


def refuse_missing_settings(kind: ConnectorType, values: Mapping[str, object]) -> None:
    """Required settings must hold a value (after secrets kept from before were merged)."""
    for spec in kind.settings:
        if spec.required and values.get(spec.name) in (None, ""):
            raise InvalidProperty(
                code="connection_setting_required", field=f"settings.{spec.name}", name=spec.name
            )
