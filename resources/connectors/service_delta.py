"""The contacts a web-service connector keeps between runs (Salesforce, SugarCRM): each
record's fields by its key in the service, and the service's own clock of the last
change seen, so that the next run asks only for what changed since.

A run that has no usable state (the first one, another source, another field list, a
state written by an older layout) asks for everything; such a run's listing is complete,
so whatever it lacks is gone. Either way the run yields every record it knows
(StatefulConnectorType), and the state it leaves is stored only with the records it
describes, so a failed run leaves the last good run's state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from resources.connectors.connector_types import NextState, SourceRecord

STATE_VERSION = 1


def source_fingerprint(*parts: str) -> str:
    """What decides which records and fields a run reads (service address, user, fields),
    as a digest: the state names it, never the settings themselves."""
    joined = "\x1f".join(parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]


@dataclass
class KeptContacts:
    source: str
    since: str = ""  # the service's time of the newest change seen ("": fetch all)
    records: dict[str, dict[str, str]] = field(default_factory=dict)
    complete: bool = True  # this run reads everything

    @classmethod
    def from_state(cls, state: Mapping[str, object], source: str) -> KeptContacts:
        """The kept records when the state is of this source; else an empty full run."""
        kept = state.get("records")
        since = state.get("since")
        if (
            state.get("version") != STATE_VERSION
            or state.get("source") != source
            or not isinstance(kept, dict)
            or not isinstance(since, str)
            or not since
        ):
            return cls(source)
        # kept as written by next_state; not copied field by field (10,000 records)
        records = {key: values for key, values in kept.items() if isinstance(values, dict)}
        return cls(source, since, records, complete=False)

    def start_over(self) -> None:
        """Read everything after all (the service cannot say what was removed)."""
        self.since, self.records, self.complete = "", {}, True

    def remove(self, keys: Iterable[str]) -> int:
        removed = 0
        for key in keys:
            removed += self.records.pop(key, None) is not None
        return removed

    def put(self, key: str, values: dict[str, str], changed: str) -> None:
        # Empty fields are left out (a missing field reads as empty): the state of a
        # large source stays a fraction of its size, and so does writing it each run.
        self.records[key] = {name: value for name, value in values.items() if value}
        if changed > self.since:  # ISO 8601 in one zone and format: text order is time order
            self.since = changed

    def all_records(self) -> Iterator[SourceRecord]:
        for position, key in enumerate(sorted(self.records), start=1):
            yield SourceRecord(key, position, self.records[key])

    def next_state(self, **facts: object) -> NextState:
        """The state for the next run; `facts` are what the run cost or what the
        service needs besides (kept for whoever looks at a slow source)."""
        return NextState(
            {
                "version": STATE_VERSION,
                "source": self.source,
                "since": self.since,
                "records": self.records,
                **facts,
            }
        )
