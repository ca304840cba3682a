"""Connector types as code registers them (DESIGN §6): a key, a typed settings schema, the
source fields it can offer, a test of ordered checks and a fetch of records.

The settings schema is the one declaration of a type's settings: the API validates against
it and the admin UI builds its form from it. A secret setting is write-only: it is sealed
at rest and the API says only whether it is set.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from resources.connectors.source_http import SourceClient
from resources.error_codes import Sentence

TEXT, URL, SECRET, BOOL, CHOICE = "text", "url", "secret", "bool", "choice"


@dataclass(frozen=True)
class SettingSpec:
    name: str
    kind: str  # TEXT, URL, SECRET, BOOL or CHOICE
    label: str
    help: str = ""
    required: bool = False
    default: str | bool = ""
    choices: tuple[str, ...] = ()
    max_length: int = 2000

    @property
    def secret(self) -> bool:
        return self.kind == SECRET


@dataclass(frozen=True)
class Check:
    """One step of a test, in the connection test's shape: `{check, ok, message}`; the
    sentence is a catalogue code with its values, so the admin UI translates it."""

    check: str
    ok: bool
    sentence: Sentence

    @property
    def message(self) -> str:
        return self.sentence.english


@dataclass(frozen=True)
class TestOutcome:
    checks: tuple[Check, ...]
    source_fields: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return all(check.ok for check in self.checks)


@dataclass(frozen=True)
class SourceRecord:
    """One person or contact as the source has it: its key in the source (stable between
    runs), the line or record number for messages, and its fields by source field name."""

    key: str
    position: int
    values: Mapping[str, str]


class SourceUnreadable(Exception):
    """The source answered, but not with what the type reads (a missing mandatory column,
    a login refused, a broken file): the run fails and applies nothing."""

    def __init__(self, sentence: Sentence) -> None:
        super().__init__(sentence.english)
        self.sentence = sentence

    @property
    def message(self) -> str:
        return self.sentence.english


@dataclass(frozen=True)
class RecordProblem:
    """A record the run skips, and why."""

    position: int
    sentence: Sentence

    @property
    def message(self) -> str:
        return self.sentence.english


Settings = Mapping[str, str | bool]


class ConnectorType(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def settings(self) -> tuple[SettingSpec, ...]: ...

    @property
    def source_fields(self) -> tuple[str, ...]: ...

    def test(self, settings: Settings, client: SourceClient) -> TestOutcome: ...

    def fetch(
        self,
        settings: Settings,
        since: str | None,
        client: SourceClient,
        *,
        mandatory: Sequence[str] = (),
    ) -> Iterator[SourceRecord | RecordProblem]:
        """The source's records; `mandatory` names the source fields the connection's
        mapping needs, so a source without them fails before anything is applied."""
        ...


@dataclass(frozen=True)
class NextState:
    """What a fetch that keeps state between runs yields after its last record: the state
    the next run starts from. The run stores it with the records it applies, in the same
    transaction, so a failed run leaves the state of the last good run."""

    state: Mapping[str, object]


@runtime_checkable
class StatefulConnectorType(ConnectorType, Protocol):
    """A type whose source can say what changed since the last run (CardDAV's sync token,
    or its ctag and ETags). It still yields every record of the source, the unchanged ones
    from its state without asking the source, so the target sees the whole set as after a
    full fetch: entries missing from it are removed, and the mapping applies to all."""

    def fetch_from_state(
        self,
        settings: Settings,
        state: Mapping[str, object],
        client: SourceClient,
        *,
        mandatory: Sequence[str] = (),
    ) -> Iterator[SourceRecord | RecordProblem | NextState]: ...


class FetchesFromState:
    """The plain `fetch` of a StatefulConnectorType: a full round from an empty state,
    without the state the round ends with (the connection test and one-off reads)."""

    def fetch_from_state(
        self,
        settings: Settings,
        state: Mapping[str, object],
        client: SourceClient,
        *,
        mandatory: Sequence[str] = (),
    ) -> Iterator[SourceRecord | RecordProblem | NextState]:
        raise NotImplementedError

    def fetch(
        self,
        settings: Settings,
        since: str | None,
        client: SourceClient,
        *,
        mandatory: Sequence[str] = (),
    ) -> Iterator[SourceRecord | RecordProblem]:
        for item in self.fetch_from_state(settings, {}, client, mandatory=mandatory):
            if not isinstance(item, NextState):
                yield item


@dataclass
class Registry:
    types: dict[str, ConnectorType] = field(default_factory=dict)

    def register(self, connector_type: ConnectorType) -> None:
        if connector_type.key in self.types:
            raise ValueError(f"connector type {connector_type.key!r} is registered twice")
        self.types[connector_type.key] = connector_type

    def get(self, key: str) -> ConnectorType | None:
        return self.types.get(key)

    def keys(self) -> list[str]:
        return sorted(self.types)


REGISTRY = Registry()
