"""A connection's settings as its type reads them: the plain ones from their JSON column,
the secret ones opened from theirs (resources/auth/secret_box.py), and the reverse for
saving, so that a secret never lands in the plain column."""

from __future__ import annotations

import json
from collections.abc import Mapping

from resources.auth.secret_box import current_secret_box
from resources.connectors.connector_types import SettingSpec
from resources.store.connectors import Connection

SettingValues = dict[str, str | bool]


def connection_settings(connection: Connection) -> SettingValues:
    """Every setting, secrets opened, for the connector type to use (never to show)."""
    values: SettingValues = dict(json.loads(connection.settings))
    box = current_secret_box()
    for name, token in json.loads(connection.secrets).items():
        values[name] = box.open(token)
    return values


def split_settings(
    values: Mapping[str, str | bool], specs: tuple[SettingSpec, ...]
) -> tuple[str, str]:
    """(plain JSON, sealed-secrets JSON) for the two columns."""
    box = current_secret_box()
    plain: dict[str, str | bool] = {}
    sealed: dict[str, str] = {}
    for spec in specs:
        if spec.name not in values:
            continue
        value = values[spec.name]
        if spec.secret:
            if value:
                sealed[spec.name] = box.seal(str(value))
        else:
            plain[spec.name] = value
    return json.dumps(plain, sort_keys=True), json.dumps(sealed, sort_keys=True)


def secrets_set(connection: Connection) -> dict[str, bool]:
    """Which secret settings hold a value: all an API answer may say of them."""
    return {name: True for name in json.loads(connection.secrets)}


def merged_settings(
    current: Mapping[str, str | bool],
    given: Mapping[str, str | bool | None],
    specs: tuple[SettingSpec, ...],
) -> SettingValues:
    """The settings after a change: a secret left out or given as None keeps its value and
    "" clears it; another setting given as None goes back to its default."""
    by_name = {spec.name: spec for spec in specs}
    merged: SettingValues = {k: v for k, v in current.items() if k in by_name}
    for name, value in given.items():
        spec = by_name[name]
        if value is None:
            if not spec.secret:
                merged.pop(name, None)
        elif spec.secret and value == "":
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def settings_view(connection: Connection, specs: tuple[SettingSpec, ...]) -> dict[str, object]:
    """The settings as they may be shown: plain values, and for each secret only
    {"set": true or false}, never its value."""
    shown: dict[str, object] = dict(json.loads(connection.settings))
    sealed = json.loads(connection.secrets)
    for spec in specs:
        if spec.secret:
            shown[spec.name] = {"set": spec.name in sealed}
    return shown
