"""Pushing local changes of a paired calendar to the external one, from the outbox:
each object is sent as it is now, with If-Match (the remote ETag last seen) or
If-None-Match: * (new there); a 412 is a conflict the pair's policy resolves; a remote
that is down or answers 5xx keeps the rows, retried with a growing pause. A row is
deleted only once its object arrived, so nothing is lost across a restart; an object
whose local ETag is the one both sides agreed on is not sent (it came from there)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

from resources.error_codes import Sentence, sentence
from resources.errors import DomainError
from resources.external_calendars.accounts import account_login
from resources.external_calendars.pair_problems import Lease
from resources.external_calendars.remote import (
    GETETAG,
    PROPFIND,
    CalDavClient,
    HttpAnswer,
    Login,
    RemoteUnreachable,
    SyncProblem,
    status_instead,
)
from resources.external_calendars.synced_objects import (
    apply_remote_body,
    delete_local,
    local_object,
    remote_wins,
    save_row,
    uid_of,
)
from resources.store.database import write_transaction
from resources.store.external_calendars import ExternalAccount, OutboxEntry, SyncedObject, SyncPair
from resources.store.models import Collection, StoredObject

FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS = 5.0, 900.0
CONTENT_TYPE = {"Content-Type": "text/calendar; charset=utf-8"}


class PushDeferred(SyncProblem):
    """The remote is down or failed (5xx): the rows stay for a later attempt."""


@dataclass
class PushResult:
    sent: int = 0
    deleted: int = 0
    conflicts: int = 0
    refused: int = 0
    deferred: Sentence | None = None  # why the rest waits for a later attempt
    problems: list[Sentence] = field(default_factory=list)  # objects refused or deferred


class _Pusher:
    def __init__(
        self, pair: SyncPair, client: CalDavClient, login: Login, lease: Lease | None
    ) -> None:
        self.pair, self.client, self.login, self.lease = pair, client, login, lease
        self.collection = Collection.get_by_id(pair.collection_id)
        self.result = PushResult()

    def send(self, method: str, href: str, body: bytes | None = None, **headers: str) -> HttpAnswer:
        url = urljoin(self.pair.remote_url, href)
        if self.lease is not None:
            self.lease.keep()
        try:
            answer = self.client.send(method, url, self.login, body=body, headers=headers)
        except RemoteUnreachable as error:
            raise PushDeferred(error.sentence) from None
        if answer.status >= 500:
            raise PushDeferred(status_instead(answer.status, method))
        return answer

    def etag_of(self, href: str) -> str:
        try:
            found = self.client.dav(
                PROPFIND, urljoin(self.pair.remote_url, href), (GETETAG,), self.login
            )
        except RemoteUnreachable as error:
            raise PushDeferred(error.sentence) from None
        return found.responses[0].text(GETETAG) if found.status == 207 and found.responses else ""

    def put(self, local: StoredObject, href: str, match: dict[str, str]) -> int:
        body = bytes(local.body)
        answer = self.send("PUT", href, body, **CONTENT_TYPE, **match)
        status: int = answer.status
        if status < 300:
            etag = answer.etag or self.etag_of(href)
            with write_transaction():
                save_row(self.pair, local.name, href, etag, local.etag, uid_of(body))
        return status

    def push_object(self, name: str) -> None:
        local = local_object(self.collection, name)
        row = SyncedObject.get_or_none(
            (SyncedObject.pair == self.pair.id) & (SyncedObject.name == name)
        )
        if local is None:
            if row is not None:
                self.push_deletion(row)
            return
        if row is not None and row.local_etag == local.etag:
            return  # both sides hold this version already (it came from there)
        href = (
            row.remote_href
            if row is not None
            else urlsplit(self.pair.remote_url).path + quote(name)
        )
        match = (
            {"If-Match": row.remote_etag}
            if row is not None and row.remote_etag
            else {"If-None-Match": "*"}
        )
        status = self.put(local, href, match)
        if status < 300:
            self.result.sent += 1
        elif status in (404, 412):
            self.result.conflicts += 1
            self.resolve(local, href)
        else:
            self.result.refused += 1
            self.note(sentence("external_change_refused", name=name, status=status))

    def resolve(self, local: StoredObject, href: str) -> None:
        """Both sides changed the object (or ours is new and theirs exists): the policy decides."""
        there = self.send("GET", href)
        if there.status == 404:
            if self.pair.conflict == "remote_wins" and SyncedObject.get_or_none(
                (SyncedObject.pair == self.pair.id) & (SyncedObject.name == local.name)
            ):
                with write_transaction():
                    delete_local(self.collection, local.name)
                    SyncedObject.delete().where(
                        (SyncedObject.pair == self.pair.id) & (SyncedObject.name == local.name)
                    ).execute()
                return
            if self.put(local, href, {"If-None-Match": "*"}) >= 300:
                raise PushDeferred(sentence("external_changed_again", name=local.name))
            return
        etag = there.etag or self.etag_of(href)
        if there.body.replace(b"\r\n", b"\n") == bytes(local.body).replace(
            b"\r\n", b"\n"
        ) or remote_wins(self.pair, local, there.body):
            with write_transaction():
                apply_remote_body(self.pair, self.collection, local.name, href, etag, there.body)
            return
        if self.put(local, href, {"If-Match": etag} if etag else {}) >= 300:
            raise PushDeferred(sentence("external_changed_again", name=local.name))

    def push_deletion(self, row: SyncedObject) -> None:
        headers = {"If-Match": row.remote_etag} if row.remote_etag else {}
        answer = self.send("DELETE", row.remote_href, None, **headers)
        if answer.status == 412:
            self.result.conflicts += 1
            there = self.send("GET", row.remote_href)
            if there.status == 200 and self.pair.conflict != "local_wins":
                with write_transaction():  # changed there after our deletion: theirs comes back
                    apply_remote_body(
                        self.pair,
                        self.collection,
                        row.name,
                        row.remote_href,
                        there.etag or self.etag_of(row.remote_href),
                        there.body,
                    )
                return
            answer = self.send("DELETE", row.remote_href)
        if answer.status < 300 or answer.status == 404:
            self.result.deleted += 1
        else:
            self.note(sentence("external_deletion_refused", name=row.name, status=answer.status))
        with write_transaction():
            SyncedObject.delete().where(SyncedObject.id == row.id).execute()

    def note(self, problem: Sentence) -> None:
        self.result.problems.append(problem)


def _pending(collection_id: int, now: float) -> dict[str, list[int]]:
    """Outbox row ids by object name, oldest first."""
    rows = (
        OutboxEntry.select(OutboxEntry.id, OutboxEntry.name)
        .where((OutboxEntry.collection_id == collection_id) & (OutboxEntry.next_attempt <= now))
        .order_by(OutboxEntry.id)
    )
    pending: dict[str, list[int]] = {}
    for row in rows:
        pending.setdefault(row.name, []).append(row.id)
    return pending


def _defer(ids: list[int], message: str, now: float) -> None:
    with write_transaction():
        for entry in OutboxEntry.select().where(OutboxEntry.id.in_(ids)):
            pause = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2**entry.attempts)
            OutboxEntry.update(
                attempts=entry.attempts + 1, next_attempt=now + pause, last_error=message[:2000]
            ).where(OutboxEntry.id == entry.id).execute()


def push_pair(
    pair: SyncPair, client: CalDavClient, *, now: float | None = None, lease: Lease | None = None
) -> PushResult:
    """Send the pair's due outbox rows; stops at the first outage (the rest wait too).
    A lease that is lost on the way (LeaseLost) stops it before its next request."""
    now = time.time() if now is None else now
    login = account_login(ExternalAccount.get_by_id(pair.account_id))
    pusher = _Pusher(pair, client, login, lease)
    pending = _pending(pair.collection_id, now)
    for name, ids in pending.items():
        try:
            pusher.push_object(name)
        except DomainError as error:  # the remote's version cannot be stored here
            pusher.result.refused += 1
            reason: Sentence | str = error.sentence or error.message
            pusher.note(sentence("external_object_problem", name=name, reason=reason))
        except PushDeferred as error:
            waiting = [i for more in pending.values() for i in more]
            _defer(waiting, error.message, now)
            pusher.result.deferred = error.sentence
            pusher.note(error.sentence)
            return pusher.result
        with write_transaction():
            OutboxEntry.delete().where(OutboxEntry.id.in_(ids)).execute()
    with write_transaction():
        SyncPair.update(last_push=time.time()).where(SyncPair.id == pair.id).execute()
    return pusher.result
