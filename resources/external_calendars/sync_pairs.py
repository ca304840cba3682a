"""Sync pairs: one local calendar (a resource's or a personal one) with one calendar of an
external account, and their options: push the existing appointments when switched on,
the conflict policy, the pull interval. Creating, changing and deleting one is audited
(a pair is a data flow). While a pair exists its calendar's `external_sync` is set, so
that every write to it queues an outbox row (resources/store/external_calendars.py)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from resources.auth import audit
from resources.auth.credentials import find_credential
from resources.errors import AlreadyExists, InvalidProperty, NotFound
from resources.external_calendars.accounts import account_calendars, get_account
from resources.external_calendars.sync_runs import run_view
from resources.objects.calendar_collections import CALENDAR, by_path
from resources.organisation.resource_calendars import find_resource, resource_calendar
from resources.store.database import write_transaction
from resources.store.external_calendars import (
    CONFLICT_POLICIES,
    ExternalAccount,
    ExternalSyncRun,
    OutboxEntry,
    SyncedObject,
    SyncPair,
    enqueue_pushes,
)
from resources.store.models import Collection, StoredObject

OPTIONS = frozenset({"conflict", "interval_minutes", "push_existing"})


def _conflict(value: object) -> str:
    if value not in CONFLICT_POLICIES:
        raise InvalidProperty(
            code="external_conflict_invalid", field="conflict", choices=", ".join(CONFLICT_POLICIES)
        )
    return str(value)


def _interval(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        raise InvalidProperty(code="external_interval_invalid", field="interval_minutes")
    return value


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidProperty(code="external_flag_invalid", field=name, name=name)
    return value


def local_calendar(dav_path: object = None, resource: object = None) -> Collection:
    """The calendar named by its /dav/calendars/<login>/<path>/ or by a resource's slug."""
    if (dav_path is None) == (resource is None):
        raise InvalidProperty(code="external_local_calendar_choice", field="local_calendar")
    if resource is not None:
        found = find_resource(resource) if isinstance(resource, str) else None
        if found is None:
            raise NotFound(
                code="external_local_calendar_unknown", field="resource", name=repr(resource)
            )
        return resource_calendar(found.id)
    segments = (
        [unquote(s) for s in urlsplit(str(dav_path)).path.split("/") if s]
        if isinstance(dav_path, str)
        else []
    )
    collection = None
    if len(segments) >= 4 and segments[:2] == ["dav", "calendars"]:
        credential = find_credential(segments[2])
        path = "/".join(segments[3:])
        if credential is not None:
            collection = by_path(credential.id, path)
        if collection is None and len(segments) == 4:  # a resource's calendar in a home
            found = find_resource(segments[3])
            collection = resource_calendar(found.id) if found is not None else None
    if collection is None or collection.kind != CALENDAR:
        raise NotFound(
            code="external_local_calendar_unknown", field="local_calendar", name=repr(dav_path)
        )
    return collection


def get_pair(pair_id: object) -> SyncPair:
    pair = (
        SyncPair.get_or_none(SyncPair.id == pair_id)
        if isinstance(pair_id, int) and not isinstance(pair_id, bool)
        else None
    )
    if pair is None:
        raise NotFound(code="no_such_external_sync")
    return pair


def _queue_existing(collection_id: int) -> int:
    query = StoredObject.select(StoredObject.name).where(StoredObject.collection == collection_id)
    names = [row.name for row in query]
    enqueue_pushes(collection_id, names)
    return len(names)


def create_pair(
    account_id: object,
    remote_calendar: object,
    local: Collection,
    options: Mapping[str, object],
    *,
    actor: str,
) -> SyncPair:
    account = get_account(account_id)
    urls = {calendar.url for calendar in account_calendars(account)}
    if remote_calendar not in urls:
        raise InvalidProperty(
            code="external_remote_calendar_unknown",
            field="remote_calendar",
            url=repr(remote_calendar),
        )
    conflict = _conflict(options.get("conflict", "remote_wins"))
    interval = _interval(options.get("interval_minutes", 5))
    push_existing = _flag(options.get("push_existing", True), "push_existing")
    with write_transaction():
        if SyncPair.select().where(SyncPair.collection == local.id).exists():
            raise AlreadyExists(code="external_local_calendar_paired", field="local_calendar")
        pair = SyncPair.create(
            account=account.id,
            remote_url=str(remote_calendar),
            collection=local.id,
            conflict=conflict,
            interval_minutes=interval,
            push_existing=push_existing,
            created=time.time(),
        )
        Collection.update(external_sync=True).where(Collection.id == local.id).execute()
        queued = _queue_existing(local.id) if push_existing else 0
        audit.record(
            actor,
            "external_sync.create",
            f"external-sync:{pair.id}",
            f"{remote_calendar} <-> calendar {local.id} ({conflict}, every {interval} min, "
            f"{queued} existing queued)",
        )
    return pair


def update_pair(pair: SyncPair, changes: Mapping[str, object], *, actor: str) -> SyncPair:
    unknown = sorted(set(changes) - OPTIONS)
    if unknown:
        raise InvalidProperty(code="external_sync_change_unknown", names=", ".join(unknown))
    values: dict[str, Any] = {}
    if "conflict" in changes:
        values["conflict"] = _conflict(changes["conflict"])
    if "interval_minutes" in changes:
        values["interval_minutes"] = _interval(changes["interval_minutes"])
    if "push_existing" in changes:
        values["push_existing"] = _flag(changes["push_existing"], "push_existing")
    with write_transaction():
        if values:
            SyncPair.update(**values).where(SyncPair.id == pair.id).execute()
        audit.record(actor, "external_sync.change", f"external-sync:{pair.id}", repr(values))
    return get_pair(pair.id)


def delete_pair(pair: SyncPair, *, actor: str) -> None:
    """Stop syncing; both calendars keep what they hold."""
    with write_transaction():
        OutboxEntry.delete().where(OutboxEntry.collection_id == pair.collection_id).execute()
        SyncedObject.delete().where(SyncedObject.pair == pair.id).execute()
        SyncPair.delete().where(SyncPair.id == pair.id).execute()
        Collection.update(external_sync=False).where(Collection.id == pair.collection_id).execute()
        audit.record(actor, "external_sync.delete", f"external-sync:{pair.id}", pair.remote_url)


def local_calendar_view(collection_id: int) -> dict[str, Any]:
    """The local calendar as the API names it: a resource's slug, or its /dav/ path."""
    collection = Collection.get_by_id(collection_id)
    resource, owner = collection.resource, collection.owner
    if resource is not None:
        return {"resource": resource.slug}
    username = owner.username if owner is not None else ""
    return {"local_calendar": f"/dav/calendars/{username}/{collection.path}/"}


def pair_view(pair: SyncPair) -> dict[str, Any]:
    last = last_run(pair.id)
    pending = OutboxEntry.select().where(OutboxEntry.collection_id == pair.collection_id).count()
    return {
        "id": pair.id,
        "account": pair.account_id,
        "remote_calendar": pair.remote_url,
        **local_calendar_view(pair.collection_id),
        "conflict": pair.conflict,
        "interval_minutes": pair.interval_minutes,
        "push_existing": pair.push_existing,
        "state": {
            "last_pull": pair.last_pull,
            "last_push": pair.last_push,
            "pending_pushes": pending,
            "last_error": pair.last_error,
            "last_run": run_view(last) if last is not None else None,
        },
    }


def last_run(pair_id: int) -> ExternalSyncRun | None:
    found: ExternalSyncRun | None = (
        ExternalSyncRun.select()
        .where(ExternalSyncRun.pair == pair_id)
        .order_by(ExternalSyncRun.id.desc())
        .first()
    )
    return found


def pairs_of(account_id: int) -> list[SyncPair]:
    return list(SyncPair.select().where(SyncPair.account == account_id).order_by(SyncPair.id))


def delete_account(account: ExternalAccount, *, actor: str) -> int:
    """The account, and the syncs that use it (each ended and audited); how many ended."""
    ended = pairs_of(account.id)
    with write_transaction():
        for pair in ended:
            delete_pair(pair, actor=actor)
        ExternalAccount.delete().where(ExternalAccount.id == account.id).execute()
        audit.record(
            actor,
            "external_account.delete",
            f"external-account:{account.id}",
            f"{account.url} as {account.username} ({len(ended)} syncs ended)",
        )
    return len(ended)
